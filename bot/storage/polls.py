"""Live poll tables: polls, their options, and the ballots.

Nothing here knows who a keyed hash belongs to: the keys come from `bot.polls.service`.
The counts on an option row (`votes`) and on a poll row (`voters`) are recomputed from the
ballots in the transaction of every vote, so they are exact whatever runs concurrently;
a vote is one trip to the database, shared with the other writes queued at that moment.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.i18n import L
from bot.storage.base import Store, in_lists

READY = "ready"  # made, not open yet (opens at its session's start, or by hand)
OPEN = "open"
CLOSED = "closed"
STATUSES = (READY, OPEN, CLOSED)

_POLL = (
    "SELECT id, poll_key, session_id, question_en, question_ko, multiple, hidden, status, "
    "open_on_start, minutes, opened_at, closes_at, closed_at, voters, created_at FROM polls "
)
_OPTIONS = "SELECT position, label_en, label_ko, votes FROM poll_options WHERE poll_id = ? "


@dataclass(frozen=True)
class Option:
    """One answer a poll offers, numbered from 1, with its count."""

    position: int
    label: L
    votes: int


@dataclass(frozen=True)
class Poll:
    """One poll as stored."""

    id: int
    key: str | None  # the id an event file declares it under; None when made by command
    session_id: str | None  # None: the whole event
    question: L
    multiple: bool
    hidden: bool  # counts shown only once it closes
    status: str
    open_on_start: bool  # opens when its session starts (while READY)
    minutes: int | None  # closes this long after it opens
    opened_at: datetime | None
    closes_at: datetime | None
    closed_at: datetime | None
    voters: int  # people with at least one option chosen
    created_at: datetime
    options: tuple[Option, ...]

    @property
    def is_open(self) -> bool:
        return self.status == OPEN

    @property
    def shows_counts(self) -> bool:
        """Whether everyone may see the counts now."""
        return not self.hidden or self.status == CLOSED

    def option(self, position: int) -> Option | None:
        return self.options[position - 1] if 1 <= position <= len(self.options) else None


@dataclass(frozen=True)
class Ballot:
    """What one vote did: whether it added the option pressed, whether it took one away
    (single choice: the voter's earlier vote; multiple: the option pressed), the poll as
    the vote left it (None: no such poll), and the voter's choices now."""

    added: bool
    removed: bool
    poll: Poll | None
    mine: tuple[int, ...]


def _moment(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _poll(row: Any, options: Sequence[Any]) -> Poll:
    return Poll(
        id=int(row["id"]),
        key=row["poll_key"],
        session_id=row["session_id"],
        question=L(row["question_en"], row["question_ko"]),
        multiple=bool(row["multiple"]),
        hidden=bool(row["hidden"]),
        status=row["status"],
        open_on_start=bool(row["open_on_start"]),
        minutes=row["minutes"],
        opened_at=_moment(row["opened_at"]),
        closes_at=_moment(row["closes_at"]),
        closed_at=_moment(row["closed_at"]),
        voters=int(row["voters"]),
        created_at=datetime.fromisoformat(row["created_at"]),
        options=tuple(
            Option(int(o["position"]), L(o["label_en"], o["label_ko"]), int(o["votes"]))
            for o in options
        ),
    )


@dataclass(frozen=True)
class New:
    """A poll to store: what it asks, and how it runs."""

    question: L
    options: tuple[L, ...]
    multiple: bool = False
    hidden: bool = False
    session_id: str | None = None
    key: str | None = None
    open_on_start: bool = False
    minutes: int | None = None


_INSERT = (
    "INSERT INTO polls (poll_key, session_id, question_en, question_ko, multiple, hidden, "
    "open_on_start, minutes, status, opened_at, closes_at, created_by, created_at, "
    "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_INSERT_OPTION = (
    "INSERT INTO poll_options (poll_id, position, label_en, label_ko) VALUES (?, ?, ?, ?)"
)


async def create(
    store: Store,
    new: New,
    *,
    actor: str,
    now: datetime,
    opened: tuple[datetime, datetime | None] | None = None,
) -> Poll:
    """Store a new poll with its options, all of it or nothing: READY, or OPEN with
    `opened` (when it opened, when it closes). A poll whose `key` is taken already raises
    `KeyTaken` with the one stored."""
    stamp = now.isoformat()
    status, opened_at, closes_at = READY, None, None
    if opened is not None:
        status, opened_at = OPEN, opened[0].isoformat()
        closes_at = opened[1].isoformat() if opened[1] else None
    async with store.transaction() as tx:
        if new.key is not None:
            taken = await tx.fetchall("SELECT id FROM polls WHERE poll_key = ?", (new.key,))
            if taken:
                poll_id = int(taken[0]["id"])
                raise KeyTaken(poll_id)
        poll_id = await tx.insert(
            _INSERT, (*_fields(new), status, opened_at, closes_at, actor, stamp, stamp)
        )
        await tx.executemany(
            _INSERT_OPTION,
            [(poll_id, i, o.en, o.ko) for i, o in enumerate(new.options, start=1)],
        )
    found = await get(store, poll_id)
    assert found is not None
    return found


def _fields(new: New) -> tuple[Any, ...]:
    return (
        new.key,
        new.session_id,
        new.question.en,
        new.question.ko,
        int(new.multiple),
        int(new.hidden),
        int(new.open_on_start),
        new.minutes,
    )


class KeyTaken(Exception):
    """An event file's poll id is stored already (as poll `poll_id`)."""

    def __init__(self, poll_id: int) -> None:
        super().__init__(poll_id)
        self.poll_id = poll_id


async def redefine(store: Store, poll_id: int, new: New, now: datetime) -> bool:
    """Give a poll that has not opened a new question, options and settings (its event
    file changed before the day); False, changing nothing, once it has opened."""
    async with store.transaction() as tx:
        changed = await tx.execute(
            "UPDATE polls SET session_id = ?, question_en = ?, question_ko = ?, multiple = ?, "
            "hidden = ?, open_on_start = ?, minutes = ?, updated_at = ? "
            "WHERE id = ? AND status = 'ready'",
            (*_fields(new)[1:], now.isoformat(), poll_id),
        )
        if not changed:
            return False
        # A poll that never opened has no ballots: its options are replaced whole.
        await tx.execute("DELETE FROM poll_options WHERE poll_id = ?", (poll_id,))
        await tx.executemany(
            _INSERT_OPTION,
            [(poll_id, i, o.en, o.ko) for i, o in enumerate(new.options, start=1)],
        )
    return True


async def get(store: Store, poll_id: int) -> Poll | None:
    """One poll by number, with its options, read in one trip."""
    row, options = await store.fetch_each(
        [(_POLL + "WHERE id = ?", (poll_id,)), (_OPTIONS + "ORDER BY position", (poll_id,))]
    )
    return _poll(row[0], options) if row else None


async def by_key(store: Store, key: str) -> Poll | None:
    """The poll an event file declares under `key`."""
    row = await store.fetchone("SELECT id FROM polls WHERE poll_key = ?", (key,))
    return None if row is None else await get(store, int(row["id"]))


async def listing(store: Store, session_id: str | None = None, limit: int = 50) -> list[Poll]:
    """The newest polls first: of one session (and the event's), or every one."""
    if session_id is None:
        rows = await store.fetchall(_POLL + "ORDER BY id DESC LIMIT ?", (limit,))
    else:
        rows = await store.fetchall(
            _POLL + "WHERE session_id = ? OR session_id IS NULL ORDER BY id DESC LIMIT ?",
            (session_id, limit),
        )
    if not rows:
        return []
    by_poll: dict[int, list[Any]] = {}
    for marks, ids in in_lists([int(r["id"]) for r in rows]):
        options = await store.fetchall(_OPTIONS_OF.format(marks), ids)
        for o in options:
            by_poll.setdefault(int(o["poll_id"]), []).append(o)
    return [_poll(r, by_poll.get(int(r["id"]), [])) for r in rows]


# The options of several polls: `IN ({})` filled by `in_lists`.
_OPTIONS_OF = (
    "SELECT poll_id, position, label_en, label_ko, votes FROM poll_options "
    "WHERE poll_id IN ({}) ORDER BY poll_id, position"
)


async def planned(store: Store) -> list[Poll]:
    """The polls with a moment ahead: READY ones that open at their session's start and
    OPEN ones that close at a set time (a small set, read at every re-plan)."""
    rows = await store.fetchall(
        _POLL + "WHERE (status = 'ready' AND open_on_start = 1) "
        "OR (status = 'open' AND closes_at IS NOT NULL) ORDER BY id"
    )
    return [_poll(r, ()) for r in rows]


async def set_open(
    store: Store, poll_id: int, now: datetime, closes_at: datetime | None
) -> Poll | None:
    """Open a READY poll; None when it was not READY (opened or closed meanwhile)."""
    changed = await store.execute(
        "UPDATE polls SET status = 'open', opened_at = ?, closes_at = ?, updated_at = ? "
        "WHERE id = ? AND status = 'ready'",
        (now.isoformat(), closes_at.isoformat() if closes_at else None, now.isoformat(), poll_id),
    )
    return await get(store, poll_id) if changed else None


async def set_closed(store: Store, poll_id: int, now: datetime) -> Poll | None:
    """Close a poll that is not closed (one never opened too); None when it was closed
    already. No vote lands after this commits: a vote checks the status as it writes."""
    changed = await store.execute(
        "UPDATE polls SET status = 'closed', closed_at = ?, updated_at = ? "
        "WHERE id = ? AND status != 'closed'",
        (now.isoformat(), now.isoformat(), poll_id),
    )
    return await get(store, poll_id) if changed else None


async def unschedule(store: Store, poll_id: int, now: datetime) -> None:
    """A READY poll no longer opens on its own (its session ended before it could)."""
    await store.execute(
        "UPDATE polls SET open_on_start = 0, updated_at = ? WHERE id = ? AND status = 'ready'",
        (now.isoformat(), poll_id),
    )


async def take_off(store: Store, poll_id: int, session_id: str, now: datetime) -> None:
    """A closed poll's result is off the screen of `session_id` (once: again changes nothing)."""
    await store.execute(
        "INSERT INTO poll_screens_off (poll_id, session_id, at) VALUES (?, ?, ?) "
        "ON CONFLICT (poll_id, session_id) DO NOTHING",
        (poll_id, session_id, now.isoformat()),
    )


async def taken_off(store: Store, poll_id: int, session_id: str) -> bool:
    """Whether a moderator took a poll's result off the screen of `session_id`."""
    row = await store.fetchone(
        "SELECT 1 FROM poll_screens_off WHERE poll_id = ? AND session_id = ?",
        (poll_id, session_id),
    )
    return row is not None


# Each write checks, as it writes, that the poll is open: a vote racing a close loses.
_ADD = (
    "INSERT INTO poll_votes (poll_id, position, voter_key, press) SELECT ?, ?, ?, ? "
    "WHERE EXISTS (SELECT 1 FROM polls WHERE id = ? AND status = 'open') "
    "ON CONFLICT (poll_id, voter_key, position) DO NOTHING"
)
# Single choice: the voter's other options go (a changed vote).
_OTHERS = (
    "DELETE FROM poll_votes WHERE poll_id = ? AND voter_key = ? AND position != ? "
    "AND EXISTS (SELECT 1 FROM polls WHERE id = ? AND status = 'open')"
)
# Multiple choice: the option pressed goes if an earlier press chose it (not this one).
_TOGGLE_OFF = (
    "DELETE FROM poll_votes WHERE poll_id = ? AND voter_key = ? AND position = ? "
    "AND press != ? AND EXISTS (SELECT 1 FROM polls WHERE id = ? AND status = 'open')"
)
_RECOUNT_OPTIONS = (
    "UPDATE poll_options SET votes = (SELECT COUNT(*) FROM poll_votes v "
    "WHERE v.poll_id = poll_options.poll_id AND v.position = poll_options.position) "
    "WHERE poll_id = ?"
)
_RECOUNT_VOTERS = (
    "UPDATE polls SET voters = (SELECT COUNT(DISTINCT voter_key) FROM poll_votes "
    "WHERE poll_id = ?) WHERE id = ?"
)
# The poll and its options as the vote left them, and the voter's choices: one read.
_AFTER = (
    "SELECT p.id, p.poll_key, p.session_id, p.question_en, p.question_ko, p.multiple, "
    "p.hidden, p.status, p.open_on_start, p.minutes, p.opened_at, p.closes_at, p.closed_at, "
    "p.voters, p.created_at, o.position, o.label_en, o.label_ko, o.votes, "
    "EXISTS (SELECT 1 FROM poll_votes v WHERE v.poll_id = o.poll_id "
    "AND v.position = o.position AND v.voter_key = ?) AS mine "
    "FROM polls p JOIN poll_options o ON o.poll_id = p.id WHERE p.id = ? ORDER BY o.position"
)


async def vote(
    store: Store, poll_id: int, position: int, voter_key: str, *, multiple: bool, press: int
) -> Ballot:
    """One press of option `position` by one voter: single choice, the option becomes
    their vote (in place of another); multiple choice, it is added, or taken back when
    they chose it before. Only while the poll is open (checked by each statement as it
    writes); `press` must be new to this voter (a random number per press)."""
    # The option goes in first, under this press: taking back then finds only a choice
    # an earlier press made.
    add = (_ADD, (poll_id, position, voter_key, press, poll_id))
    take: tuple[str, tuple[Any, ...]]
    if multiple:
        take = (_TOGGLE_OFF, (poll_id, voter_key, position, press, poll_id))
    else:
        take = (_OTHERS, (poll_id, voter_key, position, poll_id))
    counts, rows = await store.batched_read(
        [add, take, (_RECOUNT_OPTIONS, (poll_id,)), (_RECOUNT_VOTERS, (poll_id, poll_id))],
        (_AFTER, (voter_key, poll_id)),
        # Presses on one poll counted one batch at a time (on every instance).
        lock=("SELECT id FROM polls WHERE id = ?", (poll_id,)),
    )
    added, removed = counts[0] > 0, counts[1] > 0
    if not rows:
        return Ballot(False, False, None, ())
    mine = tuple(int(r["position"]) for r in rows if r["mine"])
    return Ballot(added, removed, _poll(rows[0], rows), mine)


async def choices(store: Store, poll_id: int, voter_key: str) -> tuple[int, ...]:
    """The options one voter has chosen in a poll."""
    rows = await store.fetchall(
        "SELECT position FROM poll_votes WHERE poll_id = ? AND voter_key = ? ORDER BY position",
        (poll_id, voter_key),
    )
    return tuple(int(r["position"]) for r in rows)
