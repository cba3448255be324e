"""A fake Slack on 127.0.0.1 that the real slack-sdk and slack-bolt clients talk to.

It serves the Web API (``AsyncWebClient(base_url=fake.api_base)``), response_urls, the
file upload URLs of ``files_upload_v2`` and a Socket Mode websocket, and it sends signed
slash commands, block actions and events to an app the way Slack does. It enforces the
Slack rules the bot has to live with, so tests that pass here mean something:

- every Web API call needs ``Authorization: Bearer <bot token>`` (the app token for
  ``apps.connections.open``), else ``invalid_auth`` / ``not_authed``;
- ``chat.postMessage`` is paced per channel (a burst, then about one a second) and answers
  HTTP 429 with an integer ``Retry-After``; tests can also force the next N calls to 429;
- a ``trigger_id`` lives 3 seconds and can be used once;
- a modal keeps Slack's limits (title 24 characters, input blocks only with a submit
  button, inputs of at most 3,000 characters); ``submit_view`` fills one in and submits
  it as its user could (only its inputs, within their lengths, the required ones given)
  and applies the app's answer (``errors`` keeps it open, ``update`` replaces it, an empty
  ack closes it);
- a ``response_url`` allows 5 uses in 30 minutes, then answers 404;
- ``files_upload_v2``'s three steps: ``files.getUploadURLExternal`` needs a filename and
  a length, the upload URL takes exactly that many bytes, and
  ``files.completeUploadExternal`` shares only files whose bytes arrived, and only in a
  channel the bot is in (``not_in_channel`` otherwise, see ``leave``).

Time for these rules is the fake's own clock (``fake.now()``), which tests move with
``fake.advance(seconds)`` instead of sleeping.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import math
import re
import secrets
import time
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Self
from urllib.parse import urlencode

import aiohttp
from aiohttp import web
from multidict import CIMultiDict
from slack_sdk.signature import SignatureVerifier

TRIGGER_TTL = 3.0
RESPONSE_URL_USES = 5
RESPONSE_URL_TTL = 30 * 60.0
STALE_TIMESTAMP_AGE = 6 * 60  # Slack apps reject timestamps older than 5 minutes
MAX_TEXT = 40_000
MAX_BLOCKS = 50
MAX_SECTION_TEXT = 3000
MAX_HEADER_TEXT = 150
MAX_ELEMENTS = 25  # of an actions block
MAX_BUTTON_TEXT = 75  # a button's plain_text (Block Kit's button element)
MAX_BUTTON_VALUE = 2000
MAX_ACTION_ID = 255
MAX_SCHEDULE_AHEAD = 120 * 24 * 3600  # chat.scheduleMessage: up to 120 days ahead
# A modal view: title and buttons 24 characters, 100 blocks, private_metadata 3,000.
MAX_VIEW_TEXT = 24
MAX_VIEW_BLOCKS = 100
MAX_METADATA = 3000
MAX_ID = 255  # callback_id, block_id, action_id
MAX_INPUT_LABEL = 2000
MAX_PLACEHOLDER = 150
MAX_INPUT_LENGTH = 3000

# Form-encoded calls carry these as JSON strings, JSON calls as objects: record both alike.
_JSON_FIELDS = ("blocks", "attachments", "view", "files", "metadata")
_USER_ID = re.compile(r"^[UW][A-Z0-9]+$")
_JSON = "application/json"


# What answers in Slack's place when something between is wrong: status, type, body.
_GARBLED = {
    "text-405": (405, "text/plain", "405 Method Not Allowed"),
    "html-502": (502, "text/html", "<html><body><h1>502 Bad Gateway</h1>nginx</body></html>"),
    "bad-json": (200, "application/json", '{"ok": true, "usergroups": [{"id": "S0'),
}


class SlackError(Exception):
    """A Web API failure, answered as ``{"ok": false, "error": code}`` with HTTP 200."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


class _RateLimited(Exception):
    """Answered as HTTP 429 with ``Retry-After`` (whole seconds, as Slack sends it)."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(retry_after)
        self.retry_after = retry_after


@dataclass
class Call:
    """One request the fake answered: a Web API method, ``response_url``, ``files.upload``
    (the upload URL), ``socket.open`` (a Socket Mode link) or ``socket.ack``."""

    method: str
    body: dict[str, Any]
    headers: Mapping[str, str]  # case-insensitive, as HTTP headers are
    status: int
    response: Any
    at: float
    path: str = ""

    @property
    def ok(self) -> bool:
        """True when the call succeeded (HTTP 200 and, for the Web API, ``ok: true``)."""
        if self.status != 200:
            return False
        return not isinstance(self.response, dict) or self.response.get("ok", True) is True


def answer_at(url: str) -> Callable[[Call], bool]:
    """A `wait_for` predicate: the answer posted to `url`, an interaction's response_url."""
    return lambda call: call.method == "response_url" and call.path in url


@dataclass
class Message:
    """A message the bot posted (or a response_url posted in the channel)."""

    channel: str
    ts: str
    text: str = ""
    blocks: list[dict[str, Any]] = field(default_factory=list)
    thread_ts: str | None = None
    user: str = ""
    ephemeral_to: str | None = None
    files: list[dict[str, Any]] = field(default_factory=list)
    edited: bool = False
    metadata: dict[str, Any] | None = None

    def to_api(self, bot_id: str) -> dict[str, Any]:
        """The message as the Web API returns it."""
        out: dict[str, Any] = {
            "type": "message",
            "ts": self.ts,
            "text": self.text,
            "user": self.user,
            "bot_id": bot_id,
        }
        if self.blocks:
            out["blocks"] = self.blocks
        if self.thread_ts:
            out["thread_ts"] = self.thread_ts
        if self.files:
            out["files"] = self.files
        if self.metadata:
            out["metadata"] = self.metadata
        return out


@dataclass
class AppResponse:
    """What the app answered to a request the fake sent it."""

    status: int
    body: str
    elapsed: float
    content_type: str = ""
    trigger_id: str | None = None
    response_url: str | None = None

    def json(self) -> Any:
        """The body parsed as JSON (None when empty)."""
        return json.loads(self.body) if self.body else None


@dataclass
class _ResponseUrl:
    issued: float
    channel: str
    message_ts: str | None
    uses: int = 0


@dataclass
class _Trigger:
    issued: float
    user: str | None = None  # who acted: the one a modal it opens is shown to
    used: bool = False


@dataclass
class _Bucket:
    tokens: float
    last: float


class FakeSlack:
    """A fake Slack workspace on 127.0.0.1 (``async with FakeSlack(...) as fake``)."""

    def __init__(
        self,
        *,
        signing_secret: str,
        bot_token: str = "xoxb-fake-bot-token",
        app_token: str | None = None,
        team_id: str = "T0FAKE",
        team: str = "Fake Conference",
        bot_user_id: str = "UBOT",
        bot_id: str = "BBOT",
        bot_name: str = "forum-bot",
        app_id: str = "AFAKEAPP",
        channels: Mapping[str, str] | None = None,
        users: Mapping[str, Mapping[str, Any]] | None = None,
        usergroups: Mapping[str, Sequence[str]] | None = None,
        usergroup_handles: Mapping[str, str] | None = None,
        post_burst: int = 5,
        post_rate: float = 1.0,
        trigger_ttl: float = TRIGGER_TTL,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """Configure the workspace.

        channels: name -> id (default ``{"general": "C0GENERAL"}``). users: id -> profile
        fields; None accepts any ``U…``/``W…`` id and makes up a profile. usergroups:
        id -> member ids; usergroup_handles: id -> handle (``usergroups.list``).
        post_burst / post_rate: per-channel ``chat.postMessage`` pacing.
        """
        self.signing_secret = signing_secret
        self.bot_token = bot_token
        self.app_token = app_token
        self.team_id = team_id
        self.team = team
        self.bot_user_id = bot_user_id
        self.bot_id = bot_id
        self.bot_name = bot_name
        self.app_id = app_id
        self.channels: dict[str, str] = dict(channels or {"general": "C0GENERAL"})
        self._any_user = users is None
        self.users: dict[str, dict[str, Any]] = {
            uid: self._profile(uid, fields) for uid, fields in (users or {}).items()
        }
        self.usergroups: dict[str, list[str]] = {k: list(v) for k, v in (usergroups or {}).items()}
        # id -> handle (the name after @ that people type); a group without one gets its id.
        self.usergroup_handles: dict[str, str] = dict(usergroup_handles or {})
        self.post_burst = post_burst
        self.post_rate = post_rate
        self.trigger_ttl = trigger_ttl
        self._clock = clock
        self._offset = 0.0

        self._failing: dict[str, list[int]] = {}  # method -> status of each forced 5xx
        self._garbled: dict[str, list[str]] = {}  # method -> how each next answer is garbled
        # Seconds to hold the answer of a method after doing its work (crash tests).
        self.answer_delays: dict[str, float] = {}

        # What tests inspect.
        self.calls: list[Call] = []
        self.messages: list[Message] = []
        self.views: dict[str, dict[str, Any]] = {}
        # Modals open now (view id -> the user who sees it), and the errors an app's
        # answer to a submission showed under a modal's inputs (view id -> block id: text).
        self.open_modals: dict[str, str] = {}
        self.view_errors: dict[str, dict[str, str]] = {}
        self.home_views: dict[str, dict[str, Any]] = {}
        self.files: dict[str, dict[str, Any]] = {}
        self.scheduled: dict[str, dict[str, Any]] = {}  # scheduled_message_id -> message

        self._conversations: dict[str, dict[str, Any]] = {
            cid: self._channel_info(cid, name) for name, cid in self.channels.items()
        }
        self._dms: dict[frozenset[str], str] = {}
        self._triggers: dict[str, _Trigger] = {}
        self._response_urls: dict[str, _ResponseUrl] = {}
        self._buckets: dict[str, _Bucket] = {}
        self._forced: dict[str, list[int]] = {}  # method -> Retry-After of each forced 429
        self._ids = itertools.count(1)
        self._ts_base = int(time.time())
        self._changed = asyncio.Condition()

        self._sockets: list[web.WebSocketResponse] = []
        self.api_connections: set[object] = set()  # the clients' (host, port) of Web API calls
        self._socket_up = asyncio.Event()
        self._acks: dict[str, asyncio.Future[dict[str, Any]]] = {}
        self._tickets: set[str] = set()

        self._methods: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
            "api.test": lambda args: {"args": args},
            "auth.test": self._auth_test,
            "chat.postMessage": self._chat_post_message,
            "chat.postEphemeral": self._chat_post_ephemeral,
            "chat.update": self._chat_update,
            "chat.delete": self._chat_delete,
            "chat.scheduleMessage": self._chat_schedule_message,
            "chat.deleteScheduledMessage": self._chat_delete_scheduled_message,
            "conversations.open": self._conversations_open,
            "conversations.list": self._conversations_list,
            "conversations.info": self._conversations_info,
            "conversations.history": self._conversations_history,
            "users.info": self._users_info,
            "usergroups.list": self._usergroups_list,
            "usergroups.users.list": self._usergroups_users_list,
            "views.open": self._views_open,
            "views.publish": self._views_publish,
            "views.update": self._views_update,
            "files.getUploadURLExternal": self._files_get_upload_url,
            "files.completeUploadExternal": self._files_complete_upload,
            "apps.connections.open": self._apps_connections_open,
        }

        self.port = 0
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None

    # ----------------------------------------------------------------- lifecycle

    async def start(self) -> None:
        """Listen on 127.0.0.1 on a free port."""
        app = web.Application(client_max_size=16 * 1024 * 1024)
        app.router.add_route("*", "/api/{method}", self._handle_api)
        app.router.add_post("/response/{rid}", self._handle_response_url)
        app.router.add_post("/upload/{file_id}", self._handle_upload)
        app.router.add_get("/link/", self._handle_link)
        # An open Socket Mode link must not hold shutdown for aiohttp's default minute.
        self._runner = web.AppRunner(app, shutdown_timeout=1.0, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = self._runner.addresses[0][1]
        # trust_env=False: requests to the app must never go through an HTTP(S)_PROXY.
        self._session = aiohttp.ClientSession(trust_env=False)

    async def close(self) -> None:
        """Close the Socket Mode links, the client session and the server."""
        for ws in list(self._sockets):
            await ws.close()
        for fut in self._acks.values():
            fut.cancel()
        if self._session is not None:
            await self._session.close()
            self._session = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT``."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_base(self) -> str:
        """The Web API base for ``AsyncWebClient(base_url=...)``; it must end in ``/api/``."""
        return f"{self.base_url}/api/"

    # ---------------------------------------------------------------- test knobs

    def now(self) -> float:
        """The fake's clock: the given clock plus whatever ``advance`` added."""
        return self._clock() + self._offset

    def advance(self, seconds: float) -> None:
        """Move the fake's clock on (expires triggers and response_urls, refills pacing)."""
        self._offset += seconds

    def force_rate_limit(self, method: str, times: int = 1, retry_after: int = 1) -> None:
        """Make the next ``times`` calls of ``method`` answer 429 with ``Retry-After``."""
        self._forced.setdefault(method, []).extend([int(retry_after)] * times)

    def fail_next(self, method: str, times: int = 1, status: int = 503) -> None:
        """Make the next ``times`` calls of ``method`` fail with a server error, doing nothing."""
        self._failing.setdefault(method, []).extend([status] * times)

    def garble_next(self, method: str, how: str, times: int = 1) -> None:
        """Make the next ``times`` calls of ``method`` answer as a proxy or an outage does
        instead of Slack: ``text-405`` (a text/plain 405), ``html-502`` (a proxy's HTML
        page), ``bad-json`` (200 whose JSON is cut short) or ``drop`` (the connection is
        closed with no answer)."""
        if how not in _GARBLED and how != "drop":
            raise ValueError(f"unknown way to garble: {how}")
        self._garbled.setdefault(method, []).extend([how] * times)

    def leave(self, channel: str) -> None:
        """Take the bot out of a channel (by id or name): files shared there are refused
        with ``not_in_channel``, as Slack refuses them; posting still works."""
        self._conversations[self._resolve_channel(channel)]["is_member"] = False

    def calls_to(self, method: str) -> list[Call]:
        """Recorded calls of one method, oldest first."""
        return [c for c in self.calls if c.method == method]

    def messages_in(self, channel: str) -> list[Message]:
        """Messages (not ephemeral ones) now in a channel, oldest first."""
        return [m for m in self.messages if m.channel == channel and m.ephemeral_to is None]

    def message(self, channel: str, ts: str) -> Message | None:
        """One stored message, or None (never posted or deleted)."""
        return next((m for m in self.messages_in(channel) if m.ts == ts), None)

    async def wait_for(
        self,
        predicate: Callable[[Call], bool] | str,
        timeout: float = 5.0,  # noqa: ASYNC109 - the fake's API; asyncio.timeout is used inside
    ) -> Call:
        """The first recorded call matching ``predicate`` (or of that method name),
        waiting for it; TimeoutError lists what did arrive."""
        match = (lambda c: c.method == predicate) if isinstance(predicate, str) else predicate
        found: list[Call] = []

        def check() -> bool:
            found[:] = [c for c in self.calls if match(c)][:1]
            return bool(found)

        try:
            async with asyncio.timeout(timeout), self._changed:
                await self._changed.wait_for(check)
        except TimeoutError:
            seen = ", ".join(f"{c.method}({c.status})" for c in self.calls) or "nothing"
            raise TimeoutError(f"no matching call within {timeout}s; recorded: {seen}") from None
        return found[0]

    async def _record(self, call: Call) -> None:
        async with self._changed:
            self.calls.append(call)
            self._changed.notify_all()

    # ------------------------------------------------------------ HTTP: Web API

    async def _handle_api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        if request.transport is not None:
            # Which TCP connection each Web API call came on (a client that reuses its
            # connections makes few).
            self.api_connections.add(request.transport.get_extra_info("peername"))
        args = await _read_args(request)
        headers = CIMultiDict(request.headers)
        garbled = self._garbled.get(method)
        if garbled:
            how = garbled.pop(0)
            await self._record(
                Call(method, args, headers, 0, {"garbled": how}, self.now(), request.path)
            )
            if how == "drop":
                assert request.transport is not None
                request.transport.abort()
                return web.Response(status=500)  # never sent: the socket is gone
            status, content_type, text = _GARBLED[how]
            return web.Response(status=status, text=text, content_type=content_type)
        failing = self._failing.get(method)
        if failing:
            extra: dict[str, str] = {}
            status, payload = failing.pop(0), {"ok": False, "error": "fatal_error"}
        else:
            status, payload, extra = self._dispatch(method, args, headers)
        await self._record(Call(method, args, headers, status, payload, self.now(), request.path))
        delay = self.answer_delays.get(method)
        if delay:
            # Done but not yet answered: what a client killed now cannot know went through.
            await asyncio.sleep(delay)
        return web.json_response(payload, status=status, headers=extra)

    def _dispatch(
        self, method: str, args: dict[str, Any], headers: Mapping[str, str]
    ) -> tuple[int, dict[str, Any], dict[str, str]]:
        handler = self._methods.get(method)
        if handler is None:
            return 200, {"ok": False, "error": "unknown_method"}, {}
        auth = headers.get("Authorization", "")
        token = auth.removeprefix("Bearer ").strip() if auth.startswith("Bearer ") else None
        token = token or args.get("token")
        expected = self.app_token if method == "apps.connections.open" else self.bot_token
        if not token:
            return 200, {"ok": False, "error": "not_authed"}, {}
        if token != expected:
            wrong_kind = token in (self.bot_token, self.app_token)
            error = "not_allowed_token_type" if wrong_kind else "invalid_auth"
            return 200, {"ok": False, "error": error}, {}
        try:
            forced = self._forced.get(method)
            if forced:
                raise _RateLimited(forced.pop(0))
            return 200, {"ok": True, **handler(args)}, {}
        except SlackError as e:
            return 200, {"ok": False, "error": e.code}, {}
        except _RateLimited as e:
            return 429, {"ok": False, "error": "ratelimited"}, {"Retry-After": str(e.retry_after)}

    # ------------------------------------------------------------ Web API methods

    def _auth_test(self, args: dict[str, Any]) -> dict[str, Any]:
        return {
            "url": "https://fake-conference.slack.com/",
            "team": self.team,
            "user": self.bot_name,
            "team_id": self.team_id,
            "user_id": self.bot_user_id,
            "bot_id": self.bot_id,
            "is_enterprise_install": False,
        }

    def _chat_post_message(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._resolve_channel(args.get("channel"))
        text, blocks = _content(args, required=True)
        self._pace(channel)
        msg = Message(
            channel=channel,
            ts=self._new_ts(),
            text=text,
            blocks=blocks,
            thread_ts=args.get("thread_ts"),
            user=self.bot_user_id,
            metadata=_json_arg(args.get("metadata")),
        )
        self.messages.append(msg)
        return {"channel": channel, "ts": msg.ts, "message": msg.to_api(self.bot_id)}

    def _conversations_history(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._resolve_channel(args.get("channel"))
        limit = int(args.get("limit") or 100)
        with_metadata = str(args.get("include_all_metadata", "")).lower() in ("1", "true")
        found = [m for m in reversed(self.messages) if m.channel == channel and not m.ephemeral_to]
        out = []
        for m in found[:limit]:
            api = m.to_api(self.bot_id)
            if not with_metadata:
                api.pop("metadata", None)  # Slack returns it only when asked
            out.append(api)
        return {"messages": out, "has_more": len(found) > limit}

    def _chat_post_ephemeral(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._resolve_channel(args.get("channel"))
        user = self._user(args.get("user"))["id"]
        text, blocks = _content(args, required=True)
        msg = Message(channel, self._new_ts(), text, blocks, args.get("thread_ts"))
        msg.user, msg.ephemeral_to = self.bot_user_id, user
        self.messages.append(msg)
        return {"message_ts": msg.ts}

    def _chat_update(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._resolve_channel(args.get("channel"))
        msg = self.message(channel, str(args.get("ts", "")))
        if msg is None:
            raise SlackError("message_not_found")
        text, blocks = _content(args, required=True)
        msg.text, msg.blocks, msg.edited = text, blocks, True
        return {
            "channel": channel,
            "ts": msg.ts,
            "text": msg.text,
            "message": msg.to_api(self.bot_id),
        }

    def _chat_delete(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._resolve_channel(args.get("channel"))
        msg = self.message(channel, str(args.get("ts", "")))
        if msg is None:
            raise SlackError("message_not_found")
        self.messages.remove(msg)
        return {"channel": channel, "ts": msg.ts}

    def _chat_schedule_message(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._resolve_channel(args.get("channel"))
        text, blocks = _content(args, required=True)
        try:
            post_at = int(args.get("post_at", ""))
        except ValueError:
            raise SlackError("invalid_time") from None
        # post_at is Unix time, so this rule uses the wall clock (moved by advance() too).
        wall_now = time.time() + self._offset
        if post_at <= wall_now:
            raise SlackError("time_in_past")
        if post_at > wall_now + MAX_SCHEDULE_AHEAD:
            raise SlackError("time_too_far")
        sid = self._new_id("Q")
        self.scheduled[sid] = {
            "channel": channel,
            "post_at": post_at,
            "text": text,
            "blocks": blocks,
        }
        message = {"type": "message", "text": text, "bot_id": self.bot_id, "user": self.bot_user_id}
        return {
            "channel": channel,
            "scheduled_message_id": sid,
            "post_at": post_at,
            "message": message,
        }

    def _chat_delete_scheduled_message(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._resolve_channel(args.get("channel"))
        entry = self.scheduled.get(str(args.get("scheduled_message_id", "")))
        if entry is None or entry["channel"] != channel:
            raise SlackError("invalid_scheduled_message_id")
        del self.scheduled[str(args["scheduled_message_id"])]
        return {}

    def _conversations_open(self, args: dict[str, Any]) -> dict[str, Any]:
        if args.get("channel"):
            cid = self._resolve_channel(args["channel"])
            return {"channel": {"id": cid}, "no_op": True, "already_open": True}
        raw = args.get("users")
        if not raw:
            raise SlackError("users_list_not_supplied")
        ids = raw if isinstance(raw, list) else str(raw).split(",")
        members = frozenset(self._user(uid.strip())["id"] for uid in ids)
        if members in self._dms:
            return {"channel": {"id": self._dms[members]}, "no_op": True, "already_open": True}
        # One user gets an IM ("D…"), several a group DM (an mpim, "G…" here).
        cid = self._new_id("D" if len(members) == 1 else "G")
        self._dms[members] = cid
        info = self._channel_info(cid, "")
        info.update(is_channel=False, is_im=len(members) == 1, is_mpim=len(members) > 1)
        if len(members) == 1:
            info["user"] = next(iter(members))
        self._conversations[cid] = info
        return {"channel": {"id": cid}}

    def _conversations_list(self, args: dict[str, Any]) -> dict[str, Any]:
        types = set(str(args.get("types") or "public_channel").split(","))
        convs = [
            c
            for c in self._conversations.values()
            if (c["is_channel"] and "public_channel" in types)
            or (c["is_im"] and "im" in types)
            or (c["is_mpim"] and "mpim" in types)
        ]
        limit = int(args.get("limit") or 100)
        start = int(args.get("cursor") or 0)
        page = convs[start : start + limit]
        more = start + limit < len(convs)
        return {
            "channels": page,
            "response_metadata": {"next_cursor": str(start + limit) if more else ""},
        }

    def _conversations_info(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"channel": self._conversations[self._resolve_channel(args.get("channel"))]}

    def _users_info(self, args: dict[str, Any]) -> dict[str, Any]:
        user = dict(self._user(args.get("user")))
        if not _truthy(args.get("include_locale")):
            user.pop("locale", None)
        return {"user": user}

    def _usergroups_list(self, args: dict[str, Any]) -> dict[str, Any]:
        groups = [
            {
                "id": gid,
                "handle": self.usergroup_handles.get(gid, gid.lower()),
                "team_id": self.team_id,
            }
            for gid in self.usergroups
        ]
        return {"usergroups": groups}

    def _usergroups_users_list(self, args: dict[str, Any]) -> dict[str, Any]:
        group = self.usergroups.get(str(args.get("usergroup", "")))
        if group is None:
            raise SlackError("no_such_subteam")
        return {"users": list(group)}

    def _views_open(self, args: dict[str, Any]) -> dict[str, Any]:
        trigger = self._triggers.get(str(args.get("trigger_id", "")))
        if trigger is None:
            raise SlackError("invalid_trigger_id")
        if trigger.used:
            raise SlackError("exchanged_trigger_id")
        if self.now() - trigger.issued >= self.trigger_ttl:
            raise SlackError("expired_trigger_id")
        check_modal(args.get("view"))
        view = self._store_view(args.get("view"), "modal")
        trigger.used = True
        self.open_modals[view["id"]] = trigger.user or ""
        return {"view": view}

    def _views_publish(self, args: dict[str, Any]) -> dict[str, Any]:
        user_id = self._user(args.get("user_id"))["id"]
        view = self._store_view(args.get("view"), "home")
        self.home_views[user_id] = view
        return {"view": view}

    def _views_update(self, args: dict[str, Any]) -> dict[str, Any]:
        view_id = args.get("view_id")
        if not view_id:
            ext = args.get("external_id")
            view_id = next((k for k, v in self.views.items() if v.get("external_id") == ext), None)
        if view_id not in self.views:
            raise SlackError("not_found")
        if self.views[view_id]["type"] == "modal":
            check_modal(args.get("view"))
        view = self._store_view(args.get("view"), self.views[view_id]["type"], view_id)
        return {"view": view}

    def _files_get_upload_url(self, args: dict[str, Any]) -> dict[str, Any]:
        filename, length = args.get("filename"), args.get("length")
        if not filename or length is None or not str(length).isdigit():
            raise SlackError("invalid_arguments")
        file_id = self._new_id("F")
        self.files[file_id] = {
            "id": file_id,
            "name": filename,
            "title": filename,
            "length": int(length),
            "content": None,
        }
        return {"upload_url": f"{self.base_url}/upload/{file_id}", "file_id": file_id}

    def _files_complete_upload(self, args: dict[str, Any]) -> dict[str, Any]:
        wanted = args.get("files")
        if not isinstance(wanted, list) or not wanted:
            raise SlackError("invalid_arguments")
        shared: list[dict[str, Any]] = []
        for item in wanted:
            f = self.files.get(str(item.get("id", "")))
            if f is None:
                raise SlackError("file_not_found")
            if f["content"] is None:
                raise SlackError("file_upload_not_completed")
            f["title"] = item.get("title") or f["name"]
            shared.append({k: v for k, v in f.items() if k not in ("content", "length")})
            shared[-1]["size"] = len(f["content"])
        channel_ids: list[str] = []
        if args.get("channel_id"):
            channel_ids.append(self._resolve_channel(args["channel_id"]))
        channel_ids += [self._resolve_channel(c) for c in _split(args.get("channels"))]
        if any(not self._conversations[cid]["is_member"] for cid in channel_ids):
            # Unlike chat.postMessage (chat:write.public), sharing a file needs membership.
            raise SlackError("not_in_channel")
        for cid in channel_ids:
            # Sharing a file posts a message carrying it (and the initial comment).
            msg = Message(cid, self._new_ts(), str(args.get("initial_comment") or ""))
            msg.user, msg.files, msg.thread_ts = self.bot_user_id, shared, args.get("thread_ts")
            self.messages.append(msg)
        return {"files": shared}

    def _apps_connections_open(self, args: dict[str, Any]) -> dict[str, Any]:
        ticket = secrets.token_hex(8)
        self._tickets.add(ticket)
        return {"url": f"ws://127.0.0.1:{self.port}/link/?ticket={ticket}"}

    # ------------------------------------------------------------------- helpers

    def _new_id(self, prefix: str) -> str:
        return f"{prefix}{next(self._ids):010d}"

    def _new_ts(self) -> str:
        # Unique and increasing, shaped like Slack's "seconds.micro" ts.
        return f"{self._ts_base}.{next(self._ids):06d}"

    @staticmethod
    def _channel_info(cid: str, name: str) -> dict[str, Any]:
        return {
            "id": cid,
            "name": name,
            "is_channel": True,
            "is_private": False,
            "is_im": False,
            "is_mpim": False,
            "is_member": True,
            "is_archived": False,
        }

    def _profile(self, uid: str, fields: Mapping[str, Any]) -> dict[str, Any]:
        name = str(fields.get("name", uid.lower()))
        real_name = str(fields.get("real_name", name))
        user: dict[str, Any] = {
            "id": uid,
            "team_id": self.team_id,
            "name": name,
            "real_name": real_name,
            "deleted": False,
            "is_bot": False,
            "is_admin": False,
            "tz": "Asia/Seoul",
            "tz_offset": 9 * 3600,
            "locale": "en-US",
            "profile": {"real_name": real_name, "display_name": name},
        }
        user.update({k: v for k, v in fields.items() if k != "profile"})
        user["profile"].update(fields.get("profile", {}))
        return user

    def _user(self, uid: Any) -> dict[str, Any]:
        uid = str(uid or "")
        if uid not in self.users:
            if not (self._any_user and _USER_ID.match(uid)):
                raise SlackError("user_not_found")
            self.users[uid] = self._profile(uid, {})
        return self.users[uid]

    def _resolve_channel(self, raw: Any) -> str:
        """A channel id from an id, a ``#name`` or a user id (the bot's DM with them)."""
        value = str(raw or "")
        if value in self._conversations:
            return value
        if value.lstrip("#") in self.channels:
            return self.channels[value.lstrip("#")]
        if _USER_ID.match(value) and (value in self.users or self._any_user):
            opened = self._conversations_open({"users": value})
            return str(opened["channel"]["id"])
        raise SlackError("channel_not_found")

    def _pace(self, channel: str) -> None:
        """A token bucket per channel: ``post_burst`` at once, then ``post_rate`` a second."""
        now = self.now()
        bucket = self._buckets.setdefault(channel, _Bucket(float(self.post_burst), now))
        bucket.tokens = min(
            float(self.post_burst), bucket.tokens + (now - bucket.last) * self.post_rate
        )
        bucket.last = now
        if bucket.tokens < 1.0:
            raise _RateLimited(max(1, math.ceil((1.0 - bucket.tokens) / self.post_rate)))
        bucket.tokens -= 1.0

    def _store_view(self, raw: Any, kind: str, view_id: str | None = None) -> dict[str, Any]:
        if not isinstance(raw, dict) or raw.get("type") != kind:
            raise SlackError("invalid_arguments")
        view_id = view_id or self._new_id("V")
        view = {**raw, "id": view_id, "team_id": self.team_id, "app_id": self.app_id}
        self.views[view_id] = view
        return view

    def issue_trigger(self, user_id: str | None = None) -> str:
        """A new trigger_id, valid ``trigger_ttl`` seconds from now (fake clock), for an
        interaction of `user_id` (who then sees the modal it opens)."""
        trigger_id = f"{next(self._ids)}.{secrets.randbelow(10**12)}.{secrets.token_hex(16)}"
        self._triggers[trigger_id] = _Trigger(self.now(), user_id)
        return trigger_id

    def issue_response_url(self, channel: str, message_ts: str | None = None) -> str:
        """A new response_url on the fake for a channel (and the message an action came from)."""
        rid = secrets.token_hex(12)
        self._response_urls[rid] = _ResponseUrl(self.now(), channel, message_ts)
        return f"{self.base_url}/response/{rid}"

    # ------------------------------------------------ HTTP: response_url, uploads

    async def _handle_response_url(self, request: web.Request) -> web.Response:
        headers = CIMultiDict(request.headers)
        raw = await request.read()
        try:
            body = json.loads(raw) if raw else {}
        except ValueError:
            body = {"_raw": raw.decode("utf-8", "replace")}
        status, text = self._use_response_url(request.match_info["rid"], body)
        await self._record(
            Call("response_url", body, headers, status, text, self.now(), request.path)
        )
        return web.Response(status=status, text=text)

    def _use_response_url(self, rid: str, body: dict[str, Any]) -> tuple[int, str]:
        url = self._response_urls.get(rid)
        if url is None:
            return 404, "no_service"
        if self.now() - url.issued > RESPONSE_URL_TTL:
            return 404, "expired_url"
        if url.uses >= RESPONSE_URL_USES:
            return 404, "used_url"
        url.uses += 1
        original = self.message(url.channel, url.message_ts) if url.message_ts else None
        text, blocks = _content(body, required=False)
        if _truthy(body.get("delete_original")):
            if original is not None:
                self.messages.remove(original)
        elif _truthy(body.get("replace_original")) and original is not None:
            original.text, original.blocks, original.edited = text, blocks, True
        elif body.get("response_type") == "in_channel":
            msg = Message(url.channel, self._new_ts(), text, blocks, body.get("thread_ts"))
            msg.user = self.bot_user_id
            self.messages.append(msg)
        return 200, "ok"

    async def _handle_upload(self, request: web.Request) -> web.Response:
        """The upload URL: the bytes must be the length announced to getUploadURLExternal;
        ``fail_next`` and ``garble_next("files.upload", "drop")`` break it as for a method."""
        file_id = request.match_info["file_id"]
        data = await request.read()
        f = self.files.get(file_id)
        garbled = self._garbled.get("files.upload")
        failing = self._failing.get("files.upload")
        dropped = garbled.pop(0) == "drop" if garbled else False
        if dropped:
            status, text = 0, "dropped"
        elif failing:
            status, text = failing.pop(0), "upload failed"
        elif f is None:
            status, text = 404, "not found"
        elif len(data) != f["length"]:
            # Only whole files are taken: a short or long body is not the file announced.
            status, text = 400, f"expected {f['length']} bytes, got {len(data)}"
        else:
            f["content"] = data
            status, text = 200, f"OK - {len(data)}"
        call = Call(
            "files.upload",
            {"file_id": file_id, "size": len(data)},
            CIMultiDict(request.headers),
            status,
            text,
            self.now(),
            request.path,
        )
        await self._record(call)
        if dropped:
            assert request.transport is not None
            request.transport.abort()
            return web.Response(status=500)  # never sent: the socket is gone
        return web.Response(status=status, text=text, content_type="text/plain")

    # ------------------------------------------------------------- Socket Mode

    async def _handle_link(self, request: web.Request) -> web.StreamResponse:
        if request.query.get("ticket") not in self._tickets:
            return web.Response(status=401, text="invalid ticket")
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self._sockets.append(ws)
        self._socket_up.set()
        await self._record(
            Call(
                "socket.open",
                dict(request.query),
                CIMultiDict(request.headers),
                101,
                None,
                self.now(),
                request.path,
            )
        )
        await ws.send_json(
            {
                "type": "hello",
                "num_connections": len(self._sockets),
                "connection_info": {"app_id": self.app_id},
                "debug_info": {"host": "fake-slack", "approximate_connection_time": 3600},
            }
        )
        try:
            async for frame in ws:
                if frame.type != aiohttp.WSMsgType.TEXT:
                    continue
                ack = json.loads(frame.data)
                call = Call("socket.ack", ack, CIMultiDict(), 200, None, self.now(), request.path)
                await self._record(call)
                fut = self._acks.get(str(ack.get("envelope_id")))
                if fut is not None and not fut.done():
                    fut.set_result(ack)
        finally:
            self._sockets.remove(ws)
            if not self._sockets:
                self._socket_up.clear()
        return ws

    async def send_socket(
        self,
        type_: str,
        payload: dict[str, Any],
        *,
        accepts_response_payload: bool = False,
        timeout: float = 5.0,  # noqa: ASYNC109 - bounds both the link and the ack
    ) -> dict[str, Any]:
        """Send one envelope over the Socket Mode link and return the app's ack.

        Waits for a link first. Unhandled envelopes get no ack: that is a TimeoutError.
        """
        async with asyncio.timeout(timeout):
            await self._socket_up.wait()
            envelope_id = str(uuid.uuid4())
            fut: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
            self._acks[envelope_id] = fut
            try:
                await self._sockets[-1].send_json(
                    {
                        "envelope_id": envelope_id,
                        "type": type_,
                        "accepts_response_payload": accepts_response_payload,
                        "payload": payload,
                    }
                )
                return await fut
            finally:
                self._acks.pop(envelope_id, None)

    async def disconnect_socket(self) -> None:
        """Ask the app to reconnect, as Slack does every few hours."""
        for ws in list(self._sockets):
            await ws.send_json({"type": "disconnect", "reason": "refresh_requested"})

    # ---------------------------------------------------------- payload builders

    def command_payload(
        self,
        command: str,
        text: str = "",
        *,
        user_id: str = "U1",
        channel_id: str | None = None,
        user_name: str | None = None,
        **extra: str,
    ) -> dict[str, str]:
        """A slash command's fields, with a fresh trigger_id and response_url."""
        channel_id = channel_id or next(iter(self.channels.values()))
        payload = {
            "token": "fake-verification-token",
            "team_id": self.team_id,
            "team_domain": "fake-conference",
            "channel_id": channel_id,
            "channel_name": self._conversations.get(channel_id, {}).get("name", ""),
            "user_id": user_id,
            "user_name": user_name or user_id.lower(),
            "command": command,
            "text": text,
            "api_app_id": self.app_id,
            "is_enterprise_install": "false",
            "response_url": self.issue_response_url(channel_id),
            "trigger_id": self.issue_trigger(user_id),
        }
        payload.update(extra)
        return payload

    def action_payload(
        self,
        action_id: str,
        value: str | None = None,
        *,
        block_id: str = "b1",
        user_id: str = "U1",
        channel_id: str | None = None,
        message_ts: str | None = None,
        action_type: str = "button",
        ephemeral: bool = False,
    ) -> dict[str, Any]:
        """A ``block_actions`` payload for a click on a message the bot posted; with
        `ephemeral`, on an answer only its reader saw (Slack sends no ``message`` then)."""
        channel_id = channel_id or next(iter(self.channels.values()))
        stored = self.message(channel_id, message_ts) if message_ts else None
        message_ts = message_ts or self._new_ts()
        action: dict[str, Any] = {
            "type": action_type,
            "action_id": action_id,
            "block_id": block_id,
            "action_ts": f"{time.time():.6f}",
        }
        if value is not None:
            action["value"] = value
        message = stored.to_api(self.bot_id) if stored else {"type": "message", "ts": message_ts}
        payload: dict[str, Any] = {
            "type": "block_actions",
            "token": "fake-verification-token",
            "api_app_id": self.app_id,
            "team": {"id": self.team_id, "domain": "fake-conference"},
            "user": {
                "id": user_id,
                "username": user_id.lower(),
                "name": user_id.lower(),
                "team_id": self.team_id,
            },
            "channel": {
                "id": channel_id,
                "name": self._conversations.get(channel_id, {}).get("name", ""),
            },
            "container": {
                "type": "message",
                "message_ts": message_ts,
                "channel_id": channel_id,
                "is_ephemeral": ephemeral,
            },
            "message": message,
            "trigger_id": self.issue_trigger(user_id),
            "response_url": self.issue_response_url(channel_id, message_ts),
            "actions": [action],
            "is_enterprise_install": False,
            "enterprise": None,
        }
        if ephemeral:
            del payload["message"]
        return payload

    def view_submission_payload(
        self,
        view_id: str | None = None,
        values: Mapping[str, str] | None = None,
        *,
        user_id: str | None = None,
    ) -> dict[str, Any]:
        """A ``view_submission`` payload: the open modal `view_id` (None: the newest one)
        submitted with `values` typed in (by input block id; an input not given keeps its
        initial value). Refuses (ValueError) what Slack's client would not send: a value
        for a block that is no input, one outside the input's lengths, a required input
        left empty, or a submission by someone the modal is not shown to."""
        if view_id is None:
            view_id = next(reversed(self.open_modals), None)
        if view_id is None or view_id not in self.open_modals:
            raise LookupError(f"no modal {view_id} is open; open ones: {list(self.open_modals)}")
        view = self.views[view_id]
        owner = self.open_modals[view_id]
        user_id = user_id or owner or "U1"
        if owner and user_id != owner:
            raise ValueError(f"modal {view_id} is shown to {owner}, not {user_id}")
        inputs = {str(b["block_id"]): b for b in view.get("blocks", []) if b.get("type") == "input"}
        typed = dict(values or {})
        unknown = sorted(set(typed) - set(inputs))
        if unknown:
            raise ValueError(f"modal {view_id} has no inputs {unknown}; it has {sorted(inputs)}")
        state: dict[str, Any] = {}
        for block_id, block in inputs.items():
            element = block["element"]
            value = typed.get(block_id, str(element.get("initial_value") or ""))
            low = int(element.get("min_length", 0))
            high = int(element.get("max_length", MAX_INPUT_LENGTH))
            if not value and not block.get("optional", False):
                raise ValueError(f"{block_id!r} is required: Slack does not submit it empty")
            if value and not low <= len(value) <= high:
                raise ValueError(f"{block_id!r} takes {low}..{high} characters, not {len(value)}")
            state[block_id] = {
                str(element.get("action_id", "")): {
                    "type": element["type"],
                    "value": value or None,
                }
            }
        submitted = {
            **view,
            "state": {"values": state},
            "hash": f"{int(time.time())}.{secrets.token_hex(4)}",
            "root_view_id": view_id,
            "previous_view_id": None,
            "bot_id": self.bot_id,
        }
        return {
            "type": "view_submission",
            "token": "fake-verification-token",
            "api_app_id": self.app_id,
            "team": {"id": self.team_id, "domain": "fake-conference"},
            "user": {
                "id": user_id,
                "username": user_id.lower(),
                "name": user_id.lower(),
                "team_id": self.team_id,
            },
            "view": submitted,
            "trigger_id": self.issue_trigger(user_id),
            "response_urls": [],
            "is_enterprise_install": False,
            "enterprise": None,
        }

    def _view_answered(self, view_id: str, answer: Any) -> None:
        """Apply an app's answer to a view_submission as Slack does: an empty one (or
        ``clear``) closes the modal, ``errors`` keeps it open with each error under its
        input block, ``update`` replaces it (a modal within Slack's limits). An answer
        Slack would refuse raises ValueError (the person would see "We had some trouble
        connecting" and their modal stay as it was)."""
        self.view_errors.pop(view_id, None)
        action = answer.get("response_action") if isinstance(answer, dict) else None
        if action in (None, "clear"):
            self.open_modals.pop(view_id, None)
            return
        if action == "errors":
            errors = answer.get("errors")
            view = self.views[view_id]
            inputs = {b.get("block_id") for b in view.get("blocks", []) if b.get("type") == "input"}
            if not isinstance(errors, dict) or not errors or not set(errors) <= inputs:
                raise ValueError(f"errors must name input blocks of the modal: {errors!r}")
            self.view_errors[view_id] = {str(k): str(v) for k, v in errors.items()}
            return
        if action == "update":
            check_modal(answer.get("view"))
            self._store_view(answer["view"], "modal", view_id)
            return
        raise ValueError(f"a view_submission cannot be answered with {action!r}")

    def event_payload(self, event: Mapping[str, Any]) -> dict[str, Any]:
        """An Events API ``event_callback`` wrapping ``event`` (``event_ts`` added)."""
        now = time.time()
        return {
            "token": "fake-verification-token",
            "team_id": self.team_id,
            "api_app_id": self.app_id,
            "event": {"event_ts": f"{now:.6f}", **event},
            "type": "event_callback",
            "event_id": self._new_id("Ev"),
            "event_time": int(now),
            "authorizations": [
                {
                    "enterprise_id": None,
                    "team_id": self.team_id,
                    "user_id": self.bot_user_id,
                    "is_bot": True,
                    "is_enterprise_install": False,
                }
            ],
            "is_ext_shared_channel": False,
        }

    # ------------------------------------------------------ requests to the app

    async def send_command(
        self,
        app_url: str,
        command: str,
        text: str = "",
        *,
        user_id: str = "U1",
        channel_id: str | None = None,
        forge_signature: bool = False,
        stale_timestamp: bool = False,
        **extra: str,
    ) -> AppResponse:
        """POST a signed, form-encoded slash command to the app."""
        payload = self.command_payload(
            command, text, user_id=user_id, channel_id=channel_id, **extra
        )
        return await self._send_interaction(
            app_url, payload, payload, forge_signature, stale_timestamp
        )

    async def send_action(
        self,
        app_url: str,
        action_id: str,
        value: str | None = None,
        *,
        block_id: str = "b1",
        user_id: str = "U1",
        channel_id: str | None = None,
        message_ts: str | None = None,
        forge_signature: bool = False,
        stale_timestamp: bool = False,
        ephemeral: bool = False,
    ) -> AppResponse:
        """POST a signed ``payload=<json>`` block_actions interaction to the app."""
        payload = self.action_payload(
            action_id,
            value,
            block_id=block_id,
            user_id=user_id,
            channel_id=channel_id,
            message_ts=message_ts,
            ephemeral=ephemeral,
        )
        form = {"payload": json.dumps(payload)}
        return await self._send_interaction(
            app_url, form, payload, forge_signature, stale_timestamp
        )

    async def submit_view(
        self,
        app_url: str,
        view_id: str | None = None,
        values: Mapping[str, str] | None = None,
        *,
        user_id: str | None = None,
        forge_signature: bool = False,
    ) -> AppResponse:
        """POST a signed ``payload=<json>`` view_submission of an open modal (see
        `view_submission_payload`) and apply the app's answer to the modal (see
        `_view_answered`; then `views`, `open_modals` and `view_errors` show it)."""
        payload = self.view_submission_payload(view_id, values, user_id=user_id)
        form = {"payload": json.dumps(payload)}
        resp = await self.send_signed(
            app_url,
            urlencode(form),
            "application/x-www-form-urlencoded",
            forge_signature=forge_signature,
        )
        resp.trigger_id = payload["trigger_id"]
        if resp.status == 200:
            self._view_answered(payload["view"]["id"], resp.json())
        return resp

    async def _send_interaction(
        self,
        app_url: str,
        form: Mapping[str, str],
        payload: Mapping[str, Any],
        forge_signature: bool,
        stale_timestamp: bool,
    ) -> AppResponse:
        """POST `form` signed and form-encoded, as Slack sends a slash command or an
        interaction; the response carries `payload`'s trigger_id and response_url."""
        resp = await self.send_signed(
            app_url,
            urlencode(form),
            "application/x-www-form-urlencoded",
            forge_signature=forge_signature,
            stale_timestamp=stale_timestamp,
        )
        resp.trigger_id, resp.response_url = payload["trigger_id"], payload["response_url"]
        return resp

    async def send_event(
        self,
        app_url: str,
        event: Mapping[str, Any],
        *,
        forge_signature: bool = False,
        stale_timestamp: bool = False,
    ) -> AppResponse:
        """POST a signed Events API JSON callback to the app."""
        return await self.send_signed(
            app_url,
            json.dumps(self.event_payload(event)),
            _JSON,
            forge_signature=forge_signature,
            stale_timestamp=stale_timestamp,
        )

    async def send_signed(
        self,
        app_url: str,
        body: str,
        content_type: str,
        *,
        forge_signature: bool = False,
        stale_timestamp: bool = False,
    ) -> AppResponse:
        """POST ``body`` signed as Slack signs it (or forged, or 6 minutes old)."""
        if self._session is None:
            raise RuntimeError("FakeSlack is not started")
        timestamp = str(int(time.time()) - (STALE_TIMESTAMP_AGE if stale_timestamp else 0))
        signature = SignatureVerifier(self.signing_secret).generate_signature(
            timestamp=timestamp, body=body
        )
        if forge_signature or signature is None:
            signature = "v0=" + "0" * 64
        headers = {
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": timestamp,
            "X-Slack-Signature": signature,
        }
        started = time.perf_counter()
        async with self._session.post(app_url, data=body.encode(), headers=headers) as resp:
            text = await resp.text()
            status, content_type = resp.status, resp.content_type
        return AppResponse(status, text, time.perf_counter() - started, content_type)

    # --------------------------------------------- requests over Socket Mode

    async def send_socket_command(
        self, command: str, text: str = "", **kwargs: Any
    ) -> dict[str, Any]:
        """A slash command over Socket Mode; returns the ack (``payload`` if it had a body)."""
        payload = self.command_payload(command, text, **kwargs)
        return await self.send_socket("slash_commands", payload, accepts_response_payload=True)

    async def send_socket_action(
        self, action_id: str, value: str | None = None, **kwargs: Any
    ) -> dict[str, Any]:
        """A block action over Socket Mode; returns the ack."""
        payload = self.action_payload(action_id, value, **kwargs)
        return await self.send_socket("interactive", payload)

    async def submit_socket_view(
        self,
        view_id: str | None = None,
        values: Mapping[str, str] | None = None,
        *,
        user_id: str | None = None,
    ) -> dict[str, Any]:
        """A view_submission over Socket Mode (see `submit_view`); returns the ack, whose
        ``payload`` is the app's answer, already applied to the modal."""
        payload = self.view_submission_payload(view_id, values, user_id=user_id)
        ack = await self.send_socket("interactive", payload, accepts_response_payload=True)
        self._view_answered(payload["view"]["id"], ack.get("payload"))
        return ack

    async def send_socket_event(self, event: Mapping[str, Any]) -> dict[str, Any]:
        """An Events API event over Socket Mode; returns the ack."""
        return await self.send_socket("events_api", self.event_payload(event))


# ----------------------------------------------------------------- module helpers


def _json_arg(value: Any) -> dict[str, Any] | None:
    """An argument the client may send as JSON text (form bodies) or as an object."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return None
    return value if isinstance(value, dict) else None


async def _read_args(request: web.Request) -> dict[str, Any]:
    """Query string, then form or JSON body, merged; JSON-string fields decoded."""
    args: dict[str, Any] = dict(request.query)
    if request.can_read_body:
        if request.content_type == _JSON:
            data = await request.json()
            if isinstance(data, dict):
                args.update(data)
        else:
            form = await request.post()
            for key, value in form.items():
                args[key] = value.file.read() if isinstance(value, web.FileField) else value
    for key in _JSON_FIELDS:
        raw = args.get(key)
        if isinstance(raw, str) and raw[:1] in ("[", "{"):
            # Undecodable JSON is left as sent; the method then rejects it as Slack would.
            with contextlib.suppress(ValueError):
                args[key] = json.loads(raw)
    return args


def _content(args: Mapping[str, Any], *, required: bool) -> tuple[str, list[dict[str, Any]]]:
    """Text and blocks of a message, checked against Slack's limits."""
    text = str(args.get("text") or "")
    blocks = args.get("blocks") or []
    if not isinstance(blocks, list):
        raise SlackError("invalid_blocks_format")
    if required and not text and not blocks and not args.get("attachments"):
        raise SlackError("no_text")
    if len(text) > MAX_TEXT:
        raise SlackError("msg_too_long")
    if len(blocks) > MAX_BLOCKS or not all(block_fits(b) for b in blocks):
        raise SlackError("invalid_blocks")
    return text, blocks


def block_fits(block: Any) -> bool:
    """Whether one block keeps Slack's limits: a section's text at most 3,000 characters,
    a header's 150, an actions block at most 25 elements, each button's text at most 75,
    its value 2,000 and its action id 255."""
    if not isinstance(block, dict):
        return False
    text = block.get("text")
    limit = {"section": MAX_SECTION_TEXT, "header": MAX_HEADER_TEXT}.get(str(block.get("type")))
    if limit is not None and isinstance(text, dict) and len(str(text.get("text", ""))) > limit:
        return False
    if block.get("type") != "actions":
        return True
    elements = block.get("elements") or []
    return len(elements) <= MAX_ELEMENTS and all(_button_fits(e) for e in elements)


def _button_fits(element: Any) -> bool:
    if not isinstance(element, dict) or element.get("type") != "button":
        return True
    text = element.get("text")
    label = str(text.get("text", "")) if isinstance(text, dict) else ""
    return (
        1 <= len(label) <= MAX_BUTTON_TEXT
        and len(str(element.get("value") or "")) <= MAX_BUTTON_VALUE
        and 1 <= len(str(element.get("action_id") or "")) <= MAX_ACTION_ID
    )


def check_modal(view: Any) -> None:
    """A modal view within Slack's limits, else ``invalid_arguments``: a plain_text title
    of 1 to 24 characters, submit and close buttons of at most 24, a callback_id of at
    most 255 characters, private_metadata of at most 3,000, at most 100 blocks, and input
    blocks only with a submit button. An input block needs a unique block_id (at most 255
    characters) and a plain_text label of 1 to 2,000; a plain_text_input's lengths lie in
    0..3,000 (max_length from 1) and its placeholder holds at most 150 characters."""
    if not isinstance(view, dict) or view.get("type") != "modal":
        raise SlackError("invalid_arguments")
    if not _plain_fits(view.get("title"), 1, MAX_VIEW_TEXT):
        raise SlackError("invalid_arguments")
    for button in ("submit", "close"):
        if button in view and not _plain_fits(view[button], 1, MAX_VIEW_TEXT):
            raise SlackError("invalid_arguments")
    if len(str(view.get("callback_id", ""))) > MAX_ID:
        raise SlackError("invalid_arguments")
    if len(str(view.get("private_metadata", ""))) > MAX_METADATA:
        raise SlackError("invalid_arguments")
    blocks = view.get("blocks")
    if not isinstance(blocks, list) or len(blocks) > MAX_VIEW_BLOCKS:
        raise SlackError("invalid_arguments")
    seen: set[str] = set()
    for block in blocks:
        if not block_fits(block):
            raise SlackError("invalid_arguments")
        if block.get("type") != "input":
            continue
        block_id = str(block.get("block_id", ""))
        if "submit" not in view or not block_id or len(block_id) > MAX_ID or block_id in seen:
            raise SlackError("invalid_arguments")
        seen.add(block_id)
        if not _plain_fits(block.get("label"), 1, MAX_INPUT_LABEL):
            raise SlackError("invalid_arguments")
        element = block.get("element")
        if not isinstance(element, dict) or not _input_fits(element):
            raise SlackError("invalid_arguments")


def _plain_fits(text: Any, shortest: int, longest: int) -> bool:
    return (
        isinstance(text, dict)
        and text.get("type") == "plain_text"
        and isinstance(text.get("text"), str)
        and shortest <= len(text["text"]) <= longest
    )


def _input_fits(element: Mapping[str, Any]) -> bool:
    """A plain_text_input within Slack's limits (other elements are not checked)."""
    if element.get("type") != "plain_text_input":
        return True
    low, high = element.get("min_length", 0), element.get("max_length", MAX_INPUT_LENGTH)
    return (
        len(str(element.get("action_id", ""))) <= MAX_ID
        and isinstance(low, int)
        and isinstance(high, int)
        and 0 <= low <= MAX_INPUT_LENGTH
        and 1 <= high <= MAX_INPUT_LENGTH
        and (
            "placeholder" not in element or _plain_fits(element["placeholder"], 1, MAX_PLACEHOLDER)
        )
        and isinstance(element.get("initial_value", ""), str)
    )


def _split(value: Any) -> Iterable[str]:
    if isinstance(value, list):
        return [str(v) for v in value]
    return [v for v in str(value or "").split(",") if v]


def _truthy(value: Any) -> bool:
    return value is True or str(value).lower() in ("true", "1")
