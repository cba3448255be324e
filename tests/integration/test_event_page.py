"""The event's page over HTTP on 127.0.0.1: now and next, a day's programme, a session in
full, the calendar files; English and Korean, the reader's zone from its cookie, and
hostile input answered with a short 404."""

from __future__ import annotations

import re
from html import unescape
from typing import Any

import aiohttp
import pytest

from bot.app import build_core
from bot.core.clock import SimulatedClock
from bot.core.dispatch import Core
from bot.programme.building import build_agenda
from bot.settings import EventConfig
from bot.storage import Store, calendar
from bot.web.pages import CSP
from tests.conftest import Person, web_server

# site (tests/conftest.py): the bot's web server's base URL, at 13:10 (the dialogue is on).


async def _get(url: str, **headers: str) -> tuple[int, str, Any]:
    async with aiohttp.ClientSession() as http, http.get(url, headers=headers) as got:
        return got.status, await got.text(), got


def _text(html: str) -> str:
    """The page's words, without tags, spaces folded."""
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


async def test_now_next_and_the_day_in_english(site: str) -> None:
    status, html, got = await _get(f"{site}/", **{"Accept-Language": "en-GB,en;q=0.9"})
    assert status == 200 and got.headers["Content-Security-Policy"] == CSP
    assert '<html lang="en">' in html and '<script src="/static/site/event.js">' in html
    words = _text(html)
    now = words.index("On now")
    nxt = words.index("Up next")
    assert "International Forum: Dialogue with Global Scholars" in words[now:nxt]
    assert "13:00 – 15:00 · ends in 110 min" in words[now:nxt]
    assert "Times are in the event's zone, KST (UTC+9)." in words
    # The dialogue takes questions now: a link to its audience page.
    assert 'href="/q/dialogue"' in html and "Q&amp;A is open: ask a question" in html
    # Day 1 is today: its tab is the current one, its sessions listed in order.
    assert '<a href="?day=1#programme" aria-current="page">Day 1</a>' in html
    assert "Day 1 · Thursday, 5 February 2026" in words
    programme = words[words.index("Programme") :]
    assert programme.index("Opening") < programme.index("Dialogue with Global Scholars")
    assert 'href="/calendar.ics"' in html and 'href="/session/dialogue"' in html


async def test_korean_from_the_browser_and_a_choice_that_sticks(site: str) -> None:
    status, html, _ = await _get(f"{site}/", **{"Accept-Language": "ko-KR,ko;q=0.9,en;q=0.5"})
    assert status == 200 and '<html lang="ko">' in html
    words = _text(html)
    assert "지금 진행 중" in words and "국제 포럼: 글로벌 석학과의 대화" in words
    assert "시간은 행사 현지 시간(KST (UTC+9)) 기준입니다." in words
    assert "1일차 · 2026년 2월 5일 목요일" in words
    # unsafe: the jar keeps cookies of an address such as 127.0.0.1, as a browser does.
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
        async with http.get(f"{site}/?lang=ko", headers={"Accept-Language": "en"}) as got:
            assert '<html lang="ko">' in await got.text()
        # The cookie keeps Korean on the next page, whatever the browser says.
        async with http.get(f"{site}/session/dialogue", headers={"Accept-Language": "en"}) as got:
            assert '<html lang="ko">' in await got.text()


async def test_times_in_the_zone_the_browser_said(site: str) -> None:
    _, html, _ = await _get(f"{site}/", Cookie="tz=Europe/Berlin")
    words = _text(html)
    assert "Times are in your zone, CET (UTC+1)." in words
    assert "05:00 – 07:00 · ends in 110 min" in words  # 13:00 in Seoul
    # A zone nobody knows: the event's, said so.
    _, html, _ = await _get(f"{site}/", Cookie="tz=Mars/Olympus")
    assert "Times are in the event's zone, KST (UTC+9)." in _text(html)
    # A reader far west sees the session on the day before the event's: dated.
    _, html, _ = await _get(f"{site}/session/opening", Cookie="tz=America/Los_Angeles")
    assert "Wed 4 Feb" in _text(html)


async def test_another_day_and_hostile_days(site: str) -> None:
    status, html, _ = await _get(f"{site}/?day=2")
    assert status == 200 and '<a href="?day=2#programme" aria-current="page">' in html
    assert "Day 2 · Friday, 6 February 2026" in _text(html)
    hostile = ["0", "3", "-1", "abc", "1e3", "²", "１", "1 ", "", "9" * 5000, "<script>x</script>"]
    async with aiohttp.ClientSession() as http:
        for day in hostile:
            async with http.get(f"{site}/", params={"day": day}) as got:
                page = await got.text()
                assert got.status == 404, day
                assert "There is no such day: the event has days 1 to 2." in page, day
                assert "<script>x" not in page and len(page) < 3000


async def test_a_session_in_full_and_unknown_ones(site: str) -> None:
    status, html, _ = await _get(f"{site}/session/dialogue")
    assert status == 200
    words = _text(html)
    assert "International Forum: Dialogue with Global Scholars" in words
    assert "Thu 5 Feb 13:00 – 15:00" in words and "Grand Hall" in words
    assert re.search(r"Speakers .*\(.+\)", words)  # names with their affiliations
    assert "lithium-metal" in words
    assert 'href="/q/dialogue"' in html and 'href="/session/dialogue/calendar.ics"' in html
    assert 'href="/?day=1#programme"' in html
    # A session without Q&A has no link to one.
    _, html, _ = await _get(f"{site}/session/opening")
    assert "/q/opening" not in html
    async with aiohttp.ClientSession() as http:
        for bad in ("nope", "%3Cscript%3Ealert(1)%3C%2Fscript%3E", "x" * 2000, "dialogue%00"):
            async with http.get(f"{site}/session/{bad}") as got:
                page = await got.text()
                assert got.status == 404 and "There is no such session." in page, bad
                assert "<script>alert" not in page
            async with http.get(f"{site}/session/{bad}/calendar.ics") as got:
                assert got.status == 404


async def test_calendar_files_are_those_of_ics(site: str, alice: Person) -> None:
    """The same builder as /ics all: the same calendar but for when it was made, and how
    often a subscribed calendar should look again (the whole programme's is a feed)."""
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{site}/calendar.ics") as got:
            assert got.status == 200 and got.content_type == "text/calendar"
            assert 'filename="battery-forum-2026.ics"' in got.headers["Content-Disposition"]
            whole = await got.read()
        async with http.get(f"{site}/session/dialogue/calendar.ics") as got:
            one = await got.read()
            assert (
                'filename="battery-forum-2026-dialogue.ics"' in (got.headers["Content-Disposition"])
            )
    chat = (await alice.say("/ics all")).file
    assert chat is not None
    refresh = b"REFRESH-INTERVAL;VALUE=DURATION:PT1H\r\nX-PUBLISHED-TTL:PT1H\r\n"
    assert refresh in whole and refresh not in chat.data and refresh not in one
    assert _undated(whole.replace(refresh, b"")) == _undated(chat.data)
    assert one.count(b"BEGIN:VEVENT") == 1 and b"UID:dialogue" in one


async def test_a_calendar_file_follows_the_agenda(
    site: str, core: Core, event_config: EventConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Made once while nothing changes (icalendar is slow, and its SEQUENCE numbers are
    kept in a write transaction: not one per download), made again once a session
    changes: its new title, a higher SEQUENCE."""
    kept: list[int] = []
    real = calendar.sequences

    async def counted(*args: Any) -> dict[str, int]:
        kept.append(1)
        return await real(*args)

    monkeypatch.setattr(calendar, "sequences", counted)
    url = f"{site}/session/dialogue/calendar.ics"
    async with aiohttp.ClientSession() as http:
        first = await (await http.get(url)).read()
        for _ in range(5):
            assert await (await http.get(url)).read() == first
        assert len(kept) == 1
        changed = [
            s.model_copy(update={"title": s.title.model_copy(update={"en": "Renamed dialogue"})})
            if s.id == "dialogue"
            else s
            for s in event_config.sessions
        ]
        core.agenda = build_agenda(event_config.model_copy(update={"sessions": changed}))
        after = await (await http.get(url)).read()
    assert len(kept) == 2
    assert b"SUMMARY:Renamed dialogue" in after and b"SEQUENCE:1" in after
    assert b"SEQUENCE:0" in first


def _undated(data: bytes) -> bytes:
    return re.sub(rb"DTSTAMP:[0-9TZ]+\r\n", b"", data)


async def test_what_the_programme_says_is_shown_as_text(
    event_config: EventConfig, store: Store, clock: SimulatedClock
) -> None:
    """A session's title, abstract and link from a hostile event file become text, and a
    link that is not the web's is not a link."""
    first = event_config.sessions[1]
    evil = first.model_copy(
        update={
            "id": "evil",
            "title": first.title.model_copy(update={"en": "<script>alert(1)</script> & co"}),
            "abstract": first.title.model_copy(update={"en": '<img src=x onerror="alert(2)">'}),
            "url": "javascript:alert(3)",
        }
    )
    config = event_config.model_copy(update={"sessions": [*event_config.sessions, evil]})
    core = await build_core(config, store, clock)
    async with web_server(core, clock) as server:
        base = f"http://127.0.0.1:{server.port}"
        for path in ("/", "/session/evil"):
            status, html, _ = await _get(f"{base}{path}", **{"Accept-Language": "en"})
            assert status == 200
            assert "<script>alert" not in html and "<img src=x" not in html
            assert "javascript:" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in html
        assert "&lt;img src=x onerror=&#34;alert(2)&#34;&gt;" in html


async def test_the_zone_script_is_served(site: str) -> None:
    status, js, got = await _get(f"{site}/static/site/event.js")
    assert status == 200 and got.content_type == "text/javascript"
    assert "resolvedOptions().timeZone" in js and "location.reload()" in js
