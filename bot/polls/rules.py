"""What makes a poll well formed, wherever it is written (a command, the event file):
its question, 2 to 10 options in English and optionally Korean, none empty, none twice,
and each short enough for a button on every platform. Each refusal is a UserError whose
message says what to change."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from bot.core.errors import UserError
from bot.core.text import FORBIDDEN
from bot.i18n import L

MIN_OPTIONS = 2
MAX_OPTIONS = 10
QUESTION_MAX = 300
# Each option is a button: Slack's button text holds 75 characters, Discord's label 80.
# The button says "10. English / 한국어", so that is what must fit.
LABEL_MAX = 75
MINUTES_MAX = 24 * 60
SEPARATOR = "|"


@dataclass(frozen=True)
class Draft:
    """A poll's question and options, checked."""

    question: L
    options: tuple[L, ...]


def both_texts(text: L) -> str:
    """A bilingual text as one line: "English / 한국어" (one of them when they agree)."""
    return text.en if not text.ko or text.ko == text.en else f"{text.en} / {text.ko}"


def option_label(position: int, option: L) -> str:
    """An option as its button and the cards say it: "2. Sodium-ion / 나트륨 이온"."""
    return f"{position}. {both_texts(option)}"


def split_options(text: str) -> list[str]:
    """Options typed on one line, "A | B | C", each with its spaces folded."""
    return [" ".join(part.split()) for part in text.split(SEPARATOR)]


def comparable(text: str) -> str:
    """An option as compared for duplicates: case, width forms and spacing aside."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def _line(text: str) -> str:
    if FORBIDDEN.search(text):
        raise UserError("error.control_chars")
    return " ".join(unicodedata.normalize("NFC", text).split())


def draft(
    question_en: str,
    question_ko: str,
    options_en: Sequence[str],
    options_ko: Sequence[str] = (),
) -> Draft:
    """The poll these texts make, or a UserError naming the first thing to fix. Korean
    is optional; given, it comes for every option, in the same order."""
    question = L(_question(question_en), _question(question_ko, required=False))
    en = [_line(o) for o in options_en]
    ko = [_line(o) for o in options_ko]
    for texts in (en, ko):
        for i, text in enumerate(texts, start=1):
            if not text:
                raise UserError("poll.option_empty", position=i)
    if len(en) < MIN_OPTIONS:
        raise UserError("poll.too_few", min=MIN_OPTIONS, count=len(en))
    if len(en) > MAX_OPTIONS:
        raise UserError("poll.too_many", max=MAX_OPTIONS, count=len(en))
    if ko and len(ko) != len(en):
        raise UserError("poll.ko_count", count=len(en), ko=len(ko))
    for texts in (en, ko):
        seen: dict[str, int] = {}
        for i, text in enumerate(texts, start=1):
            first = seen.setdefault(comparable(text), i)
            if first != i:
                raise UserError("poll.option_duplicate", first=first, second=i, text=text[:40])
    options = tuple(L(e, ko[i] if ko else "") for i, e in enumerate(en))
    for i, option in enumerate(options, start=1):
        length = len(option_label(i, option))
        if length > LABEL_MAX:
            raise UserError("poll.option_too_long", position=i, length=length, max=LABEL_MAX)
    return Draft(question, options)


def _question(text: str, *, required: bool = True) -> str:
    body = _line(text)
    if not body and required:
        raise UserError("poll.question_empty")
    if len(body) > QUESTION_MAX:
        raise UserError("poll.question_too_long", max=QUESTION_MAX, length=len(body))
    return body
