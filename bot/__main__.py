"""The command line: forum-bot run | check | --version."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from pydantic import ValidationError

from bot import __version__
from bot.clock import Clock, SimulatedClock, SystemClock, parse_moment
from bot.model import Role
from bot.settings import ConfigError, Settings, load_event


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="forum-bot",
        description="A conference bot for Discord, Slack and the terminal.",
    )
    parser.add_argument("--version", action="version", version=f"forum-bot {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--config",
            type=Path,
            help="event YAML (default: FORUM_BOT_CONFIG, else the embedded forum-2026.yaml)",
        )

    run = sub.add_parser("run", help="run the bot (the terminal when no platform token is set)")
    common(run)
    run.add_argument(
        "--db", type=Path, help="SQLite file (default: FORUM_BOT_DB, else data/forum-bot.sqlite)"
    )
    run.add_argument(
        "--as",
        dest="role",
        choices=["participant", "moderator", "organiser"],
        default="participant",
        help="the role you have in the terminal",
    )
    run.add_argument(
        "--console", action="store_true", help="also open the terminal when platforms run"
    )
    run.add_argument(
        "--simulate-from",
        metavar="ISO8601",
        help="rehearse: start the clock at this moment, e.g. 2026-02-05T08:50+09:00",
    )
    run.add_argument(
        "--speed",
        type=float,
        default=1.0,
        metavar="FACTOR",
        help="with --simulate-from: how fast simulated time runs (e.g. 60)",
    )

    check = sub.add_parser("check", help="validate an event file and list every problem")
    common(check)

    invite = sub.add_parser(
        "discord-invite", help="print the link that adds the bot to a Discord server"
    )
    invite.add_argument(
        "--client-id",
        help="the application id (default: DISCORD_APPLICATION_ID, else read from DISCORD_TOKEN)",
    )

    slack = sub.add_parser(
        "slack-manifest", help="print the Slack app manifest to create the app from"
    )
    common(slack)
    slack.add_argument(
        "--url",
        help="the public https URL of /slack/events (HTTP mode); without it, Socket Mode",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `forum-bot` command."""
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    try:
        settings = Settings()
    except ValidationError as exc:
        for err in exc.errors():
            name = str(err["loc"][0]) if err["loc"] else "environment"
            print(f"forum-bot: environment {name}: {err['msg']}", file=sys.stderr)
        return 2
    if args.command == "check":
        return _check(settings, args.config)
    if args.command == "discord-invite":
        return _discord_invite(settings, args.client_id)
    if args.command == "slack-manifest":
        return _slack_manifest(settings, args.config, args.url)
    return _run(settings, args)


def _slack_manifest(settings: Settings, given: Path | None, url: str | None) -> int:
    import json

    from bot.adapters.slack_adapter import manifest
    from bot.app import config_path
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
    data = manifest(ALL, name=name, request_url=url, prefix=settings.slack_command_prefix)
    print(json.dumps(data, indent=2, ensure_ascii=False))
    return 0


def _discord_invite(settings: Settings, given: str | None) -> int:
    from bot.adapters.discord_adapter import application_id_from_token, invite_url

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
    print(invite_url(app_id))
    return 0


def _check(settings: Settings, given: Path | None) -> int:
    from bot.app import config_path

    path = config_path(settings, given)
    try:
        config = load_event(path)
    except ConfigError as exc:
        print(exc.report(), file=sys.stderr)
        print(f"{path}: {len(exc.problems)} problem(s)", file=sys.stderr)
        return 1
    print(
        f"{path}: OK: {len(config.sessions)} sessions, {len(config.rooms)} rooms, "
        f"{len(config.people)} people over {len(config.event.dates)} day(s)"
        + (" (times marked illustrative)" if config.illustrative else "")
    )
    return 0


def _run(settings: Settings, args: argparse.Namespace) -> int:
    from bot.app import RunOptions, run
    from bot.logs import setup_logging

    level = settings.log_level
    no_platform = settings.discord_token is None and settings.slack_bot_token is None
    if no_platform and "FORUM_BOT_LOG_LEVEL" not in os.environ:
        # In the terminal the log shares the screen with the answers: warnings only.
        level = "WARNING"
    setup_logging(level, settings.secrets())
    clock: Clock
    if args.simulate_from:
        try:
            clock = SimulatedClock(parse_moment(args.simulate_from), args.speed)
        except ValueError as exc:
            print(f"forum-bot: --simulate-from: {exc}", file=sys.stderr)
            return 2
    else:
        clock = SystemClock()
    options = RunOptions(
        config=args.config, db=args.db, role=Role.parse(args.role), console=args.console
    )
    try:
        return asyncio.run(run(settings, options, clock))
    except ConfigError as exc:
        print(exc.report(), file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
