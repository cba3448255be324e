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
from bot.core.clock import Clock, SimulatedClock, SystemClock, parse_moment
from bot.core.model import Role
from bot.settings import FORMATS, ConfigError, EventConfig, Settings, event_warnings, load_event


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

    status = sub.add_parser("status", help="the outbox queue, failures and pending announcements")
    status.add_argument("--db", type=Path, help="SQLite file (default: FORUM_BOT_DB)")

    reload_ = sub.add_parser("reload", help="make the running bot re-read its event file")
    reload_.add_argument("--db", type=Path, help="the running bot's SQLite file")

    announce = sub.add_parser(
        "announce",
        help="queue an announcement from the shell",
        description="Queue an announcement for the running bot. The words are read as "
        "/announce reads them: `forum-bot announce Doors open at 10:00 to slack`.",
    )
    announce.add_argument("text", nargs="+", help="what to say (quotes are optional)")
    announce.add_argument(
        "--at",
        help="when, in real time and the event's zone: 10:00, 2026-02-06 09:30, "
        "tomorrow 09:00, +15m (without it: as soon as the running bot sees it, also in a "
        "rehearsal)",
    )
    announce.add_argument(
        "--to", choices=["all", "discord", "slack", "console"], help="where (default: all)"
    )
    common(announce)
    announce.add_argument("--db", type=Path, help="the running bot's SQLite file")

    imp = sub.add_parser(
        "import",
        help="turn a frab/pretalx JSON or XML, iCalendar or CSV programme into an event file",
    )
    imp.add_argument("file", type=Path, help="the programme to import")
    imp.add_argument("--format", default="auto", choices=FORMATS)
    imp.add_argument("--out", type=Path, help="event file to write (default: standard output)")
    imp.add_argument(
        "--timezone", help="zone of times the file gives without one (default: the event's)"
    )
    common(imp)
    exp = sub.add_parser("export", help="write the programme as iCalendar, frab JSON or CSV")
    exp.add_argument("--format", required=True, choices=["ics", "json", "csv"])
    exp.add_argument("--out", type=Path, help="file to write (default: standard output)")
    common(exp)
    exp.add_argument("--db", type=Path, help="SQLite file, for calendar SEQUENCE numbers")

    qa = sub.add_parser("qa", help="live Q&A: export a session's questions, or its screen links")
    qa_sub = qa.add_subparsers(dest="qa_command", metavar="ACTION", required=True)
    qa_export = qa_sub.add_parser("export", help="write a session's questions as CSV or Markdown")
    qa_export.add_argument("session", help="the session's id, e.g. dialogue")
    qa_export.add_argument("--format", choices=["csv", "md"], default="csv")
    qa_export.add_argument("--out", type=Path, help="file to write (default: standard output)")
    qa_screen = qa_sub.add_parser(
        "screen", help="print the presenter screen's and the moderators' page's links"
    )
    qa_screen.add_argument("session", help="the session's id, e.g. dialogue")
    for p in (qa_export, qa_screen):
        common(p)
        p.add_argument("--db", type=Path, help="SQLite file (default: FORUM_BOT_DB)")

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
    from bot.storage import StorageError

    try:
        return _command(settings, args)
    except StorageError as exc:
        # A database that cannot be used is the operator's to fix: one line, not a traceback.
        print(f"forum-bot: {exc}", file=sys.stderr)
        return 1


def _command(settings: Settings, args: argparse.Namespace) -> int:
    """Run the command the arguments name."""
    if args.command == "check":
        return _check(settings, args.config)
    if args.command == "discord-invite":
        return _discord_invite(settings, args.client_id)
    if args.command == "status":
        db = args.db or settings.db
        if not db.exists():
            print(f"forum-bot: no database at {db}", file=sys.stderr)
            return 1
        return asyncio.run(_status(db))
    if args.command == "reload":
        return _reload(args.db or settings.db)
    if args.command == "announce":
        return asyncio.run(_announce(settings, args))
    if args.command == "import":
        return _import(settings, args)
    if args.command == "export":
        return asyncio.run(_export(settings, args))
    if args.command == "qa":
        return asyncio.run(_qa(settings, args))
    if args.command == "slack-manifest":
        return _slack_manifest(settings, args.config, args.url)
    return _run(settings, args)


async def _status(db: Path) -> int:
    from bot.storage import Store
    from bot.storage import announcements as ann
    from bot.storage.outbox import recent_failures, summary

    store = await Store.open(db)
    try:
        rows = await summary(store)
        print("outbox:" if rows else "outbox: empty")
        for platform, status, count in rows:
            print(f"  {platform:<8} {status:<10} {count:>7}")
        failures = await recent_failures(store)
        if failures:
            print("latest failures:")
            for key, target, error in failures:
                print(f"  {key} -> {target}: {error}")
        pending = await ann.pending(store)
        print(f"announcements waiting: {len(pending)}")
        for a in pending:
            moment = "as soon as possible" if a.send_at == ann.ASAP else a.send_at.isoformat()
            print(f"  #{a.id} {a.status} {moment} to {','.join(a.targets)}: {a.text[:60]}")
        subs = await store.fetchone("SELECT COUNT(*) FROM subscriptions")
        print(f"personal reminders: {subs[0] if subs else 0}")
    finally:
        await store.close()
    return 0


def _event_or_report(settings: Settings, path: Path | None) -> EventConfig | None:
    """The event file (`--config`, else the configured or embedded one), or None having
    listed its problems on standard error."""
    from bot.app import config_path

    try:
        return load_event(config_path(settings, path))
    except ConfigError as exc:
        print(exc.report(), file=sys.stderr)
        return None


def _write(data: bytes, out: Path | None) -> int:
    """Write an export to `out`, or to standard output."""
    if out:
        out.write_bytes(data)
        print(f"wrote {out}", file=sys.stderr)
    else:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    return 0


def _import(settings: Settings, args: argparse.Namespace) -> int:
    """`forum-bot import FILE`: the event file (the embedded or --config one) with its
    programme replaced by FILE's; all or nothing, every problem listed."""
    import yaml

    from bot.app import config_path
    from bot.programme.formats import config_data, dead_mappings, load

    try:
        raw = args.file.read_bytes()
    except OSError as exc:
        print(f"forum-bot: {args.file}: cannot read: {exc.strerror}", file=sys.stderr)
        return 1
    try:
        base = config_data(load_event(config_path(settings, args.config)))
        config = load(raw, str(args.file), args.format, base=base, timezone=args.timezone)
    except ConfigError as exc:
        print(exc.report(), file=sys.stderr)
        return 1
    text = yaml.safe_dump(config_data(config), allow_unicode=True, sort_keys=False, width=100)
    summary = (
        f"{len(config.sessions)} sessions, {len(config.rooms)} rooms, "
        f"{len(config.people)} people over {len(config.event.dates)} day(s)"
    )
    if args.out:
        args.out.write_text(text, encoding="utf-8")
        print(f"wrote {args.out}: {summary}", file=sys.stderr)
    else:
        sys.stdout.write(text)
        print(f"imported {summary}", file=sys.stderr)
    # What the import left unmapped: old rooms' channels dropped, new rooms without one.
    kept = {**base, "rooms": [{"id": r.id} for r in config.rooms]}
    for platform, rooms in dead_mappings(kept).items():
        print(
            f"platforms.{platform}.rooms: dropped the channels of rooms the programme does "
            f"not have: {', '.join(rooms)}",
            file=sys.stderr,
        )
    for warning in event_warnings(config):
        print(f"warning: {warning}; give them channels in the event file", file=sys.stderr)
    if config.illustrative:
        print(
            "the event file still says illustrative: true (times not yet official); "
            "remove it once they are",
            file=sys.stderr,
        )
    return 0


async def _export(settings: Settings, args: argparse.Namespace) -> int:
    """`forum-bot export --format ics|json|csv`: the programme for calendars and tools."""
    import json
    from datetime import UTC, datetime

    from bot.programme.building import build_agenda
    from bot.programme.frab import to_frab_json
    from bot.programme.ical import to_ics
    from bot.programme.tabular import to_csv
    from bot.storage import Store
    from bot.storage.calendar import sequences

    config = _event_or_report(settings, args.config)
    if config is None:
        return 1
    agenda = build_agenda(config)
    if args.format == "json":
        data = json.dumps(to_frab_json(agenda, config), ensure_ascii=False, indent=2).encode()
    elif args.format == "csv":
        data = to_csv(agenda).encode("utf-8-sig")
    else:
        now = datetime.now(UTC)
        db = args.db or settings.db
        seqs: dict[str, int] = {}
        if db.exists():  # the running bot's numbers, so calendars see changes as updates
            store = await Store.open(db)
            try:
                seqs = await sequences(store, agenda.sessions, now)
            finally:
                await store.close()
        data = to_ics(
            agenda, agenda.sessions, sequences=seqs, now=now, calendar_name=config.event.name.en
        )
    return _write(data, args.out)


async def _qa(settings: Settings, args: argparse.Namespace) -> int:
    """`forum-bot qa export|screen SESSION`: from the database, while the bot runs or not."""
    from bot.app import build_core
    from bot.core.clock import SystemClock
    from bot.qa.identity import load_secret
    from bot.storage import Store

    db = args.db or settings.db
    if not db.exists():
        print(f"forum-bot: no database at {db}", file=sys.stderr)
        return 1
    config = _event_or_report(settings, args.config)
    if config is None:
        return 1
    secret = load_secret(settings.secret.get_secret_value() if settings.secret else None, db)
    store = await Store.open(db)
    try:
        core = await build_core(config, store, SystemClock(), secret)
        if core.agenda.session(args.session) is None:
            known = ", ".join(s.id for s in core.agenda.sessions if s.qa) or "none"
            print(
                f"forum-bot: no session {args.session!r} (sessions with Q&A: {known})",
                file=sys.stderr,
            )
            return 2
        if args.qa_command == "screen":
            base = _web_base(settings, db)
            if base is None:
                return 1
            token = core.qa.keys.token(f"moderate:{args.session}")
            print(f"presenter screen:  {base.rstrip('/')}/present/{args.session}")
            print(f"moderators' page:  {base.rstrip('/')}/moderate/{args.session}?token={token}")
            return 0
        data = await core.qa.export(args.session, args.format, core.agenda.event.timezone)
    finally:
        await store.close()
    return _write(data, args.out)


def _web_base(settings: Settings, db: Path) -> str | None:
    """Where the presenter screen is: the running bot's own address (its real port, its
    FORUM_BOT_PUBLIC_URL), else what this environment says it will be; None having said
    why there is no address to give."""
    from bot.app import pidfile_for, running_bot

    bot = running_bot(pidfile_for(db))
    if bot is not None:
        if bot.web is None:
            print(
                f"forum-bot: the forum-bot running on {db} (pid {bot.pid}) has no web server "
                "(FORUM_BOT_WEB_PORT=off, or its port was taken): no presenter screen",
                file=sys.stderr,
            )
        return bot.web
    if settings.web_port is None and not settings.public_url:
        print("forum-bot: FORUM_BOT_WEB_PORT=off: there is no presenter screen", file=sys.stderr)
        return None
    if settings.web_port == 0 and not settings.public_url:
        print(
            f"forum-bot: no forum-bot is running on {db}, and with FORUM_BOT_WEB_PORT=0 its "
            "port is chosen when it starts: start it, then ask again",
            file=sys.stderr,
        )
        return None
    print(
        f"forum-bot: no forum-bot is running on {db}; the links work once it runs", file=sys.stderr
    )
    return settings.web_base(settings.web_port)


def _reload(db: Path) -> int:
    import os
    import signal

    from bot.app import pidfile_for, running_pid

    pidfile = pidfile_for(db)
    pid = running_pid(pidfile)
    try:
        if pid is None:
            raise ProcessLookupError
        os.kill(pid, signal.SIGHUP)
    except OSError:
        print(f"forum-bot: no running bot found for {db} (no {pidfile.name})", file=sys.stderr)
        return 1
    print(f"asked forum-bot (pid {pid}) to reload its event file")
    return 0


async def _announce(settings: Settings, args: argparse.Namespace) -> int:
    """`forum-bot announce WORDS [--at TIME] [--to WHERE]`: queued for the running bot, the
    words and time read as chat's /announce reads them."""
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    from bot.core.errors import UserError
    from bot.i18n import Translator
    from bot.storage import Store
    from bot.storage import announcements as ann
    from commands.announce import MAX_TEXT, read_when, split_line

    typed = " ".join(args.text)
    text, at, to = split_line(" ".join(typed.split()), at=args.at is None, to=args.to is None)
    at = args.at if at is None else at
    to = args.to or to or "all"
    if not 1 <= len(text) <= MAX_TEXT or any(ord(c) < 32 for c in typed if c not in "\t\n"):
        print(
            f"forum-bot: the text must be 1 to {MAX_TEXT} characters, no control characters",
            file=sys.stderr,
        )
        return 2
    config = _event_or_report(settings, args.config)
    if config is None:
        return 1
    now = datetime.now(UTC)
    when = ann.ASAP
    if at is not None:
        zone = ZoneInfo(config.event.timezone)
        t = Translator("en", zone)
        try:
            when = read_when(at, now, zone, t)
        except UserError as exc:
            print(f"forum-bot: {t(exc.key, **exc.params)}", file=sys.stderr)
            return 2
    targets = ("all",) if to == "all" else (to,)
    db = args.db or settings.db
    store = await Store.open(db)
    try:
        new_id = await ann.create(
            store, text, targets, when, ann.SCHEDULED, "shell:operator", "shell", now
        )
    finally:
        await store.close()
    moment = "as soon as possible" if when == ann.ASAP else when.isoformat()
    print(f"announcement #{new_id} queued for {moment} to {to}: {text[:60]}")
    print(
        "the running bot plans it now"
        if _tell_running_bot(db)
        else "no bot is running on this database: it goes out once one starts"
    )
    return 0


def _tell_running_bot(db: Path) -> bool:
    """Ask the bot running on `db` to plan again from the store (it polls nothing);
    False when no bot runs there."""
    import signal

    from bot.app import pidfile_for, running_pid

    pid = running_pid(pidfile_for(db))
    if pid is None:
        return False
    try:
        os.kill(pid, signal.SIGUSR1)
    except OSError:
        return False
    return True


def _slack_manifest(settings: Settings, given: Path | None, url: str | None) -> int:
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


def _discord_invite(settings: Settings, given: str | None) -> int:
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
    warnings = event_warnings(config)
    for warning in warnings:
        print(f"{path}: warning: {warning}", file=sys.stderr)
    print(
        f"{path}: OK: {len(config.sessions)} sessions, {len(config.rooms)} rooms, "
        f"{len(config.people)} people over {len(config.event.dates)} day(s)"
        + (" (times marked illustrative)" if config.illustrative else "")
        + (f" ({len(warnings)} warning{'s' if len(warnings) != 1 else ''})" if warnings else "")
    )
    return 0


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
