"""Fan-out on in-memory platforms: reminders, DMs and announcements reach every platform
once, through the real planner, outbox and senders, with no fake server in the way."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime

import pytest_asyncio

from bot.app import build_core
from bot.core.clock import SimulatedClock
from bot.core.model import Role, UserRef, plain
from bot.platforms.base import DeliveryError
from bot.platforms.memory.adapter import MemoryAdapter
from bot.runtime import Runtime
from bot.settings import EventConfig
from bot.storage import Store
from tests.fakes.world import tick

ORGANISER = UserRef("discord", "1", "organiser")


def at(hhmm: str, day: int = 5) -> datetime:
    return datetime.fromisoformat(f"2026-02-0{day}T{hhmm}:00+09:00")


@dataclass
class Hall:
    clock: SimulatedClock
    runtime: Runtime
    discord: MemoryAdapter
    slack: MemoryAdapter

    async def tick(self, until: datetime) -> None:
        """Move the clock, fire what is due and let every sender drain."""
        await tick(self.runtime, self.clock, until)


@pytest_asyncio.fixture
async def hall(event_config: EventConfig, store: Store) -> AsyncIterator[Hall]:
    clock = SimulatedClock(at("08:00"), speed=0)
    core = await build_core(event_config, store, clock)
    discord, slack = MemoryAdapter(core, "discord"), MemoryAdapter(core, "slack")
    async with contextlib.AsyncExitStack() as stack:
        for adapter in (discord, slack):
            await adapter.start()
            stack.push_async_callback(adapter.stop)
        runtime = Runtime(core, [discord, slack])
        await runtime.start()
        stack.push_async_callback(runtime.stop)
        yield Hall(clock, runtime, discord, slack)


def _about(texts: list[str], words: str) -> list[str]:
    return [t for t in texts if words in t]


async def test_a_session_reminder_reaches_every_platform_once(hall: Hall) -> None:
    await hall.tick(at("12:45"))  # the dialogue reminds 15 minutes before
    for platform in (hall.discord, hall.slack):
        assert len(_about(platform.texts("announcements"), "Dialogue with Global")) == 1
    await hall.tick(at("12:46"))
    assert len(_about(hall.discord.texts("announcements"), "Dialogue with Global")) == 1


async def test_an_announcement_to_all_survives_a_failure_on_one_platform(hall: Hall) -> None:
    hall.slack.fail("announcements", DeliveryError("Slack is down", permanent=False))
    preview = await hall.discord.say(
        ORGANISER, "/announce Doors open at 9 to all", role=Role.ORGANISER
    )
    assert preview.buttons, plain(preview.text)
    reply = await hall.discord.press(ORGANISER, preview.buttons[0], role=Role.ORGANISER)
    assert not reply.error, plain(reply.text)
    await hall.tick(at("08:01"))
    assert len(_about(hall.discord.texts("announcements"), "Doors open at 9")) == 1
    assert len(_about(hall.slack.texts("announcements"), "Doors open at 9")) == 1
    assert hall.slack.failures_left("announcements") == 0  # it failed once, then went


async def test_a_dm_refused_for_good_is_not_tried_again(hall: Hall) -> None:
    alice = UserRef("slack", "U1", "alice")
    bob = UserRef("discord", "2", "bob")
    for person, platform in ((alice, hall.slack), (bob, hall.discord)):
        reply = await platform.say(person, "/remind dialogue 30")
        assert not reply.error, plain(reply.text)
    hall.slack.fail("dm:U1", DeliveryError("DMs closed", permanent=True))
    await hall.tick(at("12:30"))
    await hall.tick(at("12:31"))
    assert hall.slack.texts("dm:U1") == [] and hall.slack.failures_left("dm:U1") == 0
    assert len(_about(hall.discord.texts("dm:2"), "Starting in 30 min")) == 1


async def test_a_restart_sends_nothing_twice(hall: Hall, event_config: EventConfig) -> None:
    await hall.tick(at("12:45"))
    before = len(hall.discord.messages) + len(hall.slack.messages)
    await hall.runtime.stop()
    again = Runtime(hall.runtime.core, [hall.discord, hall.slack])
    await again.start()
    try:
        await again.planner.fire_due()
        for sender in again.senders.values():
            await sender.drain()
    finally:
        await again.stop()
    assert len(hall.discord.messages) + len(hall.slack.messages) == before


async def test_a_stored_zone_this_machine_no_longer_knows_still_gets_its_reminder(
    hall: Hall,
) -> None:
    """A zone stored once (tzdata has since dropped it) falls back to the event's zone in
    a reminder, as it does in answers, instead of failing the whole reminder."""
    alice = UserRef("discord", "3", "alice")
    reply = await hall.discord.say(alice, "/remind dialogue 30")
    assert not reply.error, plain(reply.text)
    await hall.runtime.core.store.execute(
        "INSERT INTO user_prefs (user_key, timezone, updated_at) VALUES (?, ?, ?)",
        ("discord:3", "Mars/Olympus", "2026-01-01T00:00:00+00:00"),
    )
    hall.runtime.core.store.cache.clear()  # as after a restart
    await hall.tick(at("12:30"))
    assert len(_about(hall.discord.texts("dm:3"), "Starting in 30 min")) == 1
