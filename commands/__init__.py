"""Every command and button the bot answers, listed explicitly (no import-time magic)."""

from bot.core.registry import ActionSpec, CommandSpec
from commands import agenda, announce, calendar, polls, preferences, qa, reminders

ALL: list[CommandSpec] = [
    agenda.agenda,
    agenda.now,
    agenda.next_,
    agenda.session,
    agenda.speaker,
    agenda.search,
    reminders.remind,
    reminders.unremind,
    reminders.myschedule,
    preferences.timezone,
    preferences.language,
    announce.announce,
    announce.announcements,
    announce.announce_cancel,
    announce.agenda_reload,
    *qa.COMMANDS,
    *polls.COMMANDS,
    calendar.ics,
    calendar.calendar,
    preferences.help_,
]

ACTIONS: list[ActionSpec] = [
    agenda.agenda_day_button,
    announce.announce_send,
    announce.announce_cancel_button,
    *qa.BUTTONS,
    *polls.BUTTONS,
]

# A person's own page where a platform has one (Slack's App Home).
HOME = agenda.home
