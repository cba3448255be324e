"""Discord messages from the core's replies: markup escaped and mentions neutralised,
cards as embeds, buttons as components, long text split within Discord's limits."""

from __future__ import annotations

import functools
import io
import re
from collections.abc import Sequence
from typing import Any

import discord
import orjson
from discord.http import MultipartParameters

from bot.core.model import (
    Attachment,
    Button,
    Card,
    Form,
    Reply,
    Stamp,
    Text,
)
from bot.core.paging import PageLimits
from bot.core.text import clip

MAX_CONTENT = 2000
_STYLES = {
    "primary": discord.ButtonStyle.primary,
    "secondary": discord.ButtonStyle.secondary,
    "danger": discord.ButtonStyle.danger,
}
_EPHEMERAL = 64  # the message flag
_NO_MENTIONS: dict[str, Any] = {"parse": []}  # what AllowedMentions.none() sends
_COLOUR = 0x2B6CB0
# Rendered texts are cached: the same agenda lines go out in answer after answer. Long
# ones (questions, announcements) are rare and rendered each time, to bound the memory.
_RENDER_CACHE = 4096
_CACHED_CHARS = 256
# Markdown and mention syntax, escaped so that user text shows as typed.
_MARKUP = re.compile(r"([\\*_~`|<>\[\]])")
_LINE_START = re.compile(r"^(\s*)([#>\-+]|\d+\.)", re.MULTILINE)
_PING = re.compile(r"@(everyone|here)")


def _inline(text: str) -> str:
    text = _MARKUP.sub(r"\\\1", text)
    return _PING.sub("@\u200b\\1", text)


_inline_cached = functools.lru_cache(maxsize=_RENDER_CACHE)(_inline)


def _escape_inline(text: str) -> str:
    return _inline_cached(text) if len(text) <= _CACHED_CHARS else _inline(text)


def _escape(text: str) -> str:
    return _LINE_START.sub(r"\1\\\2", _escape_inline(text))


_escape_cached = functools.lru_cache(maxsize=_RENDER_CACHE)(_escape)


def escape(text: str) -> str:
    """User-visible text that Discord shows literally: no markup, mention or ping."""
    return _escape_cached(text) if len(text) <= _CACHED_CHARS else _escape(text)


def render_text(text: Text) -> str:
    """A text for Discord: literal pieces escaped, stamps as `<t:UNIX:style>`."""
    if isinstance(text, str):
        return escape(text)
    if sum(len(piece) for piece in text if isinstance(piece, str)) <= _CACHED_CHARS:
        return _pieces_cached(text)
    return _pieces(text)


def _pieces(text: tuple[str | Stamp, ...]) -> str:
    parts = []
    for piece in text:
        if isinstance(piece, Stamp):
            parts.append(f"<t:{int(piece.at.timestamp())}:{piece.style}>")
        else:
            parts.append(_escape_inline(piece))
    # Headings and lists only start lines: checked once the pieces are joined.
    return _LINE_START.sub(r"\1\\\2", "".join(parts))


_pieces_cached = functools.lru_cache(maxsize=_RENDER_CACHE)(_pieces)


def split_content(text: str, limit: int = MAX_CONTENT) -> list[str]:
    """Text cut into messages of at most `limit` characters, at line ends where possible."""
    chunks: list[str] = []
    current = ""
    for line in text.split("\n"):
        while len(line) > limit:
            if current:
                chunks.append(current)
                current = ""
            chunks.append(line[:limit])
            line = line[limit:]
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit:
            chunks.append(current)
            current = line
        else:
            current = candidate
    if current or not chunks:
        chunks.append(current)
    return chunks


def embed_data(card: Card) -> dict[str, Any]:
    """A card as Discord's embed JSON, within its limits (title 256, description 4096,
    25 fields of 256 + 1024, footer 2048)."""
    lines = [render_text(line) for line in card.lines]
    description = ""
    for i, line in enumerate(lines):
        more = f"\n… (+{len(lines) - i})"
        if len(description) + len(line) + 1 + len(more) > 4096:
            if not description:
                # One line longer than a description holds (a long abstract): its start.
                more = f"\n… (+{len(lines) - i - 1})" if i + 1 < len(lines) else ""
                description = clip(line, 4096 - len(more))
            description += more
            break
        description = f"{description}\n{line}" if description else line
    data: dict[str, Any] = {"type": "rich", "title": clip(escape(card.title), 256)}
    data["color"] = _COLOUR
    if description:
        data["description"] = description
    if card.fields:
        data["fields"] = [
            {
                "name": clip(escape(f.name), 256),
                "value": clip(render_text(f.value), 1024) or "-",
                "inline": f.inline,
            }
            for f in card.fields[:25]
        ]
    if card.footer:
        data["footer"] = {"text": clip(card.footer, 2048)}
    return data


def _rendered_cost(text: Text) -> int:
    """A line's characters in an embed (escapes and `<t:…>` stamps), with its break."""
    return len(render_text(text)) + 1


# One page of a long answer is one embed whose title, lines and footer come to at most
# 4,000 rendered characters: under both the description's 4,096 and a message's 6,000 in
# all embeds. (More embeds would not hold much more: the 6,000 are shared.)
PAGE_LIMITS = PageLimits(4000, _rendered_cost)


def custom_id(button: Button) -> str:
    """The component id that brings a press back as an Action (Discord allows 100)."""
    return f"{button.action_id}|{button.value}"[:100]


def components_data(buttons: Sequence[Button]) -> list[dict[str, Any]]:
    """Buttons as Discord's component JSON: rows of five, at most 25."""
    items = [
        {
            "type": 2,
            "style": _STYLES.get(b.style, discord.ButtonStyle.secondary).value,
            "label": clip(b.label, 80),
            "custom_id": custom_id(b),
        }
        for b in buttons[:25]
    ]
    return [{"type": 1, "components": items[i : i + 5]} for i in range(0, len(items), 5)]


# A modal's limits: title and labels 45 characters, placeholders 100, a text input's
# value 4,000; ids 100 (the modal's carries the action and its value).
_MODAL_TITLE = 45
_INPUT_LABEL = 45
_INPUT_HINT = 100
_INPUT_LENGTH = 4000
_CUSTOM_ID = 100
_TEXT_INPUT = 4
_SHORT, _PARAGRAPH = 1, 2
# The most components a submission's walk looks at: a modal holds five text inputs.
_MAX_SUBMITTED = 50


def modal_data(form: Form) -> dict[str, Any] | None:
    """A form as Discord's modal (the data of a MODAL callback): each input a text input
    in an action row of its own. None when the action and its value do not fit the
    modal's custom id: cut, the submission would name another value."""
    modal_id = f"{form.action_id}|{form.value}"
    if len(modal_id) > _CUSTOM_ID:
        return None
    rows: list[dict[str, Any]] = []
    for i in form.inputs:
        longest = min(i.max_length, _INPUT_LENGTH)
        # Texts in a modal are plain (no markdown): the value is filled in as stored.
        text_input: dict[str, Any] = {
            "type": _TEXT_INPUT,
            "custom_id": i.name,
            "label": clip(i.label, _INPUT_LABEL),
            "style": _PARAGRAPH if i.long else _SHORT,
            "min_length": 1 if i.required else 0,
            "max_length": longest,
            "required": i.required,
        }
        if i.value:
            text_input["value"] = i.value[:longest]
        if i.hint:
            text_input["placeholder"] = clip(i.hint, _INPUT_HINT)
        rows.append({"type": 1, "components": [text_input]})
    return {"custom_id": modal_id, "title": clip(form.title, _MODAL_TITLE), "components": rows}


def submitted_fields(components: Any) -> dict[str, str]:
    """The values of a MODAL_SUBMIT's text inputs by custom id, found in action rows (or
    in the label components Discord's newer modals use); a value that is not text is
    taken as empty. The core then checks names and lengths."""
    fields: dict[str, str] = {}
    pending = list(components) if isinstance(components, list) else []
    seen = 0
    while pending and seen < _MAX_SUBMITTED:
        item = pending.pop(0)
        seen += 1
        if not isinstance(item, dict):
            continue
        if item.get("type") == _TEXT_INPUT and isinstance(item.get("custom_id"), str):
            value = item.get("value")
            fields[item["custom_id"]] = value if isinstance(value, str) else ""
        inner = item.get("components")
        if isinstance(inner, list):
            pending.extend(inner)
        if isinstance(item.get("component"), dict):
            pending.append(item["component"])
    return fields


def message_data(reply: Reply, *, ephemeral: bool = False) -> tuple[dict[str, Any], list[str]]:
    """The first message of `reply` as Discord's message JSON, and the text of the
    messages that follow it (a text over 2,000 characters). The one renderer: answers,
    follow-ups, posts and edits all send this JSON through discord.py (its webhook adapter
    for interaction answers, its REST client for posts and edits)."""
    chunks = split_content(render_text(reply.text)) if reply.text else []
    data: dict[str, Any] = {"allowed_mentions": _NO_MENTIONS}
    if chunks:
        data["content"] = chunks[0]
    if reply.card is not None:
        data["embeds"] = [embed_data(reply.card)]
    if reply.buttons:
        data["components"] = components_data(reply.buttons)
    if reply.file is not None:
        data["attachments"] = [{"id": 0, "filename": reply.file.filename}]
    if "content" not in data and "embeds" not in data and reply.file is None:
        data["content"] = "\u200b"  # Discord refuses an empty message
    if ephemeral:
        data["flags"] = _EPHEMERAL
    return data, chunks[1:]


def replacement_data(reply: Reply) -> dict[str, Any]:
    """JSON that replaces a message whole: what the new version lacks goes (an answered
    question's card loses its vote button). Files stay as they were."""
    data, _ = message_data(reply)
    data.pop("attachments", None)
    data.setdefault("content", None)
    data.setdefault("embeds", [])
    data.setdefault("components", [])
    return data


def request_params(payload: dict[str, Any], file: Attachment | None) -> MultipartParameters:
    """discord.py's request parameters: JSON, or multipart with `payload_json` and a file."""
    if file is None:
        return MultipartParameters(payload, None, None)
    upload = discord.File(io.BytesIO(file.data), filename=file.filename)
    form: list[dict[str, Any]] = [
        {"name": "payload_json", "value": orjson.dumps(payload).decode()},
        {
            "name": "files[0]",
            "value": upload.fp,
            "filename": upload.filename,
            "content_type": "application/octet-stream",
        },
    ]
    return MultipartParameters(payload, form, [upload])
