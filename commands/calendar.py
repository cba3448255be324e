"""/ics: the programme, your sessions or one session as a calendar file (.ics)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from bot.core.context import Context
from bot.core.model import Attachment, Reply, Text, joined
from bot.core.registry import Option, command
from bot.i18n import L
from bot.programme import Session
from bot.storage.subscriptions import of_user
from commands.reminders import one_session
from commands.render import moment

MIME = "text/calendar; charset=utf-8"
_ALL = frozenset({"all", "everything", "전체", "모두"})
_MINE = frozenset({"mine", "my", "me", "내", "나", "내것", "내세션", "내일정"})


@command(
    "ics",
    L("Add sessions to your calendar (.ics file)", "세션을 내 캘린더에 추가 (.ics 파일)"),
    options=[
        Option(
            "which",
            L(
                "all (default), mine (your /remind sessions), or a session id or title",
                "all(전체, 기본), mine(내 알림 세션) 또는 세션 ID·제목",
            ),
            autocomplete="session",
            name_ko="대상",
        )
    ],
    name_ko="캘린더",
)
async def ics(ctx: Context, which: str | None = None) -> Reply:
    """A calendar file of the whole programme, the user's reminded sessions, or one session."""
    from bot.programme.importing import slug

    t = ctx.t
    word = (which or "all").strip().lower()
    event = ctx.config.event
    base = slug((event.short_name or event.name).en)
    name = t.pick((event.short_name or event.name).to_l())
    if word in _ALL:
        sessions = list(ctx.agenda.sessions)
        text = t("ics.all", count=len(sessions))
        return await _file(ctx, sessions, f"{base}.ics", name, text)
    if word in _MINE:
        subs = await of_user(ctx.store, ctx.user.key)
        found = (ctx.agenda.session(sub.session_id) for sub in subs)
        mine = sorted((s for s in found if s is not None), key=lambda s: (s.start, s.id))
        if not mine:
            return Reply(t("ics.mine_empty"))
        text = t("ics.mine", count=len(mine))
        # The calendar rings when the bot's DM would: at each session's /remind offset.
        alarms = {sub.session_id: sub.minutes for sub in subs}
        calname = t("ics.name_mine", event=name)
        return await _file(ctx, mine, f"{base}-mine.ics", calname, text, alarms)
    s = one_session(ctx, which or "")
    one = t.rich("ics.one", title=t.pick(s.title), when=moment(ctx, s.start))
    return await _file(ctx, [s], f"{base}-{s.id}.ics", name, one)


async def _file(
    ctx: Context,
    sessions: Sequence[Session],
    filename: str,
    calendar_name: str,
    text: Text,
    alarms: Mapping[str, int] | None = None,
) -> Reply:
    # icalendar (with dateutil) is a few MiB that every running bot would keep for a
    # command few people use: it is imported at the first /calendar, with what only
    # /calendar uses.
    from bot.programme.ical import to_ics
    from bot.storage.calendar import sequences

    now = ctx.clock.now()
    numbers = await sequences(ctx.store, sessions, now)
    data = to_ics(
        ctx.agenda,
        sessions,
        sequences=numbers,
        now=now,
        calendar_name=calendar_name,
        alarms=alarms,
    )
    how = f" {ctx.t('ics.how')}"
    return Reply(joined(text, how), file=Attachment(filename, data, MIME))
