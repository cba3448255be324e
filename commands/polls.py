"""Live polls: /poll vote|results|list for everyone, /poll create|open|close|export and
/poll-export for moderators and organisers, and the vote buttons on a poll's card.

Typed on one line (the terminal, Slack), a poll is made with named options:
`/poll create question:"Which battery first?" options:"Solid-state | Sodium-ion"
ko:"어떤 배터리가 먼저?" options_ko:"전고체 | 나트륨 이온" multiple hidden session:dialogue
open:start minutes:5`; Discord offers the same options typed."""

from __future__ import annotations

from bot.core.context import Context
from bot.core.errors import UserError
from bot.core.model import Attachment, Card, Reply, Role, Text, joined
from bot.core.registry import Choice, Option, OptionType, action, command
from bot.i18n import L
from bot.polls import rules
from bot.polls.cards import (
    option_lines,
    option_text,
    read_vote_value,
    state_lines,
    vote_buttons,
    vote_said,
)
from bot.polls.service import LATER, NOW, START, Polls
from bot.storage.polls import READY, Poll
from commands.reminders import one_session
from commands.render import moment

# What each action is called, for the reader (Discord's picker, a refusal's message).
_ACTIONS = {
    "vote": L("vote", "투표하기"),
    "results": L("results", "결과"),
    "list": L("list", "목록"),
    "create": L("create", "만들기"),
    "open": L("open", "열기"),
    "close": L("close", "닫기"),
    "export": L("export", "내보내기"),
}
MODERATORS_ONLY = frozenset({"create", "open", "close", "export"})
_OPENS = {
    NOW: L("now", "지금"),
    START: L("at the session's start", "세션 시작 때"),
    LATER: L("later, by hand", "나중에 직접"),
}
POLL_REF = Option(
    "poll",
    L("The poll's number, as its card shows it", "카드에 표시된 투표 번호"),
    type=OptionType.INTEGER,
    min_value=1,
    max_value=999_999_999,
    name_ko="투표",
)


@command(
    "poll",
    L(
        "Polls: vote and see results; moderators create, open, close, export",
        "투표: 참여와 결과 보기, 진행자는 만들기·열기·닫기·내보내기",
    ),
    options=[
        Option(
            "action",
            L("What to do", "할 일"),
            required=True,
            choices=tuple(Choice(a, label) for a, label in _ACTIONS.items()),
            name_ko="동작",
        ),
        POLL_REF,
        Option(
            "option",
            L("vote: the option's number or text", "투표하기: 항목 번호 또는 내용"),
            max_length=100,
            rest=True,
            name_ko="선택",
        ),
        # What a poll is made with: typed on one line by name only (question:"…").
        Option(
            "question",
            L("create: the question in English", "만들기: 질문 (영어)"),
            max_length=rules.QUESTION_MAX,
            name_ko="질문",
            named_only=True,
        ),
        Option(
            "ko",
            L("create: the question in Korean", "만들기: 질문 (한국어)"),
            max_length=rules.QUESTION_MAX,
            name_ko="질문_한국어",
            named_only=True,
        ),
        Option(
            "options",
            L("create: 2 to 10 options, A | B | C", "만들기: 항목 2~10개, A | B | C"),
            max_length=1000,
            name_ko="항목",
            named_only=True,
        ),
        Option(
            "options_ko",
            L(
                "create: the options in Korean, in the same order",
                "만들기: 항목 (한국어, 같은 순서)",
            ),
            max_length=1000,
            name_ko="항목_한국어",
            named_only=True,
        ),
        Option(
            "session",
            L(
                "create: the poll's session (none: the whole event); list: its polls",
                "만들기: 투표할 세션 (없으면 행사 전체), 목록: 그 세션의 투표",
            ),
            autocomplete="session",
            name_ko="세션",
            named_only=True,
        ),
        Option(
            "open",
            L(
                "create: open now, at the session's start, or later",
                "만들기: 지금, 세션 시작 때, 나중에 열기",
            ),
            choices=tuple(Choice(value, label) for value, label in _OPENS.items()),
            name_ko="열기",
            named_only=True,
        ),
        Option(
            "minutes",
            L("create: close this many minutes after it opens", "만들기: 열린 뒤 몇 분 후 마감"),
            type=OptionType.INTEGER,
            min_value=1,
            max_value=rules.MINUTES_MAX,
            name_ko="분",
            named_only=True,
        ),
        Option(
            "multiple",
            L("create: people may choose several options", "만들기: 여러 항목 선택 허용"),
            type=OptionType.BOOLEAN,
            name_ko="복수선택",
        ),
        Option(
            "hidden",
            L("create: show the results only when it closes", "만들기: 마감 후에만 결과 공개"),
            type=OptionType.BOOLEAN,
            name_ko="결과숨김",
        ),
    ],
    name_ko="투표",
)
async def poll(
    ctx: Context,
    action: str,
    poll: int | None = None,
    question: str | None = None,
    ko: str | None = None,
    options: str | None = None,
    options_ko: str | None = None,
    session: str | None = None,
    open: str | None = None,
    minutes: int | None = None,
    multiple: bool = False,
    hidden: bool = False,
    option: str | None = None,
) -> Reply:
    """Every poll action by name (see the module's docstring)."""
    if action in MODERATORS_ONLY and ctx.role < Role.MODERATOR:
        raise UserError("poll.moderators_only", action=ctx.t.pick(_ACTIONS[action]))
    if action == "create":
        if poll is not None or question is None or options is None:
            raise UserError("poll.create_usage")
        return await _create(
            ctx, question, ko, options, options_ko, session, open, minutes, multiple, hidden
        )
    if action == "list":
        return await _list(ctx, session)
    if action == "export":
        return await _export(ctx, poll)
    if poll is None:
        raise UserError("poll.which", action=action)
    found = await ctx.polls.get(poll)
    if action == "vote":
        if option is None:
            raise UserError("poll.option_missing", id=found.id, count=len(found.options))
        return await _vote(ctx, found, Polls.option_of(found, option))
    if action == "results":
        return await _results(ctx, found)
    if action == "open":
        opened = await ctx.polls.open(ctx.user, found)
        return Reply(ctx.t("poll.opened", id=opened.id))
    closed = await ctx.polls.close(ctx.user, found)
    return Reply(ctx.t("poll.closed_now", id=closed.id, count=closed.voters))


async def _create(
    ctx: Context,
    question: str,
    ko: str | None,
    options: str,
    options_ko: str | None,
    session: str | None,
    opens: str | None,
    minutes: int | None,
    multiple: bool,
    hidden: bool,
) -> Reply:
    t = ctx.t
    made = rules.draft(
        question,
        ko or "",
        rules.split_options(options),
        rules.split_options(options_ko) if options_ko else (),
    )
    s = one_session(ctx, session) if session else None
    made_poll = await ctx.polls.create(
        ctx.user,
        made,
        multiple=multiple,
        hidden=hidden,
        session=s,
        opens=opens or NOW,
        minutes=minutes,
    )
    pid = made_poll.id
    said: list[Text] = []
    if made_poll.is_open:
        said.append(t("poll.created_open", id=pid))
    elif made_poll.open_on_start and s is not None:
        said.append(
            t.rich("poll.created_start", id=pid, title=t.pick(s.title), when=moment(ctx, s.start))
        )
    else:
        said.append(t("poll.created_later", id=pid))
    if minutes:
        said.append(" " + t("poll.closes_after", minutes=minutes))
    return Reply(joined(*said))


def _option_text(ctx: Context, p: Poll, position: int) -> str:
    return option_text(ctx.t, p, position)


async def _vote(ctx: Context, p: Poll, position: int) -> Reply:
    ballot = await ctx.polls.vote(ctx.user, p, position)
    return Reply(vote_said(ctx.t, p, position, ballot))


@action("poll.vote")
async def vote_button(ctx: Context, value: str) -> Reply:
    """A press of an option's button on a poll's card."""
    found = read_vote_value(value)
    if found is None:
        raise UserError("error.stale_button")
    poll_id, position = found
    return await _vote(ctx, await ctx.polls.get(poll_id), position)


async def _results(ctx: Context, p: Poll) -> Reply:
    """A poll in the reader's language: its counts (hidden until it closes, but to
    moderators), their own choices, and its buttons while it is open."""
    t = ctx.t
    reveal = ctx.role >= Role.MODERATOR
    lines: list[Text] = [t.pick(p.question)]
    lines += option_lines(p, t.pick, t, reveal=reveal)
    lines += state_lines(
        p, t, lambda at: t.rich("poll.closes_at", when=t.stamp_time(at)), reveal=reveal
    )
    mine = await ctx.polls.choices(ctx.user, p)
    if mine:
        lines.append(t("poll.your_choices", mine=", ".join(_option_text(ctx, p, n) for n in mine)))
    title = t("poll.card_title", id=p.id)
    return Reply(
        card=Card(title, lines=tuple(lines), footer=_scope(ctx, p)), buttons=vote_buttons(p)
    )


def _scope(ctx: Context, p: Poll) -> str:
    s = ctx.agenda.session(p.session_id) if p.session_id else None
    if s is not None:
        return f"{ctx.t.pick(s.title)} [{s.id}]"
    return ctx.t("poll.scope_event") if p.session_id is None else f"[{p.session_id}]"


async def _list(ctx: Context, session: str | None) -> Reply:
    t = ctx.t
    s = one_session(ctx, session) if session else None
    polls = await ctx.polls.listing(s.id if s else None)
    if ctx.role < Role.MODERATOR:
        polls = [p for p in polls if p.status != READY]  # a poll not open yet is no news
    if not polls:
        return Reply(t("poll.list_empty"))
    lines: list[Text] = []
    for p in polls:
        status = t("poll.status.waiting" if p.status == READY else f"poll.status.{p.status}")
        lines.append(
            f"#{p.id} [{status}] {t.pick(p.question)} · {t('poll.voters', count=p.voters)}"
            f" · {_scope(ctx, p)}"
        )
    return Reply(card=Card(t("poll.list_title"), lines=tuple(lines), footer=t("poll.list_hint")))


async def _export(ctx: Context, ref: int | None) -> Reply:
    polls = [await ctx.polls.get(ref)] if ref else await ctx.polls.listing(limit=100_000)
    if not polls:
        return Reply(ctx.t("poll.list_empty"))
    polls.sort(key=lambda p: p.id)
    data = await ctx.polls.export(polls, ctx.t.tz)
    name = f"poll-{polls[0].id}.csv" if ref else "polls.csv"
    return Reply(
        ctx.t("poll.exported", count=len(polls)),
        file=Attachment(name, data, "text/csv; charset=utf-8"),
    )


@command(
    "poll-export",
    L("Export polls and their votes as CSV", "투표와 결과를 CSV로 내보내기"),
    options=[POLL_REF],
    role=Role.MODERATOR,
    name_ko="투표내보내기",
)
async def poll_export(ctx: Context, poll: int | None = None) -> Reply:
    """One poll (or every poll) as CSV: a row per option with its votes."""
    return await _export(ctx, poll)


COMMANDS = [poll, poll_export]
BUTTONS = [vote_button]
