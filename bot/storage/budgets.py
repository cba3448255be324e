"""Rate budgets shared by the instances on one PostgreSQL: per platform limit (a name such
as "discord" or "slack:C123"), the next free slot, in the database server's seconds.

Every instance reserves its slots here, so N instances together keep one platform limit
instead of N times it; the server's clock is the one clock they share (machines' clocks
may disagree by more than a slot). Used by `bot.delivery.pacing.SharedRateLimiter`; on
SQLite (one process) the in-process limiter needs no table.
"""

from __future__ import annotations

from bot.storage.base import Store

# One statement, one round trip, atomic under the row's lock: the slot is the later of the
# budget's next slot and now less the burst's allowance (a new budget: the latter, as if
# long idle); the next slot is one interval on.
# Returns the seconds from the server's now to the slot (negative: a burst may go at once).
# Now is the server's clock, clock_timestamp(), not now(): a statement that waited for
# another's row lock must schedule from when it got it, not from when it began.
_RESERVE = """
INSERT INTO rate_budgets AS b (name, next_at)
VALUES (?, extract(epoch FROM clock_timestamp())::float8 - ?::float8 + ?::float8)
ON CONFLICT (name) DO UPDATE SET next_at = GREATEST(
    b.next_at, extract(epoch FROM clock_timestamp())::float8 - ?::float8
) + ?::float8
RETURNING b.next_at - ?::float8 - extract(epoch FROM clock_timestamp())::float8
"""


async def reserve(store: Store, name: str, interval: float, burst: int) -> float:
    """Reserve the next slot of budget `name` (one every `interval` s, bursts of `burst`):
    the seconds until it, by the database server's clock (at most 0 when it is free now).
    PostgreSQL only."""
    allowance = (max(1, burst) - 1) * interval
    row = await store.fetchone(_RESERVE, (name, allowance, interval, allowance, interval, interval))
    assert row is not None
    return float(row[0])
