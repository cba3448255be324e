"""The Discord floor for bench/discord_latency.py: the least a discord.py bot can do.

A plain `discord.Client` with an `app_commands.CommandTree` holding the commands of the
bench's mix (agenda, now, next, session, speaker, search, timezone, language, help; the
same option names and types as forum-bot's, so the fake's interactions parse), each
answering `await interaction.response.send_message(TEXT)`. It runs as a process of its
own on the loop forum-bot runs on (uvloop, see bot/app.py `run_loop`) and, once synced,
moves its start-up objects out of the collector's sight and gives back the C heap start-up
freed (`gc.freeze()` and `malloc_trim`, as forum-bot's `settle_memory` does; the trim gives
this bot nothing measurable, forum-bot about 1 MiB), so the comparison is of the work per
command and nothing else.
It imports nothing of forum-bot's.

    python bench/floor_discord.py TOKEN API_BASE GATEWAY_URL GUILD_ID

discord.py is pointed at the fake through its two class attributes (see
bot/platforms/discord/adapter.py `point_discord_py_at`); the commands are synced to the
fake's guild, which offers only synced commands. Logs go to stderr; SIGTERM stops it.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import gc
import logging
import signal
import sys

import discord
import uvloop
import yarl
from discord import app_commands
from discord.http import Route

TEXT = "fixed text"
log = logging.getLogger("floor")


def build(guild: discord.Object) -> tuple[discord.Client, app_commands.CommandTree]:
    """The client and its tree: one function per command, each with its options."""
    client = discord.Client(intents=discord.Intents.default())
    tree = app_commands.CommandTree(client)

    async def answer(interaction: discord.Interaction) -> None:
        await interaction.response.send_message(TEXT)

    @tree.command(name="agenda", description="floor", guild=guild)
    async def agenda(interaction: discord.Interaction, day: str | None = None) -> None:
        await answer(interaction)

    @tree.command(name="now", description="floor", guild=guild)
    async def now(interaction: discord.Interaction) -> None:
        await answer(interaction)

    @tree.command(name="next", description="floor", guild=guild)
    async def next_(interaction: discord.Interaction) -> None:
        await answer(interaction)

    @tree.command(name="session", description="floor", guild=guild)
    async def session(interaction: discord.Interaction, session: str) -> None:
        await answer(interaction)

    @tree.command(name="speaker", description="floor", guild=guild)
    async def speaker(interaction: discord.Interaction, name: str) -> None:
        await answer(interaction)

    @tree.command(name="search", description="floor", guild=guild)
    async def search(interaction: discord.Interaction, text: str) -> None:
        await answer(interaction)

    @tree.command(name="timezone", description="floor", guild=guild)
    async def timezone(interaction: discord.Interaction, zone: str | None = None) -> None:
        await answer(interaction)

    @tree.command(name="language", description="floor", guild=guild)
    async def language(interaction: discord.Interaction, language: str) -> None:
        await answer(interaction)

    @tree.command(name="help", description="floor", guild=guild)
    async def help_(interaction: discord.Interaction, command: str | None = None) -> None:
        await answer(interaction)

    return client, tree


async def main(token: str, api_base: str, gateway: str, guild_id: int) -> None:
    """Connect, sync, freeze, serve until SIGTERM."""
    Route.BASE = api_base.rstrip("/")
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway)
    guild = discord.Object(guild_id)
    client, tree = build(guild)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    async with client:
        await client.login(token)
        connection = asyncio.create_task(client.connect(reconnect=True))
        await client.wait_until_ready()
        synced = await tree.sync(guild=guild)
        gc.collect()
        gc.freeze()
        with contextlib.suppress(OSError, AttributeError):  # glibc only
            ctypes.CDLL(None).malloc_trim(0)
        log.info("floor: connected, %d commands synced", len(synced))
        await stop.wait()
    connection.cancel()


if __name__ == "__main__":
    logging.basicConfig(
        stream=sys.stderr, level="INFO", format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    for noisy in ("asyncio", "discord"):  # as forum-bot's logging has them
        logging.getLogger(noisy).setLevel(logging.WARNING)
    token, api_base, gateway, guild_id = sys.argv[1:5]
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        runner.run(main(token, api_base, gateway, int(guild_id)))
