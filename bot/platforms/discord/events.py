"""The programme in a Discord server's Events list: one external scheduled event per
session (of the kinds the event file chooses), created, updated and deleted as the agenda
changes, through discord.py's models and REST client (its rate limiter waits out a 429).

Idempotent across restarts: the store links each session to its event, and a create is
recorded as intended before it is sent, so a stop between the request and its answer is
settled at the next sync by finding that event among the bot's own by what it says. The
bot changes only events it created (`creator_id`) and linked; sessions already under way
keep their event as it is (Discord starts and ends it), and sessions over get none.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import hashlib
import logging
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import aiohttp
import discord

from bot.core.dispatch import Core
from bot.core.text import FORBIDDEN, clip
from bot.delivery.pacing import Pacer
from bot.delivery.planner import both, both_l
from bot.i18n import LANGUAGES, L, Translator
from bot.platforms.discord.render import escape
from bot.programme import Agenda, Session
from bot.settings import ScheduledEventsConfig
from bot.storage import Store, discord_events
from bot.storage.discord_events import Link

log = logging.getLogger(__name__)

# Discord's limits: names 1-100 characters, descriptions up to 1,000, locations 1-100.
MAX_NAME = 100
MAX_DESCRIPTION = 1000
MAX_LOCATION = 100
# JSON error codes: the guild's 100 upcoming events reached; a permission missing.
_TOO_MANY = 30038
_MISSING_PERMISSIONS = 50013
# Interested users come 100 a page.
_PAGE = 100
_REASON = "forum-bot: the programme"
_PING = re.compile(r"@(everyone|here)")


@dataclass(frozen=True)
class EventText:
    """What a session's event says."""

    name: str
    description: str
    location: str
    start: datetime
    end: datetime

    @functools.cached_property
    def digest(self) -> str:
        """A fingerprint of it, to compare with what Discord has."""
        return _digest(self.name, self.description, self.location, self.start, self.end)


def _digest(name: str, description: str, location: str, start: datetime, end: datetime) -> str:
    h = hashlib.sha256()
    for part in (name, description, location, _utc(start), _utc(end)):
        h.update(part.encode())
        h.update(b"\0")
    return h.hexdigest()[:32]


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def listed_digest(event: discord.ScheduledEvent) -> str:
    """The fingerprint of what an event on Discord says (see EventText.digest)."""
    return _digest(
        event.name,
        event.description or "",
        event.location or "",
        event.start_time,
        event.end_time or event.start_time,
    )


def _line(text: str) -> str:
    """One line of plain text (names and places show no markup): whitespace folded,
    invisible controls dropped, @everyone and @here unable to ping."""
    return _PING.sub("@\u200b\\1", " ".join(FORBIDDEN.sub("", text).split()))


def _short(text: L, limit: int) -> str:
    """Both languages when they fit, else English, cut to `limit`."""
    whole = _line(both_l(text))
    return whole if len(whole) <= limit else clip(_line(text.en), limit)


@functools.cache
def _translator(lang: str) -> Translator:
    return Translator(lang, ZoneInfo("UTC"))


def event_text(agenda: Agenda, s: Session) -> EventText:
    """A session's event: its title (both languages when they fit in 100 characters), the
    room as location (else the venue, else the event), and a description with the title in
    each language, chairs and speakers, how to ask questions and the abstract."""
    room = agenda.rooms.get(s.room or "")
    event = agenda.event
    place = room.name if room is not None else (event.venue if event.venue.en else event.name)
    lines = [s.title.en]
    if s.title.ko and s.title.ko != s.title.en:
        lines.append(s.title.ko)
    people = [("field.chair", agenda.people_named(s.chairs))]
    people.append(("field.speakers", agenda.people_named(s.speakers)))
    listed = [
        f"{both(label)}: {', '.join(both_l(p.name) for p in named)}"
        for label, named in people
        if named
    ]
    if listed:
        lines += ["", *listed]
    if s.qa:
        lines += ["", *(_translator(lang)("agenda.qa_hint") for lang in LANGUAGES)]
    for abstract in (s.abstract.en, s.abstract.ko):
        if abstract.strip():
            lines += ["", abstract.strip()]
    text = "\n".join(FORBIDDEN.sub("", line).rstrip() for line in lines)
    return EventText(
        name=_short(s.title, MAX_NAME),
        description=clip(escape(text), MAX_DESCRIPTION),
        location=_short(place, MAX_LOCATION),
        start=s.start,
        end=s.end,
    )


class _CannotCreate(Exception):
    """Discord takes no more events in a server for now (its limit, a missing permission):
    said once, for every session left without one."""


class ScheduledEvents:
    """Keeps each server's scheduled events in step with the agenda, one sync at a time,
    in the background: a change during a sync makes one more after it."""

    def __init__(
        self,
        client: discord.Client,
        core: Core,
        guild_ids: Iterable[int],
        config: ScheduledEventsConfig | None,
        store: Store,
        limiter: Pacer,
        *,
        retry_seconds: float = 60.0,
    ) -> None:
        self.client = client
        self.core = core
        self.guild_ids = tuple(guild_ids)
        self.config = config
        self.store = store
        self.limiter = limiter
        # Real seconds before a sync that failed (Discord unreachable) is tried again.
        self.retry_seconds = retry_seconds
        self._task: asyncio.Task[None] | None = None
        self._again = False
        # Set once the running side says the agenda is the real one (with a source, the
        # file's agenda until the first read): never mirror a programme not yet loaded.
        self._live = False
        # Per server, sessions the last sync left without an event.
        self.missing: dict[int, int] = {}

    def request(self) -> None:
        """The agenda is current (the bot started, or it changed): sync soon."""
        if self.config is None:
            return
        self._live = True
        self._again = True
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run(), name="discord-events")

    def guild_appeared(self) -> None:
        """A server became available (its events may have changed meanwhile)."""
        if self._live:
            self.request()

    def slot_freed(self) -> None:
        """An event ended or went: sessions left without one may get it now."""
        if self._live and any(self.missing.values()):
            self.request()

    async def _run(self) -> None:
        while self._again:
            self._again = False
            try:
                await self.sync()
            except Exception:
                # Discord unreachable or a 5xx: nothing is lost (a create sent is found at
                # the next sync), and the next sync starts from what Discord has.
                log.exception(
                    "discord: syncing scheduled events failed; trying again in %g s",
                    self.retry_seconds,
                )
                await asyncio.sleep(self.retry_seconds)
                self._again = True

    async def idle(self) -> None:
        """Wait until no sync runs or is asked for (tests)."""
        while self._task is not None and not self._task.done():
            await asyncio.wait({self._task})

    async def stop(self) -> None:
        """Stop syncing; a create in flight is settled by the next start."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    # the sync
    async def sync(self) -> None:
        """One pass over every server: link, update, delete, create."""
        me = self.client.user
        if self.config is None or me is None:
            return
        agenda = self.core.agenda
        for guild in self._guilds():
            await self._sync_guild(guild, agenda, me.id)

    def _guilds(self) -> list[discord.Guild]:
        if not self.guild_ids:
            return list(self.client.guilds)
        found = []
        for guild_id in self.guild_ids:
            guild = self.client.get_guild(guild_id)
            if guild is None:
                log.info("discord: server %s is not available yet; its events follow", guild_id)
            else:
                found.append(guild)
        return found

    async def _sync_guild(self, guild: discord.Guild, agenda: Agenda, me: int) -> None:
        assert self.config is not None
        gid = str(guild.id)
        await self.limiter.acquire()
        listed = {e.id: e for e in await guild.fetch_scheduled_events(with_counts=False)}
        links = await discord_events.of_guild(self.store, gid)
        counts: Counter[str] = Counter()
        mine = {e.id: e for e in listed.values() if e.creator_id == me}
        await self._settle_intents(gid, links, mine, counts)
        wanted = {s.id: s for s in agenda.sessions if self.config.selects(s.kind)}
        now = self.core.clock.now()
        for link in list(links.values()):
            assert link.event_id is not None
            event = mine.get(int(link.event_id))
            session = wanted.get(link.session_id)
            if session is None and not agenda.sessions:
                # An empty programme is more likely a mistake than a wish to clear the
                # server's Events list: nothing is deleted for it.
                continue
            if session is None:
                if event is not None:
                    await self._delete(event)
                    counts["deleted"] += 1
                await self._forget(gid, links, link.session_id)
            elif event is None:
                # Gone from the list (over, or deleted by someone): a session still ahead
                # gets a new one below.
                await self._forget(gid, links, link.session_id)
            elif session.start > now:
                await self._update(gid, links, link, event, event_text(agenda, session), counts)
        missing, problem = await self._create_missing(guild, agenda, wanted, links, counts)
        await discord_events.report(
            self.store,
            gid,
            self.core.clock.now(),
            linked=len(links),
            missing=missing,
            problem=problem,
        )
        self.missing[guild.id] = missing
        if problem is not None:
            log.error(
                "discord: %d session(s) have no event in server %s: %s", missing, gid, problem
            )
        if counts:
            log.info(
                "discord: scheduled events in server %s: %s; %d linked",
                gid,
                ", ".join(f"{n} {what}" for what, n in sorted(counts.items())),
                len(links),
            )

    async def _settle_intents(
        self,
        gid: str,
        links: dict[str, Link],
        mine: dict[int, discord.ScheduledEvent],
        counts: Counter[str],
    ) -> None:
        """Creates sent whose answer was never stored: the bot's unlinked event that says
        what was sent is that create's; with none, the create never arrived."""
        linked = {int(link.event_id) for link in links.values() if link.event_id is not None}
        for link in [link for link in links.values() if link.event_id is None]:
            found = next(
                (
                    e
                    for e in mine.values()
                    if e.id not in linked and listed_digest(e) == link.digest
                ),
                None,
            )
            if found is None:
                await self._forget(gid, links, link.session_id)
                continue
            linked.add(found.id)
            now = self.core.clock.now()
            await discord_events.link(
                self.store, gid, link.session_id, str(found.id), link.digest, now
            )
            links[link.session_id] = Link(link.session_id, str(found.id), link.digest)
            counts["found after a stop"] += 1

    async def _forget(self, gid: str, links: dict[str, Link], session_id: str) -> None:
        await discord_events.forget(self.store, gid, session_id)
        links.pop(session_id, None)

    async def _update(
        self,
        gid: str,
        links: dict[str, Link],
        link: Link,
        event: discord.ScheduledEvent,
        text: EventText,
        counts: Counter[str],
    ) -> None:
        """Make the event say what its session does now (a moved, renamed, re-roomed
        session; or an edit by hand, undone)."""
        if listed_digest(event) != text.digest:
            try:
                await self.limiter.acquire()
                await event.edit(
                    name=text.name,
                    description=text.description,
                    start_time=text.start,
                    end_time=text.end,
                    location=text.location,
                    reason=_REASON,
                )
            except discord.NotFound:
                await self._forget(gid, links, link.session_id)
                return
            except discord.HTTPException as exc:
                if exc.status >= 500:
                    raise
                log.warning(
                    "discord: Discord refused to update the event of %s: %s %s",
                    link.session_id,
                    exc.status,
                    exc.text,
                )
                return
            counts["updated"] += 1
        elif link.digest == text.digest:
            return
        now = self.core.clock.now()
        await discord_events.link(self.store, gid, link.session_id, str(event.id), text.digest, now)
        links[link.session_id] = Link(link.session_id, str(event.id), text.digest)

    async def _delete(self, event: discord.ScheduledEvent) -> None:
        try:
            await self.limiter.acquire()
            await event.delete(reason=_REASON)
        except discord.NotFound:
            pass  # gone already
        except discord.HTTPException as exc:
            if exc.status >= 500:
                raise
            log.warning("discord: Discord refused to delete event %s: %s", event.id, exc.text)

    async def _create_missing(
        self,
        guild: discord.Guild,
        agenda: Agenda,
        wanted: dict[str, Session],
        links: dict[str, Link],
        counts: Counter[str],
    ) -> tuple[int, str | None]:
        """An event for each session still ahead that has none, soonest first (so that at
        Discord's limit the next sessions have theirs); returns how many could not have
        one, and why."""
        now = self.core.clock.now()
        ahead = sorted(
            (s for s in wanted.values() if s.id not in links and s.start > now),
            key=lambda s: (s.start, s.id),
        )
        for i, s in enumerate(ahead):
            try:
                if await self._create(guild, agenda, s, links):
                    counts["created"] += 1
            except _CannotCreate as stop:
                return len(ahead) - i, str(stop)
        return 0, None

    async def _create(
        self, guild: discord.Guild, agenda: Agenda, s: Session, links: dict[str, Link]
    ) -> bool:
        gid = str(guild.id)
        text = event_text(agenda, s)
        # Recorded before the request: a stop before its answer is stored leaves this
        # behind, and the next sync finds the event by its digest instead of a duplicate.
        await discord_events.intend(self.store, gid, s.id, text.digest, self.core.clock.now())
        try:
            await self.limiter.acquire()
            event = await guild.create_scheduled_event(
                name=text.name,
                start_time=text.start,
                end_time=text.end,
                entity_type=discord.EntityType.external,
                privacy_level=discord.PrivacyLevel.guild_only,
                location=text.location,
                description=text.description,
                reason=_REASON,
            )
        except discord.HTTPException as exc:
            if exc.status >= 500:
                raise  # perhaps made: the intent stays for the next sync to settle
            await discord_events.forget(self.store, gid, s.id)
            if exc.code == _TOO_MANY:
                raise _CannotCreate(
                    "Discord allows at most 100 upcoming events per server (30038); the "
                    "rest follow as events end or are deleted"
                ) from exc
            if exc.code == _MISSING_PERMISSIONS or exc.status == 403:
                raise _CannotCreate(
                    "the bot lacks the Create Events permission in this server"
                ) from exc
            log.warning(
                "discord: Discord refused an event for %s: %s %s", s.id, exc.status, exc.text
            )
            return False
        except (aiohttp.ClientError, OSError, TimeoutError):
            raise  # perhaps made, as for a 5xx
        now = self.core.clock.now()
        await discord_events.link(self.store, gid, s.id, str(event.id), text.digest, now)
        links[s.id] = Link(s.id, str(event.id), text.digest)
        return True

    # interested people
    async def interested(self, session_id: str) -> list[str]:
        """The ids of the people Discord lists as interested in a session's event(s),
        bots left out; [] when the event file does not ask for them. Raises when Discord
        cannot say (all or nothing: the planner reads the list again later)."""
        if self.config is None or not self.config.remind_interested:
            return []
        people: set[str] = set()
        for guild_id, event_id in await discord_events.of_session(self.store, session_id):
            people.update(await self._interested(int(guild_id), int(event_id)))
        return sorted(people)

    async def _interested(self, guild_id: int, event_id: int) -> set[str]:
        # Paged by `after` through discord.py's REST client: Discord gives users in
        # ascending id order, while ScheduledEvent.users() takes its next cursor from the
        # end of a page that suits descending pages.
        people: set[str] = set()
        after = 0
        while True:
            await self.limiter.acquire()
            page = await self.client.http.get_scheduled_event_users(
                guild_id, event_id, limit=_PAGE, with_member=False, after=after
            )
            people.update(str(u["user"]["id"]) for u in page if not u["user"].get("bot"))
            if len(page) < _PAGE:
                return people
            after = max(int(u["user"]["id"]) for u in page)
