"""The event's page for people outside Discord and Slack: `/` (what is on now and next,
and one day's programme, `?day=2`), `/session/<id>` (one session in full), and a
session's calendar file `/session/<id>/calendar.ics` (the whole programme's, which the
page links as `/calendar.ics`, is the public feed: bot/web/feeds.py).

Server-rendered in the reader's language and zone (`pages.reader`): event.js only tells
the server the browser's zone (a cookie) and reloads once; without it times are in the
event's zone, and every page says which zone its times are in. Now and next are the
agenda's own queries, as /now and /next ask them; the calendars are /ics's builder.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from aiohttp import web

from bot.i18n import Translator
from bot.programme import Agenda, Person, Session
from bot.qa.service import QA
from bot.web.feeds import Calendars, event_name, file_name
from bot.web.pages import LANGUAGE_NAMES, reader, remember_language, render

_CALENDAR_HEADERS = {"X-Content-Type-Options": "nosniff", "Cache-Control": "no-cache"}


@dataclass(frozen=True)
class Item:
    """One session as a list shows it, in the reader's language and zone."""

    id: str
    title: str
    when: str
    room: str
    people: str
    qa: bool
    qa_open: bool
    note: str = ""


class EventPages:
    """Routes of the event's page over the agenda the Q&A service reads (kept current on
    every agenda reload)."""

    def __init__(self, qa: QA, calendars: Calendars) -> None:
        self.qa = qa
        self.calendars = calendars  # shared with the feeds: their files, once made

    def add_routes(self, app: web.Application) -> None:
        r = app.router
        r.add_get("/", self._home)
        r.add_get("/session/{id}", self._session)
        r.add_get("/session/{id}/calendar.ics", self._session_calendar)

    # -- pages -----------------------------------------------------------------------------

    def _reader(self, request: web.Request) -> Translator:
        event = self.qa.agenda.event
        return reader(request, event.default_language, event.timezone)

    def _page(
        self, request: web.Request, t: Translator, name: str, status: int = 200, **values: Any
    ) -> web.Response:
        agenda = self.qa.agenda
        response = render(
            name,
            status,
            lang=t.lang,
            event_name=t.pick(agenda.event.name),
            t=t,
            languages=LANGUAGE_NAMES,
            zone_note=self._zone_note(t),
            **values,
        )
        remember_language(request, response)
        return response

    def _zone_note(self, t: Translator) -> str:
        zone = t.zone_name(self.qa.clock.now())
        if t.tz.key == self.qa.agenda.event.timezone.key:
            return t("web.event.zone_event", zone=zone)
        return t("web.event.zone_yours", zone=zone)

    def _missing(self, request: web.Request, t: Translator, message: str) -> web.Response:
        return self._page(request, t, "event_missing.html", 404, message=message)

    async def _home(self, request: web.Request) -> web.Response:
        t = self._reader(request)
        agenda = self.qa.agenda
        now = self.qa.clock.now()
        day = self._day(request, agenda, now, t)
        if isinstance(day, str):
            return self._missing(request, t, day)
        open_ids = await self._open_ids(now)
        running = agenda.running(now)
        upcoming = agenda.next_start(now)
        on_now = [
            self._item(t, s, open_ids, note=t("web.event.ends_in", minutes=_minutes(now, s.end)))
            for s in running
        ]
        up_next = [
            self._item(
                t, s, open_ids, note=t("web.event.starts_in", minutes=_minutes(now, s.start))
            )
            for s in upcoming
        ]
        number = agenda.days.index(day) + 1 if day in agenda.days else 0
        themes = agenda.event.themes
        return self._page(
            request,
            t,
            "event.html",
            venue=t.pick(agenda.event.venue),
            dates=" – ".join(t.date(d) for d in (agenda.days[:1] + agenda.days[1:][-1:])),
            on_now=on_now,
            idle=None if running else self._idle(t, agenda, now),
            up_next=up_next,
            days=[(i, t("web.event.day_tab", number=i)) for i in range(1, len(agenda.days) + 1)],
            day_number=number,
            day_title=t("web.event.day_title", number=number, date=t.date(day)) if number else "",
            theme=t.pick(themes[number - 1]) if 0 < number <= len(themes) else "",
            programme=[self._item(t, s, open_ids) for s in agenda.on_date(day)],
        )

    def _day(
        self, request: web.Request, agenda: Agenda, now: datetime, t: Translator
    ) -> date | str:
        """The day asked for (`?day=N`, 1 being the first), else today during the event,
        the next day to come before it, the last after it; a sentence for anything else."""
        days = agenda.days
        asked = request.query.get("day")
        if asked is None:
            today = now.astimezone(agenda.event.timezone).date()
            if not days or today in days:
                return today
            return next((d for d in days if d > today), days[-1])
        if asked.isascii() and asked.isdigit() and len(asked) <= 3 and 1 <= int(asked) <= len(days):
            return days[int(asked) - 1]
        return t("web.event.no_day", count=len(days))

    async def _open_ids(self, now: datetime) -> set[str]:
        """Sessions taking questions now (by the clock, or opened by a moderator)."""
        return {s.id for s in await self.qa.open_sessions(now)}

    def _idle(self, t: Translator, agenda: Agenda, now: datetime) -> str:
        """What to say when nothing is on."""
        if not agenda.sessions:
            return t("web.event.no_sessions")
        if now < agenda.sessions[0].start:
            return t("web.event.not_started", when=t.date_time(agenda.sessions[0].start))
        return t("web.event.nothing_now") if agenda.next_start(now) else t("web.event.over")

    def _item(self, t: Translator, s: Session, open_ids: set[str], note: str = "") -> Item:
        agenda = self.qa.agenda
        title, room = t.pick(s.title), _room(t, agenda, s)
        return Item(
            id=s.id,
            title=title,
            when=_span(t, agenda, s),
            # A room named like its only session (the photo zone) need not be said twice.
            room="" if room and title.startswith(room) else room,
            people=", ".join(t.pick(p.name) for p in agenda.people_named(s.chairs + s.speakers)),
            qa=s.qa or s.id in open_ids,
            qa_open=s.id in open_ids,
            note=note,
        )

    async def _session(self, request: web.Request) -> web.Response:
        t = self._reader(request)
        agenda = self.qa.agenda
        s = agenda.session(request.match_info["id"])
        if s is None:
            return self._missing(request, t, t("web.event.no_session"))
        status = await self.qa.status(s)
        link = s.url if s.url and s.url.startswith(("https://", "http://")) else ""
        return self._page(
            request,
            t,
            "session.html",
            s=self._item(t, s, {s.id} if status.open else set()),
            when=_span(t, agenda, s, with_date=True),
            room=_room(t, agenda, s),
            chairs=[_person(t, p) for p in agenda.people_named(s.chairs)],
            speakers=[_person(t, p) for p in agenda.people_named(s.speakers)],
            abstract=t.pick(s.abstract),
            link=link,
            day_number=agenda.days.index(agenda.event_day(s)) + 1
            if agenda.event_day(s) in agenda.days
            else 0,
        )

    # -- a session's calendar file --------------------------------------------------------

    async def _session_calendar(self, request: web.Request) -> web.Response:
        """One session's calendar file, as /ics <session> makes it."""
        version = await self.calendars.version()
        agenda = version.agenda
        t = self._reader(request)
        s = agenda.session(request.match_info["id"])
        if s is None:
            return self._missing(request, t, t("web.event.no_session"))
        return await self.calendars.respond(
            request,
            version,
            ("session", s.id, t.lang),
            lambda: self.calendars.build(version, [s], t.pick(event_name(agenda))),
            _CALENDAR_HEADERS,
            lambda: file_name(agenda, f"-{s.id}"),
        )


def _minutes(now: datetime, then: datetime) -> int:
    """Whole minutes from now until then, rounded up."""
    return max(0, int(-(-(then - now).total_seconds() // 60)))


def _span(t: Translator, agenda: Agenda, s: Session, *, with_date: bool = False) -> str:
    """A session's time span in the reader's zone, dated where the reader's day is not
    the event's (a reader abroad) or where asked."""
    start, end = t.local(s.start), t.local(s.end)
    dated = with_date or start.date() != agenda.event_day(s)
    first = t.local_text(start, with_date=dated)
    return f"{first} – {t.local_text(end, with_date=end.date() != start.date())}"


def _room(t: Translator, agenda: Agenda, s: Session) -> str:
    room = agenda.rooms.get(s.room or "")
    return t.pick(room.name) if room else ""


def _person(t: Translator, p: Person) -> tuple[str, str]:
    """A person's name and affiliation in the reader's language."""
    return t.pick(p.name), t.pick(p.affiliation)
