"""The web pages' shared parts: whose language and zone a page is in, and rendering."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest
from aiohttp.test_utils import make_mocked_request

from bot.web.pages import CSP, reader, render

SEOUL = ZoneInfo("Asia/Seoul")


def _reader(path: str = "/", **headers: str) -> tuple[str, str]:
    t = reader(make_mocked_request("GET", path, headers=headers), "en", SEOUL)
    return t.lang, t.tz.key


@pytest.mark.parametrize(
    ("path", "headers", "lang"),
    [
        ("/", {}, "en"),
        ("/", {"Accept-Language": "ko-KR,ko;q=0.9,en-US;q=0.8,en;q=0.7"}, "ko"),
        ("/", {"Accept-Language": "fr-FR, en;q=0.5, ko;q=0.8"}, "ko"),
        ("/", {"Accept-Language": "ko;q=0, en;q=0.1"}, "en"),
        ("/", {"Accept-Language": "ko;q=banana, en"}, "en"),
        ("/", {"Accept-Language": "," * 10_000 + "ko"}, "en"),  # only the first 500 read
        ("/?lang=ko", {"Accept-Language": "en"}, "ko"),
        ("/?lang=xx", {"Accept-Language": "ko"}, "ko"),
        ("/", {"Cookie": "lang=ko", "Accept-Language": "en"}, "ko"),
        ("/?lang=en", {"Cookie": "lang=ko"}, "en"),
    ],
)
def test_the_reader_s_language(path: str, headers: dict[str, str], lang: str) -> None:
    assert _reader(path, **headers)[0] == lang


@pytest.mark.parametrize(
    ("cookie", "zone"),
    [
        ("", "Asia/Seoul"),
        ("tz=America/Los_Angeles", "America/Los_Angeles"),
        ("tz=Mars/Olympus", "Asia/Seoul"),
        ("tz=../../etc/passwd", "Asia/Seoul"),
        ("tz=America", "Asia/Seoul"),  # a folder of zones: an OSError, not a zone
        ("tz=" + "A" * 200, "Asia/Seoul"),
    ],
)
def test_the_reader_s_zone_from_the_browser_or_the_event_s(cookie: str, zone: str) -> None:
    headers = {"Cookie": cookie} if cookie else {}
    assert _reader("/", **headers)[1] == zone


def test_pages_escape_what_they_show_and_carry_the_policy() -> None:
    page = render(
        "base.html",
        lang="en",
        event_name="<script>alert(1)</script> & co",
        t=lambda key: key,
        languages=(("en", "English"), ("ko", "한국어")),
    )
    assert page.text is not None
    assert "<script>alert(1)" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in page.text
    assert page.headers["Content-Security-Policy"] == CSP
    assert "'unsafe-inline'" not in CSP and "script-src 'self'" in CSP
