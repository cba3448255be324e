"""frab/pretalx schedules: the JSON of the c3voc schema (https://c3voc.de/schedule/schema.json)
and the older frab/pentabarf XML, in; the same JSON, out.

Both importers give the event-shaped data `formats` describes. A schedule says the
conference's title, zone and days, and per day and room its events: `date` (ISO 8601,
the start), `duration` ("HH:MM" or "H:MM:SS"), `title`, `slug` (the session id, else a slug
of the title), `type` (the kind, lower-cased; "talk" when absent), `track`, `url`,
`abstract` (else `description`) and `persons` (speakers; their ids are slugs of their
names, one per person however many events they speak at).

The schema allows no extra keys on events, rooms or persons' frab form, so what it has no
field for travels in `conference.meta.forum_bot` (the schema's `meta` takes any keys):
Korean titles, abstracts and names, the ids of rooms and people, affiliations, chairs,
`qa`, a `qa_moderated` that differs from the kind's default, and reminder offsets. Another
tool ignores it; this importer reads it back, so an export imports as the same programme.
Sessions without a room are listed under the room name "" (the schema needs a room).
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from xml.parsers import expat
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot import __version__
from bot.programme.importing import ImportProblem, event_dates, slug
from bot.programme.model import Agenda, Session
from bot.settings import EventConfig

SCHEMA_URL = "https://c3voc.de/schedule/schema.json"
META_KEY = "forum_bot"

_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
_DURATION = re.compile(r"^(\d{1,3}):([0-5]\d)(?::([0-5]\d))?$")

Where = Callable[[str], str]


# Reading ----------------------------------------------------------------------------------


def parse_frab_json(text: str) -> dict[str, Any]:
    """A frab/pretalx schedule.json as event-shaped data; raises ImportProblem."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ImportProblem(
            f"line {exc.lineno}, column {exc.colno}", f"is not JSON: {exc.msg}"
        ) from None
    root = _obj(data, "(file)", "a schedule: an object with a 'schedule' key")
    schedule = _obj(_need(root, "schedule", "(file)"), "schedule")
    conf = _obj(_need(schedule, "conference", "schedule"), "schedule.conference")
    where = "schedule.conference"
    reader = _Reader(_meta(conf.get("meta"), f"{where}.meta.{META_KEY}"))
    zone_at = f"{where}.time_zone_name"
    reader.conference(
        title=_text(conf, "title", f"{where}.title", required=True),
        zone=_text(conf, "time_zone_name", zone_at),
        zone_where=zone_at,
    )
    rooms = conf.get("rooms")
    if rooms is not None:
        for i, room in enumerate(_arr(rooms, f"{where}.rooms")):
            at = f"{where}.rooms[{i}]"
            room = _obj(room, at)
            name = _text(room, "name", f"{at}.name", required=True) or ""
            reader.room(name, _text(room, "guid", f"{at}.guid"), at)
    days = _arr(_need(conf, "days", where), f"{where}.days")
    for d, day in enumerate(days):
        at = f"{where}.days[{d}]"
        day = _obj(day, at)
        reader.day(_text(day, "date", f"{at}.date"), f"{at}.date")
        by_room = _obj(_need(day, "rooms", at), f"{at}.rooms")
        for room_name, events in by_room.items():
            for k, event in enumerate(_arr(events, f"{at}.rooms[{room_name!r}]")):
                ev_at = f"{at}.rooms[{room_name!r}][{k}]"
                reader.event(_obj(event, ev_at), room_name, _json_where(ev_at))
    return reader.result()


def _json_where(base: str) -> Where:
    """Where an event's field is: `schedule.conference.days[0].rooms['Hall'][2].date`."""
    return lambda name: f"{base}.{name}" if name else base


def parse_frab_xml(text: str) -> dict[str, Any]:
    """A frab/pentabarf schedule.xml as event-shaped data; raises ImportProblem.

    DTDs and entity declarations are refused before parsing: a schedule needs none, and
    they are how an XML file expands into gigabytes ("billion laughs")."""
    found = re.search(r"<!(DOCTYPE|ENTITY)", text, re.IGNORECASE)
    if found:
        line = text.count("\n", 0, found.start()) + 1
        raise ImportProblem(
            f"line {line}",
            f"<!{found.group(1).upper()} is refused: a schedule needs no DTD or entities, "
            "and they can make a small file expand without limit",
        )
    root, lines = _parse_xml(text)
    if root.tag != "schedule":
        raise ImportProblem(
            f"<{root.tag}> (line {lines[root]})", "the root element must be <schedule>"
        )
    conf = root.find("conference")
    if conf is None:
        raise ImportProblem(f"<schedule> (line {lines[root]})", "missing <conference>")
    conf_at = f"<conference> (line {lines[conf]})"
    reader = _Reader(_meta(None, ""))
    zone_el = conf.find("time_zone_name")
    reader.conference(
        title=_xml_text(conf, "title", conf_at, required=True),
        zone=_xml_text(conf, "time_zone_name", conf_at),
        zone_where=(
            f"<time_zone_name> (line {lines[zone_el]})" if zone_el is not None else conf_at
        ),
    )
    rooms = conf.find("rooms")
    for room in rooms.iter("room") if rooms is not None else ():
        reader.room(room.get("name") or "", room.get("guid"), f"<room> (line {lines[room]})")
    for day in root.iter("day"):
        day_at = f"<day index={day.get('index', '?')}> (line {lines[day]})"
        reader.day(day.get("date"), day_at)
        for room in day.findall("room"):
            room_name = room.get("name")
            if room_name is None:
                raise ImportProblem(f"<room> (line {lines[room]})", "has no name attribute")
            for event in room.findall("event"):
                fields, where = _xml_event(event, lines)
                reader.event(fields, room_name, where)
    return reader.result()


def _xml_event(event: ET.Element, lines: dict[ET.Element, int]) -> tuple[dict[str, Any], Where]:
    """An <event> as the JSON's event object, and where each of its fields is."""
    label = (
        f"event guid={event.get('guid')}"
        if event.get("guid")
        else (f"event id={event.get('id')}" if event.get("id") else "event")
    )
    fields: dict[str, Any] = {k: v for k, v in event.attrib.items() if k in ("guid", "id")}
    children: dict[str, ET.Element] = {}
    for child in event:
        children.setdefault(child.tag, child)
        if child.tag == "persons":
            fields["persons"] = [
                {"id": p.get("id"), "guid": p.get("guid"), "name": (p.text or "").strip()}
                for p in child.iter("person")
            ]
        elif len(child) == 0:
            fields[child.tag] = (child.text or "").strip()

    def where(name: str) -> str:
        el = children.get(name)
        if el is None:
            return f"{label} (line {lines[event]})"
        return f"{label} <{name}> (line {lines[el]})"

    return fields, where


def _parse_xml(text: str) -> tuple[ET.Element, dict[ET.Element, int]]:
    """The document as ElementTree elements, with the line each element starts on."""
    builder = ET.TreeBuilder()
    parser = expat.ParserCreate()
    lines: dict[ET.Element, int] = {}

    def start(tag: str, attrs: dict[str, str]) -> None:
        lines[builder.start(tag, attrs)] = parser.CurrentLineNumber

    def refuse(*_args: Any) -> None:
        raise ImportProblem(
            f"line {parser.CurrentLineNumber}", "DTDs and entities are refused in a schedule"
        )

    parser.StartElementHandler = start
    parser.EndElementHandler = builder.end
    parser.CharacterDataHandler = builder.data
    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    parser.buffer_text = True
    try:
        parser.Parse(text, True)
    except expat.ExpatError as exc:
        reason = expat.errors.messages.get(exc.code, str(exc)) if exc.code else str(exc)
        raise ImportProblem(
            f"line {exc.lineno}, column {exc.offset + 1}", f"is not well-formed XML: {reason}"
        ) from None
    return builder.close(), lines


def _xml_text(parent: ET.Element, tag: str, where: str, *, required: bool = False) -> str | None:
    el = parent.find(tag)
    value = (el.text or "").strip() if el is not None else ""
    if required and not value:
        raise ImportProblem(where, f"missing <{tag}>")
    return value or None


@dataclass
class _Reader:
    """Turns a schedule's conference, rooms, days and events into event-shaped data."""

    meta: dict[str, Any]
    event_section: dict[str, Any] = field(default_factory=dict)
    zone: ZoneInfo | None = None
    rooms: dict[str, dict[str, Any]] = field(default_factory=dict)  # by name
    listed_rooms: bool = False
    room_ids: set[str] = field(default_factory=set)
    people: dict[str, dict[str, Any]] = field(default_factory=dict)  # by key
    people_ids: set[str] = field(default_factory=set)
    sessions: list[dict[str, Any]] = field(default_factory=list)
    session_ids: dict[str, str] = field(default_factory=dict)  # id -> where
    dates: set[str] = field(default_factory=set)

    def conference(self, *, title: str | None, zone: str | None, zone_where: str) -> None:
        name: dict[str, str] = {"en": title or ""}
        if self.meta.get("name_ko"):
            name["ko"] = str(self.meta["name_ko"])
        self.event_section["name"] = name
        if zone:
            try:
                self.zone = ZoneInfo(zone)
            except (ZoneInfoNotFoundError, ValueError):
                raise ImportProblem(
                    zone_where, f"unknown time zone {zone!r}; use an IANA name such as Asia/Seoul"
                ) from None
            self.event_section["timezone"] = zone

    def day(self, value: str | None, where: str) -> None:
        if value is None:
            raise ImportProblem(where, "missing: the day's date is required")
        try:
            self.dates.add(date.fromisoformat(value.strip()).isoformat())
        except ValueError:
            raise ImportProblem(where, f"{value!r} is not a date like 2026-02-05") from None

    def room(self, name: str, guid: str | None, where: str) -> None:
        self.listed_rooms = True
        if name in self.rooms:
            raise ImportProblem(where, f"room {name!r} is listed twice")
        self._add_room(name, guid)

    def _add_room(self, name: str, guid: str | None) -> str:
        info = self.meta["rooms"].get(guid or "", {})
        wanted = info.get("id")
        if isinstance(wanted, str) and _ID.match(wanted) and wanted not in self.room_ids:
            self.room_ids.add(wanted)
            room_id = wanted
        else:
            room_id = slug(name, self.room_ids)
        names = {"en": name}
        if info.get("name_ko"):
            names["ko"] = str(info["name_ko"])
        self.rooms[name] = {"id": room_id, "name": names}
        return room_id

    def _room_of(self, event: dict[str, Any], listed_under: str, where: Where) -> str | None:
        listed_under = listed_under.strip()
        name = _text(event, "room", where("room"), blank=True)
        if name is not None and name != listed_under:
            raise ImportProblem(
                where("room"), f"is {name!r} but the event is listed under room {listed_under!r}"
            )
        if listed_under == "":
            return None
        if listed_under not in self.rooms:
            if self.listed_rooms:
                known = ", ".join(repr(r) for r in self.rooms if r) or "none"
                raise ImportProblem(
                    where("room"),
                    f"unknown room {listed_under!r}; the conference's rooms are {known}",
                )
            self._add_room(listed_under, None)
        return str(self.rooms[listed_under]["id"])

    def _person(self, person: Any, where: str) -> str:
        person = _obj(person, where)
        name = person.get("name") or person.get("public_name")
        if not isinstance(name, str) or not name.strip():
            raise ImportProblem(where, "the person has no name (name or public_name)")
        name = name.strip()
        guid = person.get("guid")
        pid = person.get("id")
        key = (
            f"guid:{guid}"
            if isinstance(guid, str) and guid
            else (f"id:{pid}" if pid not in (None, "") else f"name:{name}")
        )
        found = self.people.get(key)
        if found is not None:
            return str(found["id"])
        info = self.meta["people"].get(guid if isinstance(guid, str) else "", {})
        self.people[key] = self._new_person(name, info)
        return str(self.people[key]["id"])

    def _new_person(self, name: str, info: dict[str, Any]) -> dict[str, Any]:
        wanted = info.get("id")
        if isinstance(wanted, str) and _ID.match(wanted) and wanted not in self.people_ids:
            self.people_ids.add(wanted)
            person_id = wanted
        else:
            person_id = slug(name, self.people_ids)
        names = {"en": name}
        if info.get("name_ko"):
            names["ko"] = str(info["name_ko"])
        out: dict[str, Any] = {"id": person_id, "name": names}
        affiliation = info.get("affiliation")
        if isinstance(affiliation, dict) and affiliation.get("en"):
            out["affiliation"] = {k: str(v) for k, v in affiliation.items() if k in ("en", "ko")}
        return out

    def _meta_person(self, guid: str) -> str | None:
        """The id of a person the meta knows (a chair who speaks nowhere, say)."""
        key = f"guid:{guid}"
        if key not in self.people:
            info = self.meta["people"].get(guid)
            if not info or not isinstance(info.get("name"), str) or not info["name"]:
                return None
            self.people[key] = self._new_person(info["name"], info)
        return str(self.people[key]["id"])

    def event(self, event: dict[str, Any], room_name: str, where: Where) -> None:
        title = _text(event, "title", where("title"), required=True) or ""
        start = self._moment(_text(event, "date", where("date"), required=True), where("date"))
        length = _duration(
            _text(event, "duration", where("duration"), required=True), where("duration")
        )
        room = self._room_of(event, room_name, where)
        guid = _text(event, "guid", where("guid"))
        info = self.meta["sessions"].get(guid or "", {})
        session: dict[str, Any] = {
            "id": self._session_id(event, title, info, where),
            "title": {"en": title},
            "start": start.isoformat(),
            "end": (start + length).isoformat(),
        }
        if info.get("title_ko"):
            session["title"]["ko"] = str(info["title_ko"])
        if room is not None:
            session["room"] = room
        kind = _text(event, "type", where("type"))
        session["kind"] = kind.lower() if kind else "talk"
        persons = event.get("persons")
        speakers: list[str] = []
        if persons is not None:
            for j, person in enumerate(_arr(persons, where("persons"))):
                pid = self._person(person, f"{where('persons')}[{j}]")
                if pid not in speakers:
                    speakers.append(pid)
        session["speakers"] = speakers
        chairs = [c for g in info.get("chairs") or [] if (c := self._meta_person(str(g)))]
        if chairs:
            session["chairs"] = chairs
        abstract = _text(event, "abstract", where("abstract")) or _text(
            event, "description", where("description")
        )
        if abstract:
            session["abstract"] = {"en": abstract}
            if info.get("abstract_ko"):
                session["abstract"]["ko"] = str(info["abstract_ko"])
        track = _text(event, "track", where("track"))
        if track:
            session["track"] = track
        url = _text(event, "url", where("url"))
        if url:
            if not re.match(r"^https?://\S+$", url):
                raise ImportProblem(where("url"), f"{url!r} is not an http(s) address")
            session["url"] = url
        for key in ("qa", "qa_moderated"):
            if isinstance(info.get(key), bool):
                session[key] = info[key]
        if isinstance(info.get("reminders"), list):
            session["reminders"] = info["reminders"]
        self.sessions.append(session)

    def _session_id(
        self, event: dict[str, Any], title: str, info: dict[str, Any], where: Where
    ) -> str:
        wanted = info.get("id")
        given = _text(event, "slug", where("slug"))
        if isinstance(wanted, str) and _ID.match(wanted):
            found, at = wanted, where("")
        elif given:
            found = given if _ID.match(given) else slug(given)
            at = where("slug")
        else:
            taken = set(self.session_ids)
            title_slug = slug(title)
            if title_slug == "item" and event.get("id") not in (None, ""):
                title_slug = slug(f"session-{event['id']}")  # a title with no Latin letters
            found = slug(title_slug, taken) if title_slug in taken else title_slug
            at = where("")
        if found in self.session_ids:
            raise ImportProblem(at, f"id {found!r} is already used by {self.session_ids[found]}")
        self.session_ids[found] = where("")
        return found

    def _moment(self, value: str | None, where: str) -> datetime:
        assert value is not None
        try:
            if re.match(r"^\d{4}-?\d{2}-?\d{2}$", value.strip()):
                raise ValueError("a date without a time")
            moment = datetime.fromisoformat(value.strip())
        except ValueError:
            raise ImportProblem(
                where, f"{value!r} is not a date and time like 2026-02-05T13:00:00+09:00"
            ) from None
        if moment.tzinfo is None:
            if self.zone is None:
                raise ImportProblem(
                    where, f"{value!r} has no UTC offset and the conference no time_zone_name"
                )
            moment = moment.replace(tzinfo=self.zone)
        return moment

    def result(self) -> dict[str, Any]:
        event = dict(self.event_section)
        event["dates"] = sorted(self.dates | set(event_dates(self.sessions)))
        for guid in self.meta["people"]:
            self._meta_person(guid)  # people of the event file who have no session now
        return {
            "event": event,
            "rooms": list(self.rooms.values()),
            "people": list(self.people.values()),
            "sessions": self.sessions,
        }


def _meta(value: Any, where: str) -> dict[str, Any]:
    """What our own exports keep in `conference.meta.forum_bot` (empty for others')."""
    found = value.get(META_KEY) if isinstance(value, dict) else None
    meta = _obj(found, where) if found is not None else {}
    out = {"name_ko": meta.get("name_ko")}
    for key in ("rooms", "people", "sessions"):
        table = _obj(meta.get(key) or {}, f"{where}.{key}")
        for k, v in table.items():
            _obj(v, f"{where}.{key}[{k!r}]")
        out[key] = table
    return out


def _need(obj: dict[str, Any], key: str, where: str) -> Any:
    if key not in obj or obj[key] is None:
        raise ImportProblem(where, f"missing {key!r}")
    return obj[key]


def _type_name(value: Any) -> str:
    return {
        dict: "an object",
        list: "a list",
        str: "a string",
        bool: "true/false",
        int: "a number",
        float: "a number",
        type(None): "null",
    }.get(type(value), type(value).__name__)


def _obj(value: Any, where: str, what: str = "an object") -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ImportProblem(where, f"must be {what}, not {_type_name(value)}")
    return value


def _arr(value: Any, where: str) -> list[Any]:
    if not isinstance(value, list):
        raise ImportProblem(where, f"must be a list, not {_type_name(value)}")
    return value


def _text(
    obj: dict[str, Any], key: str, at: str, *, required: bool = False, blank: bool = False
) -> str | None:
    """A string field, stripped; None when absent, null or (unless `blank`) empty.
    `at` is where the field is (or would be)."""
    value = obj.get(key)
    if isinstance(value, int | float) and not isinstance(value, bool) and key in ("id", "guid"):
        value = str(value)
    if value is not None and not isinstance(value, str):
        raise ImportProblem(at, f"must be a string, not {_type_name(value)}")
    value = value.strip() if value is not None else None
    if required and not value:
        raise ImportProblem(at, f"missing {key!r}: this field is required")
    if value == "" and not blank:
        return None
    return value


def _duration(value: str | None, where: str) -> timedelta:
    found = _DURATION.match((value or "").strip())
    if not found:
        raise ImportProblem(where, f"{value!r} is not a duration like 01:30 or 0:45:00")
    hours, minutes, seconds = found.groups()
    length = timedelta(hours=int(hours), minutes=int(minutes), seconds=int(seconds or 0))
    if length <= timedelta(0):
        raise ImportProblem(where, f"{value!r}: a session lasts more than no time")
    return length


# Writing ----------------------------------------------------------------------------------


def to_frab_json(agenda: Agenda, config: EventConfig) -> dict[str, Any]:
    """The programme as a c3voc schedule.json (what pretalx and frab publish)."""
    zone = agenda.event.timezone
    short = config.event.short_name.en if config.event.short_name else agenda.event.name.en
    acronym = slug(short).replace("-", "_")
    if len(acronym) < 4:
        acronym = (acronym + "_event")[:10]

    def guid(kind: str, item_id: str) -> str:
        return str(uuid.uuid5(uuid.NAMESPACE_URL, f"urn:forum-bot:{acronym}:{kind}:{item_id}"))

    room_names = _unique_names((r.id, r.name.en) for r in agenda.rooms.values())
    person_guids = {pid: guid("person", pid) for pid in agenda.people}
    meta_rooms: dict[str, Any] = {}
    for room in agenda.rooms.values():
        meta_rooms[guid("room", room.id)] = _compact({"id": room.id, "name_ko": room.name.ko})
    meta_people: dict[str, Any] = {}
    for person in agenda.people.values():
        entry: dict[str, Any] = {
            "id": person.id,
            "name": person.name.en,
            "name_ko": person.name.ko,
        }
        if person.affiliation.en:
            entry["affiliation"] = _compact(
                {"en": person.affiliation.en, "ko": person.affiliation.ko}
            )
        meta_people[person_guids[person.id]] = _compact(entry)
    meta_sessions: dict[str, Any] = {}
    numbers = _numbers(s.id for s in agenda.sessions)
    days: list[dict[str, Any]] = []
    by_day = {day: agenda.on_date(day) for day in agenda.days}
    for index, day in enumerate(agenda.days, start=1):
        sessions = by_day[day]
        rooms: dict[str, list[dict[str, Any]]] = {room_names[r]: [] for r in agenda.rooms}
        for s in sessions:
            event_guid = guid("session", s.id)
            local = s.start.astimezone(zone)
            rooms.setdefault(room_names.get(s.room or "", ""), []).append(
                {
                    "guid": event_guid,
                    "id": numbers[s.id],
                    "date": local.isoformat(),
                    "start": f"{local:%H:%M}",
                    "duration": _hhmm(s.end - s.start),
                    "room": room_names.get(s.room or "", ""),
                    "slug": s.id,
                    "url": s.url or "",
                    "title": s.title.en,
                    "subtitle": "",
                    "track": s.track,
                    "type": s.kind,
                    "language": "en",
                    "abstract": s.abstract.en,
                    "description": "",
                    "persons": [
                        {"guid": person_guids[p], "name": agenda.people[p].name.en}
                        for p in s.speakers
                        if p in agenda.people
                    ],
                    "links": [],
                    "attachments": [],
                }
            )
            meta_sessions[event_guid] = _session_meta(s, config, person_guids)
        if sessions:
            day_start = min(s.start for s in sessions).astimezone(zone)
            day_end = max(s.end for s in sessions).astimezone(zone)
        else:
            day_start = datetime.combine(day, time(0), zone)
            day_end = day_start + timedelta(days=1)
        days.append(
            {
                "index": index,
                "date": day.isoformat(),
                "day_start": day_start.isoformat(),
                "day_end": day_end.isoformat(),
                "rooms": rooms,
            }
        )
    meta: dict[str, Any] = {
        "name_ko": agenda.event.name.ko or None,
        "rooms": meta_rooms,
        "people": meta_people,
        "sessions": meta_sessions,
    }
    conference = {
        "acronym": acronym,
        "title": agenda.event.name.en,
        "start": agenda.days[0].isoformat(),
        "end": agenda.days[-1].isoformat(),
        "daysCount": len(agenda.days),
        "timeslot_duration": "00:05",
        "time_zone_name": str(zone.key),
        "rooms": [
            {"name": room_names[r.id], "guid": guid("room", r.id)} for r in agenda.rooms.values()
        ],
        "days": days,
        "meta": {META_KEY: _compact(meta)},
    }
    body = json.dumps(conference, sort_keys=True, ensure_ascii=False).encode()
    return {
        "$schema": SCHEMA_URL,
        "generator": {"name": "forum-bot", "version": __version__},
        "schedule": {
            "version": hashlib.sha256(body).hexdigest()[:12],
            "conference": conference,
        },
    }


def _session_meta(s: Session, config: EventConfig, person_guids: dict[str, str]) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "id": s.id,
        "title_ko": s.title.ko,
        "abstract_ko": s.abstract.ko,
        "chairs": [person_guids[c] for c in s.chairs if c in person_guids],
    }
    if s.qa:
        entry["qa"] = True
    if s.qa_moderated != (s.kind in config.qa.moderated_kinds):
        entry["qa_moderated"] = s.qa_moderated
    if s.reminders is not None:
        entry["reminders"] = list(s.reminders)
    return _compact(entry)


def _compact(entry: dict[str, Any]) -> dict[str, Any]:
    """Without empty values: the meta carries only what differs from nothing."""
    return {k: v for k, v in entry.items() if v not in ("", None, [], {})}


def _unique_names(rooms: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Room id -> the name its events are listed under (the schema keys rooms by name)."""
    names: dict[str, str] = {}
    used: set[str] = {""}
    for room_id, name in rooms:
        found = name if name not in used else f"{name} [{room_id}]"
        used.add(found)
        names[room_id] = found
    return names


def _numbers(ids: Iterable[str]) -> dict[str, int]:
    """A stable positive integer per session id (the schema's `id`), from its hash."""
    out: dict[str, int] = {}
    used: set[int] = set()
    for item in sorted(ids):
        n = int(hashlib.sha256(item.encode()).hexdigest()[:7], 16) + 1
        while n in used:
            n += 1
        used.add(n)
        out[item] = n
    return out


def _hhmm(length: timedelta) -> str:
    minutes = int(length.total_seconds()) // 60
    seconds = int(length.total_seconds()) % 60
    text = f"{minutes // 60:02d}:{minutes % 60:02d}"
    return f"{text}:{seconds:02d}" if seconds else text
