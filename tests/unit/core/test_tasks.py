"""Background work: held until it ends, its failure logged once, cancelled at stop."""

from __future__ import annotations

import asyncio
import gc
import logging

import pytest

from bot.core.tasks import Background

log = logging.getLogger("tests.tasks")


async def test_a_task_nobody_awaits_is_held_and_its_failure_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    background = Background(log, "the test's work")
    gate = asyncio.Event()

    async def work() -> None:
        await gate.wait()
        raise RuntimeError("broken")

    task = background.spawn(work())
    gc.collect()  # held by the set, not only by the loop's weak reference
    assert list(background) == [task]
    gate.set()
    await asyncio.wait([task])
    await asyncio.sleep(0)  # its done-callback runs on the next pass
    assert len(background) == 0
    assert [r.getMessage() for r in caplog.records] == ["the test's work failed"]
    assert caplog.records[0].exc_info is not None


async def test_stop_lets_quick_work_end_and_cancels_the_rest() -> None:
    background = Background(log, "work")
    done: list[str] = []
    never = asyncio.Event()

    async def quick() -> None:
        done.append("quick")

    async def stuck() -> None:
        try:
            await never.wait()
        finally:
            done.append("stuck cancelled")

    background.spawn(quick())
    background.spawn(stuck())
    await background.stop(grace=0.05)
    assert sorted(done) == ["quick", "stuck cancelled"]
    assert len(background) == 0
    await background.stop(grace=0.05)  # nothing left: returns at once
