"""The event file: the sample is valid, and a broken one lists every problem with its line."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from bot.programme.building import build_agenda
from bot.settings import ConfigError, EventConfig, Settings, event_warnings, load_event, parse_event

BROKEN = """\
event:
  name: {en: Broken Forum}
  timezone: Asia/Nowhere
  dates: [2026-02-05]
rooms:
  - id: hall
    name: Hall
people:
  - id: ann
    name: Ann
sessions:
  - id: no-end
    title: Missing end
    start: 2026-02-05 09:00
  - id: backwards
    title: Ends first
    start: 2026-02-05 11:00
    end: 2026-02-05 10:00
    room: hall
  - id: first
    title: First
    start: 2026-02-05 12:00
    end: 2026-02-05 13:00
    room: hall
  - id: clash
    title: Clash
    start: 2026-02-05 12:30
    end: 2026-02-05 13:30
    room: hall
    speakers: [bob]
  - id: elsewhere
    title: Wrong day
    start: 2026-03-01 09:00
    end: 2026-03-01 10:00
    room: attic
    colour: red
"""


def problems(text: str) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        parse_event(text, "broken.yaml")
    return [str(p) for p in caught.value.problems]


def test_the_embedded_sample_is_valid(event_config: EventConfig) -> None:
    agenda = build_agenda(event_config)
    assert event_config.illustrative
    assert agenda.event.timezone.key == "Asia/Seoul"
    assert [str(d) for d in agenda.days] == ["2026-02-05", "2026-02-06"]
    assert len(agenda.sessions) >= 8
    kinds = {s.kind for s in agenda.sessions}
    assert {"registration", "ceremony", "panel", "dialogue", "break", "partnering", "side"} <= kinds
    assert all(s.title.en and s.title.ko for s in agenda.sessions)
    dialogue = agenda.session("dialogue")
    assert dialogue is not None and dialogue.qa
    assert {"ping-liu", "masayoshi-watanabe"} == set(dialogue.speakers)
    assert {d for s in agenda.sessions for d in [s.start.date()]}  # times are aware
    assert all(s.start.tzinfo is not None for s in agenda.sessions)
    assert set(event_config.platforms) >= {"discord", "slack"}
    assert event_config.reminders.default_offsets == [10, 0]


def test_every_problem_is_listed_with_path_and_line() -> None:
    found = problems(BROKEN)
    text = "\n".join(found)
    assert "event.timezone (line 3): unknown time zone 'Asia/Nowhere'" in text
    assert "sessions[0].end (line 12): missing" in text
    assert "sessions[1] (line 15): ends (2026-02-05 10:00) before it starts" in text
    assert "sessions[3].start (line 27): overlaps sessions[2] ('first') in room 'hall'" in text
    assert "sessions[3].speakers[0] (line 30): unknown person 'bob'" in text
    assert "sessions[4].room (line 35): unknown room 'attic'" in text
    assert "sessions[4].start (line 33): is not on one of the event's dates" in text
    assert "sessions[4].colour (line 36): unknown field" in text
    assert len(found) == 8, found


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "must be a mapping"),
        ("- a\n- b\n", "must be a mapping"),
        ("event: [unclosed\n", "not valid YAML"),
        ("event:\n  name: X\n", "event.timezone (line 1): missing"),
        ("event: {name: X, timezone: UTC, dates: []}\n", "event.dates"),
        ("event: {name: X, timezone: UTC, dates: [2026-02-06, 2026-02-05]}\n", "in order"),
        (
            "event: {name: X, timezone: UTC, dates: [2026-02-05], default_language: fr}\n",
            "must be one of en, ko",
        ),
        (
            "event: {name: X, timezone: UTC, dates: [2026-02-05]}\nsessions:\n"
            "  - {id: Bad Id, title: T, start: 2026-02-05 09:00, end: 2026-02-05 10:00}\n",
            "sessions[0].id",
        ),
        (
            "event: {name: X, timezone: UTC, dates: [2026-02-05]}\nsessions:\n"
            "  - {id: a, title: T, start: tomorrow, end: 2026-02-05 10:00}\n",
            "is not a date and time",
        ),
        (
            "event: {name: X, timezone: UTC, dates: [2026-02-05]}\nplatforms:\n"
            "  discord: {roles: {admin: [x]}}\n",
            "roles can be moderator and organiser",
        ),
        (
            "event: {name: X, timezone: UTC, dates: [2026-02-05]}\n"
            "qa: {min_length: 50, max_length: 20}\n",
            "min_length (50) is more than max_length (20)",
        ),
        (
            "event: {name: X, timezone: UTC, dates: [2026-02-05]}\nqa: {rate_second: 5}\n",
            "qa.rate_second",
        ),
    ],
)
def test_malformed_files(text: str, expected: str) -> None:
    assert any(expected in p for p in problems(text)), problems(text)


def test_duplicate_ids_and_offsets_with_explicit_zone() -> None:
    text = (
        "event: {name: X, timezone: Asia/Seoul, dates: [2026-02-05]}\n"
        "sessions:\n"
        "  - {id: a, title: T, start: '2026-02-05T00:00:00+00:00', end: 2026-02-05 10:00}\n"
        "  - {id: a, title: U, start: 2026-02-05 11:00, end: 2026-02-05 12:00}\n"
    )
    assert any("id 'a' is already used by sessions[0]" in p for p in problems(text))
    ok = text.replace("id: a, title: U", "id: b, title: U")
    agenda = build_agenda(parse_event(ok))
    first = agenda.session("a")
    assert first is not None and first.start.hour == 0  # 09:00 KST given as UTC
    assert first.end.hour == 1  # 10:00 KST


def test_unreadable_and_non_utf8_files(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="problem"):
        load_event(tmp_path / "missing.yaml")
    latin = tmp_path / "latin.yaml"
    latin.write_bytes("event: {name: Caf\xe9}".encode("latin-1"))
    with pytest.raises(ConfigError) as caught:
        load_event(latin)
    assert "not UTF-8" in caught.value.report()


def test_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FORUM_BOT_DB", "/tmp/x.sqlite")
    monkeypatch.setenv("FORUM_BOT_WEB_PORT", "off")
    monkeypatch.setenv("DISCORD_TOKEN", "secret-token-value")
    settings = Settings()
    assert str(settings.db) == "/tmp/x.sqlite"
    assert settings.web_port is None
    assert "secret-token-value" not in repr(settings)
    assert settings.secrets() == ["secret-token-value"]


def test_the_database_is_sqlite_unless_a_postgresql_address_is_set(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("FORUM_BOT_DB", "/tmp/x.sqlite")
    assert Settings().database() == Path("/tmp/x.sqlite")
    monkeypatch.setenv("FORUM_BOT_DATABASE_URL", " ")  # blank: as if unset
    assert Settings().database() == Path("/tmp/x.sqlite")
    url = "postgresql://bot:pg-pass-1@db:5432/forum"
    monkeypatch.setenv("FORUM_BOT_DATABASE_URL", url)
    settings = Settings()
    assert settings.database() == url
    assert settings.database(Path("other.sqlite")) == Path("other.sqlite")  # --db wins
    # The address and its password are kept out of logs and of the settings' repr.
    assert {url, "pg-pass-1"} <= set(settings.secrets())
    assert "pg-pass-1" not in repr(settings)
    for bad in ("sqlite:///x", "db:5432/forum", "postgresql://db:port/forum"):
        monkeypatch.setenv("FORUM_BOT_DATABASE_URL", bad)
        with pytest.raises(ValidationError, match="FORUM_BOT_DATABASE_URL") as caught:
            Settings()
        said = [str(e["msg"]) for e in caught.value.errors()]  # what the command line says
        assert len(said) == 1 and bad not in said[0]


MAPPED = """\
event: {name: Mapped, timezone: Asia/Seoul, dates: [2026-02-05]}
rooms:
  - {id: s1, name: S1}
  - {id: s2, name: S2}
  - {id: empty, name: Empty}
sessions:
  - {id: a, title: A, start: 2026-02-05 09:00, end: 2026-02-05 10:00, room: s1}
  - {id: b, title: B, start: 2026-02-05 09:00, end: 2026-02-05 10:00, room: s2}
platforms:
  discord:
    channels: {announcements: announcements}
    rooms:
      s1: s1-talks
      grand-hall: grand-hall
  slack:
    rooms: {s1: s1, s2: s2}
  console:
    channels: {announcements: announcements}
"""


def test_a_channel_mapped_to_an_unknown_room_is_a_problem_with_its_line() -> None:
    assert problems(MAPPED) == [
        "platforms.discord.rooms.grand-hall (line 14): unknown room 'grand-hall'; "
        "the rooms are 's1', 's2', 'empty'"
    ]
    # An event whose programme comes from a source has its rooms from there.
    sourced = MAPPED + "source: {url: programme.json}\n"
    assert parse_event(sourced).platforms["discord"].rooms["grand-hall"] == "grand-hall"


def test_a_room_without_a_channel_on_a_platform_is_a_warning() -> None:
    mapped = MAPPED.replace("      grand-hall: grand-hall\n", "")
    assert [str(w) for w in event_warnings(parse_event(mapped))] == [
        "platforms.discord.rooms: no channel for room 's2': its reminders go to the "
        "announcements channel only"
    ]  # not the terminal's, nor a room without sessions
    unmapped = mapped.replace("    rooms: {s1: s1, s2: s2}\n", "    channels: {}\n")
    assert [str(w) for w in event_warnings(parse_event(unmapped))][1] == (
        "platforms.slack.rooms: no channel for rooms 's1', 's2': their reminders go to the "
        "announcements channel only"
    )
