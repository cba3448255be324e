"""The fake DeepL and Papago hold the services' rules, so that a provider passing
against them means something: asked over plain HTTP (aiohttp's client), as no provider
would ask."""

from __future__ import annotations

import json
from typing import Any

import aiohttp
import pytest

from tests.fakes.deepl_server import FakeDeepL
from tests.fakes.papago_server import FakePapago


async def post(url: str, **kw: Any) -> tuple[int, Any]:
    """Status and JSON (None when the body is not JSON) of one POST."""
    async with aiohttp.ClientSession() as http, http.post(url, **kw) as answer:
        text = await answer.text()
        try:
            return answer.status, json.loads(text)
        except ValueError:
            return answer.status, None


async def test_deepl_wants_its_key_in_its_header(fake_deepl: FakeDeepL) -> None:
    url = fake_deepl.server_url + "/v2/translate"
    body = {"text": ["Hi"], "target_lang": "KO"}
    assert (await post(url, json=body))[0] == 403
    key = fake_deepl.auth_key
    assert (await post(url, data={**body, "auth_key": key}))[0] == 403
    assert (await post(url, json=body, headers={"Authorization": f"Bearer {key}"}))[0] == 403
    status, answer = await post(url, json=body, headers={"Authorization": f"DeepL-Auth-Key {key}"})
    assert status == 200
    assert answer == {"translations": [{"detected_source_language": "EN", "text": "[KO] Hi"}]}


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        ({"text": ["Hi"], "target_lang": "EN"}, 400, "Value for 'target_lang' not supported."),
        ({"text": ["Hi"], "target_lang": "PT"}, 400, "Value for 'target_lang' not supported."),
        ({"text": ["Hi"], "target_lang": "XX"}, 400, "Value for 'target_lang' not supported."),
        ({"text": ["Hi"]}, 400, "Parameter 'target_lang' not specified."),
        ({"text": [], "target_lang": "KO"}, 400, "Parameter 'text' not specified."),
        ({"text": [1], "target_lang": "KO"}, 400, "Parameter 'text' not specified."),
        ({"target_lang": "KO"}, 400, "Parameter 'text' not specified."),
        (
            {"text": ["Hi"], "target_lang": "KO", "source_lang": "EN-US"},
            400,
            "Value for 'source_lang' not supported.",
        ),
        ({"text": ["Hi"] * 51, "target_lang": "KO"}, 413, "Too many texts: at most 50 a request"),
        ({"text": ["x" * 132_000], "target_lang": "KO"}, 413, "Request Entity Too Large"),
    ],
)
async def test_deepl_refuses_what_deepl_refuses(
    fake_deepl: FakeDeepL, body: dict[str, Any], status: int, message: str
) -> None:
    headers = {"Authorization": f"DeepL-Auth-Key {fake_deepl.auth_key}"}
    answer = await post(fake_deepl.server_url + "/v2/translate", json=body, headers=headers)
    assert answer == (status, {"message": message})


async def test_deepl_takes_a_form_codes_in_any_case_and_counts_its_quota() -> None:
    async with FakeDeepL(auth_key="k", quota=10) as fake:
        url, headers = fake.server_url + "/v2/translate", {"Authorization": "DeepL-Auth-Key k"}
        form = [("text", "안녕"), ("text", "Hi"), ("target_lang", "en-gb")]
        form.append(("show_billed_characters", "1"))
        status, answer = await post(url, data=form, headers=headers)
        assert status == 200
        assert answer["translations"] == [
            {"detected_source_language": "KO", "text": "[EN-GB] 안녕", "billed_characters": 2},
            {"detected_source_language": "EN", "text": "[EN-GB] Hi", "billed_characters": 2},
        ]
        assert fake.quota == 6
        too_much = {"text": ["1234567"], "target_lang": "KO"}
        assert await post(url, json=too_much, headers=headers) == (
            456,
            {"message": "Quota Exceeded"},
        )
        assert fake.quota == 6  # a refused request costs nothing


async def test_papago_wants_both_credentials_in_its_headers(fake_papago: FakePapago) -> None:
    form = {"source": "ko", "target": "en", "text": "안녕하세요"}
    refused = (401, {"error": {"errorCode": "200", "message": "Authentication Failed"}})
    assert await post(fake_papago.url, data=form) == refused
    only_id = {"X-NCP-APIGW-API-KEY-ID": fake_papago.client_id}
    assert await post(fake_papago.url, data=form, headers=only_id) == refused
    # Header names are not case-sensitive; a JSON body is taken as well as a form.
    both = {
        "x-ncp-apigw-api-key-id": fake_papago.client_id,
        "x-ncp-apigw-api-key": fake_papago.client_secret,
    }
    status, answer = await post(fake_papago.url, json=form, headers=both)
    assert status == 200
    assert answer["message"]["result"] == {
        "srcLangType": "ko",
        "tarLangType": "en",
        "translatedText": "[en] 안녕하세요",
        "engineType": "N2MT",
    }


@pytest.mark.parametrize(
    ("form", "code"),
    [
        ({"target": "en", "text": "안녕"}, "N2MT01"),
        ({"source": "kr", "target": "en", "text": "안녕"}, "N2MT02"),
        ({"source": "ko", "text": "안녕"}, "N2MT03"),
        ({"source": "ko", "target": "english", "text": "안녕"}, "N2MT04"),
        ({"source": "ko", "target": "ko", "text": "안녕"}, "N2MT05"),
        ({"source": "auto", "target": "ko", "text": "안녕"}, "N2MT05"),
        ({"source": "en", "target": "de", "text": "Hi"}, "N2MT06"),
        ({"source": "ko", "target": "en", "text": ""}, "N2MT07"),
        ({"source": "ko", "target": "en"}, "N2MT07"),
        ({"source": "ko", "target": "en", "text": "가" * 5001}, "N2MT08"),
    ],
)
async def test_papago_refuses_what_papago_refuses(
    fake_papago: FakePapago, form: dict[str, str], code: str
) -> None:
    headers = {
        "X-NCP-APIGW-API-KEY-ID": fake_papago.client_id,
        "X-NCP-APIGW-API-KEY": fake_papago.client_secret,
    }
    status, answer = await post(fake_papago.url, data=form, headers=headers)
    assert status == 400 and answer["error"]["errorCode"] == code


async def test_papago_refuses_a_body_past_10_mb(fake_papago: FakePapago) -> None:
    headers = {
        "X-NCP-APIGW-API-KEY-ID": fake_papago.client_id,
        "X-NCP-APIGW-API-KEY": fake_papago.client_secret,
    }
    form = {"source": "ko", "target": "en", "text": "x" * (10 * 1024 * 1024)}
    status, answer = await post(fake_papago.url, data=form, headers=headers)
    assert status == 413 and answer["error"]["errorCode"] == "430"


async def test_the_switches_break_the_next_answers_only(fake_papago: FakePapago) -> None:
    headers = {
        "X-NCP-APIGW-API-KEY-ID": fake_papago.client_id,
        "X-NCP-APIGW-API-KEY": fake_papago.client_secret,
    }
    form = {"source": "ko", "target": "en", "text": "안녕"}
    fake_papago.fail_next(503, times=2)
    fake_papago.garble_next("html-200")
    fake_papago.translate = lambda text, source, target: text[::-1]
    # Garbling comes first (something in between answers before the service would).
    assert await post(fake_papago.url, data=form, headers=headers) == (200, None)
    first = await post(fake_papago.url, data=form, headers=headers)
    assert first == (503, {"error": {"errorCode": "500", "message": "Endpoint Error"}})
    assert (await post(fake_papago.url, data=form, headers=headers))[0] == 503
    status, answer = await post(fake_papago.url, data=form, headers=headers)
    assert status == 200 and answer["message"]["result"]["translatedText"] == "녕안"
    assert [r.status for r in fake_papago.received] == [0, 503, 503, 200]
    assert fake_papago.received[0].body == form
