"""The simulated clock: starts where asked, runs at the asked speed, moves only forward."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.core.clock import SimulatedClock, SystemClock, parse_moment


def test_stopped_clock_moves_only_when_told() -> None:
    start = parse_moment("2026-02-05T08:50:00+09:00")
    clock = SimulatedClock(start, speed=0)
    assert clock.now() == start
    assert clock.now().tzinfo is not None
    clock.advance(timedelta(minutes=10))
    assert clock.now() == start + timedelta(minutes=10)
    clock.set(parse_moment("2026-02-05T10:00:00+09:00"))
    assert clock.now().astimezone(start.tzinfo).hour == 10
    assert clock.wall_seconds(60) == float("inf")
    with pytest.raises(ValueError, match="forward"):
        clock.advance(timedelta(seconds=-1))


def test_fast_clock_scales_wall_time() -> None:
    start = datetime(2026, 2, 5, tzinfo=UTC)
    clock = SimulatedClock(start, speed=60)
    assert clock.wall_seconds(600) == 10
    assert clock.now() >= start
    assert clock.speed == 60


def test_bad_starts_are_refused() -> None:
    with pytest.raises(ValueError, match="UTC offset"):
        parse_moment("2026-02-05T08:50")
    with pytest.raises(ValueError, match="time zone"):
        SimulatedClock(datetime(2026, 2, 5), speed=1)
    with pytest.raises(ValueError, match="negative"):
        SimulatedClock(datetime(2026, 2, 5, tzinfo=UTC), speed=-1)


def test_system_clock_is_aware_utc() -> None:
    now = SystemClock().now()
    assert now.tzinfo is UTC and SystemClock().wall_seconds(5) == 5
