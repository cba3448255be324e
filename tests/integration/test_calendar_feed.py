"""The live calendar feeds over HTTP on 127.0.0.1: /calendar's private address (webcal://
and https://), its feed following /remind and an agenda reload (same UID, higher
SEQUENCE), 304 while nothing changed, a revoked or hostile token answered with one 404,
the public feed; every file parsed by icalendar and by `ical`, a strict RFC 5545 parser
of its own, and checked for the RFC's required properties and its 75-octet lines."""

from __future__ import annotations

import io
import re
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import icalendar
import pytest
import pytest_asyncio
from ical.calendar_stream import IcsCalendarStream

from bot.core.clock import SimulatedClock
from bot.core.dispatch import Core
from bot.core.model import ChannelRef, Reply, Role, UserRef, plain
from bot.platforms.console.adapter import ConsoleAdapter
from bot.programme import ical
from bot.qa.identity import Keys
from bot.runtime import Runtime
from bot.settings import default_config_path
from bot.storage import feeds
from tests.conftest import Person, web_server

TOKEN = re.compile(r"/calendar/([0-9a-f]{32})\.ics")
UID = "@2026-international-forum-on-next-generation-secondar"  # the UIDs' shared part


@pytest_asyncio.fixture
async def base(core: Core, clock: SimulatedClock) -> AsyncIterator[str]:
    """The web server, with /calendar's links under its address (as FORUM_BOT_PUBLIC_URL
    would put them)."""
    async with web_server(core, clock) as server:
        core.qa.web_url = f"http://127.0.0.1:{server.port}"
        yield core.qa.web_url


def lines(reply: Reply) -> list[str]:
    assert reply.card is not None and not reply.error, plain(reply.text)
    return [plain(line) for line in reply.card.lines]


def address(reply: Reply) -> str:
    """The https:// address /calendar answered with."""
    found = [m.group(0) for line in lines(reply) for m in re.finditer(r"https?://\S+", line)]
    found = [url for url in found if TOKEN.search(url)]
    assert len(found) == 1, lines(reply)
    return found[0]


async def fetch(url: str, **headers: str) -> tuple[int, bytes, Any]:
    async with aiohttp.ClientSession() as http, http.get(url, headers=headers) as got:
        return got.status, await got.read(), got.headers


def events(data: bytes) -> dict[str, icalendar.Component]:
    """The file's VEVENTs by session id, once it has passed `valid`."""
    return {str(ev["UID"]).split("@")[0]: ev for ev in valid(data).walk("VEVENT")}


def valid(data: bytes) -> icalendar.Component:
    """RFC 5545 as far as a feed needs: CRLF lines of at most 75 octets (longer ones
    folded), the calendar's VERSION and PRODID and at least one component, each VEVENT's
    UID, DTSTAMP (UTC), DTSTART (in a zone the file defines) and SEQUENCE, each VALARM's
    ACTION, TRIGGER and (DISPLAY) DESCRIPTION; read by icalendar and by `ical`, strict."""
    assert data.endswith(b"\r\n") and b"\n" not in data.replace(b"\r\n", b"")
    for line in data.split(b"\r\n")[:-1]:
        assert len(line) <= 75, line
    cal = icalendar.Calendar.from_ical(data)
    assert cal.name == "VCALENDAR" and str(cal["VERSION"]) == "2.0"
    assert str(cal["PRODID"]).startswith("-//forum-bot//")
    assert cal.subcomponents  # the RFC's grammar: one component at least
    zones = {str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")}
    for ev in cal.walk("VEVENT"):
        assert not ev.errors, ev.errors
        for name in ("UID", "DTSTAMP", "DTSTART", "SEQUENCE"):
            assert ev.get(name) is not None, (name, ev.get("UID"))
        assert ev.decoded("DTSTAMP").utcoffset() == timedelta(0)
        assert ev["DTSTART"].params["TZID"] in zones
        for alarm in ev.walk("VALARM"):
            assert str(alarm["ACTION"]) == "DISPLAY" and str(alarm["DESCRIPTION"])
            assert alarm.decoded("TRIGGER") <= timedelta(0)
    strict = IcsCalendarStream.calendar_from_ics(data.decode())
    assert len(strict.events) == len(cal.walk("VEVENT"))
    return cal


def start_of(ev: icalendar.Component) -> str:
    when: datetime = ev.decoded("DTSTART")
    return when.isoformat()


def trigger(ev: icalendar.Component) -> timedelta | None:
    alarms = ev.walk("VALARM")
    if not alarms:
        return None
    offset: timedelta = alarms[0].decoded("TRIGGER")
    return offset


def moved_file(tmp_path: Path) -> Path:
    """The sample event file with tech-transfer moved from 11:15 to 13:00 on day 2."""
    text = default_config_path().read_text(encoding="utf-8")
    old = "start: 2026-02-06 11:15\n    end: 2026-02-06 12:15"
    assert old in text
    path = tmp_path / "moved.yaml"
    path.write_text(
        text.replace(old, "start: 2026-02-06 13:00\n    end: 2026-02-06 14:00"), "utf-8"
    )
    return path


async def test_a_subscription_follows_reminders_and_a_reload(
    core: Core, base: str, alice: Person, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    built: list[int] = []
    real = ical.to_ics

    def counted(*args: Any, **kw: Any) -> bytes:
        built.append(1)
        return real(*args, **kw)

    monkeypatch.setattr(ical, "to_ics", counted)
    assert not (await alice.say("/remind tech-transfer 15")).error
    url = address(await alice.say("/calendar"))
    status, data, headers = await fetch(url)
    assert status == 200 and headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert headers["Cache-Control"] == "private, no-cache"
    etag = headers["ETag"]
    assert etag.startswith('W/"') and len(built) == 1
    first = events(data)
    assert list(first) == ["tech-transfer"]
    ev = first["tech-transfer"]
    assert UID in str(ev["UID"]) and ev["SEQUENCE"] == 0
    assert start_of(ev) == "2026-02-06T11:15:00+09:00"
    assert trigger(ev) == timedelta(minutes=-15)
    assert b"X-WR-CALNAME:Battery Forum 2026: my sessions" in data
    assert b"REFRESH-INTERVAL;VALUE=DURATION:PT1H" in data

    # Nothing changed: 304, no body, nothing built; the strong form of the tag matches too.
    for asked in (etag, etag.removeprefix("W/"), f'"nope", {etag}', "*"):
        status, body, again = await fetch(url, **{"If-None-Match": asked})
        assert status == 304 and body == b"" and again["ETag"] == etag, asked
        assert again["Cache-Control"] == "private, no-cache"
    assert len(built) == 1
    # A tag of something else, or a header that is not one: the file.
    for asked in ('"other"', "garbage, ,", "W/"):
        status, body, _ = await fetch(url, **{"If-None-Match": asked})
        assert status == 200 and body == data, asked
    assert len(built) == 1  # the same file, kept

    # A new /remind: a new file, a new tag.
    assert not (await alice.say("/remind closing 5")).error
    status, data, headers = await fetch(url, **{"If-None-Match": etag})
    assert status == 200 and headers["ETag"] != etag
    assert set(events(data)) == {"tech-transfer", "closing"}
    assert trigger(events(data)["closing"]) == timedelta(minutes=-5)
    etag = headers["ETag"]

    # Bob follows the whole programme, no reminder: every VEVENT of his is shared.
    bob = address(await Person(core, "bob").say("/calendar all"))
    status, whole, _ = await fetch(bob)
    assert status == 200 and events(whole)["tech-transfer"]["SEQUENCE"] == 0

    # The organiser moves tech-transfer in the event file and reloads.
    Runtime(core, [], config_path=moved_file(tmp_path))
    organiser = Person(core, "olga", Role.ORGANISER)
    reloaded = await organiser.say("/agenda-reload")
    assert not reloaded.error, plain(reloaded.text)
    status, data, headers = await fetch(url, **{"If-None-Match": etag})
    assert status == 200 and headers["ETag"] != etag
    ev = events(data)["tech-transfer"]
    assert str(ev["UID"]) == str(first["tech-transfer"]["UID"])  # the same entry...
    assert ev["SEQUENCE"] == 1  # ...a newer version of it
    assert start_of(ev) == "2026-02-06T13:00:00+09:00"
    assert trigger(ev) == timedelta(minutes=-15)
    assert events(data)["closing"]["SEQUENCE"] == 0  # unchanged, unchanged
    status, _, _ = await fetch(url, **{"If-None-Match": headers["ETag"]})
    assert status == 304
    # Bob's too: the moved session written anew, not the VEVENT kept from before.
    status, whole, _ = await fetch(bob)
    ev = events(whole)["tech-transfer"]
    assert status == 200 and ev["SEQUENCE"] == 1 and trigger(ev) is None
    assert start_of(ev) == "2026-02-06T13:00:00+09:00"


async def test_calendar_gives_one_private_address_in_both_forms(
    core: Core, base: str, alice: Person
) -> None:
    reply = await alice.say("/calendar")
    assert reply.ephemeral  # to the person alone
    said = lines(reply)
    url = address(reply)
    token = TOKEN.search(url)
    assert token is not None and url == f"{base}/calendar/{token.group(1)}.ics"
    assert f"webcal://127.0.0.1:{base.rsplit(':', 1)[1]}/calendar/{token.group(1)}.ics" in (
        " ".join(said)
    )
    assert "alice" not in token.group(1)
    assert any("none yet" in line for line in said)  # no /remind yet
    assert any("FORUM_BOT_PUBLIC_URL is not set" in line for line in said)
    assert any(f"{base}/calendar.ics" in line for line in said)
    assert reply.card is not None and "Add Subscribed Calendar" in reply.card.footer
    # Asked again: the same address. Someone else: another.
    assert address(await alice.say("/calendar")) == url
    bob = Person(core, "bob")
    assert address(await bob.say("/calendar")) != url
    # The store keeps no token, only its hash.
    rows = await core.store.fetchall("SELECT * FROM calendar_feeds")
    assert len(rows) == 2
    assert all(token.group(1) not in str(tuple(r)) for r in rows)
    status, data, _ = await fetch(url)
    assert status == 200 and events(data) == {}  # a valid calendar, no sessions yet
    # Behind a public address: the webcal:// form of it.
    core.qa.web_url = "https://forum.example.org"
    said = lines(await alice.say("/calendar"))
    assert f"webcal://forum.example.org/calendar/{token.group(1)}.ics" in " ".join(said)
    assert not any("FORUM_BOT_PUBLIC_URL" in line for line in said)


async def test_reset_revokes_the_address_and_gives_a_new_one(
    core: Core, base: str, alice: Person
) -> None:
    assert not (await alice.say("/remind closing")).error
    old = address(await alice.say("/calendar"))
    assert (await fetch(old))[0] == 200
    reply = await alice.say("/calendar reset")
    new = address(reply)
    assert new != old and any("old link no longer works" in line for line in lines(reply))
    unknown = f"{base}/calendar/{'0' * 32}.ics"
    gone, known_not = await fetch(old), await fetch(unknown)
    assert gone[0] == known_not[0] == 404 and gone[1] == known_not[1]
    assert "private" in gone[2]["Cache-Control"]
    status, data, _ = await fetch(new)
    assert status == 200 and set(events(data)) == {"closing"}
    assert address(await alice.say("/calendar")) == new


async def test_the_whole_programme_with_my_alarms_until_mine_again(
    core: Core, base: str, alice: Person
) -> None:
    assert not (await alice.say("/remind closing 20")).error
    url = address(await alice.say("/calendar"))
    reply = await alice.say("/calendar all")
    assert address(reply) == url  # the same address, showing more
    assert any("whole programme (13 sessions)" in line for line in lines(reply))
    status, data, headers = await fetch(url)
    found = events(data)
    assert status == 200 and len(found) == len(core.agenda.sessions)
    assert {sid for sid, ev in found.items() if trigger(ev)} == {"closing"}
    assert trigger(found["closing"]) == timedelta(minutes=-20)
    assert b"X-WR-CALNAME:Battery Forum 2026\r\n" in data
    # /calendar alone keeps the choice; /calendar mine goes back.
    assert any("whole programme" in line for line in lines(await alice.say("/calendar")))
    assert (await fetch(url, **{"If-None-Match": headers["ETag"]}))[0] == 304
    assert not (await alice.say("/calendar mine")).error
    status, data, _ = await fetch(url, **{"If-None-Match": headers["ETag"]})
    assert status == 200 and set(events(data)) == {"closing"}


async def test_in_korean_for_a_korean_reader(core: Core, base: str, alice: Person) -> None:
    await alice.say("/language ko")
    assert not (await alice.say("/remind closing")).error
    reply = await alice.say("/calendar")
    assert reply.card is not None and reply.card.title == "내 캘린더 구독"
    status, data, _ = await fetch(address(reply))
    assert status == 200 and "X-WR-CALNAME:2026 이차전지 포럼: 내 세션" in data.decode()


async def test_hostile_tokens_are_one_404(core: Core, base: str, alice: Person) -> None:
    url = address(await alice.say("/calendar"))
    token = url.rsplit("/", 1)[1].removesuffix(".ics")
    bad = [
        "x",
        token.upper(),
        token[:-1],
        token + "0",
        token + "%00",
        "%C3%A9" * 16,
        "é" * 32,
        "a" * 4000,
        "..%2F..%2Fcalendar",
        "%2e%2e",
        f"{token}%2F",
        " " + token,
        "programme",
        "<script>alert(1)<%2Fscript>",
    ]
    async with aiohttp.ClientSession() as http:
        for part in bad:
            async with http.get(f"{base}/calendar/{part}.ics") as got:
                assert got.status == 404, part
                assert await got.text() == "There is no such calendar.\n", part
        # Paths the route does not take (a "/" in the token, nothing): aiohttp's own 404.
        for path in (
            "/calendar/.ics",
            f"/calendar/{token}",
            f"/calendar/{token}.ics/x",
            f"/calendar/../calendar/{token}.ics/",
            "/calendar/<script>alert(1)</script>.ics",
        ):
            async with http.get(f"{base}{path}") as got:
                assert got.status == 404, path
        async with http.get(url) as got:
            assert got.status == 200


async def test_the_public_feed(core: Core, base: str) -> None:
    status, data, headers = await fetch(f"{base}/calendar.ics")
    assert status == 200 and headers["Cache-Control"] == "public, max-age=300"
    found = events(data)
    assert len(found) == len(core.agenda.sessions)
    assert not any(trigger(ev) for ev in found.values())  # alarms are a person's
    assert b"REFRESH-INTERVAL;VALUE=DURATION:PT1H\r\nX-PUBLISHED-TTL:PT1H" in data
    status, body, again = await fetch(f"{base}/calendar.ics", **{"If-None-Match": headers["ETag"]})
    assert status == 304 and body == b"" and again["ETag"] == headers["ETag"]
    # Another language, another calendar name: another tag.
    status, korean, other = await fetch(f"{base}/calendar.ics?lang=ko")
    assert status == 200 and other["ETag"] != headers["ETag"]
    assert "X-WR-CALNAME:2026 이차전지 포럼" in korean.decode()


async def test_without_a_web_server_one_clear_line(core: Core, alice: Person) -> None:
    assert core.qa.web_url == ""
    reply = await alice.say("/calendar")
    assert reply.error and "web server is off" in plain(reply.text)
    assert await core.store.fetchall("SELECT * FROM calendar_feeds") == []
    # The terminal says the same.
    out = io.StringIO()
    console = ConsoleAdapter(core, stdin=io.StringIO(""), stdout=out)
    await console.handle("/calendar")
    assert "web server is off" in out.getvalue()


async def test_a_new_secret_revokes_every_address(core: Core, base: str, alice: Person) -> None:
    url = address(await alice.say("/calendar"))
    token = url.rsplit("/", 1)[1].removesuffix(".ics")
    assert await feeds.by_token(core.store, core.qa.keys.token, token) is not None
    assert await feeds.by_token(core.store, Keys(b"another secret").token, token) is None


async def test_only_its_owner_resets_it(core: Core, base: str, alice: Person) -> None:
    """Another person's reset is their own: Alice's address still works."""
    url = address(await alice.say("/calendar"))
    bob = Person(core, "bob")
    await bob.say("/calendar reset")
    assert (await fetch(url))[0] == 200
    # A person on another platform with the same id is another person.
    slack = await core.dispatch_text(
        "slack", "/calendar", UserRef("slack", "alice", "alice"), ChannelRef("slack", "c")
    )
    assert address(slack) != url
