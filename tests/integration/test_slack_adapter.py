"""The Slack adapter end to end: the real Bolt app over HTTP against the fake Slack."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import re
import signal
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from bot.core.dispatch import Core
from bot.core.model import Attachment, ChannelRef, Reply, Role, Stamp, UserRef, plain
from bot.core.registry import command
from bot.delivery.sender import Sender
from bot.i18n import L
from bot.platforms.base import DeliveryError, StartupError
from bot.platforms.slack.adapter import SlackAdapter, SlackSettings
from bot.platforms.slack.manifest import manifest, slack_name
from bot.platforms.slack.render import escape, render_blocks, render_text
from bot.settings import PlatformConfig
from bot.storage.outbox import Delivery, enqueue
from commands import ALL
from tests.fakes.discord_server import FakeDiscord
from tests.fakes.environment import bot_env, run_bot, serve_http, web_port
from tests.fakes.slack_server import FakeSlack, answer_at, block_fits
from tests.fakes.world import keep_clients_local
from tests.unit.commands.test_agenda_commands import big_programme

SECRET = "slack-test-signing-secret"
BOT_TOKEN = "xoxb-test-bot-token"
ANNOUNCE = "C0ANNOUNCE"
HALL = "C0HALL"
CHANNELS = {"general": "C0GENERAL", "announcements": ANNOUNCE, "grand-hall": HALL}
ROOT = Path(__file__).resolve().parents[2]

Start = Callable[..., Awaitable[tuple[FakeSlack, SlackAdapter, str]]]


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    """Nothing between the clients and the fakes on 127.0.0.1."""
    keep_clients_local(monkeypatch)


@pytest_asyncio.fixture
async def start(core: Core) -> AsyncIterator[Start]:
    """A fake Slack and the adapter serving HTTP on a free port; both stop afterwards."""
    async with contextlib.AsyncExitStack() as stack:

        async def go(token: str = BOT_TOKEN, **options: Any) -> tuple[FakeSlack, SlackAdapter, str]:
            fake = await stack.enter_async_context(
                FakeSlack(
                    signing_secret=SECRET,
                    bot_token=BOT_TOKEN,
                    channels=CHANNELS,
                    usergroups={"S0MODS": ["U9"]},
                    usergroup_handles={"S0MODS": "forum-moderators"},
                    **options,
                )
            )
            config = PlatformConfig(
                channels={"announcements": "announcements"},
                rooms={"grand-hall": HALL},
                roles={"moderator": ["forum-moderators"], "organiser": ["U7"]},
            )
            settings = SlackSettings(
                bot_token=token,
                signing_secret=SECRET,
                api_base=fake.api_base,
                pace_seconds=0.01,
            )
            adapter = SlackAdapter(core, settings, config)
            stack.push_async_callback(adapter.stop)
            await adapter.start()
            # Slack's HTTP mode lives on the bot's one web server, as in `forum-bot run`.
            return fake, adapter, await serve_http(stack, adapter) + "/slack/events"

        yield go


def block_text(blocks: list[dict[str, Any]]) -> str:
    out = []
    for b in blocks:
        if "text" in b:
            out.append(b["text"]["text"])
        for f in b.get("fields", []):
            out.append(f["text"])
        for e in b.get("elements", []):
            out.append(
                e.get("text", {}).get("text", "")
                if isinstance(e.get("text"), dict)
                else e.get("text", "")
            )
    return "\n".join(out)


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        ("/agenda", "1", "Registration"),
        ("/agenda", "", "Day 1"),
        ("/now", "", "Registration"),
        ("/next", "", "Opening Ceremony"),
        ("/session", "Dialogue with Global Scholars", "Ping Liu"),
        ("/speaker", "와타나베", "Masayoshi Watanabe"),
        ("/find", "solid-state", "Tech Partnering"),  # /search is Slack's own
        ("/timezone", "America/Los_Angeles", "America/Los_Angeles"),
        ("/language", "ko", "한국어"),
        ("/help", "", "/agenda"),
    ],
)
async def test_every_agenda_command_is_answered_in_the_ack(
    start: Start, name: str, text: str, expected: str
) -> None:
    fake, _, url = await start()
    resp = await fake.send_command(url, name, text)
    assert resp.status == 200
    assert resp.elapsed < 3
    body = resp.json()
    assert body["response_type"] == "ephemeral"
    assert expected in block_text(body["blocks"])


async def test_session_times_are_slack_dates(start: Start) -> None:
    fake, _, url = await start()
    body = (await fake.send_command(url, "/session", "dialogue")).json()
    assert "<!date^1770264000^{date_short_pretty} {time}|Thu 5 Feb 13:00>" in block_text(
        body["blocks"]
    )


async def test_a_wrong_argument_gets_the_usage(start: Start) -> None:
    fake, _, url = await start()
    body = (await fake.send_command(url, "/now", "please")).json()
    assert "did not understand 'please'" in block_text(body["blocks"])
    body = (await fake.send_command(url, "/session", "")).json()
    assert "Usage: /session &lt;session&gt;" in block_text(
        body["blocks"]
    )  # escaped, shown as typed


async def test_a_slow_handler_is_acked_then_answered_by_respond(start: Start, core: Core) -> None:
    release = asyncio.Event()

    @command("slow", L("slow"))
    async def slow(ctx: Any) -> Reply:
        await release.wait()
        return Reply("finally")

    core.add_command(slow)
    fake, adapter, url = await start()
    object.__setattr__(adapter.settings, "ack_after", 0.05)
    adapter.app.command("/slow")(adapter._command)
    resp = await fake.send_command(url, "/slow")
    assert resp.status == 200 and resp.body == ""
    release.set()
    answer = await fake.wait_for("response_url")
    assert "finally" in block_text(answer.body["blocks"])
    assert answer.body["response_type"] == "ephemeral"


async def test_an_answer_still_under_way_at_stop_is_cancelled(start: Start, core: Core) -> None:
    @command("stuck", L("stuck"))
    async def stuck(ctx: Any) -> Reply:
        await asyncio.Event().wait()
        return Reply("never")

    core.add_command(stuck)
    fake, adapter, url = await start()
    object.__setattr__(adapter.settings, "ack_after", 0.05)
    adapter.app.command("/stuck")(adapter._command)
    resp = await fake.send_command(url, "/stuck")
    assert resp.status == 200 and resp.body == ""  # acked, the answer still to come
    pending = set(adapter._tasks)
    assert pending
    loop = asyncio.get_running_loop()
    began = loop.time()
    await adapter.stop()
    assert loop.time() - began < 3
    assert all(t.done() for t in pending) and not adapter._tasks


async def test_acks_do_not_wait_for_the_work_after_them(
    start: Start, core: Core, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Bolt answers once a listener returns: a button's and an event's work come after."""
    fake, _, url = await start()
    fake.answer_delays["views.publish"] = 1.0
    resp = await fake.send_event(url, {"type": "app_home_opened", "user": "U1", "tab": "home"})
    assert resp.status == 200 and resp.elapsed < 0.5
    await fake.wait_for("views.publish")
    release = asyncio.Event()
    on_action = core.on_action

    async def slow_action(act: Any) -> Reply:
        await release.wait()
        return await on_action(act)

    monkeypatch.setattr(core, "on_action", slow_action)
    resp = await fake.send_action(url, "agenda.day#0", "2")
    assert resp.status == 200 and resp.body == ""
    assert not fake.calls_to("response_url")
    release.set()
    assert "Day 2" in block_text((await fake.wait_for("response_url")).body["blocks"])


async def test_slack_checks_get_their_answers(start: Start) -> None:
    """Bolt's URL verification and SSL check still run, behind the signature check."""
    fake, _, url = await start()
    challenge = json.dumps({"type": "url_verification", "token": "t", "challenge": "c0ffee"})
    resp = await fake.send_signed(url, challenge, "application/json")
    assert resp.status == 200 and resp.json() == {"challenge": "c0ffee"}
    resp = await fake.send_signed(url, "ssl_check=1&token=t", "application/x-www-form-urlencoded")
    assert resp.status == 200
    forged = await fake.send_signed(url, challenge, "application/json", forge_signature=True)
    assert forged.status == 401


async def test_user_groups_and_ids_map_to_roles(start: Start, core: Core) -> None:
    @command("mod-only", L("moderators"), role=Role.MODERATOR)
    async def mod_only(ctx: Any) -> Reply:
        return Reply(f"hello {ctx.role.name.lower()}")

    core.add_command(mod_only)
    fake, adapter, url = await start()
    adapter.app.command("/mod-only")(adapter._command)
    refused = (await fake.send_command(url, "/mod-only", user_id="U1")).json()
    assert "Only moderators" in block_text(refused["blocks"])
    moderator = (await fake.send_command(url, "/mod-only", user_id="U9")).json()
    assert "hello moderator" in block_text(moderator["blocks"])
    organiser = (await fake.send_command(url, "/mod-only", user_id="U7")).json()
    assert "hello organiser" in block_text(organiser["blocks"])
    assert len(fake.calls_to("usergroups.list")) == 1  # cached between commands


async def test_a_button_press_comes_back_to_the_core(start: Start) -> None:
    fake, _, url = await start()
    body = (await fake.send_command(url, "/agenda", "1")).json()
    button = next(b for b in body["blocks"] if b["type"] == "actions")["elements"][0]
    assert button["action_id"] == "agenda.day#0" and button["value"] == "2"
    resp = await fake.send_action(url, button["action_id"], button["value"])
    assert resp.status == 200
    answer = await fake.wait_for("response_url")
    assert "Day 2" in block_text(answer.body["blocks"])
    assert answer.body["response_type"] == "ephemeral"


async def test_a_big_day_comes_in_pages_turned_in_place(start: Start, core: Core) -> None:
    """Item 19 on Slack: /agenda of a day with 2,000 sessions is acked with at most 50
    blocks of at most 3,000 characters, saying how many pages there are; Next on that
    ephemeral answer replaces it with the next page (the fake checks Slack's limits)."""
    core.agenda = big_programme(core.agenda)
    fake, _, url = await start()
    body = (await fake.send_command(url, "/agenda", "1")).json()
    assert body["response_type"] == "ephemeral"
    for page, press in ((1, "Next ▶"), (2, "◀ Previous"), (1, "")):
        blocks = body["blocks"]
        assert len(blocks) <= 50 and all(block_fits(b) for b in blocks), len(blocks)
        text = block_text(blocks)
        found = re.search(rf"Page {page} of (\d+) · ", text)
        assert found and int(found.group(1)) > 10, text[-300:]
        assert ("d1-0000" in text) == (page == 1)
        buttons = next(b for b in blocks if b["type"] == "actions")["elements"]
        labels = [b["text"]["text"] for b in buttons]
        assert labels[:4] == ["Day 2", "Day 3", "Day 4", "Day 5"]
        assert labels[4:] == (["Next ▶"] if page == 1 else ["◀ Previous", "Next ▶"])
        if not press:
            break
        pressed = buttons[labels.index(press)]
        assert pressed["action_id"].startswith("page#")
        resp = await fake.send_action(
            url, pressed["action_id"], pressed["value"], channel_id=HALL, ephemeral=True
        )
        assert resp.status == 200 and resp.response_url
        answer = await fake.wait_for(answer_at(resp.response_url))
        assert answer.status == 200 and answer.body["replace_original"] is True
        body = answer.body


async def test_posts_dms_edits_and_files(start: Start) -> None:
    fake, adapter, _ = await start()
    hostile = "Doors open <!channel> <@U1> *bold* & <https://example.com|click>"
    sent = await adapter.post("announcements", Reply(hostile), key="a1")
    again = await adapter.post("announcements", Reply(hostile), key="a1")
    assert sent == again
    posted = fake.messages_in(ANNOUNCE)
    assert len(posted) == 1
    text = block_text(posted[0].blocks)
    assert "<!channel>" not in text and "&lt;!channel&gt;" in text
    assert "<@U1>" not in text and "<https" not in text
    room = await adapter.post("grand-hall", Reply("The dialogue starts in 10 minutes"))
    assert room.channel_id == HALL
    await adapter.edit(room, Reply("The dialogue starts now"))
    assert "starts now" in block_text(fake.message(HALL, room.message_id).blocks)  # type: ignore[union-attr]
    dm = await adapter.dm(UserRef("slack", "U2"), Reply("Your session starts soon"))
    await adapter.dm(UserRef("slack", "U2"), Reply("It starts now"))
    assert dm.channel_id.startswith("D")
    assert len(fake.calls_to("conversations.open")) == 1
    await adapter.post(
        "announcements", Reply("the agenda", file=Attachment("agenda.ics", b"BEGIN"))
    )
    assert fake.calls_to("files.completeUploadExternal")
    with pytest.raises(DeliveryError) as missing:
        await adapter.post("no-such-channel", Reply("x"))
    assert missing.value.permanent


async def test_a_429_is_retried_after_retry_after(start: Start) -> None:
    fake, adapter, _ = await start()
    fake.force_rate_limit("chat.postMessage", times=1, retry_after=0)
    await adapter.post("announcements", Reply("after the limit"))
    statuses = [c.status for c in fake.calls_to("chat.postMessage")]
    assert statuses == [429, 200]
    assert len(fake.messages_in(ANNOUNCE)) == 1


async def test_posts_to_one_channel_are_paced(start: Start) -> None:
    fake, adapter, _ = await start()
    object.__setattr__(adapter.settings, "pace_seconds", 0.05)
    loop = asyncio.get_running_loop()
    began = loop.time()
    await asyncio.gather(*(adapter.post("announcements", Reply(f"m{i}")) for i in range(4)))
    assert loop.time() - began >= 0.15  # three gaps of 0.05 s
    assert len(fake.messages_in(ANNOUNCE)) == 4


async def test_a_channels_next_post_waits_for_the_last_to_end_plus_the_pace(
    start: Start,
) -> None:
    # In one process (SQLite), as before budgets: a slow answer does not eat the pace.
    fake, adapter, _ = await start()
    object.__setattr__(adapter.settings, "pace_seconds", 0.05)
    fake.answer_delays["chat.postMessage"] = 0.1
    await asyncio.gather(*(adapter.post("announcements", Reply(f"m{i}")) for i in range(3)))
    arrived = [c.at for c in fake.calls_to("chat.postMessage")]
    # Each answered at least 0.1 s after it arrived; the next came 0.05 s after that.
    assert all(b - a >= 0.15 for a, b in itertools.pairwise(arrived)), arrived


async def test_forged_and_replayed_requests_get_401_and_change_nothing(
    start: Start, store: Any
) -> None:
    fake, _, url = await start()
    forged = await fake.send_command(url, "/language", "ko", forge_signature=True)
    replayed = await fake.send_command(url, "/language", "ko", stale_timestamp=True)
    assert forged.status == 401 and replayed.status == 401
    assert await store.fetchall("SELECT * FROM user_prefs") == []
    assert not fake.calls_to("response_url")


async def test_app_home_shows_now_and_next(start: Start) -> None:
    fake, _, url = await start()
    await fake.send_event(url, {"type": "app_home_opened", "user": "U1", "tab": "home"})
    publish = await fake.wait_for("views.publish")
    text = (
        block_text(publish.body["view"]["blocks"])
        if isinstance(publish.body.get("view"), dict)
        else json.dumps(publish.body)
    )
    assert "Registration" in text and "Opening Ceremony" in text


async def test_a_wrong_token_fails_at_start(start: Start) -> None:
    with pytest.raises(StartupError, match="Slack refused SLACK_BOT_TOKEN"):
        await start(token="xoxb-wrong")


def test_rendering_and_manifest() -> None:
    assert escape("<!here> & <#C1>") == "&lt;!here&gt; &amp; &lt;#C1&gt;"
    assert escape("*b*") == "*\u200bb*\u200b"
    for text in ("plain", "와타나베 · Q&A", "a*b_c~d`e&<f>", "**__~~``", "&amp;", ""):
        # The same as escaping every character, the slow and obvious way.
        marked = "".join(c + "\u200b" if c in "*_~`" else c for c in text)
        expected = marked.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        assert escape(text) == expected
    from datetime import UTC, datetime

    stamp = Stamp(datetime(2026, 2, 5, 4, tzinfo=UTC), "t", "13:00")
    assert render_text(("at ", stamp)) == "at <!date^1770264000^{time}|13:00>"
    assert render_blocks(Reply("x"))[0]["type"] == "section"
    data = manifest(
        ALL, name="Battery Forum 2026", request_url="https://bot.example.org/slack/events"
    )
    commands = {c["command"]: c for c in data["features"]["slash_commands"]}
    assert set(commands) == {f"/{slack_name(s.name)}" for s in ALL}
    assert commands["/agenda"]["usage_hint"] == "[day]"
    assert commands["/agenda"]["url"] == "https://bot.example.org/slack/events"
    assert data["settings"]["interactivity"]["request_url"].endswith("/slack/events")
    assert data["settings"]["socket_mode_enabled"] is False
    assert "commands" in data["oauth_config"]["scopes"]["bot"]
    assert data["features"]["app_home"]["home_tab_enabled"] is True
    socket = manifest(ALL, name="x", request_url=None, prefix="bf-")
    assert socket["settings"]["socket_mode_enabled"] is True
    assert "/bf-agenda" in {c["command"] for c in socket["features"]["slash_commands"]}


async def test_forum_bot_run_serves_slack_and_discord_from_one_core(tmp_path: Path) -> None:
    """The whole program as a subprocess, Slack over HTTP and Discord at once."""
    async with (
        FakeSlack(signing_secret=SECRET, bot_token=BOT_TOKEN, channels=CHANNELS) as slack,
        FakeDiscord(token="discord-token") as discord_fake,
    ):
        env = bot_env(
            tmp_path / "bot.sqlite", discord=discord_fake, slack=slack, FORUM_BOT_WEB_PORT="0"
        )
        proc = await run_bot(env, "--simulate-from", "2026-02-05T09:00+09:00")
        assert proc.stderr is not None
        try:
            port = await web_port(proc.stderr)
            await discord_fake.wait_for(lambda r: r.route.startswith("PUT /applications"), 30)
            url = f"http://127.0.0.1:{port}/slack/events"
            # One store behind both: a language chosen on Slack...
            body = (await slack.send_command(url, "/language", "ko", user_id="U1")).json()
            assert "한국어" in block_text(body["blocks"])
            reply = (await slack.send_command(url, "/next", user_id="U1")).json()
            assert "개회식" in block_text(reply["blocks"])
            # ...and the same agenda on Discord.
            pending = await discord_fake.send_slash_command("next")
            assert "Opening Ceremony" in json.dumps((await pending).json)
        finally:
            proc.send_signal(signal.SIGTERM)
            _, err = await asyncio.wait_for(proc.communicate(), 30)
        assert proc.returncode == 0, err.decode()
        assert BOT_TOKEN not in err.decode() and SECRET not in err.decode()


async def test_socket_mode_serves_commands_and_reconnects(core: Core) -> None:
    app_token = "xapp-test-app-token"
    async with FakeSlack(
        signing_secret=SECRET, bot_token=BOT_TOKEN, app_token=app_token, channels=CHANNELS
    ) as fake:
        settings = SlackSettings(
            bot_token=BOT_TOKEN, signing_secret=SECRET, app_token=app_token, api_base=fake.api_base
        )
        adapter = SlackAdapter(core, settings, PlatformConfig())
        await adapter.start()
        try:
            assert not adapter.http_mode  # no HTTP endpoint in Socket Mode
            ack = await fake.send_socket_command("/agenda", "2")
            assert "Day 2" in block_text(ack["payload"]["blocks"])
            opened = len(fake.calls_to("apps.connections.open"))
            linked = len(fake.calls_to("socket.open"))
            await fake.disconnect_socket()
            # A fresh link: the client asks for a new URL and connects again (the next
            # command goes to the new link: waiting for the URL alone raced the connect).
            await fake.wait_for(
                lambda c: c.method == "socket.open" and len(fake.calls_to("socket.open")) > linked
            )
            assert len(fake.calls_to("apps.connections.open")) > opened
            ack = await fake.send_socket_command("/speaker", "liu")
            assert "Ping Liu" in block_text(ack["payload"]["blocks"])
        finally:
            await adapter.stop()


async def test_server_errors_go_back_to_the_outbox_and_are_not_posted_twice(
    start: Start, store: Any, clock: Any
) -> None:
    fake, adapter, _ = await start()
    # Each retry first looks for the post an earlier attempt may have made.
    fake.fail_next("chat.postMessage", times=1, status=503)
    fake.fail_next("chat.postMessage", times=1, status=503)
    await enqueue(
        store,
        [Delivery("k5xx", "t", "slack", "channel", "announcements", Reply("after two 503s"))],
        clock.now(),
    )
    sender = Sender(store, adapter, clock)
    await sender.drain()
    assert [c.status for c in fake.calls_to("chat.postMessage")] == [503, 503, 200]
    assert len(fake.calls_to("conversations.history")) == 2  # looked before each retry
    assert len(fake.messages_in(ANNOUNCE)) == 1
    assert sender.sent == 1


# ---- Slack's own commands -----------------------------------------------------------------

# Slack's built-in commands that no app may register (a manifest naming one is refused).
BUILT_IN = {
    "remind", "search", "status", "topic", "invite", "me", "msg", "dm", "who", "away",
    "join", "leave", "mute", "shrug", "feed", "open", "prefs", "shortcuts", "star", "apps",
    "archive", "collapse", "expand",
}  # fmt: skip


def test_the_manifest_names_none_of_slacks_own_commands() -> None:
    from bot.platforms.slack.manifest import SLACK_BUILTINS

    assert BUILT_IN <= SLACK_BUILTINS
    for prefix in ("", "bf-"):
        data = manifest(ALL, name="Battery Forum", request_url=None, prefix=prefix)
        names = [c["command"] for c in data["features"]["slash_commands"]]
        assert len(names) == len(ALL) == len(set(names))
        assert not {n.removeprefix("/") for n in names} & SLACK_BUILTINS
        assert f"/{prefix}remindme" in names and f"/{prefix}find" in names
        assert names == [f"/{slack_name(s.name, prefix)}" for s in ALL]


def test_a_name_that_still_collides_is_refused() -> None:
    @command("status", L("A command Slack keeps for itself"))
    async def status(ctx: Any) -> Reply:
        return Reply("-")

    @command("find", L("A command called as /search is on Slack"))
    async def find(ctx: Any) -> Reply:
        return Reply("-")

    with pytest.raises(ValueError, match="/status is one of Slack's own commands"):
        manifest([*ALL, status], name="x", request_url=None)
    manifest([*ALL, status], name="x", request_url=None, prefix="bf-")  # /bf-status is free
    with pytest.raises(ValueError, match="/search and /find are both /find on Slack"):
        manifest([*ALL, find], name="x", request_url=None)


def test_forum_bot_slack_manifest_refuses_a_prefix_that_collides(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """With an extension's command called `me`, the prefix `a` still leaves it free, but
    an empty prefix does not: the command line says so in one line, exit 2."""
    import commands
    from bot.__main__ import main

    @command("me", L("An extension's command"))
    async def me(ctx: Any) -> Reply:
        return Reply("-")

    monkeypatch.setattr(commands, "ALL", [*ALL, me])
    for name in ("SLACK_COMMAND_PREFIX", "FORUM_BOT_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    assert main(["slack-manifest"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1
    assert "/me is one of Slack's own commands" in err and "SLACK_COMMAND_PREFIX" in err
    monkeypatch.setenv("SLACK_COMMAND_PREFIX", "a")
    assert main(["slack-manifest"]) == 0
    assert '"/ame"' in capsys.readouterr().out


async def test_commands_arrive_under_their_slack_names(start: Start, store: Any) -> None:
    fake, _, url = await start()
    reminded = (await fake.send_command(url, "/remindme", "dialogue", user_id="U1")).json()
    assert "direct message 10 min before" in block_text(reminded["blocks"])
    # The session's start is a Slack date, shown in the reader's own zone.
    assert "(<!date^1770264000^{date_short_pretty} {time}|" in block_text(reminded["blocks"])
    assert await store.fetchall("SELECT * FROM subscriptions")
    found = (await fake.send_command(url, "/find", "solid-state")).json()
    assert "Tech Partnering" in block_text(found["blocks"])


async def test_help_on_slack_shows_the_names_slack_knows(start: Start) -> None:
    fake, _, url = await start()
    listing = block_text((await fake.send_command(url, "/help")).json()["blocks"])
    assert "/remindme &lt;session&gt;" in listing and "/find &lt;" in listing
    assert "/remind &lt;" not in listing and "/search" not in listing
    one = block_text((await fake.send_command(url, "/help", "remindme")).json()["blocks"])
    assert one.startswith("/remindme <session>")  # the card's title, plain text


async def test_answers_on_slack_name_the_commands_as_slack_knows_them(
    start: Start, core: Core
) -> None:
    """Usage lines and hints say /remindme and /find on Slack; elsewhere /remind, /search."""
    fake, _, url = await start()

    async def said(command: str, text: str = "") -> str:
        return block_text((await fake.send_command(url, command, text)).json()["blocks"])

    assert "/remindme &lt;session&gt;" in await said("/remindme")  # the usage, unescaped
    assert "Add one with /remindme" in await said("/myschedule")
    assert "Try /find" in await said("/session", "zzqx")
    assert "/remind " not in await said("/myschedule")
    me, here = UserRef("console", "me"), ChannelRef("console", "console")
    terminal = await core.dispatch_text("console", "/myschedule", me, here)
    assert "Add one with /remind " in plain(terminal.text)


def test_readme_lists_the_manifests_scopes_and_slack_names() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    slack = readme.split("\n## Slack\n", 1)[1].split("\n## ", 1)[0]
    step = slack.split("2. ", 1)[1].split("\n3. ", 1)[0]
    listed = set(re.findall(r"`([a-z]+:[a-z.]+|commands)`", step))
    data = manifest(ALL, name="x", request_url=None)
    assert listed == set(data["oauth_config"]["scopes"]["bot"])
    assert "`/remindme`" in slack and "`/find`" in slack


async def test_web_api_calls_reuse_one_session_s_connections(start: Start) -> None:
    """slack_sdk opens a session (a new connection, against Slack a TLS handshake) for
    every call unless it is given one: a fan-out of DMs must not connect per message."""
    fake, adapter, _ = await start()
    for n in range(30):
        await adapter.post("announcements", Reply(f"message {n}"), key=f"k{n}")
    assert len(fake.messages_in(ANNOUNCE)) == 30
    # auth.test and 30 posts: keep-alive connections, a handful at most.
    assert len(fake.api_connections) <= 2, fake.api_connections
