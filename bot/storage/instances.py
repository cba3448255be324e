"""The instances table: every bot running on this database says it is alive by a
heartbeat, and which of them leads (holds the Discord gateway and the planner)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.storage.base import Store

# A follower tries the leader's lock this often: a dead leader's successor leads within 15 s.
POLL_SECONDS = 5.0
# An instance whose heartbeat is older than this is dead: its outbox claims are taken back.
# Three polls: one slow round of a live instance does not lose it its messages in flight.
LEASE = timedelta(seconds=3 * POLL_SECONDS)

_BEAT = (
    "INSERT INTO instances (id, host, pid, started_at, heartbeat_at, leader) "
    "VALUES (?, ?, ?, ?, ?, ?) "
    "ON CONFLICT (id) DO UPDATE SET heartbeat_at = excluded.heartbeat_at, "
    "leader = excluded.leader"
)


@dataclass(frozen=True)
class Instance:
    """One running bot, as its last heartbeat left it."""

    id: str
    host: str
    pid: int
    started_at: datetime
    heartbeat_at: datetime
    leader: bool


async def beat(store: Store, me: Instance) -> None:
    """Record `me` alive at `me.heartbeat_at` (and whether it leads)."""
    if me.leader:
        # One leader at a time in the table too: the previous one's row says so no more.
        await store.batched(
            [
                ("UPDATE instances SET leader = 0 WHERE id <> ? AND leader = 1", (me.id,)),
                (_BEAT, _row(me)),
            ]
        )
    else:
        await store.execute(_BEAT, _row(me))


def _row(me: Instance) -> tuple[object, ...]:
    return (
        me.id,
        me.host,
        me.pid,
        me.started_at.isoformat(),
        me.heartbeat_at.isoformat(),
        int(me.leader),
    )


async def listing(store: Store) -> list[Instance]:
    """Every instance that ever beat here, the latest heartbeat first."""
    rows = await store.fetchall(
        "SELECT id, host, pid, started_at, heartbeat_at, leader FROM instances "
        "ORDER BY heartbeat_at DESC, id"
    )
    return [
        Instance(
            r[0],
            r[1],
            int(r[2]),
            datetime.fromisoformat(r[3]),
            datetime.fromisoformat(r[4]),
            bool(r[5]),
        )
        for r in rows
    ]


async def forget_older(store: Store, before: datetime) -> int:
    """Drop instances whose last heartbeat is older than `before` (long dead)."""
    return await store.execute(
        "DELETE FROM instances WHERE heartbeat_at < ?", (before.isoformat(),)
    )
