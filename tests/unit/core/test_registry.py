"""Declaring commands once, and reading free text into their options."""

from __future__ import annotations

import pytest

from bot.core.model import Reply
from bot.core.registry import Option, OptionType, UsageError, command, parse_text
from bot.i18n import L
from commands import ALL


async def _noop(ctx: object, **kw: object) -> Reply:
    return Reply("ok")


ASK = command(
    "ask",
    L("Ask"),
    options=[
        Option("question", L("q"), required=True, rest=True, max_length=500),
        Option("session", L("s")),
        Option("anonymous", L("a"), type=OptionType.BOOLEAN),
    ],
)(_noop)
REMIND = command(
    "remind",
    L("Remind"),
    options=[
        Option("session", L("s"), required=True),
        Option("minutes", L("m"), type=OptionType.INTEGER),
    ],
)(_noop)


@pytest.mark.parametrize(
    ("spec", "text", "expected"),
    [
        (ASK, "How long do cells last?", {"question": "How long do cells last?"}),
        (ASK, "How long?  anonymous", {"question": "How long?", "anonymous": True}),
        (ASK, "anonymous How long?", {"anonymous": True, "question": "How long?"}),
        (
            ASK,
            'session:dialogue "Why, and how?" anonymous',
            {"session": "dialogue", "question": "Why, and how?", "anonymous": True},
        ),
        (
            ASK,
            "session: dialogue what is 3:1 here?",
            {"session": "dialogue", "question": "what is 3:1 here?"},
        ),
        (REMIND, "dialogue 15", {"session": "dialogue", "minutes": "15"}),
        (REMIND, "minutes=5 session=opening", {"minutes": "5", "session": "opening"}),
        (REMIND, '"Opening Ceremony" 5', {"session": "Opening Ceremony", "minutes": "5"}),
        (REMIND, "", {}),
        (ASK, 'unbalanced "quote here', {"question": 'unbalanced "quote here'}),
    ],
)
def test_parse_text(spec: object, text: str, expected: dict[str, object]) -> None:
    assert parse_text(spec, text) == expected  # type: ignore[arg-type]


def test_too_many_words_is_a_usage_error() -> None:
    with pytest.raises(UsageError):
        parse_text(REMIND, "session:dialogue 5 extra")


def test_usage_and_names() -> None:
    assert REMIND.usage() == "/remind <session> [minutes]"
    with pytest.raises(ValueError, match="not valid"):
        command("Bad Name", L("x"))(_noop)


def test_a_middle_string_option_takes_the_words_before_a_number() -> None:
    assert parse_text(REMIND, "Opening Ceremony 5") == {
        "session": "Opening Ceremony",
        "minutes": "5",
    }
    assert parse_text(REMIND, "글로벌 석학 15") == {"session": "글로벌 석학", "minutes": "15"}
    # Words that are no number are the session's too: its lookup says what it knows.
    assert parse_text(REMIND, "Opening Ceremony soon") == {"session": "Opening Ceremony soon"}
    assert parse_text(REMIND, "a 5 extra") == {"session": "a 5 extra"}


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        # Found by the property tests: a later option that is left out took the title's
        # last word ("The minutes must be a whole number, not 'Ceremony'"), or with more
        # words the line was refused ("I did not understand 'Global'").
        ("remind", "Opening Ceremony", {"session": "Opening Ceremony"}),
        ("remind", "Dialogue with Global Scholars", {"session": "Dialogue with Global Scholars"}),
        ("remind", "글로벌 석학", {"session": "글로벌 석학"}),
        ("remind", "Opening Ceremony minutes:5", {"session": "Opening Ceremony", "minutes": "5"}),
        ("qa-export", "opening ceremony", {"session": "opening ceremony"}),
        ("qa-export", "opening ceremony CSV", {"session": "opening ceremony", "format": "CSV"}),
        ("questions", "global scholars", {"session": "global scholars"}),
        ("questions", "global scholars top", {"session": "global scholars", "order": "top"}),
        ("questions", "dialogue 추천순", {"session": "dialogue", "order": "추천순"}),
        # Also found by them: "key: value" was read at the start of a line, not at its end.
        ("announce", "Doors open to: all", {"text": "Doors open", "to": "all"}),
        ("ask", 'Why? session: "dialogue"', {"question": "Why?", "session": "dialogue"}),
        ("remind", "Opening Ceremony minutes: 5", {"session": "Opening Ceremony", "minutes": "5"}),
        # An optional language before the free text: given when it is one, else left out.
        (
            "qa-translate",
            "12 ko 배터리는 언제",
            {"id": "12", "language": "ko", "text": "배터리는 언제"},
        ),
        ("qa-translate", "12 Korean 배터리", {"id": "12", "language": "Korean", "text": "배터리"}),
        ("qa-translate", "12 When will it ship?", {"id": "12", "text": "When will it ship?"}),
        ("qa-translate", "12 배터리는", {"id": "12", "text": "배터리는"}),
        ("qa-translate", "12 en", {"id": "12", "language": "en"}),
        ("qa-translate", "12", {"id": "12"}),
        ("qa-translate", '12 "ko is a word"', {"id": "12", "text": "ko is a word"}),
    ],
)
def test_free_text_then_options_left_out_or_named(
    name: str, text: str, expected: dict[str, str]
) -> None:
    spec = next(c for c in ALL if c.name == name)
    assert parse_text(spec, text) == expected


def test_key_values_after_free_text_are_options() -> None:
    assert parse_text(ASK, "Why is it so? session:dialogue anonymous") == {
        "question": "Why is it so?",
        "session": "dialogue",
        "anonymous": True,
    }


def test_a_quoted_value_right_after_its_key_is_one_option() -> None:
    """`key:"a value with spaces"` (the way a poll's question and options are typed), with
    either quotes, `:` or `=`; a key that names no option stays a word of the text."""
    assert parse_text(ASK, 'session:"Opening Ceremony" Why?') == {
        "session": "Opening Ceremony",
        "question": "Why?",
    }
    assert parse_text(REMIND, "session=“Opening Ceremony” minutes:5") == {
        "session": "Opening Ceremony",
        "minutes": "5",
    }
    assert parse_text(ASK, 'Re:"dendrites" again? anonymous') == {
        "question": 'Re:"dendrites" again?',
        "anonymous": True,
    }
    # An empty quoted value is empty (the next word is not taken for it).
    assert parse_text(REMIND, 'session:"" 5') == {"session": "", "minutes": "5"}
    # A quote that never closes leaves the word as typed.
    assert parse_text(REMIND, 'session:"Opening 5') == {"session": '"Opening', "minutes": "5"}


@pytest.mark.timeout(20)
@pytest.mark.parametrize("bait", ["“ ", "session:“ ", "question:“x "])
def test_opening_quotes_that_never_close_are_read_in_one_pass(bait: str) -> None:
    """40,000 opening quotes with no closing one: each used to search the rest of the
    line for its close (minutes of CPU for 80,000 characters); one search now serves all."""
    ask = next(spec for spec in ALL if spec.name == "ask")
    values = parse_text(ask, bait * 40_000)
    assert "“" in values["question"]


def test_an_option_named_only_never_takes_a_word_in_its_place() -> None:
    """A command with optional texts for one use and a number for another (/poll): the
    texts go by name only, so "vote 3 2" gives 2 to the option, not to a text."""
    spec = command(
        "poll",
        L("Poll"),
        options=[
            Option("action", L("a"), required=True),
            Option("poll", L("p")),
            Option("option", L("o"), rest=True),
            Option("question", L("q"), named_only=True),
            Option("minutes", L("m"), type=OptionType.INTEGER, named_only=True),
        ],
    )(_noop)
    assert parse_text(spec, "vote 3 2") == {"action": "vote", "poll": "3", "option": "2"}
    assert parse_text(spec, "vote 3 Solid state") == {
        "action": "vote",
        "poll": "3",
        "option": "Solid state",
    }
    assert parse_text(spec, 'create question:"Which first?" minutes:5') == {
        "action": "create",
        "question": "Which first?",
        "minutes": "5",
    }
    assert spec.usage() == "/poll <action> [poll] [option] [question:…] [minutes:…]"
