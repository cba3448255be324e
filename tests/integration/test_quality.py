"""The code stays ruff and mypy clean: CI runs these with the rest of the suite."""

from __future__ import annotations

import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=300, check=False)


def test_ruff_lint_and_format() -> None:
    ruff = shutil.which("ruff") or "ruff"
    lint = run(ruff, "check", "--output-format", "concise", ".")
    assert lint.returncode == 0, lint.stdout + lint.stderr
    fmt = run(ruff, "format", "--check", ".")
    assert fmt.returncode == 0, fmt.stdout + fmt.stderr


@pytest.mark.timeout(300)  # a first run, with no cache, checks every module
def test_mypy_strict() -> None:
    result = run(sys.executable, "-m", "mypy", "bot", "commands", "tests")
    assert result.returncode == 0, result.stdout + result.stderr


def test_only_the_browser_tests_need_playwright() -> None:
    """Everything but tests/browser/ collects with Playwright missing: only that folder's
    conftest loads it."""
    without_playwright = (
        "import sys; sys.modules['playwright'] = None; import pytest; "
        "raise SystemExit(pytest.main(sys.argv[1:]))"
    )
    # One process: collecting needs no workers (the suite's own -n auto would start two).
    args = ["-p", "no:cacheprovider", "-n", "0", "--collect-only", "-q", "tests"]
    args.append("--ignore=tests/browser")
    result = run(sys.executable, "-c", without_playwright, *args)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr


def test_every_benchmark_starts() -> None:
    """A benchmark is not run by the suite, but it must still import (a module that moved
    once broke one unseen): each answers --help."""
    scripts = sorted(
        p
        for p in (ROOT / "bench").glob("*.py")
        if p.stem not in {"compare", "report", "__init__"} and not p.stem.startswith("floor_")
    )
    assert scripts
    # All at once: each is a Python start and its imports, waiting mostly on the disk.
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = pool.map(lambda p: (p, run(sys.executable, str(p), "--help")), scripts)
        for script, result in results:
            assert result.returncode == 0, f"{script.name}: {result.stderr[-2000:]}"
