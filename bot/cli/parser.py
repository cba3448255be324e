"""The command line's sub-commands and options."""

from __future__ import annotations

import argparse
from pathlib import Path

from bot import __version__
from bot.settings import FORMATS

DB_HELP = (
    "SQLite file (default: PostgreSQL at FORUM_BOT_DATABASE_URL when set, else FORUM_BOT_DB, "
    "else data/forum-bot.sqlite)"
)


def parser() -> argparse.ArgumentParser:
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
    run.add_argument("--db", type=Path, help=DB_HELP)
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
    common(invite)  # with `scheduled_events`, the link asks for Create Events too
    invite.add_argument(
        "--client-id",
        help="the application id (default: DISCORD_APPLICATION_ID, else read from DISCORD_TOKEN)",
    )

    status = sub.add_parser(
        "status",
        help="the database (engine, schema version), the outbox queue, failures and "
        "pending announcements",
    )
    status.add_argument("--db", type=Path, help=DB_HELP)

    migrate = sub.add_parser(
        "migrate",
        help="bring the database's schema up to date, saying from which version to which",
    )
    migrate.add_argument("--db", type=Path, help=DB_HELP)

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
    exp.add_argument("--db", type=Path, help=f"for calendar SEQUENCE numbers: {DB_HELP}")

    qa = sub.add_parser(
        "qa", help="live Q&A: export a session's questions, its screen links or its join code"
    )
    qa_sub = qa.add_subparsers(dest="qa_command", metavar="ACTION", required=True)
    qa_export = qa_sub.add_parser("export", help="write a session's questions as CSV or Markdown")
    qa_export.add_argument("session", help="the session's id, e.g. dialogue")
    qa_export.add_argument("--format", choices=["csv", "md"], default="csv")
    qa_export.add_argument("--out", type=Path, help="file to write (default: standard output)")
    qa_screen = qa_sub.add_parser(
        "screen",
        help="print the presenter screen's, the moderators' page's and the speaker view's links",
    )
    qa_screen.add_argument("session", help="the session's id, e.g. dialogue")
    qa_join = qa_sub.add_parser(
        "join", help="print the audience page's address and write its QR code for slides"
    )
    qa_join.add_argument("session", help="the session's id, e.g. dialogue")
    qa_join.add_argument("--png", type=Path, help="write the QR code as a PNG image here")
    qa_join.add_argument("--svg", type=Path, help="write the QR code as an SVG image here")
    for p in (qa_export, qa_screen, qa_join):
        common(p)
        p.add_argument("--db", type=Path, help=DB_HELP)

    poll = sub.add_parser("poll", help="live polls: export their options and votes")
    poll_sub = poll.add_subparsers(dest="poll_command", metavar="ACTION", required=True)
    poll_export = poll_sub.add_parser(
        "export", help="write polls as CSV, a row per option with its votes"
    )
    poll_export.add_argument(
        "poll",
        nargs="?",
        help="a poll's number or its id in the event file (default: every poll)",
    )
    poll_export.add_argument(
        "--session", help="only the polls of this session (its id, e.g. dialogue)"
    )
    poll_export.add_argument("--out", type=Path, help="file to write (default: standard output)")
    common(poll_export)
    poll_export.add_argument("--db", type=Path, help="SQLite file (default: FORUM_BOT_DB)")

    slack = sub.add_parser(
        "slack-manifest", help="print the Slack app manifest to create the app from"
    )
    common(slack)
    slack.add_argument(
        "--url",
        help="the public https URL of /slack/events (HTTP mode); without it, Socket Mode",
    )
    return parser
