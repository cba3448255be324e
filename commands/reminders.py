"""Personal reminders: /remind, /unremind, /myschedule (delivered by DM, opt-in only)."""

from __future__ import annotations

from bot.core.context import Context
from bot.core.errors import UserError
from bot.core.model import Card, Reply, Text, joined
from bot.core.registry import Option, OptionType, command
from bot.i18n import L
from bot.programme import Session
from bot.storage.deliveries import clear_block, is_blocked
from bot.storage.subscriptions import of_user, subscribe, unsubscribe
from commands.options import session_option
from commands.render import moment, session_line, zone_note

DEFAULT_MINUTES = 10


def one_session(ctx: Context, query: str) -> Session:
    """The single session `query` names, or a clear refusal."""
    found = ctx.agenda.find_sessions(query)
    if len(found.matches) == 1:
        return found.matches[0]
    if found.matches:
        raise UserError("remind.choose", ids=", ".join(s.id for s in found.matches[:5]))
    hint = " / ".join(ctx.t.pick(s.title) for s in found.suggestions)
    if hint:
        raise UserError("agenda.no_match_hint", query=query, hint=hint)
    raise UserError("agenda.no_match", query=query)


async def _replan(ctx: Context) -> None:
    if ctx.runtime is not None:
        await ctx.runtime.replan()


@command(
    "remind",
    L("DM me before a session starts", "세션 시작 전에 개인 메시지로 알림"),
    options=[
        session_option(),
        Option(
            "minutes",
            L("Minutes before the start (default 10)", "시작 몇 분 전 (기본 10)"),
            type=OptionType.INTEGER,
            min_value=0,
            max_value=1440,
            name_ko="분",
        ),
    ],
    name_ko="알림",
)
async def remind(ctx: Context, session: str, minutes: int = DEFAULT_MINUTES) -> Reply:
    """Subscribe to a session's reminder by DM."""
    t = ctx.t
    s = one_session(ctx, session)
    if ctx.clock.now() >= s.start:
        raise UserError("remind.started", title=t.pick(s.title))
    await subscribe(ctx.store, ctx.platform, ctx.user.id, s.id, minutes, ctx.clock.now())
    note = ""
    if await is_blocked(ctx.store, ctx.platform, ctx.user.id):
        # They asked again: let the next reminder try, and say why the last one failed.
        await clear_block(ctx.store, ctx.platform, ctx.user.id)
        note = " " + t("remind.dms_closed")
    await _replan(ctx)
    if ctx.runtime is not None:
        # Their DM channel now, in the background: at the due time the DM is one request.
        ctx.runtime.open_dm(ctx.platform, ctx.user.id)
    # The session's start as a stamp: on Discord and Slack it shows in the reader's zone.
    text = t.rich("remind.set", minutes=minutes, title=t.pick(s.title), when=moment(ctx, s.start))
    return Reply(joined(text, note))


@command(
    "unremind",
    L("Stop a reminder", "알림 취소"),
    options=[
        session_option(),
    ],
    name_ko="알림취소",
)
async def unremind(ctx: Context, session: str) -> Reply:
    """Forget a session's reminder."""
    s = one_session(ctx, session)
    removed = await unsubscribe(ctx.store, ctx.user.key, s.id)
    await _replan(ctx)
    key = "remind.removed" if removed else "remind.none"
    return Reply(ctx.t(key, title=ctx.t.pick(s.title)), error=not removed)


@command("myschedule", L("My reminders", "내 알림 목록"), name_ko="내일정")
async def myschedule(ctx: Context) -> Reply:
    """The sessions this user asked to be reminded of, in their zone."""
    t = ctx.t
    subs = await of_user(ctx.store, ctx.user.key)
    sessions = [(ctx.agenda.session(sub.session_id), sub.minutes) for sub in subs]
    known = sorted(((s, m) for s, m in sessions if s is not None), key=lambda p: p[0].start)
    if not known:
        return Reply(t("schedule.empty"))
    lines: list[Text] = [
        (*session_line(ctx, s, with_date=True), t("schedule.line", minutes=m)) for s, m in known
    ]
    return Reply(card=Card(t("schedule.title"), lines=tuple(lines), footer=zone_note(ctx)))
