"""The environment `forum-bot run` gets in tests and benchmarks: its platforms are the
fakes on 127.0.0.1, and nothing of the developer's own set-up leaks in."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import sys
from pathlib import Path
from typing import Any

from bot.platforms.base import ServesHTTP
from bot.web.server import WebServer
from tests.fakes.discord_server import FakeDiscord
from tests.fakes.slack_server import FakeSlack

ROOT = Path(__file__).resolve().parents[2]


def bot_env(
    db: Path,
    *,
    discord: FakeDiscord | None = None,
    discord_token: str | None = None,
    slack: FakeSlack | None = None,
    slack_secret: str | None = None,
    **extra: str,
) -> dict[str, str]:
    """Environment variables for a bot process using these fakes (and `extra`)."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DISCORD_", "SLACK_", "FORUM_BOT_"))
        and k.upper() not in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY")
    }
    env |= {"FORUM_BOT_WEB_PORT": "off", "FORUM_BOT_DB": str(db)}
    if discord is not None:
        env |= {
            "DISCORD_TOKEN": discord_token or discord.token,
            "DISCORD_GUILD_IDS": discord.guild_id,
            "DISCORD_API_BASE_URL": discord.api_base,
            "DISCORD_GATEWAY_URL": discord.gateway_url,
        }
    if slack is not None:
        env |= {
            "SLACK_BOT_TOKEN": slack.bot_token,
            "SLACK_SIGNING_SECRET": slack_secret or slack.signing_secret,
            "SLACK_API_BASE_URL": slack.api_base,
            # Slack's HTTP mode is served by the bot's one web server, on a free port.
            "FORUM_BOT_WEB_PORT": "0",
        }
    return env | extra


async def web_port(stderr: asyncio.StreamReader) -> int:
    """The port a starting `forum-bot run` (logging at INFO) says its web server bound."""
    seen: list[str] = []
    async with asyncio.timeout(30):
        while True:
            line = (await stderr.readline()).decode()
            if not line:
                raise AssertionError(
                    "forum-bot exited before its web server listened:\n" + "".join(seen)
                )
            seen.append(line)
            found = re.search(r"web server listening on http://[^:]+:(\d+)", line)
            if found:
                return int(found.group(1))


async def _healthy() -> dict[str, Any]:
    return {"status": "ok"}


async def serve_http(stack: contextlib.AsyncExitStack, adapter: ServesHTTP) -> str:
    """Serve an adapter's paths on a web server of its own on a free port, as
    `forum-bot run` serves them on its one; stops with `stack`. Returns the base URL."""
    server = WebServer("127.0.0.1", 0, _healthy, routes=[adapter.add_routes])
    stack.push_async_callback(server.stop)
    return f"http://127.0.0.1:{await server.start()}"


async def run_bot(
    env: dict[str, str], *args: str, stdin: int = asyncio.subprocess.DEVNULL
) -> asyncio.subprocess.Process:
    """`forum-bot run ARGS` as a process of its own, from the repository, with `env`;
    its stdout and stderr are pipes to read."""
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        *args,
        cwd=ROOT,
        env=env,
        stdin=stdin,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
