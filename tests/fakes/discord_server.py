"""A fake Discord (REST + Gateway) on 127.0.0.1 that the real discord.py client talks to.

It enforces the rules that make a bot fail in production: the 3-second first response, one
callback per interaction, 15-minute interaction tokens, 2000-character messages, rate limits
(with `Via` on 429s, as Discord sends it), nonces that deduplicate creates, closed DMs. It
records every request so a test can wait for one instead of sleeping.

Point discord.py at it with two class attributes (see PLATFORM-FAKES.md):
`discord.http.Route.BASE = fake.api_base` and
`discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(fake.gateway_url)`.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import hashlib
import json
import math
import secrets
import time
from collections import deque
from collections.abc import Awaitable, Callable, Generator, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import TracebackType
from typing import Any, Self, TypeVar

from aiohttp import BodyPartReader, WSMsgType, web
from aiohttp.web_protocol import RequestHandler

from bot.core.clock import Clock, SystemClock
from tests.fakes import discord_payloads as p
from tests.fakes.discord_payloads import JSON, DiscordError

API_PREFIX = "/api/v10"
CALLBACK_ROUTE = "POST /interactions/{webhook_id}/{webhook_token}/callback"
# The parameters discord.py (and Discord) key rate-limit buckets on besides the route.
_MAJOR_PARAMETERS = ("channel_id", "guild_id", "webhook_id", "webhook_token")
# Closing with these codes ends a Gateway session for good; any other code keeps it resumable.
_FINAL_CLOSE_CODES = (1000, 1001)
# The global limit counts requests per second (a sliding window, on real time).
GLOBAL_WINDOW = 1.0
# Headers a global 429 does not carry: it is about no bucket.
_BUCKET_HEADERS = (
    "X-RateLimit-Limit",
    "X-RateLimit-Remaining",
    "X-RateLimit-Reset",
    "X-RateLimit-Reset-After",
    "X-RateLimit-Bucket",
)

# The roles a new FakeDiscord's guild has besides @everyone and the bot's own: the names
# the sample event file maps (config/forum-2026.yaml).
DEFAULT_ROLES = ("Moderator", "Organiser")
_ROLE_PERMISSIONS = {
    "Moderator": p.MODERATOR_PERMISSIONS,
    "Organiser": p.ORGANISER_PERMISSIONS,
}

T = TypeVar("T")
Handler = Callable[["_Call"], Awaitable[tuple[int, Any]]]


@dataclass(frozen=True)
class Upload:
    """One file of a multipart request."""

    field: str
    filename: str
    content_type: str
    data: bytes


@dataclass(frozen=True)
class RecordedRequest:
    """One REST request the fake received, with the answer it gave."""

    method: str
    path: str  # below the API base, e.g. "/channels/123/messages"
    route: str  # "POST /channels/{channel_id}/messages" (discord.py's Route spelling)
    params: Mapping[str, str]
    query: Mapping[str, str]
    headers: Mapping[str, str]
    json: Any  # the JSON body, or a multipart request's payload_json
    files: tuple[Upload, ...]
    status: int
    response: Any
    # When the request arrived: when its first bytes reached the fake's socket (before the
    # fake's event loop got round to it), on the fake's clock. Deadlines are judged at this
    # moment, as Discord judges them on receipt.
    at: datetime
    # When the fake's handler for it began, on the same clock: `started - at` is the time
    # the request waited in the fake's own event loop (parsing and queueing).
    started: datetime
    connection: int  # which TCP connection brought it: 1 for the first one accepted, ...


@dataclass
class _Call:
    """A request being handled."""

    request: web.Request
    route: str
    params: dict[str, str]
    json: Any
    files: tuple[Upload, ...]
    arrived: datetime  # see RecordedRequest.at


@dataclass
class _Session:
    """A Gateway session; it outlives its socket so a client can RESUME it."""

    id: str
    ws: web.WebSocketResponse | None
    seq: int = 0
    # Every dispatch sent, so a RESUME can replay what the client missed.
    sent: list[JSON] = field(default_factory=list)


@dataclass
class _Bucket:
    started: float
    used: int = 0


@dataclass
class _Forced429:
    route: str
    times: int
    retry_after: float
    via: bool
    is_global: bool


class Hold:
    """One request held until `release()`: after it was handled (its effect made, the
    answer waiting: what a client sees when it stops, or the connection drops, between the
    two), or `before` it (a client gone by then never reached Discord: it is not handled).
    The first `skip` requests to the route go through."""

    def __init__(self, *, before: bool = False, skip: int = 0) -> None:
        self.before = before
        self.skip = skip
        self.reached = asyncio.Event()  # the request is waiting
        self._released = asyncio.Event()

    def release(self) -> None:
        """Let the answer go."""
        self._released.set()

    async def wait(self) -> None:
        """Wait until released (the request's handler)."""
        self.reached.set()
        await self._released.wait()


class _Connection(asyncio.Protocol):
    """One TCP connection, between the event loop and aiohttp's protocol for it.

    It passes everything through, and stamps when a request's first bytes arrive: the
    moment Discord would judge a deadline at, however long the fake's own event loop then
    takes to parse the request and run its handler. Requests on a connection come one at a
    time (HTTP/1.1, no pipelining: a client sends the next only once it has the answer),
    so the stamp is cleared when the answer is prepared, and the next bytes begin the next
    request.
    """

    def __init__(self, fake: FakeDiscord, handler: RequestHandler) -> None:
        self.fake = fake
        self.handler = handler
        self.number = 0
        self.arrived: datetime | None = None  # the request in progress, if any

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.fake.connections_accepted += 1
        self.number = self.fake.connections_accepted
        self.fake._connections[self.handler] = self
        self.handler.connection_made(transport)

    def data_received(self, data: bytes) -> None:
        if self.arrived is None:
            self.arrived = self.fake.clock.now()
        self.handler.data_received(data)

    def eof_received(self) -> None:
        self.handler.eof_received()  # aiohttp's returns None: the transport closes itself

    def connection_lost(self, exc: Exception | None) -> None:
        self.fake._connections.pop(self.handler, None)
        self.handler.connection_lost(exc)

    def pause_writing(self) -> None:
        self.handler.pause_writing()

    def resume_writing(self) -> None:
        self.handler.resume_writing()


class _Signal:
    """Wakes every waiter each time something happens (no lost wake-ups, no polling)."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def fire(self) -> None:
        self._event.set()
        self._event = asyncio.Event()

    async def wait(self) -> None:
        await self._event.wait()


class PendingInteraction:
    """An interaction the fake dispatched; `await pending` gives its first callback request."""

    def __init__(
        self,
        fake: FakeDiscord,
        payload: JSON,
        dispatched_at: datetime,
        source_message_id: str | None,
    ) -> None:
        self.fake = fake
        self.payload = payload
        self.id: str = payload["id"]
        self.token: str = payload["token"]
        self.type: int = payload["type"]
        self.channel_id: str = payload["channel_id"]
        self.guild_id: str | None = payload.get("guild_id")
        self.dispatched_at = dispatched_at
        self.sent_at: datetime | None = None  # when its frame was written to the socket(s)
        self.source_message_id = source_message_id
        self.response_type: int | None = None
        self.response_message_id: str | None = None
        self.followup_ids: list[str] = []
        # The modal the bot answered with (a MODAL callback's data), if it did.
        self.modal: JSON | None = None

    @property
    def acknowledged(self) -> bool:
        """Whether a callback was accepted."""
        return self.response_type is not None

    @property
    def deadline(self) -> datetime:
        """The last moment the first response is accepted."""
        return self.dispatched_at + timedelta(seconds=self.fake.response_deadline)

    @property
    def token_expires(self) -> datetime:
        """After this, follow-ups and @original edits get 401 code 50027."""
        return self.dispatched_at + timedelta(seconds=self.fake.followup_window)

    @property
    def callbacks(self) -> list[RecordedRequest]:
        """Every callback request for this interaction, accepted or refused."""
        return [r for r in self.fake.requests if self._is_callback(r)]

    def _is_callback(self, r: RecordedRequest) -> bool:
        return r.route == CALLBACK_ROUTE and r.params.get("webhook_id") == self.id

    async def callback(
        self,
        n: int = 1,
        timeout: float = 5.0,  # noqa: ASYNC109 - part of the fake's API; asyncio.timeout is used inside
    ) -> RecordedRequest:
        """Wait for the n-th callback request (accepted or refused) for this interaction."""
        return await self.fake.wait_for(self._is_callback, timeout, count=n)

    def __await__(self) -> Generator[Any, None, RecordedRequest]:
        return self.callback().__await__()

    async def wait_expired(self) -> None:
        """Return once the fake's clock is past the response deadline (a real-time wait)."""
        while (left := (self.deadline - self.fake.clock.now()).total_seconds()) >= 0:
            wall = self.fake.clock.wall_seconds(left)
            if math.isinf(wall):
                raise RuntimeError("the fake's clock is stopped: advance it instead of waiting")
            # A hair past the deadline, as the comparison at the server is strict.
            await asyncio.sleep(wall + 0.001)


class FakeDiscord:
    """Discord's REST API and Gateway on 127.0.0.1, for discord.py in tests.

    `async with FakeDiscord(token="t") as fake:` starts it on a free port; `fake.api_base`
    and `fake.gateway_url` are what discord.py must be pointed at.

    The rules are knobs: `response_deadline` (s, first response), `followup_window` (s, the
    interaction token's life), `nonce_ttl` (s), `route_limit` requests per `route_window` s
    per bucket, `global_limit` requests per second across all routes but the interaction
    ones (callbacks and their webhooks, which Discord exempts; None: no global limit; its
    429s are counted in `global_limited`), `closed_dm_user_ids`. Deadlines run on `clock` (a
    `bot.core.clock` Clock, so a stopped SimulatedClock can be advanced); rate limits always run
    on real time.

    The fake has one guild (`guild_id`, `guild_name`) with text channels (`add_channel`)
    and roles (`add_role`; `roles` names those it starts with, by default "Moderator" and
    "Organiser"; `role_id(name)` finds one). As on Discord, READY lists the guild as
    unavailable and a GUILD_CREATE with the whole guild follows it, after each IDENTIFY
    (not after a RESUME). Roles and channels added later reach a client at its next
    IDENTIFY: the fake sends no GUILD_ROLE_CREATE or CHANNEL_CREATE.

    Who may use which command follows Discord's rules: a synced command's
    `default_member_permissions` against the permissions of the member's roles, unless a
    server administrator allowed or denied it for a role or member (`allow_command`, what
    Server Settings > Integrations does). `visible_commands` is a member's command picker;
    with `enforce_command_permissions`, sending a command the member could not pick raises
    PermissionError (off by default: tests of the bot's own role checks send commands that
    Discord would hide).

    Scheduled events (`scheduled_events`) follow Discord's rules: an external event needs
    a location and an end, starts in the future (on the fake's clock) and ends after it;
    at most 100 SCHEDULED or ACTIVE per guild (30038); names 1-100 characters, descriptions
    up to 1,000; creating needs CREATE_EVENTS (`bot_permissions`; the bot's managed role),
    changing or deleting one's own event CREATE_EVENTS or MANAGE_EVENTS, another's
    MANAGE_EVENTS. An external event is ACTIVE from its start and COMPLETED at its end, as
    the fake's clock runs; the list holds SCHEDULED and ACTIVE ones. Each change is sent as
    GUILD_SCHEDULED_EVENT_CREATE, _UPDATE or _DELETE; `add_scheduled_event` makes one as
    another member, `mark_interested` has a user press "Interested".
    """

    def __init__(
        self,
        token: str = "fake-bot-token",
        *,
        app_id: int | str | None = None,
        bot_name: str = "forum-bot",
        guild_id: int | str | None = None,
        guild_name: str = "Forum (fake)",
        channel_id: int | str | None = None,
        roles: Iterable[str] = DEFAULT_ROLES,
        closed_dm_user_ids: Iterable[int | str] = (),
        response_deadline: float = 3.0,
        followup_window: float = 15 * 60.0,
        nonce_ttl: float = 180.0,
        route_limit: int = 50,
        route_window: float = 1.0,
        global_limit: int | None = None,
        heartbeat_interval_ms: int = 41_250,
        app_flags: int = 0,
        clock: Clock | None = None,
        enforce_command_permissions: bool = False,
        bot_permissions: int = p.EVERYONE_PERMISSIONS | p.CREATE_EVENTS,
    ) -> None:
        self.token = token
        self.clock: Clock = clock or SystemClock()
        self.new_id = p.Snowflakes(self.clock.now)
        self.app_id = str(app_id) if app_id is not None else self.new_id()
        self.app_flags = app_flags
        # For current applications the bot user's id is the application's id.
        self.bot_user = p.user(self.app_id, bot_name, bot=True)
        self.owner = p.user(self.new_id(), "owner")
        self.response_deadline = response_deadline
        self.followup_window = followup_window
        # Discord documents only "the past few minutes" for enforce_nonce.
        self.nonce_ttl = nonce_ttl
        self.route_limit = route_limit
        self.route_window = route_window
        self.global_limit = global_limit
        self.global_limited = 0  # 429s answered for the global limit
        self.heartbeat_interval_ms = heartbeat_interval_ms
        self.closed_dm_user_ids: set[str] = {str(u) for u in closed_dm_user_ids}

        self.guild_id = str(guild_id) if guild_id is not None else self.new_id()
        self.guild_name = guild_name
        # When the bot joined the guild, as GUILD_CREATE says.
        self.joined_at = self.clock.now()
        # The guild's roles by id, @everyone (whose id is the guild's) first, then the bot's
        # own managed role, as Discord creates it when a bot joins with permissions.
        self.roles: dict[str, JSON] = {}
        self.add_role("@everyone", self.guild_id, permissions=p.EVERYONE_PERMISSIONS)
        self.bot_role_id = self.add_role(bot_name, permissions=bot_permissions)
        self.roles[self.bot_role_id] |= {"managed": True, "tags": {"bot_id": self.app_id}}
        for name in roles:
            self.add_role(name, permissions=_ROLE_PERMISSIONS.get(name, p.EVERYONE_PERMISSIONS))
        self.channel_id = str(channel_id) if channel_id is not None else self.new_id()
        self.channels: dict[str, JSON] = {}
        self.add_channel(self.channel_id, name="general")
        self.users: dict[str, JSON] = {}
        self.default_user = self.add_user("alice")
        self.messages: dict[str, JSON] = {}
        # Synced commands: key None for global ones, else the guild id.
        self.commands: dict[str | None, list[JSON]] = {}
        self.interactions: dict[str, PendingInteraction] = {}
        # A server administrator's overrides: command id -> {role or user id: allowed}.
        self.command_permissions: dict[str, dict[str, bool]] = {}
        self.enforce_command_permissions = enforce_command_permissions
        # Scheduled events by id (deleted ones are removed), and who is interested in each.
        self.scheduled_events: dict[str, JSON] = {}
        self.event_users: dict[str, dict[str, JSON]] = {}
        self.requests: list[RecordedRequest] = []
        self.gateway_received: list[JSON] = []
        self.gateway_sent: list[JSON] = []

        self._dm_channels: dict[str, str] = {}  # recipient id -> DM channel id
        self._nonces: dict[tuple[str, str], tuple[str, datetime]] = {}
        self._buckets: dict[tuple[str, str], _Bucket] = {}
        self._global_times: deque[float] = deque()  # accepted requests in the last window
        self._forced: list[_Forced429] = []
        self._dropping: dict[str, int] = {}  # route -> connections still to drop
        self._holds: dict[str, list[Hold]] = {}  # route -> answers to hold back
        self._sessions: dict[str, _Session] = {}
        self._sockets: set[web.WebSocketResponse] = set()
        self._requests_changed = _Signal()
        self._gateway_changed = _Signal()
        self._runner: web.AppRunner | None = None
        self._listener: asyncio.AbstractServer | None = None
        # Open TCP connections by aiohttp's protocol for each; how many were ever accepted.
        self._connections: dict[RequestHandler, _Connection] = {}
        self.connections_accepted = 0
        self.port = 0

    # ---- lifecycle -------------------------------------------------------------------

    async def start(self) -> None:
        """Listen on 127.0.0.1 on a free port."""
        app = web.Application()
        app.router.add_get("/gateway", self._gateway)
        for method, template, handler in self._routes():
            app.router.add_route(method, API_PREFIX + template, self._endpoint(handler))
        # Anything else gets Discord's JSON 404, and is recorded like the rest.
        app.router.add_route("*", API_PREFIX + "/{tail:.*}", self._endpoint(self._unknown_route))
        app.on_response_prepare.append(self._answered)
        # Open websockets would hold a long shutdown; the fake closes them itself first.
        self._runner = web.AppRunner(app, shutdown_timeout=0.5, access_log=None)
        await self._runner.setup()
        server = self._runner.server
        assert server is not None
        # Listening itself (what web.TCPSite does) to see each connection's bytes arrive.
        self._listener = await asyncio.get_running_loop().create_server(
            lambda: _Connection(self, server()), "127.0.0.1", 0, backlog=128
        )
        self.port = self._listener.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        """Close every Gateway socket and stop listening."""
        for holds in self._holds.values():
            for hold in holds:
                hold.release()
        for ws in list(self._sockets):
            await ws.close(code=1001, message=b"fake Discord stopping")
        if self._listener is not None:
            self._listener.close()
            self._listener = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    @property
    def api_base(self) -> str:
        """The value for `discord.http.Route.BASE`."""
        return f"http://127.0.0.1:{self.port}{API_PREFIX}"

    @property
    def gateway_url(self) -> str:
        """The value (as a yarl.URL) for `DiscordWebSocket.DEFAULT_GATEWAY`."""
        return f"ws://127.0.0.1:{self.port}/gateway"

    # ---- world set-up ----------------------------------------------------------------

    def add_user(self, username: str, user_id: int | str | None = None) -> JSON:
        """A user who can run commands and receive DMs."""
        uid = str(user_id) if user_id is not None else self.new_id()
        self.users[uid] = p.user(uid, username)
        return self.users[uid]

    def add_channel(self, channel_id: int | str | None = None, *, name: str = "talks") -> JSON:
        """A text channel in the fake's guild."""
        cid = str(channel_id) if channel_id is not None else self.new_id()
        self.channels[cid] = p.text_channel(cid, self.guild_id, name, position=len(self.channels))
        return self.channels[cid]

    def add_role(
        self,
        name: str,
        role_id: int | str | None = None,
        *,
        permissions: int = p.EVERYONE_PERMISSIONS,
        color: int = 0,
        hoist: bool = False,
        mentionable: bool = False,
    ) -> str:
        """A role in the fake's guild, above the existing ones; returns its id."""
        rid = str(role_id) if role_id is not None else self.new_id()
        self.roles[rid] = p.role(
            rid,
            name,
            position=len(self.roles),
            permissions=permissions,
            color=color,
            hoist=hoist,
            mentionable=mentionable,
        )
        return rid

    def role_id(self, name: str) -> str:
        """The id of the (first) role named `name`."""
        for rid, role in self.roles.items():
            if role["name"] == name:
                return rid
        raise LookupError(f"no role named {name!r}; the guild has {self.role_names()}")

    def role_names(self) -> list[str]:
        """The guild's role names, @everyone first."""
        return [r["name"] for r in self.roles.values()]

    def allow_command(self, command: str, target_id: int | str, allowed: bool = True) -> None:
        """What a server administrator does in Server Settings > Integrations > the bot >
        a command: allow (or deny) it for a role or a member, whatever its default member
        permissions. Discord takes this only with an administrator's own OAuth token, never
        a bot's, so the fake offers it to tests rather than as a route."""
        cmd, _ = self._find_command(command, dm=False)
        self.command_permissions.setdefault(cmd["id"], {})[str(target_id)] = allowed

    def member_permissions(self, roles: Iterable[int | str]) -> int:
        """A guild member's permissions: @everyone's and their roles', all of them for an
        administrator."""
        bits = 0
        for rid in (self.guild_id, *(str(r) for r in roles)):
            bits |= int(self.roles[rid]["permissions"])
        return 2**53 - 1 if bits & p.ADMINISTRATOR else bits

    def can_use(
        self,
        command: JSON,
        *,
        user: JSON | None = None,
        roles: Iterable[int | str] = (),
        dm: bool = False,
    ) -> bool:
        """Whether Discord offers a synced command to this member: in DMs if its `contexts`
        allow them; in the guild, an administrator's override for the member, else for one
        of their roles (an allow wins), else for @everyone, else the member's permissions
        hold every bit of `default_member_permissions` (null: everyone)."""
        contexts = command.get("contexts")
        where = p.BOT_DM_CONTEXT if dm else p.GUILD_CONTEXT
        if contexts is not None and where not in contexts:
            return False
        if dm:
            return True
        who = str((user or self.default_user)["id"])
        role_ids = [str(r) for r in roles]
        overrides = self.command_permissions.get(command["id"], {})
        if who in overrides:
            return overrides[who]
        by_role = [overrides[r] for r in role_ids if r in overrides]
        if by_role:
            return any(by_role)
        if self.guild_id in overrides:
            return overrides[self.guild_id]
        needed = command.get("default_member_permissions")
        if needed is None:
            return True
        return self.member_permissions(role_ids) & int(needed) == int(needed)

    def visible_commands(
        self, *, user: JSON | None = None, roles: Iterable[int | str] = (), dm: bool = False
    ) -> list[str]:
        """A member's command picker: the names of the synced chat commands they may use."""
        scopes: list[str | None] = [None] if dm else [self.guild_id, None]
        role_ids = list(roles)
        return sorted(
            {
                c["name"]
                for scope in scopes
                for c in self.commands.get(scope, [])
                if c.get("type", 1) == 1 and self.can_use(c, user=user, roles=role_ids, dm=dm)
            }
        )

    def channel_messages(self, channel_id: int | str) -> list[JSON]:
        """Messages stored for a channel, oldest first."""
        return [m for m in self.messages.values() if m["channel_id"] == str(channel_id)]

    def rate_limit_next(
        self,
        route: str,
        *,
        times: int = 1,
        retry_after: float = 0.05,
        via: bool = True,
        is_global: bool = False,
    ) -> None:
        """Answer the next `times` requests to `route` ("POST /channels/{channel_id}/messages")
        with 429. `via=False` imitates a Cloudflare ban, which discord.py does not retry."""
        self._forced.append(_Forced429(route, times, retry_after, via, is_global))

    def hold_next(self, route: str, *, before: bool = False, skip: int = 0) -> Hold:
        """Hold the next request to `route` (e.g. "POST /guilds/{guild_id}/scheduled-events")
        after `skip` others, until the returned Hold is released: its answer, or with
        `before` the request itself (see Hold)."""
        hold = Hold(before=before, skip=skip)
        self._holds.setdefault(route, []).append(hold)
        return hold

    def _hold_for(self, route: str) -> Hold | None:
        """The Hold that takes this request to `route`, if any (counting the skips)."""
        holds = self._holds.get(route)
        if not holds:
            return None
        if holds[0].skip > 0:
            holds[0].skip -= 1
            return None
        return holds.pop(0)

    async def add_scheduled_event(
        self,
        name: str,
        start: datetime,
        end: datetime,
        *,
        location: str = "Somewhere",
        creator: JSON | None = None,
    ) -> JSON:
        """An external event another member (the owner by default) made in the guild."""
        fields = p.check_scheduled_event(
            {
                "name": name,
                "privacy_level": p.GUILD_ONLY,
                "entity_type": p.EXTERNAL,
                "entity_metadata": {"location": location},
                "scheduled_start_time": p.iso(start),
                "scheduled_end_time": p.iso(end),
            },
            now=self.clock.now(),
        )
        return await self._new_event(fields, creator or self.owner)

    async def remove_scheduled_event(self, event_id: str) -> None:
        """What a member with Manage Events does to any event: delete it."""
        event = self.scheduled_events.pop(event_id)
        self.event_users.pop(event_id, None)
        await self.dispatch("GUILD_SCHEDULED_EVENT_DELETE", event)

    async def mark_interested(self, event_id: str, user: JSON) -> None:
        """A user presses "Interested" on an event (GUILD_SCHEDULED_EVENT_USER_ADD)."""
        if event_id not in self.scheduled_events:
            raise LookupError(f"no scheduled event {event_id}")
        self.users.setdefault(user["id"], user)
        self.event_users.setdefault(event_id, {})[user["id"]] = user
        data = {
            "guild_scheduled_event_id": event_id,
            "user_id": user["id"],
            "guild_id": self.guild_id,
        }
        await self.dispatch("GUILD_SCHEDULED_EVENT_USER_ADD", data)

    def listed_events(self) -> list[JSON]:
        """The guild's SCHEDULED and ACTIVE events, as the list endpoint gives them."""
        self._advance_events()
        live = (p.EVENT_SCHEDULED, p.EVENT_ACTIVE)
        return [e for e in self.scheduled_events.values() if e["status"] in live]

    # ---- waiting ---------------------------------------------------------------------

    async def wait_for(
        self,
        predicate: Callable[[RecordedRequest], bool],
        timeout: float = 5.0,  # noqa: ASYNC109 - part of the fake's API; asyncio.timeout is used inside
        *,
        count: int = 1,
        since: int = 0,
    ) -> RecordedRequest:
        """The `count`-th recorded request (from index `since`) matching `predicate`."""

        def find() -> RecordedRequest | None:
            hits = [r for r in self.requests[since:] if predicate(r)]
            return hits[count - 1] if len(hits) >= count else None

        routes = lambda: [f"{r.route} -> {r.status}" for r in self.requests]  # noqa: E731
        return await _wait_until(self._requests_changed, find, timeout, routes)

    async def wait_for_gateway(
        self,
        predicate: Callable[[JSON], bool],
        timeout: float = 5.0,  # noqa: ASYNC109 - part of the fake's API; asyncio.timeout is used inside
    ) -> JSON:
        """The first frame the client sent on the Gateway that matches `predicate`."""

        def find() -> JSON | None:
            return next((f for f in self.gateway_received if predicate(f)), None)

        ops = lambda: [f.get("op") for f in self.gateway_received]  # noqa: E731
        return await _wait_until(self._gateway_changed, find, timeout, ops)

    async def wait_ready(
        self,
        timeout: float = 5.0,  # noqa: ASYNC109 - part of the fake's API; asyncio.timeout is used inside
    ) -> None:
        """Wait until a client has identified (or resumed) and holds a live session."""

        def find() -> _Session | None:
            return next((s for s in self._sessions.values() if s.ws is not None), None)

        await _wait_until(self._gateway_changed, find, timeout, lambda: "no session")

    @property
    def connected(self) -> int:
        """How many Gateway sessions hold a live socket now (one per connected client)."""
        return sum(1 for s in self._sessions.values() if s.ws is not None)

    async def wait_connected(
        self,
        count: int,
        timeout: float = 5.0,  # noqa: ASYNC109 - part of the fake's API; asyncio.timeout is used inside
    ) -> None:
        """Wait until exactly `count` sessions hold a live socket."""

        def find() -> bool | None:
            return True if self.connected == count else None

        await _wait_until(self._gateway_changed, find, timeout, lambda: f"{self.connected} live")

    # ---- Gateway: events the fake sends ----------------------------------------------

    async def dispatch(self, event: str, data: JSON) -> None:
        """Send a DISPATCH (op 0) to every session; a disconnected one gets it on RESUME."""
        for session in list(self._sessions.values()):
            await self._dispatch_to(session, event, data)

    async def disconnect(self, code: int = 4000) -> None:
        """Drop every Gateway socket from the server side, keeping sessions resumable.

        Until the client resumes, dispatches are queued for it and replayed on RESUME.
        """
        for session in self._sessions.values():
            ws, session.ws = session.ws, None
            if ws is not None:
                await ws.close(code=code, message=b"dropped by the fake")

    async def invalidate_sessions(self) -> None:
        """Send op 9 INVALID_SESSION (not resumable) to every live session and forget them
        all; discord.py then IDENTIFYs afresh (and gets READY and GUILD_CREATE again)."""
        for session in list(self._sessions.values()):
            if session.ws is not None and not session.ws.closed:
                await self._send(session.ws, {"op": 9, "d": False, "s": None, "t": None})
        self._sessions.clear()

    async def request_reconnect(self) -> None:
        """Send op 7 RECONNECT to every live session; discord.py then RESUMEs."""
        for session in list(self._sessions.values()):
            if session.ws is not None and not session.ws.closed:
                await self._send(session.ws, {"op": 7, "d": None, "s": None, "t": None})

    async def send_slash_command(
        self,
        command: str,
        options: Mapping[str, Any] | Sequence[JSON] | None = None,
        **who: Any,
    ) -> PendingInteraction:
        """Dispatch a type 2 interaction for a synced command ("name" or "name sub").

        `options` as {name: value} is checked against the synced definition (types, choices,
        required) the way Discord's client checks what a user types; a list is sent as is.
        `who` takes `user`, `roles`, `channel_id`, `locale` and `dm`.
        """
        self._offered(command, who)
        data = self._command_data(command, options or {}, focused=None, dm=who.get("dm", False))
        return await self._send_interaction(p.APPLICATION_COMMAND, data, **who)

    async def send_autocomplete(
        self, command: str, options: Mapping[str, Any], focused: str, **who: Any
    ) -> PendingInteraction:
        """Dispatch a type 4 interaction: the user is typing in option `focused`."""
        self._offered(command, who)
        data = self._command_data(command, options, focused=focused, dm=who.get("dm", False))
        return await self._send_interaction(p.AUTOCOMPLETE, data, **who)

    async def send_button(
        self, message_id: int | str, custom_id: str, **who: Any
    ) -> PendingInteraction:
        """Dispatch a type 3 interaction: a click on an enabled button of a stored message."""
        message, component = self._component(message_id, custom_id)
        if component.get("type") != 2:
            raise ValueError(f"{custom_id!r} is a component of type {component.get('type')}")
        data = {"custom_id": custom_id, "component_type": 2}
        return await self._send_interaction(p.MESSAGE_COMPONENT, data, message=message, **who)

    async def send_select(
        self, message_id: int | str, custom_id: str, values: Sequence[str], **who: Any
    ) -> PendingInteraction:
        """Dispatch a type 3 interaction: a choice made in a select menu of a stored message."""
        message, component = self._component(message_id, custom_id)
        kind = component.get("type")
        if kind not in (3, 5, 6, 7, 8):
            raise ValueError(f"{custom_id!r} is a component of type {kind}, not a select")
        if not component.get("min_values", 1) <= len(values) <= component.get("max_values", 1):
            raise ValueError(f"{custom_id!r} takes {component.get('min_values', 1)}.. values")
        offered = {o["value"] for o in component.get("options", [])}
        if kind == 3 and not offered.issuperset(values):
            raise ValueError(f"{custom_id!r} offers {sorted(offered)}")
        data = {"custom_id": custom_id, "component_type": kind, "values": list(values)}
        return await self._send_interaction(p.MESSAGE_COMPONENT, data, message=message, **who)

    async def submit_modal(
        self,
        pending: PendingInteraction,
        values: Mapping[str, str] | None = None,
        **who: Any,
    ) -> PendingInteraction:
        """Dispatch a type 5 interaction: the modal the bot opened in answer to `pending`,
        filled in (`values` by text input custom_id) and submitted.

        An input not in `values` keeps what the modal filled in. As Discord's client, it
        refuses (ValueError) a value for an input the modal does not have, one longer than
        its max_length or shorter than its min_length, and a required input left empty.
        The submitter is `pending`'s member; `who` (user, roles) makes it someone else: a
        forged submission, which Discord itself never sends.
        """
        modal = pending.modal
        if modal is None:
            raise LookupError("the bot opened no modal in answer to this interaction")
        inputs = {str(i["custom_id"]): i for i in p.text_inputs(modal)}
        typed = dict(values or {})
        unknown = sorted(set(typed) - set(inputs))
        if unknown:
            raise ValueError(f"the modal has no inputs {unknown}; it has {sorted(inputs)}")
        rows: list[JSON] = []
        for n, (cid, item) in enumerate(inputs.items()):
            value = typed.get(cid, str(item.get("value") or ""))
            low = int(item.get("min_length", 0))
            high = int(item.get("max_length", p.MAX_INPUT_LENGTH))
            if not value and item.get("required", True):
                raise ValueError(f"{cid!r} is required: Discord does not submit it empty")
            if value and not low <= len(value) <= high:
                raise ValueError(f"{cid!r} takes {low}..{high} characters, not {len(value)}")
            text_input = {"type": p.TEXT_INPUT, "id": 2 * n + 2, "custom_id": cid, "value": value}
            rows.append({"type": 1, "id": 2 * n + 1, "components": [text_input]})
        data: JSON = {"custom_id": modal["custom_id"], "components": rows}
        payload = pending.payload
        member = payload.get("member") or {}
        message = payload.get("message")
        return await self._send_interaction(
            p.MODAL_SUBMIT,
            data,
            user=who.get("user") or member.get("user") or payload.get("user"),
            roles=who.get("roles", member.get("roles", ())),
            channel_id=None if message else pending.channel_id,
            locale=str(who.get("locale") or payload.get("locale") or "en-US"),
            dm="guild_id" not in payload,
            message=message,
        )

    async def redeliver(self, pending: PendingInteraction) -> PendingInteraction:
        """Dispatch the same interaction again, as a second connected bot instance sees it."""
        await self.dispatch("INTERACTION_CREATE", pending.payload)
        return pending

    # ---- interactions: building ------------------------------------------------------

    def _offered(self, command: str, who: Mapping[str, Any]) -> None:
        """With `enforce_command_permissions`, refuse a command the member cannot pick."""
        if not self.enforce_command_permissions:
            return
        dm = bool(who.get("dm", False))
        cmd, _ = self._find_command(command.split()[0], dm)
        if not self.can_use(cmd, user=who.get("user"), roles=who.get("roles", ()), dm=dm):
            raise PermissionError(f"Discord does not offer /{cmd['name']} to this member")

    def _find_command(self, name: str, dm: bool) -> tuple[JSON, str | None]:
        scopes: list[str | None] = [None] if dm else [self.guild_id, None]
        for scope in scopes:
            for cmd in self.commands.get(scope, []):
                if cmd["name"] == name and cmd.get("type", 1) == 1:
                    return cmd, scope
        raise LookupError(f"/{name} was never synced, so Discord would not offer it")

    def _command_data(
        self,
        command: str,
        options: Mapping[str, Any] | Sequence[JSON],
        *,
        focused: str | None,
        dm: bool,
    ) -> JSON:
        top, *path = command.split()
        cmd, scope = self._find_command(top, dm)
        chain: list[JSON] = []
        node = cmd
        for part in path:
            found = next(
                (o for o in node.get("options", []) if o["name"] == part and o["type"] in (1, 2)),
                None,
            )
            if found is None:
                raise LookupError(f"/{command}: no subcommand {part!r}")
            chain.append(found)
            node = found
        if isinstance(options, Mapping):
            built = _build_options(node.get("options", []), options, focused)
        else:
            built = [dict(o) for o in options]
        for sub in reversed(chain):
            built = [{"name": sub["name"], "type": sub["type"], "options": built}]
        data: JSON = {"id": cmd["id"], "name": cmd["name"], "type": 1, "options": built}
        if scope is not None:
            data["guild_id"] = scope
        return data

    def _component(self, message_id: int | str, custom_id: str) -> tuple[JSON, JSON]:
        message = self.messages.get(str(message_id))
        if message is None:
            raise LookupError(f"no message {message_id} to click on")
        for component in p.iter_components(message.get("components", [])):
            if component.get("custom_id") == custom_id:
                if component.get("disabled"):
                    raise ValueError(f"{custom_id!r} is disabled: nobody can use it")
                return message, component
        raise LookupError(f"message {message_id} has no component {custom_id!r}")

    async def _send_interaction(
        self,
        kind: int,
        data: JSON,
        *,
        user: JSON | None = None,
        roles: Sequence[int | str] = (),
        channel_id: int | str | None = None,
        locale: str = "en-US",
        dm: bool = False,
        message: JSON | None = None,
    ) -> PendingInteraction:
        role_ids = [str(r) for r in roles]
        # Members never list @everyone; managed roles (the bot's) belong to their bot only.
        unknown = [
            r
            for r in role_ids
            if r not in self.roles or r == self.guild_id or self.roles[r]["managed"]
        ]
        if unknown:
            raise LookupError(
                f"roles {unknown} are not assignable roles of the guild (add_role first);"
                f" it has {self.role_names()}"
            )
        # Any session will do: a disconnected one gets the event when it resumes.
        if not self._sessions:
            await _wait_until(
                self._gateway_changed,
                lambda: next(iter(self._sessions.values()), None),
                5.0,
                lambda: "no Gateway session",
            )
        who = user or self.default_user
        if message is not None:
            channel_id = message["channel_id"]
        if dm:
            channel = self.channels[self._dm_channel_for(who["id"])]
        else:
            cid = str(channel_id) if channel_id is not None else self.channel_id
            if cid not in self.channels:
                raise LookupError(f"no channel {cid}")
            channel = self.channels[cid]
        guild_id = channel.get("guild_id")
        payload: JSON = {
            "id": self.new_id(),
            "application_id": self.app_id,
            "type": kind,
            "data": data,
            "token": "aW50ZXJhY3Rpb24:" + secrets.token_urlsafe(48),
            "version": 1,
            "channel_id": channel["id"],
            "channel": channel | {"permissions": p.ALL_PERMISSIONS},
            "locale": locale,
            "app_permissions": p.ALL_PERMISSIONS,
            "entitlements": [],
            "attachment_size_limit": p.ATTACHMENT_SIZE_LIMIT,
        }
        if guild_id is not None:
            payload |= {
                "guild_id": guild_id,
                "guild": {"id": guild_id, "locale": "en-US", "features": []},
                "guild_locale": "en-US",
                "member": p.member(who, role_ids, self.clock.now()),
                "authorizing_integration_owners": {"0": guild_id},
                "context": 0,
            }
        else:
            payload |= {
                "user": who,
                "authorizing_integration_owners": {"0": who["id"]},
                "context": 1,
            }
        if message is not None:
            payload["message"] = message
        pending = PendingInteraction(
            self, payload, self.clock.now(), message["id"] if message else None
        )
        self.interactions[pending.id] = pending
        await self.dispatch("INTERACTION_CREATE", payload)
        pending.sent_at = self.clock.now()
        return pending

    # ---- REST plumbing -----------------------------------------------------------------

    def _routes(self) -> list[tuple[str, str, Handler]]:
        wh = "/webhooks/{webhook_id}/{webhook_token}"
        return [
            ("GET", "/users/@me", self._get_me),
            ("GET", "/users/@me/guilds", self._get_my_guilds),
            ("GET", "/oauth2/applications/@me", self._get_application),
            ("GET", "/gateway", self._get_gateway),
            ("GET", "/gateway/bot", self._get_gateway_bot),
            ("GET", "/applications/{application_id}/commands", self._get_commands),
            ("PUT", "/applications/{application_id}/commands", self._put_commands),
            (
                "GET",
                "/applications/{application_id}/guilds/{guild_id}/commands",
                self._get_commands,
            ),
            (
                "PUT",
                "/applications/{application_id}/guilds/{guild_id}/commands",
                self._put_commands,
            ),
            ("POST", "/interactions/{webhook_id}/{webhook_token}/callback", self._callback),
            ("POST", wh, self._followup),
            ("GET", wh + "/messages/{message_id}", self._get_webhook_message),
            ("PATCH", wh + "/messages/{message_id}", self._edit_webhook_message),
            ("DELETE", wh + "/messages/{message_id}", self._delete_webhook_message),
            ("GET", "/guilds/{guild_id}/channels", self._get_guild_channels),
            ("GET", "/channels/{channel_id}", self._get_channel),
            ("POST", "/channels/{channel_id}/messages", self._create_message),
            ("GET", "/channels/{channel_id}/messages/{message_id}", self._get_message),
            ("PATCH", "/channels/{channel_id}/messages/{message_id}", self._edit_message),
            ("DELETE", "/channels/{channel_id}/messages/{message_id}", self._delete_message),
            ("POST", "/users/@me/channels", self._open_dm),
            ("GET", "/guilds/{guild_id}/scheduled-events", self._list_events),
            ("POST", "/guilds/{guild_id}/scheduled-events", self._create_event),
            (
                "GET",
                "/guilds/{guild_id}/scheduled-events/{guild_scheduled_event_id}",
                self._get_event,
            ),
            (
                "PATCH",
                "/guilds/{guild_id}/scheduled-events/{guild_scheduled_event_id}",
                self._modify_event,
            ),
            (
                "DELETE",
                "/guilds/{guild_id}/scheduled-events/{guild_scheduled_event_id}",
                self._delete_event,
            ),
            (
                "GET",
                "/guilds/{guild_id}/scheduled-events/{guild_scheduled_event_id}/users",
                self._event_users,
            ),
        ]

    def _endpoint(self, handler: Handler) -> Callable[[web.Request], Awaitable[web.Response]]:
        async def endpoint(request: web.Request) -> web.Response:
            return await self._serve(request, handler)

        return endpoint

    async def _answered(self, request: web.Request, response: web.StreamResponse) -> None:
        """Whatever comes next on the connection is the next request (see _Connection)."""
        connection = self._connections.get(request.protocol)
        if connection is not None:
            connection.arrived = None

    def drop_next(self, route: str, times: int = 1) -> None:
        """Close the connection of the next `times` requests to `route` (e.g.
        "POST /interactions/{webhook_id}/{webhook_token}/callback") without an answer."""
        self._dropping[route] = self._dropping.get(route, 0) + times

    async def _serve(self, request: web.Request, handler: Handler) -> web.Response:
        """Parse, authenticate, rate-limit, handle and record one request."""
        template = request.match_info.route.resource.canonical  # type: ignore[union-attr]
        dropped = f"{request.method} {template.removeprefix(API_PREFIX)}"
        if self._dropping.get(dropped):
            self._dropping[dropped] -= 1
            assert request.transport is not None
            request.transport.abort()
            return web.Response(status=500)  # never sent: the socket is gone
        # The time the request arrived at the socket, not the time the fake got round to it.
        started = self.clock.now()
        connection = self._connections.get(request.protocol)
        arrived = started
        if connection is not None and connection.arrived is not None:
            arrived = connection.arrived
        template = request.match_info.route.resource.canonical  # type: ignore[union-attr]
        route = f"{request.method} {template.removeprefix(API_PREFIX)}"
        body, files = await _read_body(request)
        call = _Call(request, route, dict(request.match_info), body, files, arrived)
        headers: dict[str, str] = {}
        try:
            # Webhook and interaction routes authenticate by the token in their path.
            by_path_token = template.startswith(
                (API_PREFIX + "/webhooks/", API_PREFIX + "/interactions/")
            )
            if not by_path_token and request.headers.get("Authorization") != f"Bot {self.token}":
                raise p.unauthorized()
            headers = self._rate_limit(route, call.params, in_global=not by_path_token)
            hold = self._hold_for(route)
            if hold is not None and hold.before:
                await hold.wait()
                if request.transport is None or request.transport.is_closing():
                    return web.Response(status=500)  # the client went: never handled
            status, payload = await handler(call)
            if hold is not None and not hold.before:
                await hold.wait()
        except DiscordError as error:
            status, payload = error.status, error.body()
        except _TooManyRequests as limited:
            status, payload, headers = 429, limited.body, limited.headers
        self.requests.append(
            RecordedRequest(
                method=request.method,
                path=request.path.removeprefix(API_PREFIX),
                route=route,
                params=call.params,
                query=dict(request.query),
                headers=dict(request.headers),
                json=body,
                files=files,
                status=status,
                response=payload,
                at=arrived,
                started=started,
                connection=connection.number if connection is not None else 0,
            )
        )
        self._requests_changed.fire()
        if payload is None:
            return web.Response(status=status, headers=headers)
        # Exactly "application/json": json_response's "; charset=utf-8" makes discord.py
        # read the body as text.
        headers["Content-Type"] = "application/json"
        return web.Response(status=status, body=json.dumps(payload).encode(), headers=headers)

    def _rate_limit(
        self, route: str, params: Mapping[str, str], *, in_global: bool = True
    ) -> dict[str, str]:
        """Count the request in its bucket (and, when `in_global`, in the global limit);
        raise a 429 when forced or over a limit."""
        major = "+".join(params[k] for k in _MAJOR_PARAMETERS if k in params)
        bucket_hash = _bucket_hash(route)
        for forced in self._forced:
            if forced.route == route and forced.times > 0:
                forced.times -= 1
                raise _TooManyRequests(
                    forced.retry_after, bucket_hash, forced.via, forced.is_global
                )
        # Rate limits run on real time whatever the fake's clock: discord.py sleeps for real.
        now = time.monotonic()
        counted = in_global and self.global_limit is not None
        if counted:
            window = self._global_times
            while window and now - window[0] >= GLOBAL_WINDOW:
                window.popleft()
            if len(window) >= (self.global_limit or 0):
                self.global_limited += 1
                # Free again when the oldest request in the window leaves it.
                oldest = window[0] if window else now
                limited = _TooManyRequests(
                    oldest + GLOBAL_WINDOW - now, bucket_hash, via=True, is_global=True
                )
                for name in _BUCKET_HEADERS:
                    del limited.headers[name]
                raise limited
        bucket = self._buckets.get((route, major))
        if bucket is None or now - bucket.started >= self.route_window:
            bucket = self._buckets[route, major] = _Bucket(started=now)
        reset_after = max(self.route_window - (now - bucket.started), 0.0)
        if bucket.used >= self.route_limit:
            raise _TooManyRequests(reset_after, bucket_hash, via=True, is_global=False)
        bucket.used += 1
        if counted:
            self._global_times.append(now)
        return {
            "X-RateLimit-Limit": str(self.route_limit),
            "X-RateLimit-Remaining": str(self.route_limit - bucket.used),
            "X-RateLimit-Reset": f"{time.time() + reset_after:.3f}",
            "X-RateLimit-Reset-After": f"{reset_after:.3f}",
            "X-RateLimit-Bucket": bucket_hash,
        }

    # ---- REST: identity and commands -------------------------------------------------

    async def _get_me(self, call: _Call) -> tuple[int, Any]:
        return 200, self.bot_user

    async def _get_my_guilds(self, call: _Call) -> tuple[int, Any]:
        """The bot's guilds as partial guilds (Discord: GET /users/@me/guilds): sorted by
        id, `before`/`after` an id, `limit` 1..200 (default 200), counts if `with_counts`."""
        query = call.request.query
        try:
            limit = int(query.get("limit", "200"))
            before, after = (int(query[k]) if k in query else None for k in ("before", "after"))
        except ValueError:
            raise p.form_error({"limit": ("NUMBER_TYPE_COERCE", "Value is not int.")}) from None
        if not 1 <= limit <= 200:
            raise p.form_error(
                {"limit": ("NUMBER_TYPE_MAX", "int value should be between 1 and 200.")}
            )
        gid = int(self.guild_id)
        if (before is not None and gid >= before) or (after is not None and gid <= after):
            return 200, []
        permissions = self.roles[self.guild_id]["permissions"]
        permissions = str(int(permissions) | int(self.roles[self.bot_role_id]["permissions"]))
        guild: JSON = {
            "id": self.guild_id,
            "name": self.guild_name,
            "icon": None,
            "banner": None,
            "owner": False,
            "permissions": permissions,
            "features": [],
        }
        if _truthy(query.get("with_counts")):
            guild["approximate_member_count"] = 2 + len(self.users)
            guild["approximate_presence_count"] = 0
        return 200, [guild]

    async def _get_application(self, call: _Call) -> tuple[int, Any]:
        return 200, p.application(
            self.app_id, self.bot_user["username"], self.owner, self.app_flags
        )

    async def _get_gateway(self, call: _Call) -> tuple[int, Any]:
        return 200, {"url": self.gateway_url}

    async def _get_gateway_bot(self, call: _Call) -> tuple[int, Any]:
        limit = {"total": 1000, "remaining": 999, "reset_after": 14_400_000, "max_concurrency": 1}
        return 200, {"url": self.gateway_url, "shards": 1, "session_start_limit": limit}

    def _own_application(self, call: _Call) -> str | None:
        if call.params["application_id"] != self.app_id:
            raise p.missing_access()
        return call.params.get("guild_id")

    async def _get_commands(self, call: _Call) -> tuple[int, Any]:
        return 200, self.commands.get(self._own_application(call), [])

    async def _put_commands(self, call: _Call) -> tuple[int, Any]:
        scope = self._own_application(call)
        p.check_commands(call.json)
        # A bulk overwrite keeps the id of a command whose name and type stay the same.
        old = {(c.get("type", 1), c["name"]): c["id"] for c in self.commands.get(scope, [])}
        stored = []
        for command in call.json:
            kind = command.get("type", 1)
            entry = {
                "options": [],
                "nsfw": False,
                **command,
                "type": kind,
                "id": old.get((kind, command["name"])) or self.new_id(),
                # Discord answers with the permission set as a string, however it was sent.
                "default_member_permissions": _permission_string(
                    command.get("default_member_permissions")
                ),
                "application_id": self.app_id,
                "version": self.new_id(),
            }
            if scope is not None:
                entry["guild_id"] = scope
            stored.append(entry)
        self.commands[scope] = stored
        return 200, stored

    # ---- REST: interactions and their webhooks ---------------------------------------

    async def _callback(self, call: _Call) -> tuple[int, Any]:
        pending = self.interactions.get(call.params["webhook_id"])
        if pending is None or pending.token != call.params["webhook_token"]:
            raise p.unknown_interaction()
        if pending.acknowledged:
            raise p.already_acknowledged()
        if call.arrived > pending.deadline:
            raise p.unknown_interaction()
        body = call.json if isinstance(call.json, dict) else {}
        kind = body.get("type")
        if kind not in p.ALLOWED_CALLBACKS.get(pending.type, frozenset()):
            raise p.form_error({"type": ("INTERACTION_RESPONSE_TYPE_INVALID", f"type {kind}")})
        data = body.get("data") or {}
        resource_message: JSON | None = None
        if kind == p.CHANNEL_MESSAGE:
            p.check_message(data, prefix="data.", uploads=len(call.files))
            resource_message = self._interaction_message(pending, data, call.files)
        elif kind == p.DEFERRED_CHANNEL_MESSAGE:
            flags = (int(data.get("flags") or 0) & p.EPHEMERAL) | p.LOADING
            resource_message = self._interaction_message(pending, {"flags": flags}, ())
        elif kind == p.UPDATE_MESSAGE:
            p.check_message(data, prefix="data.", require_body=False)
            source = self.messages.get(pending.source_message_id or "")
            if source is None:
                raise p.unknown_message()
            resource_message = self._update(source, data)
        elif kind == p.AUTOCOMPLETE_RESULT:
            p.check_choices(body)
        elif kind == p.MODAL:
            p.check_modal(body)
            pending.modal = dict(data)
        # Validation passed: only now is the interaction acknowledged (a refused response
        # may be corrected and sent again within the deadline, as on Discord).
        pending.response_type = kind
        if kind == p.DEFERRED_UPDATE_MESSAGE:
            pending.response_message_id = pending.source_message_id
        elif resource_message is not None:
            pending.response_message_id = resource_message["id"]
        if not _truthy(call.request.query.get("with_response")):
            return 204, None
        interaction: JSON = {"id": pending.id, "type": pending.type}
        resource: JSON = {"type": kind}
        if resource_message is not None:
            flags = resource_message["flags"]
            interaction |= {
                "response_message_id": resource_message["id"],
                "response_message_loading": bool(flags & p.LOADING),
                "response_message_ephemeral": bool(flags & p.EPHEMERAL),
            }
            resource["message"] = resource_message
        return 200, {"interaction": interaction, "resource": resource}

    def _interaction_message(
        self, pending: PendingInteraction, data: Mapping[str, Any], files: Sequence[Upload]
    ) -> JSON:
        user = pending.payload.get("member", {}).get("user") or pending.payload.get("user")
        metadata: JSON = {
            "id": pending.id,
            "type": pending.type,
            "user": user,
            "authorizing_integration_owners": pending.payload["authorizing_integration_owners"],
        }
        if pending.source_message_id is not None:
            metadata["interacted_message_id"] = pending.source_message_id
        return self._store_message(
            pending.channel_id,
            data,
            files,
            message_type=20 if pending.type == p.APPLICATION_COMMAND else 0,
            extra={
                "webhook_id": self.app_id,
                "application_id": self.app_id,
                "interaction_metadata": metadata,
            },
        )

    def _token_interaction(self, call: _Call) -> PendingInteraction:
        """The interaction behind /webhooks/{app_id}/{token}, if its token is still valid."""
        if call.params["webhook_id"] != self.app_id:
            raise p.unknown_webhook()
        token = call.params["webhook_token"]
        pending = next((i for i in self.interactions.values() if i.token == token), None)
        if pending is None:
            raise p.unknown_webhook()
        if call.arrived > pending.token_expires:
            raise p.invalid_webhook_token()
        return pending

    def _webhook_message(self, call: _Call) -> tuple[PendingInteraction, JSON]:
        pending = self._token_interaction(call)
        wanted = call.params["message_id"]
        if wanted == "@original":
            message_id = pending.response_message_id
        else:
            message_id = wanted if wanted in pending.followup_ids else None
        if message_id is None or message_id not in self.messages:
            raise p.unknown_message()
        return pending, self.messages[message_id]

    async def _followup(self, call: _Call) -> tuple[int, Any]:
        pending = self._token_interaction(call)
        # Discord knows no webhook for an interaction that was never acknowledged.
        if not pending.acknowledged:
            raise p.unknown_webhook()
        body = call.json if isinstance(call.json, dict) else {}
        p.check_message(body, uploads=len(call.files))
        original = self.messages.get(pending.response_message_id or "")
        if original is not None and original["flags"] & p.LOADING:
            # After a "thinking" defer, the first follow-up replaces the loading message.
            message = self._update(original, body, files=call.files, clear_loading=True)
        else:
            message = self._interaction_message(pending, body, call.files)
            pending.followup_ids.append(message["id"])
        if not _truthy(call.request.query.get("wait")):
            return 204, None
        return 200, message

    async def _get_webhook_message(self, call: _Call) -> tuple[int, Any]:
        return 200, self._webhook_message(call)[1]

    async def _edit_webhook_message(self, call: _Call) -> tuple[int, Any]:
        _, message = self._webhook_message(call)
        body = call.json if isinstance(call.json, dict) else {}
        p.check_message(body, require_body=False)
        return 200, self._update(message, body, files=call.files, clear_loading=True)

    async def _delete_webhook_message(self, call: _Call) -> tuple[int, Any]:
        _, message = self._webhook_message(call)
        del self.messages[message["id"]]
        return 204, None

    # ---- REST: channels, messages, DMs -----------------------------------------------

    def _channel(self, call: _Call) -> JSON:
        channel = self.channels.get(call.params["channel_id"])
        if channel is None:
            raise p.unknown_channel()
        return channel

    def _channel_message(self, call: _Call) -> JSON:
        self._channel(call)
        message = self.messages.get(call.params["message_id"])
        if message is None or message["channel_id"] != call.params["channel_id"]:
            raise p.unknown_message()
        return message

    async def _get_channel(self, call: _Call) -> tuple[int, Any]:
        return 200, self._channel(call)

    async def _get_guild_channels(self, call: _Call) -> tuple[int, Any]:
        guild = call.params["guild_id"]
        if guild != self.guild_id:
            raise p.unknown_channel()  # Discord answers 404 for a guild the bot is not in
        return 200, [c for c in self.channels.values() if c.get("guild_id") == guild]

    async def _create_message(self, call: _Call) -> tuple[int, Any]:
        channel = self._channel(call)
        if channel["type"] == 1 and channel["recipients"][0]["id"] in self.closed_dm_user_ids:
            raise p.cannot_dm()
        body = call.json if isinstance(call.json, dict) else {}
        p.check_message(body, uploads=len(call.files))
        nonce = body.get("nonce")
        key = (channel["id"], str(nonce))
        now = self.clock.now()
        if nonce is not None and body.get("enforce_nonce"):
            earlier = self._nonces.get(key)
            if earlier is not None and earlier[0] in self.messages and earlier[1] > now:
                # Discord answers with the message already created for this nonce.
                return 200, self.messages[earlier[0]]
        message = self._store_message(channel["id"], body, call.files)
        if nonce is not None and body.get("enforce_nonce"):
            self._nonces[key] = (message["id"], now + timedelta(seconds=self.nonce_ttl))
        return 200, message

    async def _get_message(self, call: _Call) -> tuple[int, Any]:
        return 200, self._channel_message(call)

    async def _edit_message(self, call: _Call) -> tuple[int, Any]:
        message = self._channel_message(call)
        if message["author"]["id"] != self.bot_user["id"]:
            raise p.cannot_edit_others()
        body = call.json if isinstance(call.json, dict) else {}
        p.check_message(body, require_body=False)
        return 200, self._update(message, body, files=call.files)

    async def _delete_message(self, call: _Call) -> tuple[int, Any]:
        message = self._channel_message(call)
        del self.messages[message["id"]]
        return 204, None

    async def _open_dm(self, call: _Call) -> tuple[int, Any]:
        body = call.json if isinstance(call.json, dict) else {}
        recipient = body.get("recipient_id")
        if recipient is None:
            raise p.form_error({"recipient_id": ("BASE_TYPE_REQUIRED", "This field is required")})
        # Opening a DM always works; it is sending into it that a closed DM refuses.
        return 200, self.channels[self._dm_channel_for(str(recipient))]

    # ---- REST: scheduled events --------------------------------------------------------

    def _guild(self, call: _Call) -> str:
        if call.params["guild_id"] != self.guild_id:
            raise p.unknown_guild()
        return self.guild_id

    def _bot_may(self, *permissions: int) -> bool:
        """Whether the bot's guild-level permissions hold any of these."""
        bits = self.member_permissions([self.bot_role_id])
        return any(bits & permission for permission in permissions)

    def _advance_events(self) -> None:
        """External events start and end on their own, as the fake's clock passes."""
        now = self.clock.now()
        for event in self.scheduled_events.values():
            status = event["status"]
            if event["entity_type"] != p.EXTERNAL or status not in (1, 2):
                continue
            end = p.parse_moment(event["scheduled_end_time"])
            start = p.parse_moment(event["scheduled_start_time"])
            if end is not None and now >= end:
                event["status"] = p.EVENT_COMPLETED
            elif start is not None and now >= start:
                event["status"] = p.EVENT_ACTIVE

    def _event(self, call: _Call) -> JSON:
        self._guild(call)
        self._advance_events()
        event = self.scheduled_events.get(call.params["guild_scheduled_event_id"])
        if event is None:
            raise p.unknown_scheduled_event()
        return event

    def _with_count(self, call: _Call, event: JSON) -> JSON:
        if _truthy(call.request.query.get("with_user_count")):
            return event | {"user_count": len(self.event_users.get(event["id"], {}))}
        return event

    def _may_change(self, event: JSON) -> None:
        """One's own event: CREATE_EVENTS or MANAGE_EVENTS; another's: MANAGE_EVENTS."""
        own = event["creator_id"] == self.bot_user["id"]
        needed = (p.CREATE_EVENTS, p.MANAGE_EVENTS) if own else (p.MANAGE_EVENTS,)
        if not self._bot_may(*needed):
            raise p.missing_permissions()

    async def _new_event(self, fields: JSON, creator: JSON) -> JSON:
        if len(self.listed_events()) >= p.MAX_SCHEDULED_EVENTS:
            raise p.too_many_scheduled_events()
        event = p.scheduled_event(
            event_id=self.new_id(), guild_id=self.guild_id, creator=creator, fields=fields
        )
        self.scheduled_events[event["id"]] = event
        await self.dispatch("GUILD_SCHEDULED_EVENT_CREATE", event)
        return event

    async def _list_events(self, call: _Call) -> tuple[int, Any]:
        self._guild(call)
        return 200, [self._with_count(call, e) for e in self.listed_events()]

    async def _create_event(self, call: _Call) -> tuple[int, Any]:
        self._guild(call)
        if not self._bot_may(p.CREATE_EVENTS):
            raise p.missing_permissions()
        fields = p.check_scheduled_event(call.json, now=self.clock.now())
        return 200, await self._new_event(fields, self.bot_user)

    async def _get_event(self, call: _Call) -> tuple[int, Any]:
        return 200, self._with_count(call, self._event(call))

    async def _modify_event(self, call: _Call) -> tuple[int, Any]:
        event = self._event(call)
        self._may_change(event)
        if event["status"] in (p.EVENT_COMPLETED, p.EVENT_CANCELED):
            raise p.form_error(
                {"status": ("GUILD_SCHEDULED_EVENT_ALREADY_ENDED", "The event has ended.")}
            )
        body = call.json if isinstance(call.json, dict) else {}
        if event["status"] == p.EVENT_ACTIVE and "scheduled_start_time" in body:
            raise p.form_error(
                {
                    "scheduled_start_time": (
                        "GUILD_SCHEDULED_EVENT_ACTIVE",
                        "Cannot change the start of an event under way.",
                    )
                }
            )
        event.update(p.check_scheduled_event(body, now=self.clock.now(), current=event))
        await self.dispatch("GUILD_SCHEDULED_EVENT_UPDATE", event)
        return 200, event

    async def _delete_event(self, call: _Call) -> tuple[int, Any]:
        event = self._event(call)
        self._may_change(event)
        del self.scheduled_events[event["id"]]
        self.event_users.pop(event["id"], None)
        await self.dispatch("GUILD_SCHEDULED_EVENT_DELETE", event)
        return 204, None

    async def _event_users(self, call: _Call) -> tuple[int, Any]:
        """Interested users in ascending id order, `limit` (1-100) at a time, after or
        before (which wins) a user id."""
        event = self._event(call)
        query = call.request.query
        try:
            limit = int(query.get("limit", "100"))
            before = int(query["before"]) if "before" in query else None
            after = int(query["after"]) if "after" in query else None
        except ValueError:
            raise p.form_error({"limit": ("NUMBER_TYPE_COERCE", "Value is not int.")}) from None
        if not 1 <= limit <= 100:
            raise p.form_error(
                {"limit": ("NUMBER_TYPE_MAX", "int value should be between 1 and 100.")}
            )
        users = sorted(self.event_users.get(event["id"], {}).values(), key=lambda u: int(u["id"]))
        if before is not None:
            users = [u for u in users if int(u["id"]) < before][-limit:]
        else:
            users = [u for u in users if after is None or int(u["id"]) > after][:limit]
        with_member = _truthy(query.get("with_member"))
        out = []
        for u in users:
            item: JSON = {"guild_scheduled_event_id": event["id"], "user": u}
            if with_member:
                item["member"] = p.guild_member(u, [], self.joined_at)
            out.append(item)
        return 200, out

    async def _unknown_route(self, call: _Call) -> tuple[int, Any]:
        raise p.not_found()

    def _dm_channel_for(self, user_id: str) -> str:
        if user_id not in self._dm_channels:
            who = self.users.get(user_id) or p.user(user_id, f"user{user_id[-4:]}")
            cid = self.new_id()
            self.channels[cid] = p.dm_channel(cid, who)
            self._dm_channels[user_id] = cid
        return self._dm_channels[user_id]

    def _attachments(self, channel_id: str, files: Sequence[Upload]) -> list[JSON]:
        out = []
        for upload in files:
            aid = self.new_id()
            url = f"http://127.0.0.1:{self.port}/attachments/{channel_id}/{aid}/{upload.filename}"
            out.append(
                {
                    "id": aid,
                    "filename": upload.filename,
                    "size": len(upload.data),
                    "url": url,
                    "proxy_url": url,
                    "content_type": upload.content_type,
                }
            )
        return out

    def _store_message(
        self,
        channel_id: str,
        body: Mapping[str, Any],
        files: Sequence[Upload],
        *,
        message_type: int = 0,
        extra: Mapping[str, Any] | None = None,
    ) -> JSON:
        message = p.message(
            message_id=self.new_id(),
            channel_id=channel_id,
            guild_id=self.channels[channel_id].get("guild_id"),
            author=self.bot_user,
            body=body,
            attachments=self._attachments(channel_id, files),
            timestamp=self.clock.now(),
            message_type=message_type,
            extra=extra,
        )
        self.messages[message["id"]] = message
        return message

    def _update(
        self,
        message: JSON,
        body: Mapping[str, Any],
        *,
        files: Sequence[Upload] = (),
        clear_loading: bool = False,
    ) -> JSON:
        for key in ("content", "embeds", "components"):
            if key in body:
                message[key] = (
                    body[key] if body[key] is not None else ("" if key == "content" else [])
                )
        if "attachments" in body or files:
            # Kept attachments are listed by id; new uploads are added to them.
            keep = {str(a.get("id")) for a in body.get("attachments") or []}
            message["attachments"] = [
                a for a in message["attachments"] if a["id"] in keep
            ] + self._attachments(message["channel_id"], files)
        if clear_loading:
            message["flags"] &= ~p.LOADING
        message["edited_timestamp"] = p.iso(self.clock.now())
        return message

    # ---- Gateway: the socket -----------------------------------------------------------

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=True, compress=False)
        await ws.prepare(request)
        self._sockets.add(ws)
        session: _Session | None = None
        try:
            if request.query.get("v") != "10" or request.query.get("encoding") != "json":
                # The fake speaks v10 JSON only (no ETF); zlib-stream is optional for Discord
                # too: plain text frames are accepted by discord.py.
                await ws.close(code=4012, message=b"Invalid API version")
                return ws
            await self._send(
                ws, {"op": 10, "d": {"heartbeat_interval": self.heartbeat_interval_ms}}
            )
            async for msg in ws:
                if msg.type is not WSMsgType.TEXT:
                    await ws.close(code=4002, message=b"Error while decoding payload.")
                    break
                frame = json.loads(msg.data)
                self.gateway_received.append(frame)
                self._gateway_changed.fire()
                session = await self._on_frame(ws, frame, session)
        finally:
            self._sockets.discard(ws)
            if session is not None and session.ws is ws:
                session.ws = None
                if ws.close_code in _FINAL_CLOSE_CODES:
                    self._sessions.pop(session.id, None)
            self._gateway_changed.fire()
        return ws

    async def _on_frame(
        self, ws: web.WebSocketResponse, frame: JSON, session: _Session | None
    ) -> _Session | None:
        op, data = frame.get("op"), frame.get("d") or {}
        if op == 1:
            await self._send(ws, {"op": 11})
        elif op == 2:
            if session is not None:
                await ws.close(code=4005, message=b"Already authenticated.")
            elif data.get("token") != self.token:
                await ws.close(code=4004, message=b"Authentication failed.")
            elif "intents" not in data:
                await ws.close(code=4013, message=b"Invalid intent(s).")
            else:
                session = _Session(id=secrets.token_hex(16), ws=ws)
                self._sessions[session.id] = session
                await self._dispatch_to(session, "READY", self._ready(data, session.id))
                # Right after READY, each guild it listed as unavailable comes in full.
                await self._dispatch_to(session, "GUILD_CREATE", self._guild_create(data))
                self._gateway_changed.fire()
        elif op == 6:
            old = self._sessions.get(str(data.get("session_id")))
            if old is None or data.get("token") != self.token:
                # Not resumable: discord.py then identifies afresh.
                await self._send(ws, {"op": 9, "d": False})
            else:
                old.ws, session = ws, old
                seq = data.get("seq") or 0
                for missed in [f for f in old.sent if f["s"] > seq]:
                    await self._send(ws, missed)
                await self._dispatch_to(old, "RESUMED", {})
                self._gateway_changed.fire()
        return session

    def _ready(self, identify: JSON, session_id: str) -> JSON:
        ready: JSON = {
            "v": 10,
            "user": self.bot_user,
            # Guilds are listed as unavailable; a GUILD_CREATE follows for each.
            "guilds": [{"id": self.guild_id, "unavailable": True}],
            "session_id": session_id,
            "resume_gateway_url": self.gateway_url,
            "application": {"id": self.app_id, "flags": self.app_flags},
            "private_channels": [],
            "relationships": [],
            "session_type": "normal",
        }
        if "shard" in identify:
            ready["shard"] = identify["shard"]
        return ready

    def _guild_create(self, identify: JSON) -> JSON:
        text_channels = [c for c in self.channels.values() if c.get("guild_id") == self.guild_id]
        bot_member = p.guild_member(self.bot_user, [self.bot_role_id], self.joined_at)
        # Without the privileged members intent, `members` holds the bot alone.
        return p.guild_create(
            guild_id=self.guild_id,
            name=self.guild_name,
            owner_id=self.owner["id"],
            roles=list(self.roles.values()),
            channels=text_channels,
            members=[bot_member],
            member_count=2 + len(self.users),  # the owner, the bot and the users
            joined_at=self.joined_at,
            large_threshold=int(identify.get("large_threshold") or 50),
            system_channel_id=self.channel_id,
        ) | {"guild_scheduled_events": self.listed_events()}

    async def _dispatch_to(self, session: _Session, event: str, data: JSON) -> None:
        session.seq += 1
        frame = {"op": 0, "t": event, "s": session.seq, "d": data}
        session.sent.append(frame)
        if session.ws is not None and not session.ws.closed:
            await self._send(session.ws, frame)

    async def _send(self, ws: web.WebSocketResponse, frame: JSON) -> None:
        self.gateway_sent.append(frame)
        with contextlib.suppress(ConnectionResetError):
            await ws.send_str(json.dumps(frame))


class _TooManyRequests(Exception):
    """A 429 with Discord's body and headers."""

    def __init__(self, retry_after: float, bucket: str, via: bool, is_global: bool) -> None:
        super().__init__(f"429 retry after {retry_after}")
        self.body: JSON = {
            "message": "You are being rate limited.",
            "retry_after": round(retry_after, 3),
            "global": is_global,
        }
        self.headers = {
            "Retry-After": str(math.ceil(retry_after)),
            "X-RateLimit-Limit": "1",
            "X-RateLimit-Remaining": "0",
            "X-RateLimit-Reset": f"{time.time() + retry_after:.3f}",
            "X-RateLimit-Reset-After": f"{retry_after:.3f}",
            "X-RateLimit-Bucket": bucket,
            "X-RateLimit-Scope": "global" if is_global else "user",
        }
        if is_global:
            self.headers["X-RateLimit-Global"] = "true"
        if via:
            # Discord's own 429s pass through Google's front end; discord.py treats a 429
            # without Via as a Cloudflare ban and does not retry it.
            self.headers["Via"] = "1.1 google"


async def _read_body(request: web.Request) -> tuple[Any, tuple[Upload, ...]]:
    """The JSON body, or a multipart body's `payload_json` and files."""
    if request.content_type == "multipart/form-data":
        payload: Any = None
        files: list[Upload] = []
        reader = await request.multipart()
        async for part in reader:
            if not isinstance(part, BodyPartReader):
                continue
            data = await part.read()
            if part.name == "payload_json":
                payload = json.loads(data)
            else:
                files.append(
                    Upload(
                        field=part.name or "",
                        filename=part.filename or "",
                        content_type=part.headers.get("Content-Type", "application/octet-stream"),
                        data=bytes(data),
                    )
                )
        return payload, tuple(files)
    raw = await request.read()
    if not raw:
        return None, ()
    try:
        return json.loads(raw), ()
    except ValueError:
        return raw.decode(errors="replace"), ()


def _build_options(
    schema: Sequence[JSON], values: Mapping[str, Any], focused: str | None
) -> list[JSON]:
    """Options as Discord sends them, in declared order, typed from the synced schema."""
    known = {o["name"]: o for o in schema}
    unknown = set(values) - set(known)
    if unknown:
        raise ValueError(f"no options named {sorted(unknown)}; the command has {sorted(known)}")
    if focused is not None and focused not in values:
        raise ValueError(f"the focused option {focused!r} needs a (partial) value")
    built = []
    for option in schema:
        name = option["name"]
        if name not in values:
            # While autocompleting, the user has not filled the required options yet.
            if option.get("required") and focused is None:
                raise ValueError(f"required option {name!r} is missing")
            continue
        if name == focused:
            built.append(
                {"name": name, "type": option["type"], "value": values[name], "focused": True}
            )
        else:
            value = p.option_value(option, values[name])
            built.append({"name": name, "type": option["type"], "value": value})
    return built


def _permission_string(value: Any) -> str | None:
    return None if value is None else str(int(value))


@functools.cache
def _bucket_hash(route: str) -> str:
    """The X-RateLimit-Bucket of a route (one per route: a few dozen at most)."""
    return hashlib.sha1(route.encode()).hexdigest()[:16]


def _truthy(value: str | None) -> bool:
    return value is not None and value.lower() in ("1", "true")


async def _wait_until(
    signal: _Signal,
    find: Callable[[], T | None],
    timeout: float,  # noqa: ASYNC109 - shared by the waits above
    seen: Callable[[], Any],
) -> T:
    """Re-check `find` each time `signal` fires, until it finds something or time runs out."""
    try:
        async with asyncio.timeout(timeout):
            while (found := find()) is None:
                await signal.wait()
            return found
    except TimeoutError:
        raise TimeoutError(f"nothing matched within {timeout}s; seen so far: {seen()}") from None
