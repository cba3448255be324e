"""The agenda: rooms, people and sessions, and the questions people ask of it."""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from bot.i18n import L
from bot.programme.matching import Found, Matcher, WordIndex, normalise

NO_TEXT = L("")


@dataclass(frozen=True)
class Room:
    """A place sessions happen."""

    id: str
    name: L


@dataclass(frozen=True)
class Person:
    """A speaker or chair."""

    id: str
    name: L
    affiliation: L = NO_TEXT


@dataclass(frozen=True)
class Session:
    """One item of the programme. Times are aware and UTC."""

    id: str
    title: L
    start: datetime
    end: datetime
    room: str | None = None
    speakers: tuple[str, ...] = ()
    chairs: tuple[str, ...] = ()
    abstract: L = NO_TEXT
    kind: str = "talk"
    track: str | None = None
    url: str | None = None
    qa: bool = False
    # Questions wait for a moderator's approval before anyone sees them.
    qa_moderated: bool = False
    # Minutes before start at which reminders go out; None means the event's default.
    reminders: tuple[int, ...] | None = None


@dataclass(frozen=True)
class EventInfo:
    """What the event is, where and when."""

    name: L
    timezone: ZoneInfo
    dates: tuple[date, ...]
    venue: L = NO_TEXT
    organiser: L = NO_TEXT
    host: L = NO_TEXT
    themes: tuple[L, ...] = ()
    default_language: str = "en"
    # The name calendars and file names use, when the event file gives one.
    short_name: L = NO_TEXT


@dataclass
class Agenda:
    """An event's programme, indexed for the queries participants make."""

    event: EventInfo
    rooms: dict[str, Room]
    people: dict[str, Person]
    sessions: list[Session]
    _starts: list[datetime] = field(init=False, repr=False)
    _by_id: dict[str, Session] = field(init=False, repr=False)
    _by_date: dict[date, list[Session]] = field(init=False, repr=False)
    _event_day: dict[str, date] = field(init=False, repr=False)
    _session_matcher: Matcher[Session] = field(init=False, repr=False)
    _person_matcher: Matcher[Person] = field(init=False, repr=False)
    _search: WordIndex = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.sessions = sorted(self.sessions, key=lambda s: (s.start, s.end, s.id))
        self._starts = [s.start for s in self.sessions]
        self._by_id = {s.id: s for s in self.sessions}
        self._by_date = {}
        self._event_day = {}
        tz = self.event.timezone
        for s in self.sessions:
            day = s.start.astimezone(tz).date()
            self._event_day[s.id] = day
            self._by_date.setdefault(day, []).append(s)
        self._session_matcher = Matcher((s, (s.id, s.title.en, s.title.ko)) for s in self.sessions)
        self._person_matcher = Matcher(
            (p, (p.id, p.name.en, p.name.ko)) for p in self.people.values()
        )
        self._search = WordIndex([self._haystack(s) for s in self.sessions])

    def _haystack(self, s: Session) -> str:
        parts = [s.id, s.title.en, s.title.ko, s.abstract.en, s.abstract.ko, s.kind]
        room = self.rooms.get(s.room or "")
        if room:
            parts += [room.name.en, room.name.ko]
        for pid in s.speakers + s.chairs:
            p = self.people.get(pid)
            if p:
                parts += [p.name.en, p.name.ko, p.affiliation.en, p.affiliation.ko]
        return normalise(" ".join(parts))

    # Days
    @property
    def days(self) -> tuple[date, ...]:
        """The event's dates, day 1 first."""
        return self.event.dates

    def event_day(self, s: Session) -> date:
        """The date a session starts on in the event's zone."""
        return self._event_day.get(s.id) or s.start.astimezone(self.event.timezone).date()

    def on_date(self, day: date) -> list[Session]:
        """Sessions starting on `day` in the event's zone."""
        return list(self._by_date.get(day, ()))

    # Time
    def running(self, at: datetime) -> list[Session]:
        """Sessions under way at `at`."""
        stop = bisect.bisect_right(self._starts, at)
        return [s for s in self.sessions[:stop] if s.end > at]

    def upcoming(self, at: datetime, limit: int = 3) -> list[Session]:
        """The next sessions to start after `at`, soonest first."""
        first = bisect.bisect_right(self._starts, at)
        return self.sessions[first : first + limit]

    def next_start(self, at: datetime) -> list[Session]:
        """Every session starting at the next start time after `at` (parallel tracks)."""
        first = bisect.bisect_right(self._starts, at)
        if first >= len(self.sessions):
            return []
        when = self._starts[first]
        stop = bisect.bisect_right(self._starts, when)
        return self.sessions[first:stop]

    # Lookups
    def session(self, session_id: str) -> Session | None:
        """The session with this id."""
        return self._by_id.get(session_id)

    def find_sessions(self, query: str) -> Found[Session]:
        """Sessions whose id or title (either language) matches `query`."""
        exact = self._by_id.get(query.strip())
        if exact:
            return Found((exact,))
        return self._session_matcher.find(query)

    def find_people(self, query: str) -> Found[Person]:
        """People whose name (either language) matches `query`."""
        return self._person_matcher.find(query)

    def sessions_of(self, person_id: str) -> list[Session]:
        """Sessions where the person speaks or chairs."""
        return [s for s in self.sessions if person_id in s.speakers or person_id in s.chairs]

    def search(self, text: str, limit: int = 10) -> Found[Session]:
        """Sessions where every word of `text` appears in title, abstract, room or people."""
        words = normalise(text).split()
        if not words:
            return Found(())
        hits = sorted(self._search.containing(words))
        if hits:
            return Found(tuple(self.sessions[i] for i in hits[:limit]))
        # No literal hit: fall back to titles spelt nearly so, then to suggestions.
        return self._session_matcher.find(text, limit=limit)

    def people_named(self, ids: Sequence[str]) -> list[Person]:
        """The people with these ids, in order, skipping unknown ids."""
        return [self.people[i] for i in ids if i in self.people]
