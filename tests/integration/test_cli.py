"""End to end: `forum-bot` as a subprocess, fed through standard input like a script."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from bot.qa.identity import Keys, load_secret
from bot.qa.join import qr_svg
from tests.qr import decode_qr
from tests.unit.settings.test_settings import BROKEN

ROOT = Path(__file__).resolve().parents[2]


def env(**extra: str) -> dict[str, str]:
    """A clean environment: no platform tokens, web server on a free port."""
    base = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DISCORD_", "SLACK_", "FORUM_BOT_"))
    }
    base.update({"FORUM_BOT_WEB_PORT": "0", "PYTHONUNBUFFERED": "1"}, **extra)
    return base


def forum_bot(
    *args: str, stdin: str = "", timeout: float = 60, cwd: Path = ROOT, **extra: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env(**extra),
        cwd=cwd,
        check=False,
    )


def test_version_and_help() -> None:
    assert forum_bot("--version").stdout.strip() == "forum-bot 0.1.0"
    # The console script that README's command runs, installed beside this Python.
    script = Path(sys.executable).parent / "forum-bot"
    if not script.exists():
        script = Path(shutil.which("forum-bot") or "forum-bot")
    done = subprocess.run(
        [str(script), "--version"],
        capture_output=True,
        text=True,
        timeout=60,
        env=env(),
        check=False,
    )
    assert done.stdout.strip() == "forum-bot 0.1.0"
    out = forum_bot("--help").stdout
    assert "run" in out and "check" in out


def test_scripted_session_agenda_now_next_timezone_language(tmp_path: Path) -> None:
    script = "\n".join(
        [
            "/agenda 1",
            "/now",
            "/next",
            "/timezone America/Los_Angeles",
            "/agenda 1",
            "/language ko",
            "/next",
            "/agenda 2",
            "!1",
            "just words",
            "/nope",
            "",
        ]
    )
    done = forum_bot(
        "run",
        "--db",
        str(tmp_path / "e2e.sqlite"),
        "--simulate-from",
        "2026-02-05T13:10:00+09:00",
        "--speed",
        "0",
        stdin=script,
    )
    out = done.stdout
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in out + done.stderr
    assert out.startswith("2026 International Forum on Next-Generation Secondary Batteries.")
    sections = out.split("\n> ")
    assert sections[1].startswith("/agenda 1") and "13:00 - 15:00" in sections[1]
    assert "Dialogue with Global Scholars" in sections[2] and "ends in 110 min" in sections[2]
    assert "Coffee Break" in sections[3] and "in 110 min" in sections[3]
    assert "Wed 4 Feb 20:10 PST (UTC-8)" in sections[4]
    assert "Wed 4 Feb 20:00 - 22:00" in sections[5]
    assert "한국어로 답변합니다" in sections[6]
    assert "다음 세션" in sections[7] and "휴식" in sections[7]
    assert sections[8].startswith("/agenda 2") and "2일차" in sections[8]
    assert sections[9].startswith("!1") and "1일차" in sections[9]
    assert "슬래시로 시작합니다" in sections[10]
    assert "/nope 명령어는 없습니다" in sections[11]


def test_roles_from_the_command_line(tmp_path: Path) -> None:
    done = forum_bot(
        "run", "--as", "organiser", "--db", str(tmp_path / "r.sqlite"), stdin="/help\n"
    )
    assert done.returncode == 0 and "/agenda" in done.stdout


def test_database_path_from_environment(tmp_path: Path) -> None:
    db = tmp_path / "from-env.sqlite"
    done = forum_bot("run", stdin="/language ko\n", FORUM_BOT_DB=str(db))
    assert done.returncode == 0 and db.exists()


def test_check_the_sample_and_a_broken_file(tmp_path: Path) -> None:
    ok = forum_bot("check")
    assert ok.returncode == 0 and "OK: 13 sessions" in ok.stdout
    broken = tmp_path / "broken.yaml"
    broken.write_text(BROKEN, encoding="utf-8")
    bad = forum_bot("check", "--config", str(broken))
    assert bad.returncode == 1
    lines = bad.stderr.strip().splitlines()
    assert lines[-1].endswith("8 problem(s)")
    assert any("event.timezone (line 3)" in line for line in lines)
    assert any("overlaps" in line for line in lines)
    env_bad = forum_bot("check", FORUM_BOT_CONFIG=str(broken))
    assert env_bad.returncode == 1
    run_bad = forum_bot("run", "--config", str(broken), "--db", str(tmp_path / "x.sqlite"))
    assert run_bad.returncode == 1 and "Traceback" not in run_bad.stderr


def test_bad_simulated_start_is_one_line(tmp_path: Path) -> None:
    done = forum_bot(
        "run", "--simulate-from", "2026-02-05 09:00", "--db", str(tmp_path / "x.sqlite")
    )
    assert done.returncode == 2 and "has no UTC offset" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_signal_shuts_down_cleanly(tmp_path: Path, sig: signal.Signals) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "run", "--db", str(tmp_path / "s.sqlite")],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env(FORUM_BOT_LOG_LEVEL="INFO"),
        cwd=ROOT,
    )
    assert proc.stdout is not None and proc.stderr is not None
    assert "Type /help" in proc.stdout.readline()  # ready: the prompt is up
    proc.send_signal(sig)
    _out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert "forum-bot stopped" in err and "Traceback" not in err


def test_qa_in_the_terminal_then_exported_from_the_shell(tmp_path: Path) -> None:
    db = str(tmp_path / "qa.sqlite")
    script = "\n".join(
        [
            "/ask How long do solid-state cells last?",
            "/questions pending",
            "/qa approve 1",
            "/qa highlight 1",
            "/qa-edit 1 How long do solid-state cells really last?",
            "/qa-translate 1 전고체 전지는 실제로 얼마나 오래 갑니까?",
            "/questions",
            "",
        ]
    )
    done = forum_bot(
        "run",
        "--simulate-from",
        "2026-02-05T13:10+09:00",
        "--as",
        "moderator",
        "--db",
        db,
        stdin=script,
        FORUM_BOT_SECRET="test-secret",
    )
    assert done.returncode == 0, done.stderr
    assert "Question #1" in done.stdout and "Now answering" in done.stdout, done.stdout
    assert "Question #1 now reads: How long do solid-state cells really last?" in done.stdout
    assert "really last? (edited) · " in done.stdout
    assert "KO · 전고체 전지는 실제로 얼마나 오래 갑니까?" in done.stdout
    csv_out = forum_bot("qa", "export", "dialogue", "--db", db)
    assert csv_out.returncode == 0, csv_out.stderr
    lines = csv_out.stdout.lstrip("\ufeff").splitlines()
    assert lines[0].startswith("id,asked_at,status,highlighted,votes,question")
    assert lines[1].startswith("1,2026-02-05T13:10") and "approved,yes,0" in lines[1]
    assert "How long do solid-state cells last?,How long do solid-state cells really" in lines[1]
    md = tmp_path / "qa.md"
    assert (
        forum_bot(
            "qa", "export", "dialogue", "--format", "md", "--out", str(md), "--db", db
        ).returncode
        == 0
    )
    assert "solid\\-state" in md.read_text(encoding="utf-8")
    screen = forum_bot(
        "qa",
        "screen",
        "dialogue",
        "--db",
        db,
        FORUM_BOT_SECRET="test-secret",
        FORUM_BOT_PUBLIC_URL="https://qa.example.com",
    )
    assert "https://qa.example.com/present/dialogue" in screen.stdout
    assert "https://qa.example.com/moderate/dialogue?token=" in screen.stdout
    # The speaker view's link carries its own token, for the speaker view's purpose.
    keys = Keys(load_secret("test-secret", Path(db)))
    speaker = f"https://qa.example.com/speaker-view/dialogue?token={keys.token('speaker:dialogue')}"
    assert speaker in screen.stdout.splitlines()[-1]
    assert keys.token("speaker:dialogue") != keys.token("moderate:dialogue")
    wrong = forum_bot("qa", "export", "nope", "--db", db)
    assert wrong.returncode == 2 and "sessions with Q&A: dialogue" in wrong.stderr


def test_qa_join_writes_the_code_for_slides(tmp_path: Path) -> None:
    """`forum-bot qa join` prints the audience page's address and writes its QR code,
    which reads back as that address; a wrong session or an unwritable file is said in
    one line, and nothing is left half-written."""
    png, svg = tmp_path / "join.png", tmp_path / "join.svg"
    public = "https://forum.example.org/"
    done = forum_bot(
        "qa", "join", "dialogue", "--png", str(png), "--svg", str(svg), FORUM_BOT_PUBLIC_URL=public
    )
    assert done.returncode == 0, done.stderr
    url = "https://forum.example.org/q/dialogue"
    assert done.stdout.splitlines() == [url, "on screen: forum.example.org/q/dialogue"]
    assert decode_qr(png.read_bytes()) == [url]
    # The SVG is the presenter screen's drawing (read back in Chromium by its test).
    assert svg.read_bytes() == qr_svg(url) and svg.read_bytes().startswith(b"<svg")
    wrong = forum_bot(
        "qa", "join", "nope", "--png", str(tmp_path / "no.png"), FORUM_BOT_PUBLIC_URL=public
    )
    assert wrong.returncode == 2 and "sessions with Q&A: dialogue" in wrong.stderr
    assert not (tmp_path / "no.png").exists()
    for target in (tmp_path / "missing" / "x.png", tmp_path):
        refused = forum_bot(
            "qa", "join", "dialogue", "--png", str(target), FORUM_BOT_PUBLIC_URL=public
        )
        assert refused.returncode == 1 and f"cannot write {target}" in refused.stderr
        assert len(refused.stderr.splitlines()) == 1, refused.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["join.png", "join.svg"]
    # Without a public address the code would lead each phone to itself: said so.
    db = str(tmp_path / "none.sqlite")
    local = forum_bot("qa", "join", "dialogue", "--db", db, FORUM_BOT_WEB_PORT="8080")
    assert local.returncode == 0 and "FORUM_BOT_PUBLIC_URL is not set" in local.stderr


def test_import_and_export_from_the_shell(tmp_path: Path) -> None:
    """`forum-bot export` then `forum-bot import` gives back the programme; a broken
    file is refused with its row, and nothing is written."""
    for fmt, suffix in (("json", "json"), ("csv", "csv"), ("ics", "ics")):
        exported = tmp_path / f"programme.{suffix}"
        done = forum_bot(
            "export", "--format", fmt, "--out", str(exported), "--db", str(tmp_path / "none.sqlite")
        )
        assert done.returncode == 0, done.stderr
        event = tmp_path / f"event-{suffix}.yaml"
        done = forum_bot("import", str(exported), "--out", str(event))
        assert done.returncode == 0, done.stderr
        assert "13 sessions" in done.stderr, done.stderr
        check = forum_bot("check", "--config", str(event))
        assert check.returncode == 0 and "13 sessions" in check.stdout, check.stdout
        assert "id: dialogue" in event.read_text(encoding="utf-8")
    broken = tmp_path / "broken.csv"
    broken.write_text("title,start,end\nTalk,2026-02-05 14:00,2026-02-05 13:00\n", "utf-8")
    out = tmp_path / "never.yaml"
    done = forum_bot("import", str(broken), "--out", str(out))
    assert done.returncode == 1 and "row 2" in done.stderr, done.stderr
    assert not out.exists()
    korean = tmp_path / "excel.csv"
    korean.write_bytes(
        "title,start,end\n개회식,2026-02-05 09:30,2026-02-05 10:00\n".encode("cp949")
    )
    done = forum_bot("import", str(korean))
    assert done.returncode == 1 and "not UTF-8" in done.stderr, done.stderr


def test_the_terminal_saves_files_in_the_working_directory(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bot", "run", "--db", str(tmp_path / "f.sqlite")],
        input="/ics all\n/ics all > mine.ics\n/ics all > mine.ics\n",
        capture_output=True,
        text=True,
        timeout=60,
        env=env(),
        cwd=tmp_path,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    saved = tmp_path / "battery-forum-2026.ics"
    assert f"as {saved}" in done.stdout and f"as {tmp_path / 'mine.ics'}" in done.stdout
    # The same calendar, but for DTSTAMP (when the file was made: the two may straddle
    # a second on a loaded machine).
    assert _undated(saved.read_bytes()) == _undated((tmp_path / "mine.ics").read_bytes())
    assert saved.read_bytes().startswith(b"BEGIN:VCALENDAR")
    assert f"{tmp_path / 'mine.ics'} already exists" in done.stdout, done.stdout


def test_qa_screen_as_the_first_piped_command_has_the_real_port(tmp_path: Path) -> None:
    done = forum_bot(
        "run",
        "--as",
        "moderator",
        "--db",
        str(tmp_path / "q.sqlite"),
        stdin="/qa-screen dialogue\n",
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert "web server is off" not in done.stdout, done.stdout
    assert "http://127.0.0.1:" in done.stdout and "127.0.0.1:0/" not in done.stdout, done.stdout
    # The join code, saved where the terminal saves files, leads to the same address.
    join = next(w for w in done.stdout.split() if "/q/dialogue" in w)
    assert decode_qr((tmp_path / "join-dialogue.png").read_bytes()) == [join]


def test_import_says_what_it_left_unmapped_and_check_flags_dead_mappings(tmp_path: Path) -> None:
    programme = tmp_path / "programme.csv"
    programme.write_text(
        "title,start,end,room\n"
        "Opening,2026-02-05 09:00,2026-02-05 10:00,S1\n"
        "Cells,2026-02-05 10:00,2026-02-05 11:00,S2\n"
        "Anodes,2026-02-05 10:00,2026-02-05 11:00,S3A\n",
        encoding="utf-8",
    )
    event = tmp_path / "event.yaml"
    done = forum_bot("import", str(programme), "--out", str(event))
    assert done.returncode == 0, done.stderr
    told = done.stderr
    for platform in ("discord", "slack"):
        assert (
            f"platforms.{platform}.rooms: dropped the channels of rooms the programme does "
            "not have: grand-hall, partnering-hall" in told
        ), told
        assert f"platforms.{platform}.rooms: no channel for rooms 's1', 's2', 's3a'" in told, told
    assert "illustrative: true" in told
    written = event.read_text(encoding="utf-8")
    assert "grand-hall" not in written and written.startswith("illustrative: true\n")
    check = forum_bot("check", "--config", str(event))
    assert check.returncode == 0 and "OK: 3 sessions" in check.stdout, check.stderr
    assert "(2 warnings)" in check.stdout
    assert "warning: platforms.discord.rooms: no channel for rooms 's1', 's2', 's3a'" in (
        check.stderr
    )
    # A channel mapped to a room the file does not have is an error, with its line.
    dead = written.replace(
        "  discord:\n", "  discord:\n    rooms:\n      grand-hall: grand-hall\n", 1
    )
    event.write_text(dead, encoding="utf-8")
    check = forum_bot("check", "--config", str(event))
    assert check.returncode == 1, check.stdout
    assert "platforms.discord.rooms.grand-hall (line" in check.stderr
    assert "unknown room 'grand-hall'; the rooms are 's1', 's2', 's3a'" in check.stderr


def _undated(ics: bytes) -> list[bytes]:
    return [line for line in ics.splitlines() if not line.startswith(b"DTSTAMP:")]
