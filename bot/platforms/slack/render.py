"""Slack messages from the core's replies: mrkdwn escaped and mentions neutralised, cards as
Block Kit, times as Slack's own date tokens."""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from bot.core.model import (
    Button,
    Reply,
    Text,
    plain,
)
from bot.core.paging import PageLimits
from bot.core.text import clip

_DATE_TOKENS = {
    "t": "{time}",
    "d": "{date_short_pretty}",
    "f": "{date_short_pretty} {time}",
    "R": "{ago}",
}
_FORMATTING = "*_~`"
_SPECIAL = re.compile(r"[&<>*_~`]")


def escape(text: str) -> str:
    """User text that Slack shows literally: no `<!channel>`, link, mention or formatting."""
    if _SPECIAL.search(text) is None:
        return text  # most text: nothing to do, and no copy
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    # mrkdwn has no escape character: a zero-width space after a formatting character
    # breaks the pair that would make it bold, italic, struck or code.
    for mark in _FORMATTING:
        if mark in text:
            text = text.replace(mark, mark + "\u200b")
    return text


def render_text(text: Text) -> str:
    """mrkdwn: literal pieces escaped, stamps as `<!date^UNIX^...|fallback>`."""
    if isinstance(text, str):
        return escape(text)
    out = []
    for piece in text:
        if isinstance(piece, str):
            out.append(escape(piece))
        else:
            token = _DATE_TOKENS.get(piece.style, "{date_short_pretty} {time}")
            fallback = escape(piece.fallback.replace("|", "/"))
            out.append(f"<!date^{_unix(piece.at)}^{token}|{fallback}>")
    return "".join(out)


@functools.lru_cache(maxsize=4096)
def _unix(at: datetime) -> int:
    """Seconds since the epoch; the agenda's moments come back in every answer."""
    return int(at.timestamp())


def _sections(lines: Sequence[str], limit: int = 3000) -> list[dict[str, Any]]:
    """Lines packed into as few mrkdwn sections as Slack's 3,000 characters allow."""
    blocks: list[dict[str, Any]] = []
    current = ""
    for line in lines:
        line = clip(line, limit)
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit:
            blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": current}})
            current = line
        else:
            current = candidate
    if current:
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": current}})
    return blocks


def _rendered_cost(text: Text) -> int:
    """A line's characters in mrkdwn (escapes and `<!date^…>` stamps), with its break."""
    return len(render_text(text)) + 1


# One page of a long answer: at most 12,000 rendered characters, which `_sections` packs
# into at most 9 sections of 3,000 (each two neighbours hold more than 3,000), so with its
# header, fields, footer and buttons a page stays far below Slack's 50 blocks.
PAGE_LIMITS = PageLimits(12_000, _rendered_cost)


def action_id(button: Button, index: int) -> str:
    """Slack wants action ids unique within a block; the index is cut off on return."""
    return f"{button.action_id}#{index}"[:255]


def render_blocks(reply: Reply) -> list[dict[str, Any]]:
    """A reply as Block Kit: header, fields, lines, footer, buttons (at most 50 blocks)."""
    blocks: list[dict[str, Any]] = []
    if reply.text:
        blocks += _sections([render_text(reply.text)])
    card = reply.card
    if card is not None:
        blocks.append(
            {"type": "header", "text": {"type": "plain_text", "text": clip(card.title, 150)}}
        )
        if card.fields:
            fields = [
                {
                    "type": "mrkdwn",
                    "text": clip(f"*{escape(f.name)}*\n{render_text(f.value)}", 2000),
                }
                for f in card.fields[:10]
            ]
            blocks.append({"type": "section", "fields": fields})
        blocks += _sections([render_text(line) for line in card.lines])
        if card.footer:
            blocks.append(
                {
                    "type": "context",
                    "elements": [{"type": "mrkdwn", "text": clip(escape(card.footer), 3000)}],
                }
            )
    if reply.buttons:
        blocks.append(
            {
                "type": "actions",
                "elements": [
                    {
                        "type": "button",
                        "text": {"type": "plain_text", "text": clip(b.label, 75)},
                        "action_id": action_id(b, i),
                        "value": b.value[:2000] or "-",
                        **({"style": b.style} if b.style in ("primary", "danger") else {}),
                    }
                    for i, b in enumerate(reply.buttons[:25])
                ],
            }
        )
    if len(blocks) > 50:
        blocks = [*blocks[:49], *_sections(["…"])]
    return blocks


def fallback_text(reply: Reply) -> str:
    """The notification text that goes with blocks (and what old clients show)."""
    parts = [plain(reply.text)] if reply.text else []
    if reply.card is not None:
        parts.append(reply.card.title)
    return clip(escape(" · ".join(p for p in parts if p)) or "forum-bot", 3000)


def message(reply: Reply) -> dict[str, Any]:
    """Arguments for chat.postMessage / respond / ack."""
    return {"text": fallback_text(reply), "blocks": render_blocks(reply)}
