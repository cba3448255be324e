"""The agenda an event file describes."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.i18n import L
from bot.programme import Agenda, EventInfo, Person, Room, Session
from bot.settings.event import EventConfig


def build_agenda(config: EventConfig) -> Agenda:
    """The agenda a validated event file describes."""
    ev = config.event
    info = EventInfo(
        name=ev.name.to_l(),
        timezone=ZoneInfo(ev.timezone),
        dates=tuple(ev.dates),
        venue=ev.venue.to_l() if ev.venue else L(""),
        organiser=ev.organiser.to_l() if ev.organiser else L(""),
        host=ev.host.to_l() if ev.host else L(""),
        themes=tuple(t.to_l() for t in ev.themes),
        default_language=ev.default_language,
        short_name=ev.short_name.to_l() if ev.short_name else L(""),
    )
    rooms = {r.id: Room(r.id, r.name.to_l()) for r in config.rooms}
    people = {
        p.id: Person(p.id, p.name.to_l(), p.affiliation.to_l() if p.affiliation else L(""))
        for p in config.people
    }
    sessions = [
        Session(
            id=s.id,
            title=s.title.to_l(),
            start=s.start.astimezone(ZoneInfo("UTC")),
            end=s.end.astimezone(ZoneInfo("UTC")),
            room=s.room,
            speakers=tuple(s.speakers),
            chairs=tuple(s.chairs),
            abstract=s.abstract.to_l() if s.abstract else L(""),
            kind=s.kind,
            track=s.track,
            url=s.url,
            qa=s.qa,
            qa_moderated=(
                s.qa_moderated
                if s.qa_moderated is not None
                else s.kind in config.qa.moderated_kinds
            ),
            reminders=tuple(s.reminders) if s.reminders is not None else None,
        )
        for s in config.sessions
    ]
    return Agenda(info, rooms, people, sessions)


def day_bounds(day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The start and end of a local day, as aware datetimes."""
    start = datetime.combine(day, time(0), zone)
    return start, start + timedelta(days=1)
