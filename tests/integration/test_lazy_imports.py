"""What only a rare command or path needs is imported when first used, not at start:
each import costs the idle bot its memory for good (bench/footprint.py measures it)."""

from __future__ import annotations

import asyncio
import re
import signal
import subprocess
import sys
from pathlib import Path

from tests.fakes.discord_server import FakeDiscord
from tests.fakes.environment import bot_env, run_bot

ROOT = Path(__file__).resolve().parents[2]

# Libraries, and our modules that wrap them, that no command of a running bot needs
# until someone exports a calendar, imports a programme or misspells a name.
RARE = {
    "icalendar",  # calendar export (/calendar, `forum-bot export --format ics`), iCal import
    "dateutil",  # iCalendar recurrence rules, through icalendar
    "rapidfuzz",  # correcting a misspelt name, suggesting a close one
    "segno",  # QR codes: the presenter screen's, /qa-screen's, `forum-bot qa join`'s
    "bot.programme.ical",
    "bot.programme.frab",
    "bot.programme.tabular",
    "bot.qa.export",  # /qa-export
    "bot.polls.export",  # /poll-export
    "bot.storage.calendar",  # /calendar
    "bot.programme.importing",  # importers, a live source, /calendar
    "bot.programme.formats",
    "bot.programme.source",  # only an event whose programme comes from a source
    # Machine translation: only the service FORUM_BOT_TRANSLATE names, none by default.
    "deepl",
    "requests",  # through deepl
    "bot.translation.deepl",
    "bot.translation.papago",
    # PostgreSQL: only when FORUM_BOT_DATABASE_URL names one (SQLite is the default).
    "asyncpg",
    "bot.storage.postgres",
}

# Never imported by a running bot: the other sub-commands of the command line, and
# pydantic-settings (bot/settings/environment.py says why), and the test libraries.
NEVER = {
    "pydantic_settings",
    "bot.cli.operations",
    "bot.cli.platforms",
    "bot.cli.programme",
    "hypothesis",
    "pytest",
}

# What a bot with Discord only (no Slack, no web server, no terminal) does not need.
OFF_SURFACES = {
    "slack_bolt",
    "slack_sdk",
    "aiohttp.web",
    "bot.platforms.slack",
    "bot.platforms.console",
    "bot.web",
}

# What `forum-bot run` imports with every surface on (Discord, Slack, the scheduler and
# its runtime, the web server), then a started bot's first work: the sample event read,
# its agenda built, names looked up as typed.
START = """
import sys
import bot.__main__, bot.app, bot.runtime, bot.web.server, bot.platforms.console.adapter
import bot.platforms.discord.adapter, bot.platforms.slack.adapter
from bot.programme.building import build_agenda
from bot.settings import default_config_path, load_event

agenda = build_agenda(load_event(default_config_path()))
assert agenda.find_sessions("dialogue").matches
assert agenda.find_people("watanabe").matches
assert agenda.search("battery").matches
print("\\n".join(sorted(sys.modules)))
"""


def test_rare_libraries_are_not_imported_at_start() -> None:
    done = subprocess.run(
        [sys.executable, "-c", START], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    loaded = set(done.stdout.split())
    early = sorted({m if m in RARE else m.split(".")[0] for m in loaded} & RARE)
    assert early == []


def _early(loaded: set[str], names: set[str]) -> list[str]:
    """The names (packages, or modules with their sub-modules) among what was loaded."""
    return sorted(n for n in names if any(m == n or m.startswith(n + ".") for m in loaded))


def test_rare_and_command_line_modules_are_not_imported_at_start() -> None:
    done = subprocess.run(
        [sys.executable, "-c", START], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert _early(set(done.stdout.split()), RARE | NEVER) == []


IMPORTED = re.compile(r"^import time:\s+\d+ \|\s+\d+ \| *(\S+)")


async def test_a_bot_with_discord_only_imports_no_other_surface(tmp_path: Path) -> None:
    """`forum-bot run` with a Discord token alone, up to " ready: ", as
    bench/footprint.py runs it: what it imported (from `-X importtime`) holds nothing of
    Slack, the web server, the terminal or a rare command."""
    async with FakeDiscord(token="lazy-imports-token") as fake:
        env = bot_env(tmp_path / "bot.sqlite", discord=fake, PYTHONPROFILEIMPORTTIME="1")
        proc = await run_bot(env, "--simulate-from", "2026-02-04T12:00+09:00")
        assert proc.stderr is not None
        loaded: set[str] = set()
        log: list[str] = []
        try:
            async with asyncio.timeout(45):
                while line := (await proc.stderr.readline()).decode():
                    if found := IMPORTED.match(line):
                        loaded.add(found.group(1))
                    elif " ready: " in line:
                        break
                    else:
                        log.append(line)
        finally:
            proc.send_signal(signal.SIGTERM)
            await asyncio.wait_for(proc.communicate(), 30)
    assert "bot.platforms.discord.adapter" in loaded, "".join(log)
    assert _early(loaded, OFF_SURFACES | RARE | NEVER) == []
