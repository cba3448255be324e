"""/timezone and /language: validated, stored, and applied to every later answer."""

from __future__ import annotations

from pathlib import Path

from bot.app import build_core
from bot.core.clock import SimulatedClock
from bot.core.dispatch import Core
from bot.core.model import plain
from bot.i18n.zones import zones_matching
from bot.platforms.console.adapter import render
from bot.settings import EventConfig
from bot.storage import Prefs, Store, get_prefs, open_store
from tests.conftest import Person


async def test_timezone_shows_event_and_user_time(alice: Person, store: Store) -> None:
    reply = await alice.say("/timezone America/Los_Angeles")
    text = render(reply)
    assert "America/Los_Angeles" in text
    assert "Thu 5 Feb 09:00 KST (UTC+9)" in text  # the event's time now
    assert "Wed 4 Feb 16:00 PST (UTC-8)" in text  # the user's time now
    assert (await get_prefs(store, alice.user.key)).timezone == "America/Los_Angeles"
    agenda = render(await alice.say("/agenda 1"))
    assert "Wed 4 Feb 20:00 - 22:00" in agenda  # the dialogue, seen from San Diego
    assert "PST (UTC-8)" in agenda


async def test_timezone_aliases_cities_and_case(alice: Person, store: Store) -> None:
    for typed, zone in (
        ("asia/tokyo", "Asia/Tokyo"),
        ("JST", "Asia/Tokyo"),
        ("los angeles", "America/Los_Angeles"),
        ("Seoul", "Asia/Seoul"),
        ("utc", "Etc/UTC"),
        # Korean city names, as CLDR spells them in Korean.
        ("도쿄", "Asia/Tokyo"),
        ("서울", "Asia/Seoul"),
        ("로스앤젤레스", "America/Los_Angeles"),
        ("로스 앤젤레스", "America/Los_Angeles"),
        ("뉴욕", "America/New_York"),
    ):
        reply = await alice.say(f"/timezone {typed}")
        assert not reply.error, typed
        assert (await get_prefs(store, alice.user.key)).timezone == zone, typed
    # Autocomplete finds a zone by its Korean city name too.
    assert zones_matching("도쿄") == ["Asia/Tokyo"]
    assert "America/Los_Angeles" in zones_matching("로스앤")


async def test_timezone_reset_to_event(alice: Person, store: Store) -> None:
    await alice.say("/timezone Asia/Tokyo")
    await alice.say("/timezone event")
    assert (await get_prefs(store, alice.user.key)).timezone == "Asia/Seoul"


async def test_unknown_zone_changes_nothing(alice: Person, store: Store) -> None:
    await alice.say("/timezone Asia/Tokyo")
    for bad in ("Mars/Olympus", "Asia/Seol", "../../etc/passwd", "x" * 64):
        reply = await alice.say(f"/timezone {bad}")
        assert reply.error, bad
        assert "time zone" in plain(reply.text)
    assert "Did you mean Asia/Seoul?" in plain((await alice.say("/timezone Asia/Seol")).text)
    misspelt = plain((await alice.say("/timezone 로스엔젤레스")).text)
    assert "Did you mean America/Los_Angeles?" in misspelt
    assert (await get_prefs(store, alice.user.key)).timezone == "Asia/Tokyo"


async def test_language_switches_every_answer(alice: Person, store: Store) -> None:
    reply = await alice.say("/language ko")
    assert plain(reply.text) == "이제부터 한국어로 답변합니다."
    text = render(await alice.say("/agenda 1"))
    assert "1일차" in text and "차세대 이차전지 라운드테이블" in text
    assert "목요일" in text  # Babel's Korean date
    assert "/agenda" in render(await alice.say("/help"))
    assert "없습니다" in plain((await alice.say("/agenda 7")).text)
    for word in ("English", "en", "영어"):
        assert not (await alice.say(f"/language {word}")).error
    assert (await get_prefs(store, alice.user.key)).language == "en"
    bad = await alice.say("/language fr")
    assert bad.error and "en, ko" in plain(bad.text)


async def test_preferences_survive_a_restart(
    tmp_path: Path, event_config: EventConfig, clock: SimulatedClock
) -> None:
    path = tmp_path / "restart.sqlite"
    first = await open_store(path)
    person = Person(await build_core(event_config, first, clock))
    await person.say("/timezone Asia/Tokyo")
    await person.say("/language ko")
    await first.close()
    second = await open_store(path)
    try:
        again = Person(await build_core(event_config, second, clock))
        text = render(await again.say("/agenda 1"))
        assert "1일차" in text and "JST (UTC+9)" in text
    finally:
        await second.close()


async def test_preferences_are_per_user(core: Core, alice: Person) -> None:
    bob = Person(core, "bob")
    await alice.say("/language ko")
    assert "Day 1" in render(await bob.say("/agenda 1"))


async def test_preferences_load_whole_once_and_stay_exact(tmp_path: Path) -> None:
    """The first read caches every stored row; a later write to a user never read is
    still seen, and a reopened store reads it back."""
    from datetime import UTC, datetime

    from bot.storage import get_prefs, open_store, set_language, set_timezone

    now = datetime(2026, 2, 5, tzinfo=UTC)
    first = await open_store(tmp_path / "p.sqlite")
    await set_language(first, "discord:1", "ko", now)
    await first.close()
    store = await open_store(tmp_path / "p.sqlite")
    try:
        assert (await get_prefs(store, "slack:9")).language is None  # loads every row
        assert (await get_prefs(store, "discord:1")).language == "ko"
        await set_timezone(store, "slack:7", "Asia/Tokyo", now)  # never read before
        assert (await get_prefs(store, "slack:7")).timezone == "Asia/Tokyo"
        await set_language(store, "discord:1", "en", now)
        assert await get_prefs(store, "discord:1") == (await get_prefs(store, "discord:1"))
        assert (await get_prefs(store, "discord:1")).language == "en"
    finally:
        await store.close()
    again = await open_store(tmp_path / "p.sqlite")
    try:
        assert (await get_prefs(again, "slack:7")).timezone == "Asia/Tokyo"
        assert (await get_prefs(again, "discord:1")).language == "en"
    finally:
        await again.close()


async def test_choosing_what_is_stored_already_writes_nothing(tmp_path: Path) -> None:
    """/language ko twice commits once: the second changes nothing, so it costs no write
    (its updated_at stays), while a real change is still written."""
    from datetime import UTC, datetime, timedelta

    from bot.storage import open_store, set_language, set_timezone

    first, later = datetime(2026, 2, 5, tzinfo=UTC), datetime(2026, 2, 6, tzinfo=UTC)
    store = await open_store(tmp_path / "same.sqlite")
    try:

        async def stamp() -> str:
            row = await store.fetchone(
                "SELECT updated_at FROM user_prefs WHERE user_key = ?", ("discord:1",)
            )
            assert row is not None
            return str(row["updated_at"])

        await get_prefs(store, "discord:1")  # as every command does before it runs
        await set_language(store, "discord:1", "ko", first)
        await set_timezone(store, "discord:1", "Asia/Tokyo", first)
        await set_language(store, "discord:1", "ko", later)
        await set_timezone(store, "discord:1", "Asia/Tokyo", later)
        assert await stamp() == first.isoformat()
        await set_timezone(store, "discord:1", "Asia/Seoul", later + timedelta(hours=1))
        assert await stamp() == (later + timedelta(hours=1)).isoformat()
        assert await get_prefs(store, "discord:1") == Prefs("Asia/Seoul", "ko")
    finally:
        await store.close()
