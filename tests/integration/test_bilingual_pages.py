"""Edit, translate and merge on the web, over HTTP on 127.0.0.1: the moderators' new
actions (and their refusals of bad input, and of anyone without the token), the speaker's
view (its token, its language, its content, live), and the audience's page in the
reader's language, with what became of the reader's own questions."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
import pytest_asyncio

from bot.core.clock import SimulatedClock
from bot.core.dispatch import Core
from bot.core.model import UserRef
from bot.storage.qa import MERGED
from tests.conftest import next_state, web_server
from tests.fakes.machine import FakeTranslator

MIA = UserRef("slack", "M1", "Mia")
KOREAN = "전고체 전지의 상용화는 언제쯤 가능할까요?"
ENGLISH_OF_KOREAN = "When will all-solid-state batteries be commercially viable?"
ENGLISH = "How do you keep lithium-metal anodes safe?"
KOREAN_OF_ENGLISH = "리튬 금속 음극을 어떻게 안전하게 유지하나요?"


@pytest_asyncio.fixture
async def site(core: Core, clock: SimulatedClock) -> AsyncIterator[str]:
    async with web_server(core, clock) as server:
        yield f"http://127.0.0.1:{server.port}"


async def _approved(core: Core, *texts: str) -> list[int]:
    """Each text asked by someone else in the dialogue and approved: their numbers."""
    s = core.qa.session("dialogue")
    ids = []
    for n, text in enumerate(texts):
        q = (
            await core.qa.ask(UserRef("discord", str(n), f"p{n}"), s, text, anonymous=False)
        ).question
        await core.qa.moderate(MIA, q.id, "approve")
        ids.append(q.id)
    return ids


def _moderator(core: Core, session: str = "dialogue") -> dict[str, str]:
    return {"X-Moderator-Token": core.qa.keys.token(f"moderate:{session}")}


async def _act(
    http: aiohttp.ClientSession, site: str, core: Core, body: Any, session: str = "dialogue"
) -> tuple[int, dict[str, Any]]:
    async with http.post(
        f"{site}/moderate/{session}/action", json=body, headers=_moderator(core, session)
    ) as answer:
        return answer.status, await answer.json()


async def test_moderators_edit_translate_and_merge_on_the_web_and_undo_each(
    site: str, core: Core
) -> None:
    one, two, three = await _approved(core, ENGLISH, KOREAN, "How safe are lithium anodes?")
    await core.qa.vote(UserRef("web", "d1"), three, add=True)
    await core.qa.vote(UserRef("web", "d2"), three, add=True)
    await core.qa.vote(UserRef("web", "d2"), one, add=True)
    async with (
        aiohttp.ClientSession() as http,
        http.get(f"{site}/present/dialogue/events") as screen,
    ):
        await next_state(screen)
        # Edited: the presenter screen has the new text at once.
        status, body = await _act(
            http,
            site,
            core,
            {"action": "edit", "id": one, "text": "How do you keep\nlithium anodes safe?"},
        )
        assert (status, body) == (200, {"ok": True})
        state = await next_state(screen)
        shown = {q["id"]: q for q in state["top"]}
        assert shown[one]["text"] == "How do you keep lithium anodes safe?"
        assert shown[one]["edited"] is True

        # Typed translation; the machine's needs a provider, and says so without one.
        status, body = await _act(
            http,
            site,
            core,
            {"action": "translate", "id": two, "lang": "en", "text": ENGLISH_OF_KOREAN},
        )
        assert status == 200
        state = await next_state(screen)
        shown = {q["id"]: q for q in state["top"]}
        assert shown[two]["translations"] == {"en": {"text": ENGLISH_OF_KOREAN, "machine": False}}
        status, body = await _act(
            http, site, core, {"action": "translate", "id": one, "lang": "ko", "text": None}
        )
        assert status == 409 and "FORUM_BOT_TRANSLATE" in body["error"]
        machine = FakeTranslator(
            {"How do you keep lithium anodes safe?": {"ko": KOREAN_OF_ENGLISH}}
        )
        core.qa.machine = machine
        status, body = await _act(
            http, site, core, {"action": "translate", "id": one, "lang": "ko"}
        )
        assert status == 200
        assert machine.asked == [("How do you keep lithium anodes safe?", "ko", "en")]
        state = await next_state(screen)
        shown = {q["id"]: q for q in state["top"]}
        assert shown[one]["translations"] == {"ko": {"text": KOREAN_OF_ENGLISH, "machine": True}}

        # Merged: it leaves the screen; its voters count for the one it went into (d2,
        # who voted for both, once).
        status, body = await _act(http, site, core, {"action": "merge", "id": three, "into": one})
        assert status == 200
        state = await next_state(screen)
        shown = {q["id"]: q for q in state["top"]}
        assert three not in shown and shown[one]["votes"] == 2
        assert (await core.qa.question(three)).status == MERGED

        # Each undone, from the page, in turn.
        for qid in (three, one, one, two):
            status, body = await _act(http, site, core, {"action": "undo", "id": qid})
            assert status == 200, body
        state = await next_state(screen)
        shown = {q["id"]: q for q in state["top"]}
        assert shown[three]["votes"] == 2 and shown[one]["votes"] == 1
        assert shown[one]["text"] == ENGLISH and not shown[one]["edited"]
        assert shown[one]["translations"] == {} and shown[two]["translations"] == {}
    log = await core.store.fetchall(
        "SELECT action, actor_name FROM qa_log WHERE action != 'approve'"
    )
    actions = [r["action"] for r in log]
    assert actions[:4] == ["edit", "translate", "translate", "merge"]
    assert {r["actor_name"] for r in log} == {"moderator (web)"}


async def test_auto_translation_is_switched_on_the_web_and_needs_a_provider(
    site: str, core: Core
) -> None:
    token = core.qa.keys.token("moderate:dialogue")
    async with aiohttp.ClientSession() as http:
        state_url = f"{site}/moderate/dialogue/state"
        async with http.get(state_url, headers=_moderator(core)) as polled:
            state = await polled.json()
        assert state["machine"] is False and state["auto_translate"] is False
        assert state["languages"] == ["en", "ko"] and state["default_lang"] == "en"
        assert state["speaker"] == (
            f"/speaker-view/dialogue?token={core.qa.keys.token('speaker:dialogue')}"
        )
        assert token not in state["speaker"]
        status, body = await _act(http, site, core, {"action": "auto_translate", "on": True})
        assert status == 409 and "FORUM_BOT_TRANSLATE" in body["error"]

        core.qa.machine = FakeTranslator({KOREAN: {"en": ENGLISH_OF_KOREAN}})
        status, body = await _act(http, site, core, {"action": "auto_translate", "on": True})
        assert status == 200
        async with http.get(state_url, headers=_moderator(core)) as polled:
            state = await polled.json()
        assert state["machine"] is True and state["auto_translate"] is True
        # On: a question approved now is translated in the background.
        (two,) = await _approved(core, KOREAN)
        await core.qa.settle()
        assert (await core.qa.question(two)).translations["en"].text == ENGLISH_OF_KOREAN
        # Off again (the undo of a switch is the switch back).
        status, body = await _act(http, site, core, {"action": "auto_translate", "on": False})
        assert status == 200
        assert await core.qa.auto_translates("dialogue") is False


@pytest.mark.parametrize(
    "body",
    [
        {"action": "edit", "id": 1},  # no text
        {"action": "edit", "id": 1, "text": 5},
        {"action": "edit", "id": 1, "text": ["a"]},
        {"action": "edit", "id": 1, "text": "x" * 10_001},
        {"action": "edit", "id": 1, "text": "bell\x07 ring"},
        {"action": "edit", "id": 1, "text": "right-to-left \u202e override"},
        {"action": "edit", "id": "one", "text": "Fine text here?"},
        {"action": "translate", "id": 1, "lang": "fr", "text": "Bonjour?"},
        {"action": "translate", "id": 1, "lang": 5, "text": "Hi?"},
        {"action": "translate", "id": 1, "lang": "ko", "text": {"a": 1}},
        {"action": "translate", "id": 1, "lang": "ko", "text": "zero\x00width"},
        {"action": "merge", "id": 1},
        {"action": "merge", "id": 1, "into": "x"},
        {"action": "merge", "id": 1, "into": -2},
        {"action": "merge", "id": 1, "into": 2**80},
        {"action": "merge", "id": 1, "into": True},
        {"action": "merge", "id": 1, "into": 1.5},
        {"action": "auto_translate", "on": "yes"},
        {"action": "auto_translate"},
        {"action": "auto_translate", "on": 1},
        {"action": "edit"},
        "edit",
    ],
)
async def test_the_new_actions_refuse_bad_input_and_change_nothing(
    site: str, core: Core, body: Any
) -> None:
    await _approved(core, ENGLISH, KOREAN)
    async with aiohttp.ClientSession() as http:
        status, answer = await _act(http, site, core, body)
    assert status == 400, answer
    assert answer["ok"] is False and answer["error"] and len(answer["error"]) < 200
    q = await core.qa.question(1)
    assert q.body == ENGLISH and not q.translations and q.status == "approved"
    assert await core.store.fetchall("SELECT 1 FROM qa_log WHERE action != 'approve'") == []


async def test_the_new_actions_say_why_they_did_nothing(site: str, core: Core) -> None:
    """Refusals of the service (409) are said in the event's language; a question of
    another session is no question here, either way round."""
    one, two = await _approved(core, ENGLISH, KOREAN)
    opening = core.qa.session("opening")
    await core.qa.set_open(opening, True, MIA)
    elsewhere = (
        await core.qa.ask(
            UserRef("discord", "9", "Ola"), opening, "A question elsewhere?", anonymous=False
        )
    ).question
    async with aiohttp.ClientSession() as http:
        for body, said in (
            ({"action": "edit", "id": one, "text": ENGLISH}, "nothing changed"),
            ({"action": "edit", "id": one, "text": "?"}, "short"),
            ({"action": "edit", "id": one, "text": "x" * 501}, "the limit is 500"),
            ({"action": "edit", "id": one, "text": KOREAN}, f"#{two}"),  # merge instead
            ({"action": "translate", "id": two, "lang": "en", "text": "   "}, "empty"),
            ({"action": "merge", "id": one, "into": one}, "itself"),
            ({"action": "merge", "id": one, "into": elsewhere.id}, f"no question #{elsewhere.id}"),
            ({"action": "merge", "id": elsewhere.id, "into": one}, f"no question #{elsewhere.id}"),
            ({"action": "edit", "id": elsewhere.id, "text": "Changed?"}, "no question"),
            ({"action": "merge", "id": one, "into": 999}, "no question #999"),
        ):
            status, answer = await _act(http, site, core, body)
            assert status == 409, (body, answer)
            assert said in answer["error"], (body, answer)
        # No token, a wrong one, another session's: nothing changes.
        url = f"{site}/moderate/dialogue/action"
        edit = {"action": "edit", "id": one, "text": "Changed by a stranger?"}
        for headers in (
            {},
            {"X-Moderator-Token": "wrong"},
            _moderator(core, "opening"),
            {"X-Moderator-Token": core.qa.keys.token("speaker:dialogue")},
        ):
            async with http.post(url, json=edit, headers=headers) as denied:
                assert denied.status == 403
    assert (await core.qa.question(one)).body == ENGLISH
    other = await core.qa.question(elsewhere.id)
    assert other.body == "A question elsewhere?" and other.merged_into is None


# -- the speaker's view ---------------------------------------------------------------------


async def test_speaker_view_needs_its_own_token(site: str, core: Core) -> None:
    speaker = core.qa.keys.token("speaker:dialogue")
    async with aiohttp.ClientSession() as http:
        for path in (
            "/speaker-view/dialogue",
            "/speaker-view/dialogue?token=wrong",
            f"/speaker-view/dialogue?token={core.qa.keys.token('moderate:dialogue')}",
            f"/speaker-view/dialogue?token={core.qa.keys.token('speaker:opening')}",
            "/speaker-view/dialogue/state",
            "/speaker-view/dialogue/events",
            f"/speaker-view/dialogue/state?token={speaker}x",
        ):
            async with http.get(site + path) as denied:
                assert denied.status == 403, path
        async with http.get(f"{site}/speaker-view/nope?token={speaker}") as missing:
            assert missing.status == 404
        async with http.get(f"{site}/speaker-view/dialogue?token={speaker}") as page:
            assert page.status == 200
            async with http.get(f"{site}/present/dialogue") as presenter:
                for header in (
                    "Content-Security-Policy",
                    "Referrer-Policy",
                    "X-Content-Type-Options",
                    "Cache-Control",
                ):
                    assert page.headers[header] == presenter.headers[header], header
        async with http.get(
            f"{site}/speaker-view/dialogue/state", headers={"X-Moderator-Token": speaker}
        ) as polled:
            assert polled.status == 200
        async with http.get(f"{site}/static/qa/speaker.js") as js:
            assert js.status == 200 and "textContent" in await js.text()
            assert "innerHTML" not in await js.text()


async def test_speaker_view_in_each_language(site: str, core: Core) -> None:
    speaker = core.qa.keys.token("speaker:dialogue")
    base = f"{site}/speaker-view/dialogue?token={speaker}"
    async with aiohttp.ClientSession() as http:
        for query, lang, words in (
            ("", "en", "Now answering"),  # the event's default language
            ("&lang=ko", "ko", "지금 답변 중"),
            ("&lang=en", "en", "Approved questions, most votes first"),
            ("&lang=fr", "en", "Now answering"),
            ("&lang=%3Cb%3E", "en", "Now answering"),
        ):
            async with http.get(base + query) as page:
                html = await page.text()
            assert f'<html lang="{lang}">' in html, query
            assert words in html
            # A link to each other language, keeping the token; none to this one.
            other = "ko" if lang == "en" else "en"
            assert f'href="/speaker-view/dialogue?lang={other}&amp;token={speaker}"' in html
            assert f'href="/speaker-view/dialogue?lang={lang}&amp;' not in html
            strings = re.search(
                r'<script type="application/json" id="strings">(.*?)</script>', html
            )
            assert strings and f'"lang": "{lang}"' in strings.group(1)
            assert "<b>" not in html


async def test_speaker_view_content_follows_edits_and_merges_live(site: str, core: Core) -> None:
    one, two, three, four = await _approved(
        core, ENGLISH, KOREAN, "What about sodium-ion batteries?", "How safe are lithium anodes?"
    )
    await core.qa.translate(MIA, two, "en", ENGLISH_OF_KOREAN)
    for n, qid in enumerate((three, three, four)):
        await core.qa.vote(UserRef("web", f"d{n}"), qid, add=True)
    await core.qa.moderate(MIA, two, "highlight")
    speaker = core.qa.keys.token("speaker:dialogue")
    async with (
        aiohttp.ClientSession() as http,
        http.get(f"{site}/speaker-view/dialogue/events?token={speaker}") as stream,
    ):
        state = await next_state(stream)
        # The highlighted question first (with its translation), then the queue by votes.
        assert state["highlight"]["id"] == two
        assert state["highlight"]["translations"]["en"]["text"] == ENGLISH_OF_KOREAN
        assert [q["id"] for q in state["queue"]] == [three, four, one]
        assert state["title"]["en"] and state["open"] is True
        await core.qa.edit(MIA, three, "What about sodium-ion batteries for storage?")
        state = await next_state(stream)
        assert state["queue"][0]["text"] == "What about sodium-ion batteries for storage?"
        assert state["queue"][0]["edited"] is True
        await core.qa.merge(MIA, four, three)
        state = await next_state(stream)
        assert [q["id"] for q in state["queue"]] == [three, one]
        assert state["queue"][0]["votes"] == 3
        await core.qa.moderate(MIA, two, "answered")
        state = await next_state(stream)
        assert state["highlight"] is None and two not in [q["id"] for q in state["queue"]]


# -- the audience's page ---------------------------------------------------------------------


async def _phone_asks(http: aiohttp.ClientSession, site: str, text: str) -> None:
    async with http.get(f"{site}/q/dialogue") as page:
        found = re.search(r'name="csrf" value="([0-9a-f]+)"', await page.text())
    assert found
    async with http.post(
        f"{site}/q/dialogue/ask",
        data={"csrf": found.group(1), "text": text, "name": "Phone"},
        allow_redirects=False,
    ) as asked:
        assert asked.status == 303


async def test_audience_reads_its_language_first_and_sees_its_questions_edited_and_merged(
    site: str, core: Core
) -> None:
    one, two = await _approved(core, ENGLISH, KOREAN)
    await core.qa.translate(MIA, two, "en", ENGLISH_OF_KOREAN)
    core.qa.machine = FakeTranslator({ENGLISH: {"ko": KOREAN_OF_ENGLISH}})
    await core.qa.translate(MIA, one, "ko")
    jar = aiohttp.CookieJar(unsafe=True)
    async with aiohttp.ClientSession(cookie_jar=jar) as http:
        async with http.get(f"{site}/q/dialogue?lang=ko") as page:
            html = await page.text()
        # A Korean reader: the Korean question as asked; the English one in Korean
        # (the machine's, so marked), the English as asked beneath it.
        first = html.index(KOREAN_OF_ENGLISH)
        assert html.index(ENGLISH, first) > first
        assert "기계 번역" in html and "원문" in html
        assert ENGLISH_OF_KOREAN not in html.split('id="questions"')[1].split("</ol>")[0]
        async with http.get(f"{site}/q/dialogue?lang=en") as page:
            html = await page.text()
        first = html.index(ENGLISH_OF_KOREAN)
        assert html.index(KOREAN, first) > first and "Original" in html
        assert "machine translation" not in html.split('id="questions"')[1].split("</ol>")[0]
        # The live list carries both, for each reader's page to choose.
        async with http.get(f"{site}/q/dialogue/state") as state:
            shown = {q["id"]: q for q in (await state.json())["questions"]}
        assert shown[two]["lang"] == "ko"
        assert shown[two]["translations"] == {"en": {"text": ENGLISH_OF_KOREAN, "machine": False}}

        # The reader's own question, edited then merged: their list says so.
        await _phone_asks(http, site, "Are lithium anodes safe to use?")
        mine = (await core.qa.listing("dialogue", "new", 1, pending=True))[0]
        await core.qa.moderate(MIA, mine.id, "approve")
        await core.qa.edit(MIA, mine.id, "Are lithium-metal anodes safe?")
        async with http.get(f"{site}/q/dialogue?lang=en") as page:
            html = await page.text()
        own = html.split('id="mine"')[1]
        assert "Are lithium-metal anodes safe?" in own and "edited by a moderator" in own
        await core.qa.merge(MIA, mine.id, one)
        async with http.get(f"{site}/q/dialogue?lang=ko") as page:
            html = await page.text()
        listed, own = html.split('id="questions"')[1].split('id="mine"')
        assert f'data-id="{mine.id}"' not in listed  # merged: off the list
        assert f"#{one} 질문에 병합됨" in own and "진행자가 수정함" in own
        async with http.get(f"{site}/q/dialogue/state") as state:
            body = await state.json()
        (own_q,) = [q for q in body["mine"] if q["id"] == mine.id]
        assert own_q["status"] == "merged" and own_q["merged_into"] == one and own_q["edited"]
        assert mine.id not in [q["id"] for q in body["questions"]]


async def test_a_translation_with_markup_reads_as_typed(site: str, core: Core) -> None:
    """A typed translation is text everywhere: escaped on the audience's page, and sent
    to the script-drawn pages as JSON data, never as markup."""
    (two,) = await _approved(core, KOREAN)
    hostile = '<img src=x onerror=alert(1)> "quoted" @everyone'
    async with aiohttp.ClientSession() as http:
        status, _ = await _act(
            http, site, core, {"action": "translate", "id": two, "lang": "en", "text": hostile}
        )
        assert status == 200
        async with http.get(f"{site}/q/dialogue?lang=en") as page:
            html = await page.text()
        assert "<img" not in html
        assert "&lt;img src=x onerror=alert(1)&gt; &#34;quoted&#34; @everyone" in html
        async with http.get(f"{site}/present/dialogue/state") as state:
            (shown,) = (await state.json())["top"]
        assert shown["translations"]["en"]["text"] == hostile
