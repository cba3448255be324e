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


_TOKEN = re.compile(r'"([^"]*)"|“([^”]*)”|\'([^\']*)\'|(\S+)')


def parse_text(spec: CommandSpec, text: str) -> dict[str, Any]:
    """Read free text typed after a command into option values (strings and flags).

    Understands `key:value` and `key=value` for the command's own options, a boolean
    option's bare name as a flag ("anonymous"), quoted strings, and positional values in
    the order the options are declared; a `rest` option takes the remaining text as typed.
    """
    by_name = {o.name: o for o in spec.options}
    values: dict[str, Any] = {}
    positional = [o for o in spec.options if o.type is not OptionType.BOOLEAN]
    matches = list(_TOKEN.finditer(text))
    i = 0
    while i < len(matches):
        m = matches[i]
        raw = m.group(4)
        token = next(g for g in m.groups() if g is not None)
        if raw is not None:
            key, sep, val = raw.partition(":") if ":" in raw else raw.partition("=")
            opt = by_name.get(key.lower()) if sep else None
            if opt is not None and opt.name not in values:
                if not val and i + 1 < len(matches):
                    # "key: value" with a space after the colon.
                    i += 1
                    nxt = matches[i]
                    val = next(g for g in nxt.groups() if g is not None)
                values[opt.name] = val
                i += 1
                continue
            flag = by_name.get(raw.lower())
            if flag is not None and flag.type is OptionType.BOOLEAN and flag.name not in values:
                values[flag.name] = True
                i += 1
                continue
        pending = [o for o in positional if o.name not in values]
        if not pending:
            raise UsageError(token)
        opt = pending[0]
        if opt.rest or (len(pending) == 1 and opt.type is OptionType.STRING):
            # Take the rest of the line as typed, minus flags at its end ("... anonymous").
            rest_matches = matches[i:]
            while rest_matches:
                last = rest_matches[-1].group(4)
                if not last:
                    break
                key, sep, val = last.partition(":") if ":" in last else last.partition("=")
                keyed = by_name.get(key.lower()) if sep and val else None
                if keyed is not None and keyed is not opt and keyed.name not in values:
                    values[keyed.name] = val  # "... at:10:00" after free text
                    rest_matches = rest_matches[:-1]
                    continue
                flag = by_name.get(last.lower())
                if flag is None or flag.type is not OptionType.BOOLEAN or flag.name in values:
                    break
                values[flag.name] = True
                rest_matches = rest_matches[:-1]
            if not rest_matches:
                break
            if len(rest_matches) == 1:
                values[opt.name] = next(g for g in rest_matches[0].groups() if g is not None)
            else:
                values[opt.name] = text[rest_matches[0].start() : rest_matches[-1].end()]
            break
        if opt.type is OptionType.STRING:
            # "Opening Ceremony 5" for <session> [minutes]: the words a later option cannot
            # take all belong to this one.
            later = pending[1:]
            left = matches[i:]
            take = len(left) - len(later)
            fits = all(
                o.type is not OptionType.INTEGER or (m.group(0).lstrip("+-").isdigit())
                for o, m in zip(later, left[-len(later) :] if later else [], strict=False)
            )
            if take > 1 and fits:
                values[opt.name] = text[left[0].start() : left[take - 1].end()]
                i += take
                continue
        values[opt.name] = token
        i += 1
    return values


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
