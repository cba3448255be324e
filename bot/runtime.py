"""The bot's own voice: the planner, one sender per platform, agenda reloads.

Commands reach it through `Context.runtime` (to re-plan after /remind, to reload the
agenda); the app starts and stops it around the adapters.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from bot.core.clock import Clock
from bot.core.dispatch import Core
from bot.core.model import UserRef
from bot.core.tasks import Background
from bot.delivery.planner import Planner
from bot.delivery.sender import Sender
from bot.platforms.base import Adapter, MirrorsProgramme, OpensDMs
from bot.polls.notices import PollNotices, PollTimers
from bot.programme import Agenda, stored
from bot.programme.building import build_agenda
from bot.programme.changes import CANCELLED, MOVED, Change, diff, digest
from bot.qa.notices import Notices
from bot.settings import ConfigError, EventConfig, load_event
from bot.storage import Store, agendas
from bot.storage import announcements as ann
from bot.storage.base import POSTGRESQL
from bot.storage.outbox import Delivery, cancel_topic, enqueue

if TYPE_CHECKING:
    from bot.programme.source import AgendaSource

log = logging.getLogger(__name__)

# Tries at recording a change on a shared database when other instances keep recording
# theirs first (each loss: follow theirs, diff again).
_ATTEMPTS = 5


class _Overtaken(Exception):
    """Another instance recorded a newer agenda while this one applied a change."""


class PlanNotices:
    """The plan changed in the store here (a subscription, an announcement, a poll): the
    other instances hear it through bot/cluster.py's HubRelay (`relay`), and the one that
    leads plans again from the store: its planner sleeps until its next item otherwise,
    and a follower's own planner does not run."""

    TOPIC = "plan"

    def __init__(self, runtime: Runtime) -> None:
        self._runtime = runtime
        self.relay: Callable[[str], None] | None = None

    def tell(self) -> None:
        if self.relay is not None:
            self.relay(self.TOPIC)

    def hear(self, topic: str) -> None:
        # Straight to the planner, not `store_changed`: a follower would pass it on again.
        # A follower's planner does not run; it reads the store when it starts.
        self._runtime.planner.wake(rebuild=True)

    def hear_all(self) -> None:
        self._runtime.planner.wake(rebuild=True)


class QueueNotices:
    """Deliveries were queued here (the leader's reminders, a follower's answer to an
    announcement): the other instances hear it through the relay, topic the platform,
    and their senders look now. Every instance drains the outbox, and a sender with
    nothing queued sleeps until woken: without this, the leader's fan-out would be sent
    by the leader alone."""

    def __init__(self, runtime: Runtime) -> None:
        self._runtime = runtime
        self.relay: Callable[[str], None] | None = None

    def tell(self, platform: str) -> None:
        if self.relay is not None:
            self.relay(platform)

    def hear(self, topic: str) -> None:
        self._runtime.wake_sender(topic)

    def hear_all(self) -> None:
        for platform in self._runtime.senders:
            self._runtime.wake_sender(platform)


class Runtime:
    """Planner and senders over the adapters that are running."""

    def __init__(
        self,
        core: Core,
        adapters: Sequence[Adapter],
        *,
        config_path: Path | None = None,
        sender_concurrency: int = 8,
        claimer: str | None = None,
    ) -> None:
        self.core = core
        self.store: Store = core.store
        self.clock: Clock = core.clock
        self.config_path = config_path
        self.adapters = {a.name: a for a in adapters}
        self.senders = {
            a.name: Sender(
                self.store, a, self.clock, concurrency=sender_concurrency, claimer=claimer
            )
            for a in adapters
        }
        self.planner = Planner(
            store=self.store,
            clock=self.clock,
            config=core.config,
            agenda=lambda: self.core.agenda,
            channels=self.channels,
            platforms=self.platforms,
            enqueue=self.enqueue,
            interested=self.interested,
            timers=[PollTimers(core.polls)],
        )
        self._plan: asyncio.Task[None] | None = None
        self._opening = Background(log, "opening a DM channel")
        self._reload_lock = asyncio.Lock()
        core.runtime = self
        # Instances sharing a PostgreSQL database share the agenda in force: a change
        # applied on one is kept in the database (bot/storage/agendas.py) and followed by
        # the others (`follow_agenda`). `agenda_version` is the kept version this
        # instance's agenda is (0: its own event file's, nothing kept yet).
        self.shares_agenda = self.store.engine == POSTGRESQL
        self.agenda_version = 0
        self.origin = claimer or "this instance"
        # The programme from a conference system or a file, when the event file names one.
        self.source = self._make_source(core.config)
        self._source_task: asyncio.Task[None] | None = None
        # Whether the agenda is the real programme: with a source, not until it was read
        # (a platform's copy of the programme must not follow the file's stand-in).
        self._programme_known = self.source is None
        # Q&A posts its notices and cards through this runtime's outbox.
        self.qa_notices = Notices(core.qa, self)
        core.qa.notices = self.qa_notices
        # And polls theirs.
        self.poll_notices = PollNotices(core.polls, self)
        core.polls.notices = self.poll_notices
        # Plans changed here reach the leader's planner (on PostgreSQL, through the relay).
        self.plan_notices = PlanNotices(self)
        # And deliveries queued here, the other instances' senders.
        self.queue_notices = QueueNotices(self)

    def _make_source(self, config: EventConfig) -> AgendaSource | None:
        if config.source is None:
            return None
        # The importers are loaded only by an event whose programme comes from a source.
        from bot.programme.formats import config_data
        from bot.programme.source import AgendaSource

        folder = self.config_path.parent if self.config_path else None
        return AgendaSource(config.source, config_data(config), folder)

    def platforms(self) -> list[str]:
        """The platforms the bot is on right now."""
        return list(self.adapters)

    def channels(self, platform: str) -> list[tuple[str, str]]:
        """(target, label) of each mapped channel of a platform: the schedule channel first,
        then announcements, then rooms as "room:<id>"."""
        mapping = self.core.config.platforms.get(platform)
        if mapping is None:
            return []
        found: list[tuple[str, str]] = []
        for label in ("schedule", "announcements"):
            if label in mapping.channels:
                found.append((label, label))
        found += [(room, f"room:{room}") for room in mapping.rooms]
        return found

    async def start(self, *, plan: bool = True) -> None:
        """Send what a stop left queued, plan, catch up on what came due while down (with
        `plan` False, only send: another instance plans until `start_planner`)."""
        if self.shares_agenda:
            await self._take_stored_agenda()
        for sender in self.senders.values():
            await sender.start()
        if plan:
            await self.start_planner()

    async def start_planner(self) -> None:
        """The agenda source's watch and the planner: on one instance of the database at a
        time (the leader, bot/cluster.py)."""
        if self._plan is not None:
            return
        # A change another instance applied while this one followed, should its notice
        # have been missed: the plan is made from the agenda in force.
        await self.follow_agenda()
        if self.source is not None:
            # The programme as the source has it now: quietly at an event's first start
            # (nothing kept yet); announced when the database keeps the agenda of a running
            # event (a takeover: the old leader may have died before its poll saw it).
            await self.sync_source(announce=False)
            self._source_task = asyncio.create_task(self._watch_source(), name="agenda-source")
        # The event file's polls, made once (the same ones at every start), before the
        # plan that opens them at their sessions' starts.
        await self.core.polls.declare(self.core.config.polls)
        await self.planner.rebuild()
        await self.planner.fire_due()
        self._plan = asyncio.create_task(self.planner.run(), name="planner")
        self._programme_changed()

    async def stop_planner(self) -> None:
        """Stop planning (this instance no longer leads); what it queued stays queued."""
        if self._source_task is not None:
            self._source_task.cancel()
            # A watch that ended on an error must not keep the planner running.
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._source_task
            self._source_task = None
        if self._plan is not None:
            self._plan.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._plan
            self._plan = None

    async def stop(self) -> None:
        """Stop planning and sending; queued deliveries wait in the store."""
        await self.stop_planner()
        await self._opening.stop(grace=0)
        await self.qa_notices.stop()
        await self.poll_notices.stop()
        for sender in self.senders.values():
            await sender.stop()

    async def _watch_source(self) -> None:
        """Read the agenda source again every `interval_minutes` (real minutes: it is the
        conference system's load, whatever a rehearsal's clock does)."""
        assert self.source is not None
        while True:
            await asyncio.sleep(self.source.config.interval_minutes * 60)
            try:
                await self.sync_source()
            except Exception:
                # A database error a moment must not end the watch for good.
                log.exception("agenda source: this round failed; the next tries again")

    async def sync_source(self, *, announce: bool = True, force: bool = False) -> list[Change]:
        """Read the agenda source; a changed programme goes the way of a reload (post,
        DMs, re-planned reminders). A failing source keeps the last good agenda. With
        `announce` False, taken quietly unless the database keeps an applied agenda."""
        source = self.source
        if source is None:
            return []
        from bot.programme.source import SourceError  # loaded with the source

        async with self._reload_lock:
            try:
                config = await source.poll(force=force)
            except SourceError as exc:
                log.error("agenda source failed; keeping the last good agenda: %s", exc)
                return []
            if config is None:
                return []
            new = build_agenda(config)
            self._programme_known = True
            await self._follow()  # a change from the agenda in force, wherever applied
            if not announce and await self._set_quietly(new):
                log.info("agenda from %s: %d sessions", source.name, len(new.sessions))
                return []
            changes = await self.apply_agenda(new)
            if not changes:  # the first good read after failing ones may change nothing
                self._programme_changed()
            return changes

    async def enqueue(self, deliveries: Iterable[Delivery]) -> int:
        """Queue deliveries in one transaction and wake the senders concerned."""
        batch = list(deliveries)
        if not batch:
            return 0
        async with self.store.transaction() as tx:
            added = await enqueue(tx, batch, self.clock.now())
        for platform in {d.platform for d in batch}:
            self.wake_sender(platform)
            if added:
                self.queue_notices.tell(platform)
        return added

    def wake_sender(self, platform: str) -> None:
        """Deliveries of `platform` were queued (here, or a dead instance's taken back):
        its sender looks now."""
        sender = self.senders.get(platform)
        if sender is not None:
            sender.wake()

    async def replan(self) -> None:
        """Plan again after a subscription or announcement changed; fire what is due.
        On an instance that does not plan (another leads), the leader is told instead."""
        if self._tell_leader():
            return
        await self.planner.rebuild()
        await self.planner.fire_due()

    async def rebuild_plan(self) -> None:
        """Plan again without firing (a poll's moments change while the planner may be
        firing, which holds the lock that firing takes); or tell the leader."""
        if not self._tell_leader():
            await self.planner.rebuild()

    def store_changed(self) -> None:
        """Another process changed the plan in the store (`forum-bot announce`, which
        signals the bot): plan again from the store, soon (or tell the leader)."""
        if not self._tell_leader():
            self.planner.wake(rebuild=True)

    def _tell_leader(self) -> bool:
        """On a database several instances share (the relay is on), when another one
        plans: tell it that the plan in the store changed; whether it was told."""
        if self.plan_notices.relay is None or self._plan is not None:
            return False
        self.plan_notices.tell()
        return True

    def open_dm(self, platform: str, user_id: str) -> None:
        """Open (and keep) a person's DM channel now, in the background, so that their
        reminder at its due time is one request: called when they subscribe."""
        adapter = self.adapters.get(platform)
        if not isinstance(adapter, OpensDMs):
            return
        self._opening.spawn(self._open_dm(adapter, user_id), name=f"open-dm:{user_id}")

    async def _open_dm(self, adapter: OpensDMs, user_id: str) -> None:
        try:
            await adapter.open_dm(user_id)
        except Exception as exc:
            # Not lost: the DM opens its channel itself at its due time.
            log.warning("%s: could not open the DM channel of %s: %s", adapter.name, user_id, exc)

    async def dms_opened(self) -> None:
        """Wait for the DM channels being opened (tests and benchmarks)."""
        while self._opening:
            await asyncio.gather(*self._opening, return_exceptions=True)

    def _programme_changed(self) -> None:
        """Tell the platforms that keep a copy of the programme that it is current (on a
        shared database, from the leader only: one copy, kept by one instance)."""
        if not self._programme_known or (self.shares_agenda and self._plan is None):
            return
        for adapter in self.adapters.values():
            if isinstance(adapter, MirrorsProgramme):
                adapter.programme_changed()

    async def interested(self, session_id: str) -> list[tuple[str, str]]:
        """(platform, user id) of everyone a platform lists as interested in a session."""
        found: list[tuple[str, str]] = []
        for adapter in self.adapters.values():
            if isinstance(adapter, MirrorsProgramme):
                found += [(adapter.name, uid) for uid in await adapter.interested(session_id)]
        return found

    async def reload_agenda(self, actor: UserRef | None = None) -> list[Change]:
        """Read the event file again; announce and apply what changed. Raises ConfigError
        (and changes nothing) when the new file is not valid."""
        if self.config_path is None:
            return []
        async with self._reload_lock:
            config = await asyncio.to_thread(load_event, self.config_path)
            if config.source is not None:
                # The file names a source: its programme, with the file's other settings.
                self.source = self._make_source(config)
                assert self.source is not None
                from bot.programme.source import SourceError  # loaded with the source

                try:
                    imported = await self.source.poll(force=True)
                except SourceError as exc:
                    raise ConfigError(exc.args[0], []) from None
                config = imported or config
            await self._follow()  # a change from the agenda in force, wherever applied
            changes = await self.apply_agenda(build_agenda(config), actor)
            # Polls the file declares now (new ones, or ones changed before they opened).
            await self.core.polls.declare(config.polls)
            return changes

    async def apply_agenda(self, new: Agenda, actor: UserRef | None = None) -> list[Change]:
        """Switch to a new agenda: cancel queued reminders of moved or cancelled sessions,
        post the update, DM subscribers, re-plan. On a shared database, when another
        instance recorded a newer agenda meanwhile, follow it and diff again: each change
        is announced once, by the instance that recorded it, and none is lost."""
        for _ in range(_ATTEMPTS):
            async with self.planner.lock:
                try:
                    return await self._apply_agenda(new, actor)
                except _Overtaken:
                    pass
            log.info("agenda: another instance applied a change meanwhile; diffing again")
            await self._follow()  # takes the planner's lock itself
        log.error(
            "agenda: not applied; other instances kept applying changes (%d tries)", _ATTEMPTS
        )
        return []

    async def _apply_agenda(self, new: Agenda, actor: UserRef | None) -> list[Change]:
        old = self.core.agenda
        changes = diff(old, new)
        if not changes:
            return []
        # The same change made again later (moved, moved back, moved again) is news again.
        key = f"{digest(changes)}:{self.clock.now().isoformat()}"
        # Made before the transaction: a big programme's JSON takes a moment.
        shared = await asyncio.to_thread(stored.dumps, new) if self.shares_agenda else None
        version = self.agenda_version
        async with self.store.transaction() as tx:
            for c in changes:
                if c.kind in (MOVED, CANCELLED):
                    await cancel_topic(tx, f"session:{c.session_id}")
            await ann.audit(
                tx,
                self.clock.now(),
                actor.key if actor else "system",
                actor.name if actor else "reload",
                "agenda.reload",
                {"changes": [f"{c.kind}:{c.session_id}" for c in changes], "digest": key},
            )
            if shared is not None:
                # The other instances follow when this commits; only this one announces.
                recorded = await agendas.record(
                    tx, shared, self.origin, self.clock.now(), expected=version
                )
                if recorded is None:
                    raise _Overtaken  # rolls back the cancels and the audit line too
                version = recorded
        self.core.agenda = new
        self.agenda_version = version
        self._programme_known = True
        self._programme_changed()
        await self.planner.changes(new, changes, key)
        await self.planner.rebuild()
        log.info("agenda reloaded: %d change(s) (%s)", len(changes), key)
        return changes

    async def _set_quietly(self, new: Agenda) -> bool:
        """Take `new` without announcing it (the source's programme at an event's first
        start); on a shared database, keep it there for the other instances too when it
        changes anything. False, taking nothing, when the database keeps an applied agenda
        (a running event's, or another instance's just now): a change from it is news."""
        if self.shares_agenda and self.agenda_version > 0:
            return False
        if self.shares_agenda and diff(self.core.agenda, new):
            shared = await asyncio.to_thread(stored.dumps, new)
            async with self.store.transaction() as tx:
                version = await agendas.record(
                    tx, shared, self.origin, self.clock.now(), expected=0
                )
            if version is None:
                await self._follow()
                return False
            self.agenda_version = version
        self.core.agenda = new
        return True

    async def _take_stored_agenda(self) -> None:
        """At start: the agenda in force, when the database keeps one, rather than this
        instance's event file's (another instance applied a change after that file was
        read, or a reload applied this file's edit elsewhere)."""
        kept = await agendas.latest(self.store)
        if kept is None:
            return
        agenda = await self._read_kept(kept)
        self.agenda_version = kept.version  # unreadable, it is said once, here
        if agenda is None:
            return
        if diff(self.core.agenda, agenda):
            where = self.config_path.name if self.config_path else "the event file"
            log.info(
                "agenda: serving version %d from the database (applied by %s at %s), "
                "not %s's programme; a reload applies the file's",
                kept.version,
                kept.applied_by,
                kept.applied_at.isoformat(timespec="seconds"),
                where,
            )
        self.core.agenda = agenda
        self._programme_known = True

    async def follow_agenda(self) -> bool:
        """Take the agenda another instance applied, if the database keeps a newer one
        than this instance's (bot/cluster.py's AgendaRelay calls this on its notice, and
        now and then): commands answer from it, and the leader plans from it. Nothing is
        announced: the instance that applied it did. True when it changed."""
        if not self.shares_agenda or await agendas.version(self.store) <= self.agenda_version:
            return False
        async with self._reload_lock:
            return await self._follow()

    async def _follow(self) -> bool:
        """`follow_agenda` under the reload lock; also before a change is applied here, so
        that it is told (and announced) as a change from the agenda in force."""
        if not self.shares_agenda:
            return False
        kept = await agendas.latest(self.store)
        if kept is None or kept.version <= self.agenda_version:
            return False  # taken meanwhile, or nothing newer
        agenda = await self._read_kept(kept)
        if agenda is None:
            self.agenda_version = kept.version  # said once, not at every round
            return False
        async with self.planner.lock:
            self.core.agenda = agenda
            self.agenda_version = kept.version
            self._programme_known = True
            if self._plan is not None:  # the leader: plan from it, mirror it
                self._programme_changed()
                await self.planner.rebuild()
        log.info(
            "agenda: version %d, applied by %s: %d sessions",
            kept.version,
            kept.applied_by,
            len(agenda.sessions),
        )
        return True

    async def _read_kept(self, kept: agendas.Stored) -> Agenda | None:
        """The kept agenda, or None (said in the log) when this version of the bot cannot
        read it: the agenda this instance has stays in force here."""
        try:
            return await asyncio.to_thread(stored.loads, kept.agenda)
        except (ValueError, KeyError, TypeError, IndexError) as exc:
            log.error(
                "agenda: version %d in the database (applied by %s) cannot be read here, "
                "keeping this instance's: %s: %s",
                kept.version,
                kept.applied_by,
                type(exc).__name__,
                exc,
            )
            return None
