"""Slack's endpoint on the bot's one web server, tried as an attacker and an outage would:
a real `forum-bot run` process against the fake Slack, over raw sockets where the abuse
is in the bytes."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from slack_sdk.errors import SlackApiError

from bot.core.dispatch import Core
from bot.core.model import Reply, Role
from bot.core.registry import command
from bot.i18n import L
from bot.platforms.base import DeliveryError, StartupError
from bot.platforms.slack.adapter import SlackAdapter, SlackSettings
from bot.platforms.slack.errors import slack_problem
from bot.settings import PlatformConfig
from bot.web.server import MAX_BODY
from tests.fakes.environment import bot_env, run_bot, serve_http, web_port
from tests.fakes.slack_server import FakeSlack
from tests.fakes.world import keep_clients_local

SECRET = "slack-endpoint-test-secret"
BOT_TOKEN = "xoxb-endpoint-test-token"
GROUPS = {"S0MODS": ["U9"], "S0ORGS": ["U7"]}
HANDLES = {"S0MODS": "forum-moderators", "S0ORGS": "forum-organisers"}


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    """Nothing between the clients and the fakes on 127.0.0.1."""
    keep_clients_local(monkeypatch)


@dataclass
class Bot:
    """A running `forum-bot run` serving Slack over HTTP, and the fake it talks to."""

    proc: asyncio.subprocess.Process
    slack: FakeSlack
    port: int

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/slack/events"

    async def stop(self) -> str:
        """SIGTERM; returns what it logged after it said its port."""
        if self.proc.returncode is None:
            self.proc.send_signal(signal.SIGTERM)
        _, err = await asyncio.wait_for(self.proc.communicate(), 30)
        assert self.proc.returncode == 0, err.decode()
        return err.decode()


@contextlib.asynccontextmanager
async def running_bot(tmp_path: Path) -> AsyncIterator[Bot]:
    async with FakeSlack(
        signing_secret=SECRET,
        bot_token=BOT_TOKEN,
        channels={"announcements": "C0ANNOUNCE"},
        usergroups=GROUPS,
        usergroup_handles=HANDLES,
    ) as slack:
        proc = await run_bot(
            bot_env(tmp_path / "bot.sqlite", slack=slack, FORUM_BOT_LOG_LEVEL="INFO"),
            "--simulate-from",
            "2026-02-05T09:00+09:00",
        )
        assert proc.stderr is not None
        try:
            bot = Bot(proc, slack, await web_port(proc.stderr))
            yield bot
        finally:
            if proc.returncode is None:
                proc.kill()
                await proc.wait()


async def raw_exchange(port: int, head: bytes, body: bytes = b"") -> bytes:
    """Send bytes as they are and read the status line of the answer."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(head + body)
        await writer.drain()
        return await asyncio.wait_for(reader.readuntil(b"\r\n"), 10)
    finally:
        writer.close()


async def test_one_port_serves_slack_health_and_pages(tmp_path: Path) -> None:
    async with running_bot(tmp_path) as bot:
        answer = await bot.slack.send_command(bot.url, "/agenda", "1")
        assert answer.status == 200 and "Registration" in answer.body
        async with aiohttp.ClientSession() as http:
            base = f"http://127.0.0.1:{bot.port}"
            async with http.get(f"{base}/healthz") as health:
                assert health.status == 200 and (await health.json())["status"] == "ok"
            async with http.get(f"{base}/present/dialogue") as screen:
                assert screen.status == 200
        await bot.stop()


async def test_stray_requests_get_short_answers_and_reach_no_listener(tmp_path: Path) -> None:
    async with running_bot(tmp_path) as bot:
        port = bot.port
        statuses = [
            await raw_exchange(port, b"GET /slack/events HTTP/1.1\r\nHost: x\r\n\r\n"),
            await raw_exchange(
                port, b"POST /other HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n"
            ),
            await raw_exchange(
                port,
                b"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n",
                b"\xff\xfe",
            ),
            await raw_exchange(
                port,
                b"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n"
                b"Content-Type: text/plain; charset=no-such-charset\r\n\r\n",
                b"ab",
            ),
            # Both framings at once: a request smuggler's favourite; llhttp refuses it.
            await raw_exchange(
                port,
                b"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n"
                b"Transfer-Encoding: chunked\r\n\r\n",
                b"0\r\n\r\n",
            ),
            # Chunk sizes with spaces or padding, and a bare LF in the last chunk.
            await raw_exchange(
                port,
                b"POST /slack/events HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n",
                b"5 \r\nhello\r\n0\r\n\r\n",
            ),
            await raw_exchange(
                port,
                b"POST /slack/events HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n",
                b"0\n\r\nGET /healthz HTTP/1.1\r\nHost: x\r\n\r\n",
            ),
        ]
        assert [line.split(b" ")[1] for line in statuses] == [
            b"405",
            b"404",
            b"400",
            b"400",
            b"400",
            b"400",
            b"400",
        ]
        await bot.stop()
    assert not bot.slack.calls_to("response_url")


async def test_forged_and_replayed_requests_get_401_in_one_short_line(tmp_path: Path) -> None:
    flood = 40
    async with running_bot(tmp_path) as bot:
        forged = await bot.slack.send_command(bot.url, "/language", "ko", forge_signature=True)
        replayed = await bot.slack.send_command(bot.url, "/language", "ko", stale_timestamp=True)
        assert forged.status == 401 and replayed.status == 401
        # A big unsigned body: refused, and none of it in the log.
        marker = "forged-body-marker"
        big = f"token=x&command=/agenda&text={marker * 50_000}"
        answers = await asyncio.gather(
            *(
                bot.slack.send_signed(
                    bot.url, big, "application/x-www-form-urlencoded", forge_signature=True
                )
                for _ in range(flood)
            )
        )
        assert {a.status for a in answers} == {401}
        log = await bot.stop()
    refused = [line for line in log.splitlines() if "signature verification" in line]
    assert refused and all(len(line) < 200 for line in refused)
    assert marker not in log
    # A flood is a few lines and a count, not a line each.
    assert len(refused) <= 10 < flood + 2


async def test_bodies_bolt_cannot_read_are_refused_signed_or_not(tmp_path: Path) -> None:
    """Unsigned junk is a 401 before anything parses it; signed junk a 400; never a 500."""
    junk = [
        ("application/json", "{"),
        ("application/json", "[1]"),
        ("application/x-www-form-urlencoded", "payload=%7B"),
        ("application/x-www-form-urlencoded", "payload=5"),
    ]
    async with running_bot(tmp_path) as bot:
        for content_type, body in junk:
            unsigned = await bot.slack.send_signed(
                bot.url, body, content_type, forge_signature=True
            )
            signed = await bot.slack.send_signed(bot.url, body, content_type)
            assert (unsigned.status, signed.status) == (401, 400), body
        log = await bot.stop()
    assert "Traceback" not in log and "Error handling request" not in log


async def test_an_empty_signing_secret_refuses_to_start(tmp_path: Path) -> None:
    """Anyone could sign a request with an empty key: HTTP mode does not start on one."""
    async with FakeSlack(signing_secret=SECRET, bot_token=BOT_TOKEN) as slack:
        env = bot_env(tmp_path / "bot.sqlite", slack=slack) | {"SLACK_SIGNING_SECRET": ""}
        proc = await run_bot(env)
        _, err = await asyncio.wait_for(proc.communicate(), 30)
    assert proc.returncode == 1
    assert "SLACK_SIGNING_SECRET is empty" in err.decode() and "Traceback" not in err.decode()
    assert not slack.calls_to("auth.test")  # refused before anything was asked of Slack


async def test_a_body_larger_than_slack_sends_is_refused_without_reading_it(
    tmp_path: Path,
) -> None:
    two_mib = 2 * 1024 * 1024
    async with running_bot(tmp_path) as bot:
        # Declared: answered 413 at once, while 2 MiB are still to come.
        head = (
            b"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: %d\r\n\r\n" % two_mib
        )
        began = time.monotonic()
        status = await raw_exchange(bot.port, head, b"{")
        assert status.split(b" ")[1] == b"413" and time.monotonic() - began < 3
        # Chunked, with no size declared: refused once past the limit, before the end.
        reader, writer = await asyncio.open_connection("127.0.0.1", bot.port)
        writer.write(
            b"POST /slack/events HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
        )
        piece = b"a" * 65536
        for _ in range(MAX_BODY // len(piece) + 4):  # past the limit, short of 2 MiB
            writer.write(b"%x\r\n%s\r\n" % (len(piece), piece))
        await writer.drain()
        line = await asyncio.wait_for(reader.readuntil(b"\r\n"), 10)
        assert line.split(b" ")[1] == b"413"
        writer.close()
        # And the bot still answers.
        answer = await bot.slack.send_command(bot.url, "/now")
        assert answer.status == 200
        await bot.stop()


async def _trickle(port: int, until: asyncio.Event) -> int:
    """A chunked body one byte at a time, every 10 ms, until told to stop."""
    _reader, writer = await asyncio.open_connection("127.0.0.1", port)
    sent = 0
    try:
        writer.write(
            b"POST /slack/events HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
        )
        while not until.is_set() and sent < 2000:
            writer.write(b"1\r\na\r\n")
            await writer.drain()
            sent += 1
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(until.wait(), 0.01)
    except ConnectionError:
        pass  # the bot gave up on it: that is allowed
    finally:
        writer.close()
    return sent


async def test_idle_and_trickling_connections_do_not_delay_signed_commands(
    tmp_path: Path,
) -> None:
    async with running_bot(tmp_path) as bot:
        idle = [await asyncio.open_connection("127.0.0.1", bot.port) for _ in range(200)]
        stop = asyncio.Event()
        trickles = [asyncio.create_task(_trickle(bot.port, stop)) for _ in range(4)]
        try:
            await asyncio.sleep(0.2)  # let the trickles get going: load, not a wait for time
            answers = await asyncio.gather(
                *(
                    bot.slack.send_command(bot.url, "/agenda", "1", user_id=f"U{i}")
                    for i in range(20)
                )
            )
        finally:
            stop.set()
            sent = await asyncio.gather(*trickles)
            for _, writer in idle:
                writer.close()
        assert all(a.status == 200 and "Registration" in a.body for a in answers)
        assert max(a.elapsed for a in answers) < 3.0
        assert all(n > 0 for n in sent)
        await bot.stop()


@pytest.mark.parametrize("how", ["text-405", "html-502", "bad-json", "drop"])
async def test_user_groups_answering_garbage_never_fail_a_command(tmp_path: Path, how: str) -> None:
    async with running_bot(tmp_path) as bot:
        bot.slack.garble_next("usergroups.list", how, times=3)
        for _ in range(3):
            answer = await bot.slack.send_command(bot.url, "/now", user_id="U9")
            assert answer.status == 200 and "Registration" in answer.body
        log = await bot.stop()
    assert bot.slack.calls_to("usergroups.list")
    warned = [line for line in log.splitlines() if "cannot read user groups" in line]
    assert len(warned) == 1 and "Traceback" not in log and len(warned[0]) < 300


async def test_roles_last_known_survive_a_failed_look_up(core: Core) -> None:
    """A moderator stays a moderator while Slack's user groups cannot be read."""

    @command("gated", L("moderators only"), role=Role.MODERATOR)
    async def gated(ctx: Any) -> Reply:
        return Reply("for moderators")

    core.add_command(gated)
    async with FakeSlack(
        signing_secret=SECRET, bot_token=BOT_TOKEN, usergroups=GROUPS, usergroup_handles=HANDLES
    ) as slack:
        settings = SlackSettings(
            bot_token=BOT_TOKEN,
            signing_secret=SECRET,
            api_base=slack.api_base,
            roles_ttl=0.0,  # ask on every command
            roles_retry=0.0,
        )
        config = PlatformConfig(roles={"moderator": ["forum-moderators"]})
        adapter = SlackAdapter(core, settings, config)
        async with contextlib.AsyncExitStack() as stack:
            stack.push_async_callback(adapter.stop)
            await adapter.start()
            url = await serve_http(stack, adapter) + "/slack/events"
            first = await slack.send_command(url, "/gated", user_id="U9")
            assert "for moderators" in first.body
            for how in ("text-405", "html-502", "bad-json", "drop"):
                slack.garble_next("usergroups.list", how)
                again = await slack.send_command(url, "/gated", user_id="U9")
                assert again.status == 200 and "for moderators" in again.body, how


@pytest.mark.parametrize("how", ["text-405", "html-502", "bad-json", "drop"])
async def test_garbage_at_start_and_on_delivery_is_one_clear_line(core: Core, how: str) -> None:
    """auth.test at start and chat.postMessage later, answered by something not Slack:
    a start-up error in one line, and a delivery error the outbox retries."""
    async with FakeSlack(
        signing_secret=SECRET, bot_token=BOT_TOKEN, channels={"announcements": "C0ANNOUNCE"}
    ) as slack:
        settings = SlackSettings(
            bot_token=BOT_TOKEN, signing_secret=SECRET, api_base=slack.api_base
        )
        adapter = SlackAdapter(core, settings, PlatformConfig())
        slack.garble_next("auth.test", how)
        with pytest.raises(StartupError, match="cannot check SLACK_BOT_TOKEN") as refused:
            await adapter.start()
        assert "\n" not in str(refused.value) and len(str(refused.value)) < 300
        await adapter.start()  # Slack is back
        try:
            slack.garble_next("chat.postMessage", how)
            with pytest.raises(DeliveryError) as failed:
                await adapter.post("C0ANNOUNCE", Reply("hello"))
            assert not failed.value.permanent  # worth another try
            assert "\n" not in str(failed.value)
        finally:
            await adapter.stop()


def test_slack_problems_are_read_from_any_answer() -> None:
    class Response:
        def __init__(self, data: Any, status: int) -> None:
            self.data, self.status_code = data, status

    cases: list[tuple[Any, str, str]] = [
        (
            SlackApiError("x", Response({"ok": False, "error": "channel_not_found"}, 200)),
            "channel_not_found",
            "channel_not_found",
        ),
        (SlackApiError("x", Response("<html>502 Bad Gateway</html>", 502)), "", "HTTP 502"),
        (SlackApiError("x", Response("", 405)), "", "an empty answer"),
        (aiohttp.ServerDisconnectedError(), "", "no answer"),
        (TimeoutError(), "", "no answer in time"),
        ({"ok": False, "error": "ratelimited"}, "ratelimited", "ratelimited"),
        ("plain text " * 100, "", "not Slack's JSON"),
    ]
    for given, code, text in cases:
        problem = slack_problem(given)
        assert problem.code == code and text in problem.text, given
        assert "\n" not in problem.text and len(problem.text) < 200
