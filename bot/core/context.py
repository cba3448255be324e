"""What a handler is given: everything it may use, passed in, never global."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from bot.core.clock import Clock
from bot.core.model import ChannelRef, Role, UserRef
from bot.i18n import Translator
from bot.programme import Agenda
from bot.storage import Prefs, Store

if TYPE_CHECKING:
    from bot.core.registry import CommandSpec
    from bot.settings import EventConfig


class UserError(Exception):
    """A refusal or mistake to tell the user, as message `key` with `params`."""

    def __init__(self, key: str, **params: Any) -> None:
        super().__init__(key)
        self.key = key
        self.params = params


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
    # bot.runtime.Runtime when the bot runs its scheduled side (reminders, announcements).
    runtime: Any = None
    # bot.qa.service.QA: the live Q&A rules (typed loosely: bot.qa.service needs this module).
    qa: Any = None
    # The names this platform's people type for commands, where they differ from ours.
    command_names: Mapping[str, str] = field(default_factory=dict)

    def usage(self, spec: CommandSpec) -> str:
        """A command's usage as people type it here: `/remindme <session> [minutes]` on
        Slack for /remind."""
        return spec.usage_as(self.platform, self.command_names)

    @property
    def event_tz(self) -> ZoneInfo:
        """The event's own time zone."""
        return self.agenda.event.timezone
