"""An agenda as JSON and back, exactly: how the instances sharing a PostgreSQL database
hand each other the programme in force (bot/storage/agendas.py)."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.i18n import L
from bot.programme.model import Agenda, EventInfo, Person, Room, Session

# As build_agenda keeps them: aware, in ZoneInfo's UTC.
_UTC = ZoneInfo("UTC")


def _l(text: L) -> list[str]:
    return [text.en, text.ko]


def _text(pair: Any) -> L:
    en, ko = pair
    return L(str(en), str(ko))


def dumps(agenda: Agenda) -> str:
    """The agenda as JSON text (times as ISO 8601 in UTC)."""
    ev = agenda.event
    data = {
        "event": {
            "name": _l(ev.name),
            "timezone": ev.timezone.key,
            "dates": [d.isoformat() for d in ev.dates],
            "venue": _l(ev.venue),
            "organiser": _l(ev.organiser),
            "host": _l(ev.host),
            "themes": [_l(t) for t in ev.themes],
            "default_language": ev.default_language,
            "short_name": _l(ev.short_name),
        },
        "rooms": [[r.id, _l(r.name)] for r in agenda.rooms.values()],
        "people": [[p.id, _l(p.name), _l(p.affiliation)] for p in agenda.people.values()],
        "sessions": [
            {
                "id": s.id,
                "title": _l(s.title),
                "start": s.start.isoformat(),
                "end": s.end.isoformat(),
                "room": s.room,
                "speakers": list(s.speakers),
                "chairs": list(s.chairs),
                "abstract": _l(s.abstract),
                "kind": s.kind,
                "track": s.track,
                "url": s.url,
                "qa": s.qa,
                "qa_moderated": s.qa_moderated,
                "reminders": list(s.reminders) if s.reminders is not None else None,
            }
            for s in agenda.sessions
        ],
    }
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def loads(text: str) -> Agenda:
    """The agenda `dumps` wrote (ValueError, KeyError or TypeError for anything else)."""
    data = json.loads(text)
    ev = data["event"]
    info = EventInfo(
        name=_text(ev["name"]),
        timezone=ZoneInfo(ev["timezone"]),
        dates=tuple(date.fromisoformat(d) for d in ev["dates"]),
        venue=_text(ev["venue"]),
        organiser=_text(ev["organiser"]),
        host=_text(ev["host"]),
        themes=tuple(_text(t) for t in ev["themes"]),
        default_language=ev["default_language"],
        short_name=_text(ev["short_name"]),
    )
    rooms = {r[0]: Room(r[0], _text(r[1])) for r in data["rooms"]}
    people = {p[0]: Person(p[0], _text(p[1]), _text(p[2])) for p in data["people"]}
    sessions = [
        Session(
            id=s["id"],
            title=_text(s["title"]),
            start=datetime.fromisoformat(s["start"]).astimezone(_UTC),
            end=datetime.fromisoformat(s["end"]).astimezone(_UTC),
            room=s["room"],
            speakers=tuple(s["speakers"]),
            chairs=tuple(s["chairs"]),
            abstract=_text(s["abstract"]),
            kind=s["kind"],
            track=s["track"],
            url=s["url"],
            qa=bool(s["qa"]),
            qa_moderated=bool(s["qa_moderated"]),
            reminders=tuple(s["reminders"]) if s["reminders"] is not None else None,
        )
        for s in data["sessions"]
    ]
    return Agenda(info, rooms, people, sessions)
