"""The audience's Q&A page over HTTP on 127.0.0.1: devices, CSRF, forms with and without
JavaScript, limits, blocks, the live stream, and what the database keeps."""

from __future__ import annotations

import asyncio
import json
import re
import sqlite3
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from typing import Any

import aiohttp
import pytest
import pytest_asyncio
from aiohttp import web
from aiohttp.test_utils import TestServer
from yarl import URL

from bot.core.clock import SimulatedClock
from bot.core.dispatch import Core
from bot.core.model import UserRef
from bot.storage import Store
from bot.web.audience import ASK_MAX_BYTES, AudiencePages
from bot.web.device import COOKIE
from bot.web.pages import add_assets
from bot.web.server import MAX_BODY
from bot.web.stream import Seats
from tests.conftest import DIALOGUE_OPEN, KST_0900

MIA = UserRef("slack", "M1", "Mia")
Client = aiohttp.ClientSession


class Ticks:
    """A monotonic clock that moves only when told (the per-address budget's)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def ticks() -> Ticks:
    return Ticks()


@pytest_asyncio.fixture
async def make_client(
    core: Core, clock: SimulatedClock, ticks: Ticks
) -> AsyncIterator[Callable[..., Any]]:
    """Starts the audience's pages (with the limits of the first call) on a free port;
    each call is one more browser (its own cookie jar) on that server."""
    clock.set(DIALOGUE_OPEN)
    servers: list[TestServer] = []
    browsers: list[Client] = []

    async def make(**limits: Any) -> Client:
        if not servers:
            app = web.Application(client_max_size=MAX_BODY)
            AudiencePages(core.qa, now=ticks, **limits).add_routes(app)
            add_assets(app)
            server = TestServer(app, host="127.0.0.1", port=0)
            await server.start_server()
            servers.append(server)
        # A jar that keeps 127.0.0.1's cookies, as a browser does.
        browser = aiohttp.ClientSession(
            base_url=str(servers[0].make_url("/")), cookie_jar=aiohttp.CookieJar(unsafe=True)
        )
        browsers.append(browser)
        return browser

    yield make
    for browser in browsers:
        await browser.close()
    for server in servers:
        await server.close()


@pytest_asyncio.fixture
async def phone(make_client: Callable[..., Any]) -> Client:
    client: Client = await make_client()
    return client


async def _csrf(client: Client, path: str = "/q/dialogue") -> str:
    """Opens the page (getting the device its cookie) and reads the form's token."""
    async with client.get(path) as page:
        assert page.status == 200
        found = re.search(r'name="csrf" value="([0-9a-f]+)"', await page.text())
    assert found
    return found.group(1)


def _at(client: Client, path: str) -> URL:
    """The full address of `path` on the server this browser talks to."""
    base = client._base_url
    assert base is not None
    return base.join(URL(path))


def _device(client: Client) -> str:
    cookies = {c.key: c.value for c in client.cookie_jar}
    return cookies[COOKIE].partition(".")[0]


async def _notice(client: Client) -> str:
    async with client.get("/q/dialogue") as page:
        html = await page.text()
    found = re.search(r'<div id="notice"[^>]*>([^<]*)</div>', html)
    assert found, html
    return found.group(1)


async def _post(client: Client, path: str, **fields: str) -> aiohttp.ClientResponse:
    response = await client.post(path, data=fields, allow_redirects=False)
    await response.read()
    return response


async def _ask(client: Client, text: str, **fields: str) -> str:
    """Asks with JavaScript off: the form, the redirect back, the message shown there."""
    token = await _csrf(client)
    response = await _post(client, "/q/dialogue/ask", csrf=token, text=text, **fields)
    assert response.status == 303, await response.text()
    assert response.headers["Location"].startswith("/q/dialogue?order=top")
    return await _notice(client)


async def _count(core: Core) -> int:
    row = await core.store.fetchone("SELECT COUNT(*) AS n FROM questions")
    assert row is not None
    return int(row["n"])


# -- the page and the device -----------------------------------------------------------------


async def test_page_gives_a_device_a_signed_cookie_and_an_accessible_form(
    phone: Client, make_client: Callable[..., Any]
) -> None:
    async with phone.get("/q/dialogue", headers={"Accept-Language": "ko-KR,ko;q=0.9"}) as page:
        assert page.status == 200
        assert "script-src 'self'" in page.headers["Content-Security-Policy"]
        cookie = page.cookies[COOKIE]
        assert cookie["httponly"] and cookie["samesite"] == "Lax" and cookie["path"] == "/q"
        assert not cookie["secure"]  # plain http: a Secure cookie would never come back
        html = await page.text()
    assert '<html lang="ko">' in html and "질문 보내기" in html
    for field in ("ask-text", "ask-name", "ask-anonymous"):
        assert f'id="{field}"' in html and f'<label for="{field}">' in html
    # The shared stream-or-poll script first: deferred scripts run in order.
    live, own = (
        '<script src="/static/site/live.js" defer>',
        '<script src="/static/site/audience.js" defer>',
    )
    assert live in html and own in html and html.index(live) < html.index(own)
    assert "<script>" not in html  # no inline script (the JSON block is data)
    async with phone.get("/static/site/audience.js") as js:
        assert js.status == 200 and "textContent" in await js.text()
        assert "innerHTML" not in await js.text()
    async with phone.get("/static/site/live.js") as js:
        assert js.status == 200 and "EventSource" in await js.text()
    # Behind a TLS proxy on this machine the cookie is Secure.
    fresh = await make_client()
    try:
        async with fresh.get("/q/dialogue", headers={"X-Forwarded-Proto": "https"}) as page:
            assert page.cookies[COOKIE]["secure"]
    finally:
        await fresh.close()


async def test_a_tampered_or_made_up_cookie_is_a_new_device(phone: Client, core: Core) -> None:
    await _ask(phone, "Is the roadmap public?")
    mine = _device(phone)
    value = {c.key: c.value for c in phone.cookie_jar}[COOKIE]
    for forged in (
        mine + "." + "0" * 32,  # someone's id, signed by guess
        value[:-1] + ("0" if value[-1] != "0" else "1"),  # one character changed
        "x" * 24 + "." + value.partition(".")[2],  # another id with this signature
        "garbage",
    ):
        phone.cookie_jar.clear()
        phone.cookie_jar.update_cookies({COOKIE: forged}, _at(phone, "/q"))
        async with phone.get("/q/dialogue/state") as state:
            assert (await state.json())["mine"] == [], forged
        async with phone.get("/q/dialogue") as page:
            assert page.cookies[COOKIE].value.partition(".")[0] != mine
            assert "Is the roadmap public?" not in await page.text()
    assert await _count(core) == 1


async def test_index_goes_to_the_open_session_or_lists_them(
    phone: Client, clock: SimulatedClock
) -> None:
    async with phone.get("/q?lang=ko", allow_redirects=False) as go:
        assert go.status == 303 and go.headers["Location"] == "/q/dialogue?lang=ko"
    clock.set(KST_0900 + timedelta(hours=7))  # 16:00: the dialogue's Q&A has closed
    async with phone.get("/q") as page:
        assert page.status == 200
        html = await page.text()
        assert 'href="/q/dialogue"' in html and "taking questions now" not in html
    async with phone.get("/q/dialogue") as page:
        assert "not taking questions now" in await page.text()
    for path in ("/q/nope", "/q/nope/state", "/q/nope/events"):
        async with phone.get(path) as missing:
            assert missing.status == 404, path
    response = await _post(phone, "/q/nope/ask", text="hello there")
    assert response.status == 404


# -- asking ----------------------------------------------------------------------------------


async def test_ask_named_then_approved_then_listed(phone: Client, core: Core) -> None:
    said = await _ask(phone, "배터리 재활용 비용은 얼마인가요?", name="Kim")
    assert "will appear once a moderator approves it" in said
    q = await core.qa.question(1)
    assert (q.author_platform, q.author_id, q.author_name) == ("web", _device(phone), "Kim")
    async with phone.get("/q/dialogue/state") as state:
        data = await state.json()
    assert data["questions"] == [] and data["mine"][0]["status"] == "pending"
    await core.qa.moderate(MIA, 1, "approve")
    async with phone.get("/q/dialogue") as page:
        html = await page.text()
    assert re.search(r'<li class="question" data-id="1">\s*<p class="text"[^>]*>배터리', html)
    assert "Kim" in html and "approved" in html
    # The flash was shown once, then dropped.
    assert await _notice(phone) == ""


async def test_a_name_left_blank_is_a_guest_not_the_device_id(phone: Client, core: Core) -> None:
    await _ask(phone, "What is the timeline?")
    q = await core.qa.question(1)
    assert q.author_name == "Guest (web)" and _device(phone) not in (q.author_name or "")


async def test_an_anonymous_question_keeps_no_device_id_in_the_database(
    phone: Client, core: Core, store: Store, make_client: Callable[..., Any]
) -> None:
    said = await _ask(phone, "Who funds this programme?", name="Kim", anonymous="on")
    assert "nobody, moderators included" in said
    device = _device(phone)
    await core.qa.moderate(MIA, 1, "approve")
    voter = await make_client()
    token = await _csrf(voter)
    assert (await _post(voter, "/q/dialogue/vote", csrf=token, id="1")).status == 303
    # Read the file itself, every table and column, as a copy of the database would be.
    db = sqlite3.connect(store.where)
    try:
        dump = "\n".join(db.iterdump())
        row = db.execute(
            "SELECT anonymous, author_platform, author_id, author_name, author_key "
            "FROM questions WHERE id = 1"
        ).fetchone()
    finally:
        db.close()
    # The surface it came from (shown on the screens) and a keyed hash; no id, no name.
    assert row[:4] == (1, "web", None, None) and row[4]
    assert device not in dump and "Kim" not in dump
    async with phone.get("/q/dialogue/state") as state:
        data = await state.json()
    assert data["mine"][0]["anonymous"] and data["questions"][0]["author"] is None


async def test_duplicates_become_votes_and_the_pace_holds(
    phone: Client, core: Core, clock: SimulatedClock, make_client: Callable[..., Any]
) -> None:
    await _ask(phone, "What's the budget for 2027?")
    await core.qa.moderate(MIA, 1, "approve")
    said = await _ask(phone, "what is the budget for 2027")
    assert "One question at a time" in said
    other = await make_client()
    try:
        said = await _ask(other, "What's the budget for 2027?!")
        assert "Someone already asked that (#1)" in said
    finally:
        await other.close()
    assert (await core.qa.question(1)).votes == 1 and await _count(core) == 1
    clock.advance(timedelta(seconds=31))
    assert "Thank you" in await _ask(phone, "A second, different question")


@pytest.mark.parametrize(
    ("text", "name", "message"),
    [
        ("", "", "too short"),
        ("   \n\t ", "", "too short"),
        ("Hi", "", "too short"),
        ("x" * 501, "", "the limit is 500"),
        ("Ring the bell\x07 please", "", "invisible control characters"),
        ("Reversed \u202etext here", "", "invisible control characters"),
        ("A fine question here", "Kim\x00", "invisible control characters"),
        ("A fine question here", "K" * 61, "at most 60 characters"),
    ],
)
async def test_bad_text_is_refused_and_kept_for_the_next_try(
    phone: Client, core: Core, text: str, name: str, message: str
) -> None:
    said = await _ask(phone, text, name=name)
    assert message in said
    assert await _count(core) == 0
    if text.strip() and "\x00" not in name:
        # With JavaScript off the refused text comes back in the form, to correct it.
        token = await _csrf(phone)
        await _post(phone, "/q/dialogue/ask", csrf=token, text=text, name=name)
        async with phone.get("/q/dialogue") as page:
            html = await page.text()
        assert f">{text}</textarea>" in html


async def test_hostile_text_is_shown_as_text(phone: Client, core: Core) -> None:
    hostile = '<script>alert(1)</script> "quoted" & <b>bold</b>'
    await _ask(phone, hostile, name="<img src=x onerror=alert(1)>")
    await core.qa.moderate(MIA, 1, "approve")
    async with phone.get("/q/dialogue") as page:
        html = await page.text()
    assert "<script>alert" not in html and "<b>bold" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


async def test_requests_too_large_unreadable_or_odd_are_refused_whole(
    phone: Client, core: Core
) -> None:
    token = await _csrf(phone)
    huge = await _post(phone, "/q/dialogue/ask", csrf=token, text="가" * ASK_MAX_BYTES)
    assert huge.status == 413 and "too much to send" in await huge.text()
    odd: list[tuple[dict[str, str], bytes]] = [
        (
            {"Content-Type": "application/x-www-form-urlencoded"},
            b"csrf=" + token.encode() + b"&text=\xff\xfe bad bytes",
        ),
        ({"Content-Type": "application/json"}, json.dumps({"csrf": token}).encode()),
        ({"Content-Type": "application/x-www-form-urlencoded; charset=no-such"}, b"text=hello"),
    ]
    for headers, body in odd:
        async with phone.post("/q/dialogue/ask", data=body, headers=headers) as refused:
            assert refused.status == 400, headers
            assert "could not be read" in await refused.text()
    form = aiohttp.FormData()
    form.add_field("csrf", token)
    form.add_field("text", b"a file, not text", filename="q.txt")
    async with phone.post("/q/dialogue/ask", data=form) as refused:
        assert refused.status == 400

    async def chunks() -> AsyncIterator[bytes]:
        yield f"csrf={token}&text=".encode()
        yield b"x" * 100_000

    async with phone.post(
        "/q/dialogue/ask",
        data=chunks(),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    ) as refused:
        assert refused.status == 411
    assert await _count(core) == 0


# -- CSRF --------------------------------------------------------------------------------------


async def test_a_post_without_this_device_s_token_is_refused(
    phone: Client, core: Core, make_client: Callable[..., Any]
) -> None:
    await _ask(phone, "A question to vote on")
    await core.qa.moderate(MIA, 1, "approve")
    other = await make_client()
    try:
        theirs = await _csrf(other)
    finally:
        await other.close()
    for fields in (
        {},  # no token at all (a forged form on another site)
        {"csrf": ""},
        {"csrf": "0" * 32},
        {"csrf": theirs},  # another device's genuine token
    ):
        for path, extra in (("ask", {"text": "Forged question here"}), ("vote", {"id": "1"})):
            response = await _post(phone, f"/q/dialogue/{path}", **fields, **extra)
            assert response.status == 403, (path, fields)
            assert "This form has expired" in await response.text()
    # A fetch without the header or field, and a new browser with no cookie at all.
    async with phone.post(
        "/q/dialogue/vote", data={"id": "1"}, headers={"Accept": "application/json"}
    ) as refused:
        assert refused.status == 403 and not (await refused.json())["ok"]
    stranger = await make_client()
    try:
        response = await _post(stranger, "/q/dialogue/vote", csrf=theirs, id="1")
        assert response.status == 403
    finally:
        await stranger.close()
    assert await _count(core) == 1 and (await core.qa.question(1)).votes == 0


async def test_a_flash_cookie_from_elsewhere_is_not_shown(phone: Client) -> None:
    await _csrf(phone)
    phone.cookie_jar.update_cookies(
        {"flash": "eyJrIjoib2siLCJtIjoiSGFja2VkIn0.0123"}, _at(phone, "/q")
    )
    assert await _notice(phone) == ""


# -- voting ----------------------------------------------------------------------------------


async def test_vote_once_and_withdraw_with_forms_and_with_fetch(phone: Client, core: Core) -> None:
    await core.qa.ask(
        UserRef("discord", "1", "Dana"), core.qa.session("dialogue"), "Q one?", anonymous=False
    )
    await core.qa.moderate(MIA, 1, "approve")
    token = await _csrf(phone)
    said = []
    for path in ("vote", "vote", "unvote", "unvote"):
        response = await _post(phone, f"/q/dialogue/{path}", csrf=token, id="1")
        assert response.status == 303
        said.append(await _notice(phone))
    assert "Up-voted #1: 1 vote" in said[0]
    assert "already up-voted #1" in said[1]
    assert "withdrawn: 0 votes" in said[2]
    assert "had not up-voted" in said[3]
    headers = {"Accept": "application/json", "X-CSRF-Token": token}
    async with phone.post("/q/dialogue/vote", data={"id": "1"}, headers=headers) as done:
        answer = await done.json()
    assert done.status == 200 and answer["ok"] and answer["state"]["voted"] == [1]
    assert answer["state"]["questions"][0]["votes"] == 1
    async with phone.get("/q/dialogue") as page:
        html = await page.text()
    assert 'action="/q/dialogue/unvote"' in html and "Withdraw my vote" in html
    for bad in ("abc", "", "-1", "99999999999999", "2"):
        async with phone.post("/q/dialogue/vote", data={"id": bad}, headers=headers) as no:
            assert no.status == 409 and not (await no.json())["ok"], bad
    assert (await core.qa.question(1)).votes == 1


async def test_a_question_of_another_session_cannot_be_voted_here(
    phone: Client, core: Core
) -> None:
    s = core.qa.session("opening")
    await core.qa.set_open(s, True, MIA)
    await core.qa.ask(UserRef("discord", "1", "Dana"), s, "Elsewhere?", anonymous=False)
    token = await _csrf(phone)
    response = await _post(phone, "/q/dialogue/vote", csrf=token, id="1")
    assert response.status == 303 and "There is no question #1" in await _notice(phone)


# -- limits and blocks -------------------------------------------------------------------------


async def test_one_address_has_a_generous_budget_then_429(
    make_client: Callable[..., Any], ticks: Ticks, core: Core
) -> None:
    phone: Client = await make_client(per_minute=4)
    try:
        token = await _csrf(phone)  # a new device: one of the four
        for _ in range(3):
            assert (await _post(phone, "/q/dialogue/vote", csrf=token, id="9")).status == 303
        refused = await _post(phone, "/q/dialogue/vote", csrf=token, id="9")
        assert refused.status == 429 and refused.headers["Retry-After"] == "60"
        assert "Too many requests" in await refused.text()
        # Another address behind the proxy on this machine has its own budget.
        other = await phone.post(
            "/q/dialogue/vote",
            data={"csrf": token, "id": "9"},
            headers={"X-Forwarded-For": "203.0.113.7"},
            allow_redirects=False,
        )
        assert other.status == 303
        ticks.now += 20  # a third of a minute: one request back
        assert (await _post(phone, "/q/dialogue/vote", csrf=token, id="9")).status == 303
        assert (await _post(phone, "/q/dialogue/vote", csrf=token, id="9")).status == 429
    finally:
        await phone.close()


async def test_the_default_budget_lets_a_full_hall_vote(
    make_client: Callable[..., Any], core: Core
) -> None:
    """300 devices behind one address each vote once in the same instant: none is refused."""
    await core.qa.ask(
        UserRef("discord", "1", "Dana"), core.qa.session("dialogue"), "Hall?", anonymous=False
    )
    await core.qa.moderate(MIA, 1, "approve")
    first: Client = await make_client()
    try:
        for _ in range(300):
            first.cookie_jar.clear()
            token = await _csrf(first)
            assert (await _post(first, "/q/dialogue/vote", csrf=token, id="1")).status == 303
    finally:
        await first.close()
    assert (await core.qa.question(1)).votes == 300


@pytest.mark.parametrize("anonymous", [False, True])
async def test_a_moderator_blocks_a_web_device(
    phone: Client,
    core: Core,
    clock: SimulatedClock,
    make_client: Callable[..., Any],
    anonymous: bool,
) -> None:
    fields = {"anonymous": "on"} if anonymous else {}
    await _ask(phone, "Something rude here", **fields)
    assert await core.qa.block(MIA, 1)
    clock.advance(timedelta(minutes=5))
    said = await _ask(phone, "Something else entirely", **fields)
    assert "stopped you from asking" in said
    said = await _ask(phone, "And now named", name="Lee")
    assert "stopped you from asking" in said
    assert await _count(core) == 1
    # Another device is not blocked.
    other = await make_client()
    try:
        assert "Thank you" in await _ask(other, "A polite question")
    finally:
        await other.close()


# -- live ---------------------------------------------------------------------------------------


async def _frame(response: aiohttp.ClientResponse) -> bytes:
    async for line in response.content:
        if line.startswith(b"data: "):
            return line
    raise AssertionError("the stream ended")


async def test_stream_sends_the_same_frame_to_everyone_and_follows_votes(
    make_client: Callable[..., Any], core: Core
) -> None:
    s = core.qa.session("dialogue")
    await core.qa.ask(UserRef("discord", "1", "Dana"), s, "Streamed question?", anonymous=False)
    await core.qa.moderate(MIA, 1, "approve")
    phone: Client = await make_client(seats=Seats(2))
    try:
        one = await phone.get("/q/dialogue/events")
        two = await phone.get("/q/dialogue/events")
        assert one.headers["Content-Type"].startswith("text/event-stream")
        first = await _frame(one)
        assert first == await _frame(two)
        state = json.loads(first[6:])
        assert state["questions"][0] == {
            "id": 1,
            "text": "Streamed question?",
            "votes": 0,
            "author": "Dana",
            "lang": "en",
            "translations": {},
        }
        assert "voted" not in state and "mine" not in state  # nothing of one device
        # Full: the third is told to poll.
        async with phone.get("/q/dialogue/events") as full:
            assert full.status == 503
            assert (await full.json())["poll"] == "/q/dialogue/state?order=top"
        await core.qa.vote(UserRef("slack", "U9"), 1, add=True)
        assert json.loads((await _frame(one))[6:])["questions"][0]["votes"] == 1
        assert json.loads((await _frame(two))[6:])["questions"][0]["votes"] == 1
        one.close()
        two.close()
    finally:
        await phone.close()


async def test_the_bot_s_web_server_mounts_the_audience_pages(site: str) -> None:
    jar = aiohttp.CookieJar(unsafe=True)
    async with aiohttp.ClientSession(cookie_jar=jar) as http:
        async with http.get(f"{site}/q") as page:
            assert page.status == 200 and str(page.url).endswith("/q/dialogue")
        async with http.get(f"{site}/static/site/site.css") as css:
            assert css.status == 200


async def _raw(client: Client, head: bytes) -> bytes:
    """One request sent byte for byte (a header no HTTP client would send), its answer."""
    url = _at(client, "/")
    reader, writer = await asyncio.open_connection(url.host, url.port)
    writer.write(head)
    await writer.drain()
    answer = await reader.read(-1)
    writer.close()
    return answer


async def test_stray_bytes_in_a_token_or_cookie_are_a_stranger_not_an_error(
    phone: Client,
) -> None:
    """Bytes that are not UTF-8 in the CSRF header, the device cookie's signature or the
    flash cookie: a 403 or a new device, never a 500 (found in review)."""
    token = await _csrf(phone)
    device = next(c for c in phone.cookie_jar if c.key == COOKIE).value
    body = b"id=1&csrf=" + token.encode()
    forged_header = (
        b"POST /q/dialogue/vote HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
        b"Content-Type: application/x-www-form-urlencoded\r\n"
        b"Cookie: " + COOKIE.encode() + b"=" + device.encode() + b"\r\n"
        b"X-CSRF-Token: \xff\xfe" + token[2:].encode() + b"\r\n"
        b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body
    )
    assert (await _raw(phone, forged_header)).startswith(b"HTTP/1.1 403")
    device_id = device.partition(".")[0]
    for cookie in (
        COOKIE.encode() + b"=" + device_id.encode() + b".\xff\xfe",
        COOKIE.encode() + b"=" + device.encode() + b"; flash=e30.\xff",
    ):
        page = b"GET /q/dialogue HTTP/1.1\r\nHost: x\r\nConnection: close\r\nCookie: "
        assert (await _raw(phone, page + cookie + b"\r\n\r\n")).startswith(b"HTTP/1.1 200")


async def test_a_forged_post_spends_nothing_and_new_devices_cost_one_each(
    make_client: Callable[..., Any], ticks: Ticks
) -> None:
    """From another site a phone has open, a post without the page's token is refused and
    leaves the hall's budget alone; a script minting devices (a page, a cookie, a vote)
    runs out of budget after as many as the address may send (found in review)."""
    phone: Client = await make_client(per_minute=6)
    try:
        for _ in range(20):
            assert (await _post(phone, "/q/dialogue/vote", id="1")).status == 403
        voters = 0
        while True:
            phone.cookie_jar.clear()
            async with phone.get("/q/dialogue") as page:
                if page.status == 429:
                    break
                found = re.search(r'name="csrf" value="([0-9a-f]+)"', await page.text())
            assert found is not None
            if (await _post(phone, "/q/dialogue/vote", csrf=found.group(1), id="9")).status != 303:
                break
            voters += 1
        assert voters == 3  # six a minute: three pages and three votes, then no more
    finally:
        await phone.close()
