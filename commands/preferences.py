"""Personal settings: /timezone, /language, and /help."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from bot.core.context import Context
from bot.core.errors import UserError
from bot.core.model import Card, Field, Reply, Text
from bot.core.registry import Choice, Option, command
from bot.i18n import L, Translator
from bot.i18n.zones import resolve_zone
from bot.storage import set_language, set_timezone

_RESET = {"event", "default", "reset", "행사", "기본"}


def _zone_reply(ctx: Context, t: Translator, key: str, zone: str) -> Reply:
    now = ctx.clock.now()
    event_t = Translator(t.lang, ctx.event_tz)
    fields: list[Field] = [
        Field(
            t("tz.event_time"),
            f"{event_t.date_time(now)} {event_t.zone_name(now)}",
            inline=False,
        ),
        Field(t("tz.your_time"), f"{t.date_time(now)} {t.zone_name(now)}", inline=False),
    ]
    lines: list[Text] = []
    nxt = ctx.agenda.next_start(now)
    if nxt:
        s = nxt[0]
        lines.append(
            t(
                "tz.example",
                title=t.pick(s.title),
                event=f"{event_t.date_time(s.start)} {event_t.zone_name(s.start)}",
                yours=f"{t.date_time(s.start)} {t.zone_name(s.start)}",
            )
        )
    return Reply(card=Card(t(key, zone=zone), fields=tuple(fields), lines=tuple(lines)))


@command(
    "timezone",
    L("Show or set your time zone", "내 시간대를 보거나 설정합니다"),
    name_ko="시간대",
    options=[
        Option(
            "zone",
            L(
                "IANA zone, e.g. America/Los_Angeles, or 'event'",
                "IANA 시간대, 예: Asia/Tokyo 또는 'event'",
            ),
            max_length=64,
            autocomplete="timezone",
            name_ko="시간대",
        )
    ],
)
async def timezone(ctx: Context, zone: str | None = None) -> Reply:
    """Set the zone every time is shown in; without a zone, show the current one."""
    if zone is None:
        return _zone_reply(ctx, ctx.t, "tz.current", ctx.t.tz.key)
    name = ctx.event_tz.key if zone.strip().lower() in _RESET else resolve_zone(zone)
    await set_timezone(ctx.store, ctx.user.key, name, ctx.clock.now())
    t = Translator(ctx.t.lang, ZoneInfo(name))
    return _zone_reply(ctx, t, "tz.set", name)


@command(
    "language",
    L("Choose English or Korean", "영어 또는 한국어를 선택합니다"),
    name_ko="언어",
    options=[
        Option(
            "language",
            L("en or ko", "en 또는 ko"),
            required=True,
            choices=(
                Choice("en", L("English", "영어")),
                Choice("ko", L("Korean", "한국어")),
            ),
            max_length=20,
            name_ko="언어",
        )
    ],
)
async def language(ctx: Context, language: str) -> Reply:
    """Answer this user in `language` from now on."""
    await set_language(ctx.store, ctx.user.key, language, ctx.clock.now())
    t = Translator(language, ctx.t.tz)
    return Reply(t("lang.set"))


@command(
    "help",
    L("What this bot can do", "이 봇으로 할 수 있는 일"),
    options=[
        Option(
            "command", L("A command to explain", "설명할 명령어"), max_length=40, name_ko="명령어"
        )
    ],
    name_ko="도움말",
    shared=True,
)
async def help_(ctx: Context, command: str | None = None) -> Reply:
    """The commands this user may run, or one command's usage."""
    t = ctx.t
    allowed = [c for c in ctx.commands if ctx.role >= c.role]
    if command is not None:
        name = command.strip().lstrip("/").lower()
        names = ctx.command_names
        spec = next((c for c in allowed if name in (c.name, names.get(c.name))), None)
        if spec is None:
            raise UserError("error.unknown_command", name=name[:40])
        fields = tuple(
            Field(
                o.name, t.pick(o.description) + ("" if o.required else f" ({t('help.optional')})")
            )
            for o in spec.options
        )
        usage = ctx.usage(spec)
        return Reply(card=Card(usage, fields=fields, lines=(t.pick(spec.description),)))
    lines: list[Text] = [f"{ctx.usage(c)}  {t.pick(c.description)}" for c in allowed]
    event = t.pick(ctx.agenda.event.name)
    return Reply(
        card=Card(t("help.title", event=event), lines=tuple(lines), footer=t("help.footer"))
    )
