"""The real discord.py client against the fake Discord in tests/fakes, over 127.0.0.1.

Each test connects a real `discord.Client` (with an app-command tree) to `FakeDiscord` and
checks one of Discord's rules from both sides: what the bot saw and what the fake recorded.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
import discord
import pytest
import pytest_asyncio
import yarl
from discord import app_commands

from bot.core.clock import SimulatedClock
from tests.fakes.discord_server import FakeDiscord

TOKEN = "test-bot-token"
MESSAGES = "POST /channels/{channel_id}/messages"

MakeFake = Callable[..., Awaitable[FakeDiscord]]


@pytest_asyncio.fixture
async def make_fake(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[MakeFake]:
    """Start a FakeDiscord with chosen options and point discord.py at it."""
    async with contextlib.AsyncExitStack() as stack:

        async def make(**options: Any) -> FakeDiscord:
            fake = await stack.enter_async_context(FakeDiscord(token=TOKEN, **options))
            # Class-wide settings of discord.py: monkeypatch puts them back after the test.
            monkeypatch.setattr(discord.http.Route, "BASE", fake.api_base)
            monkeypatch.setattr(
                discord.gateway.DiscordWebSocket, "DEFAULT_GATEWAY", yarl.URL(fake.gateway_url)
            )
            return fake

        yield make


@pytest_asyncio.fixture
async def fake(make_fake: MakeFake) -> FakeDiscord:
    """A FakeDiscord with Discord's own limits."""
    return await make_fake()


@pytest_asyncio.fixture
async def client() -> AsyncIterator[discord.Client]:
    """A real client; closed afterwards even if the test failed half way through login."""
    # discord.py calls on_ready only once no GUILD_CREATE has come for guild_ready_timeout
    # (2 s by default); the fake sends its one right after READY.
    bot = discord.Client(intents=discord.Intents.default(), guild_ready_timeout=0.01)
    yield bot
    await bot.close()


@pytest.fixture
def tree(client: discord.Client) -> app_commands.CommandTree[discord.Client]:
    """The client's app-command tree."""
    return app_commands.CommandTree(client)


@contextlib.asynccontextmanager
async def running(client: discord.Client, token: str = TOKEN) -> AsyncIterator[discord.Client]:
    """Log in, connect and wait until ready; close and wait for the connection after."""
    await client.login(token)
    # reconnect=False: an unexpected disconnect fails the test instead of being retried.
    connection = asyncio.create_task(client.connect(reconnect=False))
    ready = asyncio.create_task(client.wait_until_ready())
    try:
        await asyncio.wait({connection, ready}, timeout=5, return_when=asyncio.FIRST_COMPLETED)
        if connection.done():
            connection.result()  # raises why it ended
        assert ready.done(), "the client did not get ready within 5 s"
        yield client
    finally:
        ready.cancel()
        await client.close()
        await connection


def guild(fake: FakeDiscord) -> discord.Object:
    """The fake's guild, for guild-scoped commands."""
    return discord.Object(int(fake.guild_id))


async def test_login_connect_and_on_ready(fake: FakeDiscord, client: discord.Client) -> None:
    ready = asyncio.Event()

    @client.event
    async def on_ready() -> None:  # discord.py finds event handlers by their name
        ready.set()

    async with running(client):
        await asyncio.wait_for(ready.wait(), 1)
        assert client.user is not None
        assert client.user.id == int(fake.app_id)
        assert client.application_id == int(fake.app_id)

    routes = [r.route for r in fake.requests]
    assert routes[:2] == ["GET /users/@me", "GET /oauth2/applications/@me"]
    assert fake.requests[0].headers["Authorization"] == f"Bot {TOKEN}"
    identify = await fake.wait_for_gateway(lambda f: f["op"] == 2)
    assert identify["d"]["token"] == TOKEN
    assert identify["d"]["intents"] == discord.Intents.default().value
    assert any(f["op"] == 1 for f in fake.gateway_received)  # the first heartbeat


async def test_ready_lists_the_guild_as_unavailable_then_guild_create_fills_it_in(
    fake: FakeDiscord, client: discord.Client
) -> None:
    order: list[str] = []

    @client.event
    async def on_guild_available(g: discord.Guild) -> None:
        order.append(f"available {g.id}")

    @client.event
    async def on_ready() -> None:
        order.append("ready")

    speakers = fake.add_role("Speaker", mentionable=True)
    talks = fake.add_channel(name="talks")
    async with running(client):
        cached = client.get_guild(int(fake.guild_id))
        assert cached is not None and not cached.unavailable
        # What discord.py made of it: roles by name, @everyone, channels, the bot itself.
        names = [r.name for r in cached.roles]  # sorted by position, @everyone first
        assert names == ["@everyone", "forum-bot", "Moderator", "Organiser", "Speaker"]
        assert cached.default_role.id == cached.id
        assert cached.get_role(int(speakers)) is not None
        assert cached.get_role(int(speakers)).mentionable  # type: ignore[union-attr]
        assert cached.name == fake.guild_name and cached.owner_id == int(fake.owner["id"])
        assert {c.name for c in cached.text_channels} == {"general", "talks"}
        assert cached.get_channel(int(talks["id"])) is not None
        assert cached.me is not None and cached.me.id == int(fake.app_id)
        assert [r.name for r in cached.me.roles] == ["@everyone", "forum-bot"]
        assert cached.member_count == 3  # the owner, the bot and alice
        assert not cached.large
    assert order == [f"available {fake.guild_id}", "ready"]

    dispatched = [(f["t"], f["s"]) for f in fake.gateway_sent if f.get("op") == 0]
    assert dispatched[:2] == [("READY", 1), ("GUILD_CREATE", 2)]
    ready, created = [f["d"] for f in fake.gateway_sent if f.get("op") == 0][:2]
    assert ready["guilds"] == [{"id": fake.guild_id, "unavailable": True}]

    # The guild as Discord documents GUILD_CREATE: the guild object and the extra fields.
    assert created["id"] == fake.guild_id and created["unavailable"] is False
    assert created["owner_id"] == fake.owner["id"]
    assert created["member_count"] == 3 and created["large"] is False
    assert created["joined_at"]
    for key in ("features", "emojis", "stickers", "voice_states", "threads", "presences"):
        assert created[key] == []
    roles = {r["name"]: r for r in created["roles"]}
    everyone = roles["@everyone"]
    assert everyone["id"] == fake.guild_id and everyone["position"] == 0
    assert int(everyone["permissions"]) & (1 << 11)  # SEND_MESSAGES, as a string of bits
    bot_role = roles["forum-bot"]
    assert bot_role["managed"] and bot_role["tags"] == {"bot_id": fake.app_id}
    moderator = roles["Moderator"]
    assert moderator["id"] == fake.role_id("Moderator") and not moderator["managed"]
    assert int(moderator["permissions"]) & (1 << 13)  # MANAGE_MESSAGES
    assert len({r["position"] for r in created["roles"]}) == len(created["roles"])
    # Channels in GUILD_CREATE carry no guild_id; REST's do.
    assert {c["name"] for c in created["channels"]} == {"general", "talks"}
    assert all("guild_id" not in c for c in created["channels"])
    # Without the members intent: the bot alone, with its own role.
    assert [m["user"]["id"] for m in created["members"]] == [fake.app_id]
    assert created["members"][0]["roles"] == [fake.bot_role_id]


async def test_guild_create_follows_every_identify_but_no_resume(
    fake: FakeDiscord, client: discord.Client
) -> None:
    readies: list[int] = []
    resumed = asyncio.Event()
    identified_again = asyncio.Event()

    @client.event
    async def on_ready() -> None:
        readies.append(len(client.guilds))
        if len(readies) == 2:
            identified_again.set()

    @client.event
    async def on_resumed() -> None:
        resumed.set()

    def guild_creates() -> list[int]:
        return [f["s"] for f in fake.gateway_sent if f.get("t") == "GUILD_CREATE"]

    async def identify_at_once(shard_id: int | None, *, initial: bool = False) -> None:
        """discord.py waits 5 s before each IDENTIFY but the first (Discord's IDENTIFY
        limit); the fake has none."""

    client.before_identify_hook = identify_at_once  # type: ignore[method-assign]

    async with running(client):
        await fake.request_reconnect()  # RESUME: the cache stays, no GUILD_CREATE
        await asyncio.wait_for(resumed.wait(), 5)
        assert guild_creates() == [2]
        fake.add_role("Volunteer")  # seen at the next IDENTIFY
        await fake.invalidate_sessions()  # op 9: discord.py IDENTIFYs afresh
        await asyncio.wait_for(identified_again.wait(), 5)
        cached = client.get_guild(int(fake.guild_id))
        assert cached is not None and not cached.unavailable
        assert "Volunteer" in [r.name for r in cached.roles]

    assert sum(f["op"] == 2 for f in fake.gateway_received) == 2
    assert sum(f["op"] == 6 for f in fake.gateway_received) == 1
    assert guild_creates() == [2, 2]  # each session's second dispatch, after its READY
    assert readies == [1, 1]


async def test_interactions_carry_only_the_guilds_roles(
    fake: FakeDiscord,
    client: discord.Client,
    tree: app_commands.CommandTree[discord.Client],
) -> None:
    roles: list[list[int]] = []

    @tree.command(name="whoami", description="Your roles", guild=guild(fake))
    async def whoami(interaction: discord.Interaction) -> None:
        assert isinstance(interaction.user, discord.Member)
        roles.append([r.id for r in interaction.user.roles])
        await interaction.response.send_message("noted")

    async with running(client):
        await tree.sync(guild=guild(fake))
        moderator = fake.role_id("Moderator")
        await (await fake.send_slash_command("whoami", roles=[moderator]))
        # Discord never lists @everyone nor a bot's managed role among a person's roles.
        for wrong in ("123", fake.guild_id, fake.bot_role_id):
            with pytest.raises(LookupError, match="add_role first"):
                await fake.send_slash_command("whoami", roles=[wrong])
    assert roles == [[int(fake.guild_id), int(moderator)]]


async def test_tree_sync_to_a_guild_reaches_the_fake(
    fake: FakeDiscord,
    client: discord.Client,
    tree: app_commands.CommandTree[discord.Client],
) -> None:
    @tree.command(name="agenda", description="What is on now", guild=guild(fake))
    @app_commands.describe(day="Which day")
    async def agenda(interaction: discord.Interaction, day: int = 1) -> None:
        await interaction.response.send_message(f"day {day}")

    async with running(client):
        synced = await tree.sync(guild=guild(fake))

    stored = fake.commands[fake.guild_id]
    assert [c["name"] for c in stored] == ["agenda"]
    assert (
        stored[0]["options"][0] | {"name": "day", "type": 4, "required": False}
        == (stored[0]["options"][0])
    )
    assert [c.id for c in synced] == [int(stored[0]["id"])]
    put = await fake.wait_for(lambda r: r.method == "PUT")
    assert put.route == "PUT /applications/{application_id}/guilds/{guild_id}/commands"
    assert put.params == {"application_id": fake.app_id, "guild_id": fake.guild_id}


async def test_slash_command_is_answered_within_the_deadline(
    fake: FakeDiscord,
    client: discord.Client,
    tree: app_commands.CommandTree[discord.Client],
) -> None:
    seen: dict[str, Any] = {}

    @tree.command(name="remind", description="Remind me of a talk", guild=guild(fake))
    async def remind(interaction: discord.Interaction, talk: str, minutes: int, dm: bool) -> None:
        seen.update(user=interaction.user.id, guild=interaction.guild_id, locale=interaction.locale)
        await interaction.response.send_message(f"{talk} in {minutes} min (dm={dm})")

    async with running(client):
        await tree.sync(guild=guild(fake))
        pending = await fake.send_slash_command(
            "remind", {"talk": "Keynote", "minutes": 10, "dm": True}, locale="ko"
        )
        callback = await pending

    assert callback.status == 200
    assert callback.json == {
        "type": 4,
        "data": {"tts": False, "content": "Keynote in 10 min (dm=True)"},
    }
    assert callback.at - pending.dispatched_at < timedelta(seconds=fake.response_deadline)
    assert seen == {
        "user": int(fake.default_user["id"]),
        "guild": int(fake.guild_id),
        "locale": discord.Locale.korean,
    }
    assert pending.response_message_id is not None
    message = fake.messages[pending.response_message_id]
    assert (message["content"], message["channel_id"]) == (
        "Keynote in 10 min (dm=True)",
        fake.channel_id,
    )


async def test_the_fake_only_offers_synced_commands_with_valid_options(
    fake: FakeDiscord,
    client: discord.Client,
    tree: app_commands.CommandTree[discord.Client],
) -> None:
    @tree.command(name="qa", description="Ask a question", guild=guild(fake))
    async def qa(interaction: discord.Interaction, text: str) -> None:
        await interaction.response.send_message("noted")

    async with running(client):
        with pytest.raises(LookupError):
            await fake.send_slash_command("qa", {"text": "Why?"})  # not synced yet
        await tree.sync(guild=guild(fake))
        with pytest.raises(ValueError, match="required"):
            await fake.send_slash_command("qa", {})
        with pytest.raises(TypeError):
            await fake.send_slash_command("qa", {"text": 42})


async def test_button_press_round_trip(
    fake: FakeDiscord,
    client: discord.Client,
    tree: app_commands.CommandTree[discord.Client],
) -> None:
    class Vote(discord.ui.View):
        def __init__(self) -> None:
            super().__init__(timeout=None)

        @discord.ui.button(label="+1", custom_id="vote:keynote")
        async def plus_one(
            self, interaction: discord.Interaction, _: discord.ui.Button[Any]
        ) -> None:
            await interaction.response.edit_message(content="Thanks for voting", view=None)

    @tree.command(name="vote", description="Vote on the keynote", guild=guild(fake))
    async def vote(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("Did you like it?", view=Vote())

    async with running(client):
        await tree.sync(guild=guild(fake))
        asked = await fake.send_slash_command("vote")
        await asked
        assert asked.response_message_id is not None
        with pytest.raises(LookupError):
            await fake.send_button(asked.response_message_id, "vote:other")
        click = await fake.send_button(asked.response_message_id, "vote:keynote")
        callback = await click

    assert click.payload["message"]["id"] == asked.response_message_id
    assert callback.status == 200
    assert callback.json["type"] == 7  # UPDATE_MESSAGE
    message = fake.messages[asked.response_message_id]
    assert (message["content"], message["components"]) == ("Thanks for voting", [])


async def test_autocomplete_round_trip(
    fake: FakeDiscord,
    client: discord.Client,
    tree: app_commands.CommandTree[discord.Client],
) -> None:
    talks = ["Python at scale", "Rust for Pythonistas", "Closing remarks"]

    @tree.command(name="talk", description="Show a talk", guild=guild(fake))
    async def talk(interaction: discord.Interaction, title: str) -> None:
        await interaction.response.send_message(title)

    @talk.autocomplete("title")
    async def titles(
        interaction: discord.Interaction, typed: str
    ) -> list[app_commands.Choice[str]]:
        return [app_commands.Choice(name=t, value=t) for t in talks if typed.lower() in t.lower()]

    async with running(client):
        await tree.sync(guild=guild(fake))
        pending = await fake.send_autocomplete("talk", {"title": "pyth"}, focused="title")
        callback = await pending

    option = pending.payload["data"]["options"][0]
    assert option == {"name": "title", "type": 3, "value": "pyth", "focused": True}
    assert callback.status == 200
    assert callback.json == {
        "type": 8,
        "data": {
            "choices": [
                {"name": "Python at scale", "value": "Python at scale"},
                {"name": "Rust for Pythonistas", "value": "Rust for Pythonistas"},
            ]
        },
    }


async def test_same_nonce_twice_stores_one_message(
    fake: FakeDiscord, client: discord.Client
) -> None:
    async with running(client):
        channel = await client.fetch_channel(int(fake.channel_id))
        assert isinstance(channel, discord.TextChannel)
        first = await channel.send("Keynote in 10 minutes", nonce="outbox-42")
        again = await channel.send("Keynote in 10 minutes", nonce="outbox-42")
        other = await channel.send("Lunch in 10 minutes", nonce="outbox-43")

    assert first.id == again.id != other.id
    assert [m["content"] for m in fake.channel_messages(fake.channel_id)] == [
        "Keynote in 10 minutes",
        "Lunch in 10 minutes",
    ]
    sent = [r.json for r in fake.requests if r.route == MESSAGES]
    assert [(b["nonce"], b["enforce_nonce"]) for b in sent] == [
        ("outbox-42", True),
        ("outbox-42", True),
        ("outbox-43", True),
    ]


async def test_429_with_via_is_retried(fake: FakeDiscord, client: discord.Client) -> None:
    fake.rate_limit_next(MESSAGES, retry_after=0.05)
    async with running(client):
        channel = client.get_partial_messageable(int(fake.channel_id))
        message = await channel.send("Room change: hall B")

    attempts = [r for r in fake.requests if r.route == MESSAGES]
    assert [r.status for r in attempts] == [429, 200]
    assert attempts[0].response == {
        "message": "You are being rate limited.",
        "retry_after": 0.05,
        "global": False,
    }
    assert message.id == int(attempts[1].response["id"])


async def test_429_without_via_is_a_cloudflare_ban(
    fake: FakeDiscord, client: discord.Client
) -> None:
    fake.rate_limit_next(MESSAGES, via=False)
    async with running(client):
        channel = client.get_partial_messageable(int(fake.channel_id))
        with pytest.raises(discord.HTTPException) as refused:
            await channel.send("Room change: hall B")

    assert refused.value.status == 429
    assert [r.status for r in fake.requests if r.route == MESSAGES] == [429]


async def test_bucket_headers_pace_the_client_without_429s(
    make_fake: MakeFake, client: discord.Client
) -> None:
    fake = await make_fake(route_limit=2, route_window=0.2)
    async with running(client):
        channel = client.get_partial_messageable(int(fake.channel_id))
        for n in range(3):
            await channel.send(f"notice {n}")

    # After "Remaining: 0" discord.py waited out Reset-After instead of hitting a 429.
    assert [r.status for r in fake.requests if r.route == MESSAGES] == [200, 200, 200]
    first = next(r for r in fake.requests if r.route == MESSAGES)
    assert first.status == 200
    assert len(fake.channel_messages(fake.channel_id)) == 3


async def test_wrong_token_fails_at_login(fake: FakeDiscord, client: discord.Client) -> None:
    with pytest.raises(discord.LoginFailure):
        await client.login("not-the-token")

    me = await fake.wait_for(lambda r: r.route == "GET /users/@me")
    assert (me.status, me.response) == (401, {"message": "401: Unauthorized", "code": 0})


async def test_wrong_token_on_the_gateway_closes_with_4004(
    fake: FakeDiscord, client: discord.Client
) -> None:
    await client.login(TOKEN)
    fake.token = "rotated-meanwhile"
    with pytest.raises(discord.ConnectionClosed) as closed:
        await client.connect(reconnect=False)
    assert closed.value.code == 4004


async def test_late_first_response_gets_10062(
    make_fake: MakeFake,
    client: discord.Client,
    tree: app_commands.CommandTree[discord.Client],
) -> None:
    fake = await make_fake(response_deadline=0.2)
    release = asyncio.Event()
    outcome: asyncio.Future[BaseException | None] = asyncio.get_running_loop().create_future()

    @tree.command(name="slow", description="Takes too long", guild=guild(fake))
    async def slow(interaction: discord.Interaction) -> None:
        await release.wait()
        try:
            await interaction.response.send_message("too late")
        except discord.HTTPException as error:
            outcome.set_result(error)
        else:
            outcome.set_result(None)

    async with running(client):
        await tree.sync(guild=guild(fake))
        pending = await fake.send_slash_command("slow")
        await pending.wait_expired()
        release.set()
        error = await asyncio.wait_for(outcome, 5)

    assert isinstance(error, discord.NotFound)
    assert error.code == 10062
    assert (await pending).status == 404
    assert not pending.acknowledged


async def test_second_callback_gets_40060(
    fake: FakeDiscord,
    client: discord.Client,
    tree: app_commands.CommandTree[discord.Client],
) -> None:
    outcomes: asyncio.Queue[BaseException | None] = asyncio.Queue()

    @tree.command(name="hello", description="Say hello", guild=guild(fake))
    async def hello(interaction: discord.Interaction) -> None:
        try:
            await interaction.response.send_message("Hello")
        except discord.HTTPException as error:
            await outcomes.put(error)
        else:
            await outcomes.put(None)

    async with running(client):
        await tree.sync(guild=guild(fake))
        pending = await fake.send_slash_command("hello")
        assert await asyncio.wait_for(outcomes.get(), 5) is None
        # A second connected instance (or a replay) handles the same interaction again.
        await fake.redeliver(pending)
        error = await asyncio.wait_for(outcomes.get(), 5)

    assert isinstance(error, discord.HTTPException)
    assert (error.status, error.code) == (400, 40060)
    assert [c.status for c in pending.callbacks] == [200, 400]


async def test_content_over_2000_characters_is_refused(
    fake: FakeDiscord,
    client: discord.Client,
    tree: app_commands.CommandTree[discord.Client],
) -> None:
    retried: asyncio.Future[int] = asyncio.get_running_loop().create_future()

    @tree.command(name="abstract", description="Show an abstract", guild=guild(fake))
    async def abstract(interaction: discord.Interaction) -> None:
        try:
            await interaction.response.send_message("y" * 2001)
        except discord.HTTPException as error:
            # Refused responses do not acknowledge: a shorter one may still follow.
            await interaction.response.send_message("y" * 2000)
            retried.set_result(error.code)

    async with running(client):
        channel = client.get_partial_messageable(int(fake.channel_id))
        with pytest.raises(discord.HTTPException) as refused:
            await channel.send("x" * 2001)
        await channel.send("x" * 2000)
        await tree.sync(guild=guild(fake))
        pending = await fake.send_slash_command("abstract")
        assert await asyncio.wait_for(retried, 5) == 50035

    assert (refused.value.status, refused.value.code) == (400, 50035)
    assert "Must be 2000 or fewer in length." in refused.value.text
    assert [len(m["content"]) for m in fake.channel_messages(fake.channel_id)] == [2000, 2000]
    assert [c.status for c in pending.callbacks] == [400, 200]


async def test_defer_then_followup_replaces_the_thinking_message(
    fake: FakeDiscord,
    client: discord.Client,
    tree: app_commands.CommandTree[discord.Client],
) -> None:
    @tree.command(name="export", description="Export the agenda", guild=guild(fake))
    async def export(interaction: discord.Interaction) -> None:
        await interaction.response.defer(thinking=True)
        await interaction.followup.send(
            "Here it is", file=discord.File(io.BytesIO(b"BEGIN"), "a.ics")
        )
        await interaction.followup.send("And one more thing")

    async with running(client):
        await tree.sync(guild=guild(fake))
        pending = await fake.send_slash_command("export")
        await fake.wait_for(lambda r: r.route.startswith("POST /webhooks/"), count=2)

    assert (await pending).json["type"] == 5  # DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE
    original = fake.messages[pending.response_message_id or ""]
    assert original["content"] == "Here it is"
    assert original["flags"] & 128 == 0  # no longer "thinking"
    assert original["attachments"][0]["filename"] == "a.ics"
    upload = next(r for r in fake.requests if r.files)
    assert upload.files[0].data == b"BEGIN"
    assert [fake.messages[i]["content"] for i in pending.followup_ids] == ["And one more thing"]


async def test_followups_stop_after_15_minutes(
    make_fake: MakeFake,
    client: discord.Client,
    tree: app_commands.CommandTree[discord.Client],
) -> None:
    clock = SimulatedClock(datetime(2026, 2, 5, tzinfo=UTC), speed=0)
    fake = await make_fake(clock=clock)
    later = asyncio.Event()
    outcome: asyncio.Future[BaseException | None] = asyncio.get_running_loop().create_future()

    @tree.command(name="poll", description="Run a poll", guild=guild(fake))
    async def poll(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("Poll open")
        await later.wait()
        try:
            await interaction.followup.send("Poll closed")
        except discord.HTTPException as error:
            outcome.set_result(error)
        else:
            outcome.set_result(None)

    async with running(client):
        await tree.sync(guild=guild(fake))
        await fake.send_slash_command("poll")
        await fake.wait_for(lambda r: r.route.endswith("/callback"))
        clock.advance(timedelta(minutes=15, seconds=1))  # no real waiting
        later.set()
        error = await asyncio.wait_for(outcome, 5)

    assert isinstance(error, discord.HTTPException)
    assert (error.status, error.code) == (401, 50027)


async def test_closed_dms_are_refused_with_50007(
    make_fake: MakeFake, client: discord.Client
) -> None:
    fake = await make_fake(closed_dm_user_ids=[4242])
    open_user = fake.add_user("bob")
    async with running(client):
        dm = await client.create_dm(discord.Object(int(open_user["id"])))
        await dm.send("Your talk starts in 10 minutes")
        closed = await client.create_dm(discord.Object(4242))
        with pytest.raises(discord.Forbidden) as refused:
            await closed.send("Your talk starts in 10 minutes")

    assert refused.value.code == 50007
    opened = [r.json for r in fake.requests if r.route == "POST /users/@me/channels"]
    assert opened == [{"recipient_id": int(open_user["id"])}, {"recipient_id": 4242}]
    assert len(fake.channel_messages(dm.id)) == 1


async def test_reconnect_request_is_answered_with_resume(
    fake: FakeDiscord,
    client: discord.Client,
    tree: app_commands.CommandTree[discord.Client],
) -> None:
    resumed = asyncio.Event()

    @client.event
    async def on_resumed() -> None:
        resumed.set()

    @tree.command(name="ping", description="Still there?", guild=guild(fake))
    async def ping(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("pong")

    async with running(client):
        await tree.sync(guild=guild(fake))
        await fake.request_reconnect()  # op 7, as Discord sends before moving a session
        await asyncio.wait_for(resumed.wait(), 5)
        assert (await (await fake.send_slash_command("ping"))).status == 200

    resume = next(f for f in fake.gateway_received if f["op"] == 6)
    assert resume["d"]["token"] == TOKEN
    assert sum(f["op"] == 2 for f in fake.gateway_received) == 1  # resumed, not re-identified


async def test_interaction_sent_while_disconnected_is_replayed_on_resume(
    fake: FakeDiscord,
    client: discord.Client,
    tree: app_commands.CommandTree[discord.Client],
) -> None:
    @tree.command(name="ping", description="Still there?", guild=guild(fake))
    async def ping(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("pong")

    async with running(client):
        await tree.sync(guild=guild(fake))
        await fake.disconnect(code=4000)  # resumable, unlike 1000/1001
        pending = await fake.send_slash_command("ping")  # queued: no socket right now
        callback = await pending

    assert callback.status == 200
    resume = next(f for f in fake.gateway_received if f["op"] == 6)
    sent = [f for f in fake.gateway_sent if f.get("t") == "INTERACTION_CREATE"]
    # Sent once, by the replay, with a sequence number after the one the client resumed from.
    assert [f["d"]["id"] for f in sent] == [pending.id]
    assert sent[0]["s"] > resume["d"]["seq"]


async def test_json_content_type_is_exact(fake: FakeDiscord) -> None:
    async with (
        aiohttp.ClientSession() as session,
        session.get(
            fake.api_base + "/users/@me", headers={"Authorization": f"Bot {TOKEN}"}
        ) as response,
    ):
        assert response.headers["Content-Type"] == "application/json"
        assert response.headers["X-RateLimit-Bucket"]
        assert (await response.json())["id"] == fake.app_id
