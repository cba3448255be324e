"""Live polls: a question with 2 to 10 options for a session (or the whole event), voted
on from every platform at once.

The rules live here (who votes how often, when a poll opens and closes); what makes a
poll well formed in `bot.polls.rules`; the tables in `bot.storage.polls`; what the bot
posts about it (the cards and their live counts, the final result) in `bot.polls.notices`.

A voter is known to the tables only by a keyed hash of their platform identity (purpose
"poll voter"): one ballot per person per platform, so one human on Discord and on Slack
is two voters. Live pages follow a poll through `hub`: every change publishes the
poll's key (`poll_topic`) and its session's (`scope_topic`), and `snapshot` gives the
state a page shows.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from bot.core.clock import Clock
from bot.core.errors import UserError
from bot.core.model import UserRef
from bot.core.text import clip
from bot.polls.rules import MINUTES_MAX, Draft, comparable
from bot.programme import Agenda, Session
from bot.qa.hub import Hub
from bot.qa.identity import Keys
from bot.storage import Store
from bot.storage import polls as db
from bot.storage.polls import CLOSED, OPEN, READY, Ballot, Poll

if TYPE_CHECKING:
    from bot.core.ports import PollNotices
    from bot.settings.event import PollConfig

log = logging.getLogger(__name__)

NOW, START, LATER = "now", "start", "later"
OPENS = (NOW, START, LATER)
EVENT_SCOPE = "event"  # the hub topic of polls for the whole event
# A closed poll's result stays on its session's screen this long (or until taken off).
RESULT_MINUTES = 5
SYSTEM = ("system", "forum-bot")


def poll_topic(poll_id: int) -> str:
    """The hub topic of one poll."""
    return f"poll:{poll_id}"


def scope_topic(session_id: str | None) -> str:
    """The hub topic of a session's polls (or the event's, for polls of no session)."""
    return f"polls:{session_id or EVENT_SCOPE}"


def snapshot(poll: Poll, *, reveal: bool = False) -> dict[str, Any]:
    """A poll as a live page shows it: its question and options in both languages, each
    option's count unless the counts are hidden (None then; `reveal` shows them to a
    moderator), whether it is open, how many voted, and its moments (ISO 8601, UTC)."""
    shown = reveal or poll.shows_counts
    return {
        "id": poll.id,
        "key": poll.key,
        "session": poll.session_id,
        "question": {"en": poll.question.en, "ko": poll.question.ko},
        "options": [
            {
                "position": o.position,
                "label": {"en": o.label.en, "ko": o.label.ko},
                "votes": o.votes if shown else None,
            }
            for o in poll.options
        ],
        "multiple": poll.multiple,
        "hidden": not shown,
        "status": poll.status,
        "open": poll.is_open,
        "voters": poll.voters,
        "votes": sum(o.votes for o in poll.options) if shown else None,
        "opened_at": _iso(poll.opened_at),
        "closes_at": _iso(poll.closes_at),
        "closed_at": _iso(poll.closed_at),
    }


def _iso(at: datetime | None) -> str | None:
    return at.isoformat() if at else None


class Polls:
    """The poll rules over the store; one per core."""

    def __init__(
        self, store: Store, clock: Clock, agenda: Callable[[], Agenda], keys: Keys
    ) -> None:
        self.store = store
        self.clock = clock
        self._agenda = agenda
        self.keys = keys
        self.hub = Hub()
        # What it posts (bot.polls.notices.PollNotices), when the bot runs its outbound
        # side; built around this service, so it joins it once made (Runtime.__init__).
        self.notices: PollNotices | None = None

    @property
    def agenda(self) -> Agenda:
        return self._agenda()

    def session_of(self, poll: Poll) -> Session | None:
        """The poll's session as the agenda has it now (None: the event's, or gone)."""
        return self.agenda.session(poll.session_id) if poll.session_id else None

    # -- making and running polls -------------------------------------------------------

    async def create(
        self,
        actor: UserRef,
        made: Draft,
        *,
        multiple: bool = False,
        hidden: bool = False,
        session: Session | None = None,
        opens: str = NOW,
        minutes: int | None = None,
    ) -> Poll:
        """A new poll, open now, ready to open at its session's start, or ready for a
        moderator to open (`opens`); closing after `minutes` once open. Refused whole
        (nothing stored) when it cannot run as asked."""
        now = self.clock.now()
        opens = self._when(opens, session, minutes, now)
        new = db.New(
            made.question,
            made.options,
            multiple=multiple,
            hidden=hidden,
            session_id=session.id if session else None,
            open_on_start=opens == START,
            minutes=minutes,
        )
        poll = await db.create(
            self.store,
            new,
            actor=actor.key,
            now=now,
            opened=self._closes(minutes, now) if opens == NOW else None,
        )
        log.info(
            "poll %d (%s) made by %s: %s",
            poll.id,
            poll.session_id or EVENT_SCOPE,
            actor.name or actor.key,
            poll.status,
        )
        await self._changed(poll)
        if poll.status == OPEN and self.notices is not None:
            await self.notices.opened(poll)
        return poll

    def _when(self, opens: str, session: Session | None, minutes: int | None, now: datetime) -> str:
        """When a new poll opens, or a refusal: `start` needs a session that has not ended
        (one under way opens the poll now)."""
        if opens not in OPENS:
            raise UserError("poll.bad_open", value=clip(opens, 20), choices=", ".join(OPENS))
        if minutes is not None and not 1 <= minutes <= MINUTES_MAX:
            raise UserError("poll.bad_minutes", max=MINUTES_MAX)
        if opens != START:
            return opens
        if session is None:
            raise UserError("poll.start_needs_session")
        if now >= session.end:
            raise UserError("poll.session_over", session=session.id)
        return NOW if now >= session.start else START

    def _closes(self, minutes: int | None, now: datetime) -> tuple[datetime, datetime | None]:
        return now, now + timedelta(minutes=minutes) if minutes else None

    async def declare(self, declared: Sequence[PollConfig]) -> None:
        """The event file's polls, each made once (found again by its id across restarts).
        One changed in the file is changed here while it has not opened; after that the
        stored one stays as people voted on it."""
        now = self.clock.now()
        for config in declared:
            if config.session is not None and self.agenda.session(config.session) is None:
                log.warning(
                    "poll %r: no session %r in the agenda; not made", config.id, config.session
                )
                continue
            new = db.New(
                config.question.to_l(),
                tuple(o.to_l() for o in config.options),
                multiple=config.multiple,
                hidden=config.hidden,
                session_id=config.session,
                key=config.id,
                open_on_start=config.opens() == START,
                minutes=config.minutes,
            )
            try:
                poll = await db.create(self.store, new, actor=SYSTEM[0], now=now)
            except db.KeyTaken as taken:
                stored = await db.get(self.store, taken.poll_id)
                if stored is None or _same(stored, new):
                    continue
                if await db.redefine(self.store, taken.poll_id, new, now):
                    log.info("poll %r (#%d) changed by the event file", config.id, taken.poll_id)
                    fresh = await db.get(self.store, taken.poll_id)
                    if fresh is not None:
                        await self._changed(fresh)
                else:
                    log.warning(
                        "poll %r (#%d) changed in the event file after it opened: the poll as "
                        "people voted on it stays",
                        config.id,
                        taken.poll_id,
                    )
                continue
            log.info("poll %r made from the event file as #%d", config.id, poll.id)
            await self._changed(poll)

    async def open(self, actor: UserRef | None, poll: Poll) -> Poll:
        """Open a poll that is ready (by hand, or at its session's start)."""
        if poll.status == OPEN:
            raise UserError("poll.already_open", id=poll.id)
        if poll.status == CLOSED:
            raise UserError("poll.already_closed", id=poll.id)
        now = self.clock.now()
        opened = await db.set_open(self.store, poll.id, now, self._closes(poll.minutes, now)[1])
        if opened is None:  # opened or closed meanwhile: say how it stands
            return await self.open(actor, await self.get(poll.id))
        log.info("poll %d opened by %s", poll.id, _who(actor))
        await self._changed(opened)
        if self.notices is not None:
            await self.notices.opened(opened)
        return opened

    async def close(self, actor: UserRef | None, poll: Poll) -> Poll:
        """Close a poll for good (one never opened too): no vote counts after this, and
        its results are shown to everyone."""
        if poll.status == CLOSED:
            raise UserError("poll.already_closed", id=poll.id)
        closed = await db.set_closed(self.store, poll.id, self.clock.now())
        if closed is None:
            raise UserError("poll.already_closed", id=poll.id)
        log.info("poll %d closed by %s: %d voters", poll.id, _who(actor), closed.voters)
        await self._changed(closed)
        if self.notices is not None and poll.status == OPEN:
            await self.notices.closed(closed)
        return closed

    async def _changed(self, poll: Poll) -> None:
        """A poll's state moved on: live pages hear of it, and the plan follows."""
        self._publish(poll)
        if self.notices is not None:
            await self.notices.replan()

    def _publish(self, poll: Poll) -> None:
        self.hub.publish(poll_topic(poll.id))
        self.hub.publish(scope_topic(poll.session_id))

    # -- the planner's moments ------------------------------------------------------------

    async def planned(self) -> list[tuple[str, int, datetime]]:
        """("open" or "close", poll, when) for every poll with a moment ahead: an opening
        at its session's start as the agenda has it now (a moved session moves it), a
        closing after its minutes."""
        found: list[tuple[str, int, datetime]] = []
        for poll in await db.planned(self.store):
            if poll.status == READY:
                s = self.session_of(poll)
                if s is not None:
                    found.append(("open", poll.id, s.start))
            elif poll.closes_at is not None:
                found.append(("close", poll.id, poll.closes_at))
        return found

    async def due(self, what: str, poll_id: int) -> None:
        """A planned moment has come: open the poll at its session's start (not once the
        session is over: then it waits for a moderator), or close it."""
        poll = await db.get(self.store, poll_id)
        if poll is None:
            return
        now = self.clock.now()
        if what == "open" and poll.status == READY and poll.open_on_start:
            s = self.session_of(poll)
            if s is None or now >= s.end:
                log.warning("poll %d did not open: its session is over or gone", poll.id)
                await db.unschedule(self.store, poll.id, now)
                await self._changed(poll)
                return
            await self.open(None, poll)
        elif what == "close" and poll.status == OPEN and poll.closes_at and poll.closes_at <= now:
            await self.close(None, poll)

    # -- voting --------------------------------------------------------------------------

    async def vote(self, user: UserRef, poll: Poll, position: int) -> Ballot:
        """A press of option `position`: single choice, it becomes the person's vote (in
        place of another); multiple choice, it is added, or taken back when chosen
        before. Refused on a poll that is not open."""
        if poll.option(position) is None:
            raise UserError("poll.no_option", id=poll.id, value=position, count=len(poll.options))
        self._votable(poll)
        ballot = await db.vote(
            self.store,
            poll.id,
            position,
            self.keys.poll_voter(user),
            multiple=poll.multiple,
            press=secrets.randbits(62),
        )
        after = ballot.poll
        if after is None:
            raise UserError("poll.unknown", ref=f"#{poll.id}")
        if not (ballot.added or ballot.removed):
            self._votable(after)  # closed as the vote came in
        else:
            self._publish(after)
            if self.notices is not None:
                self.notices.votes_changed(after)
        return ballot

    def _votable(self, poll: Poll) -> None:
        if poll.status == READY:
            raise UserError("poll.not_open", id=poll.id)
        if poll.status == CLOSED:
            raise UserError("poll.closed", id=poll.id)

    async def choices(self, user: UserRef, poll: Poll) -> tuple[int, ...]:
        """The options `user` has chosen in `poll`."""
        return await db.choices(self.store, poll.id, self.keys.poll_voter(user))

    async def chosen(self, user: UserRef, poll_ids: Sequence[int]) -> dict[int, tuple[int, ...]]:
        """The options `user` has chosen in each of these polls (a page's few on show)."""
        key = self.keys.poll_voter(user)
        return {pid: await db.choices(self.store, pid, key) for pid in poll_ids}

    # -- finding polls -------------------------------------------------------------------

    async def get(self, poll_id: int) -> Poll:
        """A poll by number, or a clear refusal."""
        poll = await db.get(self.store, poll_id)
        if poll is None:
            raise UserError("poll.unknown", ref=f"#{poll_id}")
        return poll

    async def find(self, ref: str) -> Poll:
        """The poll `ref` names: its number ("3", "#3") or its event-file id."""
        text = ref.strip()
        number = text.removeprefix("#")
        if number.isdigit() and len(number) <= 9:
            return await self.get(int(number))
        poll = await db.by_key(self.store, text.lower()[:64]) if text else None
        if poll is None:
            raise UserError("poll.unknown", ref=clip(text, 40))
        return poll

    @staticmethod
    def option_of(poll: Poll, ref: str) -> int:
        """The option `ref` names: its number, or its text in either language (case and
        spacing aside)."""
        text = ref.strip().removeprefix("#").rstrip(".")
        if text.isdigit() and len(text) <= 3:
            position = int(text)
            if poll.option(position) is None:
                raise UserError(
                    "poll.no_option", id=poll.id, value=position, count=len(poll.options)
                )
            return position
        wanted = comparable(ref)
        for o in poll.options:
            if wanted in (comparable(o.label.en), comparable(o.label.ko)):
                return o.position
        raise UserError(
            "poll.no_option", id=poll.id, value=clip(ref.strip(), 40), count=len(poll.options)
        )

    async def listing(self, session_id: str | None = None, limit: int = 50) -> list[Poll]:
        """The newest polls first: a session's and the event's, or all of them."""
        return await db.listing(self.store, session_id, limit)

    # -- what pages and exports show -------------------------------------------------------

    async def snapshot(self, poll_id: int, *, reveal: bool = False) -> dict[str, Any]:
        """A poll's live state (`snapshot`) with the hub version it was read at: a page
        that waits on `hub` for `poll_topic(poll_id)` past that version reads it again."""
        version = self.hub.version(poll_topic(poll_id))  # before the read: a change moves it
        state = snapshot(await self.get(poll_id), reveal=reveal)
        state["version"] = version
        return state

    async def on_screen(self, session_id: str) -> list[dict[str, Any]]:
        """What a session's screen (and its audience's page) shows: its open polls and
        the event's, newest first; else the one that closed last, with its results, for
        RESULT_MINUTES after it closed unless a moderator took it off (`take_off`)."""
        polls = await db.listing(self.store, session_id, limit=20)
        shown = [p for p in polls if p.status == OPEN]
        if not shown:
            since = self.clock.now() - timedelta(minutes=RESULT_MINUTES)
            closed = [
                p
                for p in polls
                if p.status == CLOSED and p.closed_at is not None and p.closed_at > since
            ]
            last = max(closed, key=lambda p: (p.closed_at, p.id), default=None)
            if last is not None and not await db.taken_off(self.store, last.id, session_id):
                shown = [last]
        return [snapshot(p) for p in shown]

    async def take_off(self, poll: Poll, session_id: str) -> None:
        """A moderator of `session_id` moves on from a closed poll's result: that
        session's screen shows its Q&A again (an event's poll stays on the others' until
        their moderators move on). Kept in the database: every instance serves screens."""
        if poll.status != CLOSED:
            raise UserError("poll.screen_open", id=poll.id)
        await db.take_off(self.store, poll.id, session_id, self.clock.now())
        self.hub.publish(scope_topic(session_id))

    async def export(self, polls: Sequence[Poll], tz: ZoneInfo) -> bytes:
        """Polls as CSV (UTF-8 with BOM, for spreadsheets): one row per option."""
        # Imported at the first export, a moderator's rare command.
        from bot.polls.export import polls_csv

        return polls_csv(polls, tz)


def _same(stored: Poll, new: db.New) -> bool:
    """Whether a stored poll is what an event file declares."""
    return (
        stored.question == new.question
        and tuple(o.label for o in stored.options) == new.options
        and (stored.multiple, stored.hidden, stored.session_id, stored.minutes)
        == (new.multiple, new.hidden, new.session_id, new.minutes)
        and (stored.status != READY or stored.open_on_start == new.open_on_start)
    )


def _who(actor: UserRef | None) -> str:
    return "the planner" if actor is None else (actor.name or actor.key)
