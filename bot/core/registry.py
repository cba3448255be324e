"""Commands declared once: name, options, who may run them, and the handler."""

from __future__ import annotations

import enum
import re
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bot.core.errors import UserError
from bot.core.model import Reply, Role
from bot.i18n import L

if TYPE_CHECKING:
    pass

Handler = Callable[..., Awaitable[Reply]]


class OptionType(enum.Enum):
    """The value types an option can take; every platform can express these."""

    STRING = "string"
    INTEGER = "integer"
    BOOLEAN = "boolean"


@dataclass(frozen=True)
class Choice:
    """One allowed value of an option, with its label in both languages."""

    value: str
    label: L
    # The platforms that offer it (e.g. only the terminal); empty: every platform.
    platforms: tuple[str, ...] = ()

    def offered_on(self, platform: str | None) -> bool:
        """Whether `platform` offers this choice; None asks for every platform."""
        return not self.platforms or (platform is not None and platform in self.platforms)


@dataclass(frozen=True)
class Option:
    """One argument of a command."""

    name: str
    description: L
    type: OptionType = OptionType.STRING
    required: bool = False
    choices: tuple[Choice, ...] = ()
    max_length: int = 100
    min_value: int | None = None
    max_value: int | None = None
    # What platforms with autocomplete should suggest: "session", "speaker", "timezone".
    autocomplete: str | None = None
    # A free-text option takes the rest of the line on platforms that send raw text.
    rest: bool = False
    # The option's name for Korean readers, where a platform localises names (Discord).
    name_ko: str = ""
    # Typed on one line only by name (`question:"…"`), never as a word in its place: a
    # command with many optional texts (/poll create) would else give a word meant for
    # one to another.
    named_only: bool = False

    def choice_for(self, text: str) -> Choice | None:
        """The choice `text` names, by its value or its label in either language, case
        aside; None when it names none."""
        wanted = text.casefold()
        for choice in self.choices:
            if any(
                wanted == n.casefold()
                for n in (choice.value, choice.label.en, choice.label.ko)
                if n
            ):
                return choice
        return None

    def offered(self, platform: str | None) -> tuple[Choice, ...]:
        """The choices `platform` offers; None: those every platform offers."""
        return tuple(c for c in self.choices if c.offered_on(platform))


@dataclass(frozen=True)
class CommandSpec:
    """A command as every platform will show it."""

    name: str
    description: L
    handler: Handler
    options: tuple[Option, ...] = ()
    role: Role = Role.PARTICIPANT
    # Whether the answer is for the asker alone (True) or for the channel.
    ephemeral: bool = True
    # The command's name for Korean readers, where a platform localises names (Discord).
    name_ko: str = ""
    # The answer depends only on the arguments, the reader's language, zone, role and
    # platform, the agenda and the time: people who ask alike within a few seconds get
    # the same answer, made once (a room asking /agenda at the same moment).
    shared: bool = False

    def option(self, name: str) -> Option | None:
        """The option called `name`, if the command has one."""
        for opt in self.options:
            if opt.name == name:
                return opt
        return None

    def usage(self, platform: str | None = None) -> str:
        """A one-line usage, e.g. `/agenda [day]`, with the choices `platform` offers
        (None: those every platform offers)."""
        parts = [f"/{self.name}"]
        for opt in self.options:
            label = opt.name
            if opt.choices:
                label = "|".join(c.value for c in opt.offered(platform))
            if opt.named_only:
                label = f"{opt.name}:{label if opt.choices else '…'}"
            parts.append(f"<{label}>" if opt.required else f"[{label}]")
        return " ".join(parts)

    def usage_as(self, platform: str, names: Mapping[str, str]) -> str:
        """The usage as people type it on `platform`, where some commands go by another
        name (`names`, e.g. Slack's `/remindme` for /remind)."""
        usage = self.usage(platform)
        name = names.get(self.name)
        return f"/{name}{usage.removeprefix('/' + self.name)}" if name else usage


def command(
    name: str,
    description: L,
    *,
    options: Sequence[Option] = (),
    role: Role = Role.PARTICIPANT,
    ephemeral: bool = True,
    name_ko: str = "",
    shared: bool = False,
) -> Callable[[Handler], CommandSpec]:
    """Declare a command: the decorated handler becomes a `CommandSpec`."""
    if not re.fullmatch(r"[a-z][a-z0-9-]{0,31}", name):
        raise ValueError(f"command name {name!r} is not valid on every platform")

    def wrap(handler: Handler) -> CommandSpec:
        return CommandSpec(
            name, description, handler, tuple(options), role, ephemeral, name_ko, shared
        )

    return wrap


def offered_choice(opt: Option, value: str, platform: str) -> str:
    """`value` if `platform` offers it for `opt`; a choice for another platform only (the
    terminal's `console` target) is refused by name, with what this platform offers."""
    choice = next((c for c in opt.choices if c.value == value), None)
    if choice is None or choice.offered_on(platform):
        return value
    raise UserError(
        "error.choice_elsewhere",
        name=opt.name,
        value=value,
        platform=platform.capitalize(),
        choices=", ".join(c.value for c in opt.offered(platform)),
    )


class UsageError(ValueError):
    """The text typed after a command does not fit its options."""


@dataclass(frozen=True)
class _Token:
    """One token of a command line: where it is, and what it says."""

    start: int
    end: int
    word: str  # without its quotes; a `key:"value"` as typed (a positional word's text)
    bare: str | None = None  # typed without quotes: `key:value`, a flag, a word
    keyed: tuple[str, str, str] | None = None  # `key:"value"`: (key, ":" or "=", value)

    def parts(self) -> tuple[str, str, str] | None:
        """(key, separator, value) of a token typed as `key:value` or `key:"value"`
        (the separator empty when it has none); None for a quoted token."""
        if self.keyed is not None:
            return self.keyed
        return None if self.bare is None else _key_value(self.bare)


_RUN = re.compile(r"\S+")
_SPACE = re.compile(r"\s*")
# `key:` or `key=` right before an opening quote: `question:"Which battery first?"`.
_KEY = re.compile(r'[^\s"“”\']+?[:=](?=["“])')
_CLOSING = {'"': '"', "“": "”", "'": "'"}


def _tokens(text: str) -> list[_Token]:
    """The tokens of `text`: a quoted string ("…", “…”, '…'), a `key:"quoted value"`, or
    a run of non-space characters, in one pass: an opening quote that never closes costs
    one search for the whole line, not one per token."""
    found: list[_Token] = []
    # The next place of each closing quote at or after the last search (-1: none left).
    closes: dict[str, int] = {}

    def closing(quote: str, start: int) -> int:
        at = closes.get(quote)
        if at is None or (at != -1 and at < start):
            at = text.find(quote, start)
            closes[quote] = at
        return at

    i = _after_space(text, 0)
    while i < len(text):
        token = None
        key = _KEY.match(text, i)
        if key is not None:
            k = key.end()
            close = closing(_CLOSING[text[k]], k + 1)
            if close != -1:
                name = key.group()
                parts = (name[:-1], name[-1], text[k + 1 : close])
                token = _Token(i, close + 1, text[i : close + 1], keyed=parts)
        elif text[i] in _CLOSING:
            close = closing(_CLOSING[text[i]], i + 1)
            if close != -1:
                token = _Token(i, close + 1, text[i + 1 : close])
        if token is None:
            run = _RUN.match(text, i)
            assert run is not None  # text[i] is no space
            token = _Token(i, run.end(), run.group(), bare=run.group())
        found.append(token)
        i = _after_space(text, token.end)
    return found


def _after_space(text: str, i: int) -> int:
    """Where the white space at `i` ends."""
    space = _SPACE.match(text, i)
    return space.end() if space else i


def parse_text(spec: CommandSpec, text: str) -> dict[str, Any]:
    """Read free text typed after a command into option values (strings and flags).

    Understands `key:value`, `key=value` and `key:"a quoted value"` for the command's own
    options, a boolean option's bare name as a flag ("anonymous"), quoted strings, and
    positional values in the order the options are declared (but `named_only` ones); a
    `rest` option takes the remaining text as typed. An optional choice before a `rest`
    option takes a word only if it is one of its choices: "/qa-translate 12 Hello there"
    leaves the language out, the text is the rest.
    """
    by_name = {o.name: o for o in spec.options}
    values: dict[str, Any] = {}
    passed: set[str] = set()  # optional choices left out (the word was not one of them)
    positional = [o for o in spec.options if o.type is not OptionType.BOOLEAN and not o.named_only]
    matches = _tokens(text)
    i = 0
    while i < len(matches):
        m = matches[i]
        token = m.word
        after = _named(matches, i, by_name, values)
        if after is not None:
            i = after
            continue
        pending = [o for o in positional if o.name not in values and o.name not in passed]
        if not pending:
            raise UsageError(token)
        opt = pending[0]
        if (
            opt.choices
            and not opt.required
            and not _fits(opt, token)
            and any(o.rest for o in pending[1:])
        ):
            passed.add(opt.name)
            continue
        if opt.rest or (len(pending) == 1 and opt.type is OptionType.STRING):
            # Take the rest of the line as typed, minus options at its end ("... anonymous").
            rest_matches, found = _trailing_options(matches[i:], by_name, values, opt)
            values.update(found)
            if not rest_matches:
                break
            if len(rest_matches) == 1:
                values[opt.name] = rest_matches[0].word
            else:
                values[opt.name] = text[rest_matches[0].start : rest_matches[-1].end]
            break
        later = pending[1:]
        if opt.type is OptionType.STRING and not opt.choices and not any(o.rest for o in later):
            # "Opening Ceremony 5" for <session> [minutes]: the words at the end that later
            # options take go to them, every word before to this one.
            words, found = _trailing_options(matches[i:], by_name, values, opt)
            tail = _tail_words([o for o in later if o.name not in found], words[1:], by_name)
            if tail is not None:
                take = len(words) - len(tail)
                if take > 1:
                    token = text[words[0].start : words[take - 1].end]
                values[opt.name] = token
                values.update((o.name, m.word) for o, m in tail)
                values.update(found)
                break
        values[opt.name] = token
        i += 1
    return values


def _named(
    matches: Sequence[_Token], i: int, by_name: Mapping[str, Option], values: dict[str, Any]
) -> int | None:
    """Read token `i` as `key:value`, `key:"value"` (or `key: value`, two tokens) for one
    of the command's options, or as a boolean option's bare name; the index after it, or
    None when it is neither (then it is a positional value)."""
    t = matches[i]
    parts = t.parts()
    if parts is None:
        return None
    key, sep, val = parts
    opt = by_name.get(key.lower()) if sep else None
    if opt is not None and opt.name not in values:
        if not val and t.keyed is None and i + 1 < len(matches):
            i += 1  # "key: value" with a space after the colon
            val = matches[i].word
        values[opt.name] = val
        return i + 1
    flag = by_name.get(t.bare.lower()) if t.bare is not None else None
    if flag is not None and flag.type is OptionType.BOOLEAN and flag.name not in values:
        values[flag.name] = True
        return i + 1
    return None


def _key_value(raw: str) -> tuple[str, str, str]:
    """`key:value` or `key=value` split at the first colon, else the first equals sign."""
    return raw.partition(":") if ":" in raw else raw.partition("=")


def _trailing_options(
    words: list[_Token],
    by_name: Mapping[str, Option],
    values: Mapping[str, Any],
    this: Option,
) -> tuple[list[_Token], dict[str, Any]]:
    """Split the options (`key:value`, `key: value`, `key:"value"`) and flags that end
    `words` ("... at:10:00 anonymous") off them: the words before, and those options'
    values. Only options not yet given, and not `this`."""
    found: dict[str, Any] = {}

    def unset(opt: Option | None) -> Option | None:
        taken = opt is None or opt is this or opt.name in values or opt.name in found
        return None if taken else opt

    end = len(words)
    while end:
        if end > 1:
            # "... to: all", as "key: value" reads at the start of a line.
            key, sep, val = _key_value(words[end - 2].bare or "")
            keyed = unset(by_name.get(key.lower())) if sep and not val else None
            if keyed is not None:
                found[keyed.name] = words[end - 1].word
                end -= 2
                continue
        last = words[end - 1]
        parts = last.parts()
        if parts is None or not (last.bare or last.keyed):
            break
        key, sep, val = parts
        keyed = unset(by_name.get(key.lower())) if sep and (val or last.keyed) else None
        if keyed is not None:
            found[keyed.name] = val
        else:
            flag = unset(by_name.get(last.bare.lower())) if last.bare else None
            if flag is None or flag.type is not OptionType.BOOLEAN:
                break
            found[flag.name] = True
        end -= 1
    return words[:end], found


def _fits(opt: Option, word: str) -> bool:
    """Whether `word` can be `opt`'s value: a number for a number, one of the choices (by
    value or label, as the core reads them) for a choice; any word for free text."""
    if opt.type is OptionType.INTEGER:
        try:
            int(word)
        except ValueError:
            return False
        return True
    if opt.choices:
        return opt.choice_for(word) is not None
    return True


def _tail_words(
    later: Sequence[Option], words: Sequence[_Token], by_name: Mapping[str, Option]
) -> list[tuple[Option, _Token]] | None:
    """Which of the last `words` the `later` options take (from the end): a required one
    takes its word, an optional one only a word that fits it, else it was left out
    ("Opening Ceremony" has no minutes). None when an option's name or a flag is among the
    words: then each word is read by itself."""
    for m in words:
        parts = m.parts()
        if parts is None:
            continue
        key, sep, _ = parts
        named = by_name.get(key.lower())
        if named is not None and (sep or named.type is OptionType.BOOLEAN):
            return None
    tail: list[tuple[Option, _Token]] = []
    left = len(words)
    for opt in reversed(later):
        if not left:
            break
        if opt.required or _fits(opt, words[left - 1].word):
            tail.append((opt, words[left - 1]))
            left -= 1
    return tail


ActionHandler = Callable[..., Awaitable[Reply]]


@dataclass(frozen=True)
class ActionSpec:
    """What a button press does: `action_id` names it, the handler gets (ctx, value)."""

    action_id: str
    handler: ActionHandler
    role: Role = Role.PARTICIPANT


def action(
    action_id: str, *, role: Role = Role.PARTICIPANT
) -> Callable[[ActionHandler], ActionSpec]:
    """Declare a button handler."""

    def wrap(handler: ActionHandler) -> ActionSpec:
        return ActionSpec(action_id, handler, role)

    return wrap
