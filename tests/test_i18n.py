"""Every message exists in both languages with the same placeholders; dates via Babel."""

from __future__ import annotations

import string
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from bot.i18n import Translator, normalise_language
from bot.i18n.messages import MESSAGES
from commands import ALL


def fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.mark.parametrize("key", sorted(MESSAGES))
def test_both_languages_with_the_same_placeholders(key: str) -> None:
    texts = MESSAGES[key]
    assert set(texts) == {"en", "ko"}
    assert texts["en"].strip() and texts["ko"].strip()
    assert fields(texts["en"]) == fields(texts["ko"]), key


def test_every_command_and_option_is_described_in_both_languages() -> None:
    for spec in ALL:
        assert spec.description.en and spec.description.ko, spec.name
        assert len(spec.description.en) <= 100 and len(spec.description.ko) <= 100
        for opt in spec.options:
            assert opt.description.en and opt.description.ko, (spec.name, opt.name)


def test_dates_and_zones_read_naturally() -> None:
    at = datetime(2026, 2, 5, 4, 0, tzinfo=ZoneInfo("UTC"))
    en = Translator("en", ZoneInfo("Asia/Seoul"))
    ko = Translator("ko", ZoneInfo("Asia/Seoul"))
    assert en.date_time(at) == "Thu 5 Feb 13:00"
    assert ko.date_time(at) == "2월 5일 (목) 13:00"
    assert en.date(at.date()) == "Thursday, 5 February 2026"
    assert ko.date(at.date()) == "2026년 2월 5일 목요일"
    assert en.zone_name(at) == "KST (UTC+9)"
    la = Translator("en", ZoneInfo("America/Los_Angeles"))
    assert la.zone_name(at) == "PST (UTC-8)"
    assert Translator("en", ZoneInfo("Asia/Kolkata")).zone_name(at) == "IST (UTC+5:30)"
    stamp = la.stamp_time(at)
    assert stamp.at == at and stamp.fallback == "20:00"


def test_language_names() -> None:
    for text, lang in (
        ("ko-KR", "ko"),
        ("Korean", "ko"),
        ("한국어", "ko"),
        ("en-US", "en"),
        ("english", "en"),
        ("fr", None),
        ("", None),
        (None, None),
    ):
        assert normalise_language(text) == lang
    assert Translator("xx", ZoneInfo("UTC")).lang == "en"
