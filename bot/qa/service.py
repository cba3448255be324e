"""Live Q&A: one pool of questions per session for everyone, on every platform.

The rules live here (when a session takes questions, length, pace, duplicates, blocks,
which moderation step may follow which); the tables in `bot.storage.qa`; what the bot
posts about it in `bot.qa.notices`; the presenter screen in `bot.web.present`.

Anonymity: an anonymous question keeps no platform user id (only which platform it came
from). People are known to the Q&A
tables only by keyed hashes (HMAC-SHA256 with a secret that is not in the database), one
kind per purpose, so no column links an anonymous question to a named person:
- `author`: stored on an anonymous question; finds your own anonymous questions, and
  is what blocking an anonymous question blocks;
- `voter`: on votes, so each person votes once;
- `block`: what blocking a named question's asker stores.
"""

from __future__ import annotations

import asyncio
import logging
import re
import unicodedata
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from bot.core.clock import Clock
from bot.core.errors import UserError
from bot.core.model import UserRef
from bot.core.ports import MachineTranslator, QANotices
from bot.core.text import FORBIDDEN, clip
from bot.i18n import LANGUAGES, L
from bot.programme import Agenda, Session
from bot.qa.hub import Hub
from bot.qa.identity import Keys
from bot.qa.language import detect
from bot.settings import QAConfig
from bot.storage import Store
from bot.storage import qa as db
from bot.storage.qa import (
    ANSWERED,
    APPROVED,
    BY_MODERATOR,
    MERGED,
    PENDING,
    REJECTED,
    Duplicate,
    Question,
    Translation,
)
from bot.translation import TranslationFailed

log = logging.getLogger(__name__)
# Askers whose last question time is kept before those outside the pace are forgotten.
_KEEP_ASKERS = 10_000
_T = TypeVar("_T")

# Which moderation step may follow which: action -> (statuses it applies to, new status).
STEPS: dict[str, tuple[tuple[str, ...], str]] = {
    "approve": ((PENDING, REJECTED), APPROVED),
    "reject": ((PENDING, APPROVED), REJECTED),
    "highlight": ((PENDING, APPROVED, ANSWERED), APPROVED),
    "answered": ((PENDING, APPROVED), ANSWERED),
}
VISIBLE = (APPROVED, ANSWERED)
_NO_STATE = db.SessionState(None, None, None, None)
REASON_MAX = 200


@dataclass(frozen=True)
class Status:
    """Whether a session takes questions now, and why."""

    open: bool
    manual: bool
    opens_at: datetime | None
    closes_at: datetime | None
    moderated: bool


@dataclass(frozen=True)
class Asked:
    """What became of a question someone asked."""

    question: Question
    duplicate: bool = False
    voted: bool = False  # a duplicate counted as the asker's up-vote (now or once approved)

    @property
    def reply_key(self) -> str:
        """The message that tells the asker of a duplicate how it truly stands (given
        the question's `id` and `votes`)."""
        status = self.question.status
        if status == ANSWERED:
            return "qa.duplicate_answered"
        pending = "_pending" if status == PENDING else ""
        return ("qa.duplicate_voted" if self.voted else "qa.duplicate_already") + pending


def next_steps(status: str, highlighted: bool) -> tuple[str, ...]:
    """The moderation actions that apply to a question in `status` (in STEPS' order):
    what its moderators' notice offers as buttons."""
    return tuple(
        action
        for action, (allowed, _) in STEPS.items()
        if status in allowed and not (action == "highlight" and highlighted)
    )


def normalise(text: str) -> str:
    """The same question typed differently ("What's X?" / "what is x") compares equal
    after this: compatibility forms, case, punctuation and spacing do not count."""
    text = unicodedata.normalize("NFKC", text).casefold()
    text = re.sub("['’]", "", text)  # "what's" and "whats" are the same word
    text = re.sub(r"[\W_]+", " ", text)
    return " ".join(text.split())


class QA:
    """The Q&A rules over the store; one per core."""

    def __init__(
        self,
        store: Store,
        clock: Clock,
        agenda: Callable[[], Agenda],
        config: QAConfig,
        secret: bytes,
        machine: MachineTranslator | None = None,
    ) -> None:
        self.store = store
        self.clock = clock
        self._agenda = agenda
        self.config = config
        self.keys = Keys(secret)
        self.hub = Hub()
        # Last question time per person: memory only, so it links nobody to anything on
        # disk (a restart forgets a 30-second limit, which is harmless). With several
        # instances each keeps its own: someone whose requests reach two of them may ask
        # twice within the pace, no more than once per instance; blocks and duplicates
        # are checked in the database, so the limit only slows a flood, and that holds.
        self._last_ask: dict[str, datetime] = {}
        # What it posts (bot.qa.notices.Notices), when the bot runs its outbound side;
        # built around this service, so it joins it once made (Runtime.__init__).
        self.notices: QANotices | None = None
        # The moderators' per-session settings, read on every /ask and /questions: kept
        # here, read again after a write here and once the hub has heard that another
        # instance changed something (`Hub.heard`, on PostgreSQL): a setting made there
        # holds here a notice's round trip later.
        self._states: dict[str, db.SessionState] | None = None
        self._states_heard = 0
        # Query results shared while their session has not changed (see `listing`).
        self._results: dict[tuple[Any, ...], tuple[int, asyncio.Future[Any]]] = {}
        # Each session's counts per status and the hub version they were read at.
        self._tallies: dict[str, tuple[int, dict[str, int]]] = {}
        # Where the web server answers (for links to the presenter screen), once it runs.
        self.web_url = ""
        # The machine-translation provider, when one is configured (FORUM_BOT_TRANSLATE).
        self.machine = machine
        # Translations made in the background (on approval, after an edit): kept so they
        # finish or are cancelled at shutdown, and tests can wait for them.
        self._background: set[asyncio.Task[None]] = set()

    @property
    def agenda(self) -> Agenda:
        return self._agenda()

    def session(self, session_id: str) -> Session:
        found = self.agenda.session(session_id)
        if found is None:
            raise UserError("qa.no_session", query=clip(session_id, 60))
        return found

    # -- when a session takes questions --------------------------------------------------

    async def status(self, s: Session, now: datetime | None = None) -> Status:
        """Open from a Q&A session's start until `close_after_minutes` after its end,
        unless a moderator opened or closed it by hand."""
        now = now or self.clock.now()
        st = await self._state(s.id)
        moderated = st.moderated if st.moderated is not None else s.qa_moderated
        closes = s.end + timedelta(minutes=self.config.close_after_minutes)
        if st.state is not None and (st.until is None or now < st.until):
            is_open = st.state == "open"
            return Status(is_open, True, None, st.until if is_open else None, moderated)
        if s.qa and s.start <= now < closes:
            return Status(True, False, s.start, closes, moderated)
        opens = s.start if s.qa and now < s.start else None
        return Status(False, False, opens, closes if s.qa else None, moderated)

    async def open_sessions(self, now: datetime | None = None) -> list[Session]:
        """Every session taking questions now."""
        now = now or self.clock.now()
        manual = set(await self._all_states())
        found = []
        for s in self.agenda.sessions:
            if (s.qa or s.id in manual) and (await self.status(s, now)).open:
                found.append(s)
        return found

    async def set_open(
        self, s: Session, is_open: bool, actor: UserRef, moderated: bool | None = None
    ) -> Status:
        """A moderator opens (until the session's usual close, or for good once that has
        passed) or closes (for good) a session's Q&A."""
        now = self.clock.now()
        closes = s.end + timedelta(minutes=self.config.close_after_minutes)
        until = closes if is_open and closes > now else None
        try:
            await db.set_state(
                self.store, s.id, "open" if is_open else "closed", until, now, moderated
            )
        finally:
            self._states = None
        log.info(
            "Q&A of %s %s by %s", s.id, "opened" if is_open else "closed", actor.name or actor.key
        )
        self.hub.publish(s.id)
        return await self.status(s, now)

    # -- participants --------------------------------------------------------------------

    async def ask(
        self,
        user: UserRef,
        s: Session,
        text: str,
        *,
        anonymous: bool,
        pick: Callable[[L], str] = lambda text: text.en,
    ) -> Asked:
        """Take a question, or refuse it with a UserError that says why (`pick` chooses
        the asker's language for a session title in that message)."""
        now = self.clock.now()
        body, norm = self._well_formed(text)
        status = await self.status(s, now)
        if not status.open:
            raise UserError("qa.closed", title=pick(s.title))
        keys = (self.keys.block(user), self.keys.author(user))
        await self._not_too_soon(user, keys, now)
        try:
            q = await db.add_question(
                self.store,
                session_id=s.id,
                body=body,
                norm=norm,
                anonymous=anonymous,
                author_key=self.keys.author(user) if anonymous else None,
                author=None if anonymous else (user.platform, user.id, user.name or user.id),
                platform=user.platform,
                status=PENDING if status.moderated else APPROVED,
                now=now,
                block_keys=keys,
                lang=self.language_of(body),
            )
        except db.Blocked:
            raise UserError("qa.blocked") from None
        except Duplicate as dup:
            return await self._asked_again(user, dup.existing, keys)
        self.hub.publish(s.id)
        if self.notices is not None:
            await self.notices.asked(q)
        if q.status == APPROVED:
            await self._translate_later(q)
        return Asked(q)

    def _well_formed(self, text: str) -> tuple[str, str]:
        """The question as stored (one line) and as compared for duplicates, or a refusal
        saying it is too short or too long (or holds invisible controls: a moderator's
        edit from a page that did not clean it)."""
        if FORBIDDEN.search(text):
            raise UserError("error.control_chars")
        body = " ".join(text.split())
        norm = normalise(body)
        if len(body) < self.config.min_length or not norm:
            raise UserError("qa.too_short", min=self.config.min_length)
        if len(body) > self.config.max_length:
            raise UserError("qa.too_long", max=self.config.max_length, length=len(body))
        return body, norm

    async def _not_too_soon(self, user: UserRef, keys: tuple[str, str], now: datetime) -> None:
        """Refuse a second question within the pace the event sets (saying how long to
        wait, or that the asker is blocked, the truer answer of the two)."""
        last = self._last_ask.get(user.key)
        if last is not None and now - last < timedelta(seconds=self.config.rate_seconds):
            if await db.is_blocked(self.store, keys):
                raise UserError("qa.blocked")
            wait = self.config.rate_seconds - int((now - last).total_seconds())
            raise UserError("qa.slow_down", seconds=max(1, wait))
        if len(self._last_ask) >= _KEEP_ASKERS:
            # Only the pace's window matters: forget whoever asked before it, so many
            # askers (a script making web devices) cannot grow this without end.
            window = timedelta(seconds=self.config.rate_seconds)
            self._last_ask = {k: t for k, t in self._last_ask.items() if now - t < window}
        self._last_ask[user.key] = now

    async def _asked_again(self, user: UserRef, existing: Question, keys: tuple[str, str]) -> Asked:
        """A question asked before: the asker's vote goes to it instead."""
        if await db.is_blocked(self.store, keys):
            raise UserError("qa.blocked") from None
        existing = await self._surviving(existing)
        if existing.status == REJECTED:
            raise UserError("qa.duplicate_rejected", id=existing.id) from None
        # A question still waiting for approval takes the vote too: kept now, it counts
        # once the question is approved (an answered one takes none).
        voted, after = await db.vote(
            self.store, existing.id, self.keys.voter(user), add=True, pending_too=True
        )
        fresh = after or existing
        if fresh.status == REJECTED:  # rejected meanwhile
            raise UserError("qa.duplicate_rejected", id=existing.id) from None
        if voted:
            self._changed(fresh, votes=True)
        return Asked(fresh, duplicate=True, voted=voted)

    async def question(self, question_id: int) -> Question:
        """A question by number, or a clear refusal."""
        q = await db.get(self.store, question_id)
        if q is None:
            raise UserError("qa.no_question", id=question_id)
        return q

    async def vote(self, user: UserRef, question_id: int, *, add: bool) -> tuple[bool, Question]:
        """Up-vote (or withdraw); (False, question) when it changed nothing."""
        # One trip: the store refuses a vote on a question that is not approved and
        # gives the question back as the vote left it.
        changed, q = await db.vote(self.store, question_id, self.keys.voter(user), add=add)
        if q is None:
            raise UserError("qa.no_question", id=question_id)
        if changed:
            self._changed(q, votes=True)
        elif q.status == MERGED:
            raise UserError("qa.vote_merged", id=question_id, into=q.merged_into)
        elif q.status not in VISIBLE:
            raise UserError("qa.not_votable", id=question_id)
        elif add and q.status == ANSWERED:
            raise UserError("qa.already_answered", id=question_id)
        return changed, q

    async def voted(self, user: UserRef, question_ids: list[int]) -> set[int]:
        """Which of these questions `user` has up-voted (for a page's vote buttons)."""
        return await db.voted(self.store, self.keys.voter(user), question_ids[:100])

    async def listing(
        self, session_id: str, order: str = "top", limit: int = 10, *, pending: bool = False
    ) -> list[Question]:
        """A session's approved (or waiting) questions, by votes or newest first.

        Lists are most of the Q&A's traffic and come in crowds: one query serves every
        list of the same session asked while nothing changed (the hub's version says so),
        including those asked while it runs. Callers get a shared list: do not change it.
        """
        status = PENDING if pending else APPROVED
        return await self.shared(
            (session_id, status, order, limit),
            session_id,
            lambda: db.listing(self.store, session_id, status, order, limit),
        )

    async def page(
        self,
        session_id: str,
        order: str,
        page: int,
        per_page: int,
        *,
        pending: bool = False,
        leave_out: int | None = None,
    ) -> tuple[int, int, list[Question]]:
        """One page of a session's list as `listing` orders it, `per_page` a page, without
        `leave_out` (the question on screen): (that page, or the last when there are
        fewer; how many questions in all; the page's questions). Shared like `listing`.

        A long list is read a page at a time: a vote changes the list, and reading
        (and showing) every question for each of the crowd's next lists would cost in
        proportion to the whole session."""
        status = PENDING if pending else APPROVED
        left = -1 if leave_out is None else leave_out

        async def read() -> tuple[int, int, list[Question]]:
            at = max(page, 1)
            left_out, found = await db.window(
                self.store, session_id, status, order, (at - 1) * per_page, per_page, left
            )
            # Counted from the tallies, which a vote does not make stale: a COUNT of
            # the session at every vote would cost in proportion to its questions.
            total = (await self.counts(session_id)).get(status, 0) - left_out
            last = max(1, -(-total // per_page))
            if at > last:  # fewer questions since the page was offered: show the last
                at = last
                _, found = await db.window(
                    self.store, session_id, status, order, (at - 1) * per_page, per_page, left
                )
            return at, total, found

        key = (session_id, status, order, page, per_page, left)
        return await self.shared(key, session_id, read)

    async def shared(
        self, key: tuple[Any, ...], session_id: str, query: Callable[[], Awaitable[_T]]
    ) -> _T:
        """What `query` gives, shared by every caller with the same `key` while the
        session has not changed (and by those that ask while it runs)."""
        # The version is read before the query: a change that lands during the query
        # moves it on, and the next caller queries again.
        version = self.hub.version(session_id)
        found = self._results.get(key)
        if found is None or found[0] != version:
            if len(self._results) > 1000:
                self._results.clear()  # a bound; each entry is one session's list
            task: asyncio.Future[Any] = asyncio.ensure_future(query())
            task.add_done_callback(_forget_failure)
            found = (version, task)
            self._results[key] = found
        try:
            result: _T = await asyncio.shield(found[1])
        except asyncio.CancelledError:
            raise
        except Exception:
            if self._results.get(key) is found:
                del self._results[key]  # the next caller tries again
            raise
        return result

    async def mine(self, user: UserRef) -> list[Question]:
        """A person's own questions, named and anonymous, newest first."""
        named = await db.by_author(self.store, user.platform, user.id)
        anonymous = await db.by_author_key(self.store, self.keys.author(user))
        return sorted(named + anonymous, key=lambda q: q.id, reverse=True)[:20]

    # -- moderators ------------------------------------------------------------------------

    async def moderate(
        self, actor: UserRef, question_id: int, action: str, reason: str | None = None
    ) -> db.Change:
        """Approve, reject, highlight, mark answered, or undo; logged with who did it."""
        q = await self.question(question_id)
        who = (actor.key, actor.name or actor.id)
        self._states = None  # the highlight may change below
        if action == "undo":
            try:
                undone = await db.undo(self.store, question_id, actor=who, now=self.clock.now())
            except db.Refused as exc:
                raise UserError(exc.key, **exc.params) from None
            except db.Taken as exc:
                raise UserError("qa.undo_taken", id=question_id, other=exc.other) from None
            if undone is None:
                raise UserError("qa.nothing_to_undo", id=question_id)
            change = undone
        else:
            allowed, to_status = STEPS[action]
            highlighted = (await self._state(q.session_id)).highlight_id
            if action == "highlight" and highlighted == q.id:
                raise UserError("qa.already_highlighted", id=question_id)
            if q.status == MERGED:
                raise UserError("qa.already_merged", id=question_id, into=q.merged_into)
            if q.status not in allowed:
                raise UserError(f"qa.already_{q.status}", id=question_id)
            highlight = True if action == "highlight" else (False if action != "approve" else None)
            clean = clip(" ".join(reason.split()), REASON_MAX) if reason else None
            change = await db.moderate(
                self.store,
                question_id,
                action,
                to_status,
                highlight=highlight,
                actor=who,
                reason=clean,
                now=self.clock.now(),
            )
        self._states = None
        log.info(
            "Q&A %s of question %d (%s -> %s) by %s",
            change.action,
            question_id,
            change.from_status,
            change.to_status,
            who[1],
        )
        await self._published(change)
        if change.to_status == APPROVED and change.from_status in (PENDING, REJECTED):
            await self._translate_later(change.question)
        return change

    async def _published(self, change: db.Change) -> None:
        """A moderator's change reaches the live pages and every platform's cards."""
        self.hub.publish(change.question.session_id)
        if self.notices is not None:
            await self.notices.moderated(change)

    async def block(self, actor: UserRef, question_id: int) -> bool:
        """Stop the asker of a question (anonymous ones too) from asking again."""
        q = await self.question(question_id)
        if q.anonymous:
            key = await db.author_key_of(self.store, question_id)
        else:
            key = self.keys.block(UserRef(q.author_platform or "", q.author_id or ""))
        if not key:
            raise UserError("qa.no_question", id=question_id)
        added = await db.block(self.store, key, self.clock.now())
        if added:
            await db.log_action(
                self.store,
                question_id,
                "block",
                q.status,
                (actor.key, actor.name or actor.id),
                None,
                self.clock.now(),
            )
            log.info("Q&A: the asker of question %d blocked by %s", question_id, actor.key)
        return added

    # -- edit, merge, translate ---------------------------------------------------------

    def language_of(self, text: str) -> str:
        """The event's language `text` is written in (the default one when its letters
        say nothing)."""
        return detect(text, LANGUAGES) or self.agenda.event.default_language

    def targets(self, q: Question) -> list[str]:
        """The languages a question can be translated into: the event's others."""
        own = q.lang or self.agenda.event.default_language
        return [lang for lang in LANGUAGES if lang != own]

    def _who(self, actor: UserRef) -> tuple[str, str]:
        return (actor.key, actor.name or actor.id)

    async def edit(self, actor: UserRef, question_id: int, text: str) -> db.Change:
        """Correct a question's text (the text as asked stays in its history and the
        export; its asker sees that it was edited). Machine translations follow the new
        text; a moderator's typed ones stay until they are typed again."""
        q = await self._editable(question_id)
        body, norm = self._well_formed(text)
        if body == q.body:
            raise UserError("qa.edit_same", id=question_id)
        change = await self._revise(
            question_id, body=(body, norm), lang=self.language_of(body), actor=actor
        )
        if change is None:
            raise UserError("qa.edit_same", id=question_id)
        log.info("Q&A question %d edited by %s", question_id, actor.name or actor.key)
        await self._published(change)
        if any(t.machine for t in change.question.translations.values()):
            self._retranslate_later(change.question)
        return change

    async def translate(
        self,
        actor: UserRef,
        question_id: int,
        lang: str | None = None,
        text: str | None = None,
    ) -> db.Change:
        """Give a question a translation: `text` typed by a moderator into `lang` (the
        only other language when there is one), or, without `text`, the provider's into
        `lang` or every other language. A provider that fails, slowly or with an error,
        leaves the question as it was and says why."""
        q = await self._editable(question_id)
        if lang is not None and lang not in LANGUAGES:
            raise UserError(
                "qa.translate_language", lang=clip(lang, 10), langs=", ".join(LANGUAGES)
            )
        if lang is not None and lang not in self.targets(q):
            # Its own language: a translation into it would only stand beside the text.
            raise UserError(
                "qa.translate_own", id=question_id, lang=lang, langs=", ".join(self.targets(q))
            )
        if text is None:
            change = await self._machine(q, [lang] if lang else None, actor, undoable=True)
        else:
            targets = [lang] if lang else self.targets(q)
            if len(targets) != 1:
                raise UserError("qa.translate_which", langs=", ".join(targets))
            change = await self._revise(
                question_id,
                translations={targets[0]: Translation(self._translation(text), BY_MODERATOR)},
                actor=actor,
            )
        if change is None:
            raise UserError("qa.translation_same", id=question_id)
        log.info("Q&A question %d translated by %s", question_id, actor.name or actor.key)
        await self._published(change)
        return change

    async def revise(
        self, actor: UserRef, question_id: int, text: str, translations: dict[str, str]
    ) -> db.Change | None:
        """A moderator's form: the question's text and its typed translations at once
        (an empty translation removes it); one change in the history, undone at once.
        None when it changed nothing."""
        q = await self._editable(question_id)
        body, norm = self._well_formed(text)
        wanted: dict[str, Translation | None] = {}
        for lang, typed in translations.items():
            if lang not in LANGUAGES or lang == (q.lang or self.agenda.event.default_language):
                continue
            old = q.translations.get(lang)
            typed = " ".join(typed.split())
            if old is not None and typed == old.text:
                continue  # as it was: a machine translation stays the machine's
            wanted[lang] = Translation(self._translation(typed), BY_MODERATOR) if typed else None
        change = await self._revise(
            question_id,
            body=(body, norm),
            lang=self.language_of(body) if body != q.body else None,
            translations=wanted,
            actor=actor,
        )
        if change is None:
            return None
        await self._published(change)
        if body != q.body and any(t.machine for t in change.question.translations.values()):
            self._retranslate_later(change.question)
        return change

    @property
    def translation_limit(self) -> int:
        """The longest translation kept, typed or a machine's: four times a question (an
        English sentence takes two to three times the letters of its Korean), within what
        a Slack form's field holds (3,000), so the Edit form shows it whole."""
        return min(3000, 4 * self.config.max_length)

    def _translation(self, text: str) -> str:
        if FORBIDDEN.search(text):
            raise UserError("error.control_chars")
        text = " ".join(text.split())
        if not text:
            raise UserError("qa.translation_empty")
        limit = self.translation_limit
        if len(text) > limit:
            raise UserError("qa.too_long", max=limit, length=len(text))
        return text

    async def merge(self, actor: UserRef, question_id: int, into: int) -> db.Change:
        """Merge question `question_id` into `into`: its voters count for `into` (a person
        who voted for both, once), it leaves the lists, and its asker is told where it
        went. Undo (on `question_id`) takes it all back."""
        q = await self.question(question_id)
        await self.question(into)
        try:
            change = await db.merge(
                self.store, question_id, into, actor=self._who(actor), now=self.clock.now()
            )
        except db.Refused as exc:
            raise UserError(exc.key, **exc.params) from None
        except LookupError:
            raise UserError("qa.no_question", id=into) from None
        self._states = None  # a highlight on it has ended
        log.info("Q&A question %d merged into %d by %s", q.id, into, actor.name or actor.key)
        await self._published(change)
        return change

    async def set_auto_translate(self, s: Session, on: bool) -> None:
        """Whether a session's questions are machine-translated as they are approved."""
        try:
            await db.set_auto_translate(self.store, s.id, on, self.clock.now())
        finally:
            self._states = None
        self.hub.publish(s.id)

    async def auto_translates(self, session_id: str) -> bool:
        """Whether approved questions of a session are translated as they come (needs a
        provider; the event file's default unless a moderator set it)."""
        if self.machine is None:
            return False
        chosen = (await self._state(session_id)).auto_translate
        return self.config.auto_translate if chosen is None else chosen

    async def _editable(self, question_id: int) -> Question:
        q = await self.question(question_id)
        if q.status == MERGED:
            raise UserError("qa.already_merged", id=question_id, into=q.merged_into)
        return q

    async def _surviving(self, q: Question) -> Question:
        """The question a merged one now counts for (following merges of merges)."""
        seen = {q.id}
        while q.status == MERGED and q.merged_into is not None and q.merged_into not in seen:
            seen.add(q.merged_into)
            found = await db.get(self.store, q.merged_into)
            if found is None:
                break
            q = found
        return q

    async def _revise(
        self,
        question_id: int,
        *,
        actor: UserRef | tuple[str, str],
        undoable: bool = True,
        expect_body: str | None = None,
        **change: Any,
    ) -> db.Change | None:
        who = self._who(actor) if isinstance(actor, UserRef) else actor
        try:
            return await db.revise(
                self.store,
                question_id,
                actor=who,
                now=self.clock.now(),
                expect_body=expect_body,
                undoable=undoable,
                **change,
            )
        except db.Taken as exc:
            raise UserError("qa.edit_taken", id=question_id, other=exc.other) from None
        except LookupError:
            raise UserError("qa.no_question", id=question_id) from None

    async def _machine(
        self,
        q: Question,
        targets: list[str] | None,
        actor: UserRef | tuple[str, str],
        *,
        undoable: bool,
        keep_typed: bool = False,
    ) -> db.Change | None:
        """The provider's translations of `q` into `targets` (None: every language it
        lacks, or all but a moderator's typed ones with `keep_typed`), stored only if
        the question still reads as it did when they were asked for."""
        machine = self.machine
        if machine is None:
            raise UserError("qa.no_machine")
        lang = q.lang or self.agenda.event.default_language
        found: dict[str, Translation | None] = {}
        # A provider that finds the question in another language than its letters said
        # is believed, and a second round translates into the language it was taken for.
        for _ in range(2):
            wanted = [
                t
                for t in (targets or LANGUAGES)
                if t != lang and t not in found and not (keep_typed and _typed(q, t))
            ]
            if not wanted:
                break
            for target in wanted:
                try:
                    result = await machine.translate(q.body, target, lang)
                except TranslationFailed as exc:
                    log.warning("machine translation of question %d failed: %s", q.id, exc)
                    raise UserError("qa.translate_failed", id=q.id, reason=str(exc)) from None
                text = _provided(result.text, self.translation_limit)
                found[target] = Translation(text, machine.name) if text else None
                if result.source in LANGUAGES and result.source != lang:
                    lang = result.source
            if targets:
                break
        found[lang] = None  # none into its own language
        return await self._revise(
            q.id,
            lang=lang,
            translations=found,
            actor=actor,
            undoable=undoable,
            expect_body=q.body,
            keep_typed=keep_typed,
        )

    async def _translate_later(self, q: Question) -> None:
        """An approved question of a session that translates as it approves gets its
        translations in the background: the approval does not wait for the provider."""
        if await self.auto_translates(q.session_id):
            self._in_background(q, keep_typed=True)

    def _retranslate_later(self, q: Question) -> None:
        """After an edit, the provider translates the new text (typed translations stay)."""
        if self.machine is not None:
            self._in_background(q, keep_typed=True)

    def _in_background(self, q: Question, *, keep_typed: bool) -> None:
        async def run() -> None:
            name = self.machine.name if self.machine else "machine"
            try:
                change = await self._machine(
                    q, None, ("machine", name), undoable=False, keep_typed=keep_typed
                )
            except UserError as exc:
                log.warning("Q&A question %d not translated: %s", q.id, exc.key)
                return
            if change is not None:
                await self._published(change)

        task = asyncio.create_task(run(), name=f"qa-translate:{q.id}")
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def settle(self) -> None:
        """Wait for the translations under way in the background (tests, shutdown)."""
        while self._background:
            await asyncio.gather(*list(self._background), return_exceptions=True)

    async def close(self) -> None:
        """Stop background translations and let go of the provider."""
        for task in list(self._background):
            task.cancel()
        await asyncio.gather(*list(self._background), return_exceptions=True)
        if self.machine is not None:
            await self.machine.close()

    async def highlighted(self, session_id: str) -> Question | None:
        st = await self._state(session_id)
        highlight = st.highlight_id
        if highlight is None:
            return None
        q = await self.shared(
            ("highlight", highlight), session_id, lambda: db.get(self.store, highlight)
        )
        return q if q is not None and q.status == APPROVED else None

    async def _all_states(self) -> dict[str, db.SessionState]:
        heard = self.hub.heard  # before the read: a notice during it makes it stale
        if self._states is None or self._states_heard != heard:
            states = await db.all_states(self.store)
            self._states, self._states_heard = states, heard
            return states
        return self._states

    async def _state(self, session_id: str) -> db.SessionState:
        return (await self._all_states()).get(session_id, _NO_STATE)

    def _changed(self, q: Question, *, votes: bool) -> None:
        session_id = q.session_id
        before = self.hub.version(session_id)
        self.hub.publish(session_id)
        counted = self._tallies.get(session_id)
        if votes and counted is not None and counted[0] == before:
            # A vote changes no status: the counts read at the last version still hold.
            self._tallies[session_id] = (before + 1, counted[1])
        if votes and self.notices is not None:
            self.notices.votes_changed(q)

    # -- what pages and exports show -------------------------------------------------------

    async def snapshot(self, session_id: str, limit: int = 10) -> dict[str, Any]:
        """The presenter screen's state: the highlighted question and the top approved."""
        s = self.session(session_id)
        current = await self.highlighted(session_id)
        shown = current.id if current else None
        top = [q for q in await self.listing(session_id, "top", limit + 1) if q.id != shown]
        status = await self.status(s)
        return {
            "session": s.id,
            "title": {"en": s.title.en, "ko": s.title.ko},
            "open": status.open,
            "highlight": public(current) if current else None,
            "top": [public(q) for q in top[:limit]],
            "counts": await self.counts(session_id),
        }

    async def counts(self, session_id: str) -> dict[str, int]:
        """How many questions of a session are in each status, read again only after a
        change that was not a vote: a live page's update must not count a long session
        at every vote. (Do not change the dict returned.)"""
        version = self.hub.version(session_id)  # before the query: a change moves it on
        counted = self._tallies.get(session_id)
        if counted is None or counted[0] != version:
            counted = (version, await db.counts(self.store, session_id))
            self._tallies[session_id] = counted
        return counted[1]

    async def export(self, session_id: str, fmt: str, tz: ZoneInfo) -> bytes:
        """Every question of a session as CSV (UTF-8 with BOM, for spreadsheets) or
        Markdown: number, time, status, votes, question, author unless anonymous, and a
        rejection's reason."""
        # Imported at the first export, a moderator's rare command.
        from bot.qa.export import questions_file

        questions = await db.all_of_session(self.store, session_id)
        current = (await self._state(session_id)).highlight_id
        return questions_file(self.session(session_id), questions, current, fmt, tz)


def _typed(q: Question, lang: str) -> bool:
    found = q.translations.get(lang)
    return found is not None and not found.machine


def _provided(text: str, limit: int) -> str:
    """A provider's text as a question's is kept: one line, no invisible controls, and
    no longer than a translation may be typed."""
    return clip(" ".join(FORBIDDEN.sub("", text).split()), limit)


def _forget_failure(task: asyncio.Future[Any]) -> None:
    """A shared query's failure reaches its waiters; with none left, it is not an
    'exception never retrieved'."""
    if not task.cancelled():
        task.exception()


def public(q: Question) -> dict[str, Any]:
    """A question as a page shows it: never an id of its author; the surface it came from
    (web, discord, slack, console; None for an anonymous one asked before it was kept);
    its language, whether a moderator edited it, and its translations (each marked when a
    machine made it)."""
    return {
        "id": q.id,
        "text": q.body,
        "votes": q.votes,
        "author": None if q.anonymous else q.author_name,
        "status": q.status,
        "platform": q.author_platform,
        "lang": q.lang,
        "edited": q.edited,
        "translations": {
            lang: {"text": t.text, "machine": t.machine} for lang, t in q.translations.items()
        },
    }
