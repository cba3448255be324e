"""Organisers' broadcasts: /announce (with a preview), /announcements, /announce-cancel,
and /agenda-reload."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.core.context import Context
from bot.core.errors import UserError
from bot.core.model import Button, Card, Field, Reply, Role, Text
from bot.core.ports import Operations
from bot.core.registry import Choice, Option, OptionType, action, command, offered_choice
from bot.i18n import L, Translator
from bot.settings import ConfigError
from bot.storage import announcements as ann
from bot.storage.outbox import cancel_topic

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
# "... at <one or two words>" at the end of a typed line: a time when the words look like
# one (a clock, a date, +15m, a day word), even one that cannot be read, which is refused
# rather than sent at once with the time left in the text. "Meet at gate 5" stays text.
_TRAILING_AT = re.compile(r"(?:^|\s+)at\s+(\S+(?:\s+\S+)?)\s*$", re.IGNORECASE)
_TIMELIKE = re.compile(
    r"\d{1,2}\s*[:.h]\s*\d{2}\b|^\d{1,2}\s*(?:am|pm|시)$|^\+\d|^\d{4}-\d{1,2}-\d{1,2}",
    re.IGNORECASE,
)
# The accepted forms, strictly: a typo is refused, never guessed at.
_DAYS = {"today": 0, "오늘": 0, "tomorrow": 1, "내일": 1}
_CLOCK = re.compile(r"(\d{1,2}):(\d{2})")
_RELATIVE = re.compile(r"\+(\d{1,4})\s*(m|min|mins|minutes?|분|h|hours?|시간)", re.IGNORECASE)
_NOW = frozenset({"now", "지금"})
_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_ISO_T = re.compile(r"\d{4}-\d{2}-\d{2}[Tt]\S+")
MAX_TEXT = 1500


def split_line(
    text: str, *, at: bool = True, to: bool = True
) -> tuple[str, str | None, str | None]:
    """A line typed as one ("Doors open at 10:00 to slack"): (text, time, target), the
    time and target None when the line does not end with them (or `at`/`to` says they
    were given apart). The shell's `forum-bot announce` reads its words the same way."""
    target: str | None = None
    when: str | None = None
    if to and (m := _TRAILING_TO.search(text)):
        target, text = m.group(1).lower(), text[: m.start()]
    m = _TRAILING_AT.search(text) if at else None
    if m and _looks_like_a_time(m.group(1)):
        when, text = m.group(1), text[: m.start()]
    return text.strip(), when, target


def _looks_like_a_time(words: str) -> bool:
    """Whether the words after a last "at" were meant as a time (to be read strictly, and
    refused if unreadable) rather than a place: "9 pm", "tomorow 09:00", but not
    "Hall 2.1" or "gate 5"."""
    if _TIMELIKE.search(words):  # the whole, for "9 pm"
        return True
    return any(_TIMELIKE.search(w) or w.lower() in _DAYS for w in words.split())


def read_when(text: str, now: datetime, tz: ZoneInfo, t: Translator) -> datetime:
    """A moment in the event's zone: now, 10:00, 2026-02-06 09:30, tomorrow 09:00 (today,
    오늘, 내일), +15m (+2h). Raises UserError naming the part it cannot read, or saying the
    moment has passed (a minute's grace: "10:00" typed at 10:00:30 is now). Chat's
    /announce and the shell's `forum-bot announce --at` both read times here."""
    value = " ".join(text.split())
    if value.lower() in _NOW:
        return now
    if value.startswith("+"):
        m = _RELATIVE.fullmatch(value)
        if m is None:
            raise _unreadable(value, value)
        hours = m.group(2).lower().startswith(("h", "시"))
        return now + timedelta(minutes=int(m.group(1)) * (60 if hours else 1))
    words = value.split(" ")
    if len(words) == 1 and _ISO_T.fullmatch(value):
        words = re.split("[Tt]", value)  # 2026-02-06T09:30
    if len(words) > 2:
        raise _unreadable(value, value)
    day = now.astimezone(tz).date()
    if len(words) == 2:
        first = words[0].lower()
        given = day + timedelta(days=_DAYS[first]) if first in _DAYS else _iso_day(first)
        if given is None:
            raise _unreadable(value, words[0])
        day = given
    m = _CLOCK.fullmatch(words[-1])
    if m is None or int(m.group(1)) > 23 or int(m.group(2)) > 59:
        raise _unreadable(value, words[-1])
    when = datetime.combine(day, time(int(m.group(1)), int(m.group(2))), tz)
    if when < now - timedelta(minutes=1):
        raise UserError("announce.past", when=t.date_time(when))
    return max(when, now)


def _iso_day(word: str) -> date | None:
    """2026-02-06 as a date; None for anything else (2026-02-31, 2026-2-6, feb 6)."""
    try:
        return date.fromisoformat(word) if _ISO_DAY.fullmatch(word) else None
    except ValueError:
        return None


def _unreadable(value: str, part: str) -> UserError:
    """The refusal of a time, naming the part not understood (all of it, when it is)."""
    if part == value:
        return UserError("announce.bad_time", value=value[:40])
    return UserError("announce.bad_time_part", value=value[:40], part=part[:40])


def parse_when(ctx: Context, text: str) -> datetime:
    """A moment typed in chat, in the event's zone (see `read_when`)."""
    return read_when(text, ctx.clock.now(), ctx.event_tz, ctx.t)


def _platforms(ctx: Context, target: str) -> tuple[str, ...]:
    live = ctx.runtime.platforms() if ctx.runtime is not None else []
    chosen = tuple(live) if target == "all" else (target,)
    missing = [p for p in chosen if p not in live]
    if missing or not chosen:
        raise UserError("announce.no_platform", where=", ".join(missing) or target)
    return chosen


def _where(targets: tuple[str, ...]) -> str:
    return ", ".join(p.capitalize() for p in targets)


def _need_runtime(ctx: Context) -> Operations:
    """The running side, or a refusal saying the bot runs without it."""
    if ctx.runtime is None:
        raise UserError("runtime.off")
    return ctx.runtime


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
    text, typed_at, typed_to = split_line(text, at=at is None, to=to is None)
    if typed_to is not None:
        to = offered_choice(TO, typed_to, ctx.platform)
    at = at if typed_at is None else typed_at
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
    await _need_runtime(ctx).replan()
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
            # Queued from the shell for "now": no moment to show (it is stored as 1970).
            t("announce.asap") if a.send_at == ann.ASAP else t.stamp_datetime(a.send_at),
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
    runtime = _need_runtime(ctx)
    try:
        changes = await runtime.reload_agenda(ctx.user)
    except ConfigError as exc:
        return Reply(
            ctx.t("reload.bad", count=len(exc.problems), first=str(exc.problems[0])), error=True
        )
    if not changes:
        return Reply(ctx.t("reload.none"))
    return Reply(ctx.t("reload.done", count=len(changes)))
