"""Polls from the shell: made and voted on in the terminal of `forum-bot run` (a
subprocess fed a script), then exported by `forum-bot poll export` from the database."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from tests.integration.test_cli import forum_bot


def test_a_poll_in_the_terminal_then_exported_from_the_shell(tmp_path: Path) -> None:
    db = str(tmp_path / "polls.sqlite")
    script = "\n".join(
        [
            '/poll create question:"Which battery first?" ko:"어떤 배터리가 먼저?" '
            'options:"Solid-state | =Sodium-ion" options_ko:"전고체 | 나트륨 이온" '
            "session:dialogue hidden",
            "/poll vote 1 2",
            "/poll results 1",
            "/poll-export 1 > " + str(tmp_path / "from-the-terminal.csv"),
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
    )
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "Poll #1 is open" in out and "Your vote in poll #1: 2. =Sodium-ion." in out
    # The terminal maps no channel to the dialogue's room: the card goes to its
    # announcements channel, printed with the counts hidden.
    assert "[#announcements] Poll #1 / 투표 #1" in out
    assert "Results when the poll closes / 결과는 투표가 끝나면 공개됩니다" in out
    assert "1 vote (100%)" in out  # a moderator sees hidden counts in /poll results
    assert (tmp_path / "from-the-terminal.csv").exists()

    exported = forum_bot("poll", "export", "1", "--db", db)
    assert exported.returncode == 0, exported.stderr
    rows = list(csv.reader(io.StringIO(exported.stdout.lstrip("\ufeff"))))
    assert [r[12] for r in rows[1:]] == ["Solid-state", "'=Sodium-ion"]
    assert [r[14] for r in rows[1:]] == ["0", "1"] and rows[1][6] == "yes"
    every = forum_bot("poll", "export", "--session", "dialogue", "--db", db)
    assert every.returncode == 0 and every.stdout == exported.stdout
    unknown = forum_bot("poll", "export", "battery-race", "--db", db)
    assert unknown.returncode == 2 and "There is no poll battery-race" in unknown.stderr
    nowhere = forum_bot("poll", "export", "--db", str(tmp_path / "none.sqlite"))
    assert nowhere.returncode == 1 and "no database" in nowhere.stderr
