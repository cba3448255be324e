"""The Q&A pages' live data over HTTP on 127.0.0.1: the cap on streams shared by every
view and its polled fallback, the surface each question came from, and counts that
follow every change."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import aiohttp
import pytest_asyncio

from bot.core.clock import SimulatedClock
from bot.core.dispatch import Core
from bot.core.model import UserRef
from bot.storage import qa as qa_db
from bot.web.server import WebServer
from tests.conftest import next_state, web_server

MIA = UserRef("slack", "M1", "Mia")


@pytest_asyncio.fixture
async def server(core: Core, clock: SimulatedClock) -> AsyncIterator[WebServer]:
    """The bot's web server with room for one live stream."""
    async with web_server(core, clock, max_viewers=1) as web:
        yield web


async def test_past_the_cap_every_view_answers_503_and_its_state_is_polled(
    server: WebServer, core: Core
) -> None:
    s = core.agenda.session("dialogue")
    assert s is not None
    await core.qa.ask(UserRef("discord", "1", "Dana"), s, "Waiting for approval?", anonymous=False)
    site = f"http://127.0.0.1:{server.port}"
    token = core.qa.keys.token("moderate:dialogue")
    async with (
        aiohttp.ClientSession() as http,
        http.get(f"{site}/present/dialogue/events") as stream,
    ):
        streamed = await next_state(stream)
        assert server.seats.taken == 1
        for url, poll in (
            (f"{site}/present/dialogue/events", "/present/dialogue/state"),
            (f"{site}/moderate/dialogue/events?token={token}", "/moderate/dialogue/state"),
        ):
            async with http.get(url) as refused:
                assert refused.status == 503 and refused.headers["Retry-After"]
                body = await refused.json()
                assert body["error"] == "too many viewers" and body["poll"] == poll
        async with http.get(f"{site}/present/dialogue/state") as polled:
            assert polled.status == 200
            assert polled.headers["Cache-Control"] == "no-store"
            assert await polled.json() == streamed
        async with http.get(f"{site}/moderate/dialogue/state") as denied:
            assert denied.status == 403
        headers = {"X-Moderator-Token": token}
        async with http.get(f"{site}/moderate/dialogue/state", headers=headers) as polled:
            assert polled.status == 200
            pending = (await polled.json())["pending"]
            assert [q["text"] for q in pending] == ["Waiting for approval?"]
        async with http.get(f"{site}/present/nope/state") as missing:
            assert missing.status == 404
        # A change reaches the poller at its next poll.
        await core.qa.moderate(MIA, 1, "approve")
        async with http.get(f"{site}/present/dialogue/state") as polled:
            top = (await polled.json())["top"]
            assert [q["id"] for q in top] == [1]
    assert server.seats.taken <= 1  # the stream's seat goes back once its end is seen


async def test_every_question_says_which_surface_it_came_from(
    server: WebServer, core: Core
) -> None:
    s = core.agenda.session("dialogue")
    assert s is not None
    device = "0f3c2a9e-device-id"
    asked = [
        (UserRef("discord", "1", "Dana"), "From Discord, named?", False),
        (UserRef("slack", "U2", "Sam"), "From Slack, anonymous?", True),
        (UserRef("web", device, "Phone"), "From a phone, anonymous?", True),
        (UserRef("console", "terminal", "Kim"), "From the terminal?", False),
    ]
    for user, text, anonymous in asked:
        q = (await core.qa.ask(user, s, text, anonymous=anonymous)).question
        await core.qa.moderate(MIA, q.id, "approve")
    site = f"http://127.0.0.1:{server.port}"
    async with (
        aiohttp.ClientSession() as http,
        http.get(f"{site}/present/dialogue/state") as polled,
    ):
        top = (await polled.json())["top"]
    assert {q["text"]: (q["platform"], q["author"]) for q in top} == {
        "From Discord, named?": ("discord", "Dana"),
        "From Slack, anonymous?": ("slack", None),
        "From a phone, anonymous?": ("web", None),
        "From the terminal?": ("console", "Kim"),
    }
    # An anonymous question keeps the surface and nothing of the person: no id, no name.
    rows = await core.store.fetchall(
        "SELECT * FROM questions WHERE body = ?", ("From a phone, anonymous?",)
    )
    row = dict(rows[0])
    assert row["author_platform"] == "web"
    assert row["author_id"] is None and row["author_name"] is None
    assert not any(device in str(v) for v in row.values())


async def test_counts_follow_asks_moderation_and_votes(server: WebServer, core: Core) -> None:
    """The counts per status are not read again after a vote (it changes none), yet they
    are right after every other change."""
    s = core.agenda.session("dialogue")
    assert s is not None
    for n in range(3):
        await core.qa.ask(UserRef("discord", str(n), f"p{n}"), s, f"Question {n}?", anonymous=False)
    assert (await core.qa.snapshot("dialogue"))["counts"] == {"pending": 3}
    await core.qa.moderate(MIA, 1, "approve")
    await core.qa.moderate(MIA, 2, "approve")
    assert (await core.qa.snapshot("dialogue"))["counts"] == {"pending": 1, "approved": 2}
    await core.qa.vote(UserRef("web", "d1"), 1, add=True)
    await core.qa.vote(UserRef("web", "d2"), 2, add=True)
    state = await core.qa.snapshot("dialogue")
    assert state["counts"] == {"pending": 1, "approved": 2}
    assert [q["votes"] for q in state["top"]] == [1, 1]
    await core.qa.moderate(MIA, 3, "reject", "off topic")
    await core.qa.vote(UserRef("web", "d3"), 1, add=True)
    await core.qa.moderate(MIA, 2, "answered")
    state = await core.qa.snapshot("dialogue")
    assert state["counts"] == {"approved": 1, "rejected": 1, "answered": 1}
    assert state["counts"] == await qa_db.counts(core.store, "dialogue")


async def test_the_moderators_action_refuses_numbers_no_question_has(
    server: WebServer, core: Core
) -> None:
    """An id of 1e400, 2**80, -1, true or JSON nested past Python's parser is a 400 with
    a short answer, not a 500; "1" as a form would send it still works (found in review)."""
    s = core.agenda.session("dialogue")
    assert s is not None
    await core.qa.ask(UserRef("slack", "U7", "Sam"), s, "Which anode wins?", anonymous=False)
    url = f"http://127.0.0.1:{server.port}/moderate/dialogue/action"
    headers = {"X-Moderator-Token": core.qa.keys.token("moderate:dialogue")}
    async with aiohttp.ClientSession(headers=headers) as http:
        for body in (
            '{"action": "approve", "id": 1e400}',
            f'{{"action": "approve", "id": {2**80}}}',
            '{"action": "approve", "id": -1}',
            '{"action": "approve", "id": true}',
            '{"action": "approve", "id": 1.5}',
            "[" * 100_000 + "]" * 100_000,
        ):
            async with http.post(url, data=body) as refused:
                assert refused.status == 400, (body[:40], await refused.text())
        assert (await core.qa.question(1)).status == "pending"
        async with http.post(url, json={"action": "approve", "id": "1"}) as done:
            assert done.status == 200
        assert (await core.qa.question(1)).status == "approved"


async def test_a_stray_byte_in_the_moderators_token_is_a_403(server: WebServer) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    writer.write(
        b"GET /moderate/dialogue HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
        b"X-Moderator-Token: \xff\xfe\r\n\r\n"
    )
    answer = await reader.read(-1)
    writer.close()
    assert answer.startswith(b"HTTP/1.1 403"), answer[:200]
