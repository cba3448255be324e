"""Where "now" comes from: the system clock, or a simulated one for rehearsals and tests."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    """Anything that says what time it is (always timezone-aware, UTC)."""

    def now(self) -> datetime:
        """The current moment."""
        ...

    def wall_seconds(self, simulated: float) -> float:
        """How many real seconds pass while `simulated` seconds pass on this clock."""
        ...


class SystemClock:
    """The real time."""

    def now(self) -> datetime:
        """The current moment, UTC."""
        return datetime.now(UTC)

    def wall_seconds(self, simulated: float) -> float:
        """Real and simulated seconds are the same."""
        return simulated


class SimulatedClock:
    """A clock that starts at a chosen moment and runs `speed` times as fast as real time.

    An organiser rehearses the event with `--simulate-from 2026-02-05T08:50+09:00 --speed 60`;
    tests use speed 0 and move time on with `advance`, so nothing ever sleeps for real.
    """

    def __init__(
        self,
        start: datetime,
        speed: float = 1.0,
    ) -> None:
        if start.tzinfo is None:
            raise ValueError("the simulated start needs a time zone, e.g. +09:00")
        if speed < 0:
            raise ValueError("speed cannot be negative")
        self._start = start.astimezone(UTC)
        self._speed = speed
        self._t0 = time.monotonic()
        self._offset = timedelta(0)

    @property
    def speed(self) -> float:
        """How many simulated seconds pass per real second."""
        return self._speed

    def now(self) -> datetime:
        """The simulated moment, UTC."""
        elapsed = (time.monotonic() - self._t0) * self._speed
        return self._start + self._offset + timedelta(seconds=elapsed)

    def advance(self, delta: timedelta) -> None:
        """Jump forward (tests and the console's rehearsal controls)."""
        if delta < timedelta(0):
            raise ValueError("a clock only moves forward")
        self._offset += delta

    def set(self, moment: datetime) -> None:
        """Jump to `moment`, which must not lie in the simulated past."""
        self.advance(moment.astimezone(UTC) - self.now())

    def wall_seconds(self, simulated: float) -> float:
        """Real seconds for `simulated` seconds; a stopped clock never gets there alone."""
        if self._speed == 0:
            return float("inf")
        return simulated / self._speed


def parse_moment(text: str) -> datetime:
    """Read an ISO 8601 moment with its offset, e.g. 2026-02-05T08:50:00+09:00."""
    moment = datetime.fromisoformat(text.strip())
    if moment.tzinfo is None:
        raise ValueError(f"{text!r} has no UTC offset; write it like 2026-02-05T08:50+09:00")
    return moment
