"""Properties of `parse_text`, the reader of a command line's free text (hypothesis): any
text gives option values or a `UsageError`, values typed as a command line read back the
same, quoting keeps a value whole, and a huge hostile line is read within a deadline."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.model import Reply
from bot.core.registry import (
    Choice,
    CommandSpec,
    Option,
    OptionType,
    UsageError,
    command,
    parse_text,
)
from bot.i18n import L
from commands import ALL


async def _noop(ctx: object, **kw: object) -> Reply:
    return Reply("ok")


# Every real command with options, and one with each kind of option after free text.
MIXED = command(
    "mixed",
    L("mixed"),
    options=[
        Option("title", L("t"), required=True),
        Option("count", L("c"), type=OptionType.INTEGER),
        Option("loud", L("l"), type=OptionType.BOOLEAN),
        Option("colour", L("c"), choices=(Choice("red", L("red", "빨강")), Choice("blue", L("b")))),
    ],
)(_noop)
SPECS = [spec for spec in ALL if spec.options] + [MIXED]
QUOTES = (('"', '"'), ("'", "'"), ("“", "”"))
QUOTE_CHARS = "".join(a + b for a, b in QUOTES)
FAST = settings(max_examples=150, deadline=1000)

# Words without white space, control characters or quotes.
WORD = st.text(
    st.characters(exclude_categories=("Cs", "Cc", "Z"), exclude_characters=QUOTE_CHARS),
    min_size=1,
    max_size=8,
).filter(lambda w: not any(c.isspace() for c in w))
SPACE = st.sampled_from([" ", "  ", "\t", "\u3000", "\n", " \x1c "])


def hostile_words(spec: CommandSpec) -> st.SearchStrategy[str]:
    """Fragments that mean something to the parser: option names with `:` and `=`,
    flags, numbers, quotes balanced or not, and anything else."""
    names = [o.name for o in spec.options] + ["x", "Session", "ANONYMOUS"]
    meaningful = [f"{n}{sep}" for n in names for sep in (":", "=", ": ")] + names
    odd = ['"', "'", "“", "”", '""', "''", "“”", ":", "=", "0", "-1", "+5", "9" * 30, "١٢"]
    return st.one_of(
        st.sampled_from(meaningful + odd),
        st.builds(lambda n, w: n + w, st.sampled_from(meaningful), WORD),
        WORD,
        st.text(max_size=6),
    )


@st.composite
def spec_and_line(draw: st.DrawFn) -> tuple[CommandSpec, str]:
    spec = draw(st.sampled_from(SPECS))
    if draw(st.booleans()):
        return spec, draw(st.text(max_size=120))
    words = draw(st.lists(hostile_words(spec), max_size=12))
    line = "".join(w + draw(SPACE) for w in words)
    return spec, line


def read(spec: CommandSpec, text: str) -> dict[str, Any] | str:
    """The option values, or the word a `UsageError` names."""
    try:
        return parse_text(spec, text)
    except UsageError as exc:
        return str(exc)


@FAST
@given(case=spec_and_line())
def test_any_text_gives_option_values_or_a_usage_error(case: tuple[CommandSpec, str]) -> None:
    spec, text = case
    values = read(spec, text)
    if isinstance(values, str):
        assert values in text  # the refusal names what it did not understand
        return
    assert set(values) <= {o.name for o in spec.options}
    for name, value in values.items():
        # A flag is True; every other value is a piece of the text as typed.
        assert value is True or (isinstance(value, str) and value in text), (name, value)
        opt = spec.option(name)
        assert value is not True or (opt is not None and opt.type is OptionType.BOOLEAN)


def quoted(value: str, avoid: str = "") -> str:
    """`value` in the first pair of quotes it does not contain."""
    for left, right in QUOTES:
        if left not in value + avoid and right not in value + avoid:
            return f"{left}{value}{right}"
    raise AssertionError(value)


def fits(opt: Option, word: str) -> bool:
    """Whether a word could be `opt`'s value as the core reads it."""
    if opt.type is OptionType.INTEGER:
        try:
            int(word)
        except ValueError:
            return False
        return True
    if opt.choices:
        names = {n.casefold() for c in opt.choices for n in (c.value, c.label.en, c.label.ko)}
        return word.casefold() in names
    return True


def is_name(spec: CommandSpec, word: str) -> bool:
    """Whether a word reads as an option (`key:`, `key=`) or a flag of `spec`."""
    for sep in (":", "="):
        key, found, _ = word.partition(sep)
        if found and spec.option(key.lower()) is not None:
            return True
    flag = spec.option(word.lower())
    return flag is not None and flag.type is OptionType.BOOLEAN


@st.composite
def spec_and_values(draw: st.DrawFn) -> tuple[CommandSpec, dict[str, Any]]:
    """A command and values for some of its options (every required one), as the parser
    gives them: strings, and True for a flag."""
    spec = draw(st.sampled_from(SPECS))
    values: dict[str, Any] = {}
    for opt in spec.options:
        if not opt.required and draw(st.booleans()):
            continue
        if opt.type is OptionType.BOOLEAN:
            values[opt.name] = True
        elif opt.type is OptionType.INTEGER:
            values[opt.name] = str(draw(st.integers(-(10**6), 10**6)))
        elif opt.choices:
            values[opt.name] = draw(st.sampled_from([c.value for c in opt.choices]))
        else:
            words = st.lists(WORD.filter(lambda w: not is_name(spec, w)), min_size=1, max_size=5)
            values[opt.name] = " ".join(draw(words))
    return spec, values


def keyed(spec: CommandSpec, values: dict[str, Any], names: list[str]) -> list[str]:
    """`name: "value"` for each of `names`, and a flag's bare name."""
    return [name if values[name] is True else f"{name}: {quoted(values[name])}" for name in names]


@FAST
@given(case=spec_and_values(), data=st.data())
def test_options_typed_by_name_read_back_the_same(
    case: tuple[CommandSpec, dict[str, Any]], data: st.DataObject
) -> None:
    spec, values = case
    order = data.draw(st.permutations(list(values)))
    assert parse_text(spec, " ".join(keyed(spec, values, order))) == values


@FAST
@given(case=spec_and_values(), data=st.data())
def test_options_typed_in_order_read_back_the_same(
    case: tuple[CommandSpec, dict[str, Any]], data: st.DataObject
) -> None:
    """Values in declared order: one of several words bare when no left-out later option
    could take its last word, else in quotes, and a rest of the line as typed; what cannot
    follow in order (after a left-out option or a rest of the line) by name, before or
    after them; flags first or last."""
    spec, values = case
    in_order = [o for o in spec.options if o.type is not OptionType.BOOLEAN and not o.named_only]
    words: list[str] = []
    # An option typed only by name goes by name.
    by_name = [o.name for o in spec.options if o.named_only and o.name in values]
    for n, opt in enumerate(in_order):
        if opt.name not in values:
            by_name += [o.name for o in in_order[n + 1 :] if o.name in values]
            break
        value = values[opt.name]
        if opt.rest:
            words.append(value)
            by_name += [o.name for o in in_order[n + 1 :] if o.name in values]
            break
        later = in_order[n + 1 :]
        left_out = [o for o in later if o.name not in values]
        last_word = value.split()[-1]
        may_go_bare = not any(fits(o, last_word) for o in left_out)
        multi = len(value.split()) > 1
        bare = not multi or (may_go_bare and data.draw(st.booleans(), label="bare"))
        words.append(value if bare else quoted(value))
    flags = [name for name, value in values.items() if value is True]
    named = keyed(spec, values, by_name)
    before = bool(named) and data.draw(st.booleans(), label="named first")
    line = " ".join(named + words if before else words + named)
    if flags:
        first = data.draw(st.booleans(), label="flags first")
        line = " ".join([*flags, line] if first else [line, *flags])
    assert parse_text(spec, line) == values, line


@FAST
@given(data=st.data(), pair=st.sampled_from(QUOTES), name=st.sampled_from(["question", "session"]))
def test_quotes_keep_a_value_whole(data: st.DataObject, pair: tuple[str, str], name: str) -> None:
    """A value in quotes is read as it is: spaces, line breaks, the other quotes, colons,
    option names and all."""
    ask = next(spec for spec in ALL if spec.name == "ask")
    inside = st.characters(exclude_categories=["Cs"], exclude_characters="".join(pair))
    value = data.draw(st.text(inside) | st.sampled_from(["anonymous", "session: x", "'“"]))
    if pair[0] in value or pair[1] in value:
        value = value.replace(pair[0], "").replace(pair[1], "")
    assert parse_text(ask, f"{name}: {pair[0]}{value}{pair[1]}")[name] == value


@settings(max_examples=20, deadline=2000)
@given(
    spec=st.sampled_from(SPECS),
    fragment=st.lists(
        st.sampled_from(['"', "“", "'", "a", " ", ":", "=", "anonymous", "session:", "5"]),
        min_size=1,
        max_size=8,
    ).map("".join),
    times=st.integers(10_000, 40_000),
)
def test_a_huge_hostile_line_is_read_in_bounded_time(
    spec: CommandSpec, fragment: str, times: int
) -> None:
    """Up to a few hundred thousand characters of parser bait: still one pass (the
    deadline), and the values are no bigger than the line."""
    text = fragment * times
    try:
        values = parse_text(spec, text)
    except UsageError:
        return
    assert len(values) <= len(spec.options)
    assert sum(len(v) for v in values.values() if isinstance(v, str)) <= len(text)


@pytest.mark.parametrize("name", ["ask", "remind", "announce", "qa"])
def test_hundreds_of_thousands_of_spaces_and_quotes(name: str) -> None:
    spec = next(spec for spec in ALL if spec.name == name)
    for text in (" " * 300_000, '"' * 300_001, "“" * 100_000 + "”", "'a " * 100_000):
        assert isinstance(read(spec, text), dict | str)
