"""Planning what the bot says on its own: session reminders, personal reminders and
scheduled announcements.

The store is the source of truth. The plan is rebuilt from it at start and after every
change: one item per (session, offset), per (session, minutes) that someone asked for,
and per scheduled announcement, each with a stable id. One task (`Planner.run`) sleeps
until the next item is due, or until the plan changes, then queues everything due by
then in one pass: the items are read once, their deliveries go to the outbox in one
transaction, under keys that make queueing twice harmless; the senders do the sending.
Everything follows the bot's clock: the task sleeps for the wall-clock time the
(possibly simulated, possibly faster, possibly stopped) clock takes to reach the moment.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import math
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Protocol
from zoneinfo import ZoneInfo

from bot.core.clock import Clock
from bot.core.model import Card, Field, Reply, Text
from bot.i18n import LANGUAGES, L, Translator
from bot.i18n.zones import stored_zone
from bot.logs import duration
from bot.programme import Agenda, Session
from bot.programme.changes import CANCELLED, MOVED, NEW, RETITLED, ROOM, Change
from bot.storage import Store, get_prefs
from bot.storage import announcements as ann
from bot.storage.outbox import Delivery
from bot.storage.subscriptions import Subscription, of_session, planned

if TYPE_CHECKING:
    from bot.settings import EventConfig

log = logging.getLogger(__name__)

# Kinds of session nobody needs a reminder for unless the event file asks for one.
QUIET_KINDS = {"break", "side"}

Enqueue = Callable[[Iterable[Delivery]], Awaitable[int]]
# (platform, user id) of the people a platform lists as interested in a session.
Interested = Callable[[str], Awaitable[list[tuple[str, str]]]]
# Real seconds before items that could not be queued (the store failed) are tried again.
RETRY_SECONDS = 5.0
# Real seconds a platform has to list who is interested in a session (a few pages).
INTERESTED_TIMEOUT = 15.0
# Reads of that list, a pass each, before its reminder is given up (logged).
INTERESTED_READS = 3


@dataclass(frozen=True)
class Due:
    """Something to say at a moment."""

    kind: str  # "session" | "personal" | "interested" | "announcement"
    ref: str  # session id or announcement id
    minutes: int  # before the session's start
    at: datetime
    start: datetime | None = None

    @property
    def job_id(self) -> str:
        """Stable across rebuilds, so a re-plan replaces rather than adds."""
        return f"{self.kind}:{self.ref}:{self.minutes}"

    @functools.cached_property
    def fired_key(self) -> str:
        """The item at its time: a moved session's reminder is a new one to fire."""
        return f"{self.job_id}@{self.at.isoformat()}"


class Timers(Protocol):
    """Moments another part of the bot keeps (a poll opens at its session's start and
    closes after its minutes): planned with the reminders, from the store at every
    rebuild, and fired by the same task. An item's `kind` is one of `kinds`."""

    kinds: tuple[str, ...]

    async def planned(self) -> list[Due]:
        """Every moment ahead (or due and not yet handled)."""
        ...

    async def fire(self, due: Due) -> None:
        """Its moment has come: do what it is for (raising, it is tried again)."""
        ...


@functools.lru_cache(maxsize=64)
def _translator(lang: str, tz: ZoneInfo) -> Translator:
    """A translator per language and zone, made once: a fan-out speaks in a handful."""
    return Translator(lang, tz)


def both(key: str, **params: object) -> str:
    """A message in English and Korean, for channels read by everyone."""
    try:
        return _both(key, tuple(params.items()))
    except TypeError:  # a value that cannot be a cache key
        return _both.__wrapped__(key, tuple(params.items()))


@functools.lru_cache(maxsize=1024)
def _both(key: str, params: tuple[tuple[str, object], ...]) -> str:
    # The same few lines ("Starting in 10 min", "When") go into every reminder of a fan-out.
    utc = ZoneInfo("UTC")
    en = _translator("en", utc)(key, **dict(params))
    ko = _translator("ko", utc)(key, **dict(params))
    return en if en == ko else f"{en} / {ko}"


def both_l(text: L) -> str:
    """A bilingual text in both languages."""
    return text.en if not text.ko or text.ko == text.en else f"{text.en} / {text.ko}"


def _t(lang: str | None, tz: ZoneInfo) -> Translator:
    return _translator(lang or "en", tz)


def _voice(
    agenda: Agenda, t: Translator | None
) -> tuple[Translator, Callable[..., str], Callable[[L], str]]:
    """How a post speaks: one reader's language (a DM), or both languages (a channel),
    with times formatted for that reader or in the event's zone."""
    if t is not None:
        return t, t, t.pick
    return _translator(agenda.event.default_language, agenda.event.timezone), both, both_l


def reminder_reply(agenda: Agenda, s: Session, now: datetime, t: Translator | None) -> Reply:
    """A reminder: in one reader's language and zone (a DM), or both languages (a channel)."""
    minutes = max(0, round((s.start - now).total_seconds() / 60))
    tr, say, pick = _voice(agenda, t)
    lead = say("reminder.soon", minutes=minutes) if minutes > 0 else say("reminder.now")
    fields: list[Field] = [Field(say("field.when"), tr.stamp_span(s.start, s.end), inline=False)]
    room = agenda.rooms.get(s.room or "")
    if room:
        fields.append(Field(say("field.room"), pick(room.name)))
    people = agenda.people_named(s.chairs + s.speakers)
    if people:
        fields.append(Field(say("field.speakers"), ", ".join(pick(p.name) for p in people)))
    lines: tuple[Text, ...] = (say("agenda.qa_hint"),) if s.qa else ()
    return Reply(
        card=Card(f"{lead}: {pick(s.title)}", tuple(fields), lines, footer=f"[{s.id}]"),
        ephemeral=False,
    )


def update_reply(agenda: Agenda, changes: list[Change], t: Translator | None) -> Reply:
    """A schedule update listing each change, new times as stamps: in one reader's
    language (a DM), or a full line in each language, one under the other (a channel)."""
    voices = [t] if t is not None else [_t(lang, agenda.event.timezone) for lang in LANGUAGES]
    lines: list[Text] = []
    for c in changes:
        for v in voices:
            line = _change_line(agenda, c, v)
            if line:
                lines.append(line)
    title = t("update.title") if t is not None else both("update.title")
    return Reply(card=Card(title, lines=tuple(lines)), ephemeral=False)


def _change_line(agenda: Agenda, c: Change, t: Translator) -> Text:
    """One change in one language, "" when the change has nothing to say."""
    if c.kind in (MOVED, NEW) and c.new:
        key = "update.moved" if c.kind == MOVED else "update.new"
        return t.rich(key, title=t.pick(c.new.title), when=t.stamp_span(c.new.start, c.new.end))
    if c.kind == ROOM and c.new:
        room = agenda.rooms.get(c.new.room or "")
        return t("update.room", title=t.pick(c.new.title), room=t.pick(room.name) if room else "-")
    if c.kind == RETITLED and c.old and c.new:
        return t("update.retitled", old=t.pick(c.old.title), new=t.pick(c.new.title))
    if c.kind == CANCELLED and c.old:
        return t("update.cancelled", title=t.pick(c.old.title))
    return ""


def announcement_reply(text: str) -> Reply:
    """An announcement as posted: the organiser's words, literally."""
    return Reply(card=Card(both("announce.title"), lines=(text,)), ephemeral=False)


class Planner:
    """Turns the agenda, subscriptions and scheduled announcements into timed deliveries."""

    def __init__(
        self,
        *,
        store: Store,
        clock: Clock,
        config: EventConfig,
        agenda: Callable[[], Agenda],
        channels: Callable[[str], list[tuple[str, str]]],
        platforms: Callable[[], list[str]],
        enqueue: Enqueue,
        interested: Interested | None = None,
        timers: Sequence[Timers] = (),
    ) -> None:
        self.store = store
        self.clock = clock
        self.config = config
        self._agenda = agenda
        self._channels = channels
        self._platforms = platforms
        self._enqueue = enqueue
        self._interested = interested
        self._timers = {kind: timer for timer in timers for kind in timer.kinds}
        self.items: dict[str, Due] = {}
        self._fired: set[str] = set()
        # Failed reads of who is interested, by item (fired_key): retried up to a limit.
        self._failed_reads: dict[str, int] = {}
        self.interested_timeout = INTERESTED_TIMEOUT
        # Held while firing and while the agenda changes, so that no reminder is built
        # from an agenda that is being replaced.
        self.lock = asyncio.Lock()
        # The task of run(): woken by a change of plan, else asleep until the next item.
        self._changed = asyncio.Event()
        self._asleep = asyncio.Event()
        self._stale = False  # rebuild from the store before the next pass
        self.wakeups = 0  # times run() woke up (for tests: none while nothing is due)
        self.sleeping_for: float | None = None  # run()'s current sleep, in real seconds

    @property
    def grace(self) -> timedelta:
        """How late a reminder may still go out after its session started."""
        return timedelta(minutes=self.config.reminders.grace_minutes)

    async def rebuild(self) -> None:
        """Plan everything again from the store and the agenda; the task wakes to it."""
        await self._rebuild()
        self.wake()

    async def _rebuild(self) -> None:
        agenda = self._agenda()
        items: dict[str, Due] = {}
        default = self.config.reminders.default_offsets
        for s in agenda.sessions:
            offsets = (
                s.reminders
                if s.reminders is not None
                else (() if s.kind in QUIET_KINDS else default)
            )
            for minutes in offsets:
                due = Due("session", s.id, minutes, s.start - timedelta(minutes=minutes), s.start)
                items[due.job_id] = due
        for s, minutes in self._for_the_interested(agenda):
            due = Due("interested", s.id, minutes, s.start - timedelta(minutes=minutes), s.start)
            items[due.job_id] = due
        for session_id, minutes in await planned(self.store):
            found = agenda.session(session_id)
            if found is not None:
                start = found.start
                due = Due("personal", found.id, minutes, start - timedelta(minutes=minutes), start)
                items[due.job_id] = due
        for a in await ann.scheduled(self.store):
            due = Due("announcement", str(a.id), 0, a.send_at)
            items[due.job_id] = due
        for timer in dict.fromkeys(self._timers.values()):
            for due in await timer.planned():
                items[due.job_id] = due
        # An item whose time or start changed is a new item: forget it was fired.
        keys = {d.fired_key for d in items.values()}
        self._fired &= keys
        self._failed_reads = {k: n for k, n in self._failed_reads.items() if k in keys}
        self.items = items

    def _for_the_interested(self, agenda: Agenda) -> list[tuple[Session, int]]:
        """(session, minutes) of the reminders that go to the people a platform lists as
        interested in a session (`scheduled_events.remind_interested`): one per session of
        the chosen kinds, at the event file's minutes (one without an event reaches nobody)."""
        if self._interested is None:
            return []
        chosen = [
            m.scheduled_events
            for m in self.config.platforms.values()
            if m.scheduled_events is not None and m.scheduled_events.remind_interested
        ]
        found: dict[str, tuple[Session, int]] = {}
        for events in chosen:
            minutes = events.minutes(self.config.reminders)
            for s in agenda.sessions:
                if events.selects(s.kind):
                    found.setdefault(s.id, (s, minutes))
        return list(found.values())

    def wake(self, *, rebuild: bool = False) -> None:
        """The plan changed: look now rather than at the time planned before. `rebuild`:
        read the store again first (something outside this process changed it)."""
        self._stale = self._stale or rebuild
        self._asleep.clear()
        self._changed.set()

    async def idle(self) -> None:
        """Wait until run() has handled every change and sleeps (tests)."""
        await self._asleep.wait()

    def next_wait(self) -> float:
        """Real seconds until the next item not fired yet is due; infinite when there is
        none, or the clock is stopped. An item already due was not queued (the store
        failed): it is tried again after RETRY_SECONDS."""
        pending = [d.at for d in self.items.values() if d.fired_key not in self._fired]
        if not pending:
            return math.inf
        ahead = (min(pending) - self.clock.now()).total_seconds()
        return self.clock.wall_seconds(ahead) if ahead > 0 else RETRY_SECONDS

    async def run(self) -> None:
        """Sleep until the next item is due or the plan changes, then fire what is due;
        for ever. One task, one timer: nothing wakes up while nothing is due."""
        retry = False
        while True:
            self._changed.clear()
            if retry or not self._stale:  # a rebuild asked for is done first, unless failing
                wait = self.next_wait()
                if retry:
                    wait = min(wait, RETRY_SECONDS)
                self.sleeping_for = wait
                self._asleep.set()
                # asyncio.timeout, not wait_for: on Python 3.11 wait_for can swallow a
                # cancel that arrives as the wait ends, and stop() would wait forever.
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(None if math.isinf(wait) else wait):
                        await self._changed.wait()
                self._asleep.clear()
                self.wakeups += 1
            try:
                if self._stale:
                    self._stale = False
                    await self._rebuild()
                # A rehearsal clock may run a little ahead of or behind the loop's timer:
                # a pass too early finds nothing, and the next wait is what is left.
                await self.fire_due()
                retry = False
            except Exception:
                log.exception("planning failed; trying again in %g s", RETRY_SECONDS)
                self._stale = retry = True

    async def fire_due(self) -> int:
        """Queue everything due by now that was not queued yet; returns how many items.

        Who a platform lists as interested is read last, outside the lock and with a
        timeout: a slow platform holds up neither the other reminders due now (queued
        first) nor a change of the agenda."""
        async with self.lock:
            now = self.clock.now()
            fired, interested = await self._fire_due(now)
        if interested:
            fired += await self._fire_interested(interested, now)
        return fired

    async def _fire_due(self, now: datetime) -> tuple[int, list[Due]]:
        """Queue what is due but the reminders of the interested, which are returned."""
        grace = self.grace
        ready = sorted(
            (d for d in self.items.values() if d.at <= now and d.fired_key not in self._fired),
            key=lambda d: d.at,
        )
        if not ready:
            return 0, []
        # Catching up after a stop, a session's earlier reminders are stale once a later
        # one is due: only the latest goes out.
        latest = {(d.kind, d.ref): d for d in ready if d.kind == "session"}
        reminders: list[Due] = []
        interested: list[Due] = []
        announcements: list[Due] = []
        timed: list[Due] = []
        for due in ready:
            self._fired.add(due.fired_key)
            if due.kind == "session" and latest[(due.kind, due.ref)] is not due:
                log.info("skipped %s: a later reminder of the session is due", due.job_id)
                continue
            if due.start is not None and now >= due.start + grace:
                log.info(
                    "skipped %s: the session started at %s, %s ago",
                    due.job_id,
                    due.start.isoformat(),
                    duration(now - due.start),
                )
                self._failed_reads.pop(due.fired_key, None)
                continue
            if due.kind in self._timers:
                timed.append(due)
            elif due.kind == "announcement":
                announcements.append(due)
            elif due.kind == "interested":
                interested.append(due)
            else:
                reminders.append(due)
        fired = await self._queue(reminders, now, {}) if reminders else 0
        for due in announcements:
            try:
                await self._fire_announcement(int(due.ref), now)
            except Exception:
                self._fired.discard(due.fired_key)
                log.exception("could not queue %s; trying again in %g s", due.job_id, RETRY_SECONDS)
                continue
            fired += 1
        for due in timed:
            try:
                await self._timers[due.kind].fire(due)
            except Exception:
                self._fired.discard(due.fired_key)
                log.exception("%s failed; trying again in %g s", due.job_id, RETRY_SECONDS)
                continue
            fired += 1
        return fired, interested

    async def _queue(
        self, reminders: list[Due], now: datetime, listed: dict[str, list[tuple[str, str]]]
    ) -> int:
        """Queue every reminder due at this moment, in one transaction; returns how many
        items (0 when the store failed: they are tried again after RETRY_SECONDS)."""
        try:
            deliveries = await self._reminders(reminders, now, listed)
            queued = await self._enqueue(deliveries)
        except Exception:
            for due in reminders:
                self._fired.discard(due.fired_key)
            log.exception(
                "could not queue %d reminder(s); trying again in %g s",
                len(reminders),
                RETRY_SECONDS,
            )
            return 0
        log.info(
            "%s: %d deliveries queued (%d new)",
            reminders[0].job_id if len(reminders) == 1 else f"{len(reminders)} reminders",
            len(deliveries),
            queued,
        )
        return len(reminders)

    async def _fire_interested(self, items: list[Due], now: datetime) -> int:
        """Read who is interested in each item's session (all at once, no lock held), then
        queue their reminders under the lock. A read that fails or times out leaves its
        item to a later pass, up to INTERESTED_READS reads; a retry queues nothing twice
        (the outbox keeps each delivery's key)."""
        reads = await asyncio.gather(*(self._read_interested(due.ref) for due in items))
        async with self.lock:
            listed: dict[str, list[tuple[str, str]]] = {}
            for due, read in zip(items, reads, strict=True):
                current = self.items.get(due.job_id)
                if current is None or current.fired_key != due.fired_key:
                    # The agenda changed meanwhile: a moved session has an item of its own.
                    log.info("skipped %s: the session changed while its list was read", due.job_id)
                elif isinstance(read, Exception):
                    self._read_failed(due, read)
                else:
                    self._failed_reads.pop(due.fired_key, None)
                    listed[due.job_id] = read
            ready = [due for due in items if due.job_id in listed]
            return await self._queue(ready, now, listed) if ready else 0

    async def _read_interested(self, session_id: str) -> list[tuple[str, str]] | Exception:
        """Who the platforms list as interested in the session, or why they could not say."""
        assert self._interested is not None  # items of this kind are planned only with it
        try:
            async with asyncio.timeout(self.interested_timeout):
                return await self._interested(session_id)
        except Exception as exc:  # a platform's error or no answer in time, whatever it is
            return exc

    def _read_failed(self, due: Due, exc: Exception) -> None:
        failed = self._failed_reads.get(due.fired_key, 0) + 1
        reason = str(exc) or type(exc).__name__
        if failed < INTERESTED_READS:
            self._failed_reads[due.fired_key] = failed
            self._fired.discard(due.fired_key)
            log.warning(
                "%s: cannot list who is interested (%s); trying again in %g s",
                due.job_id,
                reason,
                RETRY_SECONDS,
            )
            return
        self._failed_reads.pop(due.fired_key, None)
        log.warning(
            "skipped %s: cannot list who is interested (%s), %d times",
            due.job_id,
            reason,
            failed,
        )

    async def _reminders(
        self, items: list[Due], now: datetime, listed: dict[str, list[tuple[str, str]]]
    ) -> list[Delivery]:
        """The deliveries of reminders due together; `listed`: (platform, user id) of
        the people listed as interested, by the job id of an "interested" item."""
        agenda = self._agenda()
        platforms = self._platforms()
        live = set(platforms)
        channels = {platform: self._channels(platform) for platform in platforms}
        grace = self.grace
        deliveries: list[Delivery] = []
        for due in items:
            s = agenda.session(due.ref)
            if s is None:
                continue
            stamp = s.start.isoformat()
            topic = f"session:{s.id}"
            expires = s.start + grace
            if due.kind == "session":
                reply = reminder_reply(agenda, s, now, None)
                for platform in platforms:
                    for target_key, label in channels[platform]:
                        if label == "announcements" or label == f"room:{s.room}":
                            deliveries.append(
                                Delivery(
                                    f"rem:{s.id}:{stamp}:{due.minutes}:{platform}:{target_key}",
                                    topic,
                                    platform,
                                    "channel",
                                    target_key,
                                    reply,
                                    expires,
                                )
                            )
                continue
            # One reply per language and zone, shared by everyone who reads it so.
            replies: dict[tuple[str | None, str | None], Reply] = {}
            subs = await of_session(self.store, s.id)
            if due.kind == "interested":
                people = self._interested_in(listed.get(due.job_id, []), subs)
            else:
                people = [
                    (sub.user_key, sub.platform, sub.user_id)
                    for sub in subs
                    if sub.minutes == due.minutes
                ]
            for user_key, platform, user_id in people:
                if platform not in live:
                    continue
                prefs = await get_prefs(self.store, user_key)
                voice = (prefs.language, prefs.timezone)
                if voice not in replies:
                    tz = stored_zone(prefs.timezone, agenda.event.timezone)
                    replies[voice] = reminder_reply(agenda, s, now, _t(prefs.language, tz))
                reply = replies[voice]
                deliveries.append(
                    Delivery(
                        f"remind:{s.id}:{stamp}:{due.minutes}:{user_key}",
                        topic,
                        platform,
                        "dm",
                        user_id,
                        reply,
                        expires,
                    )
                )
        return deliveries

    def _interested_in(
        self, listed: list[tuple[str, str]], subs: list[Subscription]
    ) -> list[tuple[str, str, str]]:
        """(user key, platform, user id) of the people a platform lists as interested in
        the session, but those who asked for their own reminder of it (/remind), which
        comes at their minutes."""
        own = {sub.user_key for sub in subs}
        people = []
        for platform, user_id in listed:
            key = f"{platform}:{user_id}"
            if key not in own:
                people.append((key, platform, user_id))
        return people

    async def _fire_announcement(self, announcement_id: int, now: datetime) -> None:
        a = await ann.get(self.store, announcement_id)
        if a is None or a.status != ann.SCHEDULED:
            return
        reply = announcement_reply(a.text)
        live = set(self._platforms())
        wanted = live if "all" in a.targets else live & set(a.targets)
        deliveries = [
            Delivery(
                f"ann:{a.id}:{platform}",
                f"announcement:{a.id}",
                platform,
                "channel",
                "announcements",
                reply,
            )
            for platform in sorted(wanted)
        ]
        if not deliveries:
            await ann.set_status(
                self.store,
                a.id,
                ann.SCHEDULED,
                ann.FAILED,
                "bot",
                "forum-bot: none of its platforms is connected",
                now,
            )
            log.warning("announcement %d: none of %s is connected", a.id, ", ".join(a.targets))
            return
        # Claimed before queueing: a cancel that came first wins, and one that comes
        # after finds it sent (and says so) rather than being told it worked.
        if not await ann.set_status(
            self.store, a.id, ann.SCHEDULED, ann.SENT, "bot", "forum-bot", now
        ):
            return
        await self._enqueue(deliveries)
        late = now - a.send_at
        log.info(
            "announcement %d queued to %s%s",
            a.id,
            ", ".join(sorted(wanted)) or "no connected platform",
            f" ({duration(late)} late)"
            if a.send_at != ann.ASAP and late > timedelta(minutes=1)
            else "",
        )

    async def changes(self, agenda: Agenda, changes: list[Change], digest: str) -> None:
        """Tell everyone about changes: one update per platform, a DM per subscriber."""
        if not changes:
            return
        deliveries: list[Delivery] = []
        post = update_reply(agenda, changes, None)
        for platform in self._platforms():
            for target_key, label in self._channels(platform):
                if label in ("schedule", "announcements"):
                    deliveries.append(
                        Delivery(
                            f"upd:{digest}:{platform}:{target_key}",
                            f"update:{digest}",
                            platform,
                            "channel",
                            target_key,
                            post,
                        )
                    )
                    break  # the schedule channel if mapped, else announcements
        live = set(self._platforms())
        by_user: dict[str, tuple[str, str, list[Change]]] = {}
        for c in changes:
            for sub in await of_session(self.store, c.session_id):
                if sub.platform in live:
                    by_user.setdefault(sub.user_key, (sub.platform, sub.user_id, []))[2].append(c)
        for user_key, (platform, user_id, theirs) in by_user.items():
            prefs = await get_prefs(self.store, user_key)
            tz = stored_zone(prefs.timezone, agenda.event.timezone)
            t = _t(prefs.language, tz)
            reply = update_reply(agenda, theirs, t)
            reply = Reply(reply.text or t("update.yours"), reply.card, ephemeral=False)
            deliveries.append(
                Delivery(
                    f"upd:{digest}:{user_key}", f"update:{digest}", platform, "dm", user_id, reply
                )
            )
        await self._enqueue(deliveries)
