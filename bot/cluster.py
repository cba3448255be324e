"""Several instances on one PostgreSQL database: each serves the web server and drains the
outbox; exactly one leads, holding the Discord gateway and the planner.

The leader is whoever holds the advisory lock LEADER_LOCK on a connection of its own: when
its process dies, or its connection drops, the server lets go of the lock, and the next
follower to poll (every `poll` seconds, POLL_SECONDS by default) takes it. Each round also
writes the instance's heartbeat (bot/storage/instances.py) and puts back in the queue the
outbox rows claimed by instances whose heartbeat is older than LEASE.
On SQLite there is one bot per database (bot/app.py's lock file), and none of this runs.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import socket
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from functools import partial
from typing import Protocol

import asyncpg

from bot.core.clock import Clock
from bot.storage import instances, outbox
from bot.storage.agendas import AGENDA_CHANNEL
from bot.storage.instances import LEASE, POLL_SECONDS, Instance
from bot.storage.postgres import PostgresStore

log = logging.getLogger(__name__)

LEADER_LOCK = "forum-bot:leader"
# The longest wait before trying again to take up a lead that failed to start.
_MAX_RETRY = 60.0
# How long a check of the lock's connection may take before it counts as dropped.
_CHECK_SECONDS = 5.0

Hook = Callable[[], Awaitable[None]]


async def _nothing() -> None:
    return None


def _ignore(_platform: str) -> None:
    return None


async def _answers(conn: asyncpg.Connection) -> bool:
    """Whether a connection of its own still reaches the server (a cut network tells
    nothing until something is sent)."""
    if conn.is_closed():
        return False
    try:
        await asyncio.wait_for(conn.fetchval("SELECT 1"), _CHECK_SECONDS)
    except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError):
        return False
    return True


class Cluster:
    """This instance's part in the election, its heartbeat and the outbox's reclaims
    (`clock` in real time: a run's SystemClock even in a rehearsal)."""

    def __init__(
        self,
        store: PostgresStore,
        clock: Clock,
        *,
        platforms: Sequence[str] = (),
        on_lead: Hook = _nothing,
        on_follow: Hook = _nothing,
        on_requeued: Callable[[str], None] = _ignore,
        poll: float = POLL_SECONDS,
        lease: timedelta = LEASE,
    ) -> None:
        now = clock.now()
        self.store = store
        self.clock = clock
        self.platforms = tuple(platforms)
        self.me = Instance(
            uuid.uuid4().hex[:12], socket.gethostname(), os.getpid(), now, now, False
        )
        self.poll = poll
        self.lease = lease
        self.leading = asyncio.Event()  # set while this instance leads
        self.on_lead = on_lead
        self.on_follow = on_follow
        # Told of each platform whose rows a round queued again: its sender sleeps until
        # something is queued, and nothing else would wake it for these.
        self.on_requeued = on_requeued
        self._lock: asyncpg.Connection | None = None
        self._task: asyncio.Task[None] | None = None
        self._beating: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()
        # After a failed attempt to take up the lead, the next waits longer (the loop's
        # time; doubled up to _MAX_RETRY): a failure that repeats (Discord refusing the
        # commands, a bad source) must not reconnect every round.
        self._retry_in = 0.0
        self._next_try = 0.0

    @property
    def id(self) -> str:
        return self.me.id

    async def start(self) -> None:
        """One round now (so an instance alone leads before it serves), then one every
        `poll` seconds in the background."""
        # Heartbeats on their own: a round that takes up the lead (the gateway, the plan)
        # may take longer than the lease, and this instance's claims must not look dead.
        self._beating = asyncio.create_task(self._beat_on(), name="cluster-heartbeat")
        await self.step()
        self._task = asyncio.create_task(self._run(), name="cluster")

    async def stop(self) -> None:
        """Stop polling and let go of the lead (another instance takes it at its next poll)."""
        # The round under way finishes: one cancelled mid-statement would leave its
        # connection in a state asyncpg can neither use nor close politely.
        self._stopping.set()
        for task in (self._task, self._beating):
            if task is not None:
                await task
        self._task = self._beating = None
        await self._let_go()

    async def _beat_on(self) -> None:
        await self._every_round(self.beat, "a heartbeat")

    async def _run(self) -> None:
        await self._every_round(self.step, "a round")

    async def _every_round(self, work: Callable[[], Awaitable[object]], what: str) -> None:
        """`work` every `poll` seconds until stopped; a failure is logged, and the next
        round tries again (nothing must end the heartbeats or the rounds silently)."""
        while not self._stopping.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), self.poll)
                return
            try:
                await work()
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
                # The database is unreachable a moment.
                log.warning("cluster: %s failed: %s", what, exc)
            except Exception:
                log.exception("cluster: %s failed; the next tries again", what)

    async def step(self) -> None:
        """Keep or try the lead, beat, and take back dead instances' outbox claims."""
        lost = self._lock is not None and not await self._still_held(self._lock)
        if lost:
            log.warning("cluster: %s lost the lead (its connection dropped)", self.id)
            await self._let_go()
        took = False
        loop = asyncio.get_running_loop()
        # A round to stop leading first, then try (not before a failed try's wait ends).
        if self._lock is None and not lost and loop.time() >= self._next_try:
            self._lock = await self.store.try_lock(LEADER_LOCK)
            took = self._lock is not None
        # The heartbeat before anything slow: taking the lead (the agenda, the plan) may
        # take longer than the lease, and claims without a fresh beat look dead to others.
        now = await self.beat()
        if took:
            log.info("cluster: %s leads", self.id)
            self.leading.set()
            try:
                await self.on_lead()
            except Exception:
                # Leading without a planner would stop every reminder, and hold the
                # lock from instances that could plan: give it up, try again later.
                self._retry_in = min(max(self._retry_in * 2, self.poll), _MAX_RETRY)
                self._next_try = loop.time() + self._retry_in
                log.exception(
                    "cluster: %s could not take up the lead; letting it go, again in %g s",
                    self.id,
                    self._retry_in,
                )
                await self._let_go()
            else:
                self._retry_in = 0.0
        for platform in self.platforms:
            taken = await outbox.recover(self.store, platform, now - self.lease)
            if taken:
                log.info("%s: %d deliveries of a dead instance are queued again", platform, taken)
                self.on_requeued(platform)

    async def beat(self) -> datetime:
        """Say this instance lives (and whether it leads); when, by the clock."""
        now = self.clock.now()
        self.me = replace(self.me, heartbeat_at=now, leader=self._lock is not None)
        await instances.beat(self.store, self.me)
        return now

    async def _still_held(self, conn: asyncpg.Connection) -> bool:
        return await _answers(conn)

    async def _let_go(self) -> None:
        conn, self._lock = self._lock, None
        if conn is None:
            return
        conn.terminate()  # a dropped connection cannot be closed politely
        if self.leading.is_set():
            self.leading.clear()
            try:
                await self.on_follow()
            except Exception:
                log.exception("cluster: %s did not stop leading cleanly", self.id)


# The channel of LISTEN/NOTIFY on which instances tell each other of their hubs' publishes.
HUB_CHANNEL = "forum_bot_hub"


class Relayed(Protocol):
    """What HubRelay relays: a `Hub`, or anything else that says what it changed
    (`relay`) and hears what others did (bot/storage/prefs.py's `Notices`)."""

    relay: Callable[[str], None] | None

    def hear(self, topic: str) -> None: ...

    def hear_all(self) -> None: ...


class HubRelay:
    """Live pages across instances: each publish of these hubs is sent to every other
    instance with PostgreSQL's NOTIFY, and theirs heard with LISTEN on a connection of
    its own, so a vote taken on one instance moves a stream served by another.

    That connection can drop (the server restarts, the network cuts): asyncpg says so at
    once when the server closes it, and a `check` every few seconds finds a silent cut.
    The relay then connects again, waiting longer after each failure (`backoff` doubled
    up to `max_backoff`), and once it listens again moves every topic of its hubs on
    (`Hub.hear_all`): whatever was published meanwhile, its pages and caches read again."""

    def __init__(
        self,
        store: PostgresStore,
        origin: str,
        hubs: Mapping[str, Relayed],
        *,
        check: float = POLL_SECONDS,
        backoff: float = 0.5,
        max_backoff: float = 10.0,
    ) -> None:
        self.store = store
        self.origin = origin  # this instance's id: its own notices come back to it
        self.hubs = hubs
        self.check = check
        self.backoff = backoff
        self.max_backoff = max_backoff
        self._conn: asyncpg.Connection | None = None
        # Notices not sent yet, each (hub, topic) once: a burst of votes on one session is
        # one notice, sent by one task on one pooled connection at a time (a task and a
        # connection per vote would double the pool's load, and pile up while the
        # database stalls).
        self._pending: dict[tuple[str, str], None] = {}
        self._queued = asyncio.Event()
        self._sender: asyncio.Task[None] | None = None
        self._watching: asyncio.Task[None] | None = None
        self._stopping = False
        self._wake = asyncio.Event()  # the connection dropped, or stop

    async def start(self) -> None:
        await self._listen()
        for name, hub in self.hubs.items():
            hub.relay = partial(self._publish, name)
        self._watching = asyncio.create_task(self._watch(), name="hub-relay")
        self._sender = asyncio.create_task(self._send(), name="hub-relay-notify")

    async def stop(self) -> None:
        for hub in self.hubs.values():
            hub.relay = None
        self._stopping = True
        self._wake.set()
        if self._watching is not None:
            await self._watching  # a check or a connection under way ends first
            self._watching = None
        if self._sender is not None:
            self._sender.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._sender
            self._sender = None
        if self._pending:  # the last changes go out, for a moment at most
            with contextlib.suppress(
                OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError
            ):
                await self._notify(list(self._pending))
        await _close(self._conn)
        self._conn = None

    async def _listen(self) -> None:
        conn = await self.store.connect()
        try:
            await conn.add_listener(HUB_CHANNEL, self._heard)
        except BaseException:
            conn.terminate()
            raise
        conn.add_termination_listener(self._dropped)
        self._conn = conn

    def _dropped(self, conn: object) -> None:
        if conn is self._conn and not self._stopping:
            self._wake.set()

    async def _watch(self) -> None:
        while not self._stopping:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.check)
            if self._stopping:
                return
            conn = self._conn
            if not self._wake.is_set() and conn is not None and await _answers(conn):
                continue
            log.warning("cluster: the connection that hears other instances dropped")
            try:
                await self._again()
            except Exception:
                # Anything else must not end the watch silently: the next round tries.
                log.exception("cluster: listening again failed")

    async def _again(self) -> None:
        """Connect and listen again, waiting longer after each failure; then every topic
        moves on."""
        old, self._conn = self._conn, None
        if old is not None:
            old.terminate()  # a dropped connection cannot be closed politely
        wait = self.backoff
        while not self._stopping:
            self._wake.clear()
            try:
                await self._listen()
            except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
                log.warning("cluster: cannot listen again (%s); next try in %g s", exc, wait)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), wait)
                wait = min(wait * 2, self.max_backoff)
                continue
            log.info("cluster: listening again to other instances' changes")
            # After LISTEN: a publish from now on is heard, one before is read again.
            for hub in self.hubs.values():
                hub.hear_all()
            return

    def _publish(self, hub: str, topic: str) -> None:
        # Pages here were told at once; the others hear it a round trip later.
        self._pending[hub, topic] = None
        self._queued.set()

    async def _notify(self, notices: list[tuple[str, str]]) -> None:
        for payload in _payloads(self.origin, notices):
            async with asyncio.timeout(_NOTIFY_SECONDS):
                await self.store.execute("SELECT pg_notify(?, ?)", (HUB_CHANNEL, payload))

    async def _send(self) -> None:
        """Send what is pending as few notices as fit PostgreSQL's payload (8,000 bytes);
        a failed send is tried again a moment later, with what came meanwhile."""
        while True:
            await self._queued.wait()
            self._queued.clear()
            batch, self._pending = list(self._pending), {}
            try:
                await self._notify(batch)
            except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
                log.warning("cluster: could not tell other instances of a change: %s", exc)
                # Again shortly (the topics only say "look again": sending one twice is
                # harmless), with whatever came meanwhile.
                self._pending = dict.fromkeys(batch) | self._pending
                await asyncio.sleep(1.0)
                self._queued.set()

    def _heard(self, _conn: object, _pid: int, _channel: str, payload: str) -> None:
        try:
            said = json.loads(payload)
            origin, notices = said["from"], said["notices"]
            heard = [(self.hubs.get(name), topic) for name, topic in notices]
        except (ValueError, KeyError, TypeError):
            log.warning("cluster: a notice not of ours on %s", HUB_CHANNEL)
            return
        if origin == self.origin:
            return
        for hub, topic in heard:
            if hub is not None and isinstance(topic, str):
                hub.hear(topic)


# How long a notice may take to send, or a listening connection to close.
_NOTIFY_SECONDS = 5.0
# PostgreSQL refuses a NOTIFY payload of 8,000 bytes or more.
_PAYLOAD_BYTES = 7000


def _payloads(origin: str, notices: list[tuple[str, str]]) -> list[str]:
    """The notices as JSON payloads of at most _PAYLOAD_BYTES each."""
    payloads: list[str] = []
    part: list[tuple[str, str]] = []
    for notice in notices:
        tried = json.dumps({"from": origin, "notices": [*part, notice]})
        if part and len(tried.encode()) > _PAYLOAD_BYTES:
            payloads.append(json.dumps({"from": origin, "notices": part}))
            part = []
        part.append(notice)
    if part:
        payloads.append(json.dumps({"from": origin, "notices": part}))
    return payloads


async def _close(conn: asyncpg.Connection | None) -> None:
    """Close a listening connection politely, or drop it: over a cut network the server
    never answers, and a stop must not wait for it."""
    if conn is None:
        return
    try:
        await conn.close(timeout=_NOTIFY_SECONDS)
    except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError):
        conn.terminate()


class AgendaRelay:
    """Agenda changes across instances: the instance that applies one keeps it in the
    database and sends a notice on AGENDA_CHANNEL (bot/storage/agendas.py); here every
    other instance hears it (LISTEN on a connection of its own) and calls `follow`,
    which takes the kept agenda when it is newer than its own (Runtime.follow_agenda).
    `follow` also runs every `poll` seconds: a notice lost while the connection was down
    delays a change by a round, never loses it."""

    def __init__(
        self, store: PostgresStore, follow: Callable[[], Awaitable[object]], *, poll: float
    ) -> None:
        self.store = store
        self.follow = follow
        self.poll = poll
        self._conn: asyncpg.Connection | None = None
        self._heard_one = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._conn = await self.store.connect()
        await self._conn.add_listener(AGENDA_CHANNEL, self._heard)
        self._task = asyncio.create_task(self._run(), name="agenda-relay")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        await _close(self._conn)
        self._conn = None

    def _heard(self, _conn: object, _pid: int, _channel: str, _payload: str) -> None:
        # Whose notice and which version do not matter: `follow` reads the version kept.
        self._heard_one.set()

    async def _run(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.poll):
                    await self._heard_one.wait()
            self._heard_one.clear()
            try:
                await self.follow()
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
                log.warning("cluster: could not read the agenda in force: %s", exc)
            except Exception:
                log.exception("cluster: following the agenda failed; the next round tries again")
