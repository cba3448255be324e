"""The environment `forum-bot run` gets in tests and benchmarks: its platforms are the
fakes on 127.0.0.1, and nothing of the developer's own set-up leaks in."""

from __future__ import annotations

import os
from pathlib import Path

from tests.fakes.discord_server import FakeDiscord
from tests.fakes.slack_server import FakeSlack


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
            "SLACK_HTTP_PORT": "0",
            "SLACK_API_BASE_URL": slack.api_base,
        }
    return env | extra
