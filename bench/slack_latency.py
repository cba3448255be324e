"""Benchmark: forum-bot's Slack acks to bursts of 200 slash commands, as a ratio to a bare
Bolt app's on the same fake in the same run.

Two processes answer the same bursts, each started as deployed, as a process of its own:

- forum-bot: `python -m bot run --simulate-from 2026-02-05T10:00+09:00 --speed 0` with
  the environment of tests/fakes/environment.py `bot_env` (HTTP mode on its one aiohttp
  web server at /slack/events, FORUM_BOT_WEB_PORT=0; the sample event, a SQLite store in a
  temporary folder, its default INFO log): its `_serve` checks the signature, Bolt's
  aiohttp adapter and `AsyncApp` (`process_before_response`) dispatch to its one command
  listener, the core answers within the ack (real commands, store, Block Kit rendering);
- the floor, bench/floor_slack.py: a plain `AsyncApp` with one `@app.command` listener per
  command of the mix, each `await ack("fixed text")`, served by `app.web_app()` on
  aiohttp's AppRunner/TCPSite, with Bolt's `process_before_response=True` and its
  request verification on (forum-bot checks every signature too; see its docstring).

Both run on uvloop with their start-up objects frozen out of the collector (`gc.freeze`),
so what differs is the work per command. One fake Slack (tests/fakes/slack_server.py)
serves both: its Web API (auth.test, forum-bot's user groups behind its roles) and the
slash commands it builds and signs as Slack does. A burst: 200 commands from 200 users
(U0001..U0200), the mix of the old bench shuffled (/agenda 1 and 2, /now, /next, /session
dialogue, /speaker watanabe, /find battery (/search is Slack's own: forum-bot's /search is
/find there), /timezone Asia/Tokyo, /language ko, /help; twenty each), the same commands
for both sides.

The client is lean, like a load generator (wrk-style): a real Slack sends from many
machines, so this process's own queueing must stay out of the figures. Every request of
a burst is built (the fake's payload, a fresh trigger_id and response_url) and signed (a
fresh timestamp) before any clock starts; the requests then go out as pre-built bytes
over raw asyncio streams (HTTP/1.1, keep-alive, one connection per request in flight,
kept for later bursts), written in one tight loop with no await between the writes. A
request's clock starts just before its bytes are handed to the transport and stops when
the first bytes of its response are read (a reader task per connection stamps them
before parsing anything).

Each side is warmed up (the mix one command at a time, then one burst of 200 that also
opens the client's 200 connections, not measured); then bursts alternate, forum-bot and
floor, the order swapped every pair (ABBA), 7 per side. Printed per burst and side: p50,
p99 and max of POST to ack in ms (informational), missed acks, the side's CPU per command
(its process, every thread, from Linux's /proc/PID/task/*/schedstat, from the first write
to the last ack) and the other side's CPU over the same span (it should idle). Missed: a
status other than 200, an ack after 3 s (Slack gives up) and, for forum-bot only, an empty
ack (every command of the mix is answered well within forum-bot's 1.5 s `ack_after`, so
its answer should ride on the ack; the floor always acks its fixed text). Then the
targets:

- p99 ratio forum-bot/floor <= 1.2, where each side's p99 is the median of its bursts'
  p99s (the worst-to-worst ratio is printed beside it, informational);
- forum-bot's missed acks: 0;

and, informational, each side's CPU per command and their ratio: a burst's last acks come
when the CPU it needs is spent, so this ratio is what the p99 ratio follows.

Run it as bench/compare.py says (it prints the processes' ids first, for py-spy):

    python bench/slack_latency.py [--bursts N]
"""

from __future__ import annotations

import asyncio
import os
import random
import re
import sys
import time
from collections.abc import Awaitable, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from slack_sdk.signature import SignatureVerifier

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # `python bench/slack_latency.py` puts bench/ first instead
    sys.path.insert(0, str(ROOT))

from bench import compare  # noqa: E402
from bench.compare import BurstResult, CpuWatch, Side  # noqa: E402
from bot.platforms.slack.adapter import slack_name  # noqa: E402
from tests.fakes.environment import bot_env  # noqa: E402
from tests.fakes.slack_server import FakeSlack  # noqa: E402

SEED = 20260205
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
# The mix as typed on Slack: a command Slack keeps for itself has another name there
# (/search is /find, bot/platforms/slack/adapter.py `slack_name`).
MIX: list[tuple[str, str]] = [
    (f"/{slack_name(name)}", text)
    for name, text in [
        ("agenda", "1"),
        ("agenda", "2"),
        ("now", ""),
        ("next", ""),
        ("session", "dialogue"),
        ("speaker", "watanabe"),
        ("search", "battery"),
        ("timezone", "Asia/Tokyo"),
        ("language", "ko"),
        ("help", ""),
    ]
]
REQUEST_TIMEOUT_S = 10.0  # a hung request must not hang the benchmark


# The lean client ------------------------------------------------------------------------


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

    command: str
    data: bytes


def prepare(fake: FakeSlack, client: Client, command: str, text: str, user: str) -> Prepared:
    """Build and sign a slash command as Slack does (the fake's payload, a fresh timestamp)."""
    payload = fake.command_payload(command, text, user_id=user, channel_id=GENERAL)
    body = urlencode(payload).encode()
    timestamp = str(int(time.time()))
    signature = SignatureVerifier(fake.signing_secret).generate_signature(
        timestamp=timestamp, body=body
    )
    return Prepared(f"{command} {text}".strip(), client.request(body, timestamp, signature or ""))


async def fire(client: Client, prepared: Sequence[Prepared]) -> list[tuple[float, int, str]]:
    """Send built requests all at once; per request (seconds to its ack's first bytes, the
    status, the body). Those with an idle connection are written in one tight loop (no
    await between writes); the others open their connection first (in their time)."""
    loop = asyncio.get_running_loop()
    waits: list[Awaitable[tuple[float, tuple[float, int, str] | None]]] = []
    for p in prepared:
        conn = client.take()
        if conn is None:
            waits.append(loop.create_task(client.fresh(p.data)))  # runs after the writes
        else:
            waits.append(client.answer(conn, *conn.send(p.data)))
    answers = await asyncio.gather(*waits)
    return [
        (REQUEST_TIMEOUT_S, 0, "") if got is None else (got[0] - started, got[1], got[2])
        for started, got in answers
    ]


# The two sides --------------------------------------------------------------------------


@dataclass
class Target:
    """One side: its process and the client sending to it."""

    side: Side
    proc: asyncio.subprocess.Process
    client: Client | None = None
    strict: bool = False  # an empty ack is a miss (forum-bot answers the mix in the ack)


async def burst(
    fake: FakeSlack, target: Target, commands: Sequence[tuple[str, str]], other_pid: int
) -> BurstResult:
    """Every command at once, one per user, built and signed first; the outcomes."""
    assert target.client is not None
    client = target.client
    users = [f"U{i + 1:04d}" for i in range(len(commands))]
    t0 = time.perf_counter()
    prepared = [
        prepare(fake, client, cmd, text, user)
        for (cmd, text), user in zip(commands, users, strict=True)
    ]
    built_ms = (time.perf_counter() - t0) * 1e3
    opened = client.opened
    cpu = CpuWatch(target.proc.pid, other_pid)
    answers = await fire(client, prepared)
    spent = cpu.spent()
    missed = sum(
        status != 200 or ack_s >= compare.DEADLINE_S or (target.strict and not body)
        for ack_s, status, body in answers
    )
    return BurstResult(
        [ack_s if status else None for ack_s, status, _ in answers],
        missed,
        *spent,
        f"built+signed in {built_ms:.0f} ms; {client.opened - opened} connections opened",
    )


async def started(target: Target, t0: float) -> asyncio.Task[None]:
    """Until the process serves (forum-bot: until it is ready); its URL; then its log is
    drained in the background."""
    stderr = target.proc.stderr
    assert stderr is not None
    seen = target.side.warnings
    line = await compare.until(stderr, "web server listening on http://", seen)
    found = re.search(r"http://([^:/\s]+):(\d+)", line)
    assert found is not None
    if target.strict:
        await compare.until(stderr, " ready: ", seen)
    target.side.up_s = time.perf_counter() - t0
    target.client = Client(f"http://{found[1]}:{found[2]}/slack/events")
    seen.clear()  # the start-up log; from here on only warnings are kept
    return asyncio.create_task(compare.drain(stderr, seen))


async def warm_up(fake: FakeSlack, target: Target, rng: random.Random, other_pid: int) -> None:
    """The mix one command at a time, then a burst (not measured; it opens the
    connections). forum-bot must answer every command of the mix in its ack."""
    bad = []
    for entry in MIX:
        run = await burst(fake, target, [entry], other_pid)
        bad += [f"{entry[0]} {entry[1]}".strip()] * run.missed
    await burst(fake, target, compare.shuffled(MIX, rng), other_pid)
    await asyncio.sleep(compare.SETTLE_S)
    if bad:
        print(f"!! {target.side.name}: not answered in the ack at warm-up: {', '.join(bad)}")


async def bench(tmp: Path) -> None:
    """Start the fake and both processes, warm up, alternate the bursts, report."""
    rng = random.Random(SEED)
    bot_side, floor_side = Side("forum-bot"), Side("floor")
    async with FakeSlack(
        signing_secret=SECRET,
        bot_token=BOT_TOKEN,
        channels=CHANNELS,
        usergroups=USERGROUPS,
        usergroup_handles=HANDLES,
    ) as fake:
        t0 = time.perf_counter()
        bot_proc = await compare.start(compare.bot_argv(), bot_env(tmp / "bot.sqlite", slack=fake))
        floor_proc = await compare.start(
            compare.floor_argv(
                "floor_slack.py",
                BOT_TOKEN,
                SECRET,
                fake.api_base,
                *sorted({command for command, _ in MIX}),
            )
        )
        bot = Target(bot_side, bot_proc, strict=True)
        floor = Target(floor_side, floor_proc)
        drains: list[asyncio.Task[None]] = []
        try:
            drains += await asyncio.gather(started(bot, t0), started(floor, t0))
            await compare.alternate(
                bot,
                floor,
                lambda t, other_pid: warm_up(fake, t, rng, other_pid),
                lambda: compare.shuffled(MIX, rng),
                lambda t, commands, other_pid: burst(fake, t, commands, other_pid),
            )
        finally:
            for t in (bot, floor):
                if t.client is not None:
                    await t.client.close()
            await asyncio.gather(compare.stop(bot_proc), compare.stop(floor_proc))
            await asyncio.gather(*drains)
    compare.summary(
        bot_side,
        floor_side,
        "missed: not 200, or acked after 3 s; for forum-bot also an empty ack",
    )


def clear_proxies() -> None:
    """Everything here is on 127.0.0.1: no HTTP(S)_PROXY may route it elsewhere."""
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
        os.environ.pop(name, None)
        os.environ.pop(name.lower(), None)


def main() -> int:
    """Run the benchmark and print the figures; always 0."""
    return compare.main(
        __doc__, "forum-bot's Slack acks vs a bare Bolt floor, same fake, same run", bench
    )


if __name__ == "__main__":
    sys.exit(main())
