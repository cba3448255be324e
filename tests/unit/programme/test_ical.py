"""iCalendar in and out: import with zones and recurrences, export that calendar apps
accept and that imports back into the same programme, SEQUENCE on change, and /ics."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
import pytest

from bot.core.dispatch import Core
from bot.core.model import ChannelRef, Reply, Stamp, UserRef, plain
from bot.programme import Agenda, Session, formats
from bot.programme.building import build_agenda
from bot.programme.ical import parse_ics, to_ics, uid_of
from bot.settings import ConfigError, EventConfig, default_config_path, load_event, validate_event
from bot.storage import Store, open_store
from bot.storage.calendar import sequences
from tests.conftest import Person

SEOUL = ZoneInfo("Asia/Seoul")
NOW = datetime(2026, 1, 20, 3, 0, tzinfo=UTC)


def ics(*lines: str) -> bytes:
    """A calendar file from its content lines, CRLF-terminated as RFC 5545 says."""
    return ("\r\n".join(lines) + "\r\n").encode()


def calendar(*body: str, head: tuple[str, ...] = ()) -> bytes:
    return ics(
        "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//tests//ical//EN", *head, *body, "END:VCALENDAR"
    )


def vevent(uid: str, *props: str) -> tuple[str, ...]:
    return ("BEGIN:VEVENT", f"UID:{uid}", "DTSTAMP:20260101T000000Z", *props, "END:VEVENT")


def load(raw: bytes) -> EventConfig:
    return formats.load(raw, "x.ics", "ics")


def at(text: str, zone: ZoneInfo = SEOUL) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=zone)


def by_id(config: EventConfig) -> dict[str, Session]:
    return {s.id: s for s in build_agenda(config).sessions}


def refusal(raw: bytes) -> str:
    with pytest.raises(ConfigError) as caught:
        load(raw)
    problems = caught.value.problems
    assert len(problems) == 1, problems
    return str(problems[0])


# A VTIMEZONE for Seoul (no daylight saving since 1988), and one under a made-up name that
# only the file's own VTIMEZONE can explain.
SEOUL_VTIMEZONE = (
    "BEGIN:VTIMEZONE",
    "TZID:Asia/Seoul",
    "BEGIN:STANDARD",
    "DTSTART:19880509T030000",
    "TZOFFSETFROM:+1000",
    "TZOFFSETTO:+0900",
    "TZNAME:KST",
    "END:STANDARD",
    "END:VTIMEZONE",
)
HALL_TIME_VTIMEZONE = (
    "BEGIN:VTIMEZONE",
    "TZID:Hall Local Time",
    "BEGIN:STANDARD",
    "DTSTART:19700101T000000",
    "TZOFFSETFROM:+0900",
    "TZOFFSETTO:+0900",
    "TZNAME:KST",
    "END:STANDARD",
    "END:VTIMEZONE",
)

SEOUL_FILE = calendar(
    *vevent(
        "keynote-1@conf.example.org",
        "SUMMARY:Opening Keynote",
        "DTSTART;TZID=Asia/Seoul:20260205T093000",
        "DTEND;TZID=Asia/Seoul:20260205T103000",
        "LOCATION:Main Hall",
        "DESCRIPTION:Why solid electrolytes\\, and why now.",
        "URL:https://conf.example.org/talks/keynote-1",
        "CATEGORIES:Materials,Plenary",
        "ORGANIZER;CN=Programme Office:mailto:office@conf.example.org",
        "ATTENDEE;CN=Ada Park;ROLE=REQ-PARTICIPANT:mailto:ada@example.org",
        "ATTENDEE;CN=Min-jun Lee;ROLE=CHAIR:mailto:mj@example.org",
        "ATTENDEE;CUTYPE=ROOM;CN=Main Hall:mailto:hall@conf.example.org",
    ),
    *vevent(
        "panel-2@conf.example.org",
        "SUMMARY:Industry Panel",
        "DTSTART;TZID=Hall Local Time:20260205T110000",
        "DURATION:PT1H30M",
        "LOCATION:Main Hall",
        "ATTENDEE;CN=Ada Park:mailto:ada@example.org",
    ),
    *vevent(
        "poster-3@conf.example.org",
        "SUMMARY:Posters",
        "DTSTART;TZID=Asia/Seoul:20260206T140000",
        "DTEND;TZID=Asia/Seoul:20260206T160000",
        "LOCATION:Lobby B",
    ),
    head=("X-WR-CALNAME:Solid-State Day", *SEOUL_VTIMEZONE, *HALL_TIME_VTIMEZONE),
)


def test_tzid_times_with_vtimezones_rooms_people_and_fields() -> None:
    config = load(SEOUL_FILE)
    assert config.event.name.en == "Solid-State Day"
    assert config.event.timezone == "Asia/Seoul"
    assert [str(d) for d in config.event.dates] == ["2026-02-05", "2026-02-06"]
    sessions = by_id(config)
    assert list(sessions) == ["keynote-1", "panel-2", "poster-3"]
    key = sessions["keynote-1"]
    assert (key.start, key.end) == (at("2026-02-05 09:30"), at("2026-02-05 10:30"))
    assert key.title.en == "Opening Keynote"
    assert key.abstract.en == "Why solid electrolytes, and why now."
    assert key.url == "https://conf.example.org/talks/keynote-1"
    assert key.track == "Materials" and key.kind == "talk"
    # ORGANIZER and ATTENDEE names are speakers, ROLE=CHAIR a chair, CUTYPE=ROOM no one.
    assert key.speakers == ("programme-office", "ada-park")
    assert key.chairs == ("min-jun-lee",)
    # DURATION instead of DTEND, in a zone only the file's VTIMEZONE defines.
    panel = sessions["panel-2"]
    assert (panel.start, panel.end) == (at("2026-02-05 11:00"), at("2026-02-05 12:30"))
    assert panel.speakers == ("ada-park",)  # the same person, by name
    rooms = {r.id: r.name.en for r in config.rooms}
    assert rooms == {"main-hall": "Main Hall", "lobby-b": "Lobby B"}
    assert key.room == panel.room == "main-hall"
    assert sessions["poster-3"].room == "lobby-b"
    people = {p.id: p.name.en for p in config.people}
    assert people["min-jun-lee"] == "Min-jun Lee" and len(people) == 3


def test_utc_times() -> None:
    config = load(
        calendar(
            *vevent(
                "a@x",
                "SUMMARY:Early talk",
                "DTSTART:20260205T003000Z",
                "DTEND:20260205T011500Z",
            ),
            head=("X-WR-TIMEZONE:Asia/Seoul",),
        )
    )
    s = by_id(config)["a"]
    assert s.start == datetime(2026, 2, 5, 0, 30, tzinfo=UTC)
    assert s.end - s.start == timedelta(minutes=45)
    assert config.event.timezone == "Asia/Seoul"
    assert [str(d) for d in config.event.dates] == ["2026-02-05"]  # 09:30 in Seoul


def test_floating_times_are_read_in_the_given_zone_or_the_calendars() -> None:
    body = vevent("f@x", "SUMMARY:Floating", "DTSTART:20260205T090000", "DTEND:20260205T100000")
    data = parse_ics(calendar(*body).decode(), "Asia/Seoul")
    assert data["sessions"][0]["start"] == "2026-02-05T09:00:00+09:00"
    assert data["event"]["timezone"] == "Asia/Seoul"
    # Through an import into an event file, the file's zone reads them.
    base = formats.config_data(load_event(default_config_path()))
    s = by_id(formats.load(calendar(*body), "x.ics", "ics", base=base))["f"]
    assert s.start == at("2026-02-05 09:00")
    # A calendar that names its zone reads its floating times there.
    berlin = calendar(*body, head=("X-WR-TIMEZONE:Europe/Berlin",))
    s = by_id(load(berlin))["f"]
    assert s.start == at("2026-02-05 09:00", ZoneInfo("Europe/Berlin"))


def test_weekly_rule_with_count_exdate_and_a_moved_occurrence() -> None:
    raw = calendar(
        *vevent(
            "seminar@lab.example",
            "SUMMARY:Battery Seminar",
            "DTSTART;TZID=Asia/Seoul:20260203T160000",
            "DTEND;TZID=Asia/Seoul:20260203T170000",
            "RRULE:FREQ=WEEKLY;COUNT=5;BYDAY=TU",
            "EXDATE;TZID=Asia/Seoul:20260217T160000",
            "LOCATION:Room 101",
            "ATTENDEE;CN=Hana Cho:mailto:hana@lab.example",
        ),
        # The fourth Tuesday moves to Wednesday, in another room, with a guest.
        *vevent(
            "seminar@lab.example",
            "RECURRENCE-ID;TZID=Asia/Seoul:20260224T160000",
            "SUMMARY:Battery Seminar (moved)",
            "DTSTART;TZID=Asia/Seoul:20260225T100000",
            "DTEND;TZID=Asia/Seoul:20260225T113000",
            "LOCATION:Room 202",
            "ATTENDEE;CN=Guest Speaker:mailto:guest@example.org",
        ),
        head=(*SEOUL_VTIMEZONE,),
    )
    sessions = build_agenda(load(raw)).sessions
    assert [s.id for s in sessions] == [
        "seminar-20260203-1600",
        "seminar-20260210-1600",
        "seminar-20260224-1600",  # the moved one keeps its series' name
        "seminar-20260303-1600",
    ]
    starts = [s.start.astimezone(SEOUL).strftime("%a %d %H:%M") for s in sessions]
    assert starts == ["Tue 03 16:00", "Tue 10 16:00", "Wed 25 10:00", "Tue 03 16:00"]
    moved = sessions[2]
    assert moved.title.en == "Battery Seminar (moved)"
    assert moved.end - moved.start == timedelta(minutes=90)
    assert moved.room == "room-202" and moved.speakers == ("guest-speaker",)
    assert {s.room for s in sessions} == {"room-101", "room-202"}
    assert sessions[0].speakers == ("hana-cho",)
    assert all(s.end - s.start == timedelta(hours=1) for s in sessions if s is not moved)


def test_rule_until_and_rdate_and_a_cancelled_occurrence() -> None:
    raw = calendar(
        *vevent(
            "daily@x",
            "SUMMARY:Stand-up",
            "DTSTART:20260205T000000Z",
            "DURATION:PT15M",
            "RRULE:FREQ=DAILY;UNTIL=20260207T000000Z",
            "RDATE:20260210T000000Z",
        ),
        *vevent(
            "daily@x",
            "RECURRENCE-ID:20260206T000000Z",
            "STATUS:CANCELLED",
            "SUMMARY:Stand-up",
            "DTSTART:20260206T000000Z",
            "DURATION:PT15M",
        ),
    )
    ids = [s.id for s in build_agenda(load(raw)).sessions]
    assert ids == ["daily-20260205-0000", "daily-20260207-0000", "daily-20260210-0000"]


# Malformed files: each refused with where and why.


@pytest.mark.parametrize(
    ("props", "expected"),
    [
        (
            ("SUMMARY:No start", "DTEND:20260205T100000Z"),
            "VEVENT 1 (UID abc@x): has no DTSTART",
        ),
        (
            ("SUMMARY:Bad", "DTSTART:20261305T090000Z", "DTEND:20260205T100000Z"),
            "VEVENT 1 (UID abc@x): cannot read DTSTART: Wrong datetime format: 20261305T090000",
        ),
        (
            (
                "SUMMARY:Mars",
                "DTSTART;TZID=Mars/Olympus_Mons:20260205T090000",
                "DTEND;TZID=Mars/Olympus_Mons:20260205T100000",
            ),
            "VEVENT 1 (UID abc@x): DTSTART has unknown TZID 'Mars/Olympus_Mons'",
        ),
        (
            (
                "SUMMARY:Forever",
                "DTSTART:20260205T090000Z",
                "DTEND:20260205T100000Z",
                "RRULE:FREQ=WEEKLY",
            ),
            "VEVENT 1 (UID abc@x): RRULE FREQ=WEEKLY has no COUNT or UNTIL",
        ),
        (
            (
                "SUMMARY:Too many",
                "DTSTART:20260205T090000Z",
                "DTEND:20260205T100000Z",
                "RRULE:FREQ=DAILY;COUNT=501",
            ),
            "makes 501 occurrences; at most 500",
        ),
        (
            (
                "SUMMARY:Too many",
                "DTSTART:20260205T090000Z",
                "DTEND:20260205T091000Z",
                "RRULE:FREQ=MINUTELY;INTERVAL=15;UNTIL=20270101T000000Z",
            ),
            "more than 500 occurrences",
        ),
        (
            ("SUMMARY:All day", "DTSTART;VALUE=DATE:20260205", "DTEND;VALUE=DATE:20260206"),
            "is an all-day event (DTSTART is the date 2026-02-05): "
            "a programme item needs a start and end time",
        ),
        (
            ("SUMMARY:Backwards", "DTSTART:20260205T100000Z", "DTEND:20260205T090000Z"),
            "ends (2026-02-05 09:00 UTC) before it starts (2026-02-05 10:00 UTC)",
        ),
        (
            ("SUMMARY:Open-ended", "DTSTART:20260205T100000Z"),
            "has neither DTEND nor DURATION",
        ),
        (
            ("DTSTART:20260205T100000Z", "DTEND:20260205T110000Z"),
            "has no SUMMARY",
        ),
    ],
)
def test_malformed_events_are_refused_precisely(props: tuple[str, ...], expected: str) -> None:
    good = vevent("ok@x", "SUMMARY:Fine", "DTSTART:20260205T080000Z", "DURATION:PT1H")
    message = refusal(calendar(*vevent("abc@x", *props), *good))
    assert expected in message
    assert message.startswith("VEVENT 1 (UID abc@x): ")


def test_the_second_event_is_named_when_it_is_the_broken_one() -> None:
    raw = calendar(
        *vevent("ok@x", "SUMMARY:Fine", "DTSTART:20260205T080000Z", "DURATION:PT1H"),
        *vevent("late@x", "SUMMARY:Broken", "DTSTART:tomorrow", "DURATION:PT1H"),
    )
    assert refusal(raw) == (
        "VEVENT 2 (UID late@x): cannot read DTSTART: Wrong date format tomorrow"
    )


def test_files_that_are_not_icalendar_are_refused() -> None:
    assert refusal(b"BEGIN:VCALENDAR\r\nthis is not a content line\r\n").startswith(
        "(file): is not iCalendar: "
    )
    assert refusal(b"Subject, Start\nTalk, 09:00\n").startswith(
        "(file): is not iCalendar: Content line could not be parsed into parts: 'Subject, Start'"
    )
    lone = ics("BEGIN:VEVENT", "UID:x", "END:VEVENT")
    assert refusal(lone) == ("(file): is not iCalendar: it does not begin with BEGIN:VCALENDAR")
    latin1 = calendar(*vevent("x@y", "SUMMARY:Caf\xe9", "DTSTART:20260205T080000Z")).decode()
    raw = latin1.encode("latin-1")  # "Café" as a Windows editor might save it
    where = raw.index("é".encode("latin-1"))
    assert refusal(raw) == (
        f"line 7: is not UTF-8 (byte {where}); save the file as UTF-8 and import it again"
    )


# Export ------------------------------------------------------------------------------------


def valid_calendar(data: bytes) -> icalendar.Calendar:
    """The file opens as iCalendar and has what RFC 5545 requires of a published calendar."""
    cal = icalendar.Calendar.from_ical(data)
    assert isinstance(cal, icalendar.Calendar) and cal.name == "VCALENDAR"
    for prop in ("PRODID", "VERSION"):
        assert cal.get(prop) is not None, prop
    assert str(cal["VERSION"]) == "2.0"
    zones = {str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")}
    events = list(cal.walk("VEVENT"))
    assert events
    for ev in events:
        assert not ev.errors, ev.errors
        for prop in ("UID", "DTSTAMP", "DTSTART"):
            assert ev.get(prop) is not None, (prop, ev.get("UID"))
        assert (ev.get("DTEND") is None) != (ev.get("DURATION") is None), ev.get("UID")
        assert (
            ev.decoded("DTSTAMP").tzinfo is not None
            and ev.decoded("DTSTAMP").utcoffset() == timedelta()
        )
        for prop in ("DTSTART", "DTEND"):
            tzid = ev[prop].params.get("TZID")
            assert tzid is None or tzid in zones, (prop, tzid)
    return cal


@pytest.fixture(scope="module")
def sample() -> tuple[EventConfig, Agenda]:
    config = load_event(default_config_path())
    return config, build_agenda(config)


def test_export_has_a_vevent_per_session_with_everything_a_calendar_shows(
    sample: tuple[EventConfig, Agenda],
) -> None:
    _, agenda = sample
    data = to_ics(agenda, agenda.sessions, sequences={}, now=NOW, calendar_name="Battery Forum")
    cal = valid_calendar(data)
    for prop, value in (
        ("METHOD", "PUBLISH"),
        ("CALSCALE", "GREGORIAN"),
        ("X-WR-CALNAME", "Battery Forum"),
        ("X-WR-TIMEZONE", "Asia/Seoul"),
    ):
        assert str(cal[prop]) == value
    assert [str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")] == ["Asia/Seoul"]
    events = {str(ev["UID"]).split("@")[0]: ev for ev in cal.walk("VEVENT")}
    assert set(events) == {s.id for s in agenda.sessions}
    dialogue = events["dialogue"]
    assert str(dialogue["UID"]) == uid_of(agenda, "dialogue")
    assert str(dialogue["UID"]).endswith(".forum-bot")
    assert dialogue["DTSTART"].params["TZID"] == "Asia/Seoul"
    assert dialogue.decoded("DTSTART") == at("2026-02-05 13:00")
    assert dialogue.decoded("DTEND") == at("2026-02-05 15:00")
    assert dialogue.decoded("DTSTAMP") == NOW
    assert str(dialogue["SUMMARY"]) == (
        "International Forum: Dialogue with Global Scholars / 국제 포럼: 글로벌 석학과의 대화"
    )
    assert str(dialogue["LOCATION"]) == "Grand Hall (illustrative)"
    description = str(dialogue["DESCRIPTION"])
    assert description.startswith("Materials design for longer life")
    assert "Ping Liu (핑 리우), Professor, University of California, San Diego" in description
    assert [str(c) for c in dialogue.decoded("CATEGORIES")] == ["dialogue"]
    assert dialogue.decoded("SEQUENCE") == 0
    assert "URL" not in dialogue
    linked = dataclasses.replace(agenda.sessions[0], url="https://example.org/s/1")
    one = icalendar.Calendar.from_ical(
        to_ics(agenda, [linked], sequences={}, now=NOW, calendar_name="x")
    )
    assert str(next(iter(one.walk("VEVENT")))["URL"]) == "https://example.org/s/1"


def test_the_sample_event_round_trips(sample: tuple[EventConfig, Agenda]) -> None:
    config, agenda = sample
    data = to_ics(agenda, agenda.sessions, sequences={}, now=NOW, calendar_name="Battery Forum")
    back = formats.load(data, "forum.ics", "auto", base=formats.config_data(config))
    again = build_agenda(back)

    def calendar_view(a: Agenda) -> list[tuple[object, ...]]:
        return [
            (
                s.id,
                s.start,
                s.end,
                s.room,
                s.title,
                s.abstract,
                s.kind,
                s.track,
                s.url,
                s.speakers,
                s.chairs,
            )
            for s in a.sessions
        ]

    assert calendar_view(again) == calendar_view(agenda)
    assert again.rooms == agenda.rooms
    assert {p.id: p.name for p in again.people.values()} == {
        p.id: p.name for p in agenda.people.values()
    }
    assert again.event == agenda.event
    # Without an event file to merge into, the calendar's own section makes a valid event.
    alone = build_agenda(validate_event(formats.merge(None, parse_ics(data.decode(), "UTC"))))
    assert calendar_view(alone) == calendar_view(agenda)
    assert alone.event.name.en == "Battery Forum"
    assert alone.event.timezone == SEOUL and alone.days == agenda.days


async def test_sequence_rises_only_for_the_session_that_changed(
    store: Store, sample: tuple[EventConfig, Agenda]
) -> None:
    _, agenda = sample

    async def export(a: Agenda) -> dict[str, tuple[str, int]]:
        numbers = await sequences(store, a.sessions, NOW)
        cal = valid_calendar(to_ics(a, a.sessions, sequences=numbers, now=NOW, calendar_name="x"))
        return {
            str(ev["UID"]).split("@")[0]: (str(ev["UID"]), int(ev.decoded("SEQUENCE")))
            for ev in cal.walk("VEVENT")
        }

    first = await export(agenda)
    assert {seq for _, seq in first.values()} == {0}
    assert await export(agenda) == first  # unchanged: the same numbers
    moved = [
        dataclasses.replace(
            s, start=s.start + timedelta(minutes=30), end=s.end + timedelta(minutes=30)
        )
        if s.id == "closing"
        else s
        for s in agenda.sessions
    ]
    changed = Agenda(agenda.event, agenda.rooms, agenda.people, moved)
    second = await export(changed)
    assert second["closing"] == (first["closing"][0], 1)
    assert {k: v for k, v in second.items() if k != "closing"} == {
        k: v for k, v in first.items() if k != "closing"
    }
    assert (await export(changed))["closing"][1] == 1  # kept, not raised again
    assert (await export(agenda))["closing"][1] == 2  # moved back is a change too


# /ics through the core ---------------------------------------------------------------------


def attached(reply: Reply) -> icalendar.Calendar:
    assert reply.file is not None, reply.text
    assert reply.file.filename.endswith(".ics")
    assert reply.file.mime_type == "text/calendar; charset=utf-8"
    return valid_calendar(reply.file.data)


def attached_bytes(reply: Reply) -> bytes:
    assert reply.file is not None, reply.text
    return reply.file.data


def uids(cal: icalendar.Calendar) -> list[str]:
    return [str(ev["UID"]).split("@")[0] for ev in cal.walk("VEVENT")]


async def test_ics_all_mine_and_one_session(alice: Person) -> None:
    everything = await alice.say("/ics")
    cal = attached(everything)
    assert len(uids(cal)) == 13 and not everything.error
    assert "The whole programme, 13 sessions" in plain(everything.text)
    assert everything.file is not None and everything.file.filename == "battery-forum-2026.ics"
    assert uids(attached(await alice.say("/ics all"))) == uids(cal)

    empty = await alice.say("/ics mine")
    assert empty.file is None
    assert "/remind" in plain(empty.text) and "/ics mine" in plain(empty.text)

    await alice.say("/remind dialogue")
    one_mine = plain((await alice.say("/ics mine")).text)
    assert "Your 1 session (the one you set /remind for)" in one_mine
    await alice.say("/remind closing 5")
    mine = await alice.say("/ics mine")
    assert uids(attached(mine)) == ["dialogue", "closing"]
    assert "Your 2 sessions" in plain(mine.text)
    # Each of your sessions rings at your /remind offset, as the bot's DM would.
    events = attached(mine).walk("VEVENT")
    alarms = {str(ev["UID"]).split("@")[0]: list(ev.walk("VALARM")) for ev in events}
    assert {sid: len(a) for sid, a in alarms.items()} == {"dialogue": 1, "closing": 1}
    for sid, minutes in (("dialogue", 10), ("closing", 5)):
        (alarm,) = alarms[sid]
        assert str(alarm["ACTION"]) == "DISPLAY" and str(alarm["DESCRIPTION"])
        assert alarm.decoded("TRIGGER") == -timedelta(minutes=minutes)
        assert alarm["TRIGGER"].params.get("RELATED", "START") == "START"
    assert b"TRIGGER:-PT10M" in attached_bytes(mine)
    assert not list(attached(everything).walk("VALARM"))  # the programme rings for nobody
    assert str(attached(mine)["X-WR-CALNAME"]) == "Battery Forum 2026: my sessions"
    assert uids(attached(await Person(alice.core, "bob").say("/ics all"))) == uids(cal)

    one = await alice.say("/ics global scholars")
    ev = next(iter(attached(one).walk("VEVENT")))
    assert str(ev["UID"]).startswith("dialogue@")
    assert ev.decoded("DTSTART") == at("2026-02-05 13:00")
    assert one.file is not None and one.file.filename == "battery-forum-2026-dialogue.ics"
    assert plain(one.text).startswith('"International Forum: Dialogue with Global Scholars"')


async def test_ics_alarm_follows_a_changed_offset_and_one_session_has_none(
    alice: Person, core: Core
) -> None:
    await alice.say("/remind dialogue 30")
    await alice.say("/remind dialogue 15")  # the same session again: the new offset wins
    (alarm,) = attached(await alice.say("/ics mine")).walk("VALARM")
    assert alarm.decoded("TRIGGER") == -timedelta(minutes=15)
    one = await alice.say("/ics dialogue")
    assert not list(attached(one).walk("VALARM"))
    # On Discord the session's time in the answer is a stamp with its date.
    user = UserRef("discord", "1", "reader")
    reply = await core.dispatch_text("discord", "/ics dialogue", user, ChannelRef("discord", "c"))
    assert isinstance(reply.text, tuple), reply.text
    assert [p.style for p in reply.text if isinstance(p, Stamp)] == ["f"]


async def test_ics_unknown_session_and_korean(alice: Person) -> None:
    unknown = await alice.say("/ics quantum teleportation workshop")
    assert unknown.error and unknown.file is None
    assert "quantum teleportation workshop" in plain(unknown.text)
    await alice.say("/language ko")
    reply = await alice.say("/ics 전체")
    assert "전체 일정 13개 세션" in plain(reply.text)
    assert str(attached(reply)["X-WR-CALNAME"]) == "2026 이차전지 포럼"
    assert "/remind" in plain((await alice.say("/ics 내")).text)


async def test_ics_sequence_survives_a_reopened_store(tmp_path: Path) -> None:
    agenda = build_agenda(load_event(default_config_path()))
    s = agenda.sessions[0]
    first = await open_store(tmp_path / "db.sqlite")
    try:
        assert (await sequences(first, [s], NOW))[s.id] == 0
        later = dataclasses.replace(s, title=dataclasses.replace(s.title, en="Check-in"))
        assert (await sequences(first, [later], NOW))[s.id] == 1
    finally:
        await first.close()
    second = await open_store(tmp_path / "db.sqlite")
    try:
        assert (await sequences(second, [later], NOW))[s.id] == 1
    finally:
        await second.close()
