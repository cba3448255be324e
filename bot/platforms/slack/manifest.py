"""The commands under the names Slack people type (Slack has /remind itself), and the app
manifest that declares them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.core.registry import CommandSpec
from bot.core.text import clip

# Slack's own slash commands. A workspace cannot install an app command of one of these
# names, and Slack refuses a manifest that names one, whole.
SLACK_BUILTINS = frozenset(
    {
        "active", "apps", "archive", "away", "call", "close", "collapse", "dm", "dnd",
        "expand", "feed", "feedback", "invite", "join", "kick", "leave", "me", "msg", "mute",
        "open", "part", "prefs", "pro", "remind", "remove", "rename", "search", "shortcuts",
        "shrug", "star", "status", "topic", "who",
    }
)  # fmt: skip


# Ours that Slack keeps for itself, and what they are called on Slack instead.
SLACK_RENAMES = {"remind": "remindme", "search": "find"}


def slack_name(name: str, prefix: str = "") -> str:
    """A command's name on Slack, without the slash: the prefix, then ours or its rename."""
    return prefix + SLACK_RENAMES.get(name, name)


def check_names(commands: Sequence[CommandSpec], prefix: str = "") -> None:
    """Raise ValueError when a command's Slack name is one of Slack's own, or two of ours
    share one: Slack would refuse the whole manifest."""
    seen: dict[str, str] = {}
    for spec in commands:
        name = slack_name(spec.name, prefix)
        if name in SLACK_BUILTINS:
            raise ValueError(
                f"/{name} is one of Slack's own commands: choose a SLACK_COMMAND_PREFIX "
                "that makes it another name"
            )
        if name in seen:
            raise ValueError(f"/{seen[name]} and /{spec.name} are both /{name} on Slack")
        seen[name] = spec.name


def usage_hint(spec: CommandSpec) -> str:
    """A slash command's usage hint, e.g. `[day]` or `<session> [minutes]`."""
    return spec.usage().split(" ", 1)[1] if " " in spec.usage() else ""


def manifest(
    commands: Sequence[CommandSpec],
    *,
    name: str,
    request_url: str | None,
    prefix: str = "",
) -> dict[str, Any]:
    """The Slack app manifest: paste it at "Create an app > From a manifest".

    Raises ValueError when a command's Slack name would make Slack refuse it (`check_names`).
    """
    check_names(commands, prefix)
    socket_mode = request_url is None
    slash = []
    for spec in commands:
        entry: dict[str, Any] = {
            "command": f"/{slack_name(spec.name, prefix)}",
            "description": clip(f"{spec.description.en} / {spec.description.ko}", 100),
            "should_escape": False,
        }
        hint = usage_hint(spec)
        if hint:
            entry["usage_hint"] = hint
        if request_url:
            entry["url"] = request_url
        slash.append(entry)
    settings: dict[str, Any] = {
        "event_subscriptions": {"bot_events": ["app_home_opened"]},
        "interactivity": {"is_enabled": True},
        "org_deploy_enabled": False,
        "socket_mode_enabled": socket_mode,
        "token_rotation_enabled": False,
    }
    if request_url:
        settings["event_subscriptions"]["request_url"] = request_url
        settings["interactivity"]["request_url"] = request_url
    return {
        "display_information": {
            "name": clip(name, 35),
            "description": "Agenda, reminders, live Q&A and announcements for the event",
        },
        "features": {
            "app_home": {
                "home_tab_enabled": True,
                "messages_tab_enabled": True,
                "messages_tab_read_only_enabled": True,
            },
            "bot_user": {"display_name": clip(name, 80), "always_online": True},
            "slash_commands": slash,
        },
        "oauth_config": {
            "scopes": {
                "bot": [
                    "commands",  # slash commands
                    "chat:write",  # answers, reminders, announcements
                    "chat:write.public",  # post in public channels without joining
                    "im:write",  # open DMs for personal reminders
                    "channels:read",  # find channels by name
                    "channels:history",  # before a retry, see whether the first try got there
                    "groups:history",
                    "im:history",
                    "groups:read",  # ... including private ones it was added to
                    "users:read",  # a user's locale and time zone
                    "usergroups:read",  # moderators and organisers by user group
                    "files:write",  # .ics and Q&A exports
                ]
            }
        },
        "settings": settings,
    }
