"""Q&A translations through each real provider client (the official `deepl` package,
aiohttp for Papago) against its fake on 127.0.0.1: a Korean question gets its English line,
and a provider that times out, refuses (4xx) or fails (5xx) leaves the question exactly as
it was, with a short reason for the moderator and no key in any log line."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta

import pytest
import pytest_asyncio

from bot.core.clock import SimulatedClock
from bot.core.dispatch import Core
from bot.core.errors import UserError
from bot.core.model import UserRef
from bot.storage import Store
from bot.storage.qa import APPROVED, PENDING, Question
from bot.translation.deepl import DeepL
from bot.translation.papago import Papago
from tests.conftest import DIALOGUE_OPEN
from tests.fakes.deepl_server import FakeDeepL
from tests.fakes.machine_translation import FakeTranslationService
from tests.fakes.papago_server import FakePapago
from tests.fakes.world import keep_clients_local

KOREAN = "전고체 배터리의 대량 생산은 언제쯤 가능할까요? 비용은 얼마나 내려갈까요?"
DEEPL_KEY = "deepl-qa-key-40c2e1:fx"
PAPAGO_ID = "papago-qa-id-5b1d"
PAPAGO_SECRET = "papago-qa-secret-e07a9c"
MOD = UserRef("discord", "m1", "mia")
ASKER = UserRef("slack", "U7", "min")


@dataclass
class Provider:
    fake: FakeTranslationService
    name: str


@pytest_asyncio.fixture(params=["deepl", "papago"])
async def provider(
    request: pytest.FixtureRequest, core: Core, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[Provider]:
    """The core's Q&A translating through one provider against its fake (timeout 0.5 s)."""
    keep_clients_local(monkeypatch)
    if request.param == "deepl":
        async with FakeDeepL(auth_key=DEEPL_KEY) as deepl:
            core.qa.machine = DeepL(DEEPL_KEY, server_url=deepl.server_url, timeout=0.5)
            yield Provider(deepl, "DeepL")
    else:
        async with FakePapago(client_id=PAPAGO_ID, client_secret=PAPAGO_SECRET) as papago:
            core.qa.machine = Papago(PAPAGO_ID, PAPAGO_SECRET, url=papago.url, timeout=0.5)
            yield Provider(papago, "Papago")
    await core.qa.close()


async def asked(core: Core, clock: SimulatedClock, text: str = KOREAN) -> Question:
    clock.set(DIALOGUE_OPEN)
    s = core.qa.session("dialogue")
    return (await core.qa.ask(ASKER, s, text, anonymous=False)).question


async def stored(store: Store, question_id: int) -> tuple[object, ...]:
    row = await store.fetchone("SELECT * FROM questions WHERE id = ?", (question_id,))
    assert row is not None
    return tuple(row)


async def test_a_korean_question_gets_its_english_line_marked_as_the_machines(
    core: Core, clock: SimulatedClock, provider: Provider
) -> None:
    q = await asked(core, clock)
    assert q.lang == "ko"
    change = await core.qa.translate(MOD, q.id)
    english = change.question.translations["en"]
    assert english.machine and english.by == provider.name
    assert KOREAN in english.text  # the fake's translation: the text marked with its target
    assert change.question.body == KOREAN and change.question.in_language("en")[1] is not None
    # Undo takes the translation back.
    undone = await core.qa.moderate(MOD, q.id, "undo")
    assert undone.question.translations == {}


@pytest.mark.parametrize(
    ("status", "code"), [(403, None), (456, None), (400, None), (500, None), (503, None)]
)
async def test_a_provider_refusing_or_failing_leaves_the_question_untouched(
    core: Core,
    clock: SimulatedClock,
    store: Store,
    provider: Provider,
    status: int,
    code: str | None,
    caplog: pytest.LogCaptureFixture,
) -> None:
    q = await asked(core, clock)
    before = await stored(store, q.id)
    caplog.set_level(logging.DEBUG)
    provider.fake.fail_next(status, times=5, code=code)
    with pytest.raises(UserError) as refused:
        await core.qa.translate(MOD, q.id)
    assert refused.value.key == "qa.translate_failed"
    reason = str(refused.value.params["reason"])
    assert reason and len(reason) < 80
    assert await stored(store, q.id) == before
    logged = "\n".join(r.getMessage() for r in caplog.records)
    for secret in (DEEPL_KEY, PAPAGO_ID, PAPAGO_SECRET):
        assert secret not in logged and secret not in reason


async def test_a_provider_that_does_not_answer_times_out_and_changes_nothing(
    core: Core, clock: SimulatedClock, store: Store, provider: Provider
) -> None:
    q = await asked(core, clock)
    before = await stored(store, q.id)
    release = provider.fake.hold()
    try:
        with pytest.raises(UserError) as refused:
            await core.qa.translate(MOD, q.id)
    finally:
        release.set()
    assert "timed out" in str(refused.value.params["reason"])
    assert await stored(store, q.id) == before


async def test_a_session_that_translates_on_approval_does_so_in_the_background(
    core: Core, clock: SimulatedClock, provider: Provider
) -> None:
    s = core.qa.session("dialogue")
    await core.qa.set_auto_translate(s, True)
    q = await asked(core, clock)
    assert q.status == PENDING  # the dialogue is moderated
    change = await core.qa.moderate(MOD, q.id, "approve")
    assert change.question.status == APPROVED
    await core.qa.settle()
    approved = await core.qa.question(q.id)
    assert "en" in approved.translations
    # Background translations are not the moderator's to undo: undo takes the approval.
    undone = await core.qa.moderate(MOD, q.id, "undo")
    assert undone.question.status == PENDING


async def test_an_edit_is_translated_again_but_a_typed_translation_stays(
    core: Core, clock: SimulatedClock, provider: Provider
) -> None:
    q = await asked(core, clock)
    await core.qa.translate(MOD, q.id)
    clock.advance(timedelta(seconds=1))
    edited = await core.qa.edit(MOD, q.id, KOREAN + " 그리고 안전성은요?")
    await core.qa.settle()
    again = await core.qa.question(q.id)
    assert again.translations["en"].machine and "안전성" in again.translations["en"].text
    assert edited.question.original == KOREAN
    await core.qa.translate(MOD, q.id, "en", "When will all-solid-state cells be mass-made?")
    await core.qa.edit(MOD, q.id, KOREAN)
    await core.qa.settle()
    kept = await core.qa.question(q.id)
    assert kept.translations["en"].text == "When will all-solid-state cells be mass-made?"
    assert not kept.edited  # back to the text as asked


async def test_without_a_provider_machine_translation_is_refused_and_typing_works(
    core: Core, clock: SimulatedClock
) -> None:
    assert core.qa.machine is None
    q = await asked(core, clock, "How will recycling costs be shared?")
    with pytest.raises(UserError) as refused:
        await core.qa.translate(MOD, q.id)
    assert refused.value.key == "qa.no_machine"
    change = await core.qa.translate(MOD, q.id, None, "재활용 비용은 어떻게 분담되나요?")
    assert change.question.translations["ko"].by == "moderator"
    assert not await core.qa.auto_translates("dialogue")
