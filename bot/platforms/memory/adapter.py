"""The in-memory adapter: a platform that keeps every message in a list.

Like errbot's test backend, it lets a test (or a script) run the whole bot, the core,
the planner, the outbox and its senders, without a network: people "type" commands with
`say`, press buttons with `press` and fill in the forms those open with `submit`, and
everything the bot posts, sends by DM or edits is recorded in order, as the platform
would show it. Failures are arranged per channel or person (`fail`), to see
retries and give-ups without a fake server.
"""

from __future__ import annotations

import itertools
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from bot.core.dispatch import Core
from bot.core.model import (
    Action,
    Button,
    ChannelRef,
    Form,
    Reply,
    Role,
    UserRef,
    roles_up_to,
)
from bot.core.paging import DEFAULT_LIMITS, PageLimits
from bot.platforms.base import DeliveryError, SentMessage
from bot.platforms.console.adapter import render


@dataclass
class Message:
    """One message as the platform holds it: where, what, and its key (a retried send
    with the same key is the same message)."""

    where: str  # a channel name or id, or "dm:<user id>"
    reply: Reply
    key: str | None
    id: str
    edits: list[Reply] = field(default_factory=list)

    @property
    def text(self) -> str:
        """The message as plain text (as the terminal shows it), as it reads now."""
        return render(self.edits[-1] if self.edits else self.reply)


class MemoryAdapter:
    """A platform called `name` whose messages live in `messages`."""

    def __init__(self, core: Core, name: str = "memory", limits: PageLimits | None = None) -> None:
        self.name = name
        self.core = core
        core.page_limits[name] = limits or DEFAULT_LIMITS
        self.messages: list[Message] = []
        # Every form the bot opened (a modal, on a platform with them), oldest first.
        self.forms: list[Form] = []
        self.started = False
        self._ids = itertools.count(1)
        self._failures: dict[str, deque[DeliveryError]] = {}

    async def start(self) -> None:
        """Nothing to connect to."""
        self.started = True

    async def stop(self) -> None:
        """Nothing to disconnect."""
        self.started = False

    def fail(self, where: str, *errors: DeliveryError) -> None:
        """The next sends to `where` (a channel, or "dm:<user id>") fail with `errors`,
        one each, in order; later sends succeed again."""
        self._failures.setdefault(where, deque()).extend(errors)

    def failures_left(self, where: str) -> int:
        """How many of the arranged failures for `where` have not happened yet."""
        return len(self._failures.get(where, ()))

    async def say(
        self, user: UserRef, line: str, channel: str = "general", role: Role = Role.PARTICIPANT
    ) -> Reply:
        """A person types `line` (e.g. "/remind keynote") in `channel`; the bot's answer."""
        where = ChannelRef(self.name, channel, channel)
        reply = await self.core.dispatch_text(self.name, line, user, where, roles_up_to(role))
        return self._opened(reply)

    async def press(
        self, user: UserRef, button: Button, channel: str = "general", role: Role = Role.PARTICIPANT
    ) -> Reply:
        """A person presses one of the bot's buttons; the bot's answer."""
        where = ChannelRef(self.name, channel, channel)
        action = Action(self.name, button.action_id, button.value, user, where, roles_up_to(role))
        return self._opened(await self.core.on_action(action))

    async def submit(
        self,
        action_id: str,
        value: str,
        fields: Mapping[str, str],
        *,
        user: UserRef,
        roles: Role | Iterable[Role] = Role.PARTICIPANT,
        channel: str = "general",
    ) -> Reply:
        """A person submits a form (`Form.action_id`, `Form.value`) with `fields` typed
        in; the bot's answer. `roles`: a role (and those below it), or the roles exactly.
        Nothing checks that a form was opened: a forged submission is sent as easily."""
        where = ChannelRef(self.name, channel, channel)
        held = roles_up_to(roles) if isinstance(roles, Role) else frozenset(roles)
        action = Action(self.name, action_id, value, user, where, held, None, dict(fields))
        return self._opened(await self.core.on_action(action))

    def _opened(self, reply: Reply) -> Reply:
        if reply.form is not None:
            self.forms.append(reply.form)
        return reply

    def texts(self, where: str) -> list[str]:
        """What `where` shows, oldest first."""
        return [m.text for m in self.messages if m.where == where]

    async def post(
        self, channel: str, reply: Reply, *, key: str | None = None, first_attempt: bool = True
    ) -> SentMessage:
        """Post to a channel (a mapped name such as "announcements", or an id)."""
        return self._send(channel, reply, key)

    async def dm(
        self, user: UserRef, reply: Reply, *, key: str | None = None, first_attempt: bool = True
    ) -> SentMessage:
        """A message to one person."""
        return self._send(f"dm:{user.id}", reply, key)

    async def edit(self, sent: SentMessage, reply: Reply) -> None:
        """Replace a message's content (it keeps its place)."""
        for message in self.messages:
            if message.id == sent.message_id and message.where == sent.channel_id:
                message.edits.append(reply)
                return
        raise DeliveryError(f"no message {sent.message_id} in {sent.channel_id}", permanent=True)

    def _send(self, where: str, reply: Reply, key: str | None) -> SentMessage:
        failures = self._failures.get(where)
        if failures:
            raise failures.popleft()
        if key is not None:
            # As a platform's idempotency key: a repeat of a send that got through is the
            # same message, not a second one.
            for message in self.messages:
                if message.key == key and message.where == where:
                    return SentMessage(self.name, where, message.id)
        message = Message(where, reply, key, str(next(self._ids)))
        self.messages.append(message)
        return SentMessage(self.name, where, message.id)
