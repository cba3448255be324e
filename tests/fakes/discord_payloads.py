"""Discord API payloads and rules for the fake Discord: builders, limits and error bodies.

Shapes follow what discord.py 2.7.1 parses (see its `types/` package); fields it reads with
`data[...]` (not `.get`) are always present, or the real client would crash on them.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

JSON = dict[str, Any]

DISCORD_EPOCH_MS = 1_420_070_400_000
MAX_CONTENT = 2000
MAX_EMBEDS = 10
MAX_EMBED_TOTAL = 6000  # title, description, fields, footer and author of all embeds
MAX_DESCRIPTION = 4096
MAX_ROWS = 5  # action rows of a message, each of at most five buttons
MAX_CUSTOM_ID = 100
MAX_BUTTON_LABEL = 80  # a button's label (Discord's component reference)
MAX_NONCE = 25
MAX_CHOICES = 25
ATTACHMENT_SIZE_LIMIT = 10 * 1024 * 1024
# Scheduled events: at most 100 SCHEDULED or ACTIVE per guild; names 1-100 characters,
# descriptions up to 1,000, an external event's location 1-100.
MAX_SCHEDULED_EVENTS = 100
MAX_EVENT_NAME = 100
MAX_EVENT_DESCRIPTION = 1000
MAX_EVENT_LOCATION = 100
# Scheduled event statuses, privacy level and entity types (Discord's numbering).
EVENT_SCHEDULED, EVENT_ACTIVE, EVENT_COMPLETED, EVENT_CANCELED = 1, 2, 3, 4
GUILD_ONLY = 2
STAGE_INSTANCE, VOICE, EXTERNAL = 1, 2, 3
# The status changes Discord allows (once COMPLETED or CANCELED, nothing changes).
EVENT_TRANSITIONS = {(1, 2), (2, 3), (1, 4)}
# Every permission bit up to 2**49: what an administrator's member object carries.
ALL_PERMISSIONS = str(2**50 - 1)

# Permission bits (Discord's numbering) for the fake guild's roles.
CREATE_INSTANT_INVITE, KICK_MEMBERS, ADMINISTRATOR, MANAGE_GUILD = 1 << 0, 1 << 1, 1 << 3, 1 << 5
ADD_REACTIONS, VIEW_CHANNEL, SEND_MESSAGES = 1 << 6, 1 << 10, 1 << 11
MANAGE_MESSAGES, EMBED_LINKS, ATTACH_FILES = 1 << 13, 1 << 14, 1 << 15
READ_MESSAGE_HISTORY, USE_EXTERNAL_EMOJIS, CONNECT, SPEAK = 1 << 16, 1 << 18, 1 << 20, 1 << 21
CHANGE_NICKNAME, USE_APPLICATION_COMMANDS = 1 << 26, 1 << 31
MANAGE_EVENTS, MANAGE_THREADS, SEND_MESSAGES_IN_THREADS = 1 << 33, 1 << 34, 1 << 38
MODERATE_MEMBERS, CREATE_EVENTS = 1 << 40, 1 << 44
# What @everyone (and a new role) may do in a new server, roughly.
EVERYONE_PERMISSIONS = (
    CREATE_INSTANT_INVITE
    | ADD_REACTIONS
    | VIEW_CHANNEL
    | SEND_MESSAGES
    | EMBED_LINKS
    | ATTACH_FILES
    | READ_MESSAGE_HISTORY
    | USE_EXTERNAL_EMOJIS
    | CONNECT
    | SPEAK
    | CHANGE_NICKNAME
    | USE_APPLICATION_COMMANDS
    | SEND_MESSAGES_IN_THREADS
)
MODERATOR_PERMISSIONS = (
    EVERYONE_PERMISSIONS | KICK_MEMBERS | MANAGE_MESSAGES | MANAGE_THREADS | MODERATE_MEMBERS
)
ORGANISER_PERMISSIONS = MODERATOR_PERMISSIONS | MANAGE_GUILD | MANAGE_EVENTS

EPHEMERAL = 1 << 6
LOADING = 1 << 7

# The locales Discord takes as keys of `name_localizations` and `description_localizations`.
LOCALES = frozenset(
    {
        "id", "da", "de", "en-GB", "en-US", "es-ES", "es-419", "fr", "hr", "it", "lt", "hu",
        "nl", "no", "pl", "pt-BR", "ro", "fi", "sv-SE", "vi", "tr", "cs", "el", "bg", "ru",
        "uk", "hi", "th", "zh-CN", "ja", "zh-TW", "ko",
    }
)  # fmt: skip
# Where a command may be used (`contexts`): a guild, the bot's DMs, other private channels.
GUILD_CONTEXT, BOT_DM_CONTEXT, PRIVATE_CHANNEL_CONTEXT = 0, 1, 2
# Permission sets are integers Discord keeps below 2**53 (JSON numbers stay exact there).
MAX_PERMISSIONS = 2**53 - 1

# Interaction types and callback types (Discord's numbering).
PING, APPLICATION_COMMAND, MESSAGE_COMPONENT, AUTOCOMPLETE, MODAL_SUBMIT = 1, 2, 3, 4, 5
PONG, CHANNEL_MESSAGE, DEFERRED_CHANNEL_MESSAGE = 1, 4, 5
DEFERRED_UPDATE_MESSAGE, UPDATE_MESSAGE, AUTOCOMPLETE_RESULT, MODAL = 6, 7, 8, 9

# Which callback types Discord accepts for which interaction type.
ALLOWED_CALLBACKS: Mapping[int, frozenset[int]] = {
    PING: frozenset({PONG}),
    APPLICATION_COMMAND: frozenset({CHANNEL_MESSAGE, DEFERRED_CHANNEL_MESSAGE, MODAL}),
    MESSAGE_COMPONENT: frozenset(
        {CHANNEL_MESSAGE, DEFERRED_CHANNEL_MESSAGE, DEFERRED_UPDATE_MESSAGE, UPDATE_MESSAGE, MODAL}
    ),
    AUTOCOMPLETE: frozenset({AUTOCOMPLETE_RESULT}),
    MODAL_SUBMIT: frozenset(
        {CHANNEL_MESSAGE, DEFERRED_CHANNEL_MESSAGE, DEFERRED_UPDATE_MESSAGE, UPDATE_MESSAGE}
    ),
}


class DiscordError(Exception):
    """An error the fake answers with Discord's JSON body: `{"message", "code", "errors"?}`."""

    def __init__(self, status: int, code: int, message: str, errors: JSON | None = None) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.errors = errors

    def body(self) -> JSON:
        """The JSON body Discord sends with this error."""
        body: JSON = {"message": self.message, "code": self.code}
        if self.errors is not None:
            body["errors"] = self.errors
        return body


def unauthorized() -> DiscordError:
    """A missing or wrong bot token."""
    return DiscordError(401, 0, "401: Unauthorized")


def not_found() -> DiscordError:
    """A route Discord does not have."""
    return DiscordError(404, 0, "404: Not Found")


def unknown_channel() -> DiscordError:
    """A channel id the fake does not know."""
    return DiscordError(404, 10003, "Unknown Channel")


def unknown_message() -> DiscordError:
    """A message id the fake does not know (in that channel or for that webhook)."""
    return DiscordError(404, 10008, "Unknown Message")


def unknown_webhook() -> DiscordError:
    """A webhook (or interaction token) Discord does not know, or a follow-up sent too early."""
    return DiscordError(404, 10015, "Unknown Webhook")


def unknown_interaction() -> DiscordError:
    """Late first response, or an interaction id Discord never sent."""
    return DiscordError(404, 10062, "Unknown interaction")


def already_acknowledged() -> DiscordError:
    """A second callback for one interaction."""
    return DiscordError(400, 40060, "Interaction has already been acknowledged.")


def missing_access() -> DiscordError:
    """Acting for another application."""
    return DiscordError(403, 50001, "Missing Access")


def cannot_edit_others() -> DiscordError:
    """Editing a message another user wrote."""
    return DiscordError(403, 50005, "Cannot edit a message authored by another user")


def empty_message() -> DiscordError:
    """A message with nothing in it."""
    return DiscordError(400, 50006, "Cannot send an empty message")


def cannot_dm() -> DiscordError:
    """The user closed DMs from server members (or blocked the bot)."""
    return DiscordError(403, 50007, "Cannot send messages to this user")


def unknown_guild() -> DiscordError:
    """A guild the bot is not in."""
    return DiscordError(404, 10004, "Unknown Guild")


def unknown_scheduled_event() -> DiscordError:
    """A scheduled event id the guild does not have (or no longer has)."""
    return DiscordError(404, 10070, "Unknown Guild Scheduled Event")


def missing_permissions() -> DiscordError:
    """The bot's roles lack a permission the action needs."""
    return DiscordError(403, 50013, "Missing Permissions")


def too_many_scheduled_events() -> DiscordError:
    """A guild's scheduled and active events are at Discord's limit."""
    return DiscordError(
        400,
        30038,
        f"Maximum number of uncompleted guild scheduled events reached ({MAX_SCHEDULED_EVENTS})",
    )


def invalid_webhook_token() -> DiscordError:
    """An interaction token past its 15 minutes."""
    return DiscordError(401, 50027, "Invalid Webhook Token")


def form_error(problems: Mapping[str, tuple[str, str]]) -> DiscordError:
    """400 code 50035 with Discord's nested `errors`, from {"data.content": (code, message)}."""
    errors: JSON = {}
    for path, (code, message) in problems.items():
        node = errors
        for part in path.split("."):
            node = node.setdefault(part, {})
        node.setdefault("_errors", []).append({"code": code, "message": message})
    return DiscordError(400, 50035, "Invalid Form Body", errors)


class Snowflakes:
    """Makes snowflake ids as strings: timestamp bits from the fake's clock, then a counter."""

    def __init__(self, now: Any) -> None:
        self._now = now
        self._counter = itertools.count(1)

    def __call__(self) -> str:
        ms = int(self._now().timestamp() * 1000) - DISCORD_EPOCH_MS
        # The low 22 bits hold worker, process and increment; a counter keeps ids unique
        # even when a simulated clock stands still.
        return str((max(ms, 0) << 22) | (next(self._counter) & 0x3FFFFF))


def iso(moment: datetime) -> str:
    """Discord's timestamp format."""
    return moment.isoformat(timespec="microseconds")


def user(user_id: str, username: str, *, bot: bool = False) -> JSON:
    """A user object."""
    payload: JSON = {
        "id": user_id,
        "username": username,
        "discriminator": "0",
        "global_name": None if bot else username.title(),
        "avatar": None,
        "public_flags": 0,
    }
    if bot:
        payload |= {"bot": True, "verified": True, "mfa_enabled": True, "flags": 0}
    return payload


def guild_member(user_payload: JSON, roles: Sequence[str], joined: datetime) -> JSON:
    """A guild member object (role ids only: @everyone is implied, never listed)."""
    return {
        "user": user_payload,
        "roles": list(roles),
        "joined_at": iso(joined),
        "premium_since": None,
        "nick": None,
        "avatar": None,
        "banner": None,
        "communication_disabled_until": None,
        "deaf": False,
        "mute": False,
        "pending": False,
        "flags": 0,
    }


def member(user_payload: JSON, roles: Sequence[str], joined: datetime) -> JSON:
    """A guild member object as interactions carry it (with `permissions`)."""
    return guild_member(user_payload, roles, joined) | {"permissions": ALL_PERMISSIONS}


def role(
    role_id: str,
    name: str,
    *,
    position: int,
    permissions: int,
    color: int = 0,
    hoist: bool = False,
    mentionable: bool = False,
    managed: bool = False,
    tags: JSON | None = None,
) -> JSON:
    """A role object. @everyone's id is the guild's; a bot's own role is managed and tagged
    with its `bot_id`."""
    payload: JSON = {
        "id": role_id,
        "name": name,
        "color": color,
        "colors": {"primary_color": color, "secondary_color": None, "tertiary_color": None},
        "hoist": hoist,
        "icon": None,
        "unicode_emoji": None,
        "position": position,
        "permissions": str(permissions),
        "managed": managed,
        "mentionable": mentionable,
        "flags": 0,
    }
    if tags is not None:
        payload["tags"] = tags
    return payload


def guild_create(
    *,
    guild_id: str,
    name: str,
    owner_id: str,
    roles: Sequence[JSON],
    channels: Sequence[JSON],
    members: Sequence[JSON],
    member_count: int,
    joined_at: datetime,
    large_threshold: int,
    system_channel_id: str | None,
) -> JSON:
    """A GUILD_CREATE: the guild object plus the Gateway's extra fields.

    Channels in it carry no `guild_id` (the event says which guild). `members` holds only
    what the client may see without the privileged members intent: the bot itself.
    """
    return {
        # The guild object.
        "id": guild_id,
        "name": name,
        "icon": None,
        "splash": None,
        "discovery_splash": None,
        "owner_id": owner_id,
        "afk_channel_id": None,
        "afk_timeout": 300,
        "widget_enabled": False,
        "widget_channel_id": None,
        "verification_level": 1,
        "default_message_notifications": 1,
        "explicit_content_filter": 2,
        "roles": list(roles),
        "emojis": [],
        "features": [],
        "mfa_level": 0,
        "application_id": None,
        "system_channel_id": system_channel_id,
        "system_channel_flags": 0,
        "rules_channel_id": None,
        "max_presences": None,
        "max_members": 500_000,
        "vanity_url_code": None,
        "description": None,
        "banner": None,
        "premium_tier": 0,
        "premium_subscription_count": 0,
        "preferred_locale": "en-US",
        "public_updates_channel_id": None,
        "max_video_channel_users": 25,
        "max_stage_video_channel_users": 50,
        "nsfw_level": 0,
        "stickers": [],
        "premium_progress_bar_enabled": False,
        "safety_alerts_channel_id": None,
        "incidents_data": None,
        # Only in GUILD_CREATE.
        "joined_at": iso(joined_at),
        "large": member_count > large_threshold,
        "unavailable": False,
        "member_count": member_count,
        "voice_states": [],
        "members": list(members),
        "channels": [{k: v for k, v in c.items() if k != "guild_id"} for c in channels],
        "threads": [],
        "presences": [],
        "stage_instances": [],
        "guild_scheduled_events": [],
        "soundboard_sounds": [],
    }


def text_channel(channel_id: str, guild_id: str, name: str, position: int = 0) -> JSON:
    """A guild text channel."""
    return {
        "id": channel_id,
        "type": 0,
        "guild_id": guild_id,
        "name": name,
        "position": position,
        "permission_overwrites": [],
        "nsfw": False,
        "parent_id": None,
        "topic": None,
        "last_message_id": None,
        "rate_limit_per_user": 0,
        "flags": 0,
    }


def dm_channel(channel_id: str, recipient: JSON) -> JSON:
    """A DM channel with one user."""
    return {
        "id": channel_id,
        "type": 1,
        "recipients": [recipient],
        "last_message_id": None,
        "flags": 0,
    }


def application(app_id: str, name: str, owner: JSON, flags: int) -> JSON:
    """GET /oauth2/applications/@me; no `interactions_endpoint_url`, so events use the Gateway."""
    return {
        "id": app_id,
        "name": name,
        "description": "",
        "icon": None,
        "bot_public": False,
        "bot_require_code_grant": False,
        "owner": owner,
        "team": None,
        "verify_key": "0" * 64,
        "summary": "",
        "flags": flags,
        "interactions_endpoint_url": None,
    }


def message(
    *,
    message_id: str,
    channel_id: str,
    guild_id: str | None,
    author: JSON,
    body: Mapping[str, Any],
    attachments: list[JSON],
    timestamp: datetime,
    message_type: int = 0,
    extra: Mapping[str, Any] | None = None,
) -> JSON:
    """A message object from a create body (`content`, `embeds`, `components`, `flags`, ...)."""
    payload: JSON = {
        "id": message_id,
        "channel_id": channel_id,
        "author": author,
        "content": body.get("content") or "",
        "timestamp": iso(timestamp),
        "edited_timestamp": None,
        "tts": bool(body.get("tts", False)),
        "mention_everyone": False,
        "mentions": [],
        "mention_roles": [],
        "attachments": attachments,
        "embeds": list(body.get("embeds") or []),
        "components": list(body.get("components") or []),
        "pinned": False,
        "type": message_type,
        "flags": int(body.get("flags") or 0),
    }
    if guild_id is not None:
        payload["guild_id"] = guild_id
    if "nonce" in body:
        payload["nonce"] = body["nonce"]
    if extra:
        payload.update(extra)
    return payload


def check_message(
    body: Mapping[str, Any], *, prefix: str = "", uploads: int = 0, require_body: bool = True
) -> None:
    """Apply Discord's limits to a message body; raise 50035 or 50006 like Discord does."""
    problems: dict[str, tuple[str, str]] = {}
    content = body.get("content")
    if content is not None and len(str(content)) > MAX_CONTENT:
        problems[f"{prefix}content"] = (
            "BASE_TYPE_MAX_LENGTH",
            f"Must be {MAX_CONTENT} or fewer in length.",
        )
    embeds = body.get("embeds") or []
    if len(embeds) > MAX_EMBEDS:
        problems[f"{prefix}embeds"] = (
            "BASE_TYPE_MAX_LENGTH",
            f"Must be {MAX_EMBEDS} or fewer in length.",
        )
    _check_embeds(embeds, prefix, problems)
    _check_rows(body.get("components") or [], prefix, problems)
    nonce = body.get("nonce")
    if isinstance(nonce, str) and len(nonce) > MAX_NONCE:
        problems[f"{prefix}nonce"] = (
            "BASE_TYPE_MAX_LENGTH",
            f"Must be {MAX_NONCE} or fewer in length.",
        )
    if problems:
        raise form_error(problems)
    has_something = content or embeds or uploads or body.get("components") or body.get("poll")
    if require_body and not (has_something or body.get("sticker_ids")):
        raise empty_message()


def _check_embeds(embeds: Any, prefix: str, problems: dict[str, tuple[str, str]]) -> None:
    """Each embed's description within 4,096, and all embeds' text within 6,000."""
    total = 0
    for i, embed in enumerate(embeds if isinstance(embeds, list) else []):
        description = str(embed.get("description") or "")
        if len(description) > MAX_DESCRIPTION:
            problems[f"{prefix}embeds.{i}.description"] = (
                "BASE_TYPE_MAX_LENGTH",
                f"Must be {MAX_DESCRIPTION} or fewer in length.",
            )
        total += len(str(embed.get("title") or "")) + len(description)
        total += len(str((embed.get("footer") or {}).get("text") or ""))
        total += len(str((embed.get("author") or {}).get("name") or ""))
        total += sum(
            len(str(f.get("name") or "")) + len(str(f.get("value") or ""))
            for f in embed.get("fields") or []
        )
    if total > MAX_EMBED_TOTAL:
        problems[f"{prefix}embeds"] = (
            "MAX_EMBED_SIZE_EXCEEDED",
            f"Embed size exceeds maximum size of {MAX_EMBED_TOTAL}",
        )


def _check_rows(rows: Any, prefix: str, problems: dict[str, tuple[str, str]]) -> None:
    """At most five action rows of five buttons, custom ids unique and of 1-100, labels
    of at most 80 characters."""
    if not isinstance(rows, list):
        return
    if len(rows) > MAX_ROWS:
        problems[f"{prefix}components"] = (
            "BASE_TYPE_MAX_LENGTH",
            f"Must be {MAX_ROWS} or fewer in length.",
        )
    for i, row in enumerate(rows):
        if isinstance(row, dict) and row.get("type") == 1 and len(row.get("components", [])) > 5:
            problems[f"{prefix}components.{i}.components"] = (
                "BASE_TYPE_MAX_LENGTH",
                "Must be 5 or fewer in length.",
            )
    seen: set[str] = set()
    for component in iter_components(rows):
        if len(str(component.get("label") or "")) > MAX_BUTTON_LABEL:
            problems[f"{prefix}components.label"] = (
                "BASE_TYPE_BAD_LENGTH",
                f"Must be between 1 and {MAX_BUTTON_LABEL} in length.",
            )
        cid = component.get("custom_id")
        if cid is None:
            continue
        if not 1 <= len(str(cid)) <= MAX_CUSTOM_ID:
            problems[f"{prefix}components.custom_id"] = (
                "BASE_TYPE_BAD_LENGTH",
                f"Must be between 1 and {MAX_CUSTOM_ID} in length.",
            )
        elif cid in seen:
            problems[f"{prefix}components.custom_id"] = (
                "COMPONENT_CUSTOM_ID_DUPLICATED",
                "Component custom id cannot be duplicated",
            )
        seen.add(str(cid))


def check_choices(body: Mapping[str, Any]) -> None:
    """Autocomplete results: at most 25 choices, names of 1 to 100 characters."""
    choices = (body.get("data") or {}).get("choices")
    if not isinstance(choices, list):
        raise form_error({"data.choices": ("BASE_TYPE_REQUIRED", "This field is required")})
    problems: dict[str, tuple[str, str]] = {}
    if len(choices) > MAX_CHOICES:
        problems["data.choices"] = ("BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.")
    for i, choice in enumerate(choices):
        if not 1 <= len(str(choice.get("name", ""))) <= 100:
            problems[f"data.choices.{i}.name"] = (
                "BASE_TYPE_BAD_LENGTH",
                "Must be between 1 and 100 in length.",
            )
    if problems:
        raise form_error(problems)


def _check_name(name: Any, path: str, problems: dict[str, tuple[str, str]]) -> None:
    ok = (
        isinstance(name, str)
        and 1 <= len(name) <= 32
        and all(ch.isalnum() or ch in "-_" for ch in name)
        and name == name.lower()
    )
    if not ok:
        problems[path] = ("APPLICATION_COMMAND_INVALID_NAME", f"Command name is invalid: {name!r}")


def _check_description(text: Any, path: str, problems: dict[str, tuple[str, str]]) -> None:
    if not isinstance(text, str) or not 1 <= len(text) <= 100:
        problems[path] = ("BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.")


def _check_localizations(
    texts: Any,
    path: str,
    problems: dict[str, tuple[str, str]],
    check: Callable[[Any, str, dict[str, tuple[str, str]]], None],
) -> None:
    """A `*_localizations` map: null, or Discord locales to texts that pass `check`."""
    if texts is None:
        return
    if not isinstance(texts, dict):
        problems[path] = ("DICT_TYPE_CONVERT", "Only dictionaries may be used in a DictType")
        return
    for locale, text in texts.items():
        if locale not in LOCALES:
            problems[f"{path}.{locale}"] = (
                "BASE_TYPE_CHOICES",
                f"Value must be one of {sorted(LOCALES)}.",
            )
        else:
            check(text, f"{path}.{locale}", problems)


def _check_texts(item: Mapping[str, Any], path: str, problems: dict[str, tuple[str, str]]) -> None:
    """A slash command's or an option's name and description, and their localisations."""
    _check_name(item.get("name"), f"{path}.name", problems)
    _check_description(item.get("description"), f"{path}.description", problems)
    for what, check in (("name", _check_name), ("description", _check_description)):
        key = f"{what}_localizations"
        _check_localizations(item.get(key), f"{path}.{key}", problems, check)


def _check_choice_name(name: Any, path: str, problems: dict[str, tuple[str, str]]) -> None:
    if not isinstance(name, str) or not 1 <= len(name) <= 100:
        problems[path] = ("BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.")


def _check_choices(
    option: Mapping[str, Any], path: str, problems: dict[str, tuple[str, str]]
) -> None:
    """An option's fixed choices: at most 25, each a name of 1 to 100 characters (and its
    localisations) with a value of the option's own type (strings up to 100 characters)."""
    choices = option.get("choices")
    if choices is None:
        return
    kind = option.get("type")
    if kind not in (3, 4, 10) or not isinstance(choices, list):
        problems[path] = ("BASE_TYPE_CHOICES", "Only string, integer and number options")
        return
    if len(choices) > MAX_CHOICES:
        problems[path] = ("BASE_TYPE_MAX_LENGTH", f"Must be {MAX_CHOICES} or fewer in length.")
    for i, choice in enumerate(choices):
        here = f"{path}.{i}"
        _check_choice_name(choice.get("name"), f"{here}.name", problems)
        _check_localizations(
            choice.get("name_localizations"),
            f"{here}.name_localizations",
            problems,
            _check_choice_name,
        )
        value = choice.get("value")
        accepted = _PLAIN_OPTION_TYPES[kind]
        if not isinstance(value, accepted) or isinstance(value, bool):
            problems[f"{here}.value"] = ("BASE_TYPE_REQUIRED", "This field is required")
        elif isinstance(value, str) and not 1 <= len(value) <= 100:
            problems[f"{here}.value"] = (
                "BASE_TYPE_BAD_LENGTH",
                "Must be between 1 and 100 in length.",
            )


def _check_permissions(value: Any, path: str, problems: dict[str, tuple[str, str]]) -> None:
    """`default_member_permissions`: null (everyone), or a permission set. Discord
    documents a string of the integer ("8192") and answers with one; it takes the integer
    too, which discord.py sends."""
    if value is None:
        return
    number = value if isinstance(value, int) and not isinstance(value, bool) else None
    if isinstance(value, str) and value.isascii() and value.isdigit():
        number = int(value)
    if number is None or not 0 <= number <= MAX_PERMISSIONS:
        problems[path] = ("NUMBER_TYPE_COERCE", f"Value {str(value)!r} is not int.")


def _check_contexts(value: Any, path: str, problems: dict[str, tuple[str, str]]) -> None:
    known = (GUILD_CONTEXT, BOT_DM_CONTEXT, PRIVATE_CHANNEL_CONTEXT)
    if value is None:
        return
    if not isinstance(value, list) or not all(v in known for v in value) or not value:
        problems[path] = ("BASE_TYPE_CHOICES", f"Value must be one of {known}.")


def _check_options(
    options: Sequence[JSON], path: str, problems: dict[str, tuple[str, str]]
) -> None:
    if len(options) > 25:
        problems[path] = ("BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.")
    seen_optional = False
    for i, option in enumerate(options):
        here = f"{path}.{i}"
        _check_texts(option, here, problems)
        _check_choices(option, f"{here}.choices", problems)
        if option.get("type") in (1, 2):
            _check_options(option.get("options") or [], f"{here}.options", problems)
            continue
        # Discord refuses a required option after an optional one.
        if option.get("required"):
            if seen_optional:
                problems[here] = (
                    "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID",
                    "Required options must be placed before non-required options",
                )
        else:
            seen_optional = True


def check_commands(commands: Any) -> None:
    """Bulk overwrite body: a list of at most 100 commands with valid names, options,
    choices, localisations, `default_member_permissions` and `contexts`."""
    if not isinstance(commands, list):
        raise form_error({"_root": ("BASE_TYPE_ARRAY", "Must be an array.")})
    problems: dict[str, tuple[str, str]] = {}
    if len(commands) > 100:
        problems["_root"] = ("BASE_TYPE_MAX_LENGTH", "Must be 100 or fewer in length.")
    seen: set[tuple[int, str]] = set()
    for i, command in enumerate(commands):
        kind = command.get("type", 1)
        if kind == 1:
            _check_texts(command, str(i), problems)
            _check_options(command.get("options") or [], f"{i}.options", problems)
        _check_permissions(
            command.get("default_member_permissions"),
            f"{i}.default_member_permissions",
            problems,
        )
        _check_contexts(command.get("contexts"), f"{i}.contexts", problems)
        key = (kind, str(command.get("name")))
        if key in seen:
            problems[f"{i}.name"] = (
                "APPLICATION_COMMANDS_DUPLICATE_NAME",
                f"Application command names must be unique: {key[1]}",
            )
        seen.add(key)
    if problems:
        raise form_error(problems)


def iter_components(components: Any) -> Iterator[JSON]:
    """Every component in a message, however deeply nested (action rows, sections...)."""
    if isinstance(components, list):
        for item in components:
            yield from iter_components(item)
    elif isinstance(components, dict):
        yield components
        for key in ("components", "accessory"):
            if key in components:
                yield from iter_components(components[key])


_PLAIN_OPTION_TYPES: Mapping[int, tuple[type, ...]] = {
    3: (str,),
    4: (int,),
    5: (bool,),
    10: (int, float),
}


def option_value(option: Mapping[str, Any], value: Any) -> Any:
    """Check a value a user could really enter for a command option, as Discord's client does."""
    kind = option["type"]
    name = option["name"]
    accepted = _PLAIN_OPTION_TYPES.get(kind)
    if accepted is None:
        raise TypeError(
            f"option {name!r} has type {kind}, which needs `resolved` data: pass raw options"
        )
    # bool is an int in Python but not a number to Discord.
    if not isinstance(value, accepted) or (kind != 5 and isinstance(value, bool)):
        raise TypeError(f"option {name!r} (type {kind}) cannot take {value!r}")
    choices = option.get("choices")
    if choices and value not in [c["value"] for c in choices]:
        raise ValueError(f"option {name!r} only offers {[c['value'] for c in choices]}")
    low, high = option.get("min_value"), option.get("max_value")
    if (low is not None and value < low) or (high is not None and value > high):
        raise ValueError(f"option {name!r} must lie in [{low}, {high}]")
    if isinstance(value, str):
        shortest, longest = option.get("min_length", 0), option.get("max_length", 6000)
        if not shortest <= len(value) <= longest:
            raise ValueError(f"option {name!r} must have {shortest}..{longest} characters")
    return value


MAX_MODAL_TITLE = 45
MAX_INPUT_LABEL = 45
MAX_INPUT_PLACEHOLDER = 100
MAX_INPUT_LENGTH = 4000
TEXT_INPUT = 4
LABEL = 18


def check_modal(body: Mapping[str, Any]) -> None:
    """A modal needs a custom_id of 1 to 100 characters, a title of 1 to 45 and 1 to 5
    components: each an action row holding one text input (or a label component wrapping
    one). A text input needs a custom_id (1-100, unique in the modal), a style (1 short,
    2 paragraph), a label of 1 to 45 characters; min_length 0-4000, max_length 1-4000,
    value at most 4000 and placeholder at most 100 characters."""
    data = body.get("data") or {}
    problems: dict[str, tuple[str, str]] = {}
    if not 1 <= len(str(data.get("custom_id") or "")) <= MAX_CUSTOM_ID:
        problems["data.custom_id"] = (
            "BASE_TYPE_BAD_LENGTH",
            "Must be between 1 and 100 in length.",
        )
    if not 1 <= len(str(data.get("title") or "")) <= MAX_MODAL_TITLE:
        problems["data.title"] = ("BASE_TYPE_BAD_LENGTH", "Must be between 1 and 45 in length.")
    rows = data.get("components") or []
    if not isinstance(rows, list) or not 1 <= len(rows) <= 5:
        problems["data.components"] = ("BASE_TYPE_BAD_LENGTH", "Must be between 1 and 5 in length.")
        rows = []
    seen: set[str] = set()
    for n, row in enumerate(rows):
        path = f"data.components.{n}"
        if isinstance(row, dict) and row.get("type") == 1:
            inner = row.get("components") or []
            items = inner if isinstance(inner, list) and len(inner) == 1 else None
            labelled = False
        elif isinstance(row, dict) and row.get("type") == LABEL:
            items = [row.get("component")] if isinstance(row.get("component"), dict) else None
            labelled = True
            if not 1 <= len(str(row.get("label") or "")) <= MAX_INPUT_LABEL:
                problems[f"{path}.label"] = (
                    "BASE_TYPE_BAD_LENGTH",
                    "Must be between 1 and 45 in length.",
                )
        else:
            problems[path] = ("UNION_TYPE_CHOICES", 'Value of field "type" must be one of (1, 18).')
            continue
        if items is None or not isinstance(items[0], dict) or items[0].get("type") != TEXT_INPUT:
            problems[path] = (
                "COMPONENT_LAYOUT_WIDTH_EXCEEDED",
                "A modal row holds one text input.",
            )
            continue
        _check_text_input(items[0], f"{path}.components.0", labelled, seen, problems)
    if problems:
        raise form_error(problems)


def _check_text_input(
    item: Mapping[str, Any],
    path: str,
    labelled: bool,
    seen: set[str],
    problems: dict[str, tuple[str, str]],
) -> None:
    cid = str(item.get("custom_id") or "")
    if not 1 <= len(cid) <= MAX_CUSTOM_ID:
        problems[f"{path}.custom_id"] = (
            "BASE_TYPE_BAD_LENGTH",
            "Must be between 1 and 100 in length.",
        )
    elif cid in seen:
        problems[f"{path}.custom_id"] = (
            "COMPONENT_CUSTOM_ID_DUPLICATED",
            "Component custom id cannot be duplicated",
        )
    seen.add(cid)
    if item.get("style") not in (1, 2):
        problems[f"{path}.style"] = ("BASE_TYPE_CHOICES", "Value must be one of {1, 2}.")
    if labelled:
        if "label" in item:
            problems[f"{path}.label"] = (
                "BASE_TYPE_BAD_TYPE",
                "A labelled text input has no label.",
            )
    elif not 1 <= len(str(item.get("label") or "")) <= MAX_INPUT_LABEL:
        problems[f"{path}.label"] = ("BASE_TYPE_BAD_LENGTH", "Must be between 1 and 45 in length.")
    low, high = item.get("min_length", 0), item.get("max_length", MAX_INPUT_LENGTH)
    if not isinstance(low, int) or not 0 <= low <= MAX_INPUT_LENGTH:
        problems[f"{path}.min_length"] = ("NUMBER_TYPE_MAX", "int value should be <= 4000.")
    if not isinstance(high, int) or not 1 <= high <= MAX_INPUT_LENGTH:
        problems[f"{path}.max_length"] = ("NUMBER_TYPE_MAX", "int value should be <= 4000.")
    if len(str(item.get("value") or "")) > MAX_INPUT_LENGTH:
        problems[f"{path}.value"] = ("BASE_TYPE_MAX_LENGTH", "Must be 4000 or fewer in length.")
    if len(str(item.get("placeholder") or "")) > MAX_INPUT_PLACEHOLDER:
        problems[f"{path}.placeholder"] = (
            "BASE_TYPE_MAX_LENGTH",
            "Must be 100 or fewer in length.",
        )
    if "required" in item and not isinstance(item["required"], bool):
        problems[f"{path}.required"] = ("BASE_TYPE_BAD_TYPE", "Must be a boolean.")


def text_inputs(modal: Mapping[str, Any]) -> list[JSON]:
    """The text inputs of a modal Discord accepted, in order."""
    found: list[JSON] = []
    for row in modal.get("components") or []:
        for item in [*(row.get("components") or []), row.get("component")]:
            if isinstance(item, dict) and item.get("type") == TEXT_INPUT:
                found.append(item)
    return found


def parse_moment(value: Any) -> datetime | None:
    """An ISO 8601 timestamp as Discord reads it; None when it is not one."""
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def check_scheduled_event(
    body: Any, *, now: datetime, current: Mapping[str, Any] | None = None
) -> JSON:
    """A create (`current` None) or modify body, checked as Discord checks it: the fields
    it needs, their lengths, an external event's location and end, a start in the future
    and an end after it; raises 50035. Returns the fields to store, times in UTC."""
    if not isinstance(body, dict):
        raise form_error({"_": ("DICT_TYPE_CONVERT", "Only dictionaries may be used.")})
    problems: dict[str, tuple[str, str]] = {}
    creating = current is None
    merged: JSON = {**(current or {}), **body}
    out: JSON = {}
    if creating or "name" in body:
        name = body.get("name")
        if not isinstance(name, str) or not 1 <= len(name) <= MAX_EVENT_NAME:
            problems["name"] = (
                "BASE_TYPE_BAD_LENGTH",
                f"Must be between 1 and {MAX_EVENT_NAME} in length.",
            )
        out["name"] = name
    if "description" in body:
        description = body["description"]
        if description is not None and (
            not isinstance(description, str) or len(description) > MAX_EVENT_DESCRIPTION
        ):
            problems["description"] = (
                "BASE_TYPE_MAX_LENGTH",
                f"Must be {MAX_EVENT_DESCRIPTION} or fewer in length.",
            )
        out["description"] = description
    if creating or "privacy_level" in body:
        if body.get("privacy_level") != GUILD_ONLY:
            problems["privacy_level"] = (
                "BASE_TYPE_CHOICES",
                f"Value must be one of {{{GUILD_ONLY}}}.",
            )
        out["privacy_level"] = GUILD_ONLY
    kind = merged.get("entity_type")
    if creating or "entity_type" in body:
        if kind not in (STAGE_INSTANCE, VOICE, EXTERNAL):
            problems["entity_type"] = ("BASE_TYPE_CHOICES", "Value must be one of {1, 2, 3}.")
        out["entity_type"] = kind
    if kind == EXTERNAL:
        if merged.get("channel_id") is not None:
            problems["channel_id"] = ("BASE_TYPE_NULL", "Must be null for external events.")
        out["channel_id"] = None
        metadata = merged.get("entity_metadata")
        location = metadata.get("location") if isinstance(metadata, dict) else None
        if not isinstance(location, str) or not 1 <= len(location) <= MAX_EVENT_LOCATION:
            problems["entity_metadata.location"] = (
                "BASE_TYPE_REQUIRED" if location is None else "BASE_TYPE_BAD_LENGTH",
                f"External events need a location of 1 to {MAX_EVENT_LOCATION} characters.",
            )
        out["entity_metadata"] = {"location": location}
    elif kind in (STAGE_INSTANCE, VOICE):
        # The fake has text channels only: no voice or stage channel to host an event.
        problems["channel_id"] = ("CHANNEL_TYPE_INVALID", "Must be a voice or stage channel.")
    start = parse_moment(merged.get("scheduled_start_time"))
    end_value = merged.get("scheduled_end_time")
    end = parse_moment(end_value)
    if start is None:
        problems["scheduled_start_time"] = (
            "DATE_TIME_TYPE_PARSE",
            "Could not parse the time. Should be ISO8601.",
        )
    elif (creating or "scheduled_start_time" in body) and start <= now:
        problems["scheduled_start_time"] = (
            "GUILD_SCHEDULED_EVENT_SCHEDULE_PAST",
            "Cannot schedule event in the past.",
        )
    if end_value is None and kind == EXTERNAL:
        problems["scheduled_end_time"] = (
            "BASE_TYPE_REQUIRED",
            "External events need an end time.",
        )
    elif end_value is not None and end is None:
        problems["scheduled_end_time"] = (
            "DATE_TIME_TYPE_PARSE",
            "Could not parse the time. Should be ISO8601.",
        )
    elif start is not None and end is not None and end <= start:
        problems["scheduled_end_time"] = (
            "GUILD_SCHEDULED_EVENT_END_BEFORE_START",
            "Cannot schedule event to end before starting.",
        )
    if start is not None:
        out["scheduled_start_time"] = iso(start.astimezone(UTC))
    out["scheduled_end_time"] = iso(end.astimezone(UTC)) if end is not None else None
    if "status" in body:
        status = body["status"]
        before = int((current or {}).get("status", EVENT_SCHEDULED))
        if creating or (before, status) not in EVENT_TRANSITIONS:
            problems["status"] = (
                "GUILD_SCHEDULED_EVENT_INVALID_STATUS_TRANSITION",
                f"Cannot go from status {before} to {status}.",
            )
        out["status"] = status
    if problems:
        raise form_error(problems)
    return out


def scheduled_event(
    *,
    event_id: str,
    guild_id: str,
    creator: JSON,
    fields: Mapping[str, Any],
) -> JSON:
    """A guild scheduled event object from checked create fields."""
    return {
        "id": event_id,
        "guild_id": guild_id,
        "channel_id": fields.get("channel_id"),
        "creator_id": creator["id"],
        "creator": creator,
        "name": fields["name"],
        "description": fields.get("description"),
        "scheduled_start_time": fields["scheduled_start_time"],
        "scheduled_end_time": fields.get("scheduled_end_time"),
        "privacy_level": fields["privacy_level"],
        "status": EVENT_SCHEDULED,
        "entity_type": fields["entity_type"],
        "entity_id": None,
        "entity_metadata": fields.get("entity_metadata"),
        "image": None,
        "recurrence_rule": None,
    }
