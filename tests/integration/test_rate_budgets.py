"""Two instances on one PostgreSQL keep each platform's limit together (bot/delivery/pacing.py's
shared budget): real discord.py and slack_sdk clients of two instances against ONE fake
server that answers 429 past the limit, and is never made to."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import discord
import pytest
import pytest_asyncio
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient

from bot.core.clock import SimulatedClock
from bot.core.model import Reply, UserRef
from bot.platforms.discord.adapter import DiscordSettings, point_discord_py_at
from bot.platforms.discord.delivery import DiscordDelivery
from bot.platforms.slack.adapter import SlackSettings
from bot.platforms.slack.delivery import SlackDelivery
from bot.settings import PlatformConfig
from bot.storage import Store, open_store
from tests.conftest import KST_0900
from tests.fakes.discord_server import FakeDiscord
from tests.fakes.slack_server import FakeSlack
from tests.fakes.world import keep_clients_local
from tests.postgres import PostgresServer

TOKEN = "discord-test-token"
# Discord's global limit, lowered: requests a second. The bot's rate is just under it,
# as 47 is under Discord's 50; two instances pacing themselves alone would send twice it.
GLOBAL_LIMIT = 20
BOT_RATE = 18.0
SECRET = "slack-test-secret"


@pytest_asyncio.fixture
async def instances(postgres: PostgresServer) -> AsyncIterator[list[Store]]:
    """Two instances' stores on one database."""
    url = await postgres.new_database()
    stores = [await open_store(url), await open_store(url)]
    try:
        yield stores
    finally:
        for store in stores:
            await store.close()
        await postgres.recycle(url)


async def test_two_instances_dms_stay_under_discords_global_limit(
    instances: list[Store], monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = SimulatedClock(KST_0900, speed=0)
    keep_clients_local(monkeypatch)
    async with FakeDiscord(token=TOKEN) as fake:
        point_discord_py_at(fake.api_base, fake.gateway_url)
        people = [UserRef("discord", fake.add_user(f"p{i}")["id"], f"p{i}") for i in range(6)]
        settings = DiscordSettings(
            token=TOKEN,
            api_base=fake.api_base,
            gateway_url=fake.gateway_url,
            requests_per_second=BOT_RATE,
        )
        clients = [discord.Client(intents=discord.Intents.default()) for _ in instances]
        try:
            deliveries = []
            for client, store in zip(clients, instances, strict=True):
                await client.login(TOKEN)
                deliveries.append(DiscordDelivery(client, settings, PlatformConfig(), store, clock))
            for person in people:  # opened when they subscribed; kept in the shared table
                await deliveries[0].open_dm(person.id)
            fake.global_limit = GLOBAL_LIMIT  # counted from here: the logins are not ours
            # 60 DMs, each instance draining half, all at once (the senders' concurrency).
            await asyncio.gather(
                *(
                    deliveries[i % 2].dm(people[i % 6], Reply(f"reminder {i}"), key=f"k{i}")
                    for i in range(60)
                )
            )
        finally:
            for client in clients:
                await client.close()
        sent = [r for r in fake.requests if r.route == "POST /channels/{channel_id}/messages"]
        assert len([r for r in sent if r.status == 200]) == 60
        assert fake.global_limited == 0


def _slack_deliveries(fake: FakeSlack, instances: list[Store]) -> list[SlackDelivery]:
    """Each instance's Slack delivery, paced at 9 posts a second per channel."""
    settings = SlackSettings(
        bot_token=fake.bot_token,
        signing_secret=SECRET,
        api_base=fake.api_base,
        pace_seconds=1 / 9,
    )
    return [
        SlackDelivery(
            AsyncWebClient(
                token=fake.bot_token,
                base_url=fake.api_base,
                retry_handlers=[AsyncRateLimitErrorRetryHandler(max_retry_count=3)],
            ),
            settings,
            PlatformConfig(),
            store,
            SimulatedClock(KST_0900, speed=0),
        )
        for store in instances
    ]


async def test_two_instances_posts_to_one_slack_channel_stay_under_its_pace(
    instances: list[Store], monkeypatch: pytest.MonkeyPatch
) -> None:
    keep_clients_local(monkeypatch)
    # Slack's per-channel limit, raised to 10 a second (a burst of 2); the bot's pace just
    # under it: 9 a second. Two instances pacing themselves alone would post 18.
    async with FakeSlack(signing_secret=SECRET, post_rate=10.0, post_burst=2) as fake:
        deliveries = _slack_deliveries(fake, instances)
        await asyncio.gather(
            *(deliveries[i % 2].post("general", Reply(f"news {i}")) for i in range(20))
        )
        statuses = [c.status for c in fake.calls_to("chat.postMessage")]
        assert statuses == [200] * 20


async def test_slack_dms_are_paced_by_each_instance_alone(
    instances: list[Store], monkeypatch: pytest.MonkeyPatch
) -> None:
    keep_clients_local(monkeypatch)
    async with FakeSlack(signing_secret=SECRET, post_rate=10.0, post_burst=2) as fake:
        delivery = _slack_deliveries(fake, instances)[0]
        for i in range(3):
            await delivery.dm(UserRef("slack", f"U{i}"), Reply("reminder"))
            await delivery.dm(UserRef("slack", f"U{i}"), Reply("starts now"))
        await delivery.post("general", Reply("news"))
        statuses = [c.status for c in fake.calls_to("chat.postMessage")]
        assert statuses == [200] * 7  # each DM's two posts paced, in memory
        # No row (nor round trip) per person: only the channel's budget is shared.
        rows = await instances[0].fetchall("SELECT name FROM rate_budgets")
        assert [r[0] for r in rows] == ["slack:C0GENERAL"]
