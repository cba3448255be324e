"""Planning what the bot says on its own: session reminders, personal reminders and
scheduled announcements.

The store is the source of truth. APScheduler 3 (in memory) is rebuilt from it at start and
after every change: one job per (session, offset), per (session, minutes) that someone
asked for, and per scheduled announcement, each with a stable id. A job only queues
deliveries in the outbox, under keys that make queueing twice harmless; the senders do
the sending. Everything follows the bot's clock: a job's wall-clock time is where the
(possibly simulated, possibly faster) clock will reach its due moment.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.core.clock import Clock
from bot.core.model import Card, Field, Reply, Text
from bot.i18n import LANGUAGES, L, Translator
from bot.logs import duration
from bot.programme import Agenda, Session
from bot.programme.changes import CANCELLED, MOVED, NEW, RETITLED, ROOM, Change
from bot.storage import Store, get_prefs
from bot.storage import announcements as ann
from bot.storage.outbox import Delivery
from bot.storage.subscriptions import of_session, planned

if TYPE_CHECKING:
    from bot.settings import EventConfig

log = logging.getLogger(__name__)

# Kinds of session nobody needs a reminder for unless the event file asks for one.
QUIET_KINDS = {"break", "side"}

Enqueue = Callable[[Iterable[Delivery]], Awaitable[int]]


@dataclass(frozen=True)
class Due:
    """Something to say at a moment."""

    kind: str  # "session" | "personal" | "announcement"
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


def both(key: str, **params: object) -> str:
    """A message in English and Korean, for channels read by everyone."""
    en = Translator("en", ZoneInfo("UTC"))(key, **params)
    ko = Translator("ko", ZoneInfo("UTC"))(key, **params)
    return en if en == ko else f"{en} / {ko}"


def both_l(text: L) -> str:
    """A bilingual text in both languages."""
    return text.en if not text.ko or text.ko == text.en else f"{text.en} / {text.ko}"


def _t(lang: str | None, tz: ZoneInfo) -> Translator:
    return Translator(lang or "en", tz)


def _voice(
    agenda: Agenda, t: Translator | None
) -> tuple[Translator, Callable[..., str], Callable[[L], str]]:
    """How a post speaks: one reader's language (a DM), or both languages (a channel),
    with times formatted for that reader or in the event's zone."""
    if t is not None:
        return t, t, t.pick
    return Translator(agenda.event.default_language, agenda.event.timezone), both, both_l


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
        scheduler: AsyncIOScheduler | None = None,
    ) -> None:
        self.store = store
        self.clock = clock
        self.config = config
        self._agenda = agenda
        self._channels = channels
        self._platforms = platforms
        self._enqueue = enqueue
        self.scheduler = scheduler
        self.items: dict[str, Due] = {}
        self._fired: set[str] = set()
        # Held while firing and while the agenda changes, so that no reminder is built
        # from an agenda that is being replaced.
        self.lock = asyncio.Lock()

    @property
    def grace(self) -> timedelta:
        """How late a reminder may still go out after its session started."""
        return timedelta(minutes=self.config.reminders.grace_minutes)

    async def rebuild(self) -> None:
        """Plan everything again from the store and the agenda."""
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
        for session_id, minutes in await planned(self.store):
            found = agenda.session(session_id)
            if found is not None:
                start = found.start
                due = Due("personal", found.id, minutes, start - timedelta(minutes=minutes), start)
                items[due.job_id] = due
        for a in await ann.scheduled(self.store):
            due = Due("announcement", str(a.id), 0, a.send_at)
            items[due.job_id] = due
        # An item whose time or start changed is a new item: forget it was fired.
        keys = {d.fired_key for d in items.values()}
        self._fired &= keys
        self.items = items
        self._schedule()

    def _schedule(self) -> None:
        if self.scheduler is None:
            return
        for job in self.scheduler.get_jobs():
            if job.id not in self.items:
                job.remove()
        now = self.clock.now()
        wall_now = datetime.now(UTC)
        for due in self.items.values():
            seconds = self.clock.wall_seconds(max(0.0, (due.at - now).total_seconds()))
            if seconds == float("inf") or due.fired_key in self._fired:
                continue  # a stopped clock: fire_due() is called when it moves
            self.scheduler.add_job(
                self.fire_due,
                "date",
                run_date=wall_now + timedelta(seconds=seconds),
                id=due.job_id,
                replace_existing=True,
                misfire_grace_time=None,
                coalesce=True,
            )

    async def fire_due(self) -> int:
        """Queue everything due by now that was not queued yet; returns how many items."""
        async with self.lock:
            return await self._fire_due()

    async def _fire_due(self) -> int:
        now = self.clock.now()
        fired = 0
        ready = sorted(
            (d for d in self.items.values() if d.at <= now and d.fired_key not in self._fired),
            key=lambda d: d.at,
        )
        # Catching up after a stop, a session's earlier reminders are stale once a later
        # one is due: only the latest goes out.
        latest = {(d.kind, d.ref): d for d in ready if d.kind == "session"}
        for due in ready:
            self._fired.add(due.fired_key)
            if due.kind == "session" and latest[(due.kind, due.ref)] is not due:
                log.info("skipped %s: a later reminder of the session is due", due.job_id)
                continue
            if due.start is not None and now >= due.start + self.grace:
                log.info(
                    "skipped %s: the session started at %s, %s ago",
                    due.job_id,
                    due.start.isoformat(),
                    duration(now - due.start),
                )
                continue
            try:
                await self._fire(due, now)
            except Exception:
                self._fired.discard(due.fired_key)
                log.exception("could not queue %s; trying again at the next tick", due.job_id)
                continue
            fired += 1
        return fired

    async def _fire(self, due: Due, now: datetime) -> None:
        agenda = self._agenda()
        if due.kind == "announcement":
            await self._fire_announcement(int(due.ref), now)
            return
        s = agenda.session(due.ref)
        if s is None:
            return
        stamp = s.start.isoformat()
        deliveries: list[Delivery] = []
        topic = f"session:{s.id}"
        expires = s.start + self.grace
        if due.kind == "session":
            reply = reminder_reply(agenda, s, now, None)
            for platform in self._platforms():
                for target_key, label in self._channels(platform):
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
        else:
            live = set(self._platforms())
            for sub in await of_session(self.store, s.id):
                if sub.minutes != due.minutes or sub.platform not in live:
                    continue
                prefs = await get_prefs(self.store, sub.user_key)
                tz = ZoneInfo(prefs.timezone) if prefs.timezone else agenda.event.timezone
                reply = reminder_reply(agenda, s, now, _t(prefs.language, tz))
                deliveries.append(
                    Delivery(
                        f"remind:{s.id}:{stamp}:{due.minutes}:{sub.user_key}",
                        topic,
                        sub.platform,
                        "dm",
                        sub.user_id,
                        reply,
                        expires,
                    )
                )
        queued = await self._enqueue(deliveries)
        log.info("%s: %d deliveries queued (%d new)", due.job_id, len(deliveries), queued)

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
            tz = ZoneInfo(prefs.timezone) if prefs.timezone else agenda.event.timezone
            t = _t(prefs.language, tz)
            reply = update_reply(agenda, theirs, t)
            reply = Reply(reply.text or t("update.yours"), reply.card, ephemeral=False)
            deliveries.append(
                Delivery(
                    f"upd:{digest}:{user_key}", f"update:{digest}", platform, "dm", user_id, reply
                )
            )
        await self._enqueue(deliveries)
