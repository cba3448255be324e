"""Every command and button the bot answers, listed explicitly (no import-time magic)."""

from bot.registry import ActionSpec, CommandSpec
from commands import agenda, preferences

ALL: list[CommandSpec] = [
    agenda.agenda,
    agenda.now,
    agenda.next_,
    agenda.session,
    agenda.speaker,
    agenda.search,
    preferences.timezone,
    preferences.language,
    preferences.help_,
]

ACTIONS: list[ActionSpec] = [
    agenda.agenda_day_button,
]

# A person's own page where a platform has one (Slack's App Home).
HOME = agenda.home
