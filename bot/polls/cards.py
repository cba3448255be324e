"""A poll as people read it: the lines of its card (question, each option with its bar
and count, or "results when the poll closes"), in one reader's language or in both for
a channel, the buttons to vote with, and what a vote's answer says (`vote_said`, for
every surface)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.core.model import Button, Text, joined
from bot.i18n import L, Translator
from bot.polls.rules import option_label
from bot.storage.polls import CLOSED, OPEN, Ballot, Poll

VOTE_ACTION = "poll.vote"
BAR_WIDTH = 10


def bar(share: float) -> str:
    """A share (0 to 1) as ten blocks, so a card shows the race at a glance."""
    filled = round(max(0.0, min(1.0, share)) * BAR_WIDTH)
    return "█" * filled + "░" * (BAR_WIDTH - filled)


def vote_value(poll_id: int, position: int) -> str:
    """What a vote button carries: the poll and the option."""
    return f"{poll_id}:{position}"


def read_vote_value(value: str) -> tuple[int, int] | None:
    """The poll and option a vote button names; None for anything else."""
    poll, sep, option = value.partition(":")
    if not sep or not poll.isdigit() or not option.isdigit() or len(poll) > 9 or len(option) > 2:
        return None
    return int(poll), int(option)


def vote_buttons(poll: Poll) -> tuple[Button, ...]:
    """One button per option, labelled in both languages, while the poll is open."""
    if poll.status != OPEN:
        return ()
    return tuple(
        Button(option_label(o.position, o.label), VOTE_ACTION, vote_value(poll.id, o.position))
        for o in poll.options
    )


def option_lines(
    poll: Poll, pick: Callable[[L], str], say: Callable[..., str], *, reveal: bool = False
) -> list[Text]:
    """Each option on a line of its own; with its bar, count and share of the voters when
    the counts may be shown (`reveal`: to a moderator before the poll closes)."""
    shown = reveal or poll.shows_counts
    lines: list[Text] = []
    for o in poll.options:
        label = f"{o.position}. {pick(o.label)}"
        if not shown:
            lines.append(label)
            continue
        share = o.votes / poll.voters if poll.voters else 0.0
        lines.append(
            f"{label} · {bar(share)} {say('poll.votes', votes=o.votes)} ({round(share * 100)}%)"
        )
    return lines


def state_lines(
    poll: Poll,
    say: Callable[..., str],
    closes: Callable[[datetime], Text],
    *,
    reveal: bool = False,
) -> list[Text]:
    """Under the options: "results when it closes", how many voted, how to vote, and
    when it closes (`closes` says a moment)."""
    lines: list[Text] = []
    if not (reveal or poll.shows_counts):
        lines.append(say("poll.hidden"))
    lines.append(say("poll.voters", count=poll.voters))
    if poll.status == OPEN:
        lines.append(say("poll.multiple_hint" if poll.multiple else "poll.single_hint"))
        if poll.closes_at is not None:
            lines.append(closes(poll.closes_at))
    elif poll.status == CLOSED:
        lines.append(say("poll.closed_line"))
    else:
        lines.append(say("poll.status.ready"))
    return lines


def leaders(poll: Poll) -> tuple[int, ...]:
    """The options with the most votes (none when nobody voted)."""
    top = max((o.votes for o in poll.options), default=0)
    return tuple(o.position for o in poll.options if top and o.votes == top)


def closes_both(tz: ZoneInfo) -> Callable[[datetime], Text]:
    """'Closes at 13:25 / 13:25 마감' for a channel: each reader sees their own zone's
    time where the platform renders stamps, else the event's."""

    def say(at: datetime) -> Text:
        en, ko = Translator("en", tz), Translator("ko", tz)
        stamp = en.stamp_time(at)
        return joined(
            en.rich("poll.closes_at", when=stamp), " / ", ko.rich("poll.closes_at", when=stamp)
        )

    return say


def option_text(t: Translator, poll: Poll, position: int) -> str:
    """An option in the reader's language, numbered: "2. Sodium-ion"."""
    return f"{position}. {t.pick(poll.options[position - 1].label)}"


def vote_said(t: Translator, poll: Poll, position: int, ballot: Ballot) -> str:
    """What a press of option `position` did, told to the voter alone: their vote (or
    the vote it replaced), the same vote again, or the choice added or taken back and
    what they have chosen now."""
    option = option_text(t, poll, position)
    if not poll.multiple:
        if ballot.added:
            key = "poll.vote_changed" if ballot.removed else "poll.voted"
        else:
            key = "poll.vote_same"
        return t(key, id=poll.id, option=option)
    said = t(
        "poll.choice_added" if ballot.added else "poll.choice_removed", id=poll.id, option=option
    )
    if ballot.mine:
        mine = ", ".join(option_text(t, poll, n) for n in ballot.mine)
        return f"{said} {t('poll.your_choices', mine=mine)}"
    return f"{said} {t('poll.choice_none', id=poll.id)}"
