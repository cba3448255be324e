"""The Discord adapter: discord.py 2.7, application commands generated from CommandSpecs.

The command tree of discord.py wants one Python function per command, with the options in
its signature. Ours are declared once as data, so the adapter writes Discord's command JSON
itself, syncs it with one bulk request, and answers every interaction from `on_interaction`.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import logging
from collections.abc import Coroutine
from dataclasses import dataclass, replace
from typing import Any, cast

import aiohttp
import discord
import yarl
from discord.http import Route
from discord.webhook.async_ import async_context

from bot.core.dispatch import Core
from bot.core.model import (
    Action,
    Attachment,
    ChannelRef,
    Invocation,
    Reply,
    Role,
    UserRef,
    roles_up_to,
)
from bot.core.text import clip
from bot.platforms.base import (
    RenderMemo,
    SentMessage,
    StartupError,
    replaces_view,
    without_form,
)
from bot.platforms.discord.commands import PLATFORM, command_payload
from bot.platforms.discord.delivery import DiscordDelivery
from bot.platforms.discord.events import ScheduledEvents
from bot.platforms.discord.render import (
    _EPHEMERAL,
    _NO_MENTIONS,
    PAGE_LIMITS,
    message_data,
    modal_data,
    replacement_data,
    request_params,
    submitted_fields,
)
from bot.settings import PlatformConfig
from bot.storage import Store

log = logging.getLogger(__name__)


DEFAULT_API_BASE = "https://discord.com/api/v10"
DEFAULT_GATEWAY = "wss://gateway.discord.gg"
# Discord's error codes that no retry can fix.
_ALREADY_ACKNOWLEDGED = 40060
# Interaction callback types.
_CHANNEL_MESSAGE = 4
_DEFERRED_CHANNEL_MESSAGE = 5
_DEFERRED_UPDATE_MESSAGE = 6
_UPDATE_MESSAGE = 7
_AUTOCOMPLETE_RESULT = 8
_MODAL = 9
# How long an interaction answer or follow-up (a file, perhaps) may take to send.
_ANSWER_TIMEOUT = 10.0


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
        for listener in (
            self.on_ready,
            self.on_interaction,
            self.on_guild_role_create,
            self.on_guild_role_delete,
            self.on_guild_role_update,
            self.on_guild_available,
            self.on_scheduled_event_update,
            self.on_scheduled_event_delete,
        ):
            self.client.event(listener)
        self._role_ids: dict[int, dict[Role, tuple[int, ...]]] = {}
        core.page_limits[PLATFORM] = PAGE_LIMITS
        self._task: asyncio.Task[None] | None = None
        # Set by READY: the gateway is connected and the guilds are known.
        self._ready = asyncio.Event()
        self._syncing: asyncio.Task[None] | None = None
        # On PostgreSQL, another instance may lead: then `start` logs in for REST only.
        self.follower = False
        self.delivery = DiscordDelivery(self.client, settings, config, store, core.clock)
        # The programme in the server's Events list, when the event file asks for it.
        self.events = ScheduledEvents(
            self.client,
            core,
            settings.guild_ids,
            config.scheduled_events,
            store,
            self.delivery.limiter,
        )
        self.synced: list[dict[str, Any]] = []
        self._webhooks: aiohttp.ClientSession | None = None
        # A first answer's JSON, made once for a reply the core shares between people.
        self._rendered = RenderMemo(lambda r: message_data(r, ephemeral=r.ephemeral or r.error))

    # lifecycle
    async def start(self) -> None:
        """Log in, connect to the gateway, sync the commands; raises StartupError. A
        `follower` logs in only: its share of the outbox goes by REST until `lead`."""
        point_discord_py_at(self.settings.api_base, self.settings.gateway_url)
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
        if self.follower:
            log.info(
                "discord: logged in as %s; the leading instance holds the gateway", self.client.user
            )
            return
        if not await self._connect():
            error = self._gateway_error()
            await self.stop()
            if isinstance(error, discord.ConnectionClosed) and error.code == 4004:
                raise StartupError("Discord's gateway refused DISCORD_TOKEN (4004)")
            raise StartupError(f"Discord's gateway did not become ready ({error or 'timeout'})")
        await self._synced()

    async def lead(self) -> None:
        """Connect to the gateway and sync the commands: this instance now leads. Discord
        slow or down does not hold the planner up: discord.py keeps connecting, and the
        commands are synced once it is ready."""
        if self._task is not None and not self._task.done():
            return
        if await self._connect():
            try:
                await self._synced()
            except (StartupError, discord.HTTPException, aiohttp.ClientError, OSError) as exc:
                # The commands synced before still work: keep leading (giving the lead up
                # would reconnect the gateway every round, and Discord limits IDENTIFYs).
                log.error("discord: the commands could not be synced: %s", exc)
            return
        error = self._gateway_error()
        if error is not None:
            # A refused token or a bad state: discord.py gave up, and no retry helps.
            log.error("discord: the gateway failed (%s); commands are not answered", error)
            return
        log.warning(
            "discord: the gateway is not ready after %.0f s; still connecting",
            self.settings.ready_timeout,
        )
        self._syncing = asyncio.create_task(self._sync_when_ready(), name="discord-sync")

    async def follow(self) -> None:
        """Close the gateway (another instance leads and answers the commands) and stop
        mirroring the programme; sending by REST goes on."""
        await self.events.stop()
        await self._disconnect()
        log.info("discord: gateway closed; the leading instance holds it")

    async def _connect(self) -> bool:
        """Start the gateway's connection; whether it became ready in time (else it is
        still connecting, or it failed: `_gateway_error`)."""
        self._ready.clear()
        self._task = asyncio.create_task(self.client.connect(reconnect=True), name="discord")
        ready = asyncio.create_task(self._ready.wait())
        done, _ = await asyncio.wait(
            {self._task, ready},
            timeout=self.settings.ready_timeout,
            return_when=asyncio.FIRST_COMPLETED,
        )
        if ready in done:
            return True
        ready.cancel()
        return False

    def _gateway_error(self) -> BaseException | None:
        task = self._task
        if task is None or not task.done() or task.cancelled():
            return None
        return task.exception()

    async def _sync_when_ready(self) -> None:
        await self._ready.wait()
        try:
            await self._synced()
        except (StartupError, discord.HTTPException, aiohttp.ClientError, OSError) as exc:
            log.error("discord: the commands could not be synced: %s", exc)

    async def _synced(self) -> None:
        await self.sync_commands()
        log.info("discord: connected as %s, %d commands synced", self.client.user, len(self.synced))

    async def on_ready(self) -> None:
        """The gateway's READY, with the guilds (each IDENTIFY; a RESUME keeps the last)."""
        self._ready.set()

    async def _disconnect(self) -> None:
        """End the gateway's connection and its reconnecting loop; the HTTP session stays.

        discord.py closes both at once (`Client.close`), and a closed client cannot log in
        again in the same loop: so the loop is cancelled and its socket closed here."""
        for task in (self._syncing, self._task):
            if task is not None and not task.done():
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
        self._syncing = self._task = None
        ws = self.client.ws
        if ws is not None and ws.open:
            await ws.close(code=1000)
        self._ready.clear()

    async def stop(self) -> None:
        """Close the gateway and HTTP sessions."""
        await self.events.stop()
        if self._syncing is not None:
            self._syncing.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._syncing
        await self.client.close()
        if self._webhooks is not None:
            await self._webhooks.close()
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
        """Every slash command, autocomplete, button press and form arrives here."""
        try:
            if interaction.type is discord.InteractionType.application_command:
                await self._command(interaction)
            elif interaction.type is discord.InteractionType.autocomplete:
                await self._autocomplete(interaction)
            elif interaction.type is discord.InteractionType.component:
                await self._component(interaction)
            elif interaction.type is discord.InteractionType.modal_submit:
                await self._submitted(interaction)
        except discord.HTTPException as exc:
            log.warning("discord: answering interaction %s failed: %s", interaction.id, exc)
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            # A dropped connection (discord.py repeats a request only after a reset) or
            # no answer in time: one line, not a traceback; nothing more can be sent.
            log.warning(
                "discord: answering interaction %s failed: no answer from Discord (%s)",
                interaction.id,
                type(exc).__name__,
            )

    def _who(self, interaction: discord.Interaction) -> tuple[UserRef, ChannelRef, frozenset[Role]]:
        user = interaction.user
        channel = interaction.channel
        who = UserRef(PLATFORM, str(user.id), user.display_name)
        where = ChannelRef(
            PLATFORM, str(interaction.channel_id or ""), str(getattr(channel, "name", "") or "")
        )
        return who, where, self._roles(interaction)

    def _roles(self, interaction: discord.Interaction) -> frozenset[Role]:
        best = Role.PARTICIPANT
        member = interaction.user
        if isinstance(member, discord.Member):  # in a guild (a DM brings a User)
            for role, ids in self._mapped_role_ids(member.guild).items():
                if role > best and any(member.get_role(i) is not None for i in ids):
                    best = role
        return roles_up_to(best)

    def _mapped_role_ids(self, guild: discord.Guild) -> dict[Role, tuple[int, ...]]:
        """The ids of the guild's roles the event file maps (by name or by id), worked out
        once per guild from the roles discord.py caches (GUILD_CREATE, after each IDENTIFY)
        and again when a role changes: a member's `roles` list is built and sorted anew on
        every read, which cost more than the rest of a command's routing."""
        mapped = self._role_ids.get(guild.id)
        if mapped is None:
            mapped = {}
            for role_name, values in self.config.roles.items():
                ids = {int(v) for v in values if v.isdigit()}
                ids.update(r.id for r in guild.roles if r.name in values)
                mapped[Role.parse(role_name)] = tuple(sorted(ids))
            self._role_ids[guild.id] = mapped
        return mapped

    async def on_guild_role_create(self, role: discord.Role) -> None:
        """A role appeared: map the guild's roles again on the next command."""
        self._role_ids.pop(role.guild.id, None)

    async def on_guild_role_delete(self, role: discord.Role) -> None:
        """A role went: map the guild's roles again on the next command."""
        self._role_ids.pop(role.guild.id, None)

    async def on_guild_role_update(self, before: discord.Role, after: discord.Role) -> None:
        """A role was renamed (names may be mapped): map the guild's roles again."""
        self._role_ids.pop(after.guild.id, None)

    async def on_guild_available(self, guild: discord.Guild) -> None:
        """A guild (re)appeared with its roles as they are now (and its events)."""
        self._role_ids.pop(guild.id, None)
        self.events.guild_appeared()

    async def on_scheduled_event_update(
        self, before: discord.ScheduledEvent, after: discord.ScheduledEvent
    ) -> None:
        """An event ended or was cancelled: a session left without one may have it now."""
        if after.status in (discord.EventStatus.completed, discord.EventStatus.cancelled):
            self.events.slot_freed()

    async def on_scheduled_event_delete(self, event: discord.ScheduledEvent) -> None:
        """An event went: a session left without one may have it now."""
        self.events.slot_freed()

    # the programme as scheduled events
    def programme_changed(self) -> None:
        """The agenda is current (at start) or changed: bring the events in step."""
        self.events.request()

    async def interested(self, session_id: str) -> list[str]:
        """Who Discord lists as interested in the session's event (when asked for)."""
        return await self.events.interested(session_id)

    async def _command(self, interaction: discord.Interaction) -> None:
        data: dict[str, Any] = dict(interaction.data or {})
        name = str(data.get("name", ""))
        args = {str(o["name"]): o.get("value") for o in data.get("options", []) if "name" in o}
        user, channel, roles = self._who(interaction)
        inv = Invocation(PLATFORM, name, user, channel, args, roles, str(interaction.locale))
        spec = self.core.spec(name)
        ephemeral = spec.ephemeral if spec else True
        defer: dict[str, Any] = {"type": _DEFERRED_CHANNEL_MESSAGE}
        if ephemeral:
            defer["data"] = {"flags": _EPHEMERAL}
        reply, deferred = await self._in_time(interaction, self.core.dispatch(inv), defer)
        if not deferred:
            if reply.form is not None:
                await self._open_form(interaction, reply)
            else:
                await self._respond(interaction, reply)
            return
        if reply.form is not None:
            # A modal can only be an interaction's first answer: too late for one now.
            reply = await self._without_form(interaction, reply)
        data_, more = message_data(reply, ephemeral=reply.ephemeral or reply.error or ephemeral)
        await self._followup(interaction, data_, reply.file)
        await self._rest(interaction, more, ephemeral)

    async def _in_time(
        self,
        interaction: discord.Interaction,
        work: Coroutine[Any, Any, Reply],
        defer: dict[str, Any],
    ) -> tuple[Reply, bool]:
        """The handler's reply, and whether `defer` (a deferred callback) was sent first:
        it is, should the handler still be running `defer_after` after the interaction was
        created, so Discord's 3-second deadline for the first answer is met. A handler
        that answers at once (a form's: a modal must be the first answer) beats the timer.
        Raises if the defer was refused: nothing can follow it then."""
        # The deadline runs from the interaction's creation, not from when we got to it.
        age = (discord.utils.utcnow() - interaction.created_at).total_seconds()
        wait = self.settings.defer_after - min(max(age, 0.0), self.settings.defer_after)
        # The handler runs in this task, and a timer defers it should it still be running
        # after `wait`: no second task, and no turn of the event loop lost waiting for one
        # (on a busy loop each turn waits behind every ready task).
        loop = asyncio.get_running_loop()
        deferral: list[asyncio.Task[None]] = []

        def fire() -> None:
            deferral.append(loop.create_task(self._callback(interaction, defer)))

        timer = loop.call_later(wait, fire)
        try:
            # Even when the defer fails, the handler's work (and its writes) completes.
            reply = await work
        except BaseException:
            for task in deferral:
                task.cancel()
            raise
        finally:
            timer.cancel()
        if not deferral:
            return reply, False
        await deferral[0]
        return reply, True

    async def _respond(self, interaction: discord.Interaction, reply: Reply) -> None:
        """The first answer to an interaction (a message), then the rest as follow-ups."""
        ephemeral = reply.ephemeral or reply.error
        data, more = self._rendered(reply)
        await self._callback(interaction, {"type": _CHANNEL_MESSAGE, "data": data}, reply.file)
        await self._rest(interaction, more, ephemeral)

    async def _open_form(self, interaction: discord.Interaction, reply: Reply) -> None:
        """A reply's form as the interaction's first answer: a modal. One whose action and
        value do not fit a modal's id gets the form's fallback instead."""
        assert reply.form is not None
        data = modal_data(reply.form)
        if data is not None:
            await self._callback(interaction, {"type": _MODAL, "data": data})
            return
        log.warning(
            "discord: the form of %s does not fit a modal's id; its fallback was shown",
            reply.form.action_id,
        )
        told = await self._without_form(interaction, reply)
        await self._respond(interaction, replace(told, ephemeral=True))

    async def _without_form(self, interaction: discord.Interaction, reply: Reply) -> Reply:
        user, _, _ = self._who(interaction)
        t = await self.core.translator_for(user, str(interaction.locale))
        return without_form(reply, t("form.unavailable"))

    async def _rest(self, interaction: discord.Interaction, chunks: list[str], eph: bool) -> None:
        for chunk in chunks:
            data: dict[str, Any] = {"content": chunk, "allowed_mentions": _NO_MENTIONS}
            if eph:
                data["flags"] = _EPHEMERAL
            await self._followup(interaction, data, None)

    async def _callback(
        self,
        interaction: discord.Interaction,
        body: dict[str, Any],
        file: Attachment | None = None,
    ) -> None:
        """An interaction's one callback, through discord.py's webhook adapter: the path
        its own `InteractionResponse` takes, with a lock per interaction that lives only
        while the request does (the REST client's buckets would keep one per interaction
        for minutes, and scanning them cost more than the command). It waits out a 429
        and repeats a request after a 5xx or a reset connection; a repeat that Discord
        refuses with 40060 (already acknowledged) means the first attempt arrived.
        """
        prepared = request_params(body, file)
        try:
            with prepared:  # closes the file, if any, once sent
                await async_context.get().create_interaction_response(
                    interaction.id,
                    interaction.token,
                    session=self._webhook_session(),
                    params=prepared,
                )
        except discord.HTTPException as exc:
            if exc.code != _ALREADY_ACKNOWLEDGED:
                raise
            # Either discord.py's repeat after a 5xx found its first attempt taken, or
            # something else answered first: nothing to send again either way.
            log.warning(
                "discord: interaction %s was already answered (40060); not sent again",
                interaction.id,
            )
        except TimeoutError:
            raise discord.HTTPException(cast(Any, _NoAnswer()), "no answer in time") from None

    async def _followup(
        self, interaction: discord.Interaction, data: dict[str, Any], file: Attachment | None
    ) -> None:
        """A message after the first answer (or the answer after a defer)."""
        prepared = request_params(data, file)
        with prepared:
            await async_context.get().execute_webhook(
                interaction.application_id,
                interaction.token,
                session=self._webhook_session(),
                payload=None if prepared.files else prepared.payload,
                multipart=prepared.multipart,
                files=prepared.files,
                wait=True,
            )

    async def _edit_original(self, interaction: discord.Interaction, data: dict[str, Any]) -> None:
        """Replace the message the interaction answers (after a deferred update: the
        message its button is on)."""
        await async_context.get().edit_original_interaction_response(
            interaction.application_id,
            interaction.token,
            session=self._webhook_session(),
            payload=data,
        )

    def _webhook_session(self) -> aiohttp.ClientSession:
        """The HTTP session for interaction answers, made on first use (on the loop)."""
        if self._webhooks is None:
            self._webhooks = aiohttp.ClientSession(
                headers={"User-Agent": self.client.http.user_agent},
                # No cap on connections, as discord.py's own session: aiohttp's default
                # of 100 would queue the answers of a burst behind each other.
                connector=aiohttp.TCPConnector(limit=0),
                # An answer later than 3 s is refused anyway: do not wait long for Discord
                # to take one (aiohttp's own timer, which every request has anyway).
                timeout=aiohttp.ClientTimeout(total=_ANSWER_TIMEOUT),
            )
        return self._webhooks

    async def _autocomplete(self, interaction: discord.Interaction) -> None:
        data: dict[str, Any] = dict(interaction.data or {})
        spec = self.core.spec(str(data.get("name", "")))
        focused = next((o for o in data.get("options", []) if o.get("focused")), None)
        opt = spec.option(str(focused["name"])) if spec and focused else None
        choices: list[dict[str, str]] = []
        if opt is not None and opt.autocomplete and focused is not None:
            user, _, _ = self._who(interaction)
            pairs = await self.core.suggest(
                opt.autocomplete, str(focused.get("value", "")), user, str(interaction.locale)
            )
            choices = [
                {"name": clip(label, 100), "value": value[:100]} for label, value in pairs[:25]
            ]
        await self._callback(
            interaction, {"type": _AUTOCOMPLETE_RESULT, "data": {"choices": choices}}
        )

    async def _component(self, interaction: discord.Interaction) -> None:
        data: dict[str, Any] = dict(interaction.data or {})
        action_id, _, value = str(data.get("custom_id", "")).partition("|")
        user, channel, roles = self._who(interaction)
        act = Action(PLATFORM, action_id, value, user, channel, roles, str(interaction.locale))
        message = interaction.message
        # Pressed on the asker's own answer, the reply may turn its page in place.
        own = message is not None and message.flags.ephemeral
        # A slow handler (Translate waits on the provider) is deferred as a command is:
        # silently on the asker's own answer (its page may turn later, or a message
        # follow), with "thinking" for the presser alone anywhere else.
        defer: dict[str, Any] = (
            {"type": _DEFERRED_UPDATE_MESSAGE}
            if own
            else {"type": _DEFERRED_CHANNEL_MESSAGE, "data": {"flags": _EPHEMERAL}}
        )
        reply, deferred = await self._in_time(interaction, self.core.on_action(act), defer)
        if reply.form is not None:
            if not deferred:
                await self._open_form(interaction, reply)
                return
            # A modal can only be an interaction's first answer: too late for one now.
            reply = await self._without_form(interaction, reply)
        if own and replaces_view(reply):
            # The asker's own answer: turn the page in place instead of adding a message.
            if deferred:
                await self._edit_original(interaction, replacement_data(reply))
            else:
                body = {"type": _UPDATE_MESSAGE, "data": replacement_data(reply)}
                await self._callback(interaction, body)
            return
        if not reply.ephemeral:  # a reply to a press is for the presser alone
            reply = replace(reply, ephemeral=True)
        if not deferred:
            await self._respond(interaction, reply)
            return
        data_, more = message_data(reply, ephemeral=True)
        await self._followup(interaction, data_, reply.file)
        await self._rest(interaction, more, True)

    async def _submitted(self, interaction: discord.Interaction) -> None:
        """A form's submission (MODAL_SUBMIT): the modal's id names the action and its
        value, the text inputs are its fields; the answer is for the submitter alone."""
        data: dict[str, Any] = dict(interaction.data or {})
        action_id, _, value = str(data.get("custom_id", "")).partition("|")
        user, channel, roles = self._who(interaction)
        fields = submitted_fields(data.get("components"))
        act = Action(
            PLATFORM, action_id, value, user, channel, roles, str(interaction.locale), fields
        )
        reply = await self.core.on_action(act)
        if reply.form is not None:
            # Discord opens no modal in answer to a modal.
            reply = await self._without_form(interaction, reply)
        await self._respond(interaction, replace(reply, ephemeral=True))

    # outbound
    async def post(
        self, channel: str, reply: Reply, *, key: str | None = None, first_attempt: bool = True
    ) -> SentMessage:
        """Post to a mapped channel; with `key`, a retry returns the first message."""
        return await self.delivery.post(channel, reply, key=key)

    async def dm(
        self, user: UserRef, reply: Reply, *, key: str | None = None, first_attempt: bool = True
    ) -> SentMessage:
        """Message one person; a person who accepts no DMs is recorded and not retried."""
        return await self.delivery.dm(user, reply, key=key)

    async def open_dm(self, user_id: str) -> None:
        """Open the person's DM channel ahead of any DM (when they subscribe), and keep it."""
        await self.delivery.open_dm(user_id)

    async def edit(self, sent: SentMessage, reply: Reply) -> None:
        """Replace a message the bot sent."""
        await self.delivery.edit(sent, reply)


class _NoAnswer:
    """What discord.HTTPException reads of a response, when none came in time."""

    status = 0
    reason = "no answer"


def point_discord_py_at(api_base: str, gateway_url: str) -> None:
    """Send discord.py's REST requests and gateway connection to these addresses.

    discord.py has no setting for either: both are class attributes (`Route.BASE`,
    `DiscordWebSocket.DEFAULT_GATEWAY`), so they are process-wide, set once at start.
    Production uses Discord's own; tests (and a REST or gateway proxy) use others. This
    is the one place the adapter sets anything inside discord.py. Beyond its documented
    API it also uses, read-only: `Client.http` and `discord.http.MultipartParameters`
    (posts and edits), and the webhook adapter in `discord.webhook.async_` (interaction
    answers, as `InteractionResponse` does); pyproject keeps discord.py within 2.7.x, and
    the adapter's tests exercise each of them against the fake.
    """
    Route.BASE = api_base.rstrip("/")
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway_url)


def application_id_from_token(token: str) -> str | None:
    """A bot token's first part is its application id, in base64."""
    head = token.split(".", 1)[0]
    try:
        decoded = base64.b64decode(head + "=" * (-len(head) % 4)).decode("ascii")
    except (ValueError, UnicodeDecodeError):
        return None
    return decoded if decoded.isdigit() else None


def invite_url(application_id: str, *, events: bool = False) -> str:
    """The OAuth2 link that adds the bot with exactly the scopes and permissions it uses;
    `events`: it keeps the programme in the server's Events list too."""
    permissions = discord.Permissions(
        view_channel=True,  # see the channels it posts to
        send_messages=True,  # reminders, announcements, question cards
        send_messages_in_threads=True,  # answers in threads
        embed_links=True,  # sessions as embeds
        attach_files=True,  # .ics and Q&A exports
        read_message_history=True,  # edit its own question cards
        # Create its sessions' events, and change and delete them (its own only).
        create_events=events,
    )
    query = (
        f"client_id={application_id}&scope=bot+applications.commands"
        f"&permissions={permissions.value}&integration_type=0"
    )
    return f"https://discord.com/oauth2/authorize?{query}"
