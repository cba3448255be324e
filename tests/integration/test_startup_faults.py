"""Start-up faults, end to end: a database that cannot be used is one line saying which file
and what to do, never a traceback; the terminal stops on SIGTERM or Ctrl-C with stdin open."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.storage.migrations import MIGRATIONS
from tests.integration.test_cli import env as cli_env
from tests.integration.test_cli import forum_bot
from tests.integration.test_operations import ROOT, env, read_until


def one_line(done: subprocess.CompletedProcess[str], path: Path) -> str:
    """The one line a refused command wrote: it names `path`; no traceback, no output."""
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("forum-bot: cannot ") and str(path) in lines[0], lines[0]
    assert done.stdout == ""
    return lines[0]


def run(db: Path) -> subprocess.CompletedProcess[str]:
    """`forum-bot run --db DB` in the terminal, stdin at its end, no web server."""
    return forum_bot("run", "--db", str(db), timeout=20, FORUM_BOT_WEB_PORT="off")


def text_file(tmp_path: Path) -> tuple[Path, Path, str]:
    db = tmp_path / "notes.sqlite"
    db.write_text("not a database\n", encoding="utf-8")
    said = "it is not an SQLite database (file is not a database); move it aside or choose"
    return db, db, said


def under_a_file(tmp_path: Path) -> tuple[Path, Path, str]:
    (tmp_path / "data").write_text("a file, not a folder\n", encoding="utf-8")
    db = tmp_path / "data" / "bot.sqlite"
    return db, db, f"{tmp_path / 'data'} is a file, not a folder; choose another place with --db"


def deeper_under_a_file(tmp_path: Path) -> tuple[Path, Path, str]:
    (tmp_path / "data").write_text("a file, not a folder\n", encoding="utf-8")
    db = tmp_path / "data" / "bot" / "bot.sqlite"  # mkdir says ENOTDIR, not EEXIST
    return db, db, f"{tmp_path / 'data'} is a file, not a folder"


def a_folder(tmp_path: Path) -> tuple[Path, Path, str]:
    # What a container's bind mount of a missing file makes.
    db = tmp_path / "bot.sqlite"
    db.mkdir()
    return db, db, "it is a folder, not a file; move it aside or choose another place with --db"


def full_disk(tmp_path: Path) -> tuple[Path, Path, str]:
    # The kernel's own ENOSPC: /dev/full opens, and every write to it fails.
    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full on this system")
    db = tmp_path / "bot.sqlite"
    pid = tmp_path / "bot.sqlite.pid"
    pid.symlink_to("/dev/full")
    return db, pid, f"cannot write the lock file {pid}: no space left on the device; free some"


def newer_schema(tmp_path: Path) -> tuple[Path, Path, str]:
    db = tmp_path / "bot.sqlite"
    with sqlite3.connect(db) as conn:
        conn.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 5}")
    conn.close()
    return db, db, f"has schema version {len(MIGRATIONS) + 5}, newer than this forum-bot"


@pytest.mark.parametrize(
    "fault",
    [text_file, under_a_file, deeper_under_a_file, a_folder, full_disk, newer_schema],
    ids=lambda f: f.__name__,
)
def test_run_refuses_an_unusable_database_in_one_line(
    tmp_path: Path, fault: Callable[[Path], tuple[Path, Path, str]]
) -> None:
    db, named, said = fault(tmp_path)
    before = db.read_bytes() if db.is_file() else None
    line = one_line(run(db), named)
    assert said in line, line
    # The file refused is as it was; the lock was let go of and its file removed.
    assert (db.read_bytes() if db.is_file() else None) == before
    if named == db:
        assert not (tmp_path / (db.name + ".pid")).exists()


def unprivileged(folder: Path) -> list[str]:
    """A prefix for commands that cannot write through a file's mode: none for an ordinary
    user; for root, setpriv without the capabilities that override modes. Skips the test
    where neither refuses a write to `folder` (mode 555)."""
    prefix: list[str] = []
    if os.geteuid() == 0:
        if shutil.which("setpriv") is None:
            pytest.skip("root writes whatever a folder's mode says, and there is no setpriv")
        prefix = ["setpriv", "--bounding-set=-dac_override,-dac_read_search"]
    probe = f"open({str(folder / 'probe')!r}, 'x')"
    tried = subprocess.run(
        [*prefix, sys.executable, "-c", probe], capture_output=True, timeout=20, check=False
    )
    if tried.returncode == 0:
        pytest.skip("this user writes in a folder of mode 555")
    return prefix


@pytest.mark.parametrize("where", ["read-only/bot.sqlite", "read-only/sub/bot.sqlite", "ro.sqlite"])
def test_run_refuses_what_it_may_not_write_in_one_line(tmp_path: Path, where: str) -> None:
    folder = tmp_path / "read-only"  # also where unprivileged() tries to write
    folder.mkdir()
    folder.chmod(0o555)
    db = tmp_path / where
    if where == "ro.sqlite":  # a database file of mode 444 in a folder the bot may write
        with sqlite3.connect(db) as conn:
            conn.execute("CREATE TABLE t (x)")
        conn.close()
        db.chmod(0o444)
    try:
        done = subprocess.run(
            [*unprivileged(folder), sys.executable, "-m", "bot", "run", "--db", str(db)],
            input="",
            capture_output=True,
            text=True,
            timeout=20,
            env=cli_env(FORUM_BOT_WEB_PORT="off"),
            cwd=ROOT,
            check=False,
        )
    finally:
        folder.chmod(0o755)
    line = one_line(done, db)
    if where == "ro.sqlite":
        assert "it cannot be written (attempt to write a readonly database)" in line, line
        assert not (tmp_path / "ro.sqlite.pid").exists()
    else:
        assert f"permission denied on {folder}; let this user write there" in line, line


@pytest.mark.parametrize(
    "command",
    [
        ("status",),
        ("announce", "Lunch is served"),
        ("qa", "export", "dialogue"),
        ("export", "--format", "ics"),
    ],
    ids=["status", "announce", "qa-export", "export-ics"],
)
def test_commands_on_the_database_refuse_it_in_one_line(
    tmp_path: Path, command: tuple[str, ...]
) -> None:
    db, _, said = text_file(tmp_path)
    line = one_line(forum_bot(*command, "--db", str(db), timeout=20), db)
    assert said in line, line


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
async def test_the_terminal_stops_on_a_signal_while_stdin_stays_open(
    tmp_path: Path, sig: signal.Signals
) -> None:
    """Like `sleep 60 | forum-bot run`: stdin open and quiet, the terminal waiting on it."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        cwd=ROOT,
        env=env(tmp_path / "bot.sqlite") | {"FORUM_BOT_LOG_LEVEL": "INFO"},
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    assert proc.stdin is not None and proc.stdout is not None and proc.stderr is not None
    try:
        await read_until(proc.stdout, "Type /help")
        await read_until(proc.stderr, "ready")
        # Answered over the open pipe; then the terminal waits for the next line.
        proc.stdin.write(b"/agenda 1\n")
        await proc.stdin.drain()
        await read_until(proc.stdout, "Dialogue with Global Scholars")
        proc.send_signal(sig)
        async with asyncio.timeout(5):
            await proc.wait()
        err = (await proc.stderr.read()).decode()
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
        proc.stdin.close()  # only now: the bot had to stop with it open
    assert proc.returncode == 0, err
    assert "forum-bot stopped" in err and "Traceback" not in err
