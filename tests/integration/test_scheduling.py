"""Scheduling: one planner task that sleeps until the next item is due (or the plan
changes), everything due at one instant queued in one pass and one transaction, and DM
channels opened when people subscribe, so that a DM at its due time is one request.

The real Runtime, Discord and Slack adapters against the fakes, on a simulated clock:
the tests look at what the planner and the sender sleep for, never at the wall clock.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import math
import time
from collections.abc import AsyncIterator, Callable, Iterable
from datetime import datetime, timedelta
from typing import Any

import pytest

from bot.app import build_core
from bot.core.clock import SimulatedClock
from bot.core.model import ChannelRef, UserRef, plain
from bot.delivery.pacing import RateLimiter
from bot.platforms.discord.adapter import DiscordAdapter
from bot.runtime import Runtime
from bot.settings import EventConfig, PlatformConfig
from bot.storage import Store, dm_channels
from bot.storage import announcements as ann
from bot.storage.outbox import Delivery
from tests.fakes.discord_server import FakeDiscord
from tests.fakes.slack_server import FakeSlack
from tests.fakes.world import on_both_platforms

D_ANNOUNCE = "900000000000000001"
S_ANNOUNCE = "C0ANNOUNCE"
DM_OPEN = "POST /users/@me/channels"
DM_SEND = "POST /channels/{channel_id}/messages"
EVENING = datetime.fromisoformat("2026-02-06T20:00:00+09:00")  # no sample session near it


def at(hhmm: str, day: int = 5) -> datetime:
    return datetime.fromisoformat(f"2026-02-0{day}T{hhmm}:00+09:00")


class CountingRuntime(Runtime):
    """The runtime, counting its enqueue transactions (each call is one)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.transactions = 0
        super().__init__(*args, **kwargs)

    async def enqueue(self, deliveries: Iterable[Delivery]) -> int:
        batch = list(deliveries)
        if batch:
            self.transactions += 1
        return await super().enqueue(batch)


Bot = tuple[CountingRuntime, FakeDiscord, FakeSlack]


def with_platforms(config: EventConfig) -> EventConfig:
    platforms = {
        "discord": PlatformConfig(channels={"announcements": D_ANNOUNCE}),
        "slack": PlatformConfig(channels={"announcements": S_ANNOUNCE}),
    }
    return config.model_copy(update={"platforms": platforms})


@contextlib.asynccontextmanager
async def running_bot(
    monkeypatch: pytest.MonkeyPatch, config: EventConfig, store: Store, clock: SimulatedClock
) -> AsyncIterator[Bot]:
    """The bot on Discord and Slack (the fakes), its runtime started."""
    core = await build_core(config, store, clock)
    async with on_both_platforms(
        monkeypatch,
        core,
        config,
        discord_channels={D_ANNOUNCE: "announcements"},
        slack_channels={"announcements": S_ANNOUNCE},
        runtime=CountingRuntime,
    ) as on:
        assert isinstance(on.runtime, CountingRuntime)
        yield on.runtime, on.discord, on.slack


@pytest.fixture
def bot(
    monkeypatch: pytest.MonkeyPatch, event_config: EventConfig, store: Store
) -> Callable[[SimulatedClock], contextlib.AbstractAsyncContextManager[Bot]]:
    """Start the bot on the sample event with a given clock."""
    return lambda clock: running_bot(monkeypatch, with_platforms(event_config), store, clock)


async def settle(runtime: Runtime) -> None:
    """Let the planner take in what it was told, without any wall-clock wait."""
    await runtime.planner.idle()


# ---- one pass, one transaction ------------------------------------------------------------


async def test_many_reminders_due_at_one_instant_are_queued_in_one_pass(
    monkeypatch: pytest.MonkeyPatch,
    event_config: EventConfig,
    store: Store,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # 300 poster talks start at the same minute, each reminding 10 minutes before.
    model = next(s for s in event_config.sessions if s.id == "roundtable")
    posters = [
        model.model_copy(
            update={
                "id": f"poster-{i:03d}",
                "start": EVENING,
                "end": EVENING + timedelta(minutes=30),
                "reminders": [10],
            }
        )
        for i in range(300)
    ]
    config = with_platforms(
        event_config.model_copy(update={"sessions": [*event_config.sessions, *posters]})
    )
    clock = SimulatedClock(EVENING - timedelta(minutes=11), speed=0)
    caplog.set_level(logging.ERROR)
    async with running_bot(monkeypatch, config, store, clock) as (runtime, _, _):
        before = runtime.transactions
        clock.set(EVENING - timedelta(minutes=10))
        assert await runtime.planner.fire_due() == 300
        # 600 deliveries (each poster to Discord and Slack), one transaction.
        assert runtime.transactions == before + 1
        rows = await store.fetchall(
            "SELECT COUNT(*) FROM outbox WHERE dedup_key LIKE 'rem:poster-%'"
        )
        assert rows[0][0] == 600
        assert await runtime.planner.fire_due() == 0  # nothing twice
        assert runtime.transactions == before + 1
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


# ---- sleeping until the next item, waking for a reason ------------------------------------


async def test_the_planner_sleeps_until_the_next_item_on_the_bots_clock(
    bot: Callable[[SimulatedClock], contextlib.AbstractAsyncContextManager[Bot]],
) -> None:
    # A rehearsal at 60x: the roundtable's 10-minute reminder (09:50) is 10 simulated
    # minutes away, 10 real seconds.
    clock = SimulatedClock(at("09:40"), speed=60)
    async with bot(clock) as (runtime, _, _):
        await settle(runtime)
        wait = runtime.planner.sleeping_for
        assert wait is not None and 9.0 < wait <= 10.0
        for _ in range(20):
            await asyncio.sleep(0)  # the loop turns; the planner does not wake
        assert runtime.planner.wakeups == 0


async def test_with_nothing_due_nothing_wakes(
    bot: Callable[[SimulatedClock], contextlib.AbstractAsyncContextManager[Bot]],
) -> None:
    # After the event: nothing is planned, nothing queued; the clock runs.
    clock = SimulatedClock(at("20:00", day=7), speed=1)
    async with bot(clock) as (runtime, _, _):
        await settle(runtime)
        for sender in runtime.senders.values():
            await sender.drain()
        for _ in range(20):
            await asyncio.sleep(0)
        assert runtime.planner.sleeping_for == math.inf
        assert runtime.planner.wakeups == 0
        # The senders wait to be woken, with no timer (they poll nothing).
        for sender in runtime.senders.values():
            assert sender.sleeping_for == math.inf


async def test_a_change_of_plan_wakes_the_planner_early(
    bot: Callable[[SimulatedClock], contextlib.AbstractAsyncContextManager[Bot]],
    store: Store,
) -> None:
    clock = SimulatedClock(at("08:00"), speed=0)  # stopped: only a change can wake it
    async with bot(clock) as (runtime, dfake, sfake):
        await settle(runtime)
        assert runtime.planner.sleeping_for == math.inf
        # `forum-bot announce` writes to the store and signals the bot, which says so.
        await ann.create(
            store,
            "Lunch is served",
            ("all",),
            ann.ASAP,
            ann.SCHEDULED,
            "shell:op",
            "shell",
            at("08:00"),
        )
        runtime.store_changed()
        await settle(runtime)
        assert runtime.planner.wakeups == 1
        keys = await store.fetchall("SELECT dedup_key FROM outbox ORDER BY dedup_key")
        assert [k[0] for k in keys] == ["ann:1:discord", "ann:1:slack"]
        for sender in runtime.senders.values():
            await sender.drain()
        assert [m["content"] for m in dfake.channel_messages(D_ANNOUNCE)] != []
        assert len(sfake.messages_in(S_ANNOUNCE)) == 1


async def test_a_new_subscription_moves_the_planners_alarm(
    bot: Callable[[SimulatedClock], contextlib.AbstractAsyncContextManager[Bot]],
) -> None:
    # 60x from 12:00: the next item is the dialogue's 15-minute reminder at 12:45.
    clock = SimulatedClock(at("12:00"), speed=60)
    async with bot(clock) as (runtime, _, _):
        await settle(runtime)
        first = runtime.planner.sleeping_for
        assert first is not None and 44.0 < first <= 45.0
        alice = UserRef("discord", "1001", "alice")
        reply = await runtime.core.dispatch_text(
            "discord", "/remind dialogue 50", alice, ChannelRef("discord", "c")
        )
        assert not reply.error, plain(reply.text)
        await settle(runtime)  # 12:10 now comes first
        assert runtime.planner.wakeups == 1
        sooner = runtime.planner.sleeping_for
        assert sooner is not None and 9.0 < sooner <= 10.0


# ---- DM channels opened at subscribe ------------------------------------------------------


async def _dm_requests(fake: FakeDiscord, since: int, dm_channels: set[str]) -> tuple[int, int]:
    opens = sum(r.route == DM_OPEN for r in fake.requests[since:])
    sends = sum(
        r.route == DM_SEND and r.params["channel_id"] in dm_channels for r in fake.requests[since:]
    )
    return opens, sends


async def test_a_dm_at_its_due_time_is_one_request_when_opened_at_subscribe(
    bot: Callable[[SimulatedClock], contextlib.AbstractAsyncContextManager[Bot]],
    store: Store,
) -> None:
    clock = SimulatedClock(at("12:00"), speed=0)
    async with bot(clock) as (runtime, dfake, _):
        pending = await dfake.send_slash_command("remind", {"session": "dialogue", "minutes": 30})
        assert "Dialogue" in str((await pending).json)
        await runtime.dms_opened()
        # Opened when they subscribed, and kept in the store.
        assert sum(r.route == DM_OPEN for r in dfake.requests) == 1
        kept = await store.fetchall("SELECT platform, user_id FROM dm_channels")
        assert [tuple(r) for r in kept] == [("discord", dfake.default_user["id"])]
        dms = {c for c, ch in dfake.channels.items() if ch.get("type") == 1}
        since = len(dfake.requests)
        clock.set(at("12:30"))
        await runtime.planner.fire_due()
        await runtime.senders["discord"].drain()
        assert await _dm_requests(dfake, since, dms) == (0, 1)


async def test_a_kept_dm_channel_survives_a_restart(
    bot: Callable[[SimulatedClock], contextlib.AbstractAsyncContextManager[Bot]],
    store: Store,
) -> None:
    clock = SimulatedClock(at("12:00"), speed=0)
    async with bot(clock) as (runtime, dfake, _):
        pending = await dfake.send_slash_command("remind", {"session": "dialogue", "minutes": 30})
        await pending
        await runtime.dms_opened()
        # The bot stops and starts again: a new adapter knows nothing in memory.
        await runtime.stop()
        old = runtime.adapters["discord"]
        assert isinstance(old, DiscordAdapter)
        await old.stop()
        fresh = DiscordAdapter(runtime.core, old.settings, old.config, store)
        await fresh.start()
        try:
            again = Runtime(runtime.core, [fresh])
            await again.start()
            try:
                dms = {c for c, ch in dfake.channels.items() if ch.get("type") == 1}
                since = len(dfake.requests)
                clock.set(at("12:30"))
                await again.planner.fire_due()
                await again.senders["discord"].drain()
                assert await _dm_requests(dfake, since, dms) == (0, 1)
            finally:
                await again.stop()
        finally:
            await fresh.stop()


async def test_slack_opens_the_dm_at_subscribe_too(
    bot: Callable[[SimulatedClock], contextlib.AbstractAsyncContextManager[Bot]],
) -> None:
    clock = SimulatedClock(at("12:00"), speed=0)
    async with bot(clock) as (runtime, _, sfake):
        bob = UserRef("slack", "U2", "bob")
        reply = await runtime.core.dispatch_text(
            "slack", "/remind dialogue 30", bob, ChannelRef("slack", "C1")
        )
        assert not reply.error, plain(reply.text)
        await runtime.dms_opened()
        assert len(sfake.calls_to("conversations.open")) == 1
        calls = len(sfake.calls)
        clock.set(at("12:30"))
        await runtime.planner.fire_due()
        await runtime.senders["slack"].drain()
        made = [c.method for c in sfake.calls[calls:]]
        assert made == ["chat.postMessage"], made


async def test_a_kept_dm_channel_discord_no_longer_knows_is_opened_again(
    bot: Callable[[SimulatedClock], contextlib.AbstractAsyncContextManager[Bot]],
    store: Store,
) -> None:
    clock = SimulatedClock(at("12:00"), speed=0)
    async with bot(clock) as (runtime, dfake, _):
        uid = dfake.default_user["id"]
        await dm_channels.keep(store, "discord", uid, "123456789012345678", clock.now())
        await store.execute(
            "INSERT INTO subscriptions (user_key, platform, user_id, session_id, minutes, "
            "created_at) VALUES (?, 'discord', ?, 'dialogue', 30, ?)",
            (f"discord:{uid}", uid, clock.now().isoformat()),
        )
        await runtime.replan()
        clock.set(at("12:30"))
        await runtime.planner.fire_due()
        await runtime.senders["discord"].drain()  # 10003, then a retry in a new channel
        assert sum(r.route == DM_OPEN for r in dfake.requests) == 1
        kept = await dm_channels.get(store, "discord", uid)
        assert kept is not None and dfake.channels[kept]["type"] == 1
        assert [m["channel_id"] for m in dfake.messages.values()] == [kept]


# ---- the fan-out's pace ---------------------------------------------------------------


async def test_the_pacer_spaces_requests_again_after_the_loop_stalls() -> None:
    # Real seconds, as platforms count them: 100 a second, 10 ms apart.
    limiter = RateLimiter(100.0)
    released: list[float] = []

    async def request() -> None:
        await limiter.acquire()
        released.append(time.monotonic())

    tasks = [asyncio.create_task(request()) for _ in range(8)]
    for _ in range(3):
        await asyncio.sleep(0)  # the first is through, the second sleeps for its slot
    time.sleep(0.05)  # noqa: ASYNC251 - the loop stalls 50 ms (a long commit, a collection)
    await asyncio.gather(*tasks)
    gaps = [b - a for a, b in itertools.pairwise(released)]
    # No catching up five missed slots at once (a burst over the platform's limit).
    assert min(gaps[1:]) >= 0.004, gaps
