"""Benchmark: Slack slash-command acks when 100 people type a command at the same moment.

A fake Slack (tests/fakes/slack_server.py) POSTs signed slash commands the way Slack does
to the real Slack adapter (slack-bolt's AsyncApp behind the adapter's HTTP/1.1 server,
bot/adapters/http1.py; HTTP mode) on 127.0.0.1, over the embedded sample event, a real
SQLite store and a simulated clock stopped at 2026-02-05 10:00 KST: from 100 users
(U0001..U0100), ten each of /agenda 1, /agenda 2, /now, /next, /session dialogue,
/speaker watanabe, /search battery, /timezone Asia/Tokyo, /language ko and /help. Each
figure is printed next to its target.

By default the bot runs as its own process (`forum-bot run`, as deployed, with uvloop and
its start-up `gc.freeze`) and only the fake runs here, as Slack is elsewhere too.

The client is lean, like a load generator (wrk-style): a real Slack sends from many
machines, so the queueing of a single-threaded Python client (sending 100 requests and
parsing 100 responses on one loop) belongs to the apparatus, not to the bot's latency.
Every request of a round is built (the fake's payload, with a fresh trigger_id and
response_url) and signed (a fresh timestamp, well inside the 5 minutes Slack allows) before
any clock starts; the round prints how long that took. The requests then go out as
pre-built bytes over raw asyncio streams (HTTP/1.1, keep-alive), those with an idle
connection written in one tight loop, with no await between the writes. A request's clock
starts just before its bytes are handed to the transport (on a connection not yet open,
just before connecting: opening it is in its time, as it was with aiohttp) and stops when
the first bytes of its response are read: each connection has a reader task always
waiting on the next response head, which stamps it (`time.perf_counter()`) before parsing
the status and reading the body (Content-Length). Each ack is checked after that.
Connections are as the fake's aiohttp session had them (one per request in flight, kept for
later ones, none opened ahead of need): the warm-up uses one; the first round reuses it and
opens 99 more; later rounds reuse all 100. The former "with building + signing" spread is
gone: building and signing are outside every clock now.

0. Warm-up: the mix once, then twice more one command at a time: the latency floor
   without a queue.
1. Three rounds of 100 commands at once. Per round: the time from POST to ack as p50, p99
   (target < 100 ms) and max; missed acks (target: 0): a status other than 200, an ack
   after 3 s (Slack gives up) or an empty ack (every command of the mix answers well
   within the adapter's `ack_after`, so its answer should ride on the ack); how many acks
   carried the answer. Then the CPU each side spent: the bot's process (every thread,
   from /proc/PID/task/*/schedstat; Linux only) and this one (the fake: building, signing,
   sending, reading). The first round also opens the client's connections and meets 100
   users the bot has not seen yet.
2. The old client, for comparison: two more rounds, same bot, through the fake's aiohttp
   session as this benchmark measured before (`AppResponse.elapsed`: from just before
   aiohttp sends to the whole body read, on the loop that also builds, signs, sends and
   parses the other 99); the first opens that session's 100 connections, the second
   reuses them. The difference to the rounds above is the apparatus, not the bot.
3. The worst p99 of the three rounds and the missed acks of their 300 commands, then the
   old client's p99 (reused connections) next to this client's worst from round 2 on.
   Warnings and errors the bot logged are printed at the end.

With --in-process the adapter runs in this process instead (still on uvloop, after the
same `gc.freeze`), which lets the benchmark time the inside of a request too:

1. The three rounds with the fake and the adapter on one event loop (the same lean client),
   so every request's time includes the adapter's work for the other 99 and the client's
   reading of their answers; per round, besides the figures above, Bolt's dispatch (from
   the parsed request to the ack) and the rest (HTTP on both sides, waiting for the loop),
   the core's `dispatch_text`, the CPU spent signing (the fake) and verifying (Bolt), the
   process's CPU and the garbage collector's time.
2. The same three rounds with the fake's client side in a process of its own (this
   process then spends CPU on the adapter only).
3. The worst p99 of each way, the missed acks of all 600 commands, and what one full
   garbage collection of this process costs when it lands in a burst (informational).

The figures depend on the machine and on what else it runs: the load average is printed
first.

Run it from the repository root, with the project installed (`pip install -e ".[test]"`):

    python bench/slack_latency.py               # the bot as its own process, about 5 s
    python bench/slack_latency.py --in-process  # the adapter in this process, about 5 s
    python bench/slack_latency.py --profile     # in process, and one round under cProfile

It is not a test: it never fails on time and always exits 0, marking a figure over its
target MISSED. Its only networking is on 127.0.0.1; the database goes to a temporary folder.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import gc
import io
import json
import math
import os
import pstats
import random
import sys
import tempfile
import time
import traceback
from collections.abc import Awaitable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

from slack_sdk.signature import SignatureVerifier

SCRIPT = Path(__file__).resolve()
ROOT = SCRIPT.parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # `python bench/slack_latency.py` puts bench/ there, not ROOT

from bot.adapters.slack_adapter import SlackAdapter, SlackSettings  # noqa: E402
from bot.app import build_core, run_loop, settle_memory  # noqa: E402
from bot.clock import SimulatedClock  # noqa: E402
from bot.i18n.messages import MESSAGES  # noqa: E402
from bot.settings import PlatformConfig, default_config_path, load_event  # noqa: E402
from bot.store import Store  # noqa: E402
from tests.fakes.environment import bot_env  # noqa: E402
from tests.fakes.slack_server import AppResponse, FakeSlack  # noqa: E402

SEED = 20260205
AT = datetime.fromisoformat("2026-02-05T10:00:00+09:00")
SECRET = "bench-slack-signing-secret"
BOT_TOKEN = "xoxb-bench-bot-token"
GENERAL = "C0GENERAL"
CHANNELS = {
    "general": GENERAL,
    "announcements": "C0ANNOUNCE",
    "qa-moderators": "C0MODS",
    "schedule-updates": "C0SCHEDULE",
    "grand-hall": "C0HALL",
    "partnering-hall": "C0PARTNER",
}
USERGROUPS = {"S0MODS": ["U0001", "U0002"], "S0ORGS": ["U0003"]}
HANDLES = {"S0MODS": "forum-moderators", "S0ORGS": "forum-organisers"}
MIX: list[tuple[str, str]] = [
    ("/agenda", "1"),
    ("/agenda", "2"),
    ("/now", ""),
    ("/next", ""),
    ("/session", "dialogue"),
    ("/speaker", "watanabe"),
    ("/search", "battery"),
    ("/timezone", "Asia/Tokyo"),
    ("/language", "ko"),
    ("/help", ""),
]
USERS = 100
ROUNDS = 3
SLACK_ACK_S = 3.0  # Slack shows the user an error when the ack takes longer
REQUEST_TIMEOUT_S = 10.0  # a hung request must not hang the benchmark
ANSWER_TIMEOUT_S = 10.0  # wait this long for a response_url post after an empty ack

ACK_P99_MS = 100.0
ACK_AFTER_S = SlackSettings.ack_after  # `forum-bot run` keeps the default


# Instruments ---------------------------------------------------------------------------


@dataclass
class Probe:
    """Time spent in the places that could dominate, filled in while a round runs."""

    sign_s: float = 0.0  # HMAC signing in the fake (CPU)
    verify_s: float = 0.0  # signature checks in Bolt (CPU)
    core_s: dict[str, float] = field(default_factory=dict)  # user id -> Core.dispatch_text
    bolt_s: dict[str, float] = field(default_factory=dict)  # user id -> AsyncApp.async_dispatch
    gc_s: float = 0.0  # the garbage collector, in this process
    gc_runs: list[int] = field(default_factory=lambda: [0, 0, 0])  # collections per generation
    _gc_began: float = 0.0

    def reset(self) -> None:
        """Forget everything measured so far."""
        self.sign_s = self.verify_s = self.gc_s = 0.0
        self.core_s.clear()
        self.bolt_s.clear()
        self.gc_runs = [0, 0, 0]

    def on_gc(self, phase: str, info: dict[str, int]) -> None:
        """A `gc.callbacks` entry: time each collection."""
        if phase == "start":
            self._gc_began = time.perf_counter()
        else:
            self.gc_s += time.perf_counter() - self._gc_began
            self.gc_runs[info["generation"]] += 1


@contextlib.contextmanager
def instrumented(probe: Probe, adapter: SlackAdapter | None) -> Iterator[None]:
    """Time signing and verifying, and with an adapter its core and Bolt; undone on exit.

    Bolt's `is_valid` calls `generate_signature` too: a flag tells its calls from the
    fake's (both are synchronous, so no other task runs in between)."""
    generate = SignatureVerifier.generate_signature
    is_valid = SignatureVerifier.is_valid
    verifying = [False]

    def timed_generate(self: SignatureVerifier, *, timestamp: str, body: str | bytes) -> str | None:
        t0 = time.perf_counter()
        try:
            return generate(self, timestamp=timestamp, body=body)
        finally:
            if not verifying[0]:
                probe.sign_s += time.perf_counter() - t0

    def timed_is_valid(
        self: SignatureVerifier, body: str | bytes, timestamp: str | None, signature: str | None
    ) -> bool:
        t0 = time.perf_counter()
        verifying[0] = True
        try:
            return is_valid(self, body, timestamp, signature)
        finally:
            verifying[0] = False
            probe.verify_s += time.perf_counter() - t0

    # setattr: mypy rightly refuses assignments to methods, which is the point here.
    setattr(SignatureVerifier, "generate_signature", timed_generate)  # noqa: B010
    setattr(SignatureVerifier, "is_valid", timed_is_valid)  # noqa: B010
    gc.callbacks.append(probe.on_gc)
    try:
        if adapter is None:
            yield
        else:
            with _timed_server(probe, adapter):
                yield
    finally:
        gc.callbacks.remove(probe.on_gc)
        setattr(SignatureVerifier, "generate_signature", generate)  # noqa: B010
        setattr(SignatureVerifier, "is_valid", is_valid)  # noqa: B010


@contextlib.contextmanager
def _timed_server(probe: Probe, adapter: SlackAdapter) -> Iterator[None]:
    """Time the core's dispatch and Bolt's, per user, on these instances only."""
    core = adapter.core
    dispatch_text = core.dispatch_text
    async_dispatch = adapter.app.async_dispatch

    async def timed_dispatch_text(*args: Any, **kwargs: Any) -> Any:
        t0 = time.perf_counter()
        try:
            return await dispatch_text(*args, **kwargs)
        finally:
            probe.core_s[args[2].id] = time.perf_counter() - t0  # (platform, line, user, ...)

    async def timed_async_dispatch(req: Any) -> Any:
        t0 = time.perf_counter()
        try:
            return await async_dispatch(req)
        finally:
            user = req.body.get("user_id") if isinstance(req.body, dict) else None
            if isinstance(user, str):
                probe.bolt_s[user] = time.perf_counter() - t0

    setattr(core, "dispatch_text", timed_dispatch_text)  # noqa: B010
    setattr(adapter.app, "async_dispatch", timed_async_dispatch)  # noqa: B010
    try:
        yield
    finally:
        delattr(core, "dispatch_text")
        delattr(adapter.app, "async_dispatch")


# One round -----------------------------------------------------------------------------


@dataclass
class Result:
    """One slash command as the fake saw it, and what the instruments saw of it."""

    user: str
    command: str
    status: int  # 0: no answer within REQUEST_TIMEOUT_S
    body: str
    ack_s: float  # request written (or connecting) to the ack's first bytes read
    later_s: float | None = None  # POST to the response_url post, after an empty ack
    core_s: float | None = None
    bolt_s: float | None = None


@dataclass
class Round:
    """Every request of one burst, and the round's totals."""

    results: list[Result]
    wall_s: float  # first POST to last answer (after building and signing)
    sign_s: float = 0.0
    build_s: float = 0.0  # building and signing every request, before the clocks start
    opened: int = 0  # connections the client opened in the round
    verify_s: float = 0.0
    gc_s: float = 0.0  # in the adapter's process
    gc_full: int = 0  # full (generation 2) collections in the adapter's process
    cpu_s: float = 0.0  # CPU of the process serving the adapter (and of the fake, if shared)
    client_cpu_s: float | None = None  # CPU of the client process, when it is apart
    bot_cpu_s: float | None = None  # CPU of the bot's own process (`forum-bot run`)

    def missed(self, ack_after: float) -> list[Result]:
        """Acks Slack would count as missed, or that should have carried the answer."""
        return [r for r in self.results if _missed(r, ack_after)]

    def attach(self, probe: Probe) -> None:
        """Copy the server-side times the probe saw onto the results."""
        for r in self.results:
            r.core_s, r.bolt_s = probe.core_s.get(r.user), probe.bolt_s.get(r.user)
        self.verify_s, self.gc_s, self.gc_full = probe.verify_s, probe.gc_s, probe.gc_runs[2]


def _missed(r: Result, ack_after: float) -> bool:
    if r.status != 200 or r.ack_s >= SLACK_ACK_S:
        return True
    # An empty ack is right only when the core took longer than ack_after.
    return not r.body and (r.core_s is None or r.core_s < ack_after)


class Connection:
    """One keep-alive HTTP/1.1 connection to the app, its reader always waiting.

    A task per connection waits on the next response head from the moment the connection
    opens, and stamps it (`time.perf_counter()`) as soon as the loop hands it over, before
    parsing the status and reading the body: what the client does with a response is not
    in its time. No pipelining: one request at a time, as Slack sends them."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer
        self.closed = False
        self._waiting: asyncio.Future[tuple[float, int, str]] | None = None
        self._task = asyncio.get_running_loop().create_task(self._read())

    def send(self, data: bytes) -> tuple[float, asyncio.Future[tuple[float, int, str]]]:
        """Write a request, no await; returns when its clock started and the answer to come
        (the moment its first bytes were read, the status, the body)."""
        self._waiting = asyncio.get_running_loop().create_future()
        started = time.perf_counter()
        self.writer.write(data)
        return started, self._waiting

    async def _read(self) -> None:
        try:
            while True:
                head = await self.reader.readuntil(b"\r\n\r\n")
                at = time.perf_counter()  # the response's first bytes: its clock stops here
                status, body, keep = await self._rest(head)
                waiting, self._waiting = self._waiting, None
                if waiting is not None and not waiting.done():
                    waiting.set_result((at, status, body.decode()))
                if not keep:
                    break
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, OSError, ValueError):
            pass
        finally:
            self.close()

    async def _rest(self, head: bytes) -> tuple[int, bytes, bool]:
        """The status, the body (Content-Length or chunked) and whether to keep the link."""
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        keep = headers.get("connection", "").lower() != "close"
        if "content-length" in headers:
            body = await self.reader.readexactly(int(headers["content-length"]))
        elif headers.get("transfer-encoding", "").lower() == "chunked":
            chunks = []
            while size := int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16):
                chunks.append((await self.reader.readexactly(size + 2))[:-2])
            await self.reader.readuntil(b"\r\n")  # no trailers from aiohttp
            body = b"".join(chunks)
        else:
            body, keep = await self.reader.read(), False
        return status, body, keep

    def close(self) -> None:
        """Close the link; a request still waiting on it fails."""
        if self.closed:
            return
        self.closed = True
        self.writer.close()
        if self._waiting is not None and not self._waiting.done():
            self._waiting.set_exception(ConnectionError("the app closed the connection"))
        if self._task is not asyncio.current_task():
            self._task.cancel()


class Client:
    """A lean HTTP/1.1 load generator on raw asyncio streams (wrk-style) for one URL.

    Like the aiohttp session it replaces: a connection per request in flight, opened when
    no idle one is there (its opening is in the request's time) and kept for later ones;
    no connection is opened ahead of need."""

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        self.host, self.port, self.path = (
            parts.hostname or "127.0.0.1",
            parts.port or 80,
            parts.path,
        )
        self.idle: list[Connection] = []
        self.opened = 0  # connections opened so far
        self._all: list[Connection] = []

    def request(self, body: bytes, timestamp: str, signature: str) -> bytes:
        """A whole POST as bytes, with the headers Slack sends."""
        head = (
            f"POST {self.path} HTTP/1.1\r\n"
            f"Host: {self.host}:{self.port}\r\n"
            "User-Agent: Slackbot 1.0 (+https://api.slack.com/robots)\r\n"
            "Accept: application/json,*/*\r\n"
            "Content-Type: application/x-www-form-urlencoded\r\n"
            f"Content-Length: {len(body)}\r\n"
            f"X-Slack-Request-Timestamp: {timestamp}\r\n"
            f"X-Slack-Signature: {signature}\r\n\r\n"
        )
        return head.encode() + body

    def take(self) -> Connection | None:
        """An idle connection, if there is one still open."""
        while self.idle:
            conn = self.idle.pop()
            if not conn.closed:
                return conn
        return None

    async def fresh(self, data: bytes) -> tuple[float, tuple[float, int, str] | None]:
        """Open a connection, then send: the request's clock starts before connecting."""
        started = time.perf_counter()
        try:
            async with asyncio.timeout(REQUEST_TIMEOUT_S):
                reader, writer = await asyncio.open_connection(self.host, self.port)
        except (TimeoutError, OSError):
            return started, None
        conn = Connection(reader, writer)
        self.opened += 1
        self._all.append(conn)
        return await self.answer(conn, started, conn.send(data)[1])

    async def answer(
        self, conn: Connection, started: float, waiting: asyncio.Future[tuple[float, int, str]]
    ) -> tuple[float, tuple[float, int, str] | None]:
        """Wait for the answer to what was sent on `conn`; the connection goes back idle."""
        try:
            async with asyncio.timeout(REQUEST_TIMEOUT_S):
                got = await waiting
        except (TimeoutError, ConnectionError):
            conn.close()
            return started, None
        if not conn.closed:
            self.idle.append(conn)
        return started, got

    async def close(self) -> None:
        """Close every connection."""
        for conn in self._all:
            conn.close()
        self.idle.clear()
        await asyncio.sleep(0)


@dataclass
class Prepared:
    """One slash command built and signed: the request's bytes, ready to write."""

    user: str
    command: str
    data: bytes
    response_url: str


def prepare(fake: FakeSlack, client: Client, command: str, text: str, user: str) -> Prepared:
    """Build and sign a slash command as Slack does (the fake's payload, a fresh timestamp)."""
    payload = fake.command_payload(command, text, user_id=user, channel_id=GENERAL)
    body = urlencode(payload).encode()
    timestamp = str(int(time.time()))
    signature = SignatureVerifier(fake.signing_secret).generate_signature(
        timestamp=timestamp, body=body
    )
    data = client.request(body, timestamp, signature or "")
    return Prepared(user, f"{command} {text}".strip(), data, payload["response_url"])


async def fire(fake: FakeSlack, client: Client, prepared: list[Prepared]) -> list[Result]:
    """Send built requests all at once, then read the answers; empty acks wait for their
    response_url post. Requests with an idle connection are written in one tight loop (no
    await between writes); the others open their connection first."""
    sent_at = time.monotonic()  # the fake stamps its calls with time.monotonic()
    loop = asyncio.get_running_loop()
    waits: list[Awaitable[tuple[float, tuple[float, int, str] | None]]] = []
    for p in prepared:
        conn = client.take()
        if conn is None:
            waits.append(loop.create_task(client.fresh(p.data)))  # runs after the writes
        else:
            waits.append(client.answer(conn, *conn.send(p.data)))
    answers = await asyncio.gather(*waits)
    results = []
    for p, (started, got) in zip(prepared, answers, strict=True):
        if got is None:
            results.append(Result(p.user, p.command, 0, "", REQUEST_TIMEOUT_S))
        else:
            at, status, body = got
            results.append(Result(p.user, p.command, status, body, at - started))

    async def later(result: Result, path: str) -> None:
        with contextlib.suppress(TimeoutError):
            call = await fake.wait_for(
                lambda c: c.method == "response_url" and c.path == path, ANSWER_TIMEOUT_S
            )
            result.later_s = call.at - sent_at

    await asyncio.gather(
        *(
            later(r, urlsplit(p.response_url).path)
            for r, p in zip(results, prepared, strict=True)
            if r.status == 200 and not r.body
        )
    )
    return results


async def burst(fake: FakeSlack, client: Client, probe: Probe, rng: random.Random) -> Round:
    """USERS commands at once, the mix in a shuffled order, one per user: all built and
    signed first, then sent."""
    commands = [MIX[i % len(MIX)] for i in range(USERS)]
    rng.shuffle(commands)
    users = [f"U{i + 1:04d}" for i in range(USERS)]
    probe.reset()
    opened = client.opened
    cpu = time.process_time()
    t0 = time.perf_counter()
    prepared = [
        prepare(fake, client, cmd, text, user)
        for (cmd, text), user in zip(commands, users, strict=True)
    ]
    t1 = time.perf_counter()
    results = await fire(fake, client, prepared)
    run = Round(results, time.perf_counter() - t1, probe.sign_s, build_s=t1 - t0)
    run.cpu_s = time.process_time() - cpu
    run.opened = client.opened - opened
    return run


async def one_at_a_time(fake: FakeSlack, client: Client, user: str, times: int = 1) -> list[Result]:
    """The mix `times` over, each command after the previous one's answer."""
    results = []
    for _ in range(times):
        for cmd, text in MIX:
            results += await fire(fake, client, [prepare(fake, client, cmd, text, user)])
    return results


# The old client, for comparison --------------------------------------------------------


async def send_aiohttp(fake: FakeSlack, url: str, command: str, text: str, user: str) -> Result:
    """One slash command through the fake's aiohttp session, as this bench measured before:
    the clock (`AppResponse.elapsed`) runs from just before aiohttp sends to the whole body
    read, on a loop that also builds, signs, sends and parses the other 99."""
    try:
        async with asyncio.timeout(REQUEST_TIMEOUT_S):
            resp = await fake.send_command(url, command, text, user_id=user, channel_id=GENERAL)
    except TimeoutError:
        resp = AppResponse(0, "", REQUEST_TIMEOUT_S)
    return Result(user, f"{command} {text}".strip(), resp.status, resp.body, resp.elapsed)


async def burst_aiohttp(fake: FakeSlack, url: str, rng: random.Random) -> Round:
    """A round as `burst`, through the aiohttp session (no response_url waits: the mix is
    answered in the ack)."""
    commands = [MIX[i % len(MIX)] for i in range(USERS)]
    rng.shuffle(commands)
    users = [f"U{i + 1:04d}" for i in range(USERS)]
    cpu = time.process_time()
    t0 = time.perf_counter()
    results = await asyncio.gather(
        *(
            send_aiohttp(fake, url, cmd, text, user)
            for (cmd, text), user in zip(commands, users, strict=True)
        )
    )
    run = Round(list(results), time.perf_counter() - t0)
    run.cpu_s = time.process_time() - cpu
    return run


# The fake's client side in a process of its own ---------------------------------------


async def client_process(url: str) -> None:
    """The child: a fake Slack that only sends; a round per "go" line, as JSON on stdout."""
    async with FakeSlack(signing_secret=SECRET, bot_token=BOT_TOKEN, channels=CHANNELS) as fake:
        probe = Probe()
        rng = random.Random(SEED)
        client = Client(url)
        try:
            with instrumented(probe, None):
                await one_at_a_time(fake, client, "U0CHILD")  # its connection warms up
                print("ready", flush=True)
                while (await asyncio.to_thread(sys.stdin.readline)).strip() == "go":
                    run = await burst(fake, client, probe, rng)
                    print(json.dumps(asdict(run)), flush=True)
        finally:
            await client.close()


async def remote_rounds(url: str, probe: Probe) -> list[Round]:
    """ROUNDS bursts sent by a child process, served here; [] if the child fails."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        str(SCRIPT),
        "--client",
        url,
        cwd=ROOT,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        limit=1 << 24,  # a round is one JSON line of about 400 kB (the answers included)
    )
    assert proc.stdin is not None
    assert proc.stdout is not None
    rounds: list[Round] = []
    try:
        async with asyncio.timeout(60):
            if (await proc.stdout.readline()).strip() != b"ready":
                raise RuntimeError("the client process did not start")
            for _ in range(ROUNDS):
                probe.reset()
                cpu = time.process_time()
                proc.stdin.write(b"go\n")
                await proc.stdin.drain()
                line = await proc.stdout.readline()
                if not line:
                    raise RuntimeError("the client process ended early")
                data = json.loads(line)
                results = [Result(**r) for r in data["results"]]
                run = Round(results, data["wall_s"], data["sign_s"], data["build_s"])
                run.opened = data["opened"]
                run.client_cpu_s = data["cpu_s"]
                run.cpu_s = time.process_time() - cpu
                run.attach(probe)
                rounds.append(run)
            proc.stdin.write(b"quit\n")
            await proc.stdin.drain()
            proc.stdin.close()
            await proc.wait()
    except (RuntimeError, TimeoutError, ValueError, OSError) as exc:
        print(f"\nthe separate client failed: {exc!r}")
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    return rounds


# The bot as its own process -----------------------------------------------------------


def process_cpu(pid: int) -> float | None:
    """CPU seconds a process has run so far, every thread (Linux: nanoseconds from
    /proc/PID/task/*/schedstat); None where that is not available."""
    try:
        tasks = list(Path(f"/proc/{pid}/task").iterdir())
        return sum(int((t / "schedstat").read_text().split()[0]) for t in tasks) / 1e9
    except (OSError, ValueError, IndexError):
        return None


async def start_bot(fake: FakeSlack, db: Path) -> tuple[asyncio.subprocess.Process, str]:
    """`forum-bot run` against the fake, as deployed; returns it and its Slack URL."""
    env = bot_env(db, slack=fake)
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        "--simulate-from",
        AT.isoformat(),
        "--speed",
        "0",
        cwd=ROOT,
        env=env,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    assert proc.stderr is not None
    lines: list[str] = []
    async with asyncio.timeout(60):
        while True:
            line = (await proc.stderr.readline()).decode()
            if not line:
                raise RuntimeError("forum-bot run ended before serving Slack:\n" + "".join(lines))
            lines.append(line)
            if "slack: connected" in line:  # "... HTTP on http://127.0.0.1:PORT/slack/events"
                return proc, line.rsplit(" ", 1)[1].strip()


async def drain(stream: asyncio.StreamReader, warnings: list[str]) -> None:
    """Keep reading the bot's log (a full pipe would stall it); keep warnings and errors."""
    while line := (await stream.readline()).decode():
        if " WARNING " in line or " ERROR " in line or " CRITICAL " in line:
            warnings.append(line.rstrip())


async def bench_process(db_path: Path) -> None:
    """The bot as its own process, the fake here: only Slack's side runs in this one."""
    async with FakeSlack(
        signing_secret=SECRET,
        bot_token=BOT_TOKEN,
        channels=CHANNELS,
        usergroups=USERGROUPS,
        usergroup_handles=HANDLES,
    ) as fake:
        started = time.perf_counter()
        proc, url = await start_bot(fake, db_path)
        assert proc.stderr is not None
        warnings: list[str] = []
        reader = asyncio.create_task(drain(proc.stderr, warnings))
        print(f"forum-bot run serves Slack at {url}, up in {time.perf_counter() - started:.2f} s")
        try:
            await measure_process(fake, url, proc.pid)
        finally:
            proc.terminate()
            async with asyncio.timeout(30):
                await proc.wait()
            await reader
        if warnings:
            print(f"\nthe bot logged {len(warnings)} warning(s) or error(s), the first ones:")
            for line in warnings[:5]:
                print(f"  {line}")


async def measure_process(fake: FakeSlack, url: str, pid: int) -> None:
    """Warm-up, the rounds, the old client's rounds, the summary; the bot's CPU from outside."""
    client = Client(url)
    try:
        await measure_with(fake, client, url, pid)
    finally:
        await client.close()


async def measure_with(fake: FakeSlack, client: Client, url: str, pid: int) -> None:
    """`measure_process` with its client."""
    probe = Probe()
    rng = random.Random(SEED)
    with instrumented(probe, None):
        warm = await one_at_a_time(fake, client, "U0WARM")
        alone = await one_at_a_time(fake, client, "U0ALONE", times=2)
        bad = sorted({r.command for r in warm + alone if r.status != 200 or not r.body})
        print(f"\nwarm-up: {len(warm)} commands; then {len(alone)} one at a time:")
        figure("POST to ack p50", percentile(sorted(r.ack_s for r in alone), 0.5) * 1e3, "ms")
        figure("POST to ack max", max(r.ack_s for r in alone) * 1e3, "ms")
        if bad:
            print(f"!! not answered in the ack: {', '.join(bad)}")
        print(f"\n{ROUNDS} rounds of {USERS} commands at once, the bot in its own process")
        runs = []
        for _ in range(ROUNDS):
            before = process_cpu(pid)
            run = await burst(fake, client, probe, rng)
            after = process_cpu(pid)
            if before is not None and after is not None:
                run.bot_cpu_s = after - before
            run.attach(probe)  # the fake's garbage collector; nothing of the bot's inside
            runs.append(run)
        p99s = [report_round(i + 1, run, ACK_AFTER_S) for i, run in enumerate(runs)]

        print(
            "\nthe old client, for comparison: 2 more rounds through the fake's aiohttp session"
            "\n(POST to the whole body read, on the loop that builds, signs and parses them all;"
            "\nits first round opens its connections, the second reuses them)"
        )
        print(f"  {'':<26} {'p50':>7} / {'p99':>7} / {'max':>7}")
        old = []
        for n in range(2):
            before = process_cpu(pid)
            run = await burst_aiohttp(fake, url, rng)
            after = process_cpu(pid)
            if before is not None and after is not None:
                run.bot_cpu_s = after - before
            old.append(run)
            cpu = f"; CPU: the bot {run.bot_cpu_s * 1e3:.0f} ms," if run.bot_cpu_s else "; CPU:"
            cpu += f" this process {run.cpu_s * 1e3:.0f} ms"
            missed = len(run.missed(ACK_AFTER_S))
            note = f"{cpu}{f'; {missed} missed   MISSED' if missed else ''}"
            spread(f"old, {'new connections' if n == 0 else 'reused'}", acks(run), note)
    print(f"\nSummary: {ROUNDS} rounds of {USERS}")
    figure("worst p99", max(p99s) * 1e3, "ms", ACK_P99_MS)
    missed = sum(len(r.missed(ACK_AFTER_S)) for r in runs)
    count(f"missed acks (of {sum(len(r.results) for r in runs)})", missed, 0)
    if old:
        figure("old client, reused connections, p99", percentile(acks(old[-1]), 0.99) * 1e3, "ms")
        figure("  this client, rounds 2+, worst p99", max(p99s[1:] or p99s) * 1e3, "ms")


# Report --------------------------------------------------------------------------------


def percentile(sorted_values: list[float], q: float) -> float:
    """Nearest-rank percentile of already sorted values."""
    return sorted_values[max(0, math.ceil(q * len(sorted_values)) - 1)]


def figure(label: str, value: float, unit: str, target: float | None = None) -> None:
    """One line: the figure, its target and how far it is from it."""
    text = f"{label + ':':<36} {value:8.2f} {unit}"
    if target is not None:
        ratio = value / target
        text = f"{text:<50} target < {target:g} {unit:<3}   ({ratio:.2f}x target)"
        text += "   MISSED" if ratio >= 1 else ""
    print(text)


def count(label: str, value: int, target: int | None = None) -> None:
    """One line for a count; with a target, MISSED when over it."""
    text = f"{label + ':':<36} {value:8d}"
    if target is not None:
        text = f"{text:<50} target = {target}"
        text += "                   MISSED" if value > target else ""
    print(text)


def spread(label: str, xs: list[float], note: str = "") -> None:
    """One line of p50 / p99 / max of seconds, in ms."""
    s = sorted(xs)
    p50, p99, top = percentile(s, 0.5) * 1e3, percentile(s, 0.99) * 1e3, s[-1] * 1e3
    print(f"  {label:<26} {p50:7.1f} / {p99:7.1f} / {top:7.1f} ms{note}")


def acks(run: Round) -> list[float]:
    """The round's ack times, sorted."""
    return sorted(r.ack_s for r in run.results)


def report_round(n: int, run: Round, ack_after: float) -> float:
    """The round's figures; returns its p99 in seconds."""
    acks = sorted(r.ack_s for r in run.results)
    p99 = percentile(acks, 0.99)
    reused = len(run.results) - run.opened
    ok = [r for r in run.results if r.status == 200]
    later = [r for r in ok if not r.body]
    answered = [r.later_s for r in later if r.later_s is not None]
    crashes = set(MESSAGES["error.internal"].values())
    crashed = sum(1 for r in ok if any(c in r.body for c in crashes))
    print(
        f"\nround {n}: {len(acks)} commands at once, all answered after {run.wall_s * 1e3:.0f} ms"
        f"\n  ({run.opened} new connections, {reused} reused; built and signed beforehand in"
        f" {run.build_s * 1e3:.1f} ms, {run.build_s / len(acks) * 1e3:.2f} ms a command)"
    )
    figure("POST to ack p50", percentile(acks, 0.5) * 1e3, "ms")
    figure("POST to ack p99", p99 * 1e3, "ms", ACK_P99_MS)
    figure("POST to ack max", acks[-1] * 1e3, "ms")
    count("missed acks", len(run.missed(ack_after)), 0)
    count("acks carrying the answer", len(ok) - len(later))
    count("empty acks, answered later", len(later))
    if answered:
        answered.sort()
        figure("  POST to response_url post, p50", percentile(answered, 0.5) * 1e3, "ms")
        figure("  POST to response_url post, max", answered[-1] * 1e3, "ms")
    if len(answered) < len(later):
        count("  ... never answered", len(later) - len(answered))
    if crashed:
        count("'something went wrong' answers", crashed)
    print(f"  {'':<26} {'p50':>7} / {'p99':>7} / {'max':>7}")
    spread("POST to ack", acks)
    bolt = [r for r in run.results if r.bolt_s is not None]
    if bolt:
        spread("Bolt dispatch (server)", [r.bolt_s or 0.0 for r in bolt])
        spread("the rest (HTTP, queueing)", [r.ack_s - (r.bolt_s or 0.0) for r in bolt])
    core = [r.core_s for r in run.results if r.core_s is not None]
    if core:
        spread("core.dispatch_text", core)
    cpu = f"{run.cpu_s * 1e3:.0f} ms ({run.cpu_s / len(acks) * 1e3:.2f} ms a command)"
    if run.bot_cpu_s is not None:
        bot = f"{run.bot_cpu_s * 1e3:.0f} ms ({run.bot_cpu_s / len(acks) * 1e3:.2f} ms a command)"
        print(f"  CPU: the bot's process {bot}; this process (the fake) {cpu}")
        print(f"  garbage collector (this process, the fake): {run.gc_s * 1e3:.0f} ms")
        return p99
    if run.client_cpu_s is None:
        cpu = f"this process (adapter and fake) {cpu}"
    else:
        cpu = f"the adapter's process {cpu}, the client's {run.client_cpu_s * 1e3:.0f} ms"
    print(f"  CPU: signing {run.sign_s * 1e3:.1f} ms, verifying {run.verify_s * 1e3:.1f} ms; {cpu}")
    print(f"  garbage collector: {run.gc_s * 1e3:.0f} ms, {run.gc_full} full collection(s)")
    return p99


def report_profile(profiler: cProfile.Profile, probe: Probe) -> None:
    """Own time by area (who spends the CPU), then the top functions."""
    stats = pstats.Stats(profiler)
    entries: dict[tuple[str, int, str], tuple[Any, ...]] = getattr(stats, "stats")  # noqa: B009
    areas: dict[str, float] = {}
    for (filename, _, name), (_, _, own, *_) in entries.items():
        area = _area(filename.replace(os.sep, "/"), name)
        areas[area] = areas.get(area, 0.0) + own
    total = sum(areas.values())
    print(f"\none more round under cProfile ({total * 1e3:.0f} ms of own time):")
    if probe.gc_s:
        print(
            f"  (of which {probe.gc_s * 1e3:.0f} ms garbage collection, {probe.gc_runs[2]} full: "
            "cProfile charges it to whichever function allocated at the time)"
        )
    for area, own in sorted(areas.items(), key=lambda kv: -kv[1]):
        print(f"  {area:<44} {own * 1e3:7.1f} ms  {own / total:5.1%}")
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(20)
    print(out.getvalue())


def _area(path: str, name: str) -> str:
    """Which side of the benchmark a function's own time belongs to."""
    if "/tests/fakes/" in path or path == SCRIPT.as_posix():
        return "fake Slack: client side (the bench's client)"
    if "slack_sdk/signature" in path:
        return "signing and verifying"
    if "slack_bolt/" in path:
        return "Bolt"
    if "/bot/adapters/http1" in path:
        return "the adapter's HTTP/1.1 server"
    if "/bot/adapters/" in path:
        return "the adapter (its HTTP handler, Block Kit)"
    if path.startswith(f"{ROOT.as_posix()}/"):
        return "core and commands"
    if "aiosqlite" in path or "sqlite3" in path:
        return "SQLite"
    if "asyncio/" in path or "epoll" in name:
        return "asyncio event loop (incl. waiting in epoll)"
    if "aiohttp/" in path:
        return "aiohttp shared (HTTP parser, streams)"
    return "other (stdlib: urllib, json, re, ...)"


# Main ----------------------------------------------------------------------------------


async def bench(db_path: Path, profile: bool) -> None:
    """Start the fake and the adapter, run everything, shut down."""
    config = load_event(default_config_path())
    store = await Store.open(db_path)
    try:
        core = await build_core(config, store, SimulatedClock(AT, speed=0))
        async with FakeSlack(
            signing_secret=SECRET,
            bot_token=BOT_TOKEN,
            channels=CHANNELS,
            usergroups=USERGROUPS,
            usergroup_handles=HANDLES,
        ) as fake:
            settings = SlackSettings(
                bot_token=BOT_TOKEN, signing_secret=SECRET, http_port=0, api_base=fake.api_base
            )
            adapter = SlackAdapter(core, settings, config.platforms.get("slack", PlatformConfig()))
            await adapter.start()
            settle_memory()  # as `forum-bot run` does once its adapters are up
            try:
                url = f"http://127.0.0.1:{adapter.port}/slack/events"
                await measure(fake, adapter, url, profile)
            finally:
                await adapter.stop()
    finally:
        await store.close()


async def measure(fake: FakeSlack, adapter: SlackAdapter, url: str, profile: bool) -> None:
    """Warm-up, the rounds in one process, the rounds with the client apart, the summary."""
    client = Client(url)
    try:
        await measure_in(fake, adapter, client, url, profile)
    finally:
        await client.close()


async def measure_in(
    fake: FakeSlack, adapter: SlackAdapter, client: Client, url: str, profile: bool
) -> None:
    """`measure` with its client."""
    ack_after = adapter.settings.ack_after
    probe = Probe()
    rng = random.Random(SEED)
    with instrumented(probe, adapter):
        # Every command once (the first also fetches the user groups behind the roles),
        # then once at a time again, timed: the latency floor without a queue.
        warm = await one_at_a_time(fake, client, "U0WARM")
        probe.reset()
        alone = await one_at_a_time(fake, client, "U0ALONE", times=2)
        bad = sorted({r.command for r in warm + alone if r.status != 200 or not r.body})
        print(f"\nwarm-up: {len(warm)} commands; then {len(alone)} one at a time:")
        figure("POST to ack p50", percentile(sorted(r.ack_s for r in alone), 0.5) * 1e3, "ms")
        figure("POST to ack max", max(r.ack_s for r in alone) * 1e3, "ms")
        bolt = sorted(probe.bolt_s.values()) or [0.0]
        figure("Bolt dispatch p50", percentile(bolt, 0.5) * 1e3, "ms")
        figure("core.dispatch_text max", max(probe.core_s.values(), default=0.0) * 1e3, "ms")
        if bad:
            print(f"!! not answered in the ack: {', '.join(bad)}")

        print("\n1. The fake and the adapter in this process, on one event loop")
        local = []
        for _ in range(ROUNDS):
            run = await burst(fake, client, probe, rng)
            run.attach(probe)
            local.append(run)
        local_p99 = [report_round(i + 1, run, ack_after) for i, run in enumerate(local)]

        print("\n2. The same with the fake's client side in a process of its own")
        print("   (this process serves the adapter only; the child signs, sends and reads)")
        remote = await remote_rounds(url, probe)
        remote_p99 = [report_round(i + 1, run, ack_after) for i, run in enumerate(remote)]

        print(f"\n3. Summary: {ROUNDS} rounds of {USERS} each way")
        figure("worst p99, one process", max(local_p99) * 1e3, "ms", ACK_P99_MS)
        if remote_p99:
            figure("worst p99, client apart", max(remote_p99) * 1e3, "ms", ACK_P99_MS)
        runs = local + remote
        missed = sum(len(r.missed(ack_after)) for r in runs)
        count(f"missed acks (of {sum(len(r.results) for r in runs)})", missed, 0)
        # What a full collection costs when one lands in a burst (timed after the rounds,
        # so that forcing one does not spare them theirs).
        tracked = len(gc.get_objects())
        t0 = time.perf_counter()
        gc.collect()
        figure(f"a full gc.collect(), {tracked:,} objects", (time.perf_counter() - t0) * 1e3, "ms")

        if profile:
            profiler = cProfile.Profile()
            profiler.enable()
            await burst(fake, client, probe, rng)
            profiler.disable()
            report_profile(profiler, probe)


def clear_proxies() -> None:
    """Everything here is on 127.0.0.1: no HTTP(S)_PROXY may route it elsewhere."""
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
        os.environ.pop(name, None)
        os.environ.pop(name.lower(), None)


def main() -> int:
    """Run the benchmark and print the figures."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument(
        "--in-process",
        action="store_true",
        help="run the adapter in this process (with the fake, then with the client apart), "
        "timing Bolt and the core inside it",
    )
    parser.add_argument(
        "--profile", action="store_true", help="in process, and also profile one round"
    )
    parser.add_argument("--client", metavar="URL", help=argparse.SUPPRESS)  # the child process
    options = parser.parse_args()
    clear_proxies()
    if options.client:
        asyncio.run(client_process(options.client))
        return 0
    print(
        f"forum-bot Slack ack benchmark: Python {sys.version.split()[0]}, {os.cpu_count()} CPUs, "
        f"{USERS} slash commands at once, {ROUNDS} rounds; "
        f"load average {os.getloadavg()[0]:.2f} at the start"
    )
    with tempfile.TemporaryDirectory(prefix="forum-bench-") as tmp:
        db = Path(tmp) / "bot.sqlite"
        if options.in_process or options.profile:
            run_loop(bench(db, options.profile))  # as `forum-bot run` does
        else:
            try:
                run_loop(bench_process(db))
            except Exception:  # a benchmark reports and exits 0; the traceback says why
                traceback.print_exc()
                print("!! the benchmark failed: the figures above are all there is")
    return 0


if __name__ == "__main__":
    sys.exit(main())
