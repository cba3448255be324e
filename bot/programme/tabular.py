"""A programme as a spreadsheet: CSV in and out.

The first row names the columns (any case, any order; spaces count as `_`). Columns:

    column          required  what
    title           yes       the English title (also `title_en`)
    title_ko                  the Korean title
    start           yes       `2026-02-05 13:00` in the event's zone, or ISO 8601 with an
                              offset (`2026-02-05T13:00+09:00`)
    end             or        the same, or only a time (`14:30`) on the start's day
    duration        this      minutes (`90`) or hours and minutes (`1:30`)
    id                        the session's id (`a-z0-9-`); else a slug of the title
    room                      the room's name; rows with the same name share the room
    room_id                   the room's id (what `platforms.*.rooms` maps to channels);
                              else a slug of the name
    room_ko                   the room's Korean name
    speakers                  names separated by `;` (a person's id is a slug of the name)
    chairs                    the same, for chairs
    kind                      `talk` when empty (`break`, `panel`, `dialogue`, ...)
    track                     a track's name
    qa                        `yes` for live Q&A (`no`, `true`/`false`, `1`/`0` too)
    reminders                 minutes before start, separated by `;` (`15; 0`), or `none`;
                              empty: the event's default
    description               the English abstract (also `abstract`)
    description_ko            the Korean abstract (also `abstract_ko`)
    url                       a page about the session (http or https)

Cells are separated by commas, or by semicolons or tabs (found from the header row). A
refusal names the spreadsheet's row: the header is row 1. The file is UTF-8 (a
spreadsheet's "CSV UTF-8"; the byte-order mark is fine).

Not in these columns, so not kept by an export and import: people's Korean names and
affiliations, a person's id that is not the slug of their English name, and a session's
`qa_moderated` (the kind's default applies).
"""

from __future__ import annotations

import csv
import difflib
import io
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.programme.importing import ImportProblem, slug
from bot.programme.model import Agenda, Session

COLUMNS = (
    "id",
    "title",
    "title_ko",
    "start",
    "end",
    "duration",
    "room_id",
    "room",
    "room_ko",
    "speakers",
    "chairs",
    "kind",
    "track",
    "qa",
    "reminders",
    "description",
    "description_ko",
    "url",
)
ALIASES = {
    "title_en": "title",
    "abstract": "description",
    "abstract_en": "description",
    "description_en": "description",
    "abstract_ko": "description_ko",
}
# What to_csv writes: every column but duration (end says it).
EXPORTED = tuple(c for c in COLUMNS if c != "duration")

_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
_DATE_ONLY = re.compile(r"^\d{4}-?\d{2}-?\d{2}$")
_CLOCK = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?$")
_YES = {"yes", "y", "true", "1", "예", "o"}
_NO = {"no", "n", "false", "0", "아니오", "x", ""}
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


# Reading ----------------------------------------------------------------------------------


@dataclass
class _Row:
    number: int
    cells: dict[str, str]

    def get(self, column: str) -> str:
        return self.cells.get(column, "")

    def problem(self, message: str) -> ImportProblem:
        return ImportProblem(f"row {self.number}", message)


def parse_csv(text: str, timezone: str) -> dict[str, Any]:
    """A CSV programme as event-shaped data (rooms, people, sessions); raises ImportProblem.

    `timezone` is the zone of times written without an offset."""
    try:
        zone = ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ImportProblem(
            "(file)", f"unknown time zone {timezone!r}; use an IANA name such as Asia/Seoul"
        ) from None
    rows = _rows(text.removeprefix("\ufeff"))
    return _Builder(zone).build(rows)


def _rows(text: str) -> list[_Row]:
    header_line = text.split("\n", 1)[0]
    delimiter = ","
    if ";" in header_line or "\t" in header_line:
        try:
            delimiter = csv.Sniffer().sniff(header_line, delimiters=",;\t").delimiter
        except csv.Error:  # no clear winner: the most frequent
            delimiter = max(",;\t", key=header_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    records: list[list[str]] = []
    try:
        records.extend(reader)
    except csv.Error as exc:
        raise ImportProblem(f"row {len(records) + 1}", f"is not readable as CSV: {exc}") from None
    if not records or not any(c.strip() for c in records[0]):
        raise ImportProblem("row 1", "the first row must name the columns: " + _listing())
    columns = _header(records[0])
    rows = []
    for number, record in enumerate(records[1:], start=2):
        if not any(c.strip() for c in record):
            continue  # a blank row
        cells: dict[str, str] = {}
        for i, value in enumerate(record):
            value = _unescape(value.replace("\r\n", "\n").strip())
            name = columns[i] if i < len(columns) else None
            if name:
                cells[name] = value
            elif value:
                raise ImportProblem(
                    f"row {number}",
                    f"column {_letter(i)} holds {value[:40]!r} but the header row names no "
                    "column there",
                )
        rows.append(_Row(number, cells))
    if not rows:
        raise ImportProblem("row 2", "no sessions: the file has a header row only")
    return rows


def _header(record: list[str]) -> list[str | None]:
    columns: list[str | None] = []
    seen: dict[str, int] = {}
    for i, raw in enumerate(record):
        name = re.sub(r"[\s-]+", "_", raw.strip().lower())
        if not name:
            columns.append(None)
            continue
        name = ALIASES.get(name, name)
        if name not in COLUMNS:
            close = difflib.get_close_matches(name, (*COLUMNS, *ALIASES), n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            raise ImportProblem(
                "row 1",
                f"unknown column {raw.strip()!r} (column {_letter(i)}, a typo?); {hint}"
                f"the columns are {_listing()}",
            )
        if name in seen:
            raise ImportProblem(
                "row 1",
                f"column {name!r} appears twice (columns {_letter(seen[name])} and {_letter(i)})",
            )
        seen[name] = i
        columns.append(name)
    for needed in ("title", "start"):
        if needed not in seen:
            raise ImportProblem("row 1", f"missing column {needed!r}; the columns are {_listing()}")
    if "end" not in seen and "duration" not in seen:
        raise ImportProblem("row 1", "missing column 'end' or 'duration': one says how long")
    return columns


def _listing() -> str:
    return ", ".join(COLUMNS)


def _letter(index: int) -> str:
    """A spreadsheet's column letter: 0 -> A, 26 -> AA."""
    out = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        out = chr(ord("A") + rest) + out
    return out


def _unescape(value: str) -> str:
    """A cell our export kept from running as a formula ('=...) reads back as it was."""
    if value.startswith("'") and value[1:2] in _FORMULA and value[1:2]:
        return value[1:]
    return value


class _Builder:
    def __init__(self, zone: ZoneInfo) -> None:
        self.zone = zone
        self.rooms: dict[str, dict[str, Any]] = {}  # id -> room
        self.room_rows: dict[str, int] = {}  # id -> the row that named it
        self.room_by_name: dict[str, str] = {}  # name -> id
        self.room_ids: set[str] = set()
        self.people: dict[str, dict[str, Any]] = {}  # name -> person
        self.people_ids: set[str] = set()

    def build(self, rows: list[_Row]) -> dict[str, Any]:
        given: dict[str, int] = {}
        for row in rows:
            sid = row.get("id")
            if not sid:
                continue
            if not _ID.match(sid):
                raise row.problem(
                    f"id {sid!r} may hold only lower-case letters, digits and '-' (up to 64)"
                )
            if sid in given:
                raise row.problem(f"id {sid!r} is already used in row {given[sid]}")
            given[sid] = row.number
        for row in rows:  # rooms with an id first: a row naming only the room finds it
            if row.get("room_id"):
                self._room(row)
        taken = set(given)
        sessions = [self._session(row, taken) for row in rows]
        return {
            "rooms": list(self.rooms.values()),
            "people": list(self.people.values()),
            "sessions": sessions,
        }

    def _session(self, row: _Row, taken: set[str]) -> dict[str, Any]:
        title = row.get("title")
        if not title:
            raise row.problem("missing value in column 'title'")
        sid = row.get("id") or slug(title, taken)
        start = self._moment(row, "start")
        end = self._end(row, start)
        session: dict[str, Any] = {
            "id": sid,
            "title": _text2(title, row.get("title_ko")),
            "start": start.isoformat(),
            "end": end.isoformat(),
            "kind": (row.get("kind") or "talk").lower(),
            "speakers": self._people(row.get("speakers")),
        }
        room = self._room(row)
        if room:
            session["room"] = room
        chairs = self._people(row.get("chairs"))
        if chairs:
            session["chairs"] = chairs
        description, description_ko = row.get("description"), row.get("description_ko")
        if description or description_ko:
            session["abstract"] = _text2(description or description_ko, description_ko)
        if row.get("track"):
            session["track"] = row.get("track")
        url = row.get("url")
        if url:
            if not re.match(r"^https?://\S+$", url):
                raise row.problem(f"url {url!r} is not an http(s) address")
            session["url"] = url
        qa = row.get("qa").lower()
        if qa not in _YES | _NO:
            raise row.problem(f"qa is {row.get('qa')!r}; write yes or no")
        if qa in _YES:
            session["qa"] = True
        if row.get("reminders"):
            session["reminders"] = _minutes_list(row)
        return session

    def _moment(self, row: _Row, column: str) -> datetime:
        value = row.get(column)
        if not value:
            raise row.problem(f"missing value in column {column!r}")
        try:
            if _DATE_ONLY.match(value):
                raise ValueError("a date without a time")
            moment = datetime.fromisoformat(value)
        except ValueError:
            raise row.problem(
                f"{column} {value!r} is not a date and time like 2026-02-05 13:00"
            ) from None
        return moment if moment.tzinfo else moment.replace(tzinfo=self.zone)

    def _end(self, row: _Row, start: datetime) -> datetime:
        end: datetime | None = None
        value = row.get("end")
        if value:
            clock = _CLOCK.match(value)
            if clock:  # a time on the start's day
                hours, minutes, seconds = (int(g or 0) for g in clock.groups())
                if hours > 23 or minutes > 59 or seconds > 59:
                    raise row.problem(f"end {value!r} is not a time of day")
                end = start.replace(hour=hours, minute=minutes, second=seconds, microsecond=0)
            else:
                end = self._moment(row, "end")
        length = _duration(row) if row.get("duration") else None
        if end is None and length is None:
            raise row.problem("missing value in column 'end' or 'duration'")
        if end is None:
            assert length is not None
            end = start + length
        elif length is not None and end - start != length:
            raise row.problem(
                f"end {value} is {_minutes(end - start)} minutes after the start, "
                f"but the duration says {_minutes(length)}"
            )
        if end <= start:
            raise row.problem(
                f"ends ({end.astimezone(self.zone):%Y-%m-%d %H:%M}) before it starts "
                f"({start.astimezone(self.zone):%Y-%m-%d %H:%M})"
            )
        return end

    def _room(self, row: _Row) -> str | None:
        name, room_id, name_ko = row.get("room"), row.get("room_id"), row.get("room_ko")
        if not name and not room_id:
            if name_ko:
                raise row.problem("room_ko without a room: give the room's name too")
            return None
        if room_id:
            if not _ID.match(room_id):
                raise row.problem(
                    f"room_id {room_id!r} may hold only lower-case letters, digits and '-'"
                )
        elif name in self.room_by_name:
            room_id = self.room_by_name[name]
        else:
            room_id = slug(name, self.room_ids)
        known = self.rooms.get(room_id)
        if known is None:
            self.room_ids.add(room_id)
            self.room_by_name.setdefault(name or room_id, room_id)
            self.rooms[room_id] = {"id": room_id, "name": _text2(name or room_id, name_ko)}
            self.room_rows[room_id] = row.number
            return room_id
        first = self.room_rows[room_id]
        if name and name != known["name"]["en"]:
            raise row.problem(
                f"room {room_id!r} is called {known['name']['en']!r} in row {first}, not {name!r}"
            )
        if name_ko:
            if known["name"].get("ko", name_ko) != name_ko:
                raise row.problem(
                    f"room {room_id!r} is {known['name']['ko']!r} in Korean in row {first}, "
                    f"not {name_ko!r}"
                )
            known["name"]["ko"] = name_ko
        return room_id

    def _people(self, cell: str) -> list[str]:
        ids: list[str] = []
        for raw in cell.split(";"):
            name = raw.strip()
            if not name:
                continue
            person = self.people.get(name)
            if person is None:
                person = {"id": slug(name, self.people_ids), "name": {"en": name}}
                self.people[name] = person
            if person["id"] not in ids:
                ids.append(person["id"])
        return ids


def _text2(en: str, ko: str) -> dict[str, str]:
    return {"en": en, "ko": ko} if ko else {"en": en}


def _duration(row: _Row) -> timedelta:
    value = row.get("duration")
    clock = _CLOCK.match(value)
    if value.isdigit():
        length = timedelta(minutes=int(value))
    elif clock and int(clock.group(2)) < 60 and not clock.group(3):
        length = timedelta(hours=int(clock.group(1)), minutes=int(clock.group(2)))
    else:
        raise row.problem(f"duration {value!r} is not minutes (90) or hours and minutes (1:30)")
    if not length:
        raise row.problem("duration is 0: a session lasts more than no time")
    return length


def _minutes_list(row: _Row) -> list[int]:
    if row.get("reminders").lower() == "none":
        return []
    out = []
    for part in row.get("reminders").split(";"):
        part = part.strip()
        if not part:
            continue
        if not part.isdigit():
            raise row.problem(
                f"reminders {row.get('reminders')!r}: minutes before start, like 15; 0"
            )
        out.append(int(part))
    return out


def _minutes(length: timedelta) -> int:
    return int(length.total_seconds() // 60)


# Writing ----------------------------------------------------------------------------------


def to_csv(agenda: Agenda) -> str:
    """The programme in the columns `parse_csv` reads (times with the event's offset)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(EXPORTED)
    for s in agenda.sessions:
        writer.writerow([_cell(v) for v in _row(agenda, s)])
    return out.getvalue()


def _row(agenda: Agenda, s: Session) -> list[str]:
    room = agenda.rooms.get(s.room or "")
    zone = agenda.event.timezone
    values = {
        "id": s.id,
        "title": s.title.en,
        "title_ko": s.title.ko,
        "start": _when(s.start.astimezone(zone)),
        "end": _when(s.end.astimezone(zone)),
        "room_id": s.room or "",
        "room": room.name.en if room else "",
        "room_ko": room.name.ko if room else "",
        "speakers": "; ".join(agenda.people[p].name.en for p in s.speakers if p in agenda.people),
        "chairs": "; ".join(agenda.people[p].name.en for p in s.chairs if p in agenda.people),
        "kind": s.kind,
        "track": s.track or "",
        "qa": "yes" if s.qa else "",
        "reminders": _reminders(s.reminders),
        "description": s.abstract.en,
        "description_ko": s.abstract.ko,
        "url": s.url or "",
    }
    return [values[c] for c in EXPORTED]


def _reminders(offsets: tuple[int, ...] | None) -> str:
    if offsets is None:
        return ""
    return "; ".join(str(m) for m in offsets) if offsets else "none"


def _when(moment: datetime) -> str:
    return moment.isoformat(sep=" ", timespec="seconds" if moment.second else "minutes")


def _cell(text: str) -> str:
    """A spreadsheet runs a cell starting with = + - @ as a formula: keep it text."""
    return "'" + text if text[:1] in _FORMULA else text
