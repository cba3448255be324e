"""Every message exists in both languages with the same placeholders; dates via Babel."""

from __future__ import annotations

import string
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from babel import Locale

from bot.i18n import Translator, normalise_language
from bot.i18n.messages import MESSAGES, Plural
from commands import ALL


def forms(text: str | Plural) -> list[str]:
    """Every form of a message: one, or one per plural category."""
    return list(text.forms.values()) if isinstance(text, Plural) else [text]


def fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.mark.parametrize("key", sorted(MESSAGES))
def test_both_languages_with_the_same_placeholders(key: str) -> None:
    texts = MESSAGES[key]
    assert set(texts) == {"en", "ko"}
    wanted = fields(forms(texts["en"])[0])
    for lang in ("en", "ko"):
        for form in forms(texts[lang]):
            assert form.strip(), (key, lang)
            assert fields(form) == wanted, (key, lang, form)


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_plural_messages_give_exactly_their_languages_cldr_forms(lang: str) -> None:
    rule = Locale.parse(lang).plural_form
    categories = set(rule.tags) | {"other"}
    for key, texts in MESSAGES.items():
        text = texts[lang]
        if isinstance(text, Plural):
            assert set(text.forms) == categories, (key, lang)
            assert all(text.count in fields(form) for form in text.forms.values()), key
        # An English count never hedges with "(s)": its message declares its forms.
        assert not any("(s)" in form for form in forms(text)), (key, lang)


def test_counts_read_as_english_and_korean_say_them() -> None:
    en = Translator("en", ZoneInfo("UTC"))
    ko = Translator("ko", ZoneInfo("UTC"))
    assert en("qa.votes", votes=1) == "▲ 1 vote"
    assert en("qa.votes", votes=0) == "▲ 0 votes"
    assert en("qa.votes", votes=2) == "▲ 2 votes"
    assert en("qa.voted", id=3, votes=1) == "Up-voted #3: 1 vote."
    assert en("search.title", count=1, query="anode") == "1 result for 'anode'"
    assert en("search.title", count=12, query="anode") == "12 results for 'anode'"
    assert en("reload.done", count=1).startswith("The agenda is reloaded: 1 change,")
    assert en("ics.mine", count=1).startswith("Your 1 session (the one you set /remind for)")
    assert en("ics.all", count=1).startswith("The whole programme, 1 session,")
    assert en("qa.exported", count=1, title="x") == '1 question of "x".'
    assert en("agenda.bad_day_number", value=3, count=1).endswith("the event has 1 day.")
    # Korean counts have one form.
    assert ko("qa.votes", votes=1) == "▲ 추천 1" and ko("qa.votes", votes=5) == "▲ 추천 5"


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
