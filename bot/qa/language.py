"""Which of the event's languages a question is written in, from the scripts of its letters.

The event's languages are the bot's (`bot.i18n.LANGUAGES`); a question needs one only to
know which translations it lacks. Writing systems tell them apart where it matters here,
without a statistical model kept in memory for every question: Hangul is Korean, kana
Japanese, Han alone Chinese, Latin English (or the first Latin-written language the event
has). A provider that detects the language says better when it translates
(`Translated.source`), and a moderator can say so by hand.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from collections.abc import Sequence

# The languages each script is read as, most likely first.
_SCRIPTS: dict[str, tuple[str, ...]] = {
    "HANGUL": ("ko",),
    "HIRAGANA": ("ja",),
    "KATAKANA": ("ja",),
    "CJK": ("zh", "ja", "ko"),
    "LATIN": ("en", "de", "fr", "es", "it", "pt", "nl", "id", "vi"),
    "CYRILLIC": ("ru", "uk", "bg"),
    "ARABIC": ("ar",),
    "THAI": ("th",),
    "GREEK": ("el",),
}


def script_of(char: str) -> str | None:
    """The script of one letter, as `_SCRIPTS` names it (None: not a letter, or another)."""
    if not char.isalpha():
        return None
    name = unicodedata.name(char, "")
    word = name.split(" ", 1)[0]
    return word if word in _SCRIPTS else None


def detect(text: str, languages: Sequence[str]) -> str | None:
    """The language of `languages` that `text` is most likely written in, or None when its
    letters are in no script those languages use. Kana anywhere makes Han Japanese; the
    script with most letters wins, a Latin letter counting a quarter: a question in
    Korean or Japanese names its terms in Latin letters ("LFP 배터리 vs NCM 배터리"), an
    English one rarely has a word in Hangul."""
    counts: Counter[str] = Counter(s for s in map(script_of, text) if s is not None)
    if not counts:
        return None
    if counts["HIRAGANA"] or counts["KATAKANA"]:
        counts["HIRAGANA"] += counts.pop("CJK", 0)
    weights = {script: n / 4 if script == "LATIN" else n for script, n in counts.items() if n}
    for script in sorted(weights, key=weights.__getitem__, reverse=True):
        for lang in _SCRIPTS[script]:
            if lang in languages:
                return lang
    return None
