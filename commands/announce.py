"""Organisers' broadcasts: /announce (with a preview), /announcements, /announce-cancel,
and /agenda-reload."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta

from bot.context import Context, UserError
from bot.i18n import L
from bot.model import Button, Card, Field, Reply, Role, Text
from bot.registry import Choice, Option, OptionType, action, command, offered_choice
from bot.settings import ConfigError
from bot.store import announcements as ann
from bot.store.outbox import cancel_topic

# Where an announcement may go; the terminal is a target only from the terminal itself.
TO = Option(
    "to",
    L("Where: all, discord or slack", "어디로: all, discord, slack"),
    choices=(
        Choice("all", L("all", "전체")),
        Choice("discord", L("discord", "디스코드")),
        Choice("slack", L("slack", "슬랙")),
        Choice("console", L("console", "터미널"), platforms=("console",)),
    ),
    name_ko="대상",
)
# "... to slack" at the end of a typed line; every target, so the terminal's is refused by
# name elsewhere rather than read as part of the text.
_TRAILING_TO = re.compile(rf"\s+to\s+({'|'.join(c.value for c in TO.choices)})\s*$", re.IGNORECASE)
_TRAILING_AT = re.compile(
    r"(?:^|\s+)at\s+((?:\d{4}-\d{2}-\d{2}|tomorrow|today)\s+\d{1,2}:\d{2}|\d{1,2}:\d{2}|\+\d+\s*m(?:in)?)"
    r"\s*$",
    re.IGNORECASE,
)
_CLOCK = re.compile(r"^(\d{1,2}):(\d{2})$")
MAX_TEXT = 1500


def parse_when(ctx: Context, text: str) -> datetime:
    """A moment in the event's zone: 10:00, 2026-02-06 09:30, tomorrow 09:00, +15m, now."""
    now = ctx.clock.now()
    tz = ctx.event_tz
    word = text.strip().lower()
    if word in ("now", "지금"):
        return now
    relative = re.fullmatch(r"\+(\d{1,4})\s*m(?:in)?", word)
    if relative:
        return now + timedelta(minutes=int(relative.group(1)))
    day: date = now.astimezone(tz).date()
    parts = word.split()
    if len(parts) == 2:
        first, word = parts
        if first == "tomorrow":
            day += timedelta(days=1)
        elif first != "today":
            try:
                day = date.fromisoformat(first)
            except ValueError:
                raise UserError("announce.bad_time", value=text[:40]) from None
    m = _CLOCK.match(word)
    if not m or int(m.group(1)) > 23 or int(m.group(2)) > 59:
        raise UserError("announce.bad_time", value=text[:40])
    when = datetime.combine(day, time(int(m.group(1)), int(m.group(2))), tz)
    if when < now - timedelta(minutes=1):
        raise UserError("announce.past", when=ctx.t.date_time(when))
    return max(when, now)


def _platforms(ctx: Context, target: str) -> tuple[str, ...]:
    live = ctx.runtime.platforms() if ctx.runtime is not None else []
    chosen = tuple(live) if target == "all" else (target,)
    missing = [p for p in chosen if p not in live]
    if missing or not chosen:
        raise UserError("announce.no_platform", where=", ".join(missing) or target)
    return chosen


def _where(targets: tuple[str, ...]) -> str:
    return ", ".join(p.capitalize() for p in targets)


def _need_runtime(ctx: Context) -> None:
    if ctx.runtime is None:
        raise UserError("runtime.off")


@command(
    "announce",
    L("Broadcast to every platform, now or at a time", "모든 플랫폼에 공지 (지금 또는 예약)"),
    options=[
        Option(
            "text",
            L("What to say", "공지 내용"),
            required=True,
            rest=True,
            max_length=MAX_TEXT,
            name_ko="내용",
        ),
        Option(
            "at",
            L("When: 10:00, 2026-02-06 09:30, +15m", "언제: 10:00, +15m 등"),
            max_length=40,
            name_ko="시각",
        ),
        TO,
    ],
    role=Role.ORGANISER,
    name_ko="공지",
)
async def announce(ctx: Context, text: str, at: str | None = None, to: str | None = None) -> Reply:
    """Draft an announcement and show a preview with Send / Cancel."""
    _need_runtime(ctx)
    t = ctx.t
    # Typed as one line ("Doors open at 10:00 to slack"): the trailing parts are options.
    if to is None and (m := _TRAILING_TO.search(text)):
        to, text = offered_choice(TO, m.group(1).lower(), ctx.platform), text[: m.start()]
    if at is None and (m := _TRAILING_AT.search(text)):
        at, text = m.group(1), text[: m.start()]
    text = text.strip()
    if not text:
        raise UserError(
            "error.missing", name="text", usage="/announce <text> [at <time>] [to <where>]"
        )
    when = parse_when(ctx, at) if at else ctx.clock.now()
    targets = _platforms(ctx, to or "all")
    new_id = await ann.create(
        ctx.store,
        text,
        targets,
        when,
        ann.DRAFT,
        ctx.user.key,
        ctx.user.name or ctx.user.id,
        ctx.clock.now(),
    )
    when_text: Text = t("announce.now") if not at else (t.stamp_datetime(when),)
    card = Card(
        t("announce.preview", id=new_id),
        (Field(t("announce.when"), when_text), Field(t("announce.where"), _where(targets))),
        (text,),
    )
    buttons = (
        Button(t("announce.send"), "announce.send", str(new_id), "primary"),
        Button(t("announce.cancel"), "announce.cancel", str(new_id), "danger"),
    )
    return Reply(card=card, buttons=buttons)


def _id(value: str) -> int:
    if not value.strip().lstrip("#").isdigit():
        raise UserError("announce.unknown", id=value[:12])
    return int(value.strip().lstrip("#"))


@action("announce.send", role=Role.ORGANISER)
async def announce_send(ctx: Context, value: str) -> Reply:
    """The Send button: the draft becomes scheduled (due now or at its time)."""
    _need_runtime(ctx)
    t = ctx.t
    item = await ann.get(ctx.store, _id(value))
    if item is None:
        raise UserError("announce.unknown", id=value[:12])
    ok = await ann.set_status(
        ctx.store,
        item.id,
        ann.DRAFT,
        ann.SCHEDULED,
        ctx.user.key,
        ctx.user.name or ctx.user.id,
        ctx.clock.now(),
    )
    if not ok:
        raise UserError("announce.gone", id=item.id)
    await ctx.runtime.replan()
    if item.send_at <= ctx.clock.now() + timedelta(seconds=30):
        return Reply(t("announce.sent", id=item.id, where=_where(item.targets)))
    return Reply(
        t(
            "announce.scheduled",
            id=item.id,
            where=_where(item.targets),
            when=t.date_time(item.send_at),
        )
    )


async def _cancel(ctx: Context, announcement_id: int) -> Reply:
    item = await ann.get(ctx.store, announcement_id)
    if item is None:
        raise UserError("announce.unknown", id=announcement_id)
    for state in (ann.DRAFT, ann.SCHEDULED):
        if await ann.set_status(
            ctx.store,
            item.id,
            state,
            ann.CANCELLED,
            ctx.user.key,
            ctx.user.name or ctx.user.id,
            ctx.clock.now(),
        ):
            await cancel_topic(ctx.store, f"announcement:{item.id}")
            if ctx.runtime is not None:
                await ctx.runtime.replan()
            return Reply(ctx.t("announce.cancelled", id=item.id))
    raise UserError("announce.gone", id=item.id)


@action("announce.cancel", role=Role.ORGANISER)
async def announce_cancel_button(ctx: Context, value: str) -> Reply:
    """The Cancel button under a preview."""
    return await _cancel(ctx, _id(value))


@command(
    "announce-cancel",
    L("Cancel a pending announcement", "대기 중인 공지 취소"),
    options=[
        Option(
            "id",
            L("Announcement number", "공지 번호"),
            type=OptionType.INTEGER,
            required=True,
            min_value=1,
            name_ko="번호",
        )
    ],
    role=Role.ORGANISER,
    name_ko="공지취소",
)
async def announce_cancel(ctx: Context, id: int) -> Reply:
    """Cancel a draft or scheduled announcement."""
    return await _cancel(ctx, id)


@command(
    "announcements",
    L("Announcements waiting to be sent", "대기 중인 공지 목록"),
    role=Role.ORGANISER,
    name_ko="공지목록",
)
async def announcements(ctx: Context) -> Reply:
    """Drafts and scheduled announcements, soonest first."""
    t = ctx.t
    items = await ann.pending(ctx.store)
    if not items:
        return Reply(t("announce.list_empty"))
    lines: list[Text] = [
        (
            f"#{a.id} [{a.status}] ",
            t.stamp_datetime(a.send_at),
            f" → {_where(a.targets)}: {a.text[:120]}",
        )
        for a in items
    ]
    return Reply(card=Card(t("announce.list_title"), lines=tuple(lines)))


@command(
    "agenda-reload",
    L("Reload the agenda and announce the changes", "일정을 다시 불러와 변경 사항 안내"),
    role=Role.ORGANISER,
    name_ko="일정새로고침",
)
async def agenda_reload(ctx: Context) -> Reply:
    """Read the event file again; post what changed and re-plan reminders."""
    _need_runtime(ctx)
    try:
        changes = await ctx.runtime.reload_agenda(ctx.user)
    except ConfigError as exc:
        return Reply(
            ctx.t("reload.bad", count=len(exc.problems), first=str(exc.problems[0])), error=True
        )
    if not changes:
        return Reply(ctx.t("reload.none"))
    return Reply(ctx.t("reload.done", count=len(changes)))
