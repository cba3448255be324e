"""Pacing for platform limits, which are counted in real seconds: in this process
(`RateLimiter`, SQLite's one bot), or across the instances sharing one PostgreSQL
(`SharedRateLimiter`, its schedule in the database); `rate_limiter` chooses by the store.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Protocol

from bot.storage import budgets
from bot.storage.base import POSTGRESQL, Store

log = logging.getLogger(__name__)

# A reservation that takes longer than this is given up for local pacing: a database
# that does not answer delays no delivery by more.
RESERVE_TIMEOUT = 1.0
# Fresh slots taken at most after waking past one's slot (a stall); then it goes anyway.
_STALL_TRIES = 3
# Lateness a shared slot's wake makes up (or half an interval, if longer): ordinary loop lag
# in a big fan-out, which a fresh slot would only waste (at 47/s a slot is 21 ms).
_MADE_UP = 0.25


class Pacer(Protocol):
    """Waits for a slot of a platform's limit."""

    async def acquire(self) -> None:
        """Wait for a slot."""


class RateLimiter:
    """At most `per_second` acquisitions per second, with bursts of at most `burst`.

    One caller at a time takes the next free slot and sleeps until it, holding the lock:
    the schedule keeps its own time, so a sleep that wakes a little late does not cost
    the next caller its slot (a token bucket capped at one token would lose that
    overshoot every time). A sleep that wakes much later (the loop stalled: a long
    commit, a collection) restarts the schedule from then, so the callers behind it go
    on one slot apart instead of all at once, a burst the platform answers with 429s.
    """

    def __init__(self, per_second: float, burst: int = 1) -> None:
        self.per_second = per_second
        self.burst = max(1, burst)
        self._next = 0.0
        self._lock = asyncio.Lock()

    async def acquire(self) -> None:
        """Wait for a slot."""
        interval = 1.0 / self.per_second
        async with self._lock:
            now = time.monotonic()
            slot = max(self._next, now - (self.burst - 1) * interval)
            if slot > now:
                await asyncio.sleep(slot - now)
                # Made up: lateness of up to half a slot; the rest is a stall.
                slot = max(slot, time.monotonic() - interval / 2)
            self._next = slot + interval


class SharedRateLimiter:
    """`RateLimiter`'s promise kept by every instance on one PostgreSQL together: at most
    `per_second` acquisitions per second in all, bursts of at most `burst`.

    Each acquisition reserves its slot in the budget's row (`bot.storage.budgets`, one
    statement, the server's clock), then sleeps here until it. A sleep that wakes a little
    late goes (the slots after it are spaced by the schedule, not by when each went); one
    that wakes past its slot by more than `_MADE_UP` or half an interval (this loop
    stalled) does not go late, next to the slots others took after it: it takes a fresh
    slot. When the database does not answer, that acquisition is paced in this process
    alone (said once per outage) rather than failing a delivery.
    """

    def __init__(
        self,
        store: Store,
        name: str,
        per_second: float,
        burst: int = 1,
        *,
        timeout: float = RESERVE_TIMEOUT,
    ) -> None:
        self.store = store
        self.name = name
        self.per_second = per_second
        self.burst = max(1, burst)
        self.timeout = timeout
        self._local = RateLimiter(per_second, burst)
        self._failing = False

    async def acquire(self) -> None:
        """Wait for a slot of the shared budget."""
        interval = 1.0 / self.per_second
        made_up = max(interval / 2, _MADE_UP)
        for _ in range(_STALL_TRIES):
            try:
                async with asyncio.timeout(self.timeout):
                    wait = await budgets.reserve(self.store, self.name, interval, self.burst)
            except Exception as exc:  # the database's fault must not be the delivery's
                if not self._failing:
                    self._failing = True
                    log.warning(
                        "rate budget %r: the database did not answer (%s); pacing this "
                        "instance alone until it does",
                        self.name,
                        type(exc).__name__ if isinstance(exc, TimeoutError) else exc,
                    )
                await self._local.acquire()
                return
            if self._failing:
                self._failing = False
                log.info("rate budget %r: shared again", self.name)
            if wait <= 0:
                return
            due = time.monotonic() + wait
            await asyncio.sleep(wait)
            if time.monotonic() - due <= made_up:
                return


def rate_limiter(store: Store, name: str, per_second: float, burst: int = 1) -> Pacer:
    """The limiter for budget `name`: shared by the instances on PostgreSQL, in this
    process on SQLite (one bot per file: no round trip to add)."""
    if store.engine == POSTGRESQL:
        return SharedRateLimiter(store, name, per_second, burst)
    return RateLimiter(per_second, burst)
