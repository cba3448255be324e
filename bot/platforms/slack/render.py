"""Slack messages from the core's replies: mrkdwn escaped and mentions neutralised, cards as
Block Kit, times as Slack's own date tokens."""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from bot.core.model import (
    Button,
    Form,
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


# Our forms' modals all go by one callback id; what each submission runs travels in its
# private_metadata (`form_metadata`).
FORM_CALLBACK = "forum-bot.form"
# The action id of every form's text input: its block's id is the field's name.
FORM_INPUT = "text"
# A modal's limits: title and buttons 24 characters, private_metadata 3,000, at most 100
# blocks; an input's label 2,000, its placeholder 150, its text 3,000.
_VIEW_TEXT = 24
_METADATA = 3000
_VIEW_BLOCKS = 100
_INPUT_LABEL = 2000
_INPUT_HINT = 150
_INPUT_LENGTH = 3000


def _plain(text: str, limit: int) -> dict[str, Any]:
    return {"type": "plain_text", "text": clip(text, limit) or "-"}


def form_metadata(form: Form, channel_id: str) -> str | None:
    """What a form's submission needs back (its action, its value, the channel it was
    opened in: Slack sends none with a submission), as private_metadata; None when it
    does not fit Slack's 3,000 characters."""
    data = json.dumps({"a": form.action_id, "v": form.value, "c": channel_id}, ensure_ascii=False)
    return data if len(data) <= _METADATA else None


def read_form_metadata(text: str) -> tuple[str, str, str] | None:
    """(action, value, channel) from a submission's private_metadata; None when it is
    not ours."""
    try:
        data = json.loads(text) if len(text) <= _METADATA else None
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    parts = (data.get("a"), data.get("v"), data.get("c"))
    if not all(isinstance(p, str) for p in parts) or not data.get("a"):
        return None
    return str(parts[0]), str(parts[1]), str(parts[2])


def form_view(form: Form, metadata: str, submit: str, close: str) -> dict[str, Any]:
    """A form as a Slack modal: one input block per input, the block named after it.
    `submit` labels the submit button unless the form names its own; `close` the other."""
    blocks: list[dict[str, Any]] = []
    for i in form.inputs:
        longest = min(i.max_length, _INPUT_LENGTH)
        # Plain text throughout: the value is filled in as stored, nothing is markup.
        element: dict[str, Any] = {
            "type": "plain_text_input",
            "action_id": FORM_INPUT,
            "multiline": i.long,
            "max_length": longest,
        }
        if i.value:
            element["initial_value"] = i.value[:longest]
        if i.hint:
            element["placeholder"] = _plain(i.hint, _INPUT_HINT)
        blocks.append(
            {
                "type": "input",
                "block_id": i.name,
                "optional": not i.required,
                "label": _plain(i.label, _INPUT_LABEL),
                "element": element,
            }
        )
    return {
        "type": "modal",
        "callback_id": FORM_CALLBACK,
        "private_metadata": metadata,
        "title": _plain(form.title, _VIEW_TEXT),
        "submit": _plain(form.submit or submit, _VIEW_TEXT),
        "close": _plain(close, _VIEW_TEXT),
        "blocks": blocks,
    }


def answer_view(reply: Reply, title: str, close: str, done: str) -> dict[str, Any]:
    """A small modal in place of a submitted form, showing its answer (`done` when the
    answer says nothing); buttons stay out: a press in a modal has nowhere to answer."""
    blocks = render_blocks(replace(reply, buttons=(), form=None)) or _sections([escape(done)])
    return {
        "type": "modal",
        "callback_id": FORM_CALLBACK,
        "title": _plain(title, _VIEW_TEXT),
        "close": _plain(close, _VIEW_TEXT),
        "blocks": blocks[:_VIEW_BLOCKS],
    }


def submitted_fields(view: Any) -> dict[str, str]:
    """The text typed in a submitted modal, by input block: `view.state.values`, each
    block's first element (an empty optional input comes as null: "")."""
    state = view.get("state") if isinstance(view, dict) else None
    values = state.get("values") if isinstance(state, dict) else None
    fields: dict[str, str] = {}
    if not isinstance(values, dict):
        return fields
    for block_id, elements in values.items():
        if not isinstance(elements, dict) or not elements:
            continue
        element = next(iter(elements.values()))
        value = element.get("value") if isinstance(element, dict) else None
        fields[str(block_id)] = value if isinstance(value, str) else ""
    return fields


def first_input(view: Any) -> str | None:
    """The block id of a modal's first input block (where a refusal is shown)."""
    blocks = view.get("blocks") if isinstance(view, dict) else None
    for block in blocks if isinstance(blocks, list) else []:
        if isinstance(block, dict) and block.get("type") == "input" and block.get("block_id"):
            return str(block["block_id"])
    return None
