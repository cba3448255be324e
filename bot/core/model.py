"""Platform-neutral values that flow between adapters and the core."""

from __future__ import annotations

import base64
import enum
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


class Role(enum.IntEnum):
    """Who may run what; a higher role may do everything a lower one may."""

    PARTICIPANT = 0
    MODERATOR = 1
    ORGANISER = 2

    @classmethod
    def parse(cls, text: str) -> Role:
        """Read a role name as typed on a command line or in YAML."""
        key = text.strip().upper().replace("ORGANIZER", "ORGANISER")
        return cls[key]


def roles_up_to(role: Role) -> frozenset[Role]:
    """`role` and every role below it: what a person holding `role` may act as."""
    return _UP_TO[role]


_UP_TO = {top: frozenset(r for r in Role if r <= top) for top in Role}


@dataclass(frozen=True)
class UserRef:
    """A person on one platform; `id` is that platform's own user id."""

    platform: str
    id: str
    name: str = ""

    @property
    def key(self) -> str:
        """A key unique across platforms, used by the store."""
        return f"{self.platform}:{self.id}"


@dataclass(frozen=True)
class ChannelRef:
    """A place messages go: a channel, a DM, or the terminal."""

    platform: str
    id: str
    name: str = ""


@dataclass(frozen=True)
class Stamp:
    """A moment in time inside a text.

    Discord and Slack render such a moment in each reader's own zone; everywhere else
    `fallback`, already formatted in the user's zone and language, is shown.
    `style` is "t" (time), "d" (date), "f" (date and time) or "R" (relative).
    """

    at: datetime
    style: str
    fallback: str


# A text is plain characters or a run of plain pieces and stamps. Every character in it is
# literal: adapters escape it for their platform, so nothing a user typed becomes markup.
Text = str | tuple[str | Stamp, ...]


def plain(text: Text) -> str:
    """The text as a person reads it where no platform renders stamps."""
    if isinstance(text, str):
        return text
    return "".join(p if isinstance(p, str) else p.fallback for p in text)


def joined(*texts: Text) -> Text:
    """Texts one after another (a plain string when none holds a stamp)."""
    if all(isinstance(t, str) for t in texts):
        return "".join(t for t in texts if isinstance(t, str))
    return tuple(p for t in texts for p in ((t,) if isinstance(t, str) else t) if p != "")


@dataclass(frozen=True)
class Field:
    """A labelled value on a card, e.g. "Room: Hall A"."""

    name: str
    value: Text
    inline: bool = True


@dataclass(frozen=True)
class Card:
    """A structured answer that each adapter renders natively (embed, Block Kit, box)."""

    title: str
    fields: tuple[Field, ...] = ()
    lines: tuple[Text, ...] = ()
    footer: str = ""


@dataclass(frozen=True)
class Button:
    """A button; a press comes back to `Core.on_action` as an `Action`."""

    label: str
    action_id: str
    value: str = ""
    style: str = "secondary"  # primary | secondary | danger


# What a form's field may be called: its key in the submission, the same on every platform
# (a Discord text input's custom_id, a Slack input block's block_id).
FIELD_NAME = re.compile(r"[A-Za-z0-9_]{1,40}")
# Discord shows at most five text inputs in one modal.
MAX_INPUTS = 5


@dataclass(frozen=True)
class Input:
    """One text field of a form."""

    name: str  # its key in the submission (letters, digits, _ ; <= 40 chars)
    label: str  # <= 45 characters (Discord's limit)
    value: str = ""  # filled in already
    max_length: int = 1000
    required: bool = True
    long: bool = True  # several lines (paragraph) or one
    hint: str = ""  # placeholder, <= 100 characters


@dataclass(frozen=True)
class Form:
    """A small form a button opens (Discord modal, Slack modal); its submission runs the
    action `action_id` with `value`, and the fields typed in `Context.fields`.

    Adapters clip titles and labels to their platform's limits; a name that is not a
    name, no input or more than five, or two inputs of one name are a mistake of the
    handler that made the form (ValueError).
    """

    title: str  # <= 24 characters (Slack's limit; Discord's is 45)
    action_id: str
    value: str = ""
    inputs: tuple[Input, ...] = ()  # 1..5 (Discord's limit)
    submit: str = ""  # the submit button's label ("" : a default)
    fallback: Text = ""  # what a surface without forms shows instead: how to do it by command

    def __post_init__(self) -> None:
        names = [i.name for i in self.inputs]
        if not 1 <= len(names) <= MAX_INPUTS:
            raise ValueError(f"a form has 1 to {MAX_INPUTS} inputs, not {len(names)}")
        bad = [n for n in names if not FIELD_NAME.fullmatch(n)]
        if bad or len(set(names)) != len(names):
            raise ValueError(f"input names must be distinct names: {names}")
        if (
            not self.title.strip()
            or not self.action_id
            or any(not i.label.strip() or i.max_length < 1 for i in self.inputs)
        ):
            raise ValueError("a form needs a title, an action, labels and room to type")


@dataclass(frozen=True)
class Attachment:
    """A file sent with a reply, e.g. an .ics or a CSV export."""

    filename: str
    data: bytes
    mime_type: str = "application/octet-stream"


@dataclass(frozen=True)
class Paging:
    """Says that a card's lines may be more than one message holds, and how to show more.

    The core then shows one page of them at a time, as much as the platform's message
    holds, with previous and next buttons and "Page 2 of 7". A page button runs the
    action `action_id` with `value` again and shows that page of its answer: nothing is
    kept between presses, and a page reflects what changed meanwhile (new votes).
    """

    action_id: str
    value: str = ""
    # Leading lines shown on every page (a day's theme, the question on screen now).
    keep: int = 0
    # At most this many lines a page; 0: as many as the platform's message holds.
    per_page: int = 0
    # Buttons that belong to one line each (a question's ▲), in the order of the lines
    # after `keep`: each shows on its own line's page.
    line_buttons: tuple[tuple[Button, ...], ...] = ()
    # Set when the handler read only the page asked for (`Context.page`) of a list too
    # long to read whole for every request: the lines after `keep` are page `page`, of
    # `total` lines in all, `per_page` a page. Lines too long for one message together
    # are shortened to fit it.
    page: int = 0
    total: int = 0


@dataclass(frozen=True)
class Reply:
    """What a command answers: text and/or a card, with optional buttons and file."""

    text: Text = ""
    card: Card | None = None
    buttons: tuple[Button, ...] = ()
    ephemeral: bool = True
    file: Attachment | None = None
    # True when the reply reports a refusal or a mistake; adapters may style it.
    error: bool = False
    # Set by a handler whose card can be long; the core cuts the page and clears it.
    paging: Paging | None = None
    # A form to open (a button's or a command's answer on Discord and Slack); a surface
    # without forms shows its `fallback` instead.
    form: Form | None = None


@dataclass(frozen=True)
class Invocation:
    """One command as a platform delivered it.

    `args` maps option names to values: typed values from platforms that type them
    (Discord), strings from those that do not (terminal, Slack); the core converts.
    """

    platform: str
    command: str
    user: UserRef
    channel: ChannelRef
    args: Mapping[str, Any] = field(default_factory=dict)
    roles: frozenset[Role] = frozenset({Role.PARTICIPANT})
    locale: str | None = None

    @property
    def role(self) -> Role:
        """The highest role this user holds."""
        return max(self.roles, default=Role.PARTICIPANT)


@dataclass(frozen=True)
class Action:
    """A button press or a form's submission, as a platform delivered it."""

    platform: str
    action_id: str
    value: str
    user: UserRef
    channel: ChannelRef
    roles: frozenset[Role] = frozenset({Role.PARTICIPANT})
    locale: str | None = None
    # What was typed in a form's fields, by name, as the platform sent it (the core
    # cleans it into `Context.fields`); empty for a button press.
    fields: Mapping[str, str] = field(default_factory=dict)

    @property
    def role(self) -> Role:
        """The highest role this user holds."""
        return max(self.roles, default=Role.PARTICIPANT)


# Replies kept in the outbox are stored as JSON: a sender that restarts after a crash must
# send exactly what was planned, long after the handler that made it is gone.


def _text_to_json(text: Text) -> Any:
    if isinstance(text, str):
        return text
    return [
        p if isinstance(p, str) else {"at": p.at.isoformat(), "style": p.style, "fb": p.fallback}
        for p in text
    ]


def _text_from_json(data: Any) -> Text:
    if isinstance(data, str):
        return data
    return tuple(
        p if isinstance(p, str) else Stamp(datetime.fromisoformat(p["at"]), p["style"], p["fb"])
        for p in data
    )


def reply_to_json(reply: Reply) -> dict[str, Any]:
    """A reply as plain JSON data."""
    data: dict[str, Any] = {"text": _text_to_json(reply.text), "ephemeral": reply.ephemeral}
    if reply.card is not None:
        c = reply.card
        data["card"] = {
            "title": c.title,
            "fields": [[f.name, _text_to_json(f.value), f.inline] for f in c.fields],
            "lines": [_text_to_json(line) for line in c.lines],
            "footer": c.footer,
        }
    if reply.buttons:
        data["buttons"] = [[b.label, b.action_id, b.value, b.style] for b in reply.buttons]
    if reply.file is not None:
        data["file"] = [
            reply.file.filename,
            base64.b64encode(reply.file.data).decode("ascii"),
            reply.file.mime_type,
        ]
    if reply.form is not None:
        # Nothing queues a form today (only an interaction can open one); kept whole all
        # the same, so a reply reads back as it was.
        f = reply.form
        data["form"] = {
            "title": f.title,
            "action_id": f.action_id,
            "value": f.value,
            "inputs": [
                [i.name, i.label, i.value, i.max_length, i.required, i.long, i.hint]
                for i in f.inputs
            ],
            "submit": f.submit,
            "fallback": _text_to_json(f.fallback),
        }
    return data


def reply_from_json(data: dict[str, Any]) -> Reply:
    """The reply `reply_to_json` wrote."""
    card = None
    if "card" in data:
        c = data["card"]
        card = Card(
            c["title"],
            tuple(Field(n, _text_from_json(v), bool(i)) for n, v, i in c["fields"]),
            tuple(_text_from_json(line) for line in c["lines"]),
            c["footer"],
        )
    file = None
    if "file" in data:
        name, b64, mime = data["file"]
        file = Attachment(name, base64.b64decode(b64), mime)
    form = None
    if "form" in data:
        f = data["form"]
        form = Form(
            f["title"],
            f["action_id"],
            f["value"],
            tuple(Input(*i) for i in f["inputs"]),
            f["submit"],
            _text_from_json(f["fallback"]),
        )
    return Reply(
        text=_text_from_json(data["text"]),
        card=card,
        buttons=tuple(Button(*b) for b in data.get("buttons", [])),
        ephemeral=bool(data.get("ephemeral", False)),
        file=file,
        form=form,
    )
