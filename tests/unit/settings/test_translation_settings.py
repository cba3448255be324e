"""FORUM_BOT_TRANSLATE: none unless named; a name without its keys, an unknown name or
a malformed address stops `forum-bot` at start with one line, naming no secret."""

from __future__ import annotations

import pytest

from bot.__main__ import main
from bot.settings import Settings

SECRET = "papago-secret-value-123"


@pytest.fixture(autouse=True)
def _clean(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "FORUM_BOT_TRANSLATE",
        "FORUM_BOT_TRANSLATE_TIMEOUT",
        "DEEPL_AUTH_KEY",
        "DEEPL_SERVER_URL",
        "PAPAGO_CLIENT_ID",
        "PAPAGO_CLIENT_SECRET",
        "PAPAGO_URL",
    ):
        monkeypatch.delenv(name, raising=False)


@pytest.mark.parametrize(
    ("environment", "said"),
    [
        (
            {"FORUM_BOT_TRANSLATE": "deepl"},
            "FORUM_BOT_TRANSLATE: Value error, deepl needs DEEPL_AUTH_KEY",
        ),
        ({"FORUM_BOT_TRANSLATE": "deepl", "DEEPL_AUTH_KEY": "  "}, "deepl needs DEEPL_AUTH_KEY"),
        (
            {"FORUM_BOT_TRANSLATE": "papago"},
            "papago needs PAPAGO_CLIENT_ID and PAPAGO_CLIENT_SECRET",
        ),
        (
            {"FORUM_BOT_TRANSLATE": "Papago", "PAPAGO_CLIENT_SECRET": SECRET},
            "papago needs PAPAGO_CLIENT_ID,",
        ),
        ({"FORUM_BOT_TRANSLATE": "google"}, "unknown translation service 'google'"),
        (
            {"FORUM_BOT_TRANSLATE": "deepl", "DEEPL_AUTH_KEY": SECRET, "DEEPL_SERVER_URL": "api"},
            "DEEPL_SERVER_URL: Value error, not an http:// or https:// address",
        ),
        (
            {"PAPAGO_URL": f"ftp://user:{SECRET}@host/"},
            "PAPAGO_URL: Value error, not an http:// or https:// address",
        ),
        ({"FORUM_BOT_TRANSLATE_TIMEOUT": "0"}, "FORUM_BOT_TRANSLATE_TIMEOUT"),
        ({"FORUM_BOT_TRANSLATE_TIMEOUT": "600"}, "FORUM_BOT_TRANSLATE_TIMEOUT"),
    ],
)
def test_an_incomplete_translation_set_up_is_refused_at_start(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    environment: dict[str, str],
    said: str,
) -> None:
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    assert main(["run"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1 and err.startswith("forum-bot: environment ")
    assert said in err and SECRET not in err


def test_translation_is_off_unless_named_and_its_secrets_are_redacted(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    off = Settings()
    assert (off.translate, off.translate_timeout) == ("", 8.0)
    assert off.papago_url == "https://papago.apigw.ntruss.com/nmt/v1/translation"
    monkeypatch.setenv("FORUM_BOT_TRANSLATE", " PAPAGO ")
    monkeypatch.setenv("PAPAGO_CLIENT_ID", " papago-id-1 ")
    monkeypatch.setenv("PAPAGO_CLIENT_SECRET", SECRET)
    monkeypatch.setenv("DEEPL_AUTH_KEY", "deepl-key-value:fx")
    monkeypatch.setenv("FORUM_BOT_TRANSLATE_TIMEOUT", "2.5")
    on = Settings()
    assert (on.translate, on.papago_client_id, on.translate_timeout) == (
        "papago",
        "papago-id-1",
        2.5,
    )
    assert SECRET not in repr(on) and "deepl-key-value" not in repr(on)
    assert {SECRET, "deepl-key-value:fx", "papago-id-1"} <= set(on.secrets())
