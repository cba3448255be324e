"""The commands as Discord's application-command JSON: names, options, localisations,
and who may see them."""

from __future__ import annotations

from typing import Any

import discord

from bot.core.model import (
    Role,
)
from bot.core.registry import CommandSpec, Option, OptionType
from bot.core.text import clip

PLATFORM = "discord"
_OPTION_TYPES = {OptionType.STRING: 3, OptionType.INTEGER: 4, OptionType.BOOLEAN: 5}
# Who sees a command in their picker by default: moderators' commands need Manage
# Messages, organisers' Manage Server (the permissions those roles usually carry).
_DEFAULT_PERMISSIONS = {
    Role.PARTICIPANT: None,
    Role.MODERATOR: discord.Permissions(manage_messages=True),
    Role.ORGANISER: discord.Permissions(manage_guild=True),
}
_GUILD_CONTEXT = 0  # an interaction context: a server (not DMs or private channels)


def option_payload(opt: Option) -> dict[str, Any]:
    """One option as Discord's application-command JSON."""
    data: dict[str, Any] = {
        "type": _OPTION_TYPES[opt.type],
        "name": opt.name,
        "description": clip(opt.description.en, 100),
        "required": opt.required,
    }
    if opt.name_ko:
        data["name_localizations"] = {"ko": opt.name_ko}
    if opt.description.ko:
        data["description_localizations"] = {"ko": clip(opt.description.ko, 100)}
    if opt.choices:
        data["choices"] = [
            {
                "name": clip(c.label.en, 100),
                "value": c.value,
                **({"name_localizations": {"ko": clip(c.label.ko, 100)}} if c.label.ko else {}),
            }
            for c in opt.offered(PLATFORM)
        ]
    elif opt.autocomplete:
        data["autocomplete"] = True
    if opt.type is OptionType.STRING:
        data["max_length"] = min(opt.max_length, 6000)
    if opt.min_value is not None:
        data["min_value"] = opt.min_value
    if opt.max_value is not None:
        data["max_value"] = opt.max_value
    return data


def command_payload(spec: CommandSpec) -> dict[str, Any]:
    """A CommandSpec as a Discord chat-input command, with Korean localisations."""
    # Required options must come before optional ones on Discord.
    options = sorted(spec.options, key=lambda o: not o.required)
    data: dict[str, Any] = {
        "type": 1,
        "name": spec.name,
        "description": clip(spec.description.en, 100),
        "options": [option_payload(o) for o in options],
    }
    if spec.name_ko:
        data["name_localizations"] = {"ko": spec.name_ko}
    if spec.description.ko:
        data["description_localizations"] = {"ko": clip(spec.description.ko, 100)}
    needed = _DEFAULT_PERMISSIONS[spec.role]
    # Discord hides a command from members without these permissions (null: from nobody)
    # until a server admin grants it to a role; the core still checks the mapped role.
    data["default_member_permissions"] = None if needed is None else str(needed.value)
    if spec.role is not Role.PARTICIPANT:
        # Roles exist only in a server: not offered in DMs with the bot.
        data["contexts"] = [_GUILD_CONTEXT]
    return data
