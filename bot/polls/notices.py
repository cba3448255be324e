"""What the bot posts about polls, on every platform at once: the poll's card (a button per
option) in its session's room channel, or the announcements channel for a poll of the
whole event or a platform with no channel for the room; its counts kept current by the
same coalescing editor as the Q&A cards; and the result, posted when it closes. Posts go
through the outbox (persisted, paced, once each).

Also the planner's side: a poll's opening at its session's start and its closing after
its minutes are items of the plan (`PollTimers`), fired by the planner's one task."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from bot.core.model import Card, Reply, Text
from bot.delivery.planner import Due, both, both_l
from bot.polls.cards import closes_both, leaders, option_lines, state_lines, vote_buttons
from bot.polls.rules import both_texts, option_label
from bot.polls.service import Polls
from bot.qa.notices import CardEditor
from bot.storage import polls as db
from bot.storage.outbox import Delivery
from bot.storage.polls import CLOSED, Poll

if TYPE_CHECKING:
    from bot.runtime import Runtime  # which builds these notices around itself


def question_lines(poll: Poll) -> list[Text]:
    """The question, a line per language."""
    q = poll.question
    return [q.en] if not q.ko or q.ko == q.en else [q.en, q.ko]


def poll_card(poll: Poll, footer: str, closes: Callable[..., Text]) -> Reply:
    """The poll as a channel sees it, in both languages: the question, the options with
    their counts (or "results when it closes"), and a button per option while it is open."""
    title = both(
        "poll.card_closed_title" if poll.status == CLOSED else "poll.card_title", id=poll.id
    )
    lines = [
        *question_lines(poll),
        *option_lines(poll, both_texts, both),
        *state_lines(poll, both, closes),
    ]
    vote = f" · /poll vote {poll.id} <1-{len(poll.options)}>" if poll.is_open else ""
    return Reply(
        card=Card(title, lines=tuple(lines), footer=footer + vote),
        buttons=vote_buttons(poll),
        ephemeral=False,
    )


def result_card(poll: Poll, footer: str) -> Reply:
    """Posted when a poll closes: every count, and the option with the most votes."""
    top = leaders(poll)
    lines: list[Text] = [*question_lines(poll), *option_lines(poll, both_texts, both, reveal=True)]
    lines.append(both("poll.voters", count=poll.voters))
    if top:
        picked = ", ".join(option_label(p, poll.options[p - 1].label) for p in top)
        lines.append(both("poll.leader", option=picked))
    else:
        lines.append(both("poll.no_votes"))
    return Reply(
        card=Card(both("poll.result_title", id=poll.id), lines=tuple(lines), footer=footer),
        ephemeral=False,
    )


class PollNotices:
    """Polls' posts on every platform the bot is on, through the runtime's outbox."""

    def __init__(self, polls: Polls, runtime: Runtime) -> None:
        self.polls = polls
        self.runtime = runtime
        # The Q&A cards' editor, an instance of its own: at most one edit per card per
        # `qa.card_edit_seconds` (the platforms' rate limits), the last with the count.
        self.cards = CardEditor(
            polls.store, lambda: runtime.adapters, runtime.core.config.qa.card_edit_seconds
        )

    def _targets(self, poll: Poll) -> list[tuple[str, str]]:
        """(platform, channel): the session's room where the platform maps it, else its
        announcements channel."""
        s = self.polls.session_of(poll)
        found = []
        for platform in self.runtime.platforms():
            mapping = self.runtime.core.config.platforms.get(platform)
            if mapping is None:
                continue
            if s is not None and s.room and s.room in mapping.rooms:
                found.append((platform, s.room))
            elif "announcements" in mapping.channels:
                found.append((platform, "announcements"))
        return found

    def _footer(self, poll: Poll) -> str:
        s = self.polls.session_of(poll)
        if s is not None:
            return f"{both_l(s.title)} [{s.id}]"
        return both_l(self.polls.agenda.event.name)

    def _card(self, poll: Poll) -> Reply:
        return poll_card(poll, self._footer(poll), closes_both(self.polls.agenda.event.timezone))

    async def _post(self, poll: Poll, kind: str, reply: Reply) -> None:
        await self.runtime.enqueue(
            Delivery(
                f"{kind}:{poll.id}:{platform}", f"poll:{poll.id}", platform, "channel", to, reply
            )
            for platform, to in self._targets(poll)
        )

    async def opened(self, poll: Poll) -> None:
        await self._post(poll, "poll-card", self._card(poll))

    def votes_changed(self, poll: Poll) -> None:
        self._refresh(poll)

    async def closed(self, poll: Poll) -> None:
        self._refresh(poll)  # the cards lose their buttons and show every count
        await self._post(poll, "poll-result", result_card(poll, self._footer(poll)))

    def _refresh(self, poll: Poll) -> None:
        async def render() -> Reply | None:
            fresh = await db.get(self.polls.store, poll.id)
            return self._card(fresh) if fresh else None

        for platform, _ in self._targets(poll):
            self.cards.touch(f"poll-card:{poll.id}:{platform}", render)

    async def replan(self) -> None:
        # Not `Runtime.replan`: this may run while the planner fires (a poll opening at
        # its session's start), which holds the lock that firing takes.
        await self.runtime.planner.rebuild()
        self.runtime.plan_notices.tell()

    async def stop(self) -> None:
        await self.cards.stop()


class PollTimers:
    """Polls' moments as items of the plan: "poll-open" at a session's start, "poll-close"
    after a poll's minutes (`Planner`'s `timers`)."""

    kinds: tuple[str, ...] = ("poll-open", "poll-close")

    def __init__(self, polls: Polls) -> None:
        self.polls = polls

    async def planned(self) -> list[Due]:
        return [
            Due(f"poll-{what}", str(poll_id), 0, at)
            for what, poll_id, at in await self.polls.planned()
        ]

    async def fire(self, due: Due) -> None:
        await self.polls.due(due.kind.removeprefix("poll-"), int(due.ref))
