"""A question's text as each surface shows it (bot.qa.display): the reader's language first
when a translation into it exists, the other versions beneath, each marked."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from bot.delivery.planner import both
from bot.i18n import Translator
from bot.qa.display import versions
from bot.storage.qa import Question, Translation, translations_json

UTC = ZoneInfo("UTC")


def question(body: str, lang: str, original: str | None = None, **found: Translation) -> Question:
    return Question(
        7, "dialogue", body, False, "slack", "U1", "min", "approved", 3, None,
        "2026-02-05T04:10:00+00:00", lang, original, translations_json(found),
    )  # fmt: skip


def test_a_korean_question_reads_in_english_first_for_an_english_reader() -> None:
    q = question(
        "전고체 배터리는 언제?",
        "ko",
        "전고체 배터리 언제",
        en=Translation("When solid-state?", "DeepL"),
    )
    en = Translator("en", UTC)
    assert versions(q, "en", en) == (
        "When solid-state? (machine translation)",
        ["KO · 전고체 배터리는 언제? (edited)"],
    )
    # A Korean reader reads it as asked, the English after it.
    ko = Translator("ko", UTC)
    assert versions(q, "ko", ko) == (
        "전고체 배터리는 언제? (수정됨)",
        ["EN · When solid-state? (기계 번역)"],
    )
    # A channel read in both languages: the marks in both, the question once.
    top, rest = versions(q, "en", both)
    assert top == "When solid-state? (machine translation) / (기계 번역)"
    assert rest == ["KO · 전고체 배터리는 언제? (edited) / (수정됨)"]


def test_no_translation_is_the_question_alone() -> None:
    q = question("Which anode wins?", "en")
    en = Translator("en", UTC)
    assert versions(q, "ko", en) == ("Which anode wins?", [])
    typed = question(
        "Which anode wins?", "en", ko=Translation("어떤 음극이 이깁니까?", "moderator")
    )
    assert versions(typed, "en", en) == ("Which anode wins?", ["KO · 어떤 음극이 이깁니까?"])
    assert versions(typed, "ko", en) == ("어떤 음극이 이깁니까?", ["EN · Which anode wins?"])
