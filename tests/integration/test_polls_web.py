"""Live polls on the web pages over HTTP on 127.0.0.1: the moderators' page makes,
opens, closes and takes off the screen; the audience's page votes with and without
JavaScript (device cookie, CSRF, the per-address budget); the presenter screen's state
and stream follow; hidden results show nowhere before the close; and the counts agree
with the cards on Discord and Slack (the platforms' test world)."""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta
from typing import Any

import aiohttp

from bot.core.clock import SimulatedClock
from bot.core.dispatch import Core
from bot.core.model import UserRef
from bot.polls import rules
from bot.polls.service import LATER, RESULT_MINUTES
from bot.storage.polls import Poll
from bot.web.server import WebServer
from tests.conftest import healthy, next_state
from tests.integration.test_polls_platforms import (
    LABELS,
    OPTIONS,
    OPTIONS_KO,
    QUESTION,
    QUESTION_KO,
    Start,
    counts,
    start,
)
from tests.integration.test_qa_platforms import S_MOD, S_MODS, discord_text, slack_text

__all__ = ["start"]  # the platforms' world, a fixture of this module too

MIA = UserRef("slack", "M1", "Mia")
Client = aiohttp.ClientSession
JSON = {"Accept": "application/json"}


def _moderator(core: Core) -> dict[str, str]:
    return {"X-Moderator-Token": core.qa.keys.token("moderate:dialogue")}


async def _make(core: Core, *, hidden: bool = False, session: str | None = "dialogue") -> Poll:
    """A poll of the battery question, open now (for `session`; None: the event's)."""
    made = rules.draft(QUESTION, QUESTION_KO, OPTIONS.split(" | "), OPTIONS_KO.split(" | "))
    s = core.qa.session(session) if session else None
    return await core.polls.create(MIA, made, hidden=hidden, session=s)


async def _count_polls(core: Core) -> int:
    row = await core.store.fetchone("SELECT COUNT(*) AS n FROM polls")
    assert row is not None
    return int(row["n"])


async def _state(http: Client, url: str, **kw: Any) -> dict[str, Any]:
    async with http.get(url, **kw) as response:
        assert response.status == 200, await response.text()
        state: dict[str, Any] = await response.json()
        return state


def _votes(poll: dict[str, Any]) -> dict[int, int | None]:
    return {o["position"]: o["votes"] for o in poll["options"]}


async def _csrf(phone: Client, path: str = "/q/dialogue") -> str:
    """Opens the page (the device gets its cookie) and reads its forms' token."""
    async with phone.get(path) as page:
        assert page.status == 200
        found = re.search(r'name="csrf" value="([0-9a-f]+)"', await page.text())
    assert found
    return found.group(1)


async def _notice(phone: Client) -> str:
    async with phone.get("/q/dialogue") as page:
        html = await page.text()
    found = re.search(r'<div id="notice"[^>]*>([^<]*)</div>', html)
    assert found, html
    return found.group(1)


def _phone(site: str) -> Client:
    """A browser with its own cookie jar (which keeps 127.0.0.1's cookies)."""
    return aiohttp.ClientSession(base_url=site, cookie_jar=aiohttp.CookieJar(unsafe=True))


# -- the moderators' page ------------------------------------------------------------------


async def test_moderators_make_open_close_and_take_a_poll_off_the_screen(
    site: str, core: Core
) -> None:
    act = f"{site}/moderate/dialogue/action"
    new = {
        "action": "poll_create",
        "question": QUESTION,
        "question_ko": QUESTION_KO,
        "options": "All-solid-state\r\nSodium-ion\n\n  \nLithium-sulfur\n",
        "options_ko": "전고체\n나트륨 이온\n리튬황",
        "multiple": True,
        "hidden": False,
        "opens": LATER,
        "minutes": "5",
    }
    async with aiohttp.ClientSession() as http:
        # Without the session's token: nothing.
        async with http.post(act, json=new) as denied:
            assert denied.status == 403
        assert await _count_polls(core) == 0
        headers = _moderator(core)
        async with http.post(act, json=new, headers=headers) as made:
            assert made.status == 200, await made.text()
            assert await made.json() == {"ok": True, "poll": 1, "status": "ready"}
        poll = await core.polls.get(1)
        assert (poll.session_id, poll.multiple, poll.minutes, poll.status) == (
            "dialogue",
            True,
            5,
            "ready",
        )
        # Blank lines are no option; the Korean follows in order.
        assert [(o.label.en, o.label.ko) for o in poll.options] == [
            ("All-solid-state", "전고체"),
            ("Sodium-ion", "나트륨 이온"),
            ("Lithium-sulfur", "리튬황"),
        ]
        moderators = await _state(http, f"{site}/moderate/dialogue/state", headers=headers)
        (listed,) = moderators["polls"]
        assert (listed["id"], listed["status"], listed["minutes"]) == (1, "ready", 5)
        assert moderators["poll_limits"]["options"] == rules.MAX_OPTIONS
        # Not open: not on the screen.
        assert (await _state(http, f"{site}/present/dialogue/state"))["polls"] == []

        async with http.post(act, json={"action": "poll_open", "poll": 1}, headers=headers) as ok:
            assert (await ok.json()) == {"ok": True, "poll": 1, "status": "open"}
        screen = await _state(http, f"{site}/present/dialogue/state")
        (shown,) = screen["polls"]
        assert shown["question"] == {"en": QUESTION, "ko": QUESTION_KO}
        assert shown["open"] and shown["multiple"] and _votes(shown) == {1: 0, 2: 0, 3: 0}
        await core.polls.vote(UserRef("discord", "7"), await core.polls.get(1), 2)

        async with http.post(
            act, json={"action": "poll_close", "poll": "1"}, headers=headers
        ) as ok:
            assert (await ok.json())["status"] == "closed"
        # Its result stays on the screen, in the Q&A's place, until a moderator moves on.
        (shown,) = (await _state(http, f"{site}/present/dialogue/state"))["polls"]
        assert not shown["open"] and _votes(shown) == {1: 0, 2: 1, 3: 0}
        moderators = await _state(http, f"{site}/moderate/dialogue/state", headers=headers)
        assert moderators["polls"][0]["on_screen"] is True
        for again, said in (("poll_close", "is closed"), ("poll_open", "is closed")):
            async with http.post(act, json={"action": again, "poll": 1}, headers=headers) as no:
                assert no.status == 409 and said in (await no.json())["error"]
        async with http.post(
            act, json={"action": "poll_take_off", "poll": 1}, headers=headers
        ) as ok:
            assert (await ok.json())["ok"]
        assert (await _state(http, f"{site}/present/dialogue/state"))["polls"] == []
        moderators = await _state(http, f"{site}/moderate/dialogue/state", headers=headers)
        assert moderators["polls"][0]["on_screen"] is False

        # An open poll stays on the screen: it cannot be taken off, only closed.
        second = await _make(core)
        async with http.post(
            act, json={"action": "poll_take_off", "poll": second.id}, headers=headers
        ) as no:
            assert no.status == 409 and "still open" in (await no.json())["error"]
        # A poll of another session is not this page's to run.
        elsewhere = await _make(core, session="opening")
        async with http.post(
            act, json={"action": "poll_close", "poll": elsewhere.id}, headers=headers
        ) as no:
            assert no.status == 409 and f"no poll #{elsewhere.id}" in (await no.json())["error"]
        assert (await core.polls.get(elsewhere.id)).status == "open"


async def test_moderators_bad_polls_are_refused_whole(site: str, core: Core) -> None:
    """Malformed fields are a 400; what the poll rules or the service refuse is a 409
    with their message; neither stores anything."""
    act = f"{site}/moderate/dialogue/action"
    good = {"action": "poll_create", "question": QUESTION, "options": "A\nB"}
    malformed: list[Any] = [
        {**good, "question": None},
        {**good, "question": 3},
        {**good, "options": ["A", "B"]},
        {**good, "question_ko": {"x": 1}},
        {**good, "multiple": "yes"},
        {**good, "hidden": 1},
        {**good, "minutes": 1.5},
        {**good, "minutes": "ten"},
        {**good, "minutes": 2**80},
        {**good, "opens": 5},
        {**good, "opens": "x" * 21},
        {**good, "question": "q" * 10_001},
        {"action": "poll_open"},
        {"action": "poll_open", "poll": "one"},
        {"action": "poll_close", "poll": True},
        {"action": "poll_close", "poll": -3},
    ]
    refused = [
        ({**good, "question": "   "}, "needs a question"),
        ({**good, "question": "q" * 301}, "at most 300"),
        ({**good, "options": "Only one"}, "at least 2"),
        ({**good, "options": "\n".join(f"O{n}" for n in range(11))}, "at most 10"),
        ({**good, "options": "Same\nsame "}, "are the same"),
        ({**good, "options": "A\n" + "B" * 80}, "a button holds 75"),
        ({**good, "options_ko": "가"}, "options_ko has 1"),
        ({**good, "options": "A\nB\x07"}, "control"),
        ({**good, "minutes": 0}, "1 to 1440"),
        ({**good, "minutes": "1441"}, "1 to 1440"),
        ({**good, "opens": "soon"}, "not soon"),
        ({"action": "poll_open", "poll": 99}, "no poll #99"),
    ]
    async with aiohttp.ClientSession(headers=_moderator(core)) as http:
        for body in malformed:
            async with http.post(act, json=body) as response:
                assert response.status == 400, (str(body)[:80], await response.text())
                assert not (await response.json())["ok"]
        for body, said in refused:
            async with http.post(act, json=body) as response:
                answer = await response.json()
                assert response.status == 409 and said in answer["error"], (body, answer)
        assert await _count_polls(core) == 0
        # Typed pings and markup are text: stored as typed, shown as text by the pages.
        hostile = {
            **good,
            "question": "<script>alert(1)</script> @everyone",
            "options": "<b>A</b>\n<!channel>",
        }
        async with http.post(act, json=hostile) as made:
            assert made.status == 200
        shown = (await _state(http, f"{site}/present/dialogue/state"))["polls"][0]
        assert shown["question"]["en"] == "<script>alert(1)</script> @everyone"
        assert [o["label"]["en"] for o in shown["options"]] == ["<b>A</b>", "<!channel>"]


# -- the audience's page --------------------------------------------------------------------


async def test_a_phone_votes_changes_its_vote_with_and_without_javascript(
    site: str, core: Core
) -> None:
    poll = await _make(core)
    async with _phone(site) as phone:
        async with phone.get("/q/dialogue", headers={"Accept-Language": "ko"}) as page:
            html = await page.text()
        # The poll above the questions: the question in Korean first, a button per option.
        assert 'id="poll-1"' in html and html.index('id="poll-1"') < html.index('id="ask"')
        assert QUESTION_KO in html and QUESTION in html
        assert html.count('action="/q/dialogue/poll"') == 4
        assert "1. 전고체" in html and 'aria-pressed="false"' in html
        token = await _csrf(phone)

        # With JavaScript off: a form, a redirect back to the poll, the outcome shown there.
        async with phone.post(
            "/q/dialogue/poll",
            data={"csrf": token, "poll": "1", "option": "1"},
            allow_redirects=False,
        ) as voted:
            assert voted.status == 303
            assert voted.headers["Location"] == "/q/dialogue?order=top#polls"
        assert "Your vote in poll #1: 1. All-solid-state." in await _notice(phone)
        async with phone.get("/q/dialogue") as page:
            html = await page.text()
        pressed = re.findall(
            r'name="option" value="(\d)">.*?aria-pressed="(true|false)"', html, re.S
        )
        assert pressed == [("1", "true"), ("2", "false"), ("3", "false"), ("4", "false")]
        assert "your choice" in html and '<meter min="0" max="1" value="1">' in html

        # With JavaScript: the same POST as fetch, answered with the device's state.
        headers = {**JSON, "X-CSRF-Token": token}
        async with phone.post(
            "/q/dialogue/poll", data={"poll": "1", "option": "2"}, headers=headers
        ) as changed:
            answer = await changed.json()
        assert changed.status == 200 and answer["ok"]
        assert "is now 2. Sodium-ion" in answer["message"]
        assert answer["state"]["chosen"] == {"1": [2]}
        assert _votes(answer["state"]["polls"][0]) == {1: 0, 2: 1, 3: 0, 4: 0}
        async with phone.post(
            "/q/dialogue/poll", data={"poll": "1", "option": "2"}, headers=headers
        ) as same:
            assert same.status == 200
            assert "already voted 2. Sodium-ion" in (await same.json())["message"]
        # The device's choice in its polled state; one voter, one ballot.
        mine = await _state(phone, "/q/dialogue/state")
        assert mine["chosen"] == {"1": [2]}
        assert (await core.polls.get(poll.id)).voters == 1

        # Bad presses: a clear 409 each, nothing counted.
        for fields, said in (
            ({"poll": "1", "option": "9"}, "no option 9"),
            ({"poll": "1", "option": "abc"}, "no option abc"),
            ({"poll": "1", "option": ""}, "no option"),
            ({"poll": "x", "option": "1"}, "no poll x"),
            ({"poll": "77", "option": "1"}, "no poll #77"),
            ({"poll": "1" * 30, "option": "1"}, "no poll"),
        ):
            async with phone.post("/q/dialogue/poll", data=fields, headers=headers) as no:
                answer = await no.json()
                assert no.status == 409 and said in answer["message"], (fields, answer)
        # A poll of another session is not voted on from this one's page.
        elsewhere = await _make(core, session="opening")
        async with phone.post(
            "/q/dialogue/poll", data={"poll": str(elsewhere.id), "option": "1"}, headers=headers
        ) as no:
            assert no.status == 409
        assert (await core.polls.get(elsewhere.id)).voters == 0

        # Closed: the page shows the result without buttons, and a late press is refused.
        await core.polls.close(MIA, poll)
        async with phone.post(
            "/q/dialogue/poll", data={"poll": "1", "option": "3"}, headers=headers
        ) as late:
            assert late.status == 409 and "is closed" in (await late.json())["message"]
        async with phone.get("/q/dialogue") as page:
            html = await page.text()
        assert 'action="/q/dialogue/poll"' not in html and "Poll results" in html
        assert "Voting has closed." in html
        assert _votes(await core.polls.snapshot(poll.id)) == {1: 0, 2: 1, 3: 0, 4: 0}


async def test_a_press_without_this_device_s_token_counts_nothing(site: str, core: Core) -> None:
    poll = await _make(core)
    async with _phone(site) as phone, _phone(site) as other:
        token = await _csrf(phone)
        await _csrf(other)
        cases: list[tuple[Client, dict[str, str], dict[str, str]]] = [
            (phone, {"poll": "1", "option": "1"}, {}),  # no token
            (phone, {"poll": "1", "option": "1", "csrf": "0" * 64}, {}),  # a made-up one
            (other, {"poll": "1", "option": "1", "csrf": token}, {}),  # another device's
            (phone, {"poll": "1", "option": "1"}, {"X-CSRF-Token": "é"}),  # not even ASCII
        ]
        for client, fields, headers in cases:
            async with client.post(
                "/q/dialogue/poll", data=fields, headers={**JSON, **headers}
            ) as no:
                assert no.status == 403
        # A forged cookie is a stranger, with no token yet.
        async with (
            aiohttp.ClientSession(
                base_url=site, cookies={"device": "A" * 24 + ".forged"}
            ) as forged,
            forged.post(
                "/q/dialogue/poll", data={"poll": "1", "option": "1", "csrf": token}, headers=JSON
            ) as no,
        ):
            assert no.status == 403
        # Too large, or not a form.
        async with phone.post(
            "/q/dialogue/poll",
            data={"poll": "1", "option": "1", "csrf": token, "text": "x" * 2000},
            headers=JSON,
        ) as no:
            assert no.status == 413
        async with phone.post(
            "/q/dialogue/poll", json={"poll": 1, "option": 1}, headers={"X-CSRF-Token": token}
        ) as no:
            assert no.status == 400
    assert (await core.polls.get(poll.id)).voters == 0


async def test_the_audience_stream_shows_polls_and_the_same_frame_to_everyone(
    site: str, core: Core
) -> None:
    async with aiohttp.ClientSession() as http, asyncio.timeout(10):
        one = await http.get(f"{site}/q/dialogue/events")
        two = await http.get(f"{site}/q/dialogue/events")
        assert (await next_state(one))["polls"] == [] == (await next_state(two))["polls"]
        poll = await _make(core)
        opened = await next_state(one)
        assert [p["id"] for p in opened["polls"]] == [poll.id]
        assert await next_state(two) == opened
        await core.polls.vote(UserRef("slack", "U1"), poll, 3)
        assert _votes((await next_state(one))["polls"][0])[3] == 1
        assert "chosen" not in opened  # nothing of one device in the shared frame
        one.close()
        two.close()


# -- the presenter screen -----------------------------------------------------------------


async def test_the_presenter_stream_follows_polls_of_the_session_and_the_event(
    site: str, core: Core, clock: SimulatedClock
) -> None:
    async with (
        aiohttp.ClientSession() as http,
        http.get(f"{site}/present/dialogue/events") as stream,
        asyncio.timeout(10),
    ):
        assert (await next_state(stream))["polls"] == []
        poll = await _make(core)
        state = await next_state(stream)
        assert [p["id"] for p in state["polls"]] == [poll.id]
        assert "top" in state and "highlight" in state  # the Q&A's state, as before
        await core.polls.vote(UserRef("discord", "1"), poll, 1)
        await core.polls.vote(UserRef("slack", "U2"), poll, 1)
        while _votes((state := await next_state(stream))["polls"][0])[1] != 2:
            pass
        assert state["polls"][0]["voters"] == 2
        # A poll of the whole event is on every session's screen too, the newest first.
        event = await _make(core, session=None)
        state = await next_state(stream)
        assert [p["id"] for p in state["polls"]] == [event.id, poll.id]
        # A poll of another session is not.
        await _make(core, session="opening")
        await core.polls.close(MIA, event)
        state = await next_state(stream)
        assert [p["id"] for p in state["polls"]] == [poll.id]
    # A closed poll's result stays on its screen for RESULT_MINUTES after it closes.
    await core.polls.close(MIA, poll)
    assert [p["id"] for p in await core.polls.on_screen("dialogue")] == [event.id]
    clock.advance(timedelta(minutes=RESULT_MINUTES - 1))
    assert [p["id"] for p in await core.polls.on_screen("dialogue")] == [event.id]
    clock.advance(timedelta(minutes=2))
    assert await core.polls.on_screen("dialogue") == []


async def test_hidden_results_show_nowhere_before_the_poll_closes(site: str, core: Core) -> None:
    poll = await _make(core, hidden=True)
    for n, option in enumerate((1, 1, 2)):
        await core.polls.vote(UserRef("discord", str(n)), poll, option)
    async with _phone(site) as phone, aiohttp.ClientSession() as http:
        token = await _csrf(phone)
        headers = {**JSON, "X-CSRF-Token": token}
        async with phone.post(
            "/q/dialogue/poll", data={"poll": "1", "option": "2"}, headers=headers
        ) as voted:
            answer = await voted.json()
        # The voter's own choice, and no count of anyone's.
        assert answer["state"]["chosen"] == {"1": [2]}
        async with phone.get("/q/dialogue") as page:
            html = await page.text()
        async with http.get(f"{site}/q/dialogue/events") as frames:
            frame = await next_state(frames)
        async with http.get(f"{site}/present/dialogue/events") as frames:
            streamed = await next_state(frames)
        for where, state in (
            ("vote's answer", answer["state"]),
            ("phone's state", await _state(phone, "/q/dialogue/state")),
            ("audience frame", frame),
            ("presenter state", await _state(http, f"{site}/present/dialogue/state")),
            ("presenter stream", streamed),
        ):
            (shown,) = state["polls"]
            assert shown["hidden"] and shown["votes"] is None, where
            assert set(_votes(shown).values()) == {None}, where
            assert shown["voters"] == 4, where  # how many voted is no result
        assert "Results when the poll closes" in html
        assert "<meter" not in html and "votes (" not in html
        # The moderators see the counts, marked as hidden from everyone else.
        moderators = await _state(http, f"{site}/moderate/dialogue/state", headers=_moderator(core))
        assert moderators["polls"][0]["hidden"] is True
        assert _votes(moderators["polls"][0]) == {1: 2, 2: 2, 3: 0, 4: 0}
        # Closed: the counts everywhere.
        await core.polls.close(MIA, poll)
        for state in (
            await _state(phone, "/q/dialogue/state"),
            await _state(http, f"{site}/present/dialogue/state"),
        ):
            assert _votes(state["polls"][0]) == {1: 2, 2: 2, 3: 0, 4: 0}
            assert not state["polls"][0]["hidden"]


# -- one count everywhere -------------------------------------------------------------------


async def test_counts_agree_on_the_cards_the_presenter_screen_and_the_phone(start: Start) -> None:
    """A poll made on Slack, voted on from Discord, Slack, the terminal and a phone's
    page: the same counts on both cards, the presenter screen and the audience's page."""
    world, _, terminal = await start()
    core = world.core
    web = WebServer("127.0.0.1", 0, healthy, qa=core.qa, polls=core.polls)
    port = await web.start()
    site = f"http://127.0.0.1:{port}"
    try:
        made = await world.s_command(
            f'/poll create question:"{QUESTION}" ko:"{QUESTION_KO}" options:"{OPTIONS}" '
            f'options_ko:"{OPTIONS_KO}" session:dialogue',
            S_MOD,
            channel_id=S_MODS,
        )
        assert "Poll #1 is open" in slack_text(made["blocks"])
        await world.settle()
        await world.d_vote(1, 1, world.d_user("d1"))
        await world.d_vote(1, 2, world.d_user("d2"))
        await world.s_vote(1, 1, "U0SLACKA")
        typed = await terminal.handle("/poll vote 1 4")
        assert not typed.error
        async with _phone(site) as phone:
            token = await _csrf(phone)
            headers = {**JSON, "X-CSRF-Token": token}
            for option in ("3", "1"):  # a vote, then a changed vote
                async with phone.post(
                    "/q/dialogue/poll", data={"poll": "1", "option": option}, headers=headers
                ) as voted:
                    assert voted.status == 200
            phone_state = await _state(phone, "/q/dialogue/state")
        await world.settle()
        expected = {1: 3, 2: 1, 3: 0, 4: 1}
        d_card, s_card = world.d_card(1), world.s_card(1)
        assert counts(discord_text(d_card)) == expected
        assert counts(slack_text(s_card.blocks)) == expected
        assert "5 people voted" in discord_text(d_card)
        async with aiohttp.ClientSession() as http:
            screen = await _state(http, f"{site}/present/dialogue/state")
        for state in (screen, phone_state):
            (shown,) = state["polls"]
            assert _votes(shown) == expected and shown["voters"] == 5
        # The labels the cards' buttons carry are the options the pages show.
        assert [
            f"{o['position']}. {o['label']['en']} / {o['label']['ko']}" for o in shown["options"]
        ] == LABELS
        assert phone_state["chosen"] == {"1": [1]}
    finally:
        await web.stop()


async def test_a_sessions_moderators_run_its_polls_not_the_events(site: str, core: Core) -> None:
    """Found in review (issue 19): the token of one session's moderators' page opened and
    closed polls of the whole event, on every session's screen. It runs its session's
    polls; the event's it shows, and takes their results off its own screen only."""
    act = f"{site}/moderate/dialogue/action"
    headers = _moderator(core)
    event = await _make(core, session=None)
    async with aiohttp.ClientSession() as http:
        async with http.post(
            act, json={"action": "poll_close", "poll": event.id}, headers=headers
        ) as no:
            assert no.status == 409
            assert "whole event" in (await no.json())["error"]
        assert (await core.polls.get(event.id)).status == "open"
        await core.polls.close(MIA, event)
        # Its result is on every session's screen; this page takes it off its own.
        async with http.post(
            act, json={"action": "poll_take_off", "poll": event.id}, headers=headers
        ) as ok:
            assert (await ok.json())["ok"]
        assert await core.polls.on_screen("dialogue") == []
        assert [p["id"] for p in await core.polls.on_screen("opening")] == [event.id]
        ready = await core.polls.create(MIA, rules.draft("Next?", "", ["A", "B"]), opens="later")
        async with http.post(
            act, json={"action": "poll_open", "poll": ready.id}, headers=headers
        ) as no:
            assert no.status == 409 and "whole event" in (await no.json())["error"]
        assert (await core.polls.get(ready.id)).status == "ready"
