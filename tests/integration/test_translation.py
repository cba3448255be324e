"""The machine-translation providers through their real clients (the official `deepl`
package, aiohttp for Papago) against the fakes on 127.0.0.1: a translation and the
language found, and every failure a short TranslationFailed within the timeout, with no
key in it nor in any log line (the libraries' included, at DEBUG)."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import pytest_asyncio

from bot.core.ports import MachineTranslator
from bot.settings import Settings
from bot.translation import Translated, TranslationFailed, provider
from bot.translation.deepl import DeepL
from bot.translation.papago import Papago
from tests.fakes.deepl_server import FakeDeepL
from tests.fakes.machine_translation import FakeTranslationService
from tests.fakes.papago_server import FakePapago
from tests.fakes.world import keep_clients_local

ROOT = Path(__file__).resolve().parents[2]
QUESTION = "배터리 재활용 비용은 누가 부담하나요?"
DEEPL_KEY = "deepl-test-key-6f1c2b:fx"
PAPAGO_ID = "papago-test-id-91ab"
PAPAGO_SECRET = "papago-test-secret-7d3e55"
SECRETS = (DEEPL_KEY, PAPAGO_ID, PAPAGO_SECRET)


@dataclass
class Service:
    """A fake service and a provider pointed at it."""

    fake: FakeTranslationService
    translator: MachineTranslator
    timeout: float

    @property
    def name(self) -> str:
        return self.translator.name


async def fail(service: Service, text: str = QUESTION, target: str = "en") -> str:
    """The reason a translation failed (it must fail)."""
    with pytest.raises(TranslationFailed) as caught:
        await service.translator.translate(text, target)
    reason = str(caught.value)
    assert reason and len(reason) < 80 and not any(s in reason for s in SECRETS), reason
    return reason


@pytest_asyncio.fixture(params=["deepl", "papago"])
async def service(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[Service]:
    """Each provider against its fake, with a short timeout."""
    keep_clients_local(monkeypatch)
    timeout = 0.5
    translator: MachineTranslator
    if request.param == "deepl":
        async with FakeDeepL(auth_key=DEEPL_KEY) as deepl_fake:
            translator = DeepL(DEEPL_KEY, server_url=deepl_fake.server_url, timeout=timeout)
            yield Service(deepl_fake, translator, timeout)
            await translator.close()
    else:
        async with FakePapago(client_id=PAPAGO_ID, client_secret=PAPAGO_SECRET) as papago_fake:
            translator = Papago(PAPAGO_ID, PAPAGO_SECRET, url=papago_fake.url, timeout=timeout)
            yield Service(papago_fake, translator, timeout)
            await translator.close()


async def test_a_korean_question_in_english_with_the_language_found(service: Service) -> None:
    done = await service.translator.translate(QUESTION, "en")
    target = "EN-US" if service.name == "DeepL" else "en"
    assert done == Translated(f"[{target}] {QUESTION}", "ko")
    sent = service.fake.received[0].body
    assert sent is not None
    if service.name == "DeepL":
        # English needs its variant (plain EN is refused), the source is left to DeepL.
        assert sent["target_lang"] == "EN-US" and "source_lang" not in sent
    else:
        assert (sent["source"], sent["target"], sent["text"]) == ("auto", "en", QUESTION)


async def test_a_named_source_is_sent_in_the_services_code(service: Service) -> None:
    done = await service.translator.translate("Who pays for recycling?", "ko", source="en")
    assert done.source == "en" and done.text.endswith("Who pays for recycling?")
    sent = service.fake.received[0].body
    assert sent is not None
    if service.name == "DeepL":
        assert (sent["source_lang"], sent["target_lang"]) == ("EN", "KO")
    else:
        assert (sent["source"], sent["target"]) == ("en", "ko")


async def test_a_slow_service_fails_within_the_timeout(service: Service) -> None:
    release = service.fake.hold()
    started = time.monotonic()
    reason = await fail(service)
    took = time.monotonic() - started
    assert reason == "timed out after 0.5 s"
    assert service.timeout <= took < service.timeout + 0.4
    assert len(service.fake.received) == 1
    release.set()
    # Once the service answers again, so does the provider.
    assert (await service.translator.translate(QUESTION, "en")).source == "ko"


@pytest.mark.parametrize("status", [500, 502, 503, 504])
async def test_a_server_error_fails_at_once_without_retrying(service: Service, status: int) -> None:
    service.fake.fail_next(status)
    assert await fail(service) == f"{service.name} is unavailable ({status})"
    assert len(service.fake.received) == 1


@pytest.mark.parametrize(
    ("how", "reason"),
    [
        ("html-200", "answer not understood"),
        ("bad-json", "answer not understood"),
        ("wrong-json", "answer not understood"),
        ("html-502", "{name} is unavailable (502)"),
        ("drop", "{name} cannot be reached"),
    ],
)
async def test_an_answer_that_is_not_the_services_fails_plainly(
    service: Service, how: str, reason: str
) -> None:
    service.fake.garble_next(how)
    assert await fail(service) == reason.format(name=service.name)


async def test_nothing_is_sent_for_what_no_service_takes(service: Service) -> None:
    assert await fail(service, "") == "nothing to translate"
    assert await fail(service, " \n\t") == "nothing to translate"
    assert await fail(service, target="tlh") == f"{service.name} has no language 'tlh'"
    assert (await fail(service, "x" * 20_001)).startswith(f"too long for {service.name}")
    assert service.fake.received == []


async def test_deepl_says_why_it_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    keep_clients_local(monkeypatch)
    async with FakeDeepL(auth_key=DEEPL_KEY, quota=len(QUESTION) + 5) as fake:
        wrong = Service(fake, DeepL("other-key:fx", server_url=fake.server_url, timeout=2), 2)
        assert await fail(wrong) == "DeepL refused the key (403)"
        await wrong.translator.close()
        right = Service(fake, DeepL(DEEPL_KEY, server_url=fake.server_url, timeout=2), 2)
        await right.translator.translate(QUESTION, "en")  # 5 characters left
        assert await fail(right) == "quota used up (456)"
        fake.fail_next(429)
        assert await fail(right) == "too many requests (429)"
        fake.fail_next(400)
        assert await fail(right) == "DeepL refused the request (400)"
        # A text whose JSON is past DeepL's 128 KiB (an emoji is 12 bytes) is not sent.
        sent = len(fake.received)
        assert await fail(right, "🔋" * 15_000) == "too long for DeepL"
        assert len(fake.received) == sent
        await right.translator.close()


async def test_papago_says_why_it_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    keep_clients_local(monkeypatch)
    async with FakePapago(client_id=PAPAGO_ID, client_secret=PAPAGO_SECRET) as fake:
        wrong = Papago(PAPAGO_ID, "not-the-secret", url=fake.url, timeout=2)
        assert await fail(Service(fake, wrong, 2)) == "Papago refused the key (401)"
        await wrong.close()
        right = Service(fake, Papago(PAPAGO_ID, PAPAGO_SECRET, url=fake.url, timeout=2), 2)
        fake.fail_next(429)  # the gateway's code 400: the quota (or the API not enabled)
        assert await fail(right) == "quota used up (429)"
        fake.fail_next(429, code="410")
        assert await fail(right) == "too many requests (429)"
        assert await fail(right, target="ko") == "the text is already in that language"
        assert await fail(right, "Hello", target="de") == (
            "Papago cannot translate between these languages (N2MT06)"
        )
        assert await fail(right, "x" * 5001) == "too long for Papago (5,000 characters at most)"
        # Past the limit Papago itself refuses it too (a provider told a larger one).
        fake.fail_next(400, code="N2MT08")
        assert await fail(right) == "too long for Papago (400)"
        await right.translator.close()


async def test_no_key_in_any_log_line_nor_any_reason(
    service: Service, caplog: pytest.LogCaptureFixture
) -> None:
    """Every library's logger at DEBUG, through a translation and each kind of failure."""
    caplog.set_level(logging.DEBUG)
    for name in ("deepl", "urllib3", "requests", "aiohttp", "asyncio", "bot"):
        caplog.set_level(logging.DEBUG, logger=name)
    await service.translator.translate(QUESTION, "en")
    service.fake.fail_next(403 if service.name == "DeepL" else 401)
    await fail(service)
    service.fake.fail_next(503)
    await fail(service)
    service.fake.garble_next("html-200")
    await fail(service)
    service.fake.garble_next("drop")
    await fail(service)
    release = service.fake.hold()
    await fail(service)
    release.set()
    lines = [r.getMessage() + (r.exc_text or "") for r in caplog.records]
    assert not [line for line in lines if any(s in line for s in SECRETS)]
    # The capture did see the libraries talk and the failures logged.
    names = {r.name for r in caplog.records}
    if service.name == "DeepL":
        assert {"deepl", "urllib3.connectionpool"} <= names, names
    warned = [r.getMessage() for r in caplog.records if r.name.startswith("bot.translation")]
    assert len(warned) >= 5 and any("unavailable (503)" in w for w in warned), warned


async def test_the_configured_provider_translates(
    fake_deepl: FakeDeepL, fake_papago: FakePapago, monkeypatch: pytest.MonkeyPatch
) -> None:
    keep_clients_local(monkeypatch)
    for name in ("FORUM_BOT_TRANSLATE", "DEEPL_AUTH_KEY", "PAPAGO_CLIENT_ID"):
        monkeypatch.delenv(name, raising=False)
    assert provider(Settings()) is None
    deepl = provider(
        Settings(
            translate="DeepL",
            deepl_auth_key=f" {fake_deepl.auth_key} ",
            deepl_server_url=fake_deepl.server_url,
        )
    )
    papago = provider(
        Settings(
            translate="papago",
            papago_client_id=fake_papago.client_id,
            papago_client_secret=fake_papago.client_secret,
            papago_url=fake_papago.url,
            translate_timeout=3,
        )
    )
    assert deepl is not None and papago is not None
    assert (deepl.name, papago.name) == ("DeepL", "Papago")
    assert await deepl.translate("Hello", "ko") == Translated("[KO] Hello", "en")
    assert await papago.translate("Hello", "ko") == Translated("[ko] Hello", "en")
    await deepl.close()
    await papago.close()
    await papago.close()  # twice is harmless (shutdown after a failed start)


def test_the_deepl_package_is_imported_only_for_deepl() -> None:
    code = (
        "import sys; from bot.settings import Settings; from bot.translation import provider;"
        "assert provider(Settings()) is None;"
        "p = provider(Settings(translate='papago', papago_client_id='i',"
        " papago_client_secret='s'));"
        "print(p.name, 'deepl' in sys.modules, 'requests' in sys.modules);"
        "p = provider(Settings(translate='deepl', deepl_auth_key='k'));"
        "print(p.name, 'deepl' in sys.modules)"
    )
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("FORUM_BOT_", "DEEPL_", "PAPAGO_"))
    }
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["Papago", "False", "False", "DeepL", "True"]
