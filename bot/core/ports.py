"""The seams between the core and what the wiring builds around it, as Protocols: the
core and the commands name what they need, not the classes that provide it, so no module
here imports the scheduler, the outbox or a platform."""

from __future__ import annotations

from typing import Protocol

from bot.core.model import UserRef
from bot.programme.changes import Change
from bot.storage.polls import Poll
from bot.storage.qa import Change as Moderation
from bot.storage.qa import Question
from bot.translation import Translated


class Operations(Protocol):
    """The running side that commands may ask for: reminders, announcements and the
    programme's reload (`bot.runtime.Runtime`). Absent when a command runs without it
    (a test, or the `forum-bot` sub-commands that only read)."""

    def platforms(self) -> list[str]:
        """The platforms the bot is on right now."""
        ...

    async def replan(self) -> None:
        """Plan again after a subscription or an announcement changed."""
        ...

    def open_dm(self, platform: str, user_id: str) -> None:
        """Open and keep a person's DM channel in the background (when they subscribe)."""
        ...

    async def reload_agenda(self, actor: UserRef | None = None) -> list[Change]:
        """Read the event file again; announce and apply what changed."""
        ...


class QANotices(Protocol):
    """What live Q&A tells the platforms (`bot.qa.notices.Notices`)."""

    async def asked(self, q: Question) -> None:
        """A question came in (to the moderators if it waits for them)."""
        ...

    async def moderated(self, change: Moderation) -> None:
        """A moderator approved, rejected, answered or highlighted a question."""
        ...

    def votes_changed(self, q: Question) -> None:
        """A question's votes changed: its card is due an edit."""
        ...


class PollNotices(Protocol):
    """What live polls tell the platforms, and the planner (`bot.polls.notices`)."""

    async def opened(self, poll: Poll) -> None:
        """A poll opened: its card goes up, with a button per option."""
        ...

    def votes_changed(self, poll: Poll) -> None:
        """A poll's counts changed: its cards are due an edit."""
        ...

    async def closed(self, poll: Poll) -> None:
        """A poll that was open closed: its cards show the end, and the result is posted."""
        ...

    async def replan(self) -> None:
        """A poll's moments (opening at its session's start, closing) may have changed."""
        ...


class MachineTranslator(Protocol):
    """A machine-translation service (`bot.translation.provider`: DeepL or Papago) for
    the moderators' "Translate". Language codes are ours ("en", "ko"); each provider
    maps them to its service's."""

    name: str  # as shown beside a translation: "DeepL", "Papago"

    async def translate(self, text: str, target: str, source: str | None = None) -> Translated:
        """`text` in the `target` language (from `source`, None: the service finds it).
        Raises `bot.translation.TranslationFailed` with a short reason, within the
        configured timeout."""
        ...

    async def close(self) -> None:
        """Let go of connections (at shutdown)."""
        ...
