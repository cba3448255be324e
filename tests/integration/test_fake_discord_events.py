"""The fake Discord's scheduled events against the real discord.py client: the rules Discord
applies to them (an external event's location and end, a start in the future, 100 upcoming
per guild, lengths, permissions), their users' pages and their Gateway events."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any

import discord
import pytest
import pytest_asyncio
import yarl

from bot.core.clock import SimulatedClock
from tests.fakes import discord_payloads as p
from tests.fakes.discord_server import FakeDiscord

TOKEN = "events-token"
NOW = datetime.fromisoformat("2026-02-05T08:00:00+09:00")


@pytest_asyncio.fixture
async def clock() -> SimulatedClock:
    return SimulatedClock(NOW, speed=0)


@contextlib.asynccontextmanager
async def connected(
    monkeypatch: pytest.MonkeyPatch, clock: SimulatedClock, **options: Any
) -> AsyncIterator[tuple[FakeDiscord, discord.Client, discord.Guild]]:
    """A fake Discord on the stopped clock and a discord.py client ready on it."""
    async with FakeDiscord(token=TOKEN, clock=clock, **options) as fake:
        monkeypatch.setattr(discord.http.Route, "BASE", fake.api_base)
        monkeypatch.setattr(
            discord.gateway.DiscordWebSocket, "DEFAULT_GATEWAY", yarl.URL(fake.gateway_url)
        )
        await fake.add_scheduled_event("Existing", NOW + timedelta(days=1), NOW + timedelta(days=2))
        client = discord.Client(intents=discord.Intents.default(), guild_ready_timeout=0.01)
        await client.login(TOKEN)
        connection = asyncio.create_task(client.connect(reconnect=False))
        try:
            await asyncio.wait_for(client.wait_until_ready(), 5)
            guild = client.get_guild(int(fake.guild_id))
            assert guild is not None
            yield fake, client, guild
        finally:
            await client.close()
            await connection


async def refused(call: Any) -> discord.HTTPException:
    with pytest.raises(discord.HTTPException) as caught:
        await call
    return caught.value


def body(**overrides: Any) -> dict[str, Any]:
    """A valid external event's create body, with overrides (None removes a field)."""
    b: dict[str, Any] = {
        "name": "Keynote",
        "privacy_level": 2,
        "entity_type": 3,
        "entity_metadata": {"location": "Grand Hall"},
        "scheduled_start_time": (NOW + timedelta(hours=1)).isoformat(),
        "scheduled_end_time": (NOW + timedelta(hours=2)).isoformat(),
        "description": "About batteries",
    }
    b.update(overrides)
    return {k: v for k, v in b.items() if v is not None}


def errors(exc: discord.HTTPException) -> set[str]:
    """The field paths a 50035 names."""
    found: set[str] = set()

    def walk(node: Any, path: str) -> None:
        if isinstance(node, dict):
            if "_errors" in node:
                found.add(path)
            for key, value in node.items():
                if key != "_errors":
                    walk(value, f"{path}.{key}" if path else key)

    walk(getattr(exc, "_errors", None) or {}, "")
    return found


async def test_discord_py_creates_edits_lists_and_deletes_an_external_event(
    monkeypatch: pytest.MonkeyPatch, clock: SimulatedClock
) -> None:
    async with connected(monkeypatch, clock) as (fake, client, guild):
        (existing,) = guild.scheduled_events  # from GUILD_CREATE
        assert existing.name == "Existing"
        event = await guild.create_scheduled_event(
            name="Keynote",
            start_time=NOW + timedelta(hours=1),
            end_time=NOW + timedelta(hours=2),
            entity_type=discord.EntityType.external,
            privacy_level=discord.PrivacyLevel.guild_only,
            location="Grand Hall",
            description="About batteries",
        )
        assert client.user is not None and event.creator_id == client.user.id
        assert event.location == "Grand Hall" and event.status is discord.EventStatus.scheduled
        assert event.start_time == NOW + timedelta(hours=1)
        stored = fake.scheduled_events[str(event.id)]
        assert stored["scheduled_start_time"] == "2026-02-05T00:00:00.000000+00:00"
        edited = await event.edit(
            start_time=NOW + timedelta(hours=3), end_time=NOW + timedelta(hours=4)
        )
        assert edited.id == event.id and edited.start_time == NOW + timedelta(hours=3)
        assert edited.location == "Grand Hall"
        listed = await guild.fetch_scheduled_events()
        assert {e.id for e in listed} == {existing.id, event.id}
        await event.delete()
        assert str(event.id) not in fake.scheduled_events
        gone = await refused(guild.fetch_scheduled_event(event.id))
        assert (gone.status, gone.code) == (404, 10070)
        sent = [
            f["t"] for f in fake.gateway_sent if str(f.get("t", "")).startswith("GUILD_SCHEDULED")
        ]
        # ("Existing" was made before the client connected: GUILD_CREATE brought it.)
        assert sent == [
            "GUILD_SCHEDULED_EVENT_CREATE",
            "GUILD_SCHEDULED_EVENT_UPDATE",
            "GUILD_SCHEDULED_EVENT_DELETE",
        ]


async def test_an_external_event_needs_a_location_and_an_end(
    monkeypatch: pytest.MonkeyPatch, clock: SimulatedClock
) -> None:
    async with connected(monkeypatch, clock) as (fake, client, guild):
        http = client.http
        exc = await refused(
            http.create_guild_scheduled_event(
                guild.id, **body(entity_metadata=None, scheduled_end_time=None)
            )
        )
        assert (exc.status, exc.code) == (400, 50035)
        assert errors(exc) == {"entity_metadata.location", "scheduled_end_time"}
        exc = await refused(
            http.create_guild_scheduled_event(guild.id, **body(entity_metadata={"location": ""}))
        )
        assert errors(exc) == {"entity_metadata.location"}
        assert len(fake.scheduled_events) == 1  # nothing made


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        (
            {"scheduled_start_time": (NOW - timedelta(minutes=1)).isoformat()},
            "scheduled_start_time",
        ),
        ({"scheduled_start_time": NOW.isoformat()}, "scheduled_start_time"),
        ({"scheduled_end_time": (NOW + timedelta(minutes=30)).isoformat()}, "scheduled_end_time"),
        ({"scheduled_start_time": "tomorrow"}, "scheduled_start_time"),
        ({"name": ""}, "name"),
        ({"name": "x" * 101}, "name"),
        ({"description": "x" * 1001}, "description"),
        ({"entity_metadata": {"location": "x" * 101}}, "entity_metadata.location"),
        ({"privacy_level": 1}, "privacy_level"),
        ({"entity_type": 2}, "channel_id"),
    ],
)
async def test_discord_refuses_a_bad_event(
    monkeypatch: pytest.MonkeyPatch,
    clock: SimulatedClock,
    overrides: dict[str, Any],
    field: str,
) -> None:
    async with connected(monkeypatch, clock) as (_, client, guild):
        exc = await refused(client.http.create_guild_scheduled_event(guild.id, **body(**overrides)))
        assert (exc.status, exc.code) == (400, 50035)
        assert errors(exc) == {field}
        ok = await client.http.create_guild_scheduled_event(
            guild.id, **body(name="x" * 100, description="x" * 1000)
        )
        assert ok["name"] == "x" * 100


async def test_a_guild_holds_100_upcoming_events(
    monkeypatch: pytest.MonkeyPatch, clock: SimulatedClock
) -> None:
    async with connected(monkeypatch, clock) as (fake, client, guild):
        for i in range(99):  # and "Existing"
            await fake.add_scheduled_event(
                f"E{i}", NOW + timedelta(hours=1), NOW + timedelta(hours=2)
            )
        exc = await refused(client.http.create_guild_scheduled_event(guild.id, **body()))
        assert (exc.status, exc.code) == (400, 30038)
        assert "(100)" in exc.text
        # Events over no longer count.
        clock.set(NOW + timedelta(hours=2, minutes=1))
        assert len(await guild.fetch_scheduled_events()) == 1  # "Existing", tomorrow
        later = body(
            scheduled_start_time=(NOW + timedelta(hours=3)).isoformat(),
            scheduled_end_time=(NOW + timedelta(hours=4)).isoformat(),
        )
        assert (await client.http.create_guild_scheduled_event(guild.id, **later))["status"] == 1


async def test_an_event_is_active_from_its_start_and_its_start_then_fixed(
    monkeypatch: pytest.MonkeyPatch, clock: SimulatedClock
) -> None:
    async with connected(monkeypatch, clock) as (_, client, guild):
        made = await client.http.create_guild_scheduled_event(guild.id, **body())
        clock.set(NOW + timedelta(hours=1, minutes=5))
        event = await guild.fetch_scheduled_event(int(made["id"]))
        assert event.status is discord.EventStatus.active
        exc = await refused(event.edit(start_time=NOW + timedelta(hours=5)))
        assert exc.code == 50035
        edited = await event.edit(name="Keynote (running late)")
        assert edited.name == "Keynote (running late)"
        clock.set(NOW + timedelta(hours=2))
        exc = await refused(event.edit(name="again"))
        assert exc.code == 50035  # over: nothing changes any more


async def test_creating_needs_create_events_and_changing_anothers_manage_events(
    monkeypatch: pytest.MonkeyPatch, clock: SimulatedClock
) -> None:
    async with connected(monkeypatch, clock, bot_permissions=p.EVERYONE_PERMISSIONS) as (
        fake,
        client,
        guild,
    ):
        exc = await refused(client.http.create_guild_scheduled_event(guild.id, **body()))
        assert (exc.status, exc.code) == (403, 50013)
    async with connected(monkeypatch, clock) as (fake, client, guild):
        (theirs,) = await guild.fetch_scheduled_events()
        exc = await refused(theirs.edit(name="mine now"))
        assert (exc.status, exc.code) == (403, 50013)
        exc = await refused(theirs.delete())
        assert (exc.status, exc.code) == (403, 50013)
        assert fake.scheduled_events[str(theirs.id)]["name"] == "Existing"
        unknown = await refused(client.http.get_scheduled_events(123, False))
        assert (unknown.status, unknown.code) == (404, 10004)
    manager = p.EVERYONE_PERMISSIONS | p.MANAGE_EVENTS
    async with connected(monkeypatch, clock, bot_permissions=manager) as (fake, client, guild):
        (theirs,) = await guild.fetch_scheduled_events()
        assert (await theirs.edit(name="Tidied")).name == "Tidied"


async def test_interested_users_come_in_ascending_pages(
    monkeypatch: pytest.MonkeyPatch, clock: SimulatedClock
) -> None:
    async with connected(monkeypatch, clock) as (fake, client, guild):
        (event,) = guild.scheduled_events
        people = [fake.add_user(f"u{i}") for i in range(150)]
        for who in reversed(people):
            await fake.mark_interested(str(event.id), who)
        ids = sorted(int(u["id"]) for u in people)
        first = await client.http.get_scheduled_event_users(guild.id, event.id, 100, False)
        assert [int(u["user"]["id"]) for u in first] == ids[:100]
        rest = await client.http.get_scheduled_event_users(
            guild.id, event.id, 100, True, after=ids[99]
        )
        assert [int(u["user"]["id"]) for u in rest] == ids[100:]
        assert all(u["member"]["user"]["id"] == u["user"]["id"] for u in rest)
        before = await client.http.get_scheduled_event_users(
            guild.id, event.id, 10, False, before=ids[50]
        )
        assert [int(u["user"]["id"]) for u in before] == ids[40:50]
        exc = await refused(client.http.get_scheduled_event_users(guild.id, event.id, 101, False))
        assert exc.code == 50035
        counted = await guild.fetch_scheduled_event(event.id, with_counts=True)
        assert counted.user_count == 150
