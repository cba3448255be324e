"""What a handler is given: everything it may use, passed in, never global."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot.core.clock import Clock
from bot.core.model import ChannelRef, Role, UserRef
from bot.i18n import Translator
from bot.programme import Agenda
from bot.storage import Prefs, Store

if TYPE_CHECKING:
    from bot.core.ports import Operations
    from bot.core.registry import CommandSpec
    from bot.polls.service import Polls
    from bot.qa.service import QA
    from bot.settings import EventConfig


@dataclass
class Context:
    """One command's world: who asked, where, and the bot's parts."""

    platform: str
    user: UserRef
    channel: ChannelRef
    role: Role
    store: Store
    clock: Clock
    t: Translator
    agenda: Agenda
    config: EventConfig
    prefs: Prefs
    commands: Sequence[CommandSpec]
    # The live Q&A rules.
    qa: QA
    # Live polls.
    polls: Polls
    # The scheduled side (reminders, announcements), when the bot runs one.
    runtime: Operations | None = None
    # The names this platform's people type for commands, where they differ from ours.
    command_names: Mapping[str, str] = field(default_factory=dict)
    # The page of a long answer asked for (by its page buttons; 1 for a command). A
    # handler that reads only that page of a long list uses it (`Paging.page`).
    page: int = 1
    # What was typed in a form's fields, by name (`Form`, `Input`), cleaned as typed text
    # is everywhere: one line each; empty for a command or a button press.
    fields: Mapping[str, str] = field(default_factory=dict)

    def usage(self, spec: CommandSpec) -> str:
        """A command's usage as people type it here: `/remindme <session> [minutes]` on
        Slack for /remind."""
        return spec.usage_as(self.platform, self.command_names)

    @property
    def event_tz(self) -> ZoneInfo:
        """The event's own time zone."""
        return self.agenda.event.timezone
