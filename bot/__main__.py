"""The command line: forum-bot run | check | --version."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Sequence

from pydantic import ValidationError

from bot.cli.parser import parser as command_line
from bot.core.clock import Clock, SimulatedClock, SystemClock, parse_moment
from bot.core.model import Role
from bot.settings import ConfigError, Settings


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `forum-bot` command."""
    parser = command_line()
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
    from bot.storage import StorageError

    try:
        return _command(settings, args)
    except StorageError as exc:
        # A database that cannot be used is the operator's to fix: one line, not a traceback.
        print(f"forum-bot: {exc}", file=sys.stderr)
        return 1


def _command(settings: Settings, args: argparse.Namespace) -> int:
    """Run the command the arguments name. Each one's module is imported when it runs: a
    running bot keeps none of the others' code."""
    if args.command == "run":
        return _run(settings, args)
    from bot.cli.operations import announce, migrate, poll, qa, reload, status
    from bot.cli.platforms import discord_invite, slack_manifest
    from bot.cli.programme import check, export, has_database, import_programme

    if args.command == "check":
        return check(settings, args.config)
    if args.command == "discord-invite":
        return discord_invite(settings, args.client_id, args.config)
    if args.command == "status":
        where = settings.database(args.db)
        if not has_database(where):
            print(f"forum-bot: no database at {where}", file=sys.stderr)
            return 1
        return asyncio.run(status(where))
    if args.command == "migrate":
        return asyncio.run(migrate(settings.database(args.db)))
    if args.command == "reload":
        return reload(args.db or settings.db)
    if args.command == "announce":
        return asyncio.run(announce(settings, args))
    if args.command == "import":
        return import_programme(settings, args)
    if args.command == "export":
        return asyncio.run(export(settings, args))
    if args.command == "qa":
        return asyncio.run(qa(settings, args))
    if args.command == "poll":
        return asyncio.run(poll(settings, args))
    if args.command == "slack-manifest":
        return slack_manifest(settings, args.config, args.url)
    return _run(settings, args)


def _run(settings: Settings, args: argparse.Namespace) -> int:
    from bot.app import RunOptions, run, run_loop
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
        return run_loop(run(settings, options, clock))
    except ConfigError as exc:
        print(exc.report(), file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
