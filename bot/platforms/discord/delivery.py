"""What the bot sends on Discord on its own: posts to mapped channels, DMs (each person's
channel opened once and kept), and edits; each request paced, each error read as a
DeliveryError that says whether a retry can help."""

from __future__ import annotations

import hashlib
import logging
from typing import TYPE_CHECKING

import discord

from bot.core.clock import Clock
from bot.core.model import Reply, UserRef
from bot.delivery.pacing import rate_limiter
from bot.platforms.base import DeliveryError, SentMessage
from bot.platforms.discord.commands import PLATFORM
from bot.platforms.discord.render import (
    _NO_MENTIONS,
    message_data,
    replacement_data,
    request_params,
)
from bot.settings import PlatformConfig
from bot.storage import Store, dm_channels
from bot.storage.deliveries import is_blocked, record_block

if TYPE_CHECKING:
    from bot.platforms.discord.adapter import DiscordSettings

log = logging.getLogger(__name__)

# Discord's error codes that no retry can fix.
_CLOSED_DMS = 50007
_UNKNOWN_CHANNEL = 10003
_PERMANENT = {10003, 10008, 10013, 50001, 50013, 50007, 50035}


def nonce_for(key: str) -> str:
    """A nonce Discord accepts (at most 25 characters) derived from a delivery key."""
    return hashlib.sha256(key.encode()).hexdigest()[:25]


class DiscordDelivery:
    """Sends through discord.py's REST client, paced by the bot's Discord budget (shared by
    the instances on one PostgreSQL)."""

    def __init__(
        self,
        client: discord.Client,
        settings: DiscordSettings,
        config: PlatformConfig,
        store: Store,
        clock: Clock,
    ) -> None:
        self.client = client
        self.settings = settings
        self.config = config
        self.store = store
        self.clock = clock
        self._dm_channels: dict[str, int] = {}
        self._channel_names: dict[str, int] = {}
        # Every request the bot makes on its own takes a slot (scheduled events too). The
        # global limit is the bot's, whichever instance asks: one budget for all of them.
        self.limiter = rate_limiter(
            store, PLATFORM, settings.requests_per_second, settings.request_burst
        )

    async def _channel_id(self, channel: str) -> int:
        target = self.config.channels.get(channel) or self.config.rooms.get(channel) or channel
        if target.isdigit():
            return int(target)
        name = target.lstrip("#")
        for ch in self.client.get_all_channels():
            if ch.name == name and isinstance(ch, discord.abc.Messageable):
                return ch.id
        # The guild may not be cached (yet), or never (an instance that does not lead holds
        # no gateway): ask for its channels once, then remember.
        if name not in self._channel_names:
            for guild in await self._guild_ids():
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

    async def _guild_ids(self) -> list[int]:
        """The configured guilds, else (global commands) every guild the bot is in, by REST:
        a follower has no gateway to learn them from."""
        if self.settings.guild_ids:
            return list(self.settings.guild_ids)
        ids: list[int] = []
        after: int | None = None
        while True:
            try:
                page = await self.client.http.get_guilds(200, after=after, with_counts=False)
            except discord.HTTPException as exc:
                log.warning("discord: cannot list the bot's guilds: %s", exc)
                return ids
            ids.extend(int(g["id"]) for g in page)
            if len(page) < 200:
                return ids
            after = ids[-1]

    async def post(self, channel: str, reply: Reply, *, key: str | None = None) -> SentMessage:
        """Post to a mapped channel; with `key`, a retry returns the first message."""
        return await self._send(await self._channel_id(channel), reply, key)

    async def dm(self, user: UserRef, reply: Reply, *, key: str | None = None) -> SentMessage:
        """Message one person; a person who accepts no DMs is recorded and not retried."""
        if await is_blocked(self.store, PLATFORM, user.id):
            raise DeliveryError(f"{user.id} accepts no DMs", permanent=True, code=_CLOSED_DMS)
        channel_id = await self._dm_channel(user.id)
        try:
            return await self._send(channel_id, reply, key)
        except DeliveryError as exc:
            if exc.code == _UNKNOWN_CHANNEL:
                # A kept channel Discord no longer knows: the retry opens a new one.
                self._dm_channels.pop(user.id, None)
                await dm_channels.forget(self.store, PLATFORM, user.id)
                raise DeliveryError(str(exc), permanent=False, code=exc.code) from exc
            if exc.code == _CLOSED_DMS:
                await record_block(
                    self.store,
                    PLATFORM,
                    user.id,
                    _CLOSED_DMS,
                    "accepts no DMs",
                    self.clock.now(),
                )
            raise

    async def open_dm(self, user_id: str) -> None:
        """Open the person's DM channel ahead of any DM (when they subscribe), and keep it."""
        await self._dm_channel(user_id)

    async def _dm_channel(self, user_id: str) -> int:
        """The person's DM channel: known since it was opened (in memory, or in the store
        across restarts), else opened now, one request, and kept."""
        channel_id = self._dm_channels.get(user_id)
        if channel_id is not None:
            return channel_id
        kept = await dm_channels.get(self.store, PLATFORM, user_id)
        if kept is None:
            try:
                await self.limiter.acquire()
                data = await self.client.http.start_private_message(int(user_id))
            except discord.HTTPException as exc:
                raise self._delivery_error(exc) from exc
            kept = str(data["id"])
            await dm_channels.keep(self.store, PLATFORM, user_id, kept, self.clock.now())
        channel_id = self._dm_channels[user_id] = int(kept)
        return channel_id

    async def edit(self, sent: SentMessage, reply: Reply) -> None:
        """Replace a message the bot sent."""
        params = request_params(replacement_data(reply), None)
        try:
            await self.limiter.acquire()
            await self.client.http.edit_message(
                int(sent.channel_id), int(sent.message_id), params=params
            )
        except discord.HTTPException as exc:
            raise self._delivery_error(exc) from exc

    async def _send(self, channel_id: int, reply: Reply, key: str | None) -> SentMessage:
        first, more = message_data(reply)
        parts = [first, *({"content": c, "allowed_mentions": _NO_MENTIONS} for c in more)]
        sent: SentMessage | None = None
        for i, part in enumerate(parts):
            if key:
                # With enforce_nonce, a retried create returns the message made the first
                # time instead of a second one.
                part["nonce"] = nonce_for(f"{key}#{i}")
                part["enforce_nonce"] = True
            params = request_params(part, reply.file if i == 0 else None)
            try:
                await self.limiter.acquire()
                message = await self.client.http.send_message(channel_id, params=params)
            except discord.HTTPException as exc:
                raise self._delivery_error(exc) from exc
            sent = sent or SentMessage(PLATFORM, str(message["channel_id"]), str(message["id"]))
        assert sent is not None
        return sent

    @staticmethod
    def _delivery_error(exc: discord.HTTPException) -> DeliveryError:
        permanent = exc.code in _PERMANENT or exc.status in (401, 403, 404)
        return DeliveryError(
            f"Discord {exc.status} ({exc.code}): {exc.text}", permanent=permanent, code=exc.code
        )
