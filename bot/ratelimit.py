"""A token bucket for platform limits, which are counted in real seconds."""

from __future__ import annotations

import asyncio
import time


class RateLimiter:
    """At most `per_second` acquisitions per second on average, in bursts of `burst`.

    Platform limits are in real seconds, so this runs on the monotonic clock, not the
    (possibly simulated) event clock.
    """

    def __init__(self, per_second: float, burst: int = 1) -> None:
        self.per_second = per_second
        self.burst = max(1, burst)
        self._tokens = float(self.burst)
        self._at = time.monotonic()
        self._lock = asyncio.Lock()

    async def acquire(self) -> None:
        """Wait for a token."""
        async with self._lock:
            while True:
                now = time.monotonic()
                self._tokens = min(self.burst, self._tokens + (now - self._at) * self.per_second)
                self._at = now
                if self._tokens >= 1:
                    self._tokens -= 1
                    return
                await asyncio.sleep((1 - self._tokens) / self.per_second)
