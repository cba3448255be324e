"""What every platform adapter offers the rest of the bot."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Generic, Protocol, TypeVar, runtime_checkable

from bot.core.model import Reply, UserRef, joined

if TYPE_CHECKING:
    from aiohttp import web


R = TypeVar("R")


def replaces_view(reply: Reply) -> bool:
    """Whether a button's answer replaces the asker's own answer it was pressed on: a new
    view of it does (the next page, another day: a card), a short confirmation does not
    ("Up-voted #15" comes as a message of its own and the list stays to press again)."""
    return reply.card is not None and reply.file is None and not reply.error


def without_form(reply: Reply, unavailable: str) -> Reply:
    """The reply as shown where its form cannot open (the terminal; a Discord command
    answered late): the form's `fallback`, how to do it by command, after the text, or
    `unavailable` when it has none."""
    form = reply.form
    if form is None:
        return reply
    note = form.fallback or unavailable
    return replace(reply, text=joined(reply.text, "\n", note) if reply.text else note, form=None)


class RenderMemo(Generic[R]):
    """A platform's rendering of the last few replies, by the reply's identity.

    The core hands one Reply object to everyone who asks alike (shared answers): a room
    asking /agenda at once is rendered once. Keyed by identity, a look-up costs no hashing
    of the reply; each entry keeps its reply alive, so an id is never reused while stored.
    What it returns is shared: callers must not change it.
    """

    def __init__(self, render: Callable[[Reply], R], size: int = 64) -> None:
        self._render = render
        self._size = size
        self._memo: dict[int, tuple[Reply, R]] = {}

    def __call__(self, reply: Reply) -> R:
        """`render(reply)`, made once per reply object."""
        hit = self._memo.get(id(reply))
        if hit is not None and hit[0] is reply:
            return hit[1]
        rendered = self._render(reply)
        if len(self._memo) >= self._size:
            del self._memo[next(iter(self._memo))]  # the oldest
        self._memo[id(reply)] = (reply, rendered)
        return rendered


@dataclass(frozen=True)
class SentMessage:
    """Where a message the bot sent now lives, so it can be edited later."""

    platform: str
    channel_id: str
    message_id: str


class DeliveryError(Exception):
    """A message could not be delivered.

    `permanent` means trying again cannot help (DMs closed, channel gone); otherwise a
    later attempt may succeed (rate limits, outages).
    """

    def __init__(self, message: str, *, permanent: bool, code: int | None = None) -> None:
        super().__init__(message)
        self.permanent = permanent
        self.code = code


class StartupError(Exception):
    """An adapter cannot start (a wrong token, an unreachable server): said in one line."""


class Adapter(Protocol):
    """One platform. The adapter holds the core; the core never calls a platform."""

    name: str

    async def start(self) -> None:
        """Connect and begin answering commands; returns once ready."""
        ...

    async def stop(self) -> None:
        """Disconnect cleanly."""
        ...

    async def post(
        self, channel: str, reply: Reply, *, key: str | None = None, first_attempt: bool = True
    ) -> SentMessage:
        """Post a message the bot sends on its own to a mapped channel ("announcements",
        a room id, or a platform channel id). `key` makes a retried post not a duplicate;
        `first_attempt` False says an earlier attempt may have got through."""
        ...

    async def dm(
        self, user: UserRef, reply: Reply, *, key: str | None = None, first_attempt: bool = True
    ) -> SentMessage:
        """Send a message to one person."""
        ...

    async def edit(self, sent: SentMessage, reply: Reply) -> None:
        """Replace the content of a message the bot sent."""
        ...


@runtime_checkable
class OpensDMs(Protocol):
    """An adapter that must open a DM channel before sending into it (Discord, Slack)."""

    name: str

    async def open_dm(self, user_id: str) -> None:
        """Open the person's DM channel and keep it, unless it is kept already."""
        ...


@runtime_checkable
class ServesHTTP(Protocol):
    """An adapter its platform reaches over HTTP, on paths of the bot's one web server."""

    @property
    def http_mode(self) -> bool:
        """Whether it needs the web server now (Slack: not in Socket Mode)."""
        ...

    def add_routes(self, app: web.Application) -> None:
        """Mount its paths (before the server starts)."""
        ...


@runtime_checkable
class MirrorsProgramme(Protocol):
    """An adapter that keeps the programme on its platform too (Discord's scheduled events),
    where people can say they are interested in a session."""

    name: str

    def programme_changed(self) -> None:
        """The agenda is current (the bot started) or changed: bring the platform's copy
        in step, in the background."""
        ...

    async def interested(self, session_id: str) -> list[str]:
        """The ids of the people the platform lists as interested in the session (when the
        event file asks to remind them)."""
        ...


@runtime_checkable
class HoldsGateway(Protocol):
    """An adapter with a connection that one instance of a database holds at a time
    (Discord's gateway: every connected instance would be sent each command and answer
    it). On PostgreSQL the leader holds it (bot/cluster.py); the others send by REST."""

    name: str
    # Set before `start`: log in for REST only, and wait for `lead`.
    follower: bool

    async def lead(self) -> None:
        """Take up the connection (this instance now leads); returns without waiting
        long for a slow platform, which it keeps trying in the background."""
        ...

    async def follow(self) -> None:
        """Let the connection go (another instance leads); sending goes on by REST."""
        ...
