"""Discord's gateway on the leading instance only (several instances on one PostgreSQL):
a follower logs in and sends by REST, holds no gateway and syncs nothing; `lead` connects
and syncs, `follow` disconnects, and the adapter can lead again."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from bot.core.dispatch import Core
from bot.core.model import Reply, UserRef
from bot.platforms.base import HoldsGateway
from bot.platforms.discord.adapter import DiscordAdapter, DiscordSettings
from bot.settings import PlatformConfig
from bot.storage import Store
from tests.fakes.discord_server import FakeDiscord
from tests.fakes.world import keep_clients_local

TOKEN = "discord-gateway-token"
IDENTIFY = 2


async def _start_follower(
    stack: contextlib.AsyncExitStack,
    monkeypatch: pytest.MonkeyPatch,
    core: Core,
    store: Store,
    *,
    global_commands: bool = False,
    config: PlatformConfig | None = None,
) -> tuple[FakeDiscord, DiscordAdapter]:
    """A fake Discord and an adapter started as a follower (its commands in the fake's
    guild, or global ones: no guild ids)."""
    fake = await stack.enter_async_context(FakeDiscord(token=TOKEN))
    keep_clients_local(monkeypatch)
    settings = DiscordSettings(
        token=TOKEN,
        guild_ids=() if global_commands else (int(fake.guild_id),),
        api_base=fake.api_base,
        gateway_url=fake.gateway_url,
        guild_ready_timeout=0.01,
        ready_timeout=5,
    )
    adapter = DiscordAdapter(core, settings, config or PlatformConfig(), store)
    assert isinstance(adapter, HoldsGateway)
    adapter.follower = True
    stack.push_async_callback(adapter.stop)
    await adapter.start()
    return fake, adapter


@pytest_asyncio.fixture
async def follower(
    monkeypatch: pytest.MonkeyPatch, core: Core, store: Store
) -> AsyncIterator[tuple[FakeDiscord, DiscordAdapter]]:
    """A fake Discord and an adapter started as a follower."""
    async with contextlib.AsyncExitStack() as stack:
        yield await _start_follower(stack, monkeypatch, core, store)


def identifies(fake: FakeDiscord) -> int:
    return sum(1 for frame in fake.gateway_received if frame.get("op") == IDENTIFY)


async def _dm_goes_by_rest(fake: FakeDiscord, adapter: DiscordAdapter, text: str) -> None:
    user = fake.add_user(f"person-{len(fake.users)}")
    sent = await adapter.dm(UserRef("discord", user["id"]), Reply(text=text), key=text)
    assert fake.messages[sent.message_id]["content"] == text


async def test_a_follower_sends_by_rest_and_holds_no_gateway(
    follower: tuple[FakeDiscord, DiscordAdapter],
) -> None:
    fake, adapter = follower
    await _dm_goes_by_rest(fake, adapter, "a reminder sent by a follower")
    # Nothing on the gateway, and the leader's commands are left as they are.
    assert fake.gateway_received == [] and fake.connected == 0
    assert fake.commands == {}


async def test_lead_connects_and_answers_follow_lets_go_and_it_can_lead_again(
    follower: tuple[FakeDiscord, DiscordAdapter],
) -> None:
    fake, adapter = follower
    await adapter.lead()
    await fake.wait_connected(1)
    assert identifies(fake) == 1 and fake.commands[fake.guild_id]
    answered = await (await fake.send_slash_command("help"))
    assert answered.json["type"] == 4
    await adapter.lead()  # leading already: no second connection
    assert identifies(fake) == 1

    await adapter.follow()
    await fake.wait_connected(0)
    # Discord would send the next command to the instance that leads now, not here.
    await _dm_goes_by_rest(fake, adapter, "sent by REST after the gateway closed")

    await adapter.lead()
    await fake.wait_connected(1)
    assert identifies(fake) == 2
    answered = await (await fake.send_slash_command("help"))
    assert answered.json["type"] == 4


async def test_a_follower_with_global_commands_posts_to_a_channel_by_name(
    monkeypatch: pytest.MonkeyPatch, core: Core, store: Store
) -> None:
    # No gateway, so no cached channels, and no guild ids to list: it asks Discord for the
    # bot's guilds, then their channels, once.
    async with contextlib.AsyncExitStack() as stack:
        config = PlatformConfig(channels={"announcements": "#talks"})
        fake, adapter = await _start_follower(
            stack, monkeypatch, core, store, global_commands=True, config=config
        )
        talks = fake.add_channel(name="talks")
        for text in ("first", "second"):
            sent = await adapter.post("announcements", Reply(text=text))
            assert sent.channel_id == talks["id"]
            assert fake.messages[sent.message_id]["content"] == text
        listed = [r.route for r in fake.requests if r.method == "GET" and "guild" in r.route]
        assert listed == ["GET /users/@me/guilds", "GET /guilds/{guild_id}/channels"]
        assert fake.connected == 0


async def test_a_leader_whose_commands_cannot_be_synced_keeps_the_gateway(
    follower: tuple[FakeDiscord, DiscordAdapter],
) -> None:
    """Found in review: a failed sync made the cluster give the lead up and take it back
    every round, a new IDENTIFY each time (Discord allows 1,000 a day)."""
    fake, adapter = follower
    # Dropped connections, more than discord.py's own retries (it tries 5 times).
    fake.drop_next("PUT /applications/{application_id}/guilds/{guild_id}/commands", times=10)
    await adapter.lead()  # no exception: the cluster keeps this instance leading
    await fake.wait_connected(1)
    assert fake.commands == {} and identifies(fake) == 1
