"""Platform-neutral values that flow between adapters and the core."""

from __future__ import annotations

import enum
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


@dataclass(frozen=True)
class Attachment:
    """A file sent with a reply, e.g. an .ics or a CSV export."""

    filename: str
    data: bytes
    mime_type: str = "application/octet-stream"


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
    """A button press, as a platform delivered it."""

    platform: str
    action_id: str
    value: str
    user: UserRef
    channel: ChannelRef
    roles: frozenset[Role] = frozenset({Role.PARTICIPANT})
    locale: str | None = None

    @property
    def role(self) -> Role:
        """The highest role this user holds."""
        return max(self.roles, default=Role.PARTICIPANT)
