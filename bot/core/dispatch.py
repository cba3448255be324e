"""The core: turns an Invocation or Action into a Reply, whatever the platform."""

from __future__ import annotations

import difflib
import logging
import secrets
import time
from collections.abc import Mapping, Sequence
from typing import Any
from zoneinfo import ZoneInfo

from bot.core.clock import Clock
from bot.core.context import Context
from bot.core.errors import UserError
from bot.core.model import FIELD_NAME, Action, ChannelRef, Invocation, Reply, Role, UserRef
from bot.core.paging import DEFAULT_LIMITS, PAGE_ACTION, PageLimits, paginate, read_page_value
from bot.core.ports import MachineTranslator, Operations
from bot.core.registry import (
    ActionSpec,
    CommandSpec,
    Handler,
    Option,
    OptionType,
    UsageError,
    offered_choice,
    parse_text,
)
from bot.core.text import FORBIDDEN, clean_typed, clip
from bot.i18n import Translator, normalise_language
from bot.i18n.zones import stored_zone, zones_matching
from bot.polls.service import Polls
from bot.programme import Agenda
from bot.qa.service import QA
from bot.settings import EventConfig
from bot.storage import Store, get_prefs

log = logging.getLogger(__name__)
# A shared answer (`CommandSpec.shared`) serves everyone who asks alike within this many
# seconds of the clock; "ends in 12 min" is stale by at most that much.
SHARED_SECONDS = 10
SHARED_MAX = 1024
# A form's submission: at most this many fields, each at most this long (Discord's text
# input holds 4,000 characters, Slack's 3,000); anything beyond is not a form of ours.
MAX_FIELDS = 10
MAX_FIELD_LENGTH = 4000

# Characters nobody types on purpose: C0/C1 controls and the bidirectional overrides that
# can make a text read differently from what it says.
_TRUE = {"true", "yes", "y", "1", "on", "예", "네"}
_FALSE = {"false", "no", "n", "0", "off", "아니오", "아니요"}
_ROLE_KEYS = {
    Role.MODERATOR: "role.moderator",
    Role.ORGANISER: "role.organiser",
    Role.PARTICIPANT: "role.participant",
}


class Core:
    """Dispatches commands and button presses to their handlers.

    Knows nothing of any platform: adapters hold the core and translate both ways.
    """

    def __init__(
        self,
        *,
        store: Store,
        clock: Clock,
        config: EventConfig,
        agenda: Agenda,
        commands: Sequence[CommandSpec],
        actions: Sequence[ActionSpec] = (),
        home: Handler | None = None,
        secret: bytes | None = None,
        machine: MachineTranslator | None = None,
    ) -> None:
        self.store = store
        self.clock = clock
        self.config = config
        # Shared answers (`CommandSpec.shared`), made once per time slot: the slot's number
        # and its answers by what they depend on.
        self._shared_slot = -1
        self._shared: dict[tuple[Any, ...], Reply] = {}
        self.agenda = agenda
        self.commands = list(commands)
        self._by_name = {c.name: c for c in self.commands}
        if len(self._by_name) != len(self.commands):
            raise ValueError("two commands share a name")
        self._actions = {a.action_id: a for a in actions}
        self._home = home
        # The scheduled side (bot.runtime.Runtime), when the app runs one; it is built
        # around this core, so it joins it once made (Runtime.__init__).
        self.runtime: Operations | None = None
        # Per platform, the names its people type where they differ from ours (Slack has
        # /remind itself, so ours is /remindme there): adapters set them, /help shows them.
        self.command_names: dict[str, dict[str, str]] = {}
        # Per platform, how much one page of a long answer may hold: adapters declare it.
        self.page_limits: dict[str, PageLimits] = {}
        # Without a secret (tests, a throw-away run) votes and blocks last one process.
        self.qa = QA(
            store,
            clock,
            lambda: self.agenda,
            config.qa,
            secret or secrets.token_bytes(32),
            machine,
        )
        # Live polls: their voters are keyed hashes under the Q&A's secret.
        self.polls = Polls(store, clock, lambda: self.agenda, self.qa.keys)

    @property
    def agenda(self) -> Agenda:
        """The programme in force; replaced whole when the event file or source changes."""
        return self._agenda

    @agenda.setter
    def agenda(self, agenda: Agenda) -> None:
        self._agenda = agenda
        self._shared.clear()  # no answer made from the old programme outlives it

    def _shared_key(self, spec: CommandSpec, args: Mapping[str, Any], ctx: Context) -> Any:
        """What a shared answer depends on, or None when it is not shared; starts a new
        time slot (and forgets the last one's answers) when the clock has moved on."""
        slot = int(self.clock.now().timestamp()) // SHARED_SECONDS
        if slot != self._shared_slot or len(self._shared) >= SHARED_MAX:
            self._shared_slot = slot
            self._shared.clear()
        t = ctx.t
        return (spec.name, tuple(sorted(args.items())), ctx.role, ctx.platform, t.lang, t.tz)

    def add_command(self, spec: CommandSpec) -> None:
        """One more command (an extension's, or a test's), before the adapters start:
        they register and sync the list they find then."""
        if spec.name in self._by_name:
            raise ValueError(f"a command is already called {spec.name!r}")
        self.commands.append(spec)
        self._by_name[spec.name] = spec

    def add_action(self, spec: ActionSpec) -> None:
        """One more button or form action (an extension's, or a test's)."""
        if spec.action_id in self._actions:
            raise ValueError(f"an action is already called {spec.action_id!r}")
        self._actions[spec.action_id] = spec

    def spec(self, name: str) -> CommandSpec | None:
        """The command called `name` (without the slash)."""
        return self._by_name.get(name.lower())

    def parse(self, spec: CommandSpec, text: str) -> dict[str, Any]:
        """Free text typed after a command, as option values (for text-only platforms)."""
        return parse_text(spec, text)

    async def translator_for(self, user: UserRef, locale: str | None = None) -> Translator:
        """The translator for this user's language and zone, and their platform's names."""
        return self._translator(await get_prefs(self.store, user.key), locale, user.platform)

    def _translator(self, prefs: Any, locale: str | None, platform: str) -> Translator:
        lang = prefs.language or normalise_language(locale) or self.agenda.event.default_language
        tz = stored_zone(prefs.timezone, self.agenda.event.timezone)
        return Translator(lang, tz, self.command_names.get(platform))

    async def _context_for(self, asked: Invocation | Action) -> Context | Reply:
        """The context for a command or a button press, or the short error its person
        gets when their preferences cannot be read (the store is failing)."""
        try:
            return await self._context(
                asked.platform, asked.user, asked.channel, asked.role, asked.locale
            )
        except Exception:
            log.exception("could not load preferences for %s", asked.user.key)
            return Reply(Translator("en", ZoneInfo("UTC"))("error.internal"), error=True)

    async def _context(
        self, platform: str, user: UserRef, channel: ChannelRef, role: Role, locale: str | None
    ) -> Context:
        prefs = await get_prefs(self.store, user.key)
        return Context(
            platform=platform,
            user=user,
            channel=channel,
            role=role,
            store=self.store,
            clock=self.clock,
            t=self._translator(prefs, locale, platform),
            agenda=self.agenda,
            config=self.config,
            prefs=prefs,
            commands=self.commands,
            runtime=self.runtime,
            qa=self.qa,
            polls=self.polls,
            command_names=self.command_names.get(platform, {}),
        )

    async def dispatch(self, inv: Invocation) -> Reply:
        """Run one command; every failure becomes a short message to that user alone."""
        started = time.perf_counter()
        ctx = await self._context_for(inv)
        if isinstance(ctx, Reply):
            return ctx
        t = ctx.t
        spec = self.spec(inv.command)
        if spec is None:
            try:
                return self._unknown_command(inv, ctx)
            except UserError as exc:
                return Reply(t.rich(exc.key, **exc.params), error=True)
        if inv.role < spec.role:
            return Reply(
                t("error.role", command=spec.name, role=t(_ROLE_KEYS[spec.role])), error=True
            )
        try:
            args = self._convert(spec, inv.args, inv.platform)
            key = self._shared_key(spec, args, ctx) if spec.shared else None
            shared = self._shared.get(key) if key is not None else None
            if shared is not None:
                return shared
            reply = self._page(ctx, await spec.handler(ctx, **args))
            if key is not None:
                self._shared[key] = reply
        except UserError as exc:
            return Reply(t.rich(exc.key, **exc.params), error=True)
        except Exception:
            log.exception("command /%s failed for %s", spec.name, inv.user.key)
            return Reply(t("error.internal"), error=True)
        log.debug("/%s answered in %.1f ms", spec.name, (time.perf_counter() - started) * 1e3)
        return reply

    async def dispatch_text(
        self,
        platform: str,
        line: str,
        user: UserRef,
        channel: ChannelRef,
        roles: frozenset[Role] = frozenset({Role.PARTICIPANT}),
        locale: str | None = None,
    ) -> Reply:
        """Run a command typed as one line, e.g. `/agenda 1` (terminal and text platforms)."""
        parts = line.strip().lstrip("/").split(maxsplit=1)
        name = parts[0] if parts else ""
        rest = parts[1] if len(parts) > 1 else ""
        spec = self.spec(name)
        args: dict[str, Any] = {}
        if spec is not None:
            try:
                args = parse_text(spec, rest)
            except UsageError as exc:
                t = await self.translator_for(user, locale)
                return Reply(
                    t("error.extra", token=clip(str(exc), 40), usage=self._usage(spec, platform)),
                    error=True,
                )
        inv = Invocation(platform, name, user, channel, args, roles, locale)
        return await self.dispatch(inv)

    async def on_action(self, act: Action) -> Reply:
        """Run one button press, or one form's submission (`Action.fields`): its fields
        reach the handler cleaned, in `Context.fields`; roles are checked alike."""
        ctx = await self._context_for(act)
        if isinstance(ctx, Reply):
            return ctx
        t = ctx.t
        action_id, value, page = act.action_id, act.value, 1
        if action_id == PAGE_ACTION:
            # A page button: the action that makes the answer, and which page of it.
            target = read_page_value(value)
            if target is None:
                return Reply(t("error.stale_button"), error=True)
            page, action_id, value = target
            ctx.page = page
        spec = self._actions.get(action_id)
        if spec is None:
            return Reply(t("error.stale_button"), error=True)
        if act.role < spec.role:
            return Reply(t("error.role_action", role=t(_ROLE_KEYS[spec.role])), error=True)
        try:
            ctx.fields = _clean_fields(act.fields)
            return self._page(ctx, await spec.handler(ctx, clean_typed(value[:200])), page)
        except UserError as exc:
            return Reply(t.rich(exc.key, **exc.params), error=True)
        except Exception:
            log.exception("action %s failed for %s", act.action_id, act.user.key)
            return Reply(t("error.internal"), error=True)

    def _page(self, ctx: Context, reply: Reply, page: int = 1) -> Reply:
        """One page of a long answer, as much as this platform's message holds."""
        if reply.paging is None:
            return reply
        return paginate(reply, page, self.page_limits.get(ctx.platform, DEFAULT_LIMITS), ctx.t)

    async def home(self, user: UserRef, locale: str | None = None) -> Reply:
        """A person's own page (Slack's App Home): now, next, and what they follow."""
        ctx = await self._context(
            "home", user, ChannelRef("home", user.id), Role.PARTICIPANT, locale
        )
        if self._home is None:
            return Reply(ctx.t("error.stale_button"), error=True)
        try:
            return await self._home(ctx)
        except Exception:
            log.exception("the home page failed for %s", user.key)
            return Reply(ctx.t("error.internal"), error=True)

    async def suggest(
        self, kind: str, text: str, user: UserRef, locale: str | None = None, limit: int = 25
    ) -> list[tuple[str, str]]:
        """Autocomplete: (label, value) pairs for a session, speaker or time-zone option."""
        t = await self.translator_for(user, locale)
        typed = text.strip()[:100]
        if FORBIDDEN.search(typed):
            return []
        agenda = self.agenda
        if kind == "session":
            found = agenda.find_sessions(typed) if typed else None
            sessions = (
                list(found.matches or found.suggestions)
                if found
                else agenda.upcoming(self.clock.now(), limit)
            )
            return [
                (f"{t.pick(s.title)} · {t.date_time(s.start)}"[:100], s.id)
                for s in sessions[:limit]
            ]
        if kind == "speaker":
            people = (
                list(agenda.find_people(typed).matches) if typed else list(agenda.people.values())
            )
            return [(t.pick(p.name)[:100], p.id) for p in people[:limit]]
        if kind == "timezone":
            return [(z, z) for z in zones_matching(typed, limit)]
        return []

    def _unknown_command(self, inv: Invocation, ctx: Context) -> Reply:
        t = ctx.t
        name = clip(clean_typed(inv.command) or "", 40)
        if not name:
            return Reply(t("error.empty_command"), error=True)
        allowed = [c.name for c in self.commands if inv.role >= c.role]
        close = difflib.get_close_matches(inv.command.lower(), allowed, n=1, cutoff=0.6)
        if close:
            return Reply(t("error.unknown_command_hint", name=name, hint=close[0]), error=True)
        return Reply(t("error.unknown_command", name=name), error=True)

    def _usage(self, spec: CommandSpec, platform: str) -> str:
        return spec.usage_as(platform, self.command_names.get(platform, {}))

    def _convert(self, spec: CommandSpec, raw: Mapping[str, Any], platform: str) -> dict[str, Any]:
        unknown = [k for k in raw if spec.option(k) is None]
        if unknown:
            raise UserError(
                "error.unknown_option", name=clip(unknown[0], 40), usage=self._usage(spec, platform)
            )
        out: dict[str, Any] = {}
        for opt in spec.options:
            value = raw.get(opt.name)
            if isinstance(value, str):
                value = clean_typed(value)
                if value == "":
                    value = None
            if value is None:
                if opt.required:
                    raise UserError(
                        "error.missing", name=opt.name, usage=self._usage(spec, platform)
                    )
                continue
            out[opt.name] = _convert_one(opt, value, platform)
        return out


def _clean_fields(fields: Mapping[str, Any]) -> dict[str, str]:
    """A form's fields as typed text is taken everywhere (`clean_typed`: one line,
    control characters refused). More fields than a form has, a name that is not one or
    a value that is not text cannot come from a form of ours: refused whole."""
    if len(fields) > MAX_FIELDS:
        raise UserError("form.unreadable")
    cleaned: dict[str, str] = {}
    for name, value in fields.items():
        if not isinstance(name, str) or not FIELD_NAME.fullmatch(name):
            raise UserError("form.unreadable")
        if not isinstance(value, str):
            raise UserError("form.unreadable")
        if len(value) > MAX_FIELD_LENGTH:
            raise UserError("error.too_long", name=name, max=MAX_FIELD_LENGTH, length=len(value))
        cleaned[name] = clean_typed(value)
    return cleaned


def _convert_one(opt: Option, value: Any, platform: str) -> Any:
    if opt.type is OptionType.BOOLEAN:
        if isinstance(value, bool):
            return value
        word = str(value).strip().lower()
        if word in _TRUE:
            return True
        if word in _FALSE:
            return False
        raise UserError("error.not_bool", name=opt.name, value=clip(str(value), 40))
    if opt.type is OptionType.INTEGER:
        if isinstance(value, bool):
            raise UserError("error.not_int", name=opt.name, value=str(value))
        try:
            number = int(str(value).strip()) if not isinstance(value, int) else value
        except ValueError:
            raise UserError("error.not_int", name=opt.name, value=clip(str(value), 40)) from None
        if opt.min_value is not None and number < opt.min_value:
            raise UserError("error.too_small", name=opt.name, min=opt.min_value)
        if opt.max_value is not None and number > opt.max_value:
            raise UserError("error.too_big", name=opt.name, max=opt.max_value)
        return number
    text = str(value)
    if len(text) > opt.max_length:
        raise UserError("error.too_long", name=opt.name, max=opt.max_length, length=len(text))
    if opt.choices:
        choice = opt.choice_for(text)
        if choice is not None:
            return offered_choice(opt, choice.value, platform)
        raise UserError(
            "error.choice",
            name=opt.name,
            value=clip(text, 40),
            choices=", ".join(c.value for c in opt.choices),
        )
    return text
