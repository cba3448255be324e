"""What the bot posts about Q&A, on every platform at once: the moderators' notice of a new
question (with its buttons), the public question card in the session's room channel (with
its live count), "Now answering", and a rejection's reason or a merge told privately to
its asker. A room's cards show the question in the event's language first when it has a
translation into it, the other beneath (`bot.qa.display`).

Posts go through the outbox (persisted, paced, once each). Cards are then kept current
by editing them, at most once per card per `card_edit_seconds`: a storm of votes becomes
one edit with the final count, within the platforms' rate limits. With several instances
each edits the cards of the changes it made, and checks after each edit that a fresher
one did not land before it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from bot.core.model import Button, Card, Reply, Text, UserRef
from bot.delivery.planner import both, both_l
from bot.platforms.base import SentMessage
from bot.programme import Session
from bot.qa.display import marked, ordered, own_text, versions
from bot.qa.service import QA, next_steps
from bot.settings import PlatformConfig
from bot.storage import Store, outbox
from bot.storage import qa as db
from bot.storage.outbox import Delivery
from bot.storage.qa import ANSWERED, APPROVED, MERGED, PENDING, REJECTED, Question

if TYPE_CHECKING:
    from bot.runtime import Runtime  # which builds these notices around itself

log = logging.getLogger(__name__)

Render = Callable[[], Awaitable[Reply | None]]
# How often a card not yet posted is looked for again, at least.
_RECHECK_SECONDS = 0.05


def author_line(q: Question) -> str:
    """Who asked, as everyone may see it."""
    if q.anonymous:
        return both("qa.anonymous")
    platform = (q.author_platform or "").capitalize()
    return f"{q.author_name or '?'} ({platform})"


# A notice's buttons: (what it says, its style) per moderation action.
_BUTTONS = {
    "approve": ("qa.button.approve", "primary"),
    "reject": ("qa.button.reject", "danger"),
    "highlight": ("qa.button.highlight", "secondary"),
    "answered": ("qa.button.answered", "secondary"),
}


def _texts(q: Question, lang: str) -> tuple[str, ...]:
    """A question's lines for a room read in every language: `lang` (the event's) first."""
    top, rest = versions(q, lang, both)
    return (top, *rest)


# Buttons that open a form (Edit, Merge) or ask the provider (Translate): any question but
# a merged one.
_REVISING = {
    "edit": ("qa.button.edit", "secondary"),
    "merge": ("qa.button.merge", "secondary"),
    "translate": ("qa.button.translate", "secondary"),
}


def moderator_notice(q: Question, s: Session, highlighted: bool, machine: bool = False) -> Reply:
    """The moderators' card of one question, with a button for each action that applies
    to it as it stands (edited after every change, so an approved one offers no Approve):
    the text as it stands, its translations, the text as asked once edited, and where a
    merged one went. Edit and Merge open forms; Translate is there only when a
    machine-translation provider is (`machine`)."""
    if q.status == MERGED:
        status = both("qa.merged_into", into=q.merged_into)
    else:
        status = both(f"qa.status.{q.status}")
    if highlighted:
        status += f" · {both('qa.status.highlighted')}"
    translations = [marked(lang, t.text, both, machine=t.machine) for lang, t in ordered(q)]
    lines: tuple[Text, ...] = (
        own_text(q, both),
        *translations,
        *((f"{both('qa.as_asked')}: {q.original}",) if q.original is not None else ()),
        f"{author_line(q)} · {both('qa.votes', votes=q.votes)}",
        f"{both('qa.status')}: {status}" + (f" ({q.reason})" if q.reason else ""),
    )
    value = str(q.id)
    steps = [(action, _BUTTONS[action]) for action in next_steps(q.status, highlighted)]
    if q.status != MERGED:
        steps += [(a, _REVISING[a]) for a in _REVISING if machine or a != "translate"]
    return Reply(
        card=Card(
            both("qa.notice_title", id=q.id),
            lines=lines,
            footer=f"{both_l(s.title)} [{s.id}] · /qa <approve|reject|…> {q.id}",
        ),
        buttons=tuple(
            Button(both(label), f"qa.{action}", value, style) for action, (label, style) in steps
        ),
        ephemeral=False,
    )


def public_card(q: Question, s: Session, lang: str) -> Reply:
    """The question as the room sees it (in `lang`, the event's language, first), with
    its count and an up-vote button; a merged one says where its votes went."""
    title = both("qa.card_title", id=q.id)
    if q.status not in (APPROVED, ANSWERED, MERGED):
        # Rejected, or back to waiting for approval (an approval undone): off the room.
        return Reply(card=Card(title, lines=(both("qa.card_removed"),)), ephemeral=False)
    lines: tuple[Text, ...] = _texts(q, lang)
    buttons: tuple[Button, ...] = ()
    if q.status == MERGED:
        lines += (both("qa.card_merged", into=q.merged_into),)
    else:
        lines += (f"{author_line(q)} · {both('qa.votes', votes=q.votes)}",)
        if q.status == ANSWERED:
            lines += (both("qa.card_answered"),)
        else:
            buttons = (Button(both("qa.button.vote"), "qa.vote", str(q.id), "primary"),)
    return Reply(
        card=Card(title, lines=lines, footer=f"{both_l(s.title)} [{s.id}]"),
        buttons=buttons,
        ephemeral=False,
    )


def now_answering(q: Question, s: Session, lang: str) -> Reply:
    """Posted to the session's room when a moderator highlights a question (in `lang`,
    the event's language, first)."""
    return Reply(
        card=Card(
            both("qa.now_answering"),
            lines=(*_texts(q, lang), f"{author_line(q)} · {both('qa.votes', votes=q.votes)}"),
            footer=f"{both_l(s.title)} [{s.id}]",
        ),
        ephemeral=False,
    )


class CardEditor:
    """Keeps posted cards current, coalescing edits: at most one per card per interval."""

    def __init__(self, store: Any, adapters: Callable[[], dict[str, Any]], interval: float) -> None:
        self._store = store
        self._adapters = adapters
        self.interval = interval
        self._dirty: dict[str, Render] = {}
        self._last: dict[str, float] = {}
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self.edits = 0

    def touch(self, key: str, render: Render) -> None:
        """The card posted under outbox key `key` should show what `render` gives now."""
        self._dirty[key] = render
        if key not in self._tasks:
            self._tasks[key] = asyncio.create_task(self._run(key), name=f"card-edit:{key}")

    async def idle(self) -> None:
        """Wait until no edit is pending (tests and shutdown)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks.values()), return_exceptions=True)

    async def stop(self) -> None:
        for task in list(self._tasks.values()):
            task.cancel()
        for task in list(self._tasks.values()):
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _run(self, key: str) -> None:
        loop = asyncio.get_running_loop()
        try:
            while key in self._dirty:
                wait = self._last.get(key, float("-inf")) + self.interval - loop.time()
                if wait > 0:
                    await asyncio.sleep(wait)  # real seconds: the platforms' limits are
                status, sent = await _where(self._store, key)
                if sent is None:
                    if status in (outbox.PENDING, outbox.SENDING):
                        # Not posted yet (queued behind a platform's pace, or being
                        # retried): look again shortly, however long that takes, or the
                        # card would keep the count it was queued with.
                        await asyncio.sleep(max(self.interval, _RECHECK_SECONDS))
                        continue
                    # Never queued, or given up: there is no message to edit.
                    self._dirty.pop(key, None)
                    break
                render = self._dirty.pop(key)
                reply = await render()
                self._last[key] = loop.time()
                adapter = self._adapters().get(sent.platform)
                if reply is None or adapter is None:
                    continue
                try:
                    await adapter.edit(sent, reply)
                    self.edits += 1
                except Exception as exc:
                    log.warning("could not update the card %s: %s", key, exc)
                    continue
                # Another instance edits this card too (after a vote it took): its edit,
                # rendered after this one, may have landed first, and this older one
                # would stay for good. Read again once it landed; edit again (paced as
                # ever) when the card should show something else.
                if key not in self._dirty and await render() != reply:
                    self._dirty[key] = render
        finally:
            self._tasks.pop(key, None)


async def _where(store: Store, key: str) -> tuple[str | None, SentMessage | None]:
    """The outbox status of the post under `key` (None: no such post), and where it
    lives once sent."""
    row = await store.fetchone(
        "SELECT platform, channel_id, message_id, status FROM outbox WHERE dedup_key = ?",
        (key,),
    )
    if row is None:
        return None, None
    if row["status"] != outbox.SENT or not row["message_id"]:
        return row["status"], None
    return row["status"], SentMessage(row["platform"], row["channel_id"], row["message_id"])


class Notices:
    """Q&A's posts on every platform the bot is on, through the runtime's outbox."""

    def __init__(self, qa: QA, runtime: Runtime) -> None:
        self.qa = qa
        self.runtime = runtime
        self.cards = CardEditor(qa.store, lambda: runtime.adapters, qa.config.card_edit_seconds)

    @property
    def _lang(self) -> str:
        """The language a room's cards show first: the event's."""
        return self.qa.agenda.event.default_language

    def _mapping(self, platform: str) -> PlatformConfig | None:
        return self.runtime.core.config.platforms.get(platform)

    def _targets(self, kind: str, s: Session) -> list[tuple[str, str]]:
        """(platform, channel) of the moderators' channel, or of the session's room."""
        found = []
        for platform in self.runtime.platforms():
            mapping = self._mapping(platform)
            if mapping is None:
                continue
            if kind == "moderators" and "moderators" in mapping.channels:
                found.append((platform, "moderators"))
            elif kind == "room" and s.room and s.room in mapping.rooms:
                found.append((platform, s.room))
        return found

    async def _post(self, kind: str, s: Session, key: str, reply: Reply, topic: str) -> bool:
        """Queue a post on every platform; True when each one is new (not a key already
        queued or sent, whose message may show something older)."""
        targets = self._targets(kind, s)
        added: int = await self.runtime.enqueue(
            Delivery(f"{key}:{platform}", topic, platform, "channel", channel, reply)
            for platform, channel in targets
        )
        return added == len(targets)

    async def asked(self, q: Question) -> None:
        s = self.qa.session(q.session_id)
        if q.status == PENDING:
            await self._post(
                "moderators",
                s,
                f"qa-mod:{q.id}",
                moderator_notice(q, s, False, self.qa.machine is not None),
                f"qa:{q.id}",
            )
        elif q.status == APPROVED:
            card = public_card(q, s, self._lang)
            await self._post("room", s, f"qa-card:{q.id}", card, f"qa:{q.id}")

    async def moderated(self, change: db.Change) -> None:
        q = change.question
        s = self.qa.session(q.session_id)
        self._refresh_notice(q, s)
        posted = False
        if q.status == APPROVED and change.from_status in (PENDING, REJECTED):
            card = public_card(q, s, self._lang)
            posted = await self._post("room", s, f"qa-card:{q.id}", card, f"qa:{q.id}")
        if not posted:
            # A card posted before (approved, then rejected, edited, merged or undone)
            # shows the new state; one just queued already does.
            self._refresh_card(q, s)
        if change.other is not None:
            # A merge or its undo: the question merged into shows its new count.
            self._refresh_card(change.other, s)
            self._refresh_notice(change.other, s)
        if change.action == "highlight":
            stamp = self.qa.clock.now().isoformat()
            now = now_answering(q, s, self._lang)
            await self._post("room", s, f"qa-now:{q.id}:{stamp}", now, f"qa:{q.id}")
        named = not q.anonymous and q.author_platform and q.author_id
        if change.action in ("reject", "merge") and named:
            await self._tell_asker(q, s, change.action)
        if change.highlight_before != change.highlight_after and change.highlight_before:
            # The question that was highlighted before shows its new state too.
            before = await db.get(self.qa.store, change.highlight_before)
            if before is not None:
                self._refresh_notice(before, s)

    def votes_changed(self, q: Question) -> None:
        s = self.qa.session(q.session_id)
        self._refresh_card(q, s)
        self._refresh_notice(q, s)

    def _refresh_card(self, q: Question, s: Session) -> None:
        async def render() -> Reply | None:
            fresh = await db.get(self.qa.store, q.id)
            return public_card(fresh, s, self._lang) if fresh else None

        for platform, _ in self._targets("room", s):
            self.cards.touch(f"qa-card:{q.id}:{platform}", render)

    def _refresh_notice(self, q: Question, s: Session) -> None:
        async def render() -> Reply | None:
            fresh = await db.get(self.qa.store, q.id)
            if fresh is None:
                return None
            current = await self.qa.highlighted(q.session_id)
            current_id = current.id if current else None
            machine = self.qa.machine is not None
            return moderator_notice(fresh, s, current_id == fresh.id, machine)

        for platform, _ in self._targets("moderators", s):
            self.cards.touch(f"qa-mod:{q.id}:{platform}", render)

    async def _tell_asker(self, q: Question, s: Session, action: str) -> None:
        """A named asker hears of a rejection, or of a merge into another question, by DM
        in their own language. (An anonymous one cannot be reached: /myquestions shows
        them the status, the reason and where a merged question went.)"""
        platform, user_id = q.author_platform or "", q.author_id or ""
        if platform not in self.runtime.platforms():
            return
        t = await self.runtime.core.translator_for(UserRef(platform, user_id))
        title, question = t.pick(s.title), q.body[:200]
        if action == "merge":
            text = t("qa.merged_dm", id=q.id, into=q.merged_into, title=title, question=question)
            kind = "qa-merged"
        else:
            text = t("qa.rejected_dm", id=q.id, title=title, question=question)
            if q.reason:
                text += " " + t("qa.rejected_reason", reason=q.reason)
            kind = "qa-rejected"
        key = f"{kind}:{q.id}:{self.qa.clock.now().isoformat()}"
        await self.runtime.enqueue(
            [Delivery(key, f"qa:{q.id}", platform, "dm", user_id, Reply(text))]
        )

    async def stop(self) -> None:
        await self.cards.stop()
