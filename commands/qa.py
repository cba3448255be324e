"""Live Q&A: /ask, /questions, /myquestions for everyone; /qa, /qa-edit, /qa-merge,
/qa-translate, /qa-open, /qa-close, /qa-block, /qa-export and /qa-screen for moderators;
the vote and moderation buttons."""

from __future__ import annotations

import hashlib

from bot.core.context import Context
from bot.core.errors import UserError
from bot.core.model import (
    MAX_INPUTS,
    Attachment,
    Button,
    Card,
    Form,
    Input,
    Paging,
    Reply,
    Role,
    Text,
    joined,
)
from bot.core.registry import Choice, Option, OptionType, action, command
from bot.i18n import LANGUAGES, L
from bot.programme import Session
from bot.qa.display import marked, ordered, versions
from bot.qa.join import TooLong, join_url, qr_png
from bot.qa.service import STEPS, Asked
from bot.storage.qa import ANSWERED, APPROVED, MERGED, PENDING, Change, Question
from commands.options import session_option
from commands.reminders import one_session
from commands.render import moment

ACTIONS = (*STEPS, "undo")
# The moderation actions' names for Korean moderators (Discord shows them in the picker).
_ACTION_KO = {
    "approve": "승인",
    "reject": "거절",
    "highlight": "강조",
    "answered": "답변 완료",
    "undo": "되돌리기",
}
LIST_SIZE = 10  # questions a page of /questions
# Question numbers are SQLite integers: a larger number typed is refused as too big, not
# an overflow in the store.
LARGEST_ID = 2**31 - 1
QUESTION_ID = Option(
    "id",
    L("Question number", "질문 번호"),
    type=OptionType.INTEGER,
    required=True,
    min_value=1,
    max_value=LARGEST_ID,
    name_ko="번호",
)
# The languages a translation can be into, by name for the pickers.
_LANGUAGE_NAMES = {"en": L("English", "영어"), "ko": L("Korean", "한국어")}


def _room_of_channel(ctx: Context) -> str | None:
    """The room whose channel this is, from the event file's mapping."""
    mapping = ctx.config.platforms.get(ctx.platform)
    if mapping is None:
        return None
    for room, channel in mapping.rooms.items():
        if channel.lstrip("#") in (ctx.channel.id, ctx.channel.name.lstrip("#")):
            return room
    return None


async def pick_session(ctx: Context, named: str | None, *, for_asking: bool) -> Session:
    """The session named, else the one taking questions in this channel's room, else the
    only one taking questions at all; for reading, else the only Q&A session there is."""
    if named:
        return one_session(ctx, named)
    open_now: list[Session] = await ctx.qa.open_sessions()
    room = _room_of_channel(ctx)
    here = [s for s in open_now if room and s.room == room]
    if len(here) == 1:
        return here[0]
    if len(open_now) == 1:
        return open_now[0]
    if open_now:
        raise UserError("qa.which_session", ids=", ".join(s.id for s in open_now[:5]))
    if not for_asking:
        with_qa = [s for s in ctx.agenda.sessions if s.qa]
        if len(with_qa) == 1:
            return with_qa[0]
    upcoming = [s for s in ctx.agenda.sessions if s.qa and s.start > ctx.clock.now()]
    if upcoming:
        s = upcoming[0]
        raise UserError("qa.none_open_next", title=ctx.t.pick(s.title), when=moment(ctx, s.start))
    raise UserError("qa.none_open")


def _line(ctx: Context, q: Question, *, mine: bool = False) -> str:
    """One question on one line: in the reader's language first when it has a
    translation into it, the other versions after it, marked."""
    t = ctx.t
    who = t("qa.anonymous") if q.anonymous else (q.author_name or "?")
    if q.status == MERGED:
        status = f" [{t('qa.merged_into', into=q.merged_into)}]"
    else:
        status = "" if q.status == APPROVED and not mine else f" [{t(f'qa.status.{q.status}')}]"
    reason = f" ({q.reason})" if mine and q.reason else ""
    top, rest = versions(q, t.lang, t)
    return f"#{q.id} ▲{q.votes}{status} {top} · {who}{reason}" + "".join(f" — {r}" for r in rest)


@command(
    "ask",
    L("Ask the speakers a question (optionally anonymous)", "연사에게 질문하기 (익명 가능)"),
    options=[
        Option(
            "question",
            L("Your question", "질문 내용"),
            required=True,
            rest=True,
            max_length=2000,
            name_ko="질문",
        ),
        Option(
            "anonymous",
            L("Hide your name from everyone, moderators too", "이름 숨기기 (진행자에게도)"),
            type=OptionType.BOOLEAN,
            name_ko="익명",
        ),
        session_option(False, current=True),
    ],
    name_ko="질문",
)
async def ask(
    ctx: Context, question: str, anonymous: bool = False, session: str | None = None
) -> Reply:
    """Submit a question to a session's Q&A."""
    t = ctx.t
    s = await pick_session(ctx, session, for_asking=True)
    asked: Asked = await ctx.qa.ask(ctx.user, s, question, anonymous=anonymous, pick=t.pick)
    q = asked.question
    if asked.duplicate:
        return Reply(t(asked.reply_key, id=q.id, votes=q.votes))
    lines = [
        t(
            "qa.asked_pending" if q.status == PENDING else "qa.asked_live",
            id=q.id,
            title=t.pick(s.title),
        )
    ]
    if anonymous:
        lines.append(t("qa.asked_anonymous"))
    return Reply(" ".join(lines))


@command(
    "questions",
    L("The questions of a session, with up-vote buttons", "세션의 질문 목록과 추천 버튼"),
    options=[
        session_option(False, current=True),
        Option(
            "order",
            L(
                "top (most votes), new, or pending (moderators)",
                "top(추천순), new(최신순), pending(진행자)",
            ),
            choices=(
                Choice("top", L("most votes", "추천순")),
                Choice("new", L("newest", "최신순")),
                Choice("pending", L("waiting for approval", "승인 대기")),
            ),
            name_ko="정렬",
        ),
    ],
    name_ko="질문목록",
)
async def questions(ctx: Context, session: str | None = None, order: str | None = None) -> Reply:
    """List approved questions (or, for moderators, those waiting)."""
    if order is None and session is not None and session.lower() in ("top", "new", "pending"):
        order, session = session.lower(), None  # typed as one word: "/questions new"
    order = order or "top"
    if order == "pending" and ctx.role < Role.MODERATOR:
        raise UserError("qa.pending_moderators")
    s = await pick_session(ctx, session, for_asking=False)
    return await _listing(ctx, s, order)


@action("qa.list")
async def questions_page(ctx: Context, value: str) -> Reply:
    """The list again, for its page buttons: the value is "session|order"."""
    session, _, order = value.partition("|")
    if order not in ("top", "new", "pending"):
        raise UserError("error.stale_button")
    if order == "pending" and ctx.role < Role.MODERATOR:
        raise UserError("qa.pending_moderators")
    return await _listing(ctx, one_session(ctx, session), order)


async def _listing(ctx: Context, s: Session, order: str) -> Reply:
    # The same page, for everyone reading this language on this platform (whose command
    # names it uses) until the session changes.
    reply: Reply = await ctx.qa.shared(
        ("questions", s.id, order, ctx.t.lang, ctx.platform, ctx.page),
        s.id,
        lambda: _questions(ctx, s, order),
    )
    return reply


async def _questions(ctx: Context, s: Session, order: str) -> Reply:
    t = ctx.t
    current = await ctx.qa.highlighted(s.id)
    shown = current.id if current else None
    pending = order == "pending"
    # Only the page asked for is read: a list is most of the Q&A's traffic, and every
    # vote changes it.
    page, total, found = await ctx.qa.page(
        s.id, "new" if pending else order, ctx.page, LIST_SIZE, pending=pending, leave_out=shown
    )
    if not total and current is None:
        return Reply(t("qa.list_empty", title=t.pick(s.title)))
    lines: list[Text] = []
    if current is not None:
        lines.append(f"{t('qa.now_answering')}: {_line(ctx, current)}")
    keep = len(lines)  # the question on screen heads every page
    lines += [_line(ctx, q) for q in found]
    # Each question's button goes on its own page, with it.
    if pending:
        marks = tuple((Button(f"✓ #{q.id}", "qa.approve", str(q.id), "primary"),) for q in found)
        footer = t("qa.pending_hint")
    else:
        marks = tuple((Button(f"▲ #{q.id}", "qa.vote", str(q.id)),) for q in found)
        footer = t("qa.list_hint")
    title = t("qa.list_title", title=t.pick(s.title))
    paging = Paging("qa.list", f"{s.id}|{order}", keep, LIST_SIZE, marks, page, total)
    return Reply(card=Card(title, lines=tuple(lines), footer=footer), paging=paging)


@command(
    "myquestions",
    L("Your questions and what became of them", "내 질문과 처리 상태"),
    name_ko="내질문",
)
async def myquestions(ctx: Context) -> Reply:
    """A person's own questions, anonymous ones included (found by their keyed hash)."""
    t = ctx.t
    mine = await ctx.qa.mine(ctx.user)
    if not mine:
        return Reply(t("qa.mine_empty"))
    return Reply(card=Card(t("qa.mine_title"), lines=tuple(_line(ctx, q, mine=True) for q in mine)))


async def _vote(ctx: Context, value: str, *, add: bool) -> Reply:
    t = ctx.t
    qid = _number(value)
    changed, q = await ctx.qa.vote(ctx.user, qid, add=add)
    if add and not changed:
        return Reply(
            t("qa.vote_again", id=qid, votes=q.votes),
            buttons=(Button(t("qa.button.unvote"), "qa.unvote", str(qid)),),
        )
    if add:
        return Reply(t("qa.voted", id=qid, votes=q.votes))
    return Reply(t("qa.unvoted" if changed else "qa.not_voted", id=qid, votes=q.votes))


def _number(value: str) -> int:
    text = value.strip().lstrip("#")
    # ASCII digits only: "²" is a digit to str.isdigit but no number to int().
    if not (text.isascii() and text.isdigit()) or len(text) > 9:
        raise UserError("qa.bad_id", value=value[:20])
    return int(text)


@action("qa.vote")
async def vote_button(ctx: Context, value: str) -> Reply:
    """Up-vote; pressing again says so and offers to withdraw."""
    return await _vote(ctx, value, add=True)


@action("qa.unvote")
async def unvote_button(ctx: Context, value: str) -> Reply:
    """Withdraw one's up-vote."""
    return await _vote(ctx, value, add=False)


async def _moderate(ctx: Context, qid: int, what: str, reason: str | None = None) -> Reply:
    t = ctx.t
    change = await ctx.qa.moderate(ctx.user, qid, what, reason)
    q = change.question
    if change.action == "undo" and change.undid == "merge" and change.other is not None:
        other = change.other
        return Reply(t("qa.undone.merge", id=qid, into=other.id, votes=other.votes))
    if change.action == "undo" and change.undid in ("edit", "translate"):
        return Reply(t(f"qa.undone.{change.undid}", id=qid, text=q.body))
    key = f"qa.done.{change.action}"
    if change.action == "highlight" and change.from_status != APPROVED:
        # Highlighting also approves: say so, rather than "highlighted; it is now approved".
        key += "_reopened" if change.from_status == ANSWERED else "_approved"
    text = t(key, id=qid, status=t(f"qa.status.{change.to_status}"))
    if what == "reject" and q.anonymous:
        text += " " + t("qa.rejected_anonymous")
    return Reply(text)


def _moderation_button(what: str):  # type: ignore[no-untyped-def]
    async def press(ctx: Context, value: str) -> Reply:
        return await _moderate(ctx, _number(value), what)

    press.__doc__ = f"The moderators' {what} button."
    return action(f"qa.{what}", role=Role.MODERATOR)(press)


approve_button = _moderation_button("approve")
reject_button = _moderation_button("reject")
highlight_button = _moderation_button("highlight")
answered_button = _moderation_button("answered")


@command(
    "qa",
    L(
        "Moderate a question: approve, reject, highlight, answered, undo",
        "질문 관리: 승인, 거절, 강조, 답변 완료, 되돌리기",
    ),
    options=[
        Option(
            "action",
            L("What to do", "할 일"),
            required=True,
            choices=tuple(Choice(a, L(a, _ACTION_KO[a])) for a in ACTIONS),
            name_ko="동작",
        ),
        QUESTION_ID,
        Option(
            "reason",
            L(
                "Why (a rejection's reason is told to the asker)",
                "사유 (거절 사유는 질문자에게 전달)",
            ),
            rest=True,
            max_length=200,
            name_ko="사유",
        ),
    ],
    role=Role.MODERATOR,
    name_ko="질문관리",
)
async def qa(ctx: Context, action: str, id: int, reason: str | None = None) -> Reply:
    """Moderate one question by number."""
    return await _moderate(ctx, id, action, reason)


@command(
    "qa-edit",
    L(
        "Correct a question's text (the text as asked is kept; undo with /qa undo)",
        "질문 내용 수정 (원래 질문은 보관, /qa undo 로 되돌리기)",
    ),
    options=[
        QUESTION_ID,
        Option(
            "text",
            L("The question as it should read", "수정한 질문 내용"),
            required=True,
            rest=True,
            max_length=2000,
            name_ko="내용",
        ),
    ],
    role=Role.MODERATOR,
    name_ko="질문수정",
)
async def qa_edit(ctx: Context, id: int, text: str) -> Reply:
    """Correct question `id`: its card and notices follow, its asker sees "(edited)"."""
    return _edited(ctx, await ctx.qa.edit(ctx.user, id, text))


def _edited(ctx: Context, change: Change) -> Reply:
    """What a moderator is told of an edit (by command or by the Edit form)."""
    t, q = ctx.t, change.question
    said = [t("qa.done.edit", id=q.id, text=q.body)]
    if q.translations:
        shown = [marked(c, found.text, t, machine=found.machine) for c, found in ordered(q)]
        said.append(t("qa.revised_translations", text=" — ".join(shown)))
    said.append(t("qa.done.edit_asker", id=q.id))
    return Reply(" ".join(said))


@command(
    "qa-merge",
    L(
        "Merge a question into one that asks the same (its votes count there)",
        "같은 내용의 질문으로 병합 (추천은 합산)",
    ),
    options=[
        QUESTION_ID,
        Option(
            "into",
            L("The number of the question that asks the same", "같은 내용의 질문 번호"),
            type=OptionType.INTEGER,
            required=True,
            min_value=1,
            max_value=LARGEST_ID,
            name_ko="대상",
        ),
    ],
    role=Role.MODERATOR,
    name_ko="질문병합",
)
async def qa_merge(ctx: Context, id: int, into: int) -> Reply:
    """Merge question `id` into `into`: a person who voted for both counts once; /qa undo
    on `id` takes it back."""
    return _merged(ctx, await ctx.qa.merge(ctx.user, id, into))


def _merged(ctx: Context, change: Change) -> Reply:
    """What a moderator is told of a merge (by command or by the Merge form)."""
    t, q = ctx.t, change.question
    votes = change.other.votes if change.other is not None else 0
    said = t("qa.done.merge", id=q.id, into=q.merged_into, votes=votes)
    if q.anonymous:
        said += " " + t("qa.merged_anonymous", id=q.id)
    return Reply(said)


@command(
    "qa-translate",
    L(
        "Give a question a translation: typed, or by machine when set up (no text)",
        "질문 번역 달기: 직접 입력, 또는 번역문 없이 기계 번역",
    ),
    options=[
        QUESTION_ID,
        Option(
            "language",
            L("Into which language", "번역할 언어"),
            choices=tuple(
                Choice(code, _LANGUAGE_NAMES.get(code, L(code, code))) for code in LANGUAGES
            ),
            name_ko="언어",
        ),
        Option(
            "text",
            L("The translation (leave out for a machine translation)", "번역문 (비우면 기계 번역)"),
            rest=True,
            max_length=4000,
            name_ko="번역문",
        ),
    ],
    role=Role.MODERATOR,
    name_ko="질문번역",
)
async def qa_translate(
    ctx: Context, id: int, language: str | None = None, text: str | None = None
) -> Reply:
    """A moderator's translation of question `id`, or the provider's (without `text`)."""
    return _translated(ctx, await ctx.qa.translate(ctx.user, id, language, text), language)


def _translated(ctx: Context, change: Change, language: str | None = None) -> Reply:
    """What a moderator is told of a translation (`language`'s, or all)."""
    t, q = ctx.t, change.question
    made = [
        marked(code, found.text, t, machine=found.machine)
        for code, found in ordered(q)
        if language is None or code == language
    ]
    if not made:  # the Edit form's emptied translations
        return Reply(t("qa.done.untranslated", id=q.id))
    return Reply(t("qa.done.translate", id=q.id, text=" — ".join(made)))


# -- the moderators' notice's Edit, Merge and Translate ----------------------------------


async def _revisable(ctx: Context, value: str) -> Question:
    """The question a notice's button names, unless it was merged meanwhile."""
    q: Question = await ctx.qa.question(_number(value))
    if q.status == MERGED:
        raise UserError("qa.already_merged", id=q.id, into=q.merged_into)
    return q


@action("qa.edit", role=Role.MODERATOR)
async def edit_button(ctx: Context, value: str) -> Reply:
    """A form with the question's text and a field for each translation, filled in. The
    form's value carries a fingerprint of each field as shown, so its submission changes
    only what this moderator changed (see `edit_saved`)."""
    t = ctx.t
    q = await _revisable(ctx, value)
    limit = ctx.qa.config.max_length
    inputs = [Input("text", t("qa.form.text"), q.body, max_length=limit)]
    for lang in ctx.qa.targets(q)[: MAX_INPUTS - 1]:
        found = q.translations.get(lang)
        inputs.append(
            Input(
                f"text_{lang}",
                t("qa.form.translation", lang=lang.upper()),
                found.text if found else "",
                max_length=ctx.qa.translation_limit,
                required=False,
                hint=t("qa.form.translation_hint"),
            )
        )
    shown = ":".join(f"{i.name}={_fingerprint(i.value)}" for i in inputs)
    return Reply(
        form=Form(
            t("qa.form.edit", id=q.id),
            "qa.edit_save",
            f"{q.id}:{shown}",
            tuple(inputs),
            fallback=t("qa.form.edit_fallback", id=q.id),
        )
    )


def _fingerprint(text: str) -> str:
    """A short fingerprint of a field's text as a form shows it (spacing aside: the
    submission comes back cleaned)."""
    return hashlib.sha256(" ".join(text.split()).encode()).hexdigest()[:8]


@action("qa.edit_save", role=Role.MODERATOR)
async def edit_saved(ctx: Context, value: str) -> Reply:
    """The Edit form submitted: the text and the translations typed, as one change (an
    emptied translation goes). A field left as the form showed it is left as it is now,
    so a translation another moderator made meanwhile stays; a field both changed is
    refused, to be opened again."""
    if "text" not in ctx.fields:
        raise UserError("form.unreadable")  # a press, not a submission of the form
    number, *marks = value.split(":")
    qid = _number(number)
    shown = dict(m.partition("=")[::2] for m in marks)
    q = await ctx.qa.question(qid)
    now = {"text": q.body} | {f"text_{k}": tr.text for k, tr in q.translations.items()}
    wanted: dict[str, str] = {}
    for name, typed in ctx.fields.items():
        mark = shown.get(name)
        if mark is not None and _fingerprint(typed) == mark:
            continue  # as the form showed it: not this moderator's change
        current = now.get(name, "")
        if mark is not None and _fingerprint(current) != mark and typed != current:
            raise UserError("qa.form_stale", id=qid)
        wanted[name] = typed
    typed_translations = {
        lang: wanted[f"text_{lang}"] for lang in LANGUAGES if f"text_{lang}" in wanted
    }
    change = await ctx.qa.revise(ctx.user, qid, wanted.get("text", q.body), typed_translations)
    if change is None:
        return Reply(ctx.t("qa.edit_same", id=qid))
    if change.action == "translate":
        return _translated(ctx, change)
    return _edited(ctx, change)


@action("qa.merge", role=Role.MODERATOR)
async def merge_button(ctx: Context, value: str) -> Reply:
    """A form asking which question this one is merged into."""
    t = ctx.t
    q = await _revisable(ctx, value)
    into = Input("into", t("qa.form.into"), max_length=12, long=False, hint="12")
    return Reply(
        form=Form(
            t("qa.form.merge", id=q.id),
            "qa.merge_save",
            str(q.id),
            (into,),
            submit=t("qa.form.merge_submit"),
            fallback=t("qa.form.merge_fallback", id=q.id),
        )
    )


@action("qa.merge_save", role=Role.MODERATOR)
async def merge_saved(ctx: Context, value: str) -> Reply:
    """The Merge form submitted."""
    if "into" not in ctx.fields:
        raise UserError("form.unreadable")
    qid, into = _number(value), _number(ctx.fields["into"])
    return _merged(ctx, await ctx.qa.merge(ctx.user, qid, into))


@action("qa.translate", role=Role.MODERATOR)
async def translate_button(ctx: Context, value: str) -> Reply:
    """The provider's translation into every other language (offered only with one)."""
    q = await _revisable(ctx, value)
    return _translated(ctx, await ctx.qa.translate(ctx.user, q.id))


@command(
    "qa-open",
    L("Open a session's Q&A now", "세션 질의응답 열기"),
    options=[
        session_option(True),
        Option(
            "moderated",
            L("Questions wait for approval", "질문 사전 승인"),
            type=OptionType.BOOLEAN,
            name_ko="사전승인",
        ),
        Option(
            "translate",
            L(
                "Machine-translate questions as they are approved",
                "승인된 질문을 바로 기계 번역",
            ),
            type=OptionType.BOOLEAN,
            name_ko="자동번역",
        ),
    ],
    role=Role.MODERATOR,
    name_ko="질의응답열기",
)
async def qa_open(
    ctx: Context, session: str, moderated: bool | None = None, translate: bool | None = None
) -> Reply:
    """Open a session's Q&A by hand (and say whether it translates on approval)."""
    t = ctx.t
    s = one_session(ctx, session)
    if translate and ctx.qa.machine is None:
        raise UserError("qa.open_no_machine")  # before anything is written
    if translate is not None:
        await ctx.qa.set_auto_translate(s, translate)
    status = await ctx.qa.set_open(s, True, ctx.user, moderated)
    key = "qa.opened_until" if status.closes_at else "qa.opened"
    when = moment(ctx, status.closes_at) if status.closes_at else ""
    modes = [t("qa.mode_moderated" if status.moderated else "qa.mode_open")]
    if await ctx.qa.auto_translates(s.id):
        modes.append(t("qa.mode_translate"))
    elif translate is False:
        modes.append(t("qa.mode_no_translate"))
    return Reply(joined(t.rich(key, title=t.pick(s.title), when=when), " ", " ".join(modes)))


@command(
    "qa-close",
    L("Close a session's Q&A", "세션 질의응답 닫기"),
    options=[session_option(True)],
    role=Role.MODERATOR,
    name_ko="질의응답닫기",
)
async def qa_close(ctx: Context, session: str) -> Reply:
    """Close a session's Q&A by hand (it stays closed)."""
    s = one_session(ctx, session)
    await ctx.qa.set_open(s, False, ctx.user)
    return Reply(ctx.t("qa.closed_now", title=ctx.t.pick(s.title)))


@command(
    "qa-block",
    L("Stop a question's asker from asking again", "질문자의 추가 질문 차단"),
    options=[QUESTION_ID],
    role=Role.MODERATOR,
    name_ko="질문차단",
)
async def qa_block(ctx: Context, id: int) -> Reply:
    """Block the asker of question `id` (anonymous askers too, without revealing them)."""
    added = await ctx.qa.block(ctx.user, id)
    return Reply(ctx.t("qa.blocked_now" if added else "qa.blocked_already", id=id))


@command(
    "qa-export",
    L("Export a session's questions as a file", "세션 질문을 파일로 내보내기"),
    options=[
        session_option(True),
        Option(
            "format",
            L("csv or md", "csv 또는 md"),
            choices=(Choice("csv", L("CSV", "CSV")), Choice("md", L("Markdown", "마크다운"))),
            name_ko="형식",
        ),
    ],
    role=Role.MODERATOR,
    name_ko="질문내보내기",
)
async def qa_export(ctx: Context, session: str, format: str | None = None) -> Reply:
    """Every question of a session, with votes, status, time, author (unless anonymous)
    and a rejection's reason."""
    s = one_session(ctx, session)
    fmt = format or "csv"
    data = await ctx.qa.export(s.id, fmt, ctx.t.tz)
    mime = "text/csv" if fmt == "csv" else "text/markdown"
    counts = sum((await ctx.qa.counts(s.id)).values())
    return Reply(
        ctx.t("qa.exported", count=counts, title=ctx.t.pick(s.title)),
        file=Attachment(f"questions-{s.id}.{fmt}", data, f"{mime}; charset=utf-8"),
    )


@command(
    "qa-screen",
    L("Links to a session's presenter screen and moderator page", "발표 화면과 진행자 페이지 링크"),
    options=[session_option(False)],
    role=Role.MODERATOR,
    name_ko="질문화면",
)
async def qa_screen(ctx: Context, session: str | None = None) -> Reply:
    """Where the presenter screen and the moderators' web page are (the latter's link
    carries its token: it is shown to moderators only, privately)."""
    t = ctx.t
    s = await pick_session(ctx, session, for_asking=False)
    base = ctx.qa.web_url.rstrip("/")
    if not base:
        raise UserError("qa.no_web")
    token = ctx.qa.keys.token(f"moderate:{s.id}")
    speaker = ctx.qa.keys.token(f"speaker:{s.id}")
    audience = join_url(base, s.id)
    return Reply(
        card=Card(
            t("qa.screen_title", title=t.pick(s.title)),
            lines=(
                f"{t('qa.screen_present')}: {base}/present/{s.id}",
                f"{t('qa.screen_moderate')}: {base}/moderate/{s.id}?token={token}",
                f"{t('qa.screen_speaker')}: {base}/speaker-view/{s.id}?token={speaker}",
                f"{t('qa.screen_join')}: {audience}",
            ),
        ),
        file=_join_code(s.id, audience),
    )


def _join_code(session_id: str, url: str) -> Attachment | None:
    """The code the presenter screen shows, as a PNG for slides; none for an address too
    long to be read from a code (a FORUM_BOT_PUBLIC_URL of hundreds of characters)."""
    try:
        return Attachment(f"join-{session_id}.png", qr_png(url), "image/png")
    except TooLong:
        return None


COMMANDS = [
    ask,
    questions,
    myquestions,
    qa,
    qa_edit,
    qa_merge,
    qa_translate,
    qa_open,
    qa_close,
    qa_block,
    qa_export,
    qa_screen,
]
BUTTONS = [
    questions_page,
    vote_button,
    unvote_button,
    approve_button,
    reject_button,
    highlight_button,
    answered_button,
    edit_button,
    edit_saved,
    merge_button,
    merge_saved,
    translate_button,
]
