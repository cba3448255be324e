"""The Slack adapter: slack-bolt's AsyncApp over HTTP or Socket Mode, Block Kit.

Every CommandSpec is a slash command. Bolt acks within Slack's 3 seconds: a quick answer
rides on the ack itself, a slow one is acked empty and answered through `respond`.
Bolt runs with `process_before_response`: the ack goes out when the listener returns, so
every listener acks first and leaves slower work (a late answer, a button's effect, the
App Home) to a task of the adapter's.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Coroutine
from dataclasses import dataclass, replace
from typing import Any

import aiohttp
from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient

from bot.core.dispatch import Core
from bot.core.model import (
    Action,
    ChannelRef,
    Reply,
    Role,
    UserRef,
    joined,
    plain,
    roles_up_to,
)
from bot.core.tasks import Background
from bot.core.text import clip
from bot.logs import Throttled
from bot.platforms.base import (
    DeliveryError,
    RenderMemo,
    SentMessage,
    StartupError,
    replaces_view,
    without_form,
)
from bot.platforms.slack.delivery import SlackDelivery
from bot.platforms.slack.errors import slack_problem
from bot.platforms.slack.manifest import slack_name
from bot.platforms.slack.render import (
    FORM_CALLBACK,
    PAGE_LIMITS,
    answer_view,
    first_input,
    form_metadata,
    form_view,
    message,
    read_form_metadata,
    render_blocks,
    submitted_fields,
)
from bot.settings import PlatformConfig

log = logging.getLogger(__name__)


PLATFORM = "slack"
DEFAULT_API_BASE = "https://slack.com/api/"
EVENTS_PATH = "/slack/events"
# A refusal shown under a form's input: one short paragraph.
_FIELD_ERROR = 300
# Errors no retry can fix.


@dataclass(frozen=True)
class SlackSettings:
    """How to reach Slack and how Slack reaches the bot."""

    bot_token: str
    signing_secret: str
    app_token: str | None = None  # set: Socket Mode; unset: HTTP on the web server
    api_base: str = DEFAULT_API_BASE
    command_prefix: str = ""
    # A handler still running after this long is acked empty and answered by `respond`.
    ack_after: float = 1.5
    # Slack allows about one message per second per channel.
    pace_seconds: float = 1.0
    # How long a user group's membership is trusted before it is asked again.
    roles_ttl: float = 300.0
    # After a failed look-up, how long the last known roles serve before asking again.
    roles_retry: float = 60.0
    # Slack's payloads are a few kilobytes; this is plenty, and bounds what a stranger sends.
    max_body: int = 1024 * 1024
    # A body still arriving after this long is not Slack's (Slack sends it at once).
    body_timeout: float = 5.0


class SlackAdapter:
    """Slack through a real slack-bolt AsyncApp."""

    name = PLATFORM

    def __init__(self, core: Core, settings: SlackSettings, config: PlatformConfig) -> None:
        self.core = core
        self.settings = settings
        self.config = config
        self.client = AsyncWebClient(
            token=settings.bot_token,
            base_url=settings.api_base,
            # Only 429s are retried here: Slack did nothing then. A 5xx or a dropped
            # connection may come after a post was made, so those go back to the outbox,
            # whose retry first looks for the post (its key is in its metadata).
            retry_handlers=[AsyncRateLimitErrorRetryHandler(max_retry_count=3)],
        )
        self.delivery = SlackDelivery(self.client, settings, config, core.store, core.clock)
        self.app = AsyncApp(
            client=self.client,
            signing_secret=settings.signing_secret,
            # Bolt answers once the listener returns, instead of polling every 10 ms for
            # ack() while the listener runs in a task of its own: listeners here ack, then
            # hand any slower work to a task (`_spawn`), so the ack is never held up.
            process_before_response=True,
            # `_serve` checks signatures before Bolt parses a body (see there).
            request_verification_enabled=False,
            # Slash commands and buttons come from people, never from the bot itself, and
            # the one event it takes (app_home_opened) neither: a middleware less a request.
            ignoring_self_events_enabled=False,
        )
        self._register()
        core.page_limits[PLATFORM] = PAGE_LIMITS
        # HTTP mode only; the app refuses to start it without a signing secret.
        secret = settings.signing_secret.strip()
        self._verifier = SignatureVerifier(secret) if secret else None
        self._rendered = RenderMemo(message)
        self._refused = Throttled(log)
        self._socket: Any = None
        self._role_members: dict[str, set[str]] = {}
        self._roles_fetched = -1e9
        self._roles_failing = False
        self._roles_lock = asyncio.Lock()
        self._tasks = Background(log, "slack: a listener, after its ack,")

    @property
    def http_mode(self) -> bool:
        """Slack reaches the bot over HTTP (the web server's /slack/events), not a socket."""
        return not self.settings.app_token

    def add_routes(self, app: web.Application) -> None:
        """Mount `/slack/events` on the bot's one web server (HTTP mode only)."""
        if self.http_mode:
            app.router.add_post(EVENTS_PATH, self._serve)

    # lifecycle
    async def start(self) -> None:
        """Check the token, then (Socket Mode) connect; HTTP mode is served by the web server."""
        if self.client.session is None or self.client.session.closed:
            # One session for every Web API call: without one, slack_sdk opens (and
            # closes) a session per call, a new connection (and TLS handshake) per message.
            self.client.session = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=self.client.timeout)
            )
        try:
            auth = await self.client.auth_test()
        except Exception as exc:
            problem = slack_problem(exc)
            if problem.code in ("invalid_auth", "not_authed", "account_inactive", "token_revoked"):
                raise StartupError(
                    f"Slack refused SLACK_BOT_TOKEN ({problem.code}): copy the Bot User OAuth "
                    "Token (xoxb-...) from the app's OAuth & Permissions page"
                ) from exc
            raise StartupError(
                f"cannot check SLACK_BOT_TOKEN at {self.settings.api_base} ({problem})"
            ) from exc
        if self.settings.app_token:
            from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

            self._socket = AsyncSocketModeHandler(self.app, self.settings.app_token)
            try:
                await asyncio.wait_for(self._socket.connect_async(), 30)
            except Exception as exc:
                await self._socket.close_async()
                raise StartupError(f"Slack Socket Mode did not connect: {exc}") from exc
            mode = "Socket Mode"
        else:
            mode = f"HTTP at {EVENTS_PATH} on the web server"
        log.info("slack: connected to %s as %s, %s", auth.get("team"), auth.get("user"), mode)

    async def stop(self) -> None:
        """Disconnect, give answers under way a moment, cancel the rest."""
        if self._socket is not None:
            await self._socket.close_async()
            self._socket = None
        await self._tasks.stop(grace=1.0)
        if self.client.session is not None:
            await self.client.session.close()

    # inbound
    async def _serve(self, request: web.Request) -> web.StreamResponse:
        """A POST from Slack: size and time bounded, signature checked, then Bolt.

        The signature is checked here, with slack_sdk's verifier, before Bolt parses the
        body: a forged request costs one HMAC and gets a short log line, where Bolt would
        parse it and log all of it (a flood of 1 MiB forgeries once grew the log by
        gigabytes). Bolt's own check is off for that reason (`request_verification_enabled`).
        """
        size = request.content_length
        if size is not None and size > self.settings.max_body:
            # Refused before the body is read: aiohttp then drops the connection.
            return _refusal(413, "the body is larger than Slack sends")
        try:
            if request.content.is_eof():
                # The whole body came with the headers, as Slack's small ones do: no
                # waiting, so no timer either (it costs more than the read).
                body = await request.text()
            else:
                async with asyncio.timeout(self.settings.body_timeout):
                    body = await request.text()
        except web.HTTPRequestEntityTooLarge:
            return _refusal(413, "the body is larger than Slack sends")
        except TimeoutError:
            return _refusal(408, "the body did not arrive in time")
        except (UnicodeDecodeError, LookupError):
            # Not UTF-8, or a charset Python does not know (aiohttp decodes by the
            # request's own Content-Type): neither is Slack's.
            return _refusal(400, "the body is not UTF-8")
        if not self._signed(body, request):
            self._refused.warning(
                "slack: refused %d bytes from %s: signature verification failed",
                len(body),
                request.remote,
            )
            return _refusal(401, "invalid request")
        try:
            # Bolt's adapter reads the body aiohttp keeps from the read above.
            bolt_request = await to_bolt_request(request)
        except (ValueError, TypeError, AttributeError, KeyError):
            # Signed, yet not a payload Bolt can read: Slack never sends one.
            log.warning("slack: a signed request whose body Bolt cannot read was refused")
            return _refusal(400, "the body is not a Slack payload")
        return await to_aiohttp_response(await self.app.async_dispatch(bolt_request))

    def _signed(self, body: str, request: web.Request) -> bool:
        timestamp = request.headers.get("X-Slack-Request-Timestamp", "")
        signature = request.headers.get("X-Slack-Signature", "")
        if self._verifier is None or not timestamp.isascii() or not timestamp.isdigit():
            return False
        return self._verifier.is_valid(body, timestamp, signature)

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        """Work after the ack: Bolt sends the ack once the listener returns."""
        self._tasks.spawn(work)

    def _register(self) -> None:
        # One listener for every command: Bolt runs each listener's matcher on every
        # request, so sixteen listeners cost sixteen matchers per command.
        prefix = self.settings.command_prefix
        # A command's Slack name (no prefix) back to ours: /remindme is /remind.
        self._ours = {slack_name(spec.name): spec.name for spec in self.core.commands}
        # /help shows the names people type here.
        self.core.command_names[PLATFORM] = {
            spec.name: slack_name(spec.name, prefix)
            for spec in self.core.commands
            if slack_name(spec.name, prefix) != spec.name
        }
        names = "|".join(re.escape(name) for name in self._ours)
        self.app.command(re.compile(rf"^/{re.escape(prefix)}(?:{names})$"))(self._command)
        self.app.action(re.compile(r".+"))(self._action)
        self.app.view(FORM_CALLBACK)(self._submitted)
        self.app.event("app_home_opened")(self._home)

    async def _roles(self, user_id: str) -> frozenset[Role]:
        roles = {Role.PARTICIPANT}
        if time.monotonic() - self._roles_fetched > self.settings.roles_ttl:
            # One refresh for a burst of commands, not one each (Slack limits these calls).
            async with self._roles_lock:
                if time.monotonic() - self._roles_fetched > self.settings.roles_ttl:
                    await self._refresh_roles()
        for role_name in self.config.roles:
            if user_id in self._role_members.get(role_name, set()):
                roles.add(Role.parse(role_name))
        return roles_up_to(max(roles))

    async def _refresh_roles(self) -> None:
        """Role members: user ids as given, user groups (by id or handle) expanded."""
        members: dict[str, set[str]] = {}
        handles: dict[str, str] = {}
        wanted = [v for values in self.config.roles.values() for v in values]
        try:
            if any(not re.fullmatch(r"[UWS][A-Z0-9]+", v) for v in wanted):
                groups = await self.client.usergroups_list()
                listed: list[dict[str, Any]] = groups.get("usergroups", [])
                handles = {str(g["handle"]): str(g["id"]) for g in listed}
            for role_name, values in self.config.roles.items():
                ids: set[str] = set()
                for value in values:
                    value = value.lstrip("@")
                    group = value if value.startswith("S") and value.isupper() else None
                    group = group or handles.get(value)
                    if group:
                        found = await self.client.usergroups_users_list(usergroup=group)
                        users: list[Any] = found.get("users") or []
                        ids.update(str(u) for u in users)
                    else:
                        ids.add(value)
                members[role_name] = ids
        except Exception as exc:
            # Whatever answered (a text 405, a proxy's HTML, broken JSON, nothing at all),
            # keep the roles last known: a Slack hiccup must not make moderators
            # participants, nor fail the command. Ask again after a while, not every time.
            if not self._roles_failing:
                log.warning(
                    "slack: cannot read user groups (%s); keeping the roles last known, "
                    "asking again every %.0f s",
                    slack_problem(exc),
                    self.settings.roles_retry,
                )
            self._roles_failing = True
            self._roles_fetched = (
                time.monotonic() - self.settings.roles_ttl + self.settings.roles_retry
            )
            return
        if self._roles_failing:
            log.info("slack: user groups read again")
        self._roles_failing = False
        self._role_members = members
        self._roles_fetched = time.monotonic()

    async def _command(self, ack: Any, command: dict[str, Any], respond: Any) -> None:
        name = str(command.get("command", "")).lstrip("/")
        name = name.removeprefix(self.settings.command_prefix)
        name = self._ours.get(name, name)
        user = UserRef(PLATFORM, str(command.get("user_id", "")), str(command.get("user_name", "")))
        channel = ChannelRef(
            PLATFORM, str(command.get("channel_id", "")), str(command.get("channel_name", ""))
        )
        work = asyncio.create_task(
            self._dispatch(name, str(command.get("text", "")), user, channel)
        )
        if await _finished_within(work, self.settings.ack_after):
            reply = work.result()
            if reply.form is not None:
                await ack()
                trigger = str(command.get("trigger_id", ""))
                self._spawn(self._open_form(trigger, reply, user, channel, respond))
                return
            if reply.file is None:
                await ack(response_type=_response_type(reply), **self._rendered(reply))
                return
        # Slack needs its ack within 3 seconds; the answer follows through response_url
        # (a file's after its upload, which can take longer, so the answer tells how it went).
        await ack()
        trigger = str(command.get("trigger_id", ""))
        self._spawn(self._answer_later(work, user, channel, respond, trigger))

    async def _answer_later(
        self,
        work: asyncio.Task[Reply],
        user: UserRef,
        channel: ChannelRef,
        respond: Any,
        trigger: str,
    ) -> None:
        reply = await work
        if reply.form is not None:
            await self._open_form(trigger, reply, user, channel, respond)
            return
        if reply.file is not None:
            told = await self._send_file(reply, user, channel)
            if told is None:
                return
            reply = told
        await respond(response_type=_response_type(reply), **message(reply))

    async def _send_file(self, reply: Reply, user: UserRef, channel: ChannelRef) -> Reply | None:
        """Upload a reply's file (files_upload_v2); what to tell the asker then, or None when
        the file's own message in the channel says it all.

        Slack has no ephemeral files: the file of an answer for the asker alone goes to
        their DM with the bot, that of a public answer to the channel it was asked in.
        """
        assert reply.file is not None
        personal = _response_type(reply) == "ephemeral"
        filename = reply.file.filename
        try:
            if personal:
                await self.dm(user, reply)
            else:
                await self.delivery.post_to(channel.id, reply, None, True)
        except DeliveryError as exc:
            code = slack_problem(exc.__cause__).code if exc.__cause__ else ""
            log.warning(
                "slack: could not send %s to %s (%s): %s",
                filename,
                user.id if personal else channel.id,
                "their DM" if personal else "the channel",
                exc,
            )
            t = await self.core.translator_for(user)
            key = "slack.file_not_in_channel" if code == "not_in_channel" else "slack.file_failed"
            return Reply(t(key, filename=filename), error=True)
        if not personal:
            return None
        t = await self.core.translator_for(user)
        return _with_note(reply, t("slack.file_in_dm", filename=filename))

    async def _dispatch(self, name: str, text: str, user: UserRef, channel: ChannelRef) -> Reply:
        roles = await self._roles(user.id)
        return await self.core.dispatch_text(PLATFORM, f"/{name} {text}", user, channel, roles)

    async def _action(self, ack: Any, body: dict[str, Any], respond: Any) -> None:
        await ack()
        self._spawn(self._act(body, respond))

    async def _act(self, body: dict[str, Any], respond: Any) -> None:
        pressed = (body.get("actions") or [{}])[0]
        action_name = str(pressed.get("action_id", "")).rsplit("#", 1)[0]
        value = str(pressed.get("value", ""))
        who = body.get("user") or {}
        user = UserRef(PLATFORM, str(who.get("id", "")), str(who.get("username", "")))
        where = body.get("channel") or {}
        channel = ChannelRef(PLATFORM, str(where.get("id", "")), str(where.get("name", "")))
        roles = await self._roles(user.id)
        reply = await self.core.on_action(
            Action(PLATFORM, action_name, value, user, channel, roles)
        )
        if reply.form is not None:
            await self._open_form(str(body.get("trigger_id", "")), reply, user, channel, respond)
            return
        if reply.file is not None:
            told = await self._send_file(reply, user, channel)
            if told is not None:
                await respond(response_type="ephemeral", replace_original=False, **message(told))
            return
        container = body.get("container") or {}
        if container.get("is_ephemeral") and replaces_view(reply):
            # The asker's own answer: turn the page in place.
            await respond(replace_original=True, **message(reply))
        else:
            await respond(response_type="ephemeral", replace_original=False, **message(reply))

    async def _open_form(
        self, trigger: str, reply: Reply, user: UserRef, channel: ChannelRef, respond: Any
    ) -> None:
        """Open a reply's form as a modal with the interaction's trigger_id, which Slack
        takes for 3 seconds only: nothing else comes first. A modal Slack refuses (the
        trigger expired) leaves the person a short message, and the bot running."""
        form = reply.form
        assert form is not None
        t = await self.core.translator_for(user)
        metadata = form_metadata(form, channel.id)
        if metadata is None:
            log.warning(
                "slack: the form of %s does not fit a modal; its fallback was shown", form.action_id
            )
            told = without_form(reply, t("form.unavailable"))
        else:
            view = form_view(form, metadata, t("form.submit"), t("form.close"))
            try:
                await self.client.views_open(trigger_id=trigger, view=view)
                return
            except Exception as exc:
                log.warning(
                    "slack: could not open the form of %s for %s (%s)",
                    form.action_id,
                    user.id,
                    slack_problem(exc),
                )
            told = Reply(t("form.expired"), error=True)
        await respond(response_type="ephemeral", replace_original=False, **message(told))

    async def _submitted(self, ack: Any, body: dict[str, Any]) -> None:
        """A form's submission (view_submission). Acked with the answer when it is ready in
        Slack's time: a refusal under the form's first input (the text typed stays), else
        the answer in place of the form. A slower answer replaces a "working" view."""
        view: dict[str, Any] = _dict(body.get("view"))
        who = _dict(body.get("user"))
        user = UserRef(PLATFORM, str(who.get("id", "")), str(who.get("username", "")))
        target = read_form_metadata(str(view.get("private_metadata", "")))
        work = asyncio.create_task(self._submit(target, submitted_fields(view), user))
        if await _finished_within(work, self.settings.ack_after):
            await ack(**await self._view_answer(work.result(), view, user, refuse_in_form=True))
            return
        t = await self.core.translator_for(user)
        await ack(
            response_action="update",
            view=answer_view(Reply(t("form.working")), _title(view), t("form.dismiss"), ""),
        )
        self._spawn(self._answer_view_later(work, view, user))

    async def _submit(
        self, target: tuple[str, str, str] | None, fields: dict[str, str], user: UserRef
    ) -> Reply:
        if target is None:
            t = await self.core.translator_for(user)
            return Reply(t("form.unreadable"), error=True)
        action_id, value, channel_id = target
        roles = await self._roles(user.id)
        channel = ChannelRef(PLATFORM, channel_id)
        act = Action(PLATFORM, action_id, value, user, channel, roles, None, fields)
        reply = await self.core.on_action(act)
        if reply.file is not None:
            # Slack shows no file in a modal: it goes to the person's DM, as a button's.
            self._spawn(self._file_only(reply, user, channel))
        return reply

    async def _file_only(self, reply: Reply, user: UserRef, channel: ChannelRef) -> None:
        await self._send_file(replace(reply, ephemeral=True), user, channel)

    async def _view_answer(
        self, reply: Reply, view: dict[str, Any], user: UserRef, *, refuse_in_form: bool
    ) -> dict[str, Any]:
        """How a submitted form is answered: a refusal under its first input (only while
        the form is still shown), another form, or a view with the answer."""
        t = await self.core.translator_for(user)
        first = first_input(view)
        if reply.error and refuse_in_form and first is not None:
            said = plain(reply.text) or (reply.card.title if reply.card else t("error.internal"))
            return {"response_action": "errors", "errors": {first: clip(said, _FIELD_ERROR)}}
        form = reply.form
        if form is not None:
            metadata = form_metadata(form, _channel_of(view))
            if metadata is not None:
                new = form_view(form, metadata, t("form.submit"), t("form.close"))
                return {"response_action": "update", "view": new}
            reply = without_form(reply, t("form.unavailable"))
        shown = answer_view(reply, _title(view), t("form.dismiss"), t("form.done"))
        return {"response_action": "update", "view": shown}

    async def _answer_view_later(
        self, work: asyncio.Task[Reply], view: dict[str, Any], user: UserRef
    ) -> None:
        answer = await self._view_answer(await work, view, user, refuse_in_form=False)
        await self.client.views_update(view_id=str(view.get("id", "")), view=answer["view"])

    async def _home(self, event: dict[str, Any], client: AsyncWebClient) -> None:
        # Events are acked when their listener returns: publish after that.
        self._spawn(self._publish_home(event, client))

    async def _publish_home(self, event: dict[str, Any], client: AsyncWebClient) -> None:
        user = UserRef(PLATFORM, str(event.get("user", "")))
        reply = await self.core.home(user)
        await client.views_publish(
            user_id=user.id, view={"type": "home", "blocks": render_blocks(reply)}
        )

    # outbound
    async def post(
        self, channel: str, reply: Reply, *, key: str | None = None, first_attempt: bool = True
    ) -> SentMessage:
        """Post to a mapped channel, paced to about one message a second per channel."""
        return await self.delivery.post(channel, reply, key=key, first_attempt=first_attempt)

    async def dm(
        self, user: UserRef, reply: Reply, *, key: str | None = None, first_attempt: bool = True
    ) -> SentMessage:
        """Message one person in the bot's DM with them."""
        return await self.delivery.dm(user, reply, key=key, first_attempt=first_attempt)

    async def open_dm(self, user_id: str) -> None:
        """Open the person's DM ahead of any message (when they subscribe), and keep it."""
        await self.delivery.open_dm(user_id)

    async def edit(self, sent: SentMessage, reply: Reply) -> None:
        """Replace a message the bot sent (chat.update)."""
        await self.delivery.edit(sent, reply)


async def _finished_within(task: asyncio.Task[Reply], seconds: float) -> bool:
    """Wait up to `seconds` for `task` without cancelling it: asyncio.wait, leaner
    (one waiter, one timer, no sets), as it runs for every command."""
    if not task.done():
        # A task is first run on the loop's next turn, and most answers (a shared one, a
        # cached preference) finish in that one step: a bare yield lets it, and saves the
        # waiter and the timer below.
        await asyncio.sleep(0)
    if not task.done():
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()

        def wake(_: object = None) -> None:
            if not waiter.done():
                waiter.set_result(None)

        timer = asyncio.get_running_loop().call_later(seconds, wake)
        task.add_done_callback(wake)
        try:
            await waiter
        finally:
            timer.cancel()
            task.remove_done_callback(wake)
    return task.done()


def _dict(value: Any) -> dict[str, Any]:
    """A part of a payload that should be an object, or an empty one."""
    return value if isinstance(value, dict) else {}


def _title(view: dict[str, Any]) -> str:
    """A submitted modal's title, for the view that replaces it."""
    title = view.get("title")
    text = title.get("text") if isinstance(title, dict) else None
    return text if isinstance(text, str) and text else "forum-bot"


def _channel_of(view: dict[str, Any]) -> str:
    """The channel a submitted form was opened in, from its private_metadata."""
    target = read_form_metadata(str(view.get("private_metadata", "")))
    return target[2] if target else ""


def _response_type(reply: Reply) -> str:
    return "ephemeral" if reply.ephemeral or reply.error else "in_channel"


def _with_note(reply: Reply, note: str) -> Reply:
    """The reply without its file, with `note` after its text."""
    text = joined(reply.text, " ", note) if reply.text else note
    return replace(reply, text=text, file=None)


def _refusal(status: int, text: str) -> web.Response:
    """A short answer to a request that is not Slack's; the connection is not reused."""
    response = web.Response(status=status, text=text)
    response.force_close()
    return response
