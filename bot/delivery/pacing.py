"""Pacing for platform limits, which are counted in real seconds."""

from __future__ import annotations

import asyncio
import time


class RateLimiter:
    """At most `per_second` acquisitions per second, with bursts of at most `burst`.

    Each caller reserves the next free slot and then sleeps until it: the schedule keeps
    its own time, so a sleep that wakes a little late does not cost the next caller its
    slot (a token bucket capped at one token would lose that overshoot every time).
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
            self._next = slot + interval
        wait = slot - now
        if wait > 0:
            await asyncio.sleep(wait)
