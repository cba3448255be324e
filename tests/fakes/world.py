"""One bot on both fake platforms, its running side started: the world the reminder,
scheduling and fan-out tests over real clients build on."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

import discord
import pytest

from bot.core.clock import SimulatedClock
from bot.core.dispatch import Core
from bot.platforms.base import Adapter
from bot.platforms.discord.adapter import DiscordAdapter, DiscordSettings
from bot.platforms.slack.adapter import SlackAdapter, SlackSettings
from bot.runtime import Runtime
from bot.settings import EventConfig
from tests.fakes.discord_server import FakeDiscord
from tests.fakes.slack_server import FakeSlack

SECRET = "world-signing-secret"


@dataclass
class Platforms:
    """The fakes, the adapters talking to them, and the runtime over both."""

    discord: FakeDiscord
    slack: FakeSlack
    discord_adapter: DiscordAdapter
    slack_adapter: SlackAdapter
    runtime: Runtime


async def tick(runtime: Runtime, clock: SimulatedClock, until: datetime) -> None:
    """Move the simulated clock, fire what is due and let every sender drain."""
    clock.set(until)
    await runtime.planner.fire_due()
    for sender in runtime.senders.values():
        await sender.drain()


def keep_clients_local(monkeypatch: pytest.MonkeyPatch) -> None:
    """No proxy between the clients and the fakes on 127.0.0.1, and discord.py's
    process-wide addresses (which the adapter points at a fake) restored afterwards."""
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)
    monkeypatch.setattr(discord.http.Route, "BASE", discord.http.Route.BASE)
    monkeypatch.setattr(
        discord.gateway.DiscordWebSocket,
        "DEFAULT_GATEWAY",
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY,
    )


@contextlib.asynccontextmanager
async def on_both_platforms(
    monkeypatch: pytest.MonkeyPatch,
    core: Core,
    config: EventConfig,
    *,
    discord_channels: dict[str, str],
    slack_channels: dict[str, str],
    discord_roles: Sequence[tuple[str, str]] = (),
    runtime: Callable[[Core, list[Adapter]], Runtime] = Runtime,
) -> AsyncIterator[Platforms]:
    """The bot on a fake Discord (channels by id: name) and a fake Slack (channels by
    name: id), both adapters started and the runtime over them; all stopped afterwards."""
    keep_clients_local(monkeypatch)
    async with contextlib.AsyncExitStack() as stack:
        dfake = await stack.enter_async_context(FakeDiscord(token="t"))
        for cid, name in discord_channels.items():
            dfake.add_channel(cid, name=name)
        for name, rid in discord_roles:
            dfake.add_role(name, rid)
        sfake = await stack.enter_async_context(
            FakeSlack(signing_secret=SECRET, bot_token="xoxb-t", channels=slack_channels)
        )
        d = DiscordAdapter(
            core,
            DiscordSettings(
                "t",
                (int(dfake.guild_id),),
                dfake.api_base,
                dfake.gateway_url,
                guild_ready_timeout=0.01,
                ready_timeout=5,
            ),
            config.platforms["discord"],
            core.store,
        )
        s = SlackAdapter(
            core,
            SlackSettings("xoxb-t", SECRET, api_base=sfake.api_base, pace_seconds=0.0),
            config.platforms["slack"],
        )
        for adapter in (d, s):
            stack.push_async_callback(adapter.stop)
            await adapter.start()
        running = runtime(core, [d, s])
        await running.start()
        stack.push_async_callback(running.stop)
        yield Platforms(dfake, sfake, d, s, running)
