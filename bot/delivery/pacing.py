"""Pacing for platform limits, which are counted in real seconds."""

from __future__ import annotations

import asyncio
import time


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
