"""The bot and its commands on PostgreSQL (FORUM_BOT_DATABASE_URL), end to end: a bot runs
on it and hears the shell's announcement, a second bot on the same database follows it,
`forum-bot migrate` and `status` say the engine and the schema version, and a database
that cannot be used is one line, never a traceback nor the password."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

import aiohttp

from bot.storage.migrations import MIGRATIONS
from tests.fakes.environment import web_port
from tests.integration.test_cli import forum_bot
from tests.integration.test_operations import ROOT, env, read_until
from tests.postgres import PASSWORD, PostgresServer, free_port

SECRET = "a-secret-the-same-on-every-instance"


def on(url: str, db: Path) -> dict[str, str]:
    """The environment of a bot (or a command) on the PostgreSQL at `url`; its pid file
    is beside `db`."""
    return env(db) | {"FORUM_BOT_DATABASE_URL": url, "FORUM_BOT_SECRET": SECRET}


def cli(environment: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
        env=environment,
        cwd=ROOT,
        check=False,
    )


async def test_a_bot_on_postgresql_runs_alone_and_hears_the_shell(
    postgres: PostgresServer, tmp_path: Path
) -> None:
    url = await postgres.new_database(schema=False)
    first = on(url, tmp_path / "first.sqlite")
    migrated = await asyncio.to_thread(cli, first, "migrate")
    assert migrated.returncode == 0, migrated.stderr
    where = url.replace(f":{PASSWORD}@", "@")
    n = len(MIGRATIONS)
    assert migrated.stdout == (
        f"postgresql {where}: migrated from schema version 0 to {n} ({n} steps, the latest)\n"
    )
    again = await asyncio.to_thread(cli, first, "migrate")
    assert again.stdout == f"postgresql {where}: at schema version {n}, the latest\n"
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        "--simulate-from",
        "2026-02-05T08:00+09:00",
        "--speed",
        "0",
        cwd=ROOT,
        env=first | {"FORUM_BOT_LOG_LEVEL": "INFO"},
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    assert proc.stdout is not None and proc.stdin is not None and proc.stderr is not None
    try:
        await read_until(proc.stdout, "Type /help")
        await read_until(proc.stderr, "ready")
        # Another bot on the same database (from another machine: its own pid file)
        # serves beside it, and plans nothing: the first leads. Its terminal reads the
        # end of its input at once, and it stops.
        second = await asyncio.to_thread(
            cli,
            on(url, tmp_path / "second.sqlite") | {"FORUM_BOT_LOG_LEVEL": "INFO"},
            "run",
            "--console",
        )
        assert second.returncode == 0, second.stderr
        assert "serves; another instance leads and plans" in second.stderr
        # The shell's announcement is stored in PostgreSQL; the bot is told to plan.
        done = await asyncio.to_thread(cli, first, "announce", "Lunch is served in the lobby")
        assert done.returncode == 0 and "announcement #1 queued" in done.stdout, done.stderr
        assert "the running bot plans it now" in done.stdout
        said = await read_until(proc.stdout, "Lunch is served")
        assert "[#announcements] Announcement / 공지" in said
        proc.stdin.write(b"/quit\n")
        await proc.stdin.drain()
        await asyncio.wait_for(proc.wait(), 30)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    assert proc.returncode == 0
    status = await asyncio.to_thread(cli, first, "status")
    assert status.returncode == 0, status.stderr
    assert status.stdout.startswith(
        f"database: postgresql {where}, schema version {n} (the latest)\n"
    )
    assert "console  sent" in status.stdout and "announcements waiting: 0" in status.stdout
    assert PASSWORD not in status.stdout + status.stderr


def test_status_names_the_sqlite_file_and_its_version(tmp_path: Path) -> None:
    db = tmp_path / "bot.sqlite"
    migrated = forum_bot("migrate", "--db", str(db))
    n = len(MIGRATIONS)
    assert migrated.stdout == (
        f"sqlite {db}: migrated from schema version 0 to {n} ({n} steps, the latest)\n"
    )
    status = forum_bot("status", "--db", str(db))
    assert status.stdout.startswith(f"database: sqlite {db}, schema version {n} (the latest)\n")


def one_line(done: subprocess.CompletedProcess[str]) -> str:
    """The one line a refused command wrote: no traceback, no password."""
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr and PASSWORD not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("forum-bot: "), lines[0]
    return lines[0]


def test_a_server_that_is_down_is_one_line(tmp_path: Path) -> None:
    url = f"postgresql://bot:{PASSWORD}@127.0.0.1:{free_port()}/forum"
    for command in (("run",), ("status",), ("migrate",)):
        line = one_line(cli(on(url, tmp_path / "bot.sqlite"), *command))
        assert line == (
            f"forum-bot: cannot open the database postgresql://bot@{url.split('@')[1]}: "
            "nothing answers at that address (is PostgreSQL running there?); start it, or "
            "fix FORUM_BOT_DATABASE_URL"
        )
    assert not (tmp_path / "bot.sqlite").exists()  # nothing made on the way


async def test_a_wrong_password_is_one_line(postgres: PostgresServer, tmp_path: Path) -> None:
    url = postgres.dsn(password="wrong-password")
    done = await asyncio.to_thread(cli, on(url, tmp_path / "bot.sqlite"), "run")
    line = one_line(done)
    assert "the server refused the password" in line and "wrong-password" not in line


def test_postgresql_needs_the_secret_every_instance_shares(tmp_path: Path) -> None:
    environment = on(f"postgresql://bot:{PASSWORD}@127.0.0.1:1/forum", tmp_path / "bot.sqlite")
    del environment["FORUM_BOT_SECRET"]
    line = one_line(cli(environment, "run"))
    assert line.startswith("forum-bot: FORUM_BOT_DATABASE_URL needs FORUM_BOT_SECRET")


def test_an_address_that_is_not_postgresql_is_refused_without_repeating_it(
    tmp_path: Path,
) -> None:
    environment = on(f"mysql://bot:{PASSWORD}@db/forum", tmp_path / "bot.sqlite")
    done = cli(environment, "status")
    assert done.returncode == 2
    assert done.stderr.strip() == (
        "forum-bot: environment FORUM_BOT_DATABASE_URL: Value error, not a postgresql:// "
        "address (unset it for the SQLite file)"
    )


async def _bot(environment: dict[str, str]) -> asyncio.subprocess.Process:
    """`forum-bot run` with the terminal on pipes, logging at INFO (which instance leads)."""
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        "--console",
        cwd=ROOT,
        env=environment | {"FORUM_BOT_LOG_LEVEL": "INFO"},
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


async def test_kill_9_the_leader_and_the_other_bot_leads_within_15_seconds(
    postgres: PostgresServer, tmp_path: Path
) -> None:
    url = await postgres.new_database()
    first = await _bot(on(url, tmp_path / "first.sqlite"))
    second: asyncio.subprocess.Process | None = None
    try:
        assert first.stderr is not None
        await read_until(first.stderr, "leads")
        await read_until(first.stderr, "ready")
        # The second serves its web (as behind a load balancer) on a free port.
        second = await _bot(on(url, tmp_path / "second.sqlite") | {"FORUM_BOT_WEB_PORT": "0"})
        assert second.stderr is not None
        await read_until(second.stderr, "serves; another instance leads and plans")
        port = await web_port(second.stderr)
        await read_until(second.stderr, "ready")
        health = f"http://127.0.0.1:{port}/healthz"
        async with aiohttp.ClientSession() as http, http.get(health) as answer:
            follows = await answer.json()
        assert follows["status"] == "ok" and follows["leads"] is False
        listed = await asyncio.to_thread(cli, on(url, tmp_path / "x.sqlite"), "status")
        assert "instances: 2, " in listed.stdout, listed.stdout
        assert f"{follows['instance']} serves" in listed.stdout
        first.kill()  # kill -9: no goodbye; the server frees its lock with its connection
        await first.wait()
        loop = asyncio.get_running_loop()
        began = loop.time()
        async with asyncio.timeout(15):
            said = await read_until(second.stderr, "leads")
        assert "cluster: " in said and loop.time() - began < 15
        async with aiohttp.ClientSession() as http, http.get(health) as answer:
            leads = await answer.json()
        assert leads["instance"] == follows["instance"] and leads["leads"] is True
    finally:
        for proc in (first, second):
            if proc is not None and proc.returncode is None:
                proc.kill()
                await proc.wait()
    await postgres.recycle(url)
