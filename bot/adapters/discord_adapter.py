"""The Discord adapter: discord.py 2.7, application commands generated from CommandSpecs.

The command tree of discord.py wants one Python function per command, with the options in
its signature. Ours are declared once as data, so the adapter writes Discord's command JSON
itself, syncs it with one bulk request, and answers every interaction from `on_interaction`.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import functools
import hashlib
import io
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast
from urllib.parse import quote

import aiohttp
import discord
import orjson
import yarl
from discord import app_commands

from bot.adapters.base import DeliveryError, SentMessage, StartupError
from bot.adapters.http1 import Http1Pool, HTTPError, Response
from bot.core import Core
from bot.model import (
    Action,
    Button,
    Card,
    ChannelRef,
    Invocation,
    Reply,
    Role,
    Stamp,
    Text,
    UserRef,
)
from bot.ratelimit import RateLimiter
from bot.registry import CommandSpec, Option, OptionType
from bot.settings import PlatformConfig
from bot.store import Store
from bot.store.deliveries import is_blocked, record_block

log = logging.getLogger(__name__)

PLATFORM = "discord"
DEFAULT_API_BASE = "https://discord.com/api/v10"
DEFAULT_GATEWAY = "wss://gateway.discord.gg"
MAX_CONTENT = 2000
_OPTION_TYPES = {OptionType.STRING: 3, OptionType.INTEGER: 4, OptionType.BOOLEAN: 5}
_STYLES = {
    "primary": discord.ButtonStyle.primary,
    "secondary": discord.ButtonStyle.secondary,
    "danger": discord.ButtonStyle.danger,
}
# Discord's error codes that no retry can fix.
_CLOSED_DMS = 50007
_PERMANENT = {10003, 10008, 10013, 50001, 50013, 50007, 50035}
_EPHEMERAL = 64  # the message flag
_JSON = {"Content-Type": "application/json"}
_CALLBACK_RETRIES = 2
_ALREADY_ACKNOWLEDGED = 40060
_CHANNEL_MESSAGE = 4  # the interaction callback type that answers with a message
_NO_MENTIONS: dict[str, Any] = {"parse": []}  # what AllowedMentions.none() sends
_COLOUR = 0x2B6CB0
# Rendered texts are cached: the same agenda lines go out in answer after answer. Long
# ones (questions, announcements) are rare and rendered each time, to bound the memory.
_RENDER_CACHE = 4096
_CACHED_CHARS = 256
# Markdown and mention syntax, escaped so that user text shows as typed.
_MARKUP = re.compile(r"([\\*_~`|<>\[\]])")
_LINE_START = re.compile(r"^(\s*)([#>\-+]|\d+\.)", re.MULTILINE)
_PING = re.compile(r"@(everyone|here)")


@dataclass(frozen=True)
class DiscordSettings:
    """How to reach Discord: the token, where to sync, and REST and gateway addresses."""

    token: str
    guild_ids: tuple[int, ...] = ()
    api_base: str = DEFAULT_API_BASE
    gateway_url: str = DEFAULT_GATEWAY
    # A handler still running after this long is deferred, then answered by follow-up.
    defer_after: float = 1.0
    ready_timeout: float = 30.0
    # How long discord.py waits for the guilds' channels (needed to post to a channel by
    # name) before it calls itself ready.
    guild_ready_timeout: float = 2.0
    # Discord allows a bot about 50 requests a second overall (interaction answers apart).
    # Messages the bot sends on its own stay under it with room for jitter on the way:
    # at most rate + burst in any second, here 48.
    requests_per_second: float = 47.0
    request_burst: int = 1


# ---- rendering ------------------------------------------------------------------------


def _inline(text: str) -> str:
    text = _MARKUP.sub(r"\\\1", text)
    return _PING.sub("@\u200b\\1", text)


_inline_cached = functools.lru_cache(maxsize=_RENDER_CACHE)(_inline)


def _escape_inline(text: str) -> str:
    return _inline_cached(text) if len(text) <= _CACHED_CHARS else _inline(text)


def _escape(text: str) -> str:
    return _LINE_START.sub(r"\1\\\2", _escape_inline(text))


_escape_cached = functools.lru_cache(maxsize=_RENDER_CACHE)(_escape)


def escape(text: str) -> str:
    """User-visible text that Discord shows literally: no markup, mention or ping."""
    return _escape_cached(text) if len(text) <= _CACHED_CHARS else _escape(text)


def render_text(text: Text) -> str:
    """A text for Discord: literal pieces escaped, stamps as `<t:UNIX:style>`."""
    if isinstance(text, str):
        return escape(text)
    if sum(len(piece) for piece in text if isinstance(piece, str)) <= _CACHED_CHARS:
        return _pieces_cached(text)
    return _pieces(text)


def _pieces(text: tuple[str | Stamp, ...]) -> str:
    parts = []
    for piece in text:
        if isinstance(piece, Stamp):
            parts.append(f"<t:{int(piece.at.timestamp())}:{piece.style}>")
        else:
            parts.append(_escape_inline(piece))
    # Headings and lists only start lines: checked once the pieces are joined.
    return _LINE_START.sub(r"\1\\\2", "".join(parts))


_pieces_cached = functools.lru_cache(maxsize=_RENDER_CACHE)(_pieces)


def split_content(text: str, limit: int = MAX_CONTENT) -> list[str]:
    """Text cut into messages of at most `limit` characters, at line ends where possible."""
    chunks: list[str] = []
    current = ""
    for line in text.split("\n"):
        while len(line) > limit:
            if current:
                chunks.append(current)
                current = ""
            chunks.append(line[:limit])
            line = line[limit:]
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit:
            chunks.append(current)
            current = line
        else:
            current = candidate
    if current or not chunks:
        chunks.append(current)
    return chunks


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def embed_data(card: Card) -> dict[str, Any]:
    """A card as Discord's embed JSON, within its limits (title 256, description 4096,
    25 fields of 256 + 1024, footer 2048)."""
    lines = [render_text(line) for line in card.lines]
    description = ""
    for i, line in enumerate(lines):
        more = f"\n… (+{len(lines) - i})"
        if len(description) + len(line) + 1 + len(more) > 4096:
            description += more
            break
        description = f"{description}\n{line}" if description else line
    data: dict[str, Any] = {"type": "rich", "title": _clip(escape(card.title), 256)}
    data["color"] = _COLOUR
    if description:
        data["description"] = description
    if card.fields:
        data["fields"] = [
            {
                "name": _clip(escape(f.name), 256),
                "value": _clip(render_text(f.value), 1024) or "-",
                "inline": f.inline,
            }
            for f in card.fields[:25]
        ]
    if card.footer:
        data["footer"] = {"text": _clip(card.footer, 2048)}
    return data


def render_embed(card: Card) -> discord.Embed:
    """A card as a discord.py embed (see `embed_data`)."""
    return discord.Embed.from_dict(embed_data(card))


def custom_id(button: Button) -> str:
    """The component id that brings a press back as an Action (Discord allows 100)."""
    return f"{button.action_id}|{button.value}"[:100]


def components_data(buttons: Sequence[Button]) -> list[dict[str, Any]]:
    """Buttons as Discord's component JSON: rows of five, at most 25, as `render_view`."""
    items = [
        {
            "type": 2,
            "style": _STYLES.get(b.style, discord.ButtonStyle.secondary).value,
            "label": _clip(b.label, 80),
            "custom_id": custom_id(b),
        }
        for b in buttons[:25]
    ]
    return [{"type": 1, "components": items[i : i + 5]} for i in range(0, len(items), 5)]


def callback_data(reply: Reply, ephemeral: bool) -> tuple[dict[str, Any], list[str]] | None:
    """The first message of `reply` as the JSON of an interaction callback, and the text
    of the messages that follow it; None when it carries a file (sent as multipart)."""
    if reply.file is not None:
        return None
    chunks = split_content(render_text(reply.text)) if reply.text else []
    data: dict[str, Any] = {"allowed_mentions": _NO_MENTIONS}
    if chunks:
        data["content"] = chunks[0]
    if reply.card is not None:
        data["embeds"] = [embed_data(reply.card)]
    if reply.buttons:
        data["components"] = components_data(reply.buttons)
    if "content" not in data and "embeds" not in data:
        data["content"] = "\u200b"  # Discord refuses an empty message
    if ephemeral:
        data["flags"] = _EPHEMERAL
    return data, chunks[1:]


def render_view(buttons: Sequence[Button]) -> discord.ui.View | None:
    """Buttons as a row of components; presses come back through on_interaction."""
    if not buttons:
        return None
    view = discord.ui.View(timeout=None)
    for b in buttons[:25]:
        view.add_item(
            discord.ui.Button(
                label=_clip(b.label, 80),
                custom_id=custom_id(b),
                style=_STYLES.get(b.style, discord.ButtonStyle.secondary),
            )
        )
    return view


def message_parts(reply: Reply) -> list[dict[str, Any]]:
    """The keyword arguments of each message that carries `reply` (usually one)."""
    chunks = split_content(render_text(reply.text)) if reply.text else []
    first: dict[str, Any] = {"allowed_mentions": discord.AllowedMentions.none()}
    if chunks:
        first["content"] = chunks[0]
    if reply.card is not None:
        first["embed"] = render_embed(reply.card)
    view = render_view(reply.buttons)
    if view is not None:
        first["view"] = view
    if reply.file is not None:
        first["file"] = discord.File(io.BytesIO(reply.file.data), filename=reply.file.filename)
    rest = [
        {"content": chunk, "allowed_mentions": discord.AllowedMentions.none()}
        for chunk in chunks[1:]
    ]
    if "content" not in first and "embed" not in first and "file" not in first:
        first["content"] = "\u200b"  # Discord refuses an empty message
    return [first, *rest]


# ---- commands -------------------------------------------------------------------------


def option_payload(opt: Option) -> dict[str, Any]:
    """One option as Discord's application-command JSON."""
    data: dict[str, Any] = {
        "type": _OPTION_TYPES[opt.type],
        "name": opt.name,
        "description": _clip(opt.description.en, 100),
        "required": opt.required,
    }
    if opt.name_ko:
        data["name_localizations"] = {"ko": opt.name_ko}
    if opt.description.ko:
        data["description_localizations"] = {"ko": _clip(opt.description.ko, 100)}
    if opt.choices:
        data["choices"] = [
            {
                "name": c.label.en,
                "value": c.value,
                **({"name_localizations": {"ko": c.label.ko}} if c.label.ko else {}),
            }
            for c in opt.choices
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
        "description": _clip(spec.description.en, 100),
        "options": [option_payload(o) for o in options],
    }
    if spec.name_ko:
        data["name_localizations"] = {"ko": spec.name_ko}
    if spec.description.ko:
        data["description_localizations"] = {"ko": _clip(spec.description.ko, 100)}
    return data


def nonce_for(key: str) -> str:
    """A nonce Discord accepts (at most 25 characters) derived from a delivery key."""
    return hashlib.sha256(key.encode()).hexdigest()[:25]


# ---- the adapter ----------------------------------------------------------------------


class _NoResponse:
    """What discord.HTTPException reads of a response, when none came."""

    status = 0
    reason = "no response"


def _error_body(response: Response) -> dict[str, Any] | str:
    """Discord's JSON error body, or the text of whatever else answered."""
    try:
        data = orjson.loads(response.body)
    except orjson.JSONDecodeError:
        return response.body.decode("utf-8", "replace")[:500]
    return data if isinstance(data, dict) else str(data)


def _code(data: dict[str, Any] | str) -> int:
    """Discord's error code in an error body, 0 when there is none."""
    code = data.get("code") if isinstance(data, dict) else None
    return code if isinstance(code, int) else 0


def _retry_after(response: Response, data: dict[str, Any] | str) -> float:
    """How long a 429 asks to wait: its body's `retry_after`, else the header; capped."""
    value: Any = data.get("retry_after") if isinstance(data, dict) else None
    if value is None:
        value = response.headers.get("retry-after", "1")
    try:
        return min(max(float(value), 0.0), 5.0)
    except ValueError:
        return 1.0


def _http_error(response: Response, data: dict[str, Any] | str) -> discord.HTTPException:
    """The discord.py exception its own client raises for this status."""
    kind: type[discord.HTTPException] = discord.HTTPException
    if response.status == 403:
        kind = discord.Forbidden
    elif response.status == 404:
        kind = discord.NotFound
    elif response.status >= 500:
        kind = discord.DiscordServerError
    # discord.py reads only `status` and `reason` of the response it is given; its type
    # names aiohttp's or requests' response (Any where requests is not installed).
    return kind(cast(Any, response), data)


async def send_callback(
    pool: Http1Pool, interaction_id: int, token: str, payload: dict[str, Any]
) -> None:
    """POST an interaction's callback through `pool`; raises discord.HTTPException.

    Interaction callbacks are outside the bot's global rate limit and each has a bucket
    of its own, so a 429 here is rare; it is waited out and the answer sent again, as
    after a 5xx or a lost connection (twice at most). A repeat that Discord refuses with
    40060 (already acknowledged) means an earlier attempt arrived after all: that is
    success, not an error.
    """
    path = f"/interactions/{interaction_id}/{quote(token, safe='')}/callback"
    body = orjson.dumps(payload)
    failures = 0
    repeated = False  # an earlier attempt may have reached Discord
    while True:
        try:
            response = await pool.request("POST", path, body, _JSON, resend_if_stale=True)
        except (HTTPError, TimeoutError) as exc:
            failures += 1
            repeated = repeated or not isinstance(exc, HTTPError) or exc.sent
            if failures > _CALLBACK_RETRIES:
                raise discord.HTTPException(
                    cast(Any, _NoResponse()),
                    f"no answer: {exc}",
                ) from exc
            continue
        if response.status < 300:
            return
        data = _error_body(response)
        if (repeated or response.resent) and _code(data) == _ALREADY_ACKNOWLEDGED:
            return  # the earlier attempt did arrive; this repeat is refused as a second
        failures += 1
        if response.status == 429 and failures <= _CALLBACK_RETRIES:
            await asyncio.sleep(_retry_after(response, data))
            continue
        if response.status >= 500 and failures <= _CALLBACK_RETRIES:
            repeated = True  # a 5xx may come after the callback was taken
            await asyncio.sleep(0.1 * failures)
            continue
        raise _http_error(response, data)


class DiscordAdapter:
    """Discord through a real discord.py client."""

    name = PLATFORM

    def __init__(
        self, core: Core, settings: DiscordSettings, config: PlatformConfig, store: Store
    ) -> None:
        self.core = core
        self.settings = settings
        self.config = config
        self.store = store
        self.client = discord.Client(
            intents=discord.Intents.default(),
            guild_ready_timeout=settings.guild_ready_timeout,
        )
        self.client.event(self.on_interaction)
        self._task: asyncio.Task[None] | None = None
        self._dm_channels: dict[str, int] = {}
        self._channel_names: dict[str, int] = {}
        self._limiter = RateLimiter(settings.requests_per_second, settings.request_burst)
        self.synced: list[dict[str, Any]] = []
        self._callbacks: Http1Pool | None = None  # made on first use, on the running loop

    # lifecycle
    async def start(self) -> None:
        """Log in, connect to the gateway, sync the commands; raises StartupError."""
        # discord.py keeps both addresses as class attributes; there is one client.
        discord.http.Route.BASE = self.settings.api_base.rstrip("/")
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(self.settings.gateway_url)
        try:
            await self.client.login(self.settings.token)
        except discord.LoginFailure as exc:
            await self.client.close()
            raise StartupError(
                "Discord refused DISCORD_TOKEN (401 Unauthorized): copy the bot token again "
                "from the Developer Portal (Bot > Reset Token)"
            ) from exc
        except (aiohttp.ClientError, OSError) as exc:
            await self.client.close()
            raise StartupError(f"cannot reach Discord at {self.settings.api_base}: {exc}") from exc
        self._task = asyncio.create_task(self.client.connect(reconnect=True), name="discord")
        ready = asyncio.create_task(self.client.wait_until_ready())
        done, _ = await asyncio.wait(
            {self._task, ready},
            timeout=self.settings.ready_timeout,
            return_when=asyncio.FIRST_COMPLETED,
        )
        if ready not in done:
            ready.cancel()
            error = self._task.exception() if self._task in done else None
            await self.stop()
            if isinstance(error, discord.ConnectionClosed) and error.code == 4004:
                raise StartupError("Discord's gateway refused DISCORD_TOKEN (4004)")
            raise StartupError(f"Discord's gateway did not become ready ({error or 'timeout'})")
        await self.sync_commands()
        log.info("discord: connected as %s, %d commands synced", self.client.user, len(self.synced))

    async def stop(self) -> None:
        """Close the gateway and HTTP sessions."""
        await self.client.close()
        if self._callbacks is not None:
            await self._callbacks.close()
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task

    async def sync_commands(self) -> None:
        """Put every command on Discord: to the configured guilds, or globally."""
        payload = [command_payload(spec) for spec in self.core.commands]
        app_id = self.client.application_id
        if app_id is None:
            raise StartupError("Discord did not say which application this bot is")
        if self.settings.guild_ids:
            for guild in self.settings.guild_ids:
                await self.client.http.bulk_upsert_guild_commands(app_id, guild, payload)
        else:
            await self.client.http.bulk_upsert_global_commands(app_id, payload)
        self.synced = payload

    # inbound
    async def on_interaction(self, interaction: discord.Interaction) -> None:
        """Every slash command, autocomplete and button press arrives here."""
        try:
            if interaction.type is discord.InteractionType.application_command:
                await self._command(interaction)
            elif interaction.type is discord.InteractionType.autocomplete:
                await self._autocomplete(interaction)
            elif interaction.type is discord.InteractionType.component:
                await self._component(interaction)
        except discord.HTTPException as exc:
            log.warning("discord: answering interaction %s failed: %s", interaction.id, exc)

    def _who(self, interaction: discord.Interaction) -> tuple[UserRef, ChannelRef, frozenset[Role]]:
        user = interaction.user
        channel = interaction.channel
        who = UserRef(PLATFORM, str(user.id), user.display_name)
        where = ChannelRef(
            PLATFORM, str(interaction.channel_id or ""), str(getattr(channel, "name", "") or "")
        )
        return who, where, self._roles(interaction)

    def _roles(self, interaction: discord.Interaction) -> frozenset[Role]:
        roles = {Role.PARTICIPANT}
        member = interaction.user
        # Role ids come with every interaction; their names from the guild discord.py
        # caches from GUILD_CREATE (sent after each IDENTIFY), so not for a guild it has
        # not received (yet). The mapping in the event file may use either.
        ids = {str(r) for r in getattr(member, "_roles", ())}
        names = {r.name for r in getattr(member, "roles", ()) if hasattr(r, "name")}
        for role_name, values in self.config.roles.items():
            if any(v in ids or v in names for v in values):
                roles.add(Role.parse(role_name))
        return frozenset(r for r in Role if r <= max(roles))

    async def _command(self, interaction: discord.Interaction) -> None:
        data: dict[str, Any] = dict(interaction.data or {})
        name = str(data.get("name", ""))
        args = {str(o["name"]): o.get("value") for o in data.get("options", []) if "name" in o}
        user, channel, roles = self._who(interaction)
        inv = Invocation(PLATFORM, name, user, channel, args, roles, str(interaction.locale))
        spec = self.core.spec(name)
        ephemeral = spec.ephemeral if spec else True
        # The deadline runs from the interaction's creation, not from when we got to it.
        age = (discord.utils.utcnow() - interaction.created_at).total_seconds()
        wait = self.settings.defer_after - min(max(age, 0.0), self.settings.defer_after)
        # The handler runs in this task, and a timer defers it should it still be running
        # after `wait`: no second task, and no turn of the event loop lost waiting for one
        # (on a busy loop each turn waits behind every ready task).
        loop = asyncio.get_running_loop()
        deferral: list[asyncio.Task[Any]] = []

        def defer() -> None:
            # Acknowledge now so the 3-second deadline is met; the answer follows later.
            deferral.append(
                loop.create_task(interaction.response.defer(ephemeral=ephemeral, thinking=True))
            )

        timer = loop.call_later(wait, defer)
        try:
            # Even when the defer fails, the handler's work (and its writes) completes.
            reply = await self.core.dispatch(inv)
        except BaseException:
            for task in deferral:
                task.cancel()
            raise
        finally:
            timer.cancel()
        if not deferral:
            await self._respond(interaction, reply)
            return
        await deferral[0]  # raises if the defer was refused: nothing can follow it then
        for part in message_parts(reply):
            await interaction.followup.send(ephemeral=ephemeral, **part)

    async def _respond(self, interaction: discord.Interaction, reply: Reply) -> None:
        ephemeral = reply.ephemeral or reply.error
        rendered = callback_data(reply, ephemeral)
        if rendered is None:  # a file: discord.py builds the multipart request
            parts = message_parts(reply)
            await interaction.response.send_message(ephemeral=ephemeral, **parts[0])
            rest = parts[1:]
        else:
            data, more = rendered
            await self._answer(interaction, {"type": _CHANNEL_MESSAGE, "data": data})
            none = discord.AllowedMentions.none()
            rest = [{"content": chunk, "allowed_mentions": none} for chunk in more]
        for part in rest:
            await interaction.followup.send(ephemeral=ephemeral, **part)

    async def _answer(self, interaction: discord.Interaction, payload: dict[str, Any]) -> None:
        """Send an interaction's callback as JSON we rendered ourselves (`send_callback`).

        `interaction.response.send_message` would build discord.py objects (a View, an
        Embed) only to turn them into this JSON, ask for the created message back
        (`with_response`) and parse it into a Message; and aiohttp's client would spend
        about as much CPU again on the request. Under a burst of commands that was over
        half of what a command cost.
        """
        if self._callbacks is None:
            # An answer later than 3 s is refused anyway: do not wait long for one.
            self._callbacks = Http1Pool(
                self.settings.api_base, user_agent=self.client.http.user_agent, timeout=5.0
            )
        await send_callback(self._callbacks, interaction.id, interaction.token, payload)
        # What send_message would record: discord.py refuses a second response itself.
        interaction.response._response_type = discord.InteractionResponseType.channel_message

    async def _autocomplete(self, interaction: discord.Interaction) -> None:
        data: dict[str, Any] = dict(interaction.data or {})
        spec = self.core.spec(str(data.get("name", "")))
        focused = next((o for o in data.get("options", []) if o.get("focused")), None)
        opt = spec.option(str(focused["name"])) if spec and focused else None
        choices: list[app_commands.Choice[str]] = []
        if opt is not None and opt.autocomplete and focused is not None:
            user, _, _ = self._who(interaction)
            pairs = await self.core.suggest(
                opt.autocomplete, str(focused.get("value", "")), user, str(interaction.locale)
            )
            choices = [app_commands.Choice(name=label, value=value) for label, value in pairs]
        await interaction.response.autocomplete(choices[:25])

    async def _component(self, interaction: discord.Interaction) -> None:
        data: dict[str, Any] = dict(interaction.data or {})
        action_id, _, value = str(data.get("custom_id", "")).partition("|")
        user, channel, roles = self._who(interaction)
        act = Action(PLATFORM, action_id, value, user, channel, roles, str(interaction.locale))
        reply = await self.core.on_action(act)
        message = interaction.message
        if message is not None and message.flags.ephemeral and not reply.error:
            # The asker's own answer: turn the page in place instead of adding a message.
            part = message_parts(reply)[0]
            part.pop("file", None)
            part.setdefault("content", None)
            part.setdefault("embed", None)
            part.setdefault("view", None)
            await interaction.response.edit_message(**part)
            return
        await self._respond(
            interaction, Reply(reply.text, reply.card, reply.buttons, True, reply.file, reply.error)
        )

    # outbound
    async def _channel_id(self, channel: str) -> int:
        target = self.config.channels.get(channel) or self.config.rooms.get(channel) or channel
        if target.isdigit():
            return int(target)
        name = target.lstrip("#")
        for ch in self.client.get_all_channels():
            if ch.name == name and isinstance(ch, discord.abc.Messageable):
                return ch.id
        # The guild may not be cached (yet): ask for its channels once, then remember.
        if name not in self._channel_names:
            for guild in self.settings.guild_ids:
                try:
                    channels = await self.client.http.get_all_guild_channels(guild)
                except discord.HTTPException as exc:
                    log.warning("discord: cannot list channels of guild %s: %s", guild, exc)
                    continue
                for ch in channels:
                    self._channel_names.setdefault(str(ch.get("name", "")), int(ch["id"]))
        found = self._channel_names.get(name)
        if found is None:
            raise DeliveryError(
                f"no Discord channel {name!r} is visible to the bot", permanent=True
            )
        return found

    async def post(
        self, channel: str, reply: Reply, *, key: str | None = None, first_attempt: bool = True
    ) -> SentMessage:
        """Post to a mapped channel; with `key`, a retry returns the first message."""
        target = self.client.get_partial_messageable(await self._channel_id(channel))
        return await self._send(target, reply, key)

    async def dm(
        self, user: UserRef, reply: Reply, *, key: str | None = None, first_attempt: bool = True
    ) -> SentMessage:
        """Message one person; a person who accepts no DMs is recorded and not retried."""
        if await is_blocked(self.store, PLATFORM, user.id):
            raise DeliveryError(f"{user.id} accepts no DMs", permanent=True, code=_CLOSED_DMS)
        channel_id = self._dm_channels.get(user.id)
        if channel_id is None:
            try:
                await self._limiter.acquire()
                data = await self.client.http.start_private_message(int(user.id))
            except discord.HTTPException as exc:
                raise self._delivery_error(exc) from exc
            channel_id = int(data["id"])
            self._dm_channels[user.id] = channel_id
        target = self.client.get_partial_messageable(channel_id, type=discord.ChannelType.private)
        try:
            return await self._send(target, reply, key)
        except DeliveryError as exc:
            if exc.code == _CLOSED_DMS:
                await record_block(
                    self.store,
                    PLATFORM,
                    user.id,
                    _CLOSED_DMS,
                    "accepts no DMs",
                    self.core.clock.now(),
                )
            raise

    async def edit(self, sent: SentMessage, reply: Reply) -> None:
        """Replace a message the bot sent."""
        target = self.client.get_partial_messageable(int(sent.channel_id))
        part = message_parts(reply)[0]
        part.pop("file", None)
        # What the new version lacks must go: an answered card loses its vote button.
        part.setdefault("content", None)
        part.setdefault("embed", None)
        part.setdefault("view", None)
        try:
            await self._limiter.acquire()
            await target.get_partial_message(int(sent.message_id)).edit(**part)
        except discord.HTTPException as exc:
            raise self._delivery_error(exc) from exc

    async def _send(
        self, target: discord.PartialMessageable, reply: Reply, key: str | None
    ) -> SentMessage:
        parts = message_parts(reply)
        first: discord.Message | None = None
        for i, part in enumerate(parts):
            # discord.py sends enforce_nonce with every nonce: a retried create returns
            # the message made the first time instead of a second one.
            if key:
                part["nonce"] = nonce_for(f"{key}#{i}")
            try:
                await self._limiter.acquire()
                message = await target.send(**part)
            except discord.HTTPException as exc:
                raise self._delivery_error(exc) from exc
            first = first or message
        assert first is not None
        return SentMessage(PLATFORM, str(first.channel.id), str(first.id))

    @staticmethod
    def _delivery_error(exc: discord.HTTPException) -> DeliveryError:
        permanent = exc.code in _PERMANENT or exc.status in (401, 403, 404)
        return DeliveryError(
            f"Discord {exc.status} ({exc.code}): {exc.text}", permanent=permanent, code=exc.code
        )


def application_id_from_token(token: str) -> str | None:
    """A bot token's first part is its application id, in base64."""
    head = token.split(".", 1)[0]
    try:
        decoded = base64.b64decode(head + "=" * (-len(head) % 4)).decode("ascii")
    except (ValueError, UnicodeDecodeError):
        return None
    return decoded if decoded.isdigit() else None


def invite_url(application_id: str) -> str:
    """The OAuth2 link that adds the bot with exactly the scopes and permissions it uses."""
    permissions = discord.Permissions(
        view_channel=True,  # see the channels it posts to
        send_messages=True,  # reminders, announcements, question cards
        send_messages_in_threads=True,  # answers in threads
        embed_links=True,  # sessions as embeds
        attach_files=True,  # .ics and Q&A exports
        read_message_history=True,  # edit its own question cards
    )
    query = (
        f"client_id={application_id}&scope=bot+applications.commands"
        f"&permissions={permissions.value}&integration_type=0"
    )
    return f"https://discord.com/oauth2/authorize?{query}"
