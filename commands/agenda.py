"""Agenda commands: /agenda, /now, /next, /session, /speaker, /search."""

from __future__ import annotations

import re
from datetime import date, timedelta
from functools import lru_cache

from babel import Locale

from bot.core.context import Context
from bot.core.errors import UserError
from bot.core.model import Button, Card, Paging, Reply, Stamp, Text
from bot.core.registry import Option, action, command
from bot.i18n import L
from bot.programme import Found, Session
from commands.options import session_option
from commands.render import (
    minutes_until,
    moment,
    person_label,
    session_card,
    session_line,
    session_list,
    zone_note,
)

_DAY_WORDS = {
    "today": 0,
    "오늘": 0,
    "tomorrow": 1,
    "내일": 1,
    "yesterday": -1,
    "어제": -1,
}
# "2", "day 2", "2일차", "제2일": the event's second day. "6일" alone is the 6th, as "6th".
_DAY_NUMBER = re.compile(r"^(?:day\s*)?(\d{1,3})(?:\s*일차)?$|^제\s*(\d{1,3})\s*일$")
_MONTH_DAY = re.compile(r"^(?:the\s+)?(\d{1,2})(?:\s*일|st|nd|rd|th)$")


@lru_cache(maxsize=1)
def _weekdays() -> dict[str, int]:
    """Weekday names as CLDR gives them in English and Korean, whole and abbreviated
    ("friday", "fri", "금요일", "금"), to date.weekday()'s numbers (Monday is 0)."""
    names: dict[str, int] = {}
    for lang in ("en", "ko"):
        days = Locale.parse(lang).days["format"]
        for width in ("wide", "abbreviated"):
            for number, name in days[width].items():
                names.setdefault(name.lower().rstrip("."), number)
    return names


def resolve_day(ctx: Context, text: str | None) -> date:
    """Read a day as typed: a day number, a date, or today/tomorrow (either language)."""
    days = ctx.agenda.days
    today = ctx.clock.now().astimezone(ctx.event_tz).date()
    if text is None:
        # Today during the event; otherwise the first day still to come, or the last day.
        if today in days:
            return today
        upcoming = [d for d in days if d > today]
        return upcoming[0] if upcoming else days[-1]
    word = text.strip().lower()
    if word in _DAY_WORDS:
        day = today + timedelta(days=_DAY_WORDS[word])
        if day not in days:
            raise UserError("agenda.not_event_day", day=ctx.t.date(day), days=_day_list(ctx))
        return day
    m = _DAY_NUMBER.match(word)
    if m:
        number = int(m.group(1) or m.group(2))
        if 1 <= number <= len(days):
            return days[number - 1]
        raise UserError("agenda.bad_day_number", value=number, count=len(days))
    if word.rstrip(".") in _weekdays():
        return _weekday(ctx, _weekdays()[word.rstrip(".")], today)
    m = _MONTH_DAY.match(word)
    if m:
        return _of_the_month(ctx, int(m.group(1)), word)
    try:
        day = date.fromisoformat(word)
    except ValueError:
        day = _month_day(word, days)
    if day not in days:
        raise UserError("agenda.not_event_day", day=ctx.t.date(day), days=_day_list(ctx))
    return day


def _weekday(ctx: Context, weekday: int, today: date) -> date:
    """The event's day on that weekday: the coming one when the event has several."""
    matching = [d for d in ctx.agenda.days if d.weekday() == weekday]
    if not matching:
        name = ctx.t.locale.days["format"]["wide"][weekday]
        raise UserError("agenda.not_event_weekday", weekday=name, days=_day_list(ctx))
    return next((d for d in matching if d >= today), matching[-1])


def _of_the_month(ctx: Context, number: int, word: str) -> date:
    """The event's day that falls on that day of a month ("6일", "6th")."""
    days = ctx.agenda.days
    matching = [d for d in days if d.day == number]
    if matching:
        return matching[0]
    try:
        day = date(days[0].year, days[0].month, number)
    except ValueError:
        raise UserError("agenda.bad_day", value=word[:40]) from None
    raise UserError("agenda.not_event_day", day=ctx.t.date(day), days=_day_list(ctx))


def _month_day(word: str, days: tuple[date, ...]) -> date:
    """ "02-05", "2/5", "5 feb", "feb 5", "2월 5일" within the event's year."""
    months = {
        m: i
        for i, m in enumerate(
            ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"),
            start=1,
        )
    }
    year = days[0].year
    patterns: list[tuple[re.Pattern[str], str]] = [
        (re.compile(r"^(\d{1,2})[-/.](\d{1,2})$"), "md"),
        (re.compile(r"^(\d{1,2})\s*월\s*(\d{1,2})\s*일?$"), "md"),
        (re.compile(r"^(\d{1,2})\s+([a-z]{3})[a-z]*$"), "dm"),
        (re.compile(r"^([a-z]{3})[a-z]*\s+(\d{1,2})$"), "md"),
    ]
    for pattern, order in patterns:
        m = pattern.match(word)
        if not m:
            continue
        a, b = m.group(1), m.group(2)
        month_text, day_text = (a, b) if order == "md" else (b, a)
        month = int(month_text) if month_text.isdigit() else months.get(month_text[:3], 0)
        try:
            return date(year, month, int(day_text))
        except ValueError:
            break
    raise UserError("agenda.bad_day", value=word[:40])


def _day_list(ctx: Context) -> str:
    return ", ".join(
        ctx.t("agenda.day_label", number=i, date=ctx.t.date(d))
        for i, d in enumerate(ctx.agenda.days, start=1)
    )


def _day_reply(ctx: Context, day: date) -> Reply:
    t = ctx.t
    days = ctx.agenda.days
    number = days.index(day) + 1
    title = t("agenda.day_title", number=number, date=t.date(day))
    themes = ctx.agenda.event.themes
    sessions = ctx.agenda.on_date(day)
    lines: list[Text] = []
    if len(themes) >= number:
        lines.append(t.pick(themes[number - 1]))
    # The theme heads every page of a long day; the core cuts the page (the day button's
    # action makes the answer again for the next one).
    paging = Paging("agenda.day", str(number), keep=len(lines))
    lines += session_list(ctx, sessions) if sessions else [t("agenda.empty_day")]
    buttons = tuple(
        Button(t("agenda.day_button", number=i), "agenda.day", str(i))
        for i, d in enumerate(days, start=1)
        if d != day
    )
    note = zone_note(ctx)
    if ctx.config.illustrative:
        note = f"{note} {t('agenda.illustrative')}"
    return Reply(card=Card(title, lines=tuple(lines), footer=note), buttons=buttons, paging=paging)


@command(
    "agenda",
    L("Show the programme of a day", "하루 일정을 봅니다"),
    name_ko="일정",
    options=[
        Option(
            "day",
            L("Day number, date, weekday, today or tomorrow", "일차, 날짜, 요일, 오늘 또는 내일"),
            max_length=40,
            name_ko="날짜",
        )
    ],
    shared=True,
)
async def agenda(ctx: Context, day: str | None = None) -> Reply:
    """The programme of one day."""
    return _day_reply(ctx, resolve_day(ctx, day))


@action("agenda.day")
async def agenda_day_button(ctx: Context, value: str) -> Reply:
    """The day buttons under an /agenda answer."""
    return _day_reply(ctx, resolve_day(ctx, value))


@command("now", L("What is on right now", "지금 진행 중인 세션"), name_ko="지금", shared=True)
async def now(ctx: Context) -> Reply:
    """Sessions under way now, or what comes next when nothing is."""
    t = ctx.t
    at = ctx.clock.now()
    running = ctx.agenda.running(at)
    if running:
        lines: list[Text] = []
        for s in running:
            left = minutes_until(at, s.end)
            lines.append((*session_line(ctx, s), f"  ({t('agenda.ends_in', minutes=left)})"))
        return Reply(card=Card(t("agenda.now_title"), lines=tuple(lines), footer=zone_note(ctx)))
    return Reply(_nothing_now(ctx))


def _nothing_now(ctx: Context) -> Text:
    t = ctx.t
    at = ctx.clock.now()
    sessions = ctx.agenda.sessions
    if not sessions:
        return t("agenda.no_sessions")
    if at < sessions[0].start:
        first = sessions[0].start
        return t.rich("agenda.not_started", when=Stamp(first, "f", t.date_time(first)))
    nxt = ctx.agenda.next_start(at)
    if not nxt:
        return t("agenda.over")
    return t.rich("agenda.nothing_now", title=t.pick(nxt[0].title), when=moment(ctx, nxt[0].start))


async def home(ctx: Context) -> Reply:
    """A person's own page: what is on now and what starts next, in their zone."""
    t = ctx.t
    at = ctx.clock.now()
    lines: list[Text] = []
    running = ctx.agenda.running(at)
    lines.append(t("agenda.now_title"))
    idle = _nothing_now(ctx)
    lines += [("    ", *session_line(ctx, s)) for s in running] or [
        ("    ", *((idle,) if isinstance(idle, str) else idle))
    ]
    lines.append(t("agenda.next_title"))
    lines += [("    ", *session_line(ctx, s, with_date=True)) for s in ctx.agenda.next_start(at)]
    lines.append(t("home.hint"))
    title = t.pick(ctx.agenda.event.name)
    return Reply(card=Card(title, lines=tuple(lines), footer=zone_note(ctx)))


@command("next", L("What starts next", "다음에 시작하는 세션"), name_ko="다음", shared=True)
async def next_(ctx: Context) -> Reply:
    """The sessions starting next (all of them, when rooms run in parallel)."""
    t = ctx.t
    at = ctx.clock.now()
    upcoming = ctx.agenda.next_start(at)
    if not upcoming:
        return Reply(t("agenda.over") if ctx.agenda.sessions else t("agenda.no_sessions"))
    minutes = minutes_until(at, upcoming[0].start)
    soon = t("agenda.starts_in", minutes=minutes) if minutes < 24 * 60 else ""
    lines: list[Text] = []
    for s in upcoming:
        lines.append(session_line(ctx, s, with_date=minutes >= 12 * 60))
        speakers = ctx.agenda.people_named(s.chairs + s.speakers)
        if speakers:
            lines.append("    " + ", ".join(person_label(ctx, p) for p in speakers))
    title = t("agenda.next_title") + (f" ({soon})" if soon else "")
    return Reply(card=Card(title, lines=tuple(lines), footer=zone_note(ctx)))


def _pick_one(ctx: Context, found: Found[Session], query: str) -> Reply:
    t = ctx.t
    if len(found.matches) == 1:
        return Reply(card=session_card(ctx, found.matches[0]))
    if found.matches:
        return Reply(
            card=Card(
                t("agenda.several", query=query),
                lines=session_list(ctx, found.matches, with_date=True),
                footer=t("agenda.several_hint"),
            )
        )
    return Reply(_no_match(ctx, query, [t.pick(s.title) for s in found.suggestions]), error=True)


def _no_match(ctx: Context, query: str, suggestions: list[str]) -> str:
    t = ctx.t
    if suggestions:
        return t("agenda.no_match_hint", query=query, hint=" / ".join(suggestions))
    return t("agenda.no_match", query=query)


@command(
    "session",
    L("Details of one session", "세션 상세 정보"),
    name_ko="세션",
    options=[session_option()],
    shared=True,
)
async def session(ctx: Context, session: str) -> Reply:
    """Time, room, speakers and abstract of one session."""
    return _pick_one(ctx, ctx.agenda.find_sessions(session), session)


@command(
    "speaker",
    L("Who a speaker is and when they speak", "연사 정보와 발표 시간"),
    name_ko="연사",
    options=[
        Option(
            "name",
            L("Speaker's name", "연사 이름"),
            required=True,
            autocomplete="speaker",
            name_ko="이름",
        )
    ],
    shared=True,
)
async def speaker(ctx: Context, name: str) -> Reply:
    """A speaker or chair and their sessions."""
    t = ctx.t
    found = ctx.agenda.find_people(name)
    if not found.matches:
        hint = [t.pick(p.name) for p in found.suggestions]
        if hint:
            return Reply(t("speaker.no_match_hint", query=name, hint=" / ".join(hint)), error=True)
        return Reply(t("speaker.no_match", query=name), error=True)
    lines: list[Text] = []
    for p in found.matches[:5]:
        lines.append(person_label(ctx, p))
        sessions = ctx.agenda.sessions_of(p.id)
        lines += (
            ["    " + t("speaker.no_sessions")]
            if not sessions
            else [("    ", *session_line(ctx, s, with_date=True)) for s in sessions]
        )
    title = t("speaker.title") if len(found.matches) == 1 else t("speaker.several", query=name)
    return Reply(card=Card(title, lines=tuple(lines), footer=zone_note(ctx)))


@command(
    "search",
    L("Search titles, abstracts, rooms and speakers", "제목, 소개, 장소, 연사 검색"),
    name_ko="검색",
    options=[
        Option(
            "text", L("Words to look for", "찾을 단어"), required=True, rest=True, name_ko="검색어"
        )
    ],
    shared=True,
)
async def search(ctx: Context, text: str) -> Reply:
    """Sessions mentioning every word of `text`."""
    t = ctx.t
    found = ctx.agenda.search(text)
    if not found.matches:
        return Reply(_no_match(ctx, text, [t.pick(s.title) for s in found.suggestions]), error=True)
    return Reply(
        card=Card(
            t("search.title", query=text, count=len(found.matches)),
            lines=session_list(ctx, found.matches, with_date=True),
            footer=zone_note(ctx),
        )
    )
