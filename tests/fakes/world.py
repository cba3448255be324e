"""One bot on both fake platforms, its running side started: the world the reminder,
scheduling, fan-out and Q&A tests over real clients build on."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

import discord
import pytest

from bot.core.clock import SimulatedClock
from bot.core.dispatch import Core
from bot.platforms.base import Adapter
from bot.platforms.discord.adapter import DiscordAdapter, DiscordSettings
from bot.platforms.slack.adapter import EVENTS_PATH, SlackAdapter, SlackSettings
from bot.runtime import Runtime
from bot.settings import EventConfig
from tests.fakes.discord_server import DEFAULT_ROLES, FakeDiscord
from tests.fakes.environment import serve_http
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
    slack_events_url: str | None = None  # Slack's HTTP endpoint, when asked to serve it


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
    discord_channels: Mapping[str, str],
    slack_channels: Mapping[str, str],
    discord_token: str = "t",
    discord_fake_roles: Iterable[str] = DEFAULT_ROLES,
    discord_roles: Sequence[tuple[str, str | None]] = (),
    slack_token: str = "xoxb-t",
    slack_secret: str = SECRET,
    slack_usergroups: Mapping[str, Sequence[str]] | None = None,
    slack_usergroup_handles: Mapping[str, str] | None = None,
    serve_slack_http: bool = False,
    runtime: Callable[[Core, list[Adapter]], Runtime] = Runtime,
) -> AsyncIterator[Platforms]:
    """The bot on a fake Discord (channels by id: name) and a fake Slack (channels by
    name: id), both adapters started and the runtime over them; all stopped afterwards.

    The fake guild has `discord_fake_roles` (ids made up), then `discord_roles` (name,
    id; None makes one up), each added above the last. `slack_usergroups` (id: member
    ids) and `slack_usergroup_handles` (id: handle) are the workspace's user groups.
    With `serve_slack_http`, the Slack adapter's endpoint is served on a port of its own,
    as `forum-bot run` serves it on its one, and its URL is `slack_events_url`."""
    keep_clients_local(monkeypatch)
    async with contextlib.AsyncExitStack() as stack:
        dfake = await stack.enter_async_context(
            FakeDiscord(token=discord_token, roles=discord_fake_roles)
        )
        for cid, name in discord_channels.items():
            dfake.add_channel(cid, name=name)
        for name, rid in discord_roles:
            dfake.add_role(name, rid)
        sfake = await stack.enter_async_context(
            FakeSlack(
                signing_secret=slack_secret,
                bot_token=slack_token,
                channels=slack_channels,
                usergroups=slack_usergroups,
                usergroup_handles=slack_usergroup_handles,
            )
        )
        d = DiscordAdapter(
            core,
            DiscordSettings(
                discord_token,
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
            SlackSettings(slack_token, slack_secret, api_base=sfake.api_base, pace_seconds=0.0),
            config.platforms["slack"],
        )
        for adapter in (d, s):
            stack.push_async_callback(adapter.stop)
            await adapter.start()
        running = runtime(core, [d, s])
        # Stopped even if starting fails half-way: stop() undoes whatever did start.
        stack.push_async_callback(running.stop)
        await running.start()
        url = await serve_http(stack, s) + EVENTS_PATH if serve_slack_http else None
        yield Platforms(dfake, sfake, d, s, running, url)
