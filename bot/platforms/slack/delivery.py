"""What the bot sends on Slack on its own: posts to mapped channels (paced per channel, a
retry finding the first attempt by its key in the channel's history), DMs (each person's
conversation opened once and kept), and edits; each error read as a DeliveryError."""

from __future__ import annotations

import asyncio
import re
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import aiohttp
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

from bot.core.clock import Clock
from bot.core.model import Reply, UserRef
from bot.delivery.pacing import SharedRateLimiter
from bot.platforms.base import DeliveryError, SentMessage
from bot.platforms.slack.errors import SlackProblem, slack_problem
from bot.platforms.slack.render import fallback_text, message
from bot.settings import PlatformConfig
from bot.storage import Store, dm_channels
from bot.storage.base import POSTGRESQL

if TYPE_CHECKING:
    from bot.platforms.slack.adapter import SlackSettings

PLATFORM = "slack"
# Slack's errors that no retry can fix.
_PERMANENT = {
    "channel_not_found",
    "not_in_channel",
    "is_archived",
    "user_not_found",
    "cannot_dm_bot",
    "user_disabled",
    "msg_too_long",
    "invalid_auth",
    "account_inactive",
    "missing_scope",
    "not_allowed_token_type",
}


@dataclass
class _Pace:
    """One channel's posts, one at a time and in order, and what spaces them: the budget
    the instances share, or (None) `pace_seconds` after the end of the last post from
    this process."""

    budget: SharedRateLimiter | None = None
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    last_end: float = -1e9  # time.monotonic()


def _delivery_error(exc: BaseException) -> DeliveryError:
    problem: SlackProblem = slack_problem(exc)
    return DeliveryError(f"Slack {problem}", permanent=problem.code in _PERMANENT)


class SlackDelivery:
    """Sends through slack_sdk's web client."""

    def __init__(
        self,
        client: AsyncWebClient,
        settings: SlackSettings,
        config: PlatformConfig,
        store: Store,
        clock: Clock,
    ) -> None:
        self.client = client
        self.settings = settings
        self.config = config
        self.store = store
        self.clock = clock
        self._channels: dict[str, str] = {}
        self._dm_channels: dict[str, str] = {}
        self._pace: dict[str, _Pace] = {}
        self._sent: dict[str, SentMessage] = {}

    async def _channel_id(self, channel: str) -> str:
        target = self.config.channels.get(channel) or self.config.rooms.get(channel) or channel
        target = target.lstrip("#")
        if re.fullmatch(r"[CGD][A-Z0-9]+", target):
            return target
        if target not in self._channels:
            cursor = None
            while True:
                page = await self.client.conversations_list(
                    types="public_channel,private_channel", limit=1000, cursor=cursor
                )
                found_channels: list[dict[str, Any]] = page.get("channels", [])
                for ch in found_channels:
                    self._channels.setdefault(str(ch["name"]), str(ch["id"]))
                cursor = (page.get("response_metadata") or {}).get("next_cursor")
                if not cursor:
                    break
        found = self._channels.get(target)
        if found is None:
            raise DeliveryError(
                f"no Slack channel {target!r} is visible to the bot", permanent=True
            )
        return found

    async def _find_delivered(self, channel_id: str, key: str) -> SentMessage | None:
        """The message an earlier attempt with `key` posted, if it got through.

        Slack has no idempotency key, so each post carries its key as message metadata
        and a retry after a crash looks at the channel's latest messages first.
        """
        try:
            history = await self.client.conversations_history(
                channel=channel_id, limit=100, include_all_metadata=True
            )
        except (SlackApiError, aiohttp.ClientError, TimeoutError) as exc:
            # Not knowing is not "not sent": try again later rather than risk a duplicate.
            raise DeliveryError(
                f"cannot check {channel_id} before a retry: {slack_problem(exc)}",
                permanent=False,
            ) from exc
        messages: list[dict[str, Any]] = history.get("messages", [])
        for m in messages:
            payload = (m.get("metadata") or {}).get("event_payload") or {}
            if payload.get("key") == key:
                return SentMessage(PLATFORM, channel_id, str(m["ts"]))
        return None

    async def post_to(
        self, channel_id: str, reply: Reply, key: str | None, first_attempt: bool
    ) -> SentMessage:
        """Post to a channel by its id (a file as an upload), paced per channel; a retry
        of a keyed post first looks for the earlier attempt."""
        if key and not first_attempt:
            earlier = await self._find_delivered(channel_id, key)
            if earlier is not None:
                return earlier
        pace = self._pace.get(channel_id) or self._paced(channel_id)
        async with pace.lock:
            if pace.budget is not None:
                await pace.budget.acquire()
            else:
                wait = pace.last_end + self.settings.pace_seconds - time.monotonic()
                if wait > 0:
                    await asyncio.sleep(wait)
            try:
                if reply.file is not None:
                    result = await self.client.files_upload_v2(
                        channel=channel_id,
                        content=reply.file.data,
                        filename=reply.file.filename,
                        title=reply.file.filename,
                        initial_comment=fallback_text(reply),
                    )
                    pace.last_end = time.monotonic()
                    files = result.get("files") or [{}]
                    return SentMessage(PLATFORM, channel_id, str(files[0].get("id", "")))
                extra: dict[str, Any] = {}
                if key:
                    extra["metadata"] = {
                        "event_type": "forum_bot_delivery",
                        "event_payload": {"key": key},
                    }
                result = await self.client.chat_postMessage(
                    channel=channel_id,
                    unfurl_links=False,
                    unfurl_media=False,
                    **message(reply),
                    **extra,
                )
            # SlackClientError: also the upload URL's refusal (SlackRequestError).
            except (SlackClientError, aiohttp.ClientError, TimeoutError) as exc:
                raise _delivery_error(exc) from exc
            pace.last_end = time.monotonic()
        return SentMessage(PLATFORM, str(result["channel"]), str(result["ts"]))

    def _paced(self, channel_id: str) -> _Pace:
        """The channel's pacing, made at its first post. Slack's limit is per channel and
        the bot's: on PostgreSQL the instances share a budget for a mapped channel, where
        their posts do collide. A DM ("D...") is paced here alone, as on SQLite: two
        instances rarely message one person at once, and a shared budget would cost a
        round trip per DM and a `rate_budgets` row per person, kept for good."""
        seconds = self.settings.pace_seconds
        shared = self.store.engine == POSTGRESQL and seconds > 0 and channel_id[:1] != "D"
        budget = (
            SharedRateLimiter(self.store, f"slack:{channel_id}", 1 / seconds) if shared else None
        )
        pace = self._pace[channel_id] = _Pace(budget)
        return pace

    async def post(
        self, channel: str, reply: Reply, *, key: str | None = None, first_attempt: bool = True
    ) -> SentMessage:
        """Post to a mapped channel, paced to about one message a second per channel."""
        if key and key in self._sent:
            return self._sent[key]
        try:
            channel_id = await self._channel_id(channel)
        except (SlackApiError, aiohttp.ClientError, TimeoutError) as exc:
            raise _delivery_error(exc) from exc
        sent = await self.post_to(channel_id, reply, key, first_attempt)
        if key:
            self._sent[key] = sent
        return sent

    async def dm(
        self, user: UserRef, reply: Reply, *, key: str | None = None, first_attempt: bool = True
    ) -> SentMessage:
        """Message one person in the bot's DM with them."""
        if key and key in self._sent:
            return self._sent[key]
        channel_id = await self._dm_channel(user.id)
        sent = await self.post_to(channel_id, reply, key, first_attempt)
        if key:
            self._sent[key] = sent
        return sent

    async def open_dm(self, user_id: str) -> None:
        """Open the person's DM ahead of any message (when they subscribe), and keep it."""
        await self._dm_channel(user_id)

    async def _dm_channel(self, user_id: str) -> str:
        """The person's DM: known since it was opened (in memory, or in the store across
        restarts), else opened now (conversations.open) and kept."""
        channel_id = self._dm_channels.get(user_id)
        if channel_id is not None:
            return channel_id
        store = self.store
        channel_id = await dm_channels.get(store, PLATFORM, user_id)
        if channel_id is None:
            try:
                opened = await self.client.conversations_open(users=user_id)
            except (SlackApiError, aiohttp.ClientError, TimeoutError) as exc:
                raise _delivery_error(exc) from exc
            channel_id = str(opened["channel"]["id"])
            await dm_channels.keep(store, PLATFORM, user_id, channel_id, self.clock.now())
        self._dm_channels[user_id] = channel_id
        return channel_id

    async def edit(self, sent: SentMessage, reply: Reply) -> None:
        """Replace a message the bot sent (chat.update)."""
        try:
            await self.client.chat_update(
                channel=sent.channel_id, ts=sent.message_id, **message(reply)
            )
        except (SlackApiError, aiohttp.ClientError, TimeoutError) as exc:
            raise _delivery_error(exc) from exc
