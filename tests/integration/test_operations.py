"""The operator's commands against a running bot: reload (SIGHUP), announce, status."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
from pathlib import Path

from bot.settings import default_config_path

ROOT = Path(__file__).resolve().parents[2]


def env(db: Path) -> dict[str, str]:
    base = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DISCORD_", "SLACK_", "FORUM_BOT_"))
    }
    return base | {"FORUM_BOT_WEB_PORT": "off", "FORUM_BOT_DB": str(db)}


def cli(
    db: Path, *args: str, env_extra: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=env(db) | (env_extra or {}),
        cwd=ROOT,
        check=False,
    )


async def read_until(stream: asyncio.StreamReader, needle: str) -> str:
    """What the bot printed, up to and including the line with `needle`."""
    seen: list[str] = []
    async with asyncio.timeout(30):
        while True:
            line = (await stream.readline()).decode()
            if not line:
                raise AssertionError(f"the bot stopped before {needle!r}:\n{''.join(seen)}")
            seen.append(line)
            if needle in line:
                return "".join(seen)


async def test_reload_and_shell_announcements_reach_the_running_bot(tmp_path: Path) -> None:
    db = tmp_path / "bot.sqlite"
    config = tmp_path / "event.yaml"
    shutil.copy(default_config_path(), config)
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        "--config",
        str(config),
        "--simulate-from",
        "2026-02-05T08:00+09:00",
        "--speed",
        "0",
        cwd=ROOT,
        env=env(db) | {"FORUM_BOT_LOG_LEVEL": "INFO"},
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    assert proc.stdout is not None and proc.stdin is not None
    try:
        await read_until(proc.stdout, "Type /help")
        assert proc.stderr is not None
        await read_until(proc.stderr, "ready")  # logged once the pidfile is written
        # The dialogue moves an hour later in the file; `forum-bot reload` makes it known.
        text = config.read_text(encoding="utf-8")
        text = text.replace(
            "start: 2026-02-05 13:00\n    end: 2026-02-05 15:00",
            "start: 2026-02-05 15:30\n    end: 2026-02-05 17:00",
        )
        config.write_text(text, encoding="utf-8")
        done = await asyncio.to_thread(cli, db, "reload")
        assert done.returncode == 0, done.stderr
        update = await read_until(proc.stdout, "Moved")
        assert "[#schedule] Schedule update / 일정 변경 안내" in update
        assert "Dialogue with Global Scholars" in update and "15:30 - 17:00" in update
        # An announcement queued from the shell goes out within the bot's poll.
        done = await asyncio.to_thread(cli, db, "announce", "Lunch is served in the lobby")
        assert done.returncode == 0 and "announcement #1 queued" in done.stdout
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
    status = await asyncio.to_thread(cli, db, "status")
    assert status.returncode == 0
    assert "console  sent" in status.stdout and "announcements waiting: 0" in status.stdout


def test_operator_commands_refuse_bad_input_clearly(tmp_path: Path) -> None:
    db = tmp_path / "none.sqlite"
    assert "no database" in cli(db, "status").stderr
    assert "no running bot" in cli(db, "reload").stderr
    bad = cli(db, "announce", "x" * 1501)
    assert bad.returncode == 2 and "1 to 1500 characters" in bad.stderr
    bad = cli(db, "announce", "hello", "--at", "noon")
    assert bad.returncode == 2 and "cannot read 'noon'" in bad.stderr


def test_the_shell_reads_times_as_chat_does_and_words_without_quotes(tmp_path: Path) -> None:
    db = tmp_path / "shell.sqlite"
    for args, part in (
        (["Room change", "--at", "tomorow 09:00"], "'tomorow'"),
        (["Room change", "--at", "99:99"], "'99:99'"),
        (["Room", "change", "at", "tomorow", "09:00"], "'tomorow'"),
    ):
        bad = cli(db, "announce", *args)
        assert bad.returncode == 2 and f"cannot read {part}" in bad.stderr, (args, bad.stderr)
        assert "Traceback" not in bad.stderr
    past = cli(db, "announce", "Old news", "--at", "2020-01-01 09:00")
    assert past.returncode == 2 and "has already passed" in past.stderr, past.stderr
    for args, queued in (
        (["Doors", "open", "--at", "tomorrow 09:00"], "queued for 20"),
        (["Hello", "everyone"], "queued for as soon as possible"),
        (["Coffee", "at", "+15m", "to", "slack"], "to slack"),
    ):
        done = cli(db, "announce", *args)
        assert done.returncode == 0 and queued in done.stdout, (args, done.stdout, done.stderr)
    status = cli(db, "status")
    assert "Doors open" in status.stdout and "Hello everyone" in status.stdout
    assert "to slack: Coffee\n" in status.stdout


async def test_a_second_bot_on_the_same_database_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "one.sqlite"
    first = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        cwd=ROOT,
        env=env(db) | {"FORUM_BOT_LOG_LEVEL": "INFO"},
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    assert first.stdin is not None and first.stderr is not None
    try:
        await read_until(first.stderr, "ready")
        second = await asyncio.to_thread(cli, db, "run")
        assert second.returncode == 1
        assert "another forum-bot (pid" in second.stderr and "Traceback" not in second.stderr
    finally:
        first.stdin.write(b"/quit\n")
        await first.stdin.drain()
        await asyncio.wait_for(first.wait(), 30)
    assert first.returncode == 0
    assert not db.with_name(db.name + ".pid").exists()
