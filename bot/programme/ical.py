"""iCalendar (RFC 5545) in and out: a programme from an .ics file, and an .ics of sessions.

Import reads VEVENTs into the event file's shape (see `formats`): times keep their zones
(TZID with the file's VTIMEZONE, an IANA or Windows name, UTC "Z"; floating times are read
in the calendar's X-WR-TIMEZONE, else the zone given), recurring events are expanded with
dateutil (bounded), and anything a programme item cannot be (an all-day event, no start,
an end before the start) is refused naming the VEVENT and its UID.

Export writes one VEVENT per session with a stable UID (`<session id>@<event>.forum-bot`)
and a SEQUENCE that rises when the session changes (see `bot.storage.calendar`), so calendar
apps update the entry instead of adding another. What standard properties cannot hold (the
Korean texts, room and person ids, the kind) rides along in X-FORUM-BOT- properties and
parameters, which calendar apps ignore and `parse_ics` reads back: an export imports into
the same programme.
"""

from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Mapping, MutableMapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import icalendar
from dateutil.rrule import rruleset, rrulestr

from bot import __version__
from bot.programme.importing import ImportProblem, slug
from bot.programme.model import Agenda, Session

MAX_OCCURRENCES = 500
UID_DOMAIN = "forum-bot"
# A UID this module wrote: the session id survives exactly.
_OWN_UID = re.compile(r"^([a-z0-9][a-z0-9-]{0,63})@[^@\s]+\." + UID_DOMAIN + r"$")
_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
# The properties an import reads: a broken one is refused, a broken other one ignored.
_READ = frozenset(
    {
        "DTSTART",
        "DTEND",
        "DURATION",
        "RRULE",
        "RDATE",
        "EXDATE",
        "RECURRENCE-ID",
        "SUMMARY",
        "DESCRIPTION",
        "LOCATION",
        "UID",
        "URL",
        "CATEGORIES",
        "ATTENDEE",
        "ORGANIZER",
        "STATUS",
    }
)
_LABEL = "%Y%m%d-%H%M"  # an occurrence's id suffix, in its own zone's wall time
_X = "X-FORUM-BOT-"
_KO = _X + "NAME-KO"  # parameter: a room's or person's Korean name


# Import ------------------------------------------------------------------------------------


@dataclass
class _Ids:
    """Ids handed out so far: sessions, rooms (by location), people (by name)."""

    sessions: set[str] = field(default_factory=set)
    room_ids: set[str] = field(default_factory=set)
    rooms: dict[str, dict[str, Any]] = field(default_factory=dict)
    people_ids: set[str] = field(default_factory=set)
    people: dict[str, dict[str, Any]] = field(default_factory=dict)
    # Session ids our own UIDs carry, once each.
    own_used: set[str] = field(default_factory=set)


def parse_ics(text: str, timezone: str) -> dict[str, Any]:
    """An iCalendar file's events as event-shaped data (see `bot.programme.formats`).

    `timezone` reads floating times when the calendar names no X-WR-TIMEZONE."""
    try:
        cal = icalendar.Calendar.from_ical(text)
    except ValueError as exc:
        raise ImportProblem("(file)", f"is not iCalendar: {exc}") from None
    if not isinstance(cal, icalendar.Calendar) or cal.name != "VCALENDAR":
        raise ImportProblem("(file)", "is not iCalendar: it does not begin with BEGIN:VCALENDAR")
    zone = _calendar_zone(cal, timezone)
    events = [c for c in cal.subcomponents if c.name == "VEVENT"]
    calname = _text(cal.get("X-WR-CALNAME"))
    ids = _Ids()
    _reserve_own_ids(events, ids)
    masters: dict[str, tuple[int, icalendar.Component]] = {}
    overrides: dict[str, list[tuple[int, icalendar.Component]]] = {}
    order: list[tuple[int, icalendar.Component]] = []
    for n, ev in enumerate(events, start=1):
        uid = _text(ev.get("UID"))
        if ev.get("RECURRENCE-ID") is not None and uid:
            overrides.setdefault(uid, []).append((n, ev))
        else:
            if uid:
                masters.setdefault(uid, (n, ev))
            order.append((n, ev))
    sessions: list[dict[str, Any]] = []
    for n, ev in order:
        uid = _text(ev.get("UID"))
        own = overrides.pop(uid, []) if uid and masters.get(uid, (0,))[0] == n else []
        sessions += _sessions_of(n, ev, own, zone, calname, ids)
    # Overrides whose recurring event is not in the file: each is an event of its own.
    for items in overrides.values():
        for n, ev in items:
            sessions += _sessions_of(n, ev, [], zone, calname, ids, orphan=True)
    day_zone = _event_zone(cal, events, zone)
    dates = sorted(
        {datetime.fromisoformat(s["start"]).astimezone(day_zone).date() for s in sessions}
    )
    event: dict[str, Any] = {
        "name": {"en": calname or "Imported calendar"},
        "timezone": day_zone.key,
        "dates": [d.isoformat() for d in dates],
    }
    return {
        "event": event,
        "rooms": list(ids.rooms.values()),
        "people": list(ids.people.values()),
        "sessions": sessions,
    }


def _calendar_zone(cal: icalendar.Component, timezone: str) -> ZoneInfo:
    """The calendar's own zone (X-WR-TIMEZONE) when it names a real one, else `timezone`."""
    for name in (_text(cal.get("X-WR-TIMEZONE")), timezone):
        if name:
            try:
                return ZoneInfo(name)
            except (ZoneInfoNotFoundError, ValueError):
                continue
    raise ImportProblem("(file)", f"unknown time zone {timezone!r}; use an IANA name")


def _event_zone(
    cal: icalendar.Component, events: list[icalendar.Component], zone: ZoneInfo
) -> ZoneInfo:
    """The event's zone: the calendar's X-WR-TIMEZONE, else the IANA zone its first
    zoned event uses (a file of Seoul times is a Seoul event), else `zone`."""
    if cal.get("X-WR-TIMEZONE") is not None:
        return zone
    for ev in events:
        prop = ev.get("DTSTART")
        value = getattr(prop, "dt", None) if not isinstance(prop, list) else None
        key = getattr(getattr(value, "tzinfo", None), "key", None)
        if isinstance(key, str) and key != "UTC":
            return ZoneInfo(key)
    return zone


def _reserve_own_ids(events: list[icalendar.Component], ids: _Ids) -> None:
    """Ids carried by our own X- properties are taken before any id is made up."""
    for ev in events:
        match = _OWN_UID.match(_text(ev.get("UID")))
        if match and ev.get("RECURRENCE-ID") is None and ev.get("RRULE") is None:
            ids.sessions.add(match.group(1))
        loc = ev.get("LOCATION")
        room = str(loc.params.get(_X + "ROOM", "")) if loc is not None else ""
        if _ID.match(room):
            ids.room_ids.add(room)
        for prop in _all(ev, _X + "SPEAKER") + _all(ev, _X + "CHAIR"):
            if _ID.match(str(prop)):
                ids.people_ids.add(str(prop))


def _sessions_of(
    n: int,
    ev: icalendar.Component,
    overrides: list[tuple[int, icalendar.Component]],
    zone: ZoneInfo,
    calname: str,
    ids: _Ids,
    *,
    orphan: bool = False,
) -> list[dict[str, Any]]:
    """The sessions one VEVENT makes: itself, or each occurrence of its recurrence."""
    where = _where(n, ev)
    _check_errors(ev, where)
    if _text(ev.get("STATUS")).upper() == "CANCELLED":
        return []
    uid = _text(ev.get("UID"))
    start, end = _span(ev, where, zone)
    if orphan:
        # A moved occurrence alone: named as its series would have named it.
        rid = _moment(ev, "RECURRENCE-ID", where, zone)
        base = _base_id(uid, ev, recurring=True)
        sid = _unique(f"{base}-{rid.strftime(_LABEL)}", ids.sessions)
        return [_session(sid, ev, where, start, end, calname, ids, zone)]
    rules = _all(ev, "RRULE")
    if not rules and ev.get("RDATE") is None:
        own = _OWN_UID.match(uid)
        if own and own.group(1) not in ids.own_used:
            sid = own.group(1)  # reserved already
            ids.own_used.add(sid)
        else:
            sid = _unique(_base_id(uid, ev, recurring=False), ids.sessions)
        return [_session(sid, ev, where, start, end, calname, ids, zone)]
    moved: dict[datetime, tuple[int, icalendar.Component]] = {}
    for m, over in overrides:
        over_where = _where(m, over)
        _check_errors(over, over_where)
        rid = _moment(over, "RECURRENCE-ID", over_where, zone)
        moved[rid.astimezone(UTC)] = (m, over)
    base = _base_id(uid, ev, recurring=True)
    out = []
    for occurrence in _occurrences(ev, where, start, zone):
        sid = _unique(f"{base}-{occurrence.strftime(_LABEL)}", ids.sessions)
        replaced = moved.pop(occurrence.astimezone(UTC), None)
        if replaced is None:
            out.append(
                _session(sid, ev, where, occurrence, occurrence + (end - start), calname, ids, zone)
            )
            continue
        m, over = replaced
        if _text(over.get("STATUS")).upper() == "CANCELLED":
            continue
        over_where = _where(m, over)
        o_start, o_end = _span(over, over_where, zone, fallback=(occurrence, end - start))
        out.append(_session(sid, over, over_where, o_start, o_end, calname, ids, zone, ev))
    for rid, (m, over) in sorted(moved.items()):
        # An override of no occurrence (its date is excluded, or not in the rule): keep it.
        over_where = _where(m, over)
        if _text(over.get("STATUS")).upper() == "CANCELLED":
            continue
        o_start, o_end = _span(over, over_where, zone, fallback=(rid, end - start))
        local = _moment(over, "RECURRENCE-ID", over_where, zone)
        sid = _unique(f"{base}-{local.strftime(_LABEL)}", ids.sessions)
        out.append(_session(sid, over, over_where, o_start, o_end, calname, ids, zone, ev))
    return out


def _where(n: int, ev: icalendar.Component) -> str:
    uid = _text(ev.get("UID"))
    return f"VEVENT {n} (UID {uid})" if uid else f"VEVENT {n}"


def _check_errors(ev: icalendar.Component, where: str) -> None:
    """A property the import reads that the parser could not read is refused, with why."""
    for name, message in getattr(ev, "errors", ()):
        if name in _READ:
            raise ImportProblem(where, f"cannot read {name}: {message}")


def _span(
    ev: icalendar.Component,
    where: str,
    zone: ZoneInfo,
    *,
    fallback: tuple[datetime, timedelta] | None = None,
) -> tuple[datetime, datetime]:
    """Start and end of a VEVENT, aware; `fallback` (start, length) serves an override
    that leaves them out."""
    if ev.get("DTSTART") is None and fallback is not None:
        start = fallback[0]
    else:
        start = _moment(ev, "DTSTART", where, zone)
    if ev.get("DTEND") is not None:
        end = _moment(ev, "DTEND", where, zone)
    elif ev.get("DURATION") is not None:
        prop: Any = ev["DURATION"]
        length = prop.dt
        if not isinstance(length, timedelta):
            raise ImportProblem(where, f"DURATION {length!r} is not a length of time")
        end = start + length
    elif fallback is not None:
        end = start + fallback[1]
    else:
        raise ImportProblem(
            where, "has neither DTEND nor DURATION: a programme item needs an end time"
        )
    if end <= start:
        raise ImportProblem(
            where,
            f"ends ({end:%Y-%m-%d %H:%M %Z}) before it starts ({start:%Y-%m-%d %H:%M %Z})"
            if end < start
            else f"ends when it starts ({start:%Y-%m-%d %H:%M %Z})",
        )
    return start, end


def _moment(ev: icalendar.Component, name: str, where: str, zone: ZoneInfo) -> datetime:
    """A date-time property as an aware datetime; floating times are read in `zone`."""
    prop = ev.get(name)
    if prop is None:
        if name == "DTSTART":
            raise ImportProblem(where, "has no DTSTART: a programme item needs a start time")
        raise ImportProblem(where, f"has no {name}")
    if isinstance(prop, list):
        raise ImportProblem(where, f"has {len(prop)} {name} properties; it may have one")
    return _aware(prop.dt, prop.params, name, where, zone)


def _aware(value: Any, params: Mapping[str, Any], name: str, where: str, zone: tzinfo) -> datetime:
    """A parsed date-time as an aware datetime, or why it cannot be one."""
    if isinstance(value, tuple):  # a PERIOD (RDATE): its start
        value = value[0]
    if not isinstance(value, datetime):
        if isinstance(value, date):
            raise ImportProblem(
                where,
                f"is an all-day event ({name} is the date {value.isoformat()}): "
                "a programme item needs a start and end time",
            )
        raise ImportProblem(where, f"{name} is not a date and time")
    if value.tzinfo is None:
        tzid = params.get("TZID")
        if tzid:
            raise ImportProblem(
                where,
                f"{name} has unknown TZID {tzid!r}: the file has no VTIMEZONE for it and "
                "it is not a known zone name such as Asia/Seoul",
            )
        value = value.replace(tzinfo=zone)
    moment: datetime = value
    return moment


def _occurrences(
    ev: icalendar.Component, where: str, start: datetime, zone: ZoneInfo
) -> list[datetime]:
    """Every start of a recurring VEVENT (RRULE, RDATE, less EXDATE), at most 500."""
    tz = start.tzinfo or zone
    rules = _all(ev, "RRULE")
    found = rruleset()
    found.rdate(start)  # DTSTART is always the first instance (RFC 5545 3.8.5.3)
    for rule in rules:
        text = _rule_text(rule)
        if "COUNT" not in rule and "UNTIL" not in rule:
            raise ImportProblem(
                where,
                f"RRULE {text} has no COUNT or UNTIL: it repeats for ever; "
                f"give a COUNT (at most {MAX_OCCURRENCES}) or an UNTIL",
            )
        count = rule.get("COUNT", [0])[0]
        if int(count) > MAX_OCCURRENCES:
            raise ImportProblem(
                where, f"RRULE {text} makes {count} occurrences; at most {MAX_OCCURRENCES}"
            )
        if "UNTIL" in rule:
            rule = icalendar.vRecur(rule)
            rule["UNTIL"] = [_until(rule["UNTIL"][0], tz)]
            text = _rule_text(rule)
        try:
            found.rrule(rrulestr(text, dtstart=start))
        except (ValueError, TypeError) as exc:
            raise ImportProblem(where, f"cannot read RRULE {text}: {exc}") from None
    excluded_days: set[date] = set()
    for prop in _all(ev, "RDATE"):
        for item in prop.dts:
            value = item.dt
            if isinstance(value, date) and not isinstance(value, datetime):
                value = datetime.combine(value, start.timetz())
            found.rdate(_aware(value, prop.params, "RDATE", where, tz))
    for prop in _all(ev, "EXDATE"):
        for item in prop.dts:
            value = item.dt
            if isinstance(value, date) and not isinstance(value, datetime):
                excluded_days.add(value)
                continue
            found.exdate(_aware(value, prop.params, "EXDATE", where, tz))
    times = list(itertools.islice(iter(found), MAX_OCCURRENCES + 1))
    if len(times) > MAX_OCCURRENCES:
        raise ImportProblem(
            where, f"its recurrence makes more than {MAX_OCCURRENCES} occurrences; shorten it"
        )
    return [t for t in times if t.astimezone(tz).date() not in excluded_days]


def _rule_text(rule: Any) -> str:
    text: bytes = rule.to_ical()
    return text.decode()


def _until(value: date, tz: tzinfo) -> datetime:
    """An RRULE's UNTIL as UTC, which dateutil needs when DTSTART has a zone; a date
    (or a floating time) is read in DTSTART's zone."""
    if not isinstance(value, datetime):
        value = datetime.combine(value, time(23, 59, 59))
    if value.tzinfo is None:
        value = value.replace(tzinfo=tz)
    return value.astimezone(UTC)


def _base_id(uid: str, ev: icalendar.Component, *, recurring: bool) -> str:
    """The id part a UID gives (before "@"); a recurring one leaves room for its suffix."""
    own = _OWN_UID.match(uid)
    base = own.group(1) if own else slug(uid.split("@")[0] or _text(ev.get("SUMMARY")))
    return base[: 64 - len("-yyyymmdd-hhmm")].strip("-") if recurring else base


def _unique(wanted: str, taken: set[str]) -> str:
    """`wanted`, or `wanted-2`, `-3`... (within 64 characters) when taken; now taken."""
    found, n = wanted[:64], 2
    while found in taken:
        suffix = f"-{n}"
        found, n = wanted[: 64 - len(suffix)] + suffix, n + 1
    taken.add(found)
    return found


def _session(
    sid: str,
    ev: icalendar.Component,
    where: str,
    start: datetime,
    end: datetime,
    calname: str,
    ids: _Ids,
    zone: ZoneInfo,
    master: icalendar.Component | None = None,
) -> dict[str, Any]:
    """One session's data from a VEVENT (an override falls back on its master's fields)."""

    def get(name: str) -> Any:
        value = ev.get(name)
        return master.get(name) if value is None and master is not None else value

    summary = _text(get("SUMMARY")).strip()
    if not summary:
        raise ImportProblem(where, "has no SUMMARY: a programme item needs a title")
    title: dict[str, str] = {"en": summary}
    title_ko = _text(get(_X + "TITLE-KO"))
    if title_ko:
        title = {"en": summary.removesuffix(f" / {title_ko}") or summary, "ko": title_ko}
    session: dict[str, Any] = {
        "id": sid,
        "title": title,
        "start": start.astimezone(zone).isoformat(),
        "end": end.astimezone(zone).isoformat(),
    }
    room = _room(get("LOCATION"), ids)
    if room:
        session["room"] = room
    kind = _text(get(_X + "KIND"))
    cats = [str(c) for prop in _list(get("CATEGORIES")) for c in prop.cats if str(c).strip()]
    if kind:  # our own export: the kind and track are said apart
        session["kind"] = kind
        track = _text(get(_X + "TRACK"))
    else:
        track = cats[0].strip() if cats else ""
    if track:
        session["track"] = track
    speakers, chairs = _people(get, calname, ids)
    if speakers:
        session["speakers"] = speakers
    if chairs:
        session["chairs"] = chairs
    abstract = {
        lang: text
        for lang, text in (
            ("en", _text(get(_X + "ABSTRACT-EN")) or _text(get("DESCRIPTION")).strip()),
            ("ko", _text(get(_X + "ABSTRACT-KO"))),
        )
        if text
    }
    if "en" in abstract:
        session["abstract"] = abstract
    url = _text(get("URL")).strip()
    if re.fullmatch(r"https?://\S+", url) and len(url) <= 500:
        session["url"] = url
    return session


def _room(prop: Any, ids: _Ids) -> str | None:
    """The room a LOCATION names: one room per distinct location."""
    if isinstance(prop, list):
        prop = prop[0] if prop else None
    name = _text(prop).strip()
    if prop is None or not name:
        return None
    key = name.casefold()
    if key in ids.rooms:
        return str(ids.rooms[key]["id"])
    given = str(prop.params.get(_X + "ROOM", ""))
    room_id = given if _ID.match(given) else slug(name, ids.room_ids)
    ids.room_ids.add(room_id)
    room: dict[str, Any] = {"id": room_id, "name": _names(name, prop.params)}
    ids.rooms[key] = room
    return room_id


def _people(get: Any, calname: str, ids: _Ids) -> tuple[list[str], list[str]]:
    """Speakers and chairs: ours (X-FORUM-BOT-SPEAKER/CHAIR) or ATTENDEE and ORGANIZER."""
    speakers: list[str] = []
    chairs: list[str] = []
    own = [(p, speakers) for p in _list(get(_X + "SPEAKER"))]
    own += [(p, chairs) for p in _list(get(_X + "CHAIR"))]
    if own:
        for prop, bucket in own:
            pid = str(prop)
            name = str(prop.params.get("CN", "")) or pid
            if _ID.match(pid):
                _person(pid, name, prop.params, ids)
                bucket.append(pid)
        return speakers, chairs
    for prop in [*_list(get("ORGANIZER")), *_list(get("ATTENDEE"))]:
        params = prop.params
        if str(params.get("CUTYPE", "")).upper() in ("ROOM", "RESOURCE"):
            continue
        name = str(params.get("CN", "")).strip() or str(prop).removeprefix("mailto:").strip()
        # Google's exports name the calendar itself as every event's ORGANIZER.
        if not name or (name == calname and prop.name == "ORGANIZER"):
            continue
        pid = _person(None, name, params, ids)
        bucket = chairs if str(params.get("ROLE", "")).upper() == "CHAIR" else speakers
        if pid not in speakers and pid not in chairs:
            bucket.append(pid)
    return speakers, chairs


def _person(pid: str | None, name: str, params: Mapping[str, Any], ids: _Ids) -> str:
    """The person's id: one per distinct name."""
    key = pid or name.casefold()
    if key not in ids.people:
        found = pid or slug(name, ids.people_ids)
        ids.people_ids.add(found)
        ids.people[key] = {"id": found, "name": _names(name, params)}
    return str(ids.people[key]["id"])


def _names(en: str, params: Mapping[str, Any]) -> dict[str, str]:
    ko = str(params.get(_KO, ""))
    return {"en": en, "ko": ko} if ko else {"en": en}


def _all(ev: icalendar.Component, name: str) -> list[Any]:
    return _list(ev.get(name))


def _list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def _text(value: Any) -> str:
    if isinstance(value, list):
        value = value[0] if value else None
    return "" if value is None else str(value)


# Export ------------------------------------------------------------------------------------


def uid_of(agenda: Agenda, session_id: str) -> str:
    """The session's UID: the same in every export, so calendars update, not duplicate."""
    return f"{session_id}@{slug(agenda.event.name.en)}.{UID_DOMAIN}"


def to_ics(
    agenda: Agenda,
    sessions: Sequence[Session],
    *,
    sequences: Mapping[str, int],
    now: datetime,
    calendar_name: str,
    alarms: Mapping[str, int] | None = None,
    refresh: timedelta | None = None,
    made: MutableMapping[str, bytes] | None = None,
) -> bytes:
    """An iCalendar file of `sessions` (METHOD:PUBLISH), times in the event's zone.

    `alarms` maps a session's id to minutes before its start: a VALARM for one person's
    calendar (their /remind offsets); a file for everyone carries none. `refresh` makes
    it a feed: how often a subscribed calendar should fetch it again (RFC 7986
    REFRESH-INTERVAL, and X-PUBLISHED-TTL, which Outlook and Apple read).

    `made` keeps each session's VEVENT without an alarm as written, by session id, for
    the next file of the same agenda and SEQUENCE numbers (the caller's to drop when they
    change): writing a VEVENT is most of a file's cost, a few milliseconds each, and a
    feed of the whole programme per person would write every one again."""
    zone = agenda.event.timezone
    cal = icalendar.Calendar()
    cal.add("prodid", f"-//forum-bot//forum-bot {__version__}//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", calendar_name)
    cal.add("x-wr-timezone", zone.key)
    if refresh is not None:
        # RFC 7986 5.7: VALUE=DURATION is required on this property.
        cal.add("refresh-interval", refresh, parameters={"VALUE": "DURATION"})
        cal.add("x-published-ttl", icalendar.vDuration(refresh))
    days = [s.start.astimezone(zone).date() for s in sessions] or list(agenda.days)
    if days:
        # Every time is in the event's zone: its rules for the years the programme covers,
        # a short VTIMEZONE (and one even in a file of no session, as RFC 5545 wants a
        # calendar to hold a component).
        cal.add_component(_timezone(zone.key, min(days).year, max(days).year + 1))
    stamp = now.astimezone(UTC)
    made = {} if made is None else made
    events: list[bytes] = []
    for s in sessions:
        minutes = alarms.get(s.id) if alarms else None
        written = made.get(s.id) if minutes is None else None
        if written is None:
            ev = _vevent(agenda, s, sequences.get(s.id, 0), stamp)
            if minutes is not None:
                ev.add_component(_alarm(ev, minutes))
            written = ev.to_ical()
            if minutes is None:
                made[s.id] = written
        events.append(written)
    # The calendar as icalendar writes it whole, its VEVENTs (each written by icalendar
    # too) after its properties and zone, in order.
    whole: bytes = cal.to_ical()
    end = b"END:VCALENDAR\r\n"
    if not whole.endswith(end):
        raise ValueError("icalendar wrote a calendar that does not end with END:VCALENDAR")
    return whole[: -len(end)] + b"".join(events) + end


@functools.lru_cache(maxsize=16)
def _timezone(key: str, first_year: int, last_year: int) -> icalendar.Timezone:
    """A zone's VTIMEZONE from 1 January `first_year` to 1 January `last_year`: tens of
    milliseconds to work out, the same for every file (and never changed once made)."""
    return icalendar.Timezone.from_tzid(
        key, first_date=date(first_year, 1, 1), last_date=date(last_year, 1, 1)
    )


def _vevent(agenda: Agenda, s: Session, sequence: int, stamp: datetime) -> icalendar.Event:
    zone = agenda.event.timezone
    ev = icalendar.Event()
    ev.add("uid", uid_of(agenda, s.id))
    ev.add("dtstamp", stamp)
    ev.add("sequence", sequence)
    ev.add("dtstart", s.start.astimezone(zone))
    ev.add("dtend", s.end.astimezone(zone))
    ko = s.title.ko if s.title.ko and s.title.ko != s.title.en else ""
    ev.add("summary", f"{s.title.en} / {ko}" if ko else s.title.en)
    description = _description(agenda, s)
    if description:
        ev.add("description", description)
    room = agenda.rooms.get(s.room or "")
    if room is not None:
        params = {_X + "ROOM": room.id}
        if room.name.ko and room.name.ko != room.name.en:
            params[_KO] = room.name.ko
        ev.add("location", room.name.en, parameters=params)
    if s.url:
        ev.add("url", s.url)
    ev.add("categories", [c for c in (s.track, s.kind) if c])
    # Ours alone (calendar apps ignore X- properties): the import reads them back.
    ev.add(_X + "KIND", s.kind)
    if s.track:
        ev.add(_X + "TRACK", s.track)
    if ko:
        ev.add(_X + "TITLE-KO", ko)
    if s.abstract.en:
        ev.add(_X + "ABSTRACT-EN", s.abstract.en)
    if s.abstract.ko and s.abstract.ko != s.abstract.en:
        ev.add(_X + "ABSTRACT-KO", s.abstract.ko)
    for prop, ids in ((_X + "SPEAKER", s.speakers), (_X + "CHAIR", s.chairs)):
        for person in agenda.people_named(ids):
            params = {"CN": person.name.en}
            if person.name.ko and person.name.ko != person.name.en:
                params[_KO] = person.name.ko
            ev.add(prop, person.id, parameters=params)
    return ev


def _alarm(ev: icalendar.Event, minutes: int) -> icalendar.Alarm:
    """A display alarm `minutes` before the event starts (RFC 5545 3.6.6)."""
    alarm = icalendar.Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", str(ev["summary"]))
    alarm.add("trigger", -timedelta(minutes=minutes))
    return alarm


def _description(agenda: Agenda, s: Session) -> str:
    """What a calendar app shows under the title: the abstract, then who speaks and chairs."""
    parts = [s.abstract.en]
    if s.abstract.ko and s.abstract.ko != s.abstract.en:
        parts.append(s.abstract.ko)
    for label, ids in (("Speakers / 연사", s.speakers), ("Chairs / 좌장", s.chairs)):
        people = agenda.people_named(ids)
        if people:
            parts.append(f"{label}: " + "; ".join(_person_text(p) for p in people))
    return "\n\n".join(p for p in parts if p)


def _person_text(p: Any) -> str:
    name = p.name.en
    if p.name.ko and p.name.ko != p.name.en:
        name += f" ({p.name.ko})"
    return f"{name}, {p.affiliation.en}" if p.affiliation.en else name
