"""A question's text as each surface shows it: the reader's language first when a
translation into it exists, the other versions beneath, each marked with its language (and
as a machine's translation when it is one), and "(edited)" on a moderator's correction.

`say` is how the surface speaks: one reader's Translator (a command's answer) or
`bot.delivery.planner.both` (a channel read in every language). Marks are separate from
the question's text, so a channel's both-language mark never repeats the question."""

from __future__ import annotations

from collections.abc import Callable

from bot.i18n import LANGUAGES
from bot.storage.qa import Question, Translation

Say = Callable[..., str]


def own_text(q: Question, say: Say) -> str:
    """The question as it stands, marked when a moderator edited it."""
    return f"{q.body} {say('qa.edited')}" if q.edited else q.body


def marked(lang: str, text: str, say: Say, *, machine: bool = False) -> str:
    """`text` marked with its language ("KO · ..."), and as a machine's when it is."""
    line = f"{lang.upper()} · {text}" if lang else text
    return f"{line} {say('qa.machine')}" if machine else line


def versions(q: Question, lang: str, say: Say) -> tuple[str, list[str]]:
    """What a reader of `lang` reads first, and the other versions beneath (in the
    event's order of languages): the translation into `lang` over the question as asked
    when there is one, else the question over its translations."""
    first, beneath = q.in_language(lang)
    others = [_translation(code, t, say) for code, t in ordered(q) if code != lang]
    if beneath is None:  # no translation into `lang`: the question itself first
        return own_text(q, say), others
    machine = q.translations[lang].machine
    return marked("", first, say, machine=machine), [
        marked(q.lang or "", own_text(q, say), say),
        *others,
    ]


def _translation(code: str, t: Translation, say: Say) -> str:
    return marked(code, t.text, say, machine=t.machine)


def ordered(q: Question) -> list[tuple[str, Translation]]:
    """A question's translations in the event's order of languages (none into its own)."""
    found = q.translations
    order = [code for code in LANGUAGES if code in found]
    order += sorted(code for code in found if code not in LANGUAGES)
    return [(code, found[code]) for code in order if code != q.lang]
