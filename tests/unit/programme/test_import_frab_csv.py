"""Programmes in frab/pretalx JSON and XML and in CSV: imported into a validated event,
exported and imported back as the same programme, and refused, with the row or element and
the reason, when a file is broken."""

from __future__ import annotations

import csv
import importlib.util
import io
import json
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.programme import formats, importing
from bot.programme.building import build_agenda
from bot.programme.frab import META_KEY, parse_frab_json, parse_frab_xml, to_frab_json
from bot.programme.model import Agenda, Session
from bot.programme.tabular import COLUMNS, parse_csv, to_csv
from bot.settings import ConfigError, EventConfig, Problem, Text2, validate_event

DATA = Path(__file__).resolve().parents[2] / "data"
BERLIN = ZoneInfo("Europe/Berlin")
SEOUL = ZoneInfo("Asia/Seoul")


def load(raw: bytes, source: str, fmt: str, base: dict[str, Any] | None = None) -> EventConfig:
    """formats.load; until bot/programme/ical.py (written alongside) exists, the same steps
    by hand: formats.load imports every format's module."""
    if importlib.util.find_spec("bot.programme.ical") is not None:
        return formats.load(raw, source, fmt, base=base)
    zone = str(((base or {}).get("event") or {}).get("timezone") or "UTC")
    parse: Callable[[str], dict[str, Any]] = {
        "frab-json": lambda text: parse_frab_json(text),
        "frab-xml": lambda text: parse_frab_xml(text),
        "csv": lambda text: parse_csv(text, zone),
    }[fmt]
    try:
        imported = parse(importing.read_text(raw))
    except importing.ImportProblem as exc:
        raise ConfigError(source, [Problem(exc.where, exc.message)]) from None
    return validate_event(formats.merge(base, imported), source)


def refusal(raw: bytes, fmt: str, base: dict[str, Any] | None = None) -> list[Problem]:
    with pytest.raises(ConfigError) as caught:
        load(raw, "programme", fmt, base)
    return caught.value.problems


def only(problems: list[Problem]) -> Problem:
    assert len(problems) == 1, problems
    return problems[0]


@pytest.fixture(scope="module")
def base(event_config: EventConfig) -> dict[str, Any]:
    """The sample event as data: what an import merges its programme into."""
    return formats.config_data(event_config)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def by_id(config: EventConfig) -> dict[str, Any]:
    return {s.id: s for s in config.sessions}


# The samples ------------------------------------------------------------------------------


def test_frab_json_sample_is_the_programme() -> None:
    config = load((DATA / "frab-schedule.json").read_bytes(), "schedule.json", "frab-json")
    assert config.event.name.en == "Battery Materials Workshop 2026"
    assert config.event.timezone == "Europe/Berlin"
    assert [d.isoformat() for d in config.event.dates] == ["2026-03-10", "2026-03-11"]
    assert [(r.id, r.name.en) for r in config.rooms] == [
        ("hall-a", "Hall A"),
        ("seminar-room-1", "Seminar Room 1"),
    ]
    # Ada speaks twice (one guid), Kim twice (frab's integer id and public_name): once each.
    assert [(p.id, p.name.en) for p in config.people] == [
        ("ada-lovelace", "Ada Lovelace"),
        ("kim-min-jun", "Kim Min-jun"),
    ]
    sessions = by_id(config)
    assert list(sessions) == [
        "bmw2026-101-opening-keynote",
        "bmw2026-102-solid-state-future",
        "electrolyte-additives-hands-on",  # no slug: a slug of the title
        "bmw2026-104-closing",
    ]
    keynote = sessions["bmw2026-101-opening-keynote"]
    assert keynote.title.en == "Opening Keynote: Where Batteries Go Next"
    assert keynote.start == at("2026-03-10T09:30:00+01:00")
    assert keynote.end == at("2026-03-10T10:15:00+01:00")
    assert keynote.start.utcoffset() == at("2026-03-10T09:30+01:00").utcoffset()
    assert keynote.room == "hall-a" and keynote.kind == "talk" and keynote.track == "Plenary"
    assert keynote.speakers == ["ada-lovelace"]
    assert keynote.url == "https://pretalx.example.org/bmw2026/talk/KEY101/"
    assert keynote.abstract is not None
    assert keynote.abstract.en == "A tour of the field, from cathodes to cells."
    korean = sessions["bmw2026-102-solid-state-future"]
    assert korean.title.en == "전고체 전지의 미래"
    assert korean.end - korean.start == at("2026-01-01T01:00").replace() - at("2026-01-01T00:00")
    assert korean.kind == "panel" and korean.speakers == ["ada-lovelace", "kim-min-jun"]
    assert korean.abstract is not None
    assert korean.abstract.en == "전고체 전지의 상용화를 두고 나누는 토론."  # the description
    hands_on = sessions["electrolyte-additives-hands-on"]
    # Given in UTC, the same moment as 09:30 in Berlin; no type: a talk; no url, no track.
    assert hands_on.start.astimezone(BERLIN) == datetime(2026, 3, 10, 9, 30, tzinfo=BERLIN)
    assert hands_on.room == "seminar-room-1" and hands_on.kind == "talk"
    assert hands_on.url is None and hands_on.track is None
    closing = sessions["bmw2026-104-closing"]
    assert closing.start.astimezone(BERLIN).date().isoformat() == "2026-03-11"
    assert closing.abstract is None and closing.speakers == [] and closing.kind == "ceremony"


def test_frab_json_into_an_event_keeps_the_event_and_widens_its_dates(
    base: dict[str, Any],
) -> None:
    config = load((DATA / "frab-schedule.json").read_bytes(), "schedule.json", "frab-json", base)
    assert config.event.name.en.startswith("2026 International Forum")  # the event file's
    assert config.event.timezone == "Asia/Seoul"
    assert {d.isoformat() for d in config.event.dates} >= {"2026-03-10", "2026-03-11"}
    # Channels and roles stay; the old rooms' channels go with the old rooms.
    before = EventConfig.model_validate(base).platforms
    assert {name: (p.channels, p.roles) for name, p in config.platforms.items()} == {
        name: (p.channels, p.roles) for name, p in before.items()
    }
    assert before["discord"].rooms and not any(p.rooms for p in config.platforms.values())
    assert formats.dead_mappings({**base, "rooms": [{"id": "hall-a"}]}) == {
        "discord": ["grand-hall", "partnering-hall"],
        "slack": ["grand-hall", "partnering-hall"],
    }
    assert len(config.sessions) == 4


def test_a_programme_keeping_a_room_keeps_its_channel(base: dict[str, Any]) -> None:
    csv_text = (
        "title,start,end,room_id,room\nTalk,2026-02-05 09:00,2026-02-05 10:00,grand-hall,GH\n"
    )
    config = load(csv_text.encode(), "programme.csv", "csv", base)
    assert config.platforms["discord"].rooms == {"grand-hall": "grand-hall"}


def test_frab_xml_sample_is_the_programme() -> None:
    config = load((DATA / "frab-schedule.xml").read_bytes(), "schedule.xml", "frab-xml")
    assert config.event.name.en == "Battery Materials Workshop 2026"
    assert config.event.timezone == "Europe/Berlin"
    assert [r.id for r in config.rooms] == ["hall-a", "seminar-room-1"]
    assert [p.id for p in config.people] == ["ada-lovelace", "kim-min-jun"]
    sessions = by_id(config)
    assert list(sessions) == [
        "bmw2026-101-opening-keynote",
        "bmw2026-102-solid-state-future",  # underscores of frab's slug made an id's dashes
        "bmw2026-103-electrolyte-additives",
        "bmw2026-104-closing",
    ]
    keynote = sessions["bmw2026-101-opening-keynote"]
    assert keynote.start == at("2026-03-10T09:30:00+01:00")
    assert keynote.end == at("2026-03-10T10:15:00+01:00")
    assert keynote.kind == "lecture" and keynote.room == "hall-a"
    assert keynote.url == "https://frab.example.org/bmw2026/events/101.html"
    assert keynote.abstract is not None
    assert keynote.abstract.en == "A tour of the field, from cathodes & anodes to cells."
    korean = sessions["bmw2026-102-solid-state-future"]
    assert korean.title.en == "전고체 전지의 미래" and korean.url is None
    assert korean.speakers == ["ada-lovelace", "kim-min-jun"]
    assert korean.abstract is not None and "<b>상용화</b>" in korean.abstract.en
    assert sessions["bmw2026-103-electrolyte-additives"].track is None
    closing = sessions["bmw2026-104-closing"]
    assert closing.end == at("2026-03-11T14:30:00+01:00") and closing.speakers == []


def expected_csv_sessions() -> list[tuple[Any, ...]]:
    return [
        (
            "welcome",
            "Welcome",
            "환영사",
            at("2026-02-05T09:00+09:00"),
            at("2026-02-05T09:15+09:00"),
            "hall-a",
            ["ada-lovelace"],
            "ceremony",
        ),
        (
            "solid-electrolytes",
            "Solid electrolytes",
            "고체 전해질",
            at("2026-02-05T09:15+09:00"),
            at("2026-02-05T10:00+09:00"),
            "hall-a",
            ["ada-lovelace", "kim-min-jun"],
            "talk",
        ),
        (
            "lab-tour",
            "Lab tour",
            "",
            at("2026-02-05T10:00+09:00"),
            at("2026-02-05T11:30+09:00"),
            "seminar-room-1",
            ["kim-min-jun"],
            "tour",
        ),
        (
            "day-two-keynote",
            "Day two keynote",
            "2일차 기조연설",
            at("2026-02-06T09:00+09:00"),
            at("2026-02-06T10:30+09:00"),
            "hall-a",
            ["grace-hopper"],
            "keynote",
        ),
    ]


def summary(config: EventConfig) -> list[tuple[Any, ...]]:
    return [
        (s.id, s.title.en, s.title.ko, s.start, s.end, s.room, s.speakers, s.kind)
        for s in config.sessions
    ]


@pytest.mark.parametrize("name", ["programme.csv", "programme-semicolon.csv"])
def test_csv_sample_is_the_programme(name: str, base: dict[str, Any]) -> None:
    raw = (DATA / name).read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") == (name == "programme.csv")  # a BOM, and none
    config = load(raw, name, "csv", base)
    assert summary(config) == expected_csv_sessions()
    for s in config.sessions:  # times without an offset are in the event's zone
        assert s.start.utcoffset() == datetime(2026, 2, 5, tzinfo=SEOUL).utcoffset()
    assert [(r.id, r.name.en) for r in config.rooms] == [
        ("hall-a", "Hall A"),
        ("seminar-room-1", "Seminar Room 1"),
    ]
    assert [p.id for p in config.people] == ["ada-lovelace", "kim-min-jun", "grace-hopper"]
    solid = by_id(config)["solid-electrolytes"]
    assert solid.abstract is not None
    assert solid.abstract.en == 'Oxides, sulfides and "polymers":\nwhich one wins?'
    if name == "programme.csv":
        assert solid.url == "https://example.org/talks/solid"


# Round trips ------------------------------------------------------------------------------


def assert_same_sessions(a: Agenda, b: Agenda, *, skip: tuple[str, ...] = ()) -> None:
    assert [s.id for s in a.sessions] == [s.id for s in b.sessions]
    for x, y in zip(a.sessions, b.sessions, strict=True):
        for name in Session.__dataclass_fields__:
            if name not in skip:
                assert getattr(x, name) == getattr(y, name), (x.id, name)


def test_frab_json_export_imports_as_the_same_programme(
    event_config: EventConfig, base: dict[str, Any]
) -> None:
    agenda = build_agenda(event_config)
    text = json.dumps(to_frab_json(agenda, event_config), ensure_ascii=False)
    again = build_agenda(load(text.encode(), "export.json", "frab-json", base))
    assert_same_sessions(agenda, again)  # every field, Korean, chairs, qa and reminders too
    assert again.rooms == agenda.rooms and again.people == agenda.people
    # Without an event file to merge into, the export's own conference is the event.
    alone = load(text.encode(), "export.json", "frab-json")
    assert alone.event.name == event_config.event.name
    assert alone.event.timezone == "Asia/Seoul" and alone.event.dates == event_config.event.dates
    assert_same_sessions(agenda, build_agenda(alone))


# The c3voc schema's event, room and conference objects take no other keys.
EVENT_KEYS = {
    "id", "guid", "logo", "date", "start", "duration", "room", "slug", "url", "title",
    "subtitle", "track", "type", "language", "abstract", "description",
    "recording_license", "do_not_record", "do_not_stream", "persons", "links",
    "attachments", "answers",
}  # fmt: skip
EVENT_REQUIRED = {
    "abstract", "date", "duration", "guid", "id", "language", "links", "persons", "room",
    "slug", "start", "subtitle", "title", "track", "type", "url",
}  # fmt: skip
CONFERENCE_KEYS = {
    "acronym", "title", "description", "start", "end", "daysCount", "timeslot_duration",
    "time_zone_name", "logo", "colors", "keywords", "url", "tracks", "rooms", "meta", "days",
}  # fmt: skip


def test_frab_json_export_keeps_to_the_schema(event_config: EventConfig) -> None:
    data = to_frab_json(build_agenda(event_config), event_config)
    assert set(data) <= {"$schema", "generator", "schedule"}
    schedule = data["schedule"]
    assert isinstance(schedule["version"], str)
    conference = schedule["conference"]
    assert set(conference) <= CONFERENCE_KEYS
    assert conference["daysCount"] == len(conference["days"]) == 2
    assert conference["time_zone_name"] == "Asia/Seoul"
    assert all(set(r) == {"name", "guid"} for r in conference["rooms"])
    events = [e for day in conference["days"] for room in day["rooms"].values() for e in room]
    assert len(events) == len(event_config.sessions)
    ids = set()
    for e in events:
        assert EVENT_REQUIRED <= set(e) <= EVENT_KEYS, e
        assert isinstance(e["id"], int) and e["id"] >= 1
        ids.add(e["id"])
        assert len(e["start"]) == 5 and len(e["duration"]) == 5
        for person in e["persons"]:  # pretalx's form: a name (frab's needs public_name)
            assert set(person) == {"guid", "name"}
    assert len(ids) == len(events)
    dialogue = next(e for e in events if e["slug"] == "dialogue")
    assert dialogue["date"] == "2026-02-05T13:00:00+09:00" and dialogue["duration"] == "02:00"
    assert dialogue["room"] == "Grand Hall (illustrative)" and dialogue["type"] == "dialogue"
    # What the schema has no field for is in the conference's meta, keyed by guid.
    meta = conference["meta"][META_KEY]["sessions"][dialogue["guid"]]
    assert meta["title_ko"] == "국제 포럼: 글로벌 석학과의 대화"
    assert meta["qa"] is True and meta["reminders"] == [15, 0]
    # The same programme exports the same bytes (an unchanged schedule keeps its ETag).
    assert json.dumps(data) == json.dumps(to_frab_json(build_agenda(event_config), event_config))


def test_csv_export_imports_as_the_same_programme(
    event_config: EventConfig, base: dict[str, Any]
) -> None:
    agenda = build_agenda(event_config)
    text = to_csv(agenda)
    header = next(csv.reader(io.StringIO(text)))
    assert set(header) <= set(COLUMNS) and "title" in header and "start" in header
    assert "2026-02-05 13:00+09:00" in text  # times with the event's offset
    again = build_agenda(load(text.encode("utf-8-sig"), "export.csv", "csv", base))
    assert_same_sessions(agenda, again)
    assert again.rooms == agenda.rooms  # room ids, English and Korean names
    assert {p.id: p.name.en for p in again.people.values()} == {
        p.id: p.name.en for p in agenda.people.values()
    }


def test_csv_export_keeps_formula_like_cells_as_text(
    event_config: EventConfig, base: dict[str, Any]
) -> None:
    sessions = [
        s.model_copy(update={"abstract": Text2(en="=HYPERLINK(1)", ko="-목록")})
        if s.id == "opening"
        else s
        for s in event_config.sessions
    ]
    config = event_config.model_copy(update={"sessions": sessions})
    text = to_csv(build_agenda(config))
    assert ",'=HYPERLINK(1),'-목록," in text
    again = load(text.encode(), "export.csv", "csv", base)
    opening = by_id(again)["opening"]
    assert opening.abstract is not None
    assert (opening.abstract.en, opening.abstract.ko) == ("=HYPERLINK(1)", "-목록")


# Refusals: frab JSON ----------------------------------------------------------------------


def sample_json() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((DATA / "frab-schedule.json").read_text(encoding="utf-8"))
    return data


def first_event(data: dict[str, Any]) -> dict[str, Any]:
    event: dict[str, Any] = data["schedule"]["conference"]["days"][0]["rooms"]["Hall A"][1]
    return event


HALL_A_1 = "schedule.conference.days[0].rooms['Hall A'][1]"


def json_refusal(data: dict[str, Any]) -> Problem:
    return only(refusal(json.dumps(data, ensure_ascii=False).encode(), "frab-json"))


def test_frab_json_missing_field() -> None:
    data = sample_json()
    del first_event(data)["title"]
    problem = json_refusal(data)
    assert problem.path == f"{HALL_A_1}.title"
    assert problem.message == "missing 'title': this field is required"


def test_frab_json_bad_date() -> None:
    data = sample_json()
    first_event(data)["date"] = "2026-03-10 half past ten"
    problem = json_refusal(data)
    assert problem.path == f"{HALL_A_1}.date"
    assert "'2026-03-10 half past ten' is not a date and time like 2026-" in problem.message


def test_frab_json_bad_duration_and_wrong_types() -> None:
    data = sample_json()
    first_event(data)["duration"] = "90 minutes"
    problem = json_refusal(data)
    assert problem.path == f"{HALL_A_1}.duration"
    assert "'90 minutes' is not a duration like 01:30" in problem.message
    data = sample_json()
    first_event(data)["persons"] = "Ada Lovelace"
    problem = json_refusal(data)
    assert (problem.path, problem.message) == (
        f"{HALL_A_1}.persons",
        "must be a list, not a string",
    )
    data = sample_json()
    first_event(data)["persons"][1] = {"id": 7}
    problem = json_refusal(data)
    assert problem.path == f"{HALL_A_1}.persons[1]" and "has no name" in problem.message
    data = sample_json()
    data["schedule"]["conference"]["days"] = {"index": 1}
    problem = json_refusal(data)
    assert problem.path == "schedule.conference.days" and "must be a list" in problem.message


def test_frab_json_unknown_room() -> None:
    data = sample_json()
    rooms = data["schedule"]["conference"]["days"][1]["rooms"]
    rooms["Hall B"] = rooms.pop("Hall A")
    rooms["Hall B"][0]["room"] = "Hall B"
    problem = json_refusal(data)
    assert problem.path == "schedule.conference.days[1].rooms['Hall B'][0].room"
    assert problem.message == (
        "unknown room 'Hall B'; the conference's rooms are 'Hall A', 'Seminar Room 1'"
    )


def test_frab_json_not_json() -> None:
    problem = only(refusal(b'{"schedule": {"conference": \n  {"title": "x",,}}}', "frab-json"))
    assert problem.path == "line 2, column 17"
    assert problem.message.startswith("is not JSON: Expecting property name")
    problem = only(refusal(b'["a list"]', "frab-json"))
    assert problem.path == "(file)" and "must be a schedule" in problem.message


def test_frab_json_overlap_is_the_validators_with_the_sessions_path() -> None:
    data = sample_json()
    first_event(data)["date"] = "2026-03-10T10:00:00+01:00"  # the keynote runs to 10:15
    problem = only(refusal(json.dumps(data).encode(), "frab-json"))
    assert problem.path == "sessions[1].start"
    assert problem.message == (
        "overlaps sessions[0] ('bmw2026-101-opening-keynote') in room 'hall-a': "
        "10:00 is before 10:15"
    )


def test_frab_json_two_events_with_one_slug() -> None:
    data = sample_json()
    first_event(data)["slug"] = "bmw2026-101-opening-keynote"
    problem = json_refusal(data)
    assert problem.path == f"{HALL_A_1}.slug"
    assert problem.message == (
        "id 'bmw2026-101-opening-keynote' is already used by "
        "schedule.conference.days[0].rooms['Hall A'][0]"
    )


# Refusals: frab XML -----------------------------------------------------------------------


def sample_xml() -> str:
    return (DATA / "frab-schedule.xml").read_text(encoding="utf-8")


def xml_refusal(text: str) -> Problem:
    return only(refusal(text.encode(), "frab-xml"))


def test_frab_xml_doctype_and_entities_are_refused() -> None:
    bomb = sample_xml().replace(
        "<schedule>",
        '<!DOCTYPE schedule [\n <!ENTITY lol "lol">\n <!ENTITY lol2 "&lol;&lol;&lol;">\n]>\n'
        "<schedule>",
    )
    problem = xml_refusal(bomb)
    assert problem.path == "line 2"
    assert problem.message.startswith("<!DOCTYPE is refused: a schedule needs no DTD")
    problem = only(refusal(b'<schedule><!ENTITY x "y"></schedule>', "frab-xml"))
    assert problem.path == "line 1" and problem.message.startswith("<!ENTITY is refused")


def test_frab_xml_missing_field_bad_duration_and_not_xml() -> None:
    text = sample_xml()
    problem = xml_refusal(text.replace("<date>2026-03-10T10:30:00+01:00</date>", ""))
    assert problem.path == "event guid=6f1d8a52-1111-4c4e-8d2a-000000000102 (line 35)"
    assert problem.message == "missing 'date': this field is required"
    problem = xml_refusal(text.replace("<duration>01:00</duration>", "<duration>1h</duration>"))
    assert problem.path == "event guid=6f1d8a52-1111-4c4e-8d2a-000000000102 <duration> (line 38)"
    assert "'1h' is not a duration" in problem.message
    problem = xml_refusal(text.replace("<date>2026-03-11T14:00", "<date>2026-13-11T14:00"))
    assert problem.path == "event guid=6f1d8a52-1111-4c4e-8d2a-000000000104 <date> (line 76)"
    assert "is not a date and time" in problem.message
    problem = xml_refusal(text.replace("</title>\n        <subtitle/>", "</titel>", 1))
    assert problem.path == "line 22, column 58"
    assert problem.message == "is not well-formed XML: mismatched tag"
    problem = xml_refusal(text.replace('<room name="Seminar Room 1">', "<room>", 1))
    assert problem.path == "<room> (line 55)" and problem.message == "has no name attribute"


# Refusals: CSV ----------------------------------------------------------------------------


def csv_refusal(text: str, base: dict[str, Any]) -> Problem:
    return only(refusal(text.encode(), "csv", base))


HEADER = "title,start,end,room\n"


def test_csv_unknown_column_is_a_typo(base: dict[str, Any]) -> None:
    problem = csv_refusal("title,strat,end\nA,2026-02-05 09:00,09:30\n", base)
    assert problem.path == "row 1"
    assert problem.message.startswith(
        "unknown column 'strat' (column B, a typo?); did you mean 'start'? the columns are id, "
    )


def test_csv_missing_column_and_missing_value(base: dict[str, Any]) -> None:
    problem = csv_refusal("title;end\nA;2026-02-05 09:30\n", base)
    assert (problem.path, problem.message.split(";")[0]) == ("row 1", "missing column 'start'")
    problem = csv_refusal("title,start\nA,2026-02-05 09:00\n", base)
    assert problem.message == "missing column 'end' or 'duration': one says how long"
    problem = csv_refusal(HEADER + "A,2026-02-05 09:00,09:30,Hall\n\nB,,10:00,Hall\n", base)
    assert problem.path == "row 4"  # the blank row 3 counts, as in a spreadsheet
    assert problem.message == "missing value in column 'start'"


def test_csv_bad_date_and_end_before_start(base: dict[str, Any]) -> None:
    rows = '"Multi\nline",2026-02-05 09:00,09:30,Hall\nB,5/2/2026 10:00,11:00,Hall\n'
    problem = csv_refusal(HEADER + rows, base)
    assert problem.path == "row 3"  # a cell's line break starts no new row
    assert problem.message == "start '5/2/2026 10:00' is not a date and time like 2026-02-05 13:00"
    problem = csv_refusal(HEADER + "A,2026-02-05,2026-02-05 10:00,Hall\n", base)
    assert (problem.path, problem.message) == (
        "row 2",
        "start '2026-02-05' is not a date and time like 2026-02-05 13:00",
    )
    problem = csv_refusal(HEADER + "A,2026-02-05 14:00,13:00,Hall\n", base)
    assert problem.path == "row 2"
    assert problem.message == "ends (2026-02-05 13:00) before it starts (2026-02-05 14:00)"
    problem = csv_refusal("title,start,end,duration\nA,2026-02-05 09:00,09:30,45\n", base)
    assert "the duration says 45" in problem.message


def test_csv_duplicate_id(base: dict[str, Any]) -> None:
    text = "id,title,start,duration\nkey,A,2026-02-05 09:00,30\nkey,B,2026-02-05 10:00,30\n"
    problem = csv_refusal(text, base)
    assert (problem.path, problem.message) == ("row 3", "id 'key' is already used in row 2")


def test_csv_in_cp949_is_refused_saying_to_save_it_as_utf8(base: dict[str, Any]) -> None:
    raw = (HEADER + "제목,2026-02-05 09:00,09:30,대회의실\n").encode("cp949")
    problem = only(refusal(raw, "csv", base))
    assert problem.path == "line 2"
    assert problem.message.startswith("is not UTF-8 (byte 21); save the file as UTF-8")


def test_csv_overlap_reaches_the_user_with_the_sessions_path(base: dict[str, Any]) -> None:
    text = HEADER + "A,2026-02-05 09:00,10:00,Hall\nB,2026-02-05 09:30,10:30,Hall\n"
    problem = csv_refusal(text, base)
    assert problem.path == "sessions[1].start"
    assert problem.message.startswith("overlaps sessions[0] ('a') in room 'hall': 09:30")


def test_csv_without_an_event_file_says_what_is_missing() -> None:
    problems = refusal((DATA / "programme.csv").read_bytes(), "csv")
    assert {p.path for p in problems} >= {"event.name", "event.timezone"}
