"""The platforms' rate budgets (bot/delivery/pacing.py): on PostgreSQL, two instances (two
stores on one database) keep one joint rate, bursts included; a database that does not
answer leaves each acquisition to local pacing, said once; on SQLite, pacing stays in the
process."""

from __future__ import annotations

import asyncio
import logging
import time
from bisect import bisect_left
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from bot.delivery.pacing import RateLimiter, SharedRateLimiter, rate_limiter
from bot.storage import Store, budgets, open_store
from tests.postgres import PostgresServer

RATE = 20.0  # acquisitions a second, in all


@pytest_asyncio.fixture
async def two(postgres: PostgresServer) -> AsyncIterator[tuple[Store, Store]]:
    """Two instances' stores on one database."""
    url = await postgres.new_database()
    a, b = await open_store(url), await open_store(url)
    try:
        yield a, b
    finally:
        await a.close()
        await b.close()
        await postgres.recycle(url)


async def _take(limiter: SharedRateLimiter | RateLimiter, times: int, log: list[float]) -> None:
    for _ in range(times):
        await limiter.acquire()
        log.append(time.monotonic())


def most_in_a_window(times: list[float], window: float) -> int:
    """The most acquisitions in any `window` seconds."""
    ordered = sorted(times)
    return max(i + 1 - bisect_left(ordered, t - window + 1e-9) for i, t in enumerate(ordered))


async def test_two_instances_keep_one_joint_rate(two: tuple[Store, Store]) -> None:
    limiters = [SharedRateLimiter(store, "discord", RATE) for store in two]
    taken: list[list[float]] = [[], []]
    # Each instance asks as fast as it can (two callers each): alone, each would take 20/s.
    await asyncio.gather(*(_take(limiters[i % 2], 6, taken[i % 2]) for i in range(4)))
    joint = sorted(taken[0] + taken[1])
    assert len(joint) == 24 and len(taken[0]) == len(taken[1]) == 12
    achieved = (len(joint) - 1) / (joint[-1] - joint[0])
    assert achieved <= RATE * 1.1, achieved  # 40/s if each instance paced itself alone
    # Half a second holds 10 slots (11 with the fence post, one more for the round trips'
    # jitter on a busy machine; 20 if each instance paced itself alone).
    assert most_in_a_window(joint, 0.5) <= 12


async def test_a_burst_is_shared_then_paced(two: tuple[Store, Store]) -> None:
    a, b = two
    # One a second, bursts of 3, by the server's clock (no sleeping: each reservation
    # says how long until its slot). Three at once after idling, from either instance...
    began = time.monotonic()
    waits = [await budgets.reserve(store, "slack:C1", 1.0, 3) for store in (a, b, a)]
    assert all(w <= 0 for w in waits), waits
    # ...then one a second, whoever asks: each wait is its slot less its own now, so the
    # slots are 1 s and 2 s after the first reservation's now, less the time since then
    # (however long the round trips took on a busy machine).
    later = [await budgets.reserve(store, "slack:C1", 1.0, 3) for store in (b, a)]
    elapsed = time.monotonic() - began + 0.001  # the two clocks' rounding
    assert 1.0 - elapsed <= later[0] <= 1.0 and 2.0 - elapsed <= later[1] <= 2.0, later
    assert later[0] < later[1] <= later[0] + 1.0, later
    # Another budget's slots are its own: its first acquisition goes at once.
    other = SharedRateLimiter(a, "slack:C2", 1.0)
    began = time.monotonic()
    await other.acquire()
    assert time.monotonic() - began < 0.5


async def test_a_database_that_does_not_answer_leaves_pacing_local_said_once(
    two: tuple[Store, Store], caplog: pytest.LogCaptureFixture
) -> None:
    store = two[0]
    limiter = SharedRateLimiter(store, "discord", RATE, timeout=0.2)
    await limiter.acquire()  # the budget's row exists
    caplog.set_level(logging.INFO, "bot.delivery.pacing")
    # Another session holds the row: each reservation waits past its timeout.
    async with two[1].transaction() as tx:
        await tx.fetchall("SELECT * FROM rate_budgets" + tx.for_update)
        began = time.monotonic()
        for _ in range(3):
            await limiter.acquire()
        # Paced locally, not failed, nor held for the pool's connect timeout (10 s): three
        # slots of 20/s after 0.2 s each of waiting.
        assert time.monotonic() - began < 2.0
    said = [r.getMessage() for r in caplog.records]
    assert len(said) == 1 and "pacing this instance alone" in said[0]
    await limiter.acquire()  # the row is free again: shared again, said once
    assert "shared again" in caplog.records[-1].getMessage()
    await store.close()  # and a closed pool is one more outage, not an error
    await limiter.acquire()
    assert "pacing this instance alone" in caplog.records[-1].getMessage()


async def test_sqlite_paces_in_the_process(tmp_path: Path) -> None:
    store = await open_store(tmp_path / "bot.sqlite")
    try:
        limiter = rate_limiter(store, "discord", RATE)
        assert isinstance(limiter, RateLimiter)
        await limiter.acquire()
        assert await store.fetchall("SELECT * FROM rate_budgets") == []
    finally:
        await store.close()


async def _stalled_once(
    monkeypatch: pytest.MonkeyPatch, store: Store, lateness: float
) -> list[float]:
    """Two acquisitions of 10/s, the second's sleep woken `lateness` s past its slot (this
    loop blocked, as by a long commit): the waits of every reservation made."""
    waits: list[float] = []
    reserve = budgets.reserve

    async def reserve_then_stall(*args: Any) -> float:
        wait = await reserve(*args)
        waits.append(wait)
        if len(waits) == 2:
            # Runs once the acquisition sleeps: its wake comes `lateness` after its slot.
            asyncio.get_running_loop().call_soon(time.sleep, max(wait, 0.0) + lateness)
        return wait

    monkeypatch.setattr(budgets, "reserve", reserve_then_stall)
    limiter = SharedRateLimiter(store, "discord", 10.0)
    await limiter.acquire()
    await limiter.acquire()
    return waits


async def test_a_wake_a_little_late_keeps_its_slot(
    two: tuple[Store, Store], monkeypatch: pytest.MonkeyPatch
) -> None:
    # More than half a slot (50 ms) late, but within what a busy loop makes up: going
    # now costs no one a slot; a fresh one would waste this one.
    waits = await _stalled_once(monkeypatch, two[0], 0.08)
    assert len(waits) == 2, waits


async def test_a_stalled_wake_takes_a_fresh_slot(
    two: tuple[Store, Store], monkeypatch: pytest.MonkeyPatch
) -> None:
    # A second late: others' slots came and went meanwhile, so it does not go next to
    # them but reserves again (the budget idle by then: a slot at once).
    waits = await _stalled_once(monkeypatch, two[0], 1.0)
    assert len(waits) == 3 and waits[2] <= 0, waits
