"""/ics: the programme, your sessions or one session as a calendar file (.ics); /calendar:
a live feed of them that a calendar app subscribes to (served by bot/web/feeds.py)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from bot.core.context import Context
from bot.core.errors import UserError
from bot.core.model import Attachment, Card, Reply, Text, joined
from bot.core.registry import Choice, Option, command
from bot.i18n import L
from bot.programme import Session
from bot.qa.join import leads_to_itself
from bot.storage import feeds
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


_RESET = "reset"


@command(
    "calendar",
    L(
        "Subscribe to your sessions in your calendar app (kept up to date)",
        "캘린더 앱에서 내 세션 구독 (자동으로 갱신)",
    ),
    options=[
        Option(
            "what",
            L(
                "mine (your /remind sessions), all (the whole programme), or reset (a new link)",
                "mine(내 알림 세션), all(전체 일정) 또는 reset(새 링크)",
            ),
            choices=(
                Choice(feeds.MINE, L("my /remind sessions", "내 알림 세션")),
                Choice(feeds.ALL, L("the whole programme", "전체 일정")),
                Choice(_RESET, L("a new link; the old one stops", "새 링크 (이전 링크는 중지)")),
            ),
            name_ko="선택",
        )
    ],
    name_ko="캘린더구독",
)
async def calendar(ctx: Context, what: str | None = None) -> Reply:
    """The person's private feed address (webcal:// and https://): their /remind sessions
    or the whole programme, as chosen (kept until changed); `reset` revokes the address
    and gives a new one."""
    t = ctx.t
    base = ctx.qa.web_url
    if not base:
        raise UserError("calendar.no_web")
    scope = what if what in feeds.SCOPES else None
    feed, token = await feeds.issue(
        ctx.store,
        ctx.qa.keys.token,
        ctx.user.key,
        ctx.clock.now(),
        scope=scope,
        reset=what == _RESET,
    )
    url = f"{base}/calendar/{token}.ics"
    webcal = "webcal://" + url.split("://", 1)[1]
    if feed.scope == feeds.ALL:
        shows = t("calendar.all", count=len(ctx.agenda.sessions))
    else:
        subs = await of_user(ctx.store, ctx.user.key)
        count = sum(1 for sub in subs if ctx.agenda.session(sub.session_id) is not None)
        shows = t("calendar.mine", count=count) if count else t("calendar.mine_empty")
    lines = [
        shows,
        f"{t('calendar.webcal')}: {webcal}",
        f"{t('calendar.https')}: {url}",
        *([t("calendar.reset")] if what == _RESET else []),
        t("calendar.private"),
        # FORUM_BOT_PUBLIC_URL unset: the address is where the bot listens (127.0.0.1).
        *([t("calendar.local")] if leads_to_itself(base) else []),
        t("calendar.public", url=f"{base}/calendar.ics"),
    ]
    return Reply(card=Card(t("calendar.title"), lines=tuple(lines), footer=t("calendar.how")))
