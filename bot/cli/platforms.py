"""`forum-bot slack-manifest` and `discord-invite`: setting the platforms up."""

from __future__ import annotations

import sys
from pathlib import Path

from bot.settings import ConfigError, Settings, load_event


def slack_manifest(settings: Settings, given: Path | None, url: str | None) -> int:
    import json

    from bot.app import config_path
    from bot.platforms.slack.manifest import manifest
    from commands import ALL

    if url is not None and not url.startswith("https://"):
        print("forum-bot: --url must be an https:// address Slack can reach", file=sys.stderr)
        return 2
    try:
        config = load_event(config_path(settings, given))
    except ConfigError as exc:
        print(exc.report(), file=sys.stderr)
        return 1
    short = config.event.short_name
    name = short.en if short else config.event.name.en
    try:
        data = manifest(ALL, name=name, request_url=url, prefix=settings.slack_command_prefix)
    except ValueError as exc:
        # A name Slack keeps for itself: Slack would refuse the whole manifest.
        print(f"forum-bot: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(data, indent=2, ensure_ascii=False))
    return 0


def discord_invite(settings: Settings, given: str | None, config: Path | None = None) -> int:
    from bot.app import config_path
    from bot.platforms.discord.adapter import application_id_from_token, invite_url

    app_id = given or settings.discord_application_id
    if not app_id and settings.discord_token is not None:
        app_id = application_id_from_token(settings.discord_token.get_secret_value()) or ""
    if not app_id.isdigit():
        print(
            "forum-bot: give --client-id (the Application ID on the Developer Portal's "
            "General Information page), or set DISCORD_APPLICATION_ID or DISCORD_TOKEN",
            file=sys.stderr,
        )
        return 2
    try:
        event = load_event(config_path(settings, config))
    except ConfigError as exc:
        print(exc.report(), file=sys.stderr)
        return 1
    discord = event.platforms.get("discord")
    print(invite_url(app_id, events=discord is not None and discord.scheduled_events is not None))
    return 0
