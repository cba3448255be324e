"""`forum-bot status`, `reload`, `announce`, `qa` and `poll`: talking to a running bot
through its database and signals."""

from __future__ import annotations

import argparse
import os
import sys
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from bot.cli.programme import event_or_report, has_database, write_out
from bot.core.clock import SystemClock
from bot.settings import Settings
from bot.storage.files import write_whole
from bot.storage.instances import Instance

if TYPE_CHECKING:
    from bot.core.dispatch import Core
    from bot.storage.base import Store


async def status(where: Path | str) -> int:
    from bot.storage import announcements as ann
    from bot.storage import discord_events, instances, open_store
    from bot.storage.migrations import MIGRATIONS
    from bot.storage.outbox import recent_failures, summary

    store = await open_store(where)
    try:
        version = await store.schema_version()
        latest = " (the latest)" if version == len(MIGRATIONS) else ""
        print(f"database: {store.engine} {store.where}, schema version {version}{latest}")
        for line in instance_lines(await instances.listing(store), SystemClock().now()):
            print(line)
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
        for sync in await discord_events.reports(store):
            line = f"discord events in server {sync.guild_id}: {sync.linked} linked"
            if sync.missing:
                line += f", {sync.missing} session(s) without one ({sync.problem})"
            print(f"{line}; last synced {sync.at}")
    finally:
        await store.close()
    return 0


def instance_lines(found: list[Instance], now: datetime) -> list[str]:
    """`status`'s lines on the instances sharing a PostgreSQL database (none on SQLite,
    whose one bot writes no heartbeat): id, host, pid, start, last heartbeat, which
    leads, and which look dead (no heartbeat within the lease: their claims go back)."""
    from bot.storage.instances import LEASE

    if not found:
        return []
    leader = next((i.id for i in found if i.leader and now - i.heartbeat_at <= LEASE), None)
    lines = [f"instances: {len(found)}, " + (f"{leader} leads" if leader else "none leads")]
    for i in found:
        ago = max(0, int((now - i.heartbeat_at).total_seconds()))
        state = "dead" if now - i.heartbeat_at > LEASE else "leads" if i.id == leader else "serves"
        lines.append(
            f"  {i.id} {state:<6} {i.host} pid {i.pid}, started "
            f"{i.started_at.isoformat(timespec='seconds')}, last heartbeat "
            f"{i.heartbeat_at.isoformat(timespec='seconds')} ({ago} s ago)"
        )
    return lines


async def migrate(where: Path | str) -> int:
    """`forum-bot migrate`: bring the database to the latest schema version, saying from
    which version to which (before instances of a new version start on PostgreSQL)."""
    from bot.storage import open_store
    from bot.storage.migrations import MIGRATIONS

    store = await open_store(where, migrate=False)
    try:
        before = await store.schema_version()
        await store.migrate()
        after = await store.schema_version()
    finally:
        await store.close()
    if before == after:
        print(f"{store.engine} {store.where}: at schema version {after}, the latest")
    else:
        steps = after - before
        print(
            f"{store.engine} {store.where}: migrated from schema version {before} to {after} "
            f"({steps} step{'s' if steps != 1 else ''}"
            f"{', the latest' if after == len(MIGRATIONS) else ''})"
        )
    return 0


async def _from_database(settings: Settings, args: argparse.Namespace) -> tuple[Store, Core] | None:
    """The store (open: the caller closes it) and a core over it and the event file, for a
    sub-command that reads what the bot keeps, while the bot runs or not; None when either
    is missing (said on stderr)."""
    from bot.app import build_core, configured_secret
    from bot.qa.identity import load_secret
    from bot.storage import open_store

    db = args.db or settings.db
    where = settings.database(args.db)
    if not has_database(where):
        print(f"forum-bot: no database at {db}", file=sys.stderr)
        return None
    config = event_or_report(settings, args.config)
    if config is None:
        return None
    secret = configured_secret(settings, where) or load_secret(None, db)
    store = await open_store(where)
    try:
        return store, await build_core(config, store, SystemClock(), secret)
    except BaseException:
        await store.close()
        raise


async def qa(settings: Settings, args: argparse.Namespace) -> int:
    """`forum-bot qa export|screen|join SESSION`: from the database, while the bot runs or
    not (`join` needs only the event file)."""

    db = args.db or settings.db
    if args.qa_command == "join":
        return join(settings, args, db)
    opened = await _from_database(settings, args)
    if opened is None:
        return 1
    store, core = opened
    try:
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
            base = base.rstrip("/")
            token = core.qa.keys.token(f"moderate:{args.session}")
            speaker = core.qa.keys.token(f"speaker:{args.session}")
            print(f"presenter screen:  {base}/present/{args.session}")
            print(f"moderators' page:  {base}/moderate/{args.session}?token={token}")
            print(f"speaker view:      {base}/speaker-view/{args.session}?token={speaker}")
            return 0
        data = await core.qa.export(args.session, args.format, core.agenda.event.timezone)
    finally:
        await store.close()
    return write_out(data, args.out)


async def poll(settings: Settings, args: argparse.Namespace) -> int:
    """`forum-bot poll export [POLL] [--session ID]`: polls as CSV from the database,
    while the bot runs or not."""
    from bot.core.errors import UserError
    from bot.i18n import Translator

    opened = await _from_database(settings, args)
    if opened is None:
        return 1
    store, core = opened
    try:
        tz = core.agenda.event.timezone
        try:
            if args.poll:
                polls = [await core.polls.find(args.poll)]
            else:
                polls = await core.polls.listing(args.session, limit=100_000)
                if args.session:
                    polls = [p for p in polls if p.session_id == args.session]
        except UserError as exc:
            english = Translator("en", tz)
            print(f"forum-bot: {english(exc.key, **exc.params)}", file=sys.stderr)
            return 2
        data = await core.polls.export(sorted(polls, key=lambda p: p.id), tz)
    finally:
        await store.close()
    return write_out(data, args.out)


def join(settings: Settings, args: argparse.Namespace, db: Path) -> int:
    """`forum-bot qa join SESSION [--png FILE] [--svg FILE]`: the audience page's address,
    and its QR code written whole (or not at all) for slides."""
    from bot.programme.building import build_agenda
    from bot.qa.join import TooLong, join_url, leads_to_itself, qr_png, qr_svg, short_url

    config = event_or_report(settings, args.config)
    if config is None:
        return 1
    agenda = build_agenda(config)
    if agenda.session(args.session) is None:
        known = ", ".join(s.id for s in agenda.sessions if s.qa) or "none"
        print(
            f"forum-bot: no session {args.session[:60]!r} (sessions with Q&A: {known})",
            file=sys.stderr,
        )
        return 2
    # Slides are made ahead: the public address, else where a bot runs or will run.
    base = settings.public_url or _web_base(settings, db, "audience page")
    if base is None:
        return 1
    url = join_url(base, args.session)
    if not settings.public_url and leads_to_itself(url):
        print(
            f"forum-bot: FORUM_BOT_PUBLIC_URL is not set, and phones cannot open {url}: "
            "set it to the address people reach the bot at",
            file=sys.stderr,
        )
    images = [(path, draw) for path, draw in ((args.png, qr_png), (args.svg, qr_svg)) if path]
    for path, draw in images:
        try:
            data = draw(url)
        except TooLong:
            print(f"forum-bot: {url[:80]}... is too long for a QR code", file=sys.stderr)
            return 1
        try:
            write_whole(path, data)
        except OSError as exc:
            print(f"forum-bot: cannot write {path}: {exc.strerror or exc}", file=sys.stderr)
            return 1
        print(f"wrote {path}", file=sys.stderr)
    print(url)
    print(f"on screen: {short_url(url)}")
    return 0


def _web_base(settings: Settings, db: Path, what: str = "presenter screen") -> str | None:
    """Where the web server is (for its `what`): the running bot's own address (its real
    port, its FORUM_BOT_PUBLIC_URL), else what this environment says it will be; None
    having said why there is no address to give."""
    from bot.app import pidfile_for, running_bot

    bot = running_bot(pidfile_for(db))
    if bot is not None:
        if bot.web is None:
            print(
                f"forum-bot: the forum-bot running on {db} (pid {bot.pid}) has no web server "
                f"(FORUM_BOT_WEB_PORT=off, or its port was taken): no {what}",
                file=sys.stderr,
            )
        return bot.web
    if settings.web_port is None and not settings.public_url:
        print(f"forum-bot: FORUM_BOT_WEB_PORT=off: there is no {what}", file=sys.stderr)
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


def reload(db: Path) -> int:
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


async def announce(settings: Settings, args: argparse.Namespace) -> int:
    """`forum-bot announce WORDS [--at TIME] [--to WHERE]`: queued for the running bot, the
    words and time read as chat's /announce reads them."""
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    from bot.core.errors import UserError
    from bot.i18n import Translator
    from bot.storage import announcements as ann
    from bot.storage import open_store
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
    config = event_or_report(settings, args.config)
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
    store = await open_store(settings.database(args.db))
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
