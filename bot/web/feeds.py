"""Calendar feeds: the whole programme for anyone (`/calendar.ics`, which the event's page
links), and each person's private feed (`/calendar/<token>.ics`, given by /calendar):
their /remind sessions, or the whole programme, with an alarm at each of their /remind
offsets. The files are /ics's (`bot.programme.ical.to_ics`): the same UIDs, and SEQUENCE
numbers that rise when a session changes, so a calendar app moves its entry.

A subscribed calendar fetches its feed again every so often, each person's on its own.
Every answer carries an ETag made from the agenda's version and what the feed shows (its
scope, its language and the person's reminders), so a fetch that finds nothing new is a
304 that builds nothing (`If-None-Match`): a few small reads, no icalendar. A file is
built only for an ETag not seen yet, and kept for whoever asks for the same next.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from aiohttp import web
from aiohttp.helpers import ETAG_ANY, ETag

from bot.i18n import L, Translator
from bot.programme import Agenda, Session
from bot.qa.service import QA
from bot.storage import get_prefs
from bot.storage.feeds import MINE, by_token
from bot.web.pages import reader

_CALENDAR = "text/calendar"
# How often a subscribed calendar should look again (apps that read it: Apple, Outlook);
# a look that finds nothing new costs a 304.
REFRESH = timedelta(hours=1)
# Built files kept, by ETag: a programme's file is tens of kilobytes (a thousand sessions,
# about a megabyte), each person's with their own alarms.
_KEPT_FILES = 256
_KEPT_BYTES = 32 * 1024 * 1024
# Anyone may keep the public feed a while; a private one is the person's alone, and is
# asked again each time (a 304 is cheap) so a new /remind shows at the next look.
_PUBLIC = {
    "Cache-Control": "public, max-age=300",
    "Vary": "Accept-Language, Cookie",  # its calendar's name is in the reader's language
    "X-Content-Type-Options": "nosniff",
}
_PRIVATE = {
    "Cache-Control": "private, no-cache",
    "X-Content-Type-Options": "nosniff",
    "X-Robots-Tag": "noindex",
    "Referrer-Policy": "no-referrer",
}
_UNKNOWN = "There is no such calendar.\n"


@dataclass(frozen=True)
class Version:
    """An agenda, its sessions' SEQUENCE numbers, a digest of both, and each session's
    VEVENT as written for them, shared by every file made of this version (see `to_ics`:
    a person's feed of the whole programme writes only the VEVENTs with their alarms)."""

    agenda: Agenda
    numbers: Mapping[str, int]
    tag: str
    events: dict[str, bytes] = field(default_factory=dict)


class Calendars:
    """The calendar files the web server gives (the feeds here, a session's file on the
    event's page) over the agenda the Q&A service reads, kept current on every reload."""

    def __init__(self, qa: QA) -> None:
        self.qa = qa
        self._version: Version | None = None
        self._lock = asyncio.Lock()
        # Files made, by ETag: a hall asking at once gets one.
        self._files: OrderedDict[str, bytes] = OrderedDict()
        self._bytes = 0
        # Files are made one at a time, each off the loop (icalendar: a few milliseconds
        # a VEVENT, seconds for a big programme's first file after a change): the next
        # one then finds the VEVENTs the first wrote.
        self._making = asyncio.Lock()

    async def version(self) -> Version:
        """The agenda now, with its SEQUENCE numbers read (and kept, in a write
        transaction) once per agenda, not per request: they move only when the agenda
        does, and a reload makes a new one."""
        found = self._version
        if found is not None and found.agenda is self.qa.agenda:
            return found
        async with self._lock:
            agenda = self.qa.agenda
            found = self._version
            if found is None or found.agenda is not agenda:
                # Imported at the first calendar asked for: a bot that never serves one
                # never loads it (see tests/integration/test_lazy_imports.py).
                from bot.storage import calendar

                numbers = await calendar.sequences(
                    self.qa.store, agenda.sessions, self.qa.clock.now()
                )
                # Everything a file shows comes from these (names of rooms and people
                # too, which SEQUENCE does not follow).
                content = repr(
                    (agenda.event, agenda.rooms, agenda.people, agenda.sessions, numbers)
                )
                tag = hashlib.sha256(content.encode()).hexdigest()
                found = self._version = Version(agenda, numbers, tag)
                self._files.clear()
                self._bytes = 0
        return found

    def build(
        self,
        version: Version,
        sessions: Sequence[Session],
        name: str,
        alarms: Mapping[str, int] | None = None,
        refresh: timedelta | None = None,
    ) -> bytes:
        """A calendar file of `sessions` as /ics makes it."""
        from bot.programme.ical import to_ics

        return to_ics(
            version.agenda,
            sessions,
            sequences=version.numbers,
            now=self.qa.clock.now(),
            calendar_name=name,
            alarms=alarms,
            refresh=refresh,
            made=version.events,
        )

    async def respond(
        self,
        request: web.Request,
        version: Version,
        shows: Sequence[str],
        build: Callable[[], bytes],
        headers: Mapping[str, str],
        filename: Callable[[], str],
    ) -> web.Response:
        """The file `build` makes, under an ETag of `version` and what it `shows`: a 304
        without building when the client has it, else the kept file or a new one.

        The ETag is weak: a file made again after a restart differs in its DTSTAMP."""
        tag = hashlib.sha256("\x00".join((version.tag, *shows)).encode()).hexdigest()[:32]
        etag = ETag(value=tag, is_weak=True)
        if _has(request, tag):
            unchanged = web.Response(status=304, headers=headers)
            unchanged.etag = etag
            return unchanged
        data = self._files.get(tag)
        if data is None:
            async with self._making:
                data = self._files.get(tag)  # made while this request waited
                if data is None:
                    data = await asyncio.to_thread(build)
                    self._keep(tag, data)
        else:
            self._files.move_to_end(tag)
        response = web.Response(
            body=data,
            content_type=_CALENDAR,
            charset="utf-8",
            headers={**headers, "Content-Disposition": f'attachment; filename="{filename()}"'},
        )
        response.etag = etag
        return response

    def _keep(self, tag: str, data: bytes) -> None:
        self._files[tag] = data
        self._bytes += len(data)
        while self._files and (len(self._files) > _KEPT_FILES or self._bytes > _KEPT_BYTES):
            _, dropped = self._files.popitem(last=False)
            self._bytes -= len(dropped)


def _has(request: web.Request, tag: str) -> bool:
    """Whether If-None-Match names `tag` (weak comparison, as RFC 9110 13.1.2 asks)."""
    asked = request.if_none_match
    return asked is not None and any(e.value in (tag, ETAG_ANY) for e in asked)


def event_name(agenda: Agenda) -> L:
    """The name calendars and files use: the short one when the event file gives one."""
    event = agenda.event
    return event.short_name if event.short_name.en else event.name


def file_name(agenda: Agenda, suffix: str = "") -> str:
    """`battery-forum-2026{suffix}.ics`: ASCII, safe in a header."""
    from bot.programme.importing import slug

    return f"{slug(event_name(agenda).en)}{suffix}.ics"


class Feeds:
    """Routes of the public and private calendar feeds."""

    def __init__(self, qa: QA, calendars: Calendars) -> None:
        self.qa = qa
        self.calendars = calendars

    def add_routes(self, app: web.Application) -> None:
        app.router.add_get("/calendar.ics", self._programme)
        # {token} matches no "/": a path trick is no token, and finds nothing.
        app.router.add_get("/calendar/{token}.ics", self._private)

    async def _programme(self, request: web.Request) -> web.Response:
        """The whole programme, in the reader's language (the calendar's name)."""
        version = await self.calendars.version()
        agenda = version.agenda
        t = reader(request, agenda.event.default_language, agenda.event.timezone)
        return await self.calendars.respond(
            request,
            version,
            ("programme", t.lang),
            lambda: self.calendars.build(
                version, agenda.sessions, t.pick(event_name(agenda)), refresh=REFRESH
            ),
            _PUBLIC,
            lambda: file_name(agenda),
        )

    async def _private(self, request: web.Request) -> web.Response:
        """One person's feed: an unknown, revoked or malformed token is one same 404."""
        store = self.qa.store
        found = await by_token(store, self.qa.keys.token, request.match_info["token"])
        if found is None:
            raise web.HTTPNotFound(text=_UNKNOWN, headers=_PRIVATE)
        feed, alarms = found
        prefs = await get_prefs(store, feed.user_key)
        version = await self.calendars.version()
        agenda = version.agenda
        t = Translator(prefs.language or agenda.event.default_language, agenda.event.timezone)

        def build() -> bytes:
            name = t.pick(event_name(agenda))
            if feed.scope != MINE:
                return self.calendars.build(version, agenda.sessions, name, alarms, REFRESH)
            found = (agenda.session(sid) for sid in alarms)
            mine = sorted((s for s in found if s is not None), key=lambda s: (s.start, s.id))
            name = t("ics.name_mine", event=name)
            return self.calendars.build(version, mine, name, alarms, REFRESH)

        shows = ("private", feed.scope, t.lang, json.dumps(sorted(alarms.items())))
        return await self.calendars.respond(
            request, version, shows, build, _PRIVATE, lambda: file_name(agenda, f"-{feed.scope}")
        )
