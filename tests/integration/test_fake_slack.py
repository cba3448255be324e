"""The real slack-bolt AsyncApp and slack-sdk clients against the fake Slack, end to end.

Everything runs on 127.0.0.1: the fake on one port, the Bolt app's aiohttp server on
another. Waiting is on recorded calls (``fake.wait_for``), never on fixed sleeps, and
Slack's time limits are crossed with ``fake.advance`` instead of waiting them out.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio
from aiohttp import web
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncRateLimitErrorRetryHandler,
    async_default_handlers,
)
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from tests.fakes.slack_server import RESPONSE_URL_TTL, TRIGGER_TTL, FakeSlack
from tests.fakes.world import keep_clients_local

SECRET = "fake-signing-secret"
BOT_TOKEN = "xoxb-1-fake-bot"
APP_TOKEN = "xapp-1-fake-app"
GENERAL = "C0GENERAL"
CHANNELS = {"general": GENERAL, "random": "C0RANDOM"}
USERS = {
    "U1": {"name": "alice", "real_name": "Alice Kim", "locale": "ko-KR"},
    "U2": {"name": "bob"},
    "U3": {"name": "carol"},
}
MODAL = {
    "type": "modal",
    "callback_id": "ask",
    "title": {"type": "plain_text", "text": "Ask a question"},
    "blocks": [],
}
RSVP_BLOCKS = [
    {
        "type": "actions",
        "block_id": "rsvp_block",
        "elements": [
            {
                "type": "button",
                "action_id": "rsvp",
                "text": {"type": "plain_text", "text": "Going"},
                "value": "talk-1",
            }
        ],
    }
]


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    """Nothing between the clients and the fakes on 127.0.0.1."""
    keep_clients_local(monkeypatch)


@pytest_asyncio.fixture
async def fake() -> AsyncIterator[FakeSlack]:
    """A running fake workspace with two channels, three users and one user group."""
    async with FakeSlack(
        signing_secret=SECRET,
        bot_token=BOT_TOKEN,
        app_token=APP_TOKEN,
        channels=CHANNELS,
        users=USERS,
        usergroups={"S0SPEAKERS": ["U1", "U2"]},
    ) as fake:
        yield fake


@pytest_asyncio.fixture
async def app(fake: FakeSlack) -> AsyncApp:
    """The real Bolt app; its client retries 429s as the bot's will."""
    client = AsyncWebClient(
        token=BOT_TOKEN,
        base_url=fake.api_base,
        retry_handlers=[*async_default_handlers(), AsyncRateLimitErrorRetryHandler(2)],
    )
    return AsyncApp(client=client, signing_secret=SECRET)


@pytest_asyncio.fixture
async def app_url(app: AsyncApp) -> AsyncIterator[str]:
    """The app served over HTTP on 127.0.0.1 (``app.start()`` would block on 0.0.0.0)."""
    runner = web.AppRunner(app.web_app(path="/slack/events"), shutdown_timeout=1.0)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    yield f"http://127.0.0.1:{runner.addresses[0][1]}/slack/events"
    await runner.cleanup()


def bot_client(fake: FakeSlack, token: str | None = BOT_TOKEN) -> AsyncWebClient:
    """A plain client with slack-sdk's default retry handlers (no 429 retries)."""
    return AsyncWebClient(token=token, base_url=fake.api_base)


# ------------------------------------------------------------ Bolt over HTTP


async def test_slash_command_is_acked_and_respond_reaches_response_url(
    fake: FakeSlack, app: AsyncApp, app_url: str
) -> None:
    @app.command("/agenda")
    async def agenda(ack: Any, respond: Any, command: dict[str, Any]) -> None:
        await ack()
        await respond(f"Day {command['text']} agenda")

    resp = await fake.send_command(app_url, "/agenda", "1", user_id="U1", channel_id=GENERAL)

    assert resp.status == 200
    assert resp.elapsed < 3  # Slack gives up on an app after 3 s
    posted = await fake.wait_for("response_url")
    assert posted.body["text"] == "Day 1 agenda"
    assert posted.status == 200
    assert resp.response_url is not None and resp.response_url.endswith(posted.path)
    assert [c.method for c in fake.calls] == ["auth.test", "response_url"]


async def test_listener_post_message_reaches_fake(
    fake: FakeSlack, app: AsyncApp, app_url: str
) -> None:
    @app.command("/announce")
    async def announce(ack: Any, client: AsyncWebClient, command: dict[str, Any]) -> None:
        await ack(text="Posting…")
        await client.chat_postMessage(channel=command["channel_id"], text=command["text"])

    resp = await fake.send_command(app_url, "/announce", "Doors open at 9", channel_id=GENERAL)

    assert resp.status == 200
    # Over HTTP an ack with only text is a text/plain body (over Socket Mode it is JSON).
    assert (resp.content_type, resp.body) == ("text/plain", "Posting…")
    call = await fake.wait_for("chat.postMessage")
    assert call.ok
    assert call.headers["Authorization"] == f"Bearer {BOT_TOKEN}"
    assert call.body["channel"] == GENERAL
    assert [m.text for m in fake.messages_in(GENERAL)] == ["Doors open at 9"]
    # Bolt checks the token once, on the first request.
    assert len(fake.calls_to("auth.test")) == 1


async def test_block_action_round_trip(fake: FakeSlack, app: AsyncApp, app_url: str) -> None:
    posted = await app.client.chat_postMessage(channel=GENERAL, text="Talk 1", blocks=RSVP_BLOCKS)
    ts = posted["ts"]

    @app.action("rsvp")
    async def rsvp(ack: Any, body: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        who, what = body["user"]["id"], body["actions"][0]["value"]
        await client.chat_update(
            channel=body["channel"]["id"], ts=body["message"]["ts"], text=f"{who} → {what}"
        )

    resp = await fake.send_action(
        app_url, "rsvp", "talk-1", block_id="rsvp_block", user_id="U2", message_ts=ts
    )

    assert resp.status == 200
    update = await fake.wait_for("chat.update")
    assert update.ok
    message = fake.message(GENERAL, ts)
    assert message is not None and message.edited
    assert message.text == "U2 → talk-1"


async def test_app_home_opened_event_publishes_home_view(
    fake: FakeSlack, app: AsyncApp, app_url: str
) -> None:
    @app.event("app_home_opened")
    async def home(event: dict[str, Any], client: AsyncWebClient) -> None:
        view = {"type": "home", "blocks": [{"type": "section", "text": _mrkdwn("Hello")}]}
        await client.views_publish(user_id=event["user"], view=view)

    event = {"type": "app_home_opened", "user": "U3", "channel": "D0HOME", "tab": "home"}
    resp = await fake.send_event(app_url, event)

    assert resp.status == 200
    assert (await fake.wait_for("views.publish")).ok
    assert fake.home_views["U3"]["blocks"][0]["text"]["text"] == "Hello"


@pytest.mark.parametrize(
    ("kind", "forge", "stale"),
    [("command", True, False), ("command", False, True), ("action", True, False)],
    ids=["forged-command", "stale-command", "forged-action"],
)
async def test_bad_signature_or_old_timestamp_gets_401(
    fake: FakeSlack, app: AsyncApp, app_url: str, kind: str, forge: bool, stale: bool
) -> None:
    ran: list[str] = []

    @app.command("/agenda")
    async def agenda(ack: Any) -> None:
        ran.append("command")
        await ack()

    @app.action("rsvp")
    async def rsvp(ack: Any) -> None:
        ran.append("action")
        await ack()

    async def send(bad_sig: bool, old_ts: bool) -> int:
        if kind == "command":
            sent = fake.send_command(
                app_url, "/agenda", forge_signature=bad_sig, stale_timestamp=old_ts
            )
        else:
            sent = fake.send_action(
                app_url, "rsvp", "talk-1", forge_signature=bad_sig, stale_timestamp=old_ts
            )
        return (await sent).status

    assert await send(forge, stale) == 401
    # Rejected before any listener or even the token check ran.
    assert ran == []
    assert fake.calls == []
    # Control: the same request, properly signed, does run (and is acked before 200).
    assert await send(bad_sig=False, old_ts=False) == 200
    assert ran == [kind]


async def test_forced_429_is_retried_by_rate_limit_handler(
    fake: FakeSlack, app: AsyncApp, app_url: str
) -> None:
    # Retry-After 0 keeps the test fast: the handler sleeps Retry-After + random() < 1 s.
    fake.force_rate_limit("chat.postMessage", times=1, retry_after=0)

    @app.command("/announce")
    async def announce(ack: Any, client: AsyncWebClient, command: dict[str, Any]) -> None:
        await ack()
        await client.chat_postMessage(channel=command["channel_id"], text="Keynote in 5")

    resp = await fake.send_command(app_url, "/announce", channel_id=GENERAL)

    assert resp.status == 200
    await fake.wait_for(lambda c: c.method == "chat.postMessage" and c.ok)
    first, second = fake.calls_to("chat.postMessage")
    assert (first.status, first.response["error"]) == (429, "ratelimited")
    assert second.status == 200
    assert [m.text for m in fake.messages_in(GENERAL)] == ["Keynote in 5"]


async def test_default_client_does_not_retry_429(fake: FakeSlack) -> None:
    fake.force_rate_limit("chat.postMessage", retry_after=7)

    with pytest.raises(SlackApiError) as err:
        await bot_client(fake).chat_postMessage(channel=GENERAL, text="hi")

    assert err.value.response.status_code == 429
    assert err.value.response.headers["Retry-After"] == "7"
    assert len(fake.calls_to("chat.postMessage")) == 1
    assert fake.messages_in(GENERAL) == []


async def test_views_open_needs_a_fresh_unused_trigger(
    fake: FakeSlack, app: AsyncApp, app_url: str
) -> None:
    outcomes: asyncio.Queue[str] = asyncio.Queue()

    async def open_modal(client: AsyncWebClient, trigger_id: str) -> None:
        try:
            await client.views_open(trigger_id=trigger_id, view=MODAL)
            outcomes.put_nowait("ok")
        except SlackApiError as e:
            outcomes.put_nowait(e.response["error"])

    @app.command("/ask")
    async def ask(ack: Any, body: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        await open_modal(client, body["trigger_id"])
        await open_modal(client, body["trigger_id"])  # a trigger_id works once

    @app.action("ask_button")
    async def slow_click(ack: Any, body: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        fake.advance(TRIGGER_TTL + 0.5)  # as if the listener had been busy for 3.5 s
        await open_modal(client, body["trigger_id"])

    assert (await fake.send_command(app_url, "/ask")).status == 200
    assert await outcomes.get() == "ok"
    assert await outcomes.get() == "exchanged_trigger_id"
    assert (await fake.send_action(app_url, "ask_button")).status == 200
    assert await asyncio.wait_for(outcomes.get(), 5) == "expired_trigger_id"
    assert [v["callback_id"] for v in fake.views.values()] == ["ask"]


async def test_conversations_open_gives_a_dm_that_can_be_posted_to(
    fake: FakeSlack, app: AsyncApp, app_url: str
) -> None:
    @app.command("/remindme")
    async def remind(ack: Any, client: AsyncWebClient, command: dict[str, Any]) -> None:
        await ack()
        dm = await client.conversations_open(users=command["user_id"])
        await client.chat_postMessage(channel=dm["channel"]["id"], text="Reminder set")

    assert (await fake.send_command(app_url, "/remindme", user_id="U2")).status == 200

    post = await fake.wait_for("chat.postMessage")
    dm_id = fake.calls_to("conversations.open")[0].response["channel"]["id"]
    assert dm_id.startswith("D")
    assert post.body["channel"] == dm_id
    assert [m.text for m in fake.messages_in(dm_id)] == ["Reminder set"]
    # Opening again returns the same DM.
    again = await bot_client(fake).conversations_open(users="U2")
    assert again["channel"]["id"] == dm_id
    assert again["already_open"] is True


async def test_files_upload_v2(fake: FakeSlack, app: AsyncApp) -> None:
    resp = await app.client.files_upload_v2(
        channel=GENERAL,
        content="09:00 Keynote\n10:00 Talks",
        filename="agenda.txt",
        title="Agenda",
        initial_comment="Today's agenda",
    )

    file_id = resp["file"]["id"]
    assert fake.files[file_id]["content"] == b"09:00 Keynote\n10:00 Talks"
    assert [c.method for c in fake.calls] == [
        "files.getUploadURLExternal",
        "files.upload",
        "files.completeUploadExternal",
    ]
    (message,) = fake.messages_in(GENERAL)
    assert message.text == "Today's agenda"
    assert [(f["id"], f["title"]) for f in message.files] == [(file_id, "Agenda")]


# ------------------------------------------------------ Bolt over Socket Mode


async def test_socket_mode_command_round_trip(fake: FakeSlack, app: AsyncApp) -> None:
    @app.command("/agenda")
    async def agenda(ack: Any, respond: Any) -> None:
        await ack("Day 1")
        await respond("Details follow")

    # Built inside the running loop: the handler makes its aiohttp session in __init__.
    handler = AsyncSocketModeHandler(app, APP_TOKEN, ping_interval=1)
    await handler.connect_async()
    try:
        ack = await fake.send_socket_command("/agenda", "1")
        assert ack["payload"] == {"text": "Day 1"}
        assert (await fake.wait_for("response_url")).body["text"] == "Details follow"
        opened = fake.calls_to("apps.connections.open")[0]
        assert opened.headers["Authorization"] == f"Bearer {APP_TOKEN}"
        (first_link,) = fake.calls_to("socket.open")

        # Slack asks for a reconnect now and then; the client opens a new link at once.
        await fake.disconnect_socket()
        await fake.wait_for(lambda c: c.method == "socket.open" and c is not first_link)
        ack = await fake.send_socket_command("/agenda", "2")
        assert ack["payload"] == {"text": "Day 1"}
    finally:
        await handler.close_async()


# --------------------------------------------------------- the fake's rules


async def test_web_api_checks_the_token(fake: FakeSlack) -> None:
    assert (await bot_client(fake).auth_test())["user_id"] == fake.bot_user_id

    for token, error in [
        ("xoxb-wrong", "invalid_auth"),
        (None, "not_authed"),
        (APP_TOKEN, "not_allowed_token_type"),
    ]:
        with pytest.raises(SlackApiError) as err:
            await bot_client(fake, token).chat_postMessage(channel=GENERAL, text="hi")
        assert err.value.response["error"] == error
    assert fake.messages_in(GENERAL) == []


async def test_post_message_is_paced_per_channel() -> None:
    async with FakeSlack(signing_secret=SECRET, bot_token=BOT_TOKEN, post_burst=2) as fake:
        client = bot_client(fake)
        for n in range(2):
            await client.chat_postMessage(channel="#general", text=f"burst {n}")
        with pytest.raises(SlackApiError) as err:
            await client.chat_postMessage(channel="#general", text="one too many")
        assert err.value.response.status_code == 429
        assert err.value.response.headers["Retry-After"] == "1"

        fake.advance(1.0)  # about one message a second per channel
        await client.chat_postMessage(channel="#general", text="later")
        assert [m.text for m in fake.messages_in("C0GENERAL")] == ["burst 0", "burst 1", "later"]


async def test_message_rules(fake: FakeSlack) -> None:
    client = bot_client(fake)
    for kwargs, error in [
        ({"channel": "C0NOPE", "text": "x"}, "channel_not_found"),
        ({"channel": GENERAL}, "no_text"),
        ({"channel": GENERAL, "text": "x" * 40_001}, "msg_too_long"),
    ]:
        with pytest.raises(SlackApiError) as err:
            # api_call: chat_postMessage() itself warns when text is missing.
            await client.api_call("chat.postMessage", json=kwargs)
        assert err.value.response["error"] == error

    posted = await client.chat_postMessage(channel=GENERAL, text="draft")
    eph = await client.chat_postEphemeral(channel=GENERAL, user="U1", text="only you")
    assert eph["message_ts"]
    await client.chat_delete(channel=GENERAL, ts=posted["ts"])
    assert fake.messages_in(GENERAL) == []
    with pytest.raises(SlackApiError) as err:
        await client.chat_update(channel=GENERAL, ts=posted["ts"], text="gone")
    assert err.value.response["error"] == "message_not_found"


async def test_schedule_message_window(fake: FakeSlack) -> None:
    client = bot_client(fake)
    now = int(time.time())
    for post_at, error in [(now - 60, "time_in_past"), (now + 121 * 86400, "time_too_far")]:
        with pytest.raises(SlackApiError) as err:
            await client.chat_scheduleMessage(channel=GENERAL, text="x", post_at=post_at)
        assert err.value.response["error"] == error

    ok = await client.chat_scheduleMessage(channel=GENERAL, text="Lunch", post_at=now + 3600)
    sid = ok["scheduled_message_id"]
    assert fake.scheduled[sid]["text"] == "Lunch"
    await client.chat_deleteScheduledMessage(channel=GENERAL, scheduled_message_id=sid)
    assert fake.scheduled == {}


async def test_response_url_allows_five_uses_in_thirty_minutes(fake: FakeSlack) -> None:
    hook = AsyncWebhookClient(fake.issue_response_url(GENERAL))
    for n in range(5):
        assert (await hook.send(text=f"use {n}")).status_code == 200
    sixth = await hook.send(text="use 5")
    assert (sixth.status_code, sixth.body) == (404, "used_url")

    late = AsyncWebhookClient(fake.issue_response_url(GENERAL))
    fake.advance(RESPONSE_URL_TTL + 1)
    expired = await late.send(text="too late")
    assert (expired.status_code, expired.body) == (404, "expired_url")
    assert len(fake.calls_to("response_url")) == 7


async def test_response_url_replaces_deletes_and_posts_in_channel(fake: FakeSlack) -> None:
    posted = await bot_client(fake).chat_postMessage(channel=GENERAL, text="Vote!")
    hook = AsyncWebhookClient(fake.issue_response_url(GENERAL, posted["ts"]))

    await hook.send(text="Thanks for voting", replace_original=True)
    message = fake.message(GENERAL, posted["ts"])
    assert message is not None and message.text == "Thanks for voting"
    await hook.send(text="Results soon", response_type="in_channel")
    await hook.send(delete_original=True)
    assert [m.text for m in fake.messages_in(GENERAL)] == ["Results soon"]


async def test_directory_methods(fake: FakeSlack) -> None:
    client = bot_client(fake)

    page = await client.conversations_list(limit=1)
    assert [c["name"] for c in page["channels"]] == ["general"]
    rest = await client.conversations_list(limit=1, cursor=page["response_metadata"]["next_cursor"])
    assert [c["id"] for c in rest["channels"]] == ["C0RANDOM"]
    assert rest["response_metadata"]["next_cursor"] == ""
    assert (await client.conversations_info(channel=GENERAL))["channel"]["name"] == "general"

    alice = (await client.users_info(user="U1", include_locale=True))["user"]
    assert (alice["real_name"], alice["locale"]) == ("Alice Kim", "ko-KR")
    speakers = await client.usergroups_users_list(usergroup="S0SPEAKERS")
    assert speakers["users"] == ["U1", "U2"]

    for method, kwargs, error in [
        ("users.info", {"user": "U9"}, "user_not_found"),
        ("usergroups.users.list", {"usergroup": "S0NOPE"}, "no_such_subteam"),
        ("conversations.info", {"channel": "C0NOPE"}, "channel_not_found"),
    ]:
        with pytest.raises(SlackApiError) as err:
            await client.api_call(method, params=kwargs)
        assert err.value.response["error"] == error


async def test_wait_for_reports_what_arrived(fake: FakeSlack) -> None:
    await bot_client(fake).auth_test()
    with pytest.raises(TimeoutError, match=r"auth\.test\(200\)"):
        await fake.wait_for("chat.postMessage", timeout=0.05)


def _mrkdwn(text: str) -> dict[str, str]:
    return {"type": "mrkdwn", "text": text}
