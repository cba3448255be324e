"""README.md keeps its two set-up commands true, and CI runs the test one verbatim."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def commands() -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Two commands", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```sh\n(.+?)\n```", section)


def test_two_commands_one_runs_the_bot_one_the_tests() -> None:
    run, test = commands()
    assert run.endswith("forum-bot run")
    assert "pip install -e ." in run
    assert "'.[test]'" in test and test.endswith("python -m pytest")


def test_the_test_command_installs_the_browser_and_postgresql_first_when_missing() -> None:
    test = commands()[1]
    check, rest = test.split(" || { ", 1)
    install, tests = rest.split("; } && ", 1)
    # Only when chromium, a Korean font or PostgreSQL's server (where tests/postgres.py
    # looks for it) is missing; as root without sudo, or with sudo.
    assert check == (
        "[ -x /usr/bin/chromium ] && fc-list -q :lang=ko"
        " && ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1"
    )
    assert install.startswith("$(command -v sudo) apt-get update -qq && $(command -v sudo) env ")
    assert install.endswith(" --no-install-recommends chromium fonts-noto-cjk postgresql")
    assert tests.startswith("python3 -m venv .venv && ")
    for shell in ("sh", "bash"):
        assert shutil.which(shell), shell
        syntax = subprocess.run([shell, "-n", "-c", test], capture_output=True, check=False)
        assert syntax.returncode == 0, (shell, syntax.stderr)


def test_ci_calls_the_readme_test_command_verbatim() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    test = commands()[1]
    assert test in ci.splitlines()


def test_the_repository_stands_alone() -> None:
    """A clone has only its own files: nothing tracked links to the workspace's shared
    folder beside it, and the documents README points to exist."""
    outside_link = "/".join(("..", "shared"))  # spelt apart so this file is no such link
    tracked = subprocess.run(
        ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    outside = [
        name
        for name in tracked
        if name.endswith((".md", ".py", ".toml", ".yaml", ".cfg", "Dockerfile", "run"))
        and outside_link in (ROOT / name).read_text(encoding="utf-8", errors="replace")
    ]
    assert outside == []
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for link in re.findall(r"\]\(((?!https?:)[^)#]+)\)", readme):
        assert (ROOT / link).exists(), link
