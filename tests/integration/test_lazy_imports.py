"""What only a rare command or path needs is imported when first used, not at start:
each import costs the idle bot its memory for good (bench/footprint.py measures it)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

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
}

# What `forum-bot run` imports with every surface on (Discord, Slack, the scheduler and
# its runtime, the web server), then a started bot's first work: the sample event read,
# its agenda built, names looked up as typed.
START = """
import sys
import bot.__main__, bot.app, bot.runtime, bot.web.server
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
