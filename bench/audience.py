"""Benchmark: a hall of viewers on one session's live presenter stream, and votes.

What runs: forum-bot's real web server (`bot.web.server.WebServer` with the Q&A pages,
over a real `Core` and SQLite `Store` in a temporary folder, on a simulated clock stopped
inside the dialogue, 5 February 13:10 KST, opened without pre-moderation) in a process of
its own (`--serve-bot`, on uvloop, as `forum-bot run`); its session holds `--questions`
approved questions. This process holds the viewers: `--clients` aiohttp connections to
`/present/dialogue/events`, each parsing every `data:` frame. It then casts `--votes`
votes from as many devices, paced evenly over `--seconds`, each one after the last is
answered, on five questions that stay in the top ten.

Each vote comes from a phone of its own through the audience page, as audience.js sends
it (`Devices`): each device opens `/q/dialogue` once before the timed part (its device
cookie and the CSRF token of its page), then posts its up-vote to `/q/dialogue/vote`
(form fields and token, answered in JSON): device cookie, CSRF check, the per-address
budget (every phone here is on 127.0.0.1, as a hall behind one venue NAT), the Q&A's
keyed hash and the database write, all counted in the bot's CPU per vote. The floor's
votes go to its bare `/_bench/vote`.

Figures, each next to its target:
- the time from each vote's answer to its update reaching every viewer (a frame whose
  shown votes add up to at least that vote's number: votes are sequential, so after the
  i-th the total is i): p50 and p99 over the votes (target p99 < 1 s);
- the bot's CPU per vote (its process, every thread, from the first vote until every
  viewer has the last count), informational beside the floor's;
- the bot's RSS growth per connected viewer (target < 50 KB);
- lost updates: viewers whose last state is not the final count of every voted question,
  and votes some viewer never saw reflected (target 0; votes exact).

In the same run, the floor (bench/floor_audience.py): a bare aiohttp SSE broadcast of
the same votes to the same number of viewers, at the same 5 updates a second, with the
ratio forum-bot / floor for each figure.

    python bench/audience.py                         # 1,000 viewers, 10 and 10,000 questions
    python bench/audience.py --clients 200 --questions 10   # a quicker run

It is not a test: it never fails on time and always exits 0, marking a figure over its
target MISSED. Network only on 127.0.0.1; files only in a temporary folder.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import secrets
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # `python bench/audience.py` puts bench/ first instead
    sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402
from aiohttp import web  # noqa: E402

from bench.compare import percentile, process_cpu_s, stop  # noqa: E402

SESSION = "dialogue"
EVENT_NOW = datetime.fromisoformat("2026-02-05T13:10:00+09:00")  # the dialogue is on
CLIENTS = 1_000
VOTES = 300
SECONDS = 10.0
QUESTIONS = "10,10000"
VOTED = 5  # questions 1..5 take the votes: always in the top ten
P99_TARGET_MS = 1000.0
RSS_TARGET_KB = 50.0
TEXT = "Question {} of the bench about battery research?"


# -- the bot's side, in its own process ----------------------------------------------------


async def serve_bot(questions: int, folder: Path) -> None:
    """forum-bot's web server over a real core and store, with `questions` approved."""
    from bot.app import build_core, settle_memory
    from bot.core.clock import SimulatedClock
    from bot.core.model import UserRef
    from bot.settings import default_config_path, load_event
    from bot.storage import open_store
    from bot.web.server import WebServer

    store = await open_store(folder / "bench.sqlite")
    core = await build_core(
        load_event(default_config_path()),
        store,
        SimulatedClock(EVENT_NOW, speed=0),
        secrets.token_bytes(32),
    )
    dialogue = core.agenda.session(SESSION)
    assert dialogue is not None
    await core.qa.set_open(dialogue, True, UserRef("console", "bench"), moderated=False)
    stamp = EVENT_NOW.isoformat()
    async with store.transaction() as tx:
        await tx.executemany(
            "INSERT INTO questions (id, session_id, body, norm, anonymous, author_key, "
            "author_platform, status, votes, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, 1, ?, 'web', 'approved', 0, ?, ?)",
            [
                (n, SESSION, TEXT.format(n), f"question {n}", f"k{n}", stamp, stamp)
                for n in range(1, questions + 1)
            ],
        )
    core.qa.hub.publish(SESSION)

    async def counts(request: web.Request) -> web.Response:
        rows = await store.fetchall(
            "SELECT id, votes FROM questions WHERE session_id = ? AND votes > 0", (SESSION,)
        )
        return web.json_response({str(r["id"]): r["votes"] for r in rows})

    def routes(app: web.Application) -> None:
        app.router.add_get("/_bench/counts", counts)

    async def health() -> dict[str, Any]:
        return {"status": "ok"}

    server = WebServer("127.0.0.1", 0, health, core.qa, [routes])
    port = await server.start()
    settle_memory()
    print(f"listening {port}", flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)  # until EOF
    await server.stop()
    await store.close()


# -- this process: the viewers and the votes --------------------------------------------------


class Devices:
    """The voters: on forum-bot, phones of the audience page (`/q/<session>`), each with
    its own cookie jar (its device cookie) and the CSRF token its page carried, voting
    through `/q/<session>/vote` as audience.js does; on the floor, its bare route."""

    def __init__(self, base: str, web: bool) -> None:
        self.base, self.web = base, web
        self.sessions: list[aiohttp.ClientSession] = []
        self.tokens: list[str] = []

    async def join(self, count: int) -> None:
        """Open each device's page once (untimed), as a phone does after the QR code."""
        for _ in range(count if self.web else 1):
            http = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
            self.sessions.append(http)
            if self.web:
                async with http.get(f"{self.base}/q/{SESSION}") as resp:
                    page = await resp.text()
                found = re.search(r'name="csrf" value="([^"]+)"', page)
                assert found is not None, "the audience page carries no CSRF token"
                self.tokens.append(found.group(1))

    async def cast(self, device: int, question: int) -> bool:
        """THE vote path: one device's up-vote, answered."""
        if not self.web:
            body = {"device": f"bench-device-{device}", "question": question}
            async with self.sessions[0].post(f"{self.base}/_bench/vote", json=body) as resp:
                return bool((await resp.json())["ok"])
        form = {"id": str(question), "csrf": self.tokens[device]}
        url = f"{self.base}/q/{SESSION}/vote"
        headers = {"Accept": "application/json"}
        async with self.sessions[device].post(url, data=form, headers=headers) as resp:
            return resp.status == 200 and bool((await resp.json()).get("ok"))

    async def close(self) -> None:
        for http in self.sessions:
            await http.close()


@dataclass
class Viewer:
    """One connected client: when each frame came and the votes it showed."""

    frames: list[tuple[float, int]] = field(default_factory=list)  # (arrival, total shown)
    last: dict[int, int] = field(default_factory=dict)
    status: int = 0
    first: asyncio.Event = field(default_factory=asyncio.Event)
    want: int = 1 << 62  # the total that counts as caught up
    caught_up: asyncio.Event = field(default_factory=asyncio.Event)


# Every viewer gets the same bytes: each distinct frame is parsed once, so this process's
# own work per frame and viewer is a line read and a lookup (it shares the CPUs it measures).
_parsed: dict[bytes, tuple[int, dict[int, int]]] = {}


def shown(data: bytes) -> tuple[int, dict[int, int]]:
    """The total of the votes a frame shows, and each question's count."""
    found = _parsed.get(data)
    if found is None:
        state = json.loads(data)
        listed = [*state["top"], *([state["highlight"]] if state["highlight"] else [])]
        counts = {q["id"]: q["votes"] for q in listed}
        found = _parsed[data] = (sum(counts.values()), counts)
    return found


async def watch(http: aiohttp.ClientSession, url: str, viewer: Viewer) -> None:
    """Read a stream until cancelled, keeping every frame's arrival and total."""
    try:
        async with http.get(url) as resp:
            viewer.status = resp.status
            if resp.status != 200:
                return
            async for line in resp.content:
                if line.startswith(b"data: "):
                    total, viewer.last = shown(line[6:])
                    viewer.frames.append((time.monotonic(), total))
                    viewer.first.set()
                    if total >= viewer.want:
                        viewer.caught_up.set()
    finally:
        viewer.first.set()
        viewer.caught_up.set()


def rss_kb(pid: int) -> int:
    """A process's resident memory (Linux /proc)."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


@dataclass
class Result:
    """One side's figures."""

    name: str
    latencies_ms: list[float] = field(default_factory=list)
    cpu_per_vote_ms: float | None = None
    rss_per_client_kb: float = 0.0
    frames: float = 0.0
    wrong_last: int = 0
    unseen: int = 0
    refused: int = 0
    votes_exact: bool = False
    note: str = ""


async def run_side(
    name: str, argv: Sequence[str], clients: int, votes: int, seconds: float
) -> Result:
    """Start one server, connect the viewers, cast the votes and measure."""
    result = Result(name)
    proc = await asyncio.create_subprocess_exec(
        *argv, cwd=ROOT, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE
    )
    assert proc.stdout is not None and proc.stdin is not None
    tasks: list[asyncio.Task[None]] = []
    try:
        async with asyncio.timeout(120):
            line = (await proc.stdout.readline()).decode()
        if not line.startswith("listening "):
            result.note = f"did not start: {line!r}"
            return result
        base = f"http://127.0.0.1:{int(line.split()[1])}"
        await asyncio.sleep(0.5)  # let it settle before the first reading
        rss_before = rss_kb(proc.pid)
        connector = aiohttp.TCPConnector(limit=0)
        timeout = aiohttp.ClientTimeout(total=None, sock_read=None, sock_connect=30)
        async with aiohttp.ClientSession(connector=connector, timeout=timeout) as http:
            viewers = [Viewer() for _ in range(clients)]
            url = f"{base}/present/{SESSION}/events"
            for i, viewer in enumerate(viewers):
                tasks.append(asyncio.create_task(watch(http, url, viewer)))
                if i % 100 == 99:
                    await asyncio.gather(*(v.first.wait() for v in viewers[: i + 1]))
            async with asyncio.timeout(120):
                await asyncio.gather(*(v.first.wait() for v in viewers))
            result.refused = sum(v.status != 200 for v in viewers)
            await asyncio.sleep(0.5)
            result.rss_per_client_kb = (rss_kb(proc.pid) - rss_before) / clients
            devices = Devices(base, web=name != "floor")
            await devices.join(votes)
            cpu_before = process_cpu_s(proc.pid)
            done: list[float] = []
            start = time.monotonic()
            try:
                for i in range(votes):
                    await asyncio.sleep(max(0.0, start + i * seconds / votes - time.monotonic()))
                    if await devices.cast(i, 1 + i % VOTED):
                        done.append(time.monotonic())
                async with devices.sessions[0].get(f"{base}/_bench/counts") as resp:
                    final = {int(k): int(v) for k, v in (await resp.json()).items()}
            finally:
                await devices.close()
            live = [v for v in viewers if v.status == 200]
            for v in live:
                v.want = len(done)
                if v.frames and v.frames[-1][1] >= v.want:
                    v.caught_up.set()
            try:
                async with asyncio.timeout(30):
                    await asyncio.gather(*(v.caught_up.wait() for v in live))
            except TimeoutError:
                result.note = "some viewers never showed the last count within 30 s"
            cpu_after = process_cpu_s(proc.pid)
            if cpu_before is not None and cpu_after is not None and votes:
                result.cpu_per_vote_ms = (cpu_after - cpu_before) * 1e3 / votes
            result.votes_exact = len(done) == votes and sum(final.values()) == votes
            result.frames = sum(len(v.frames) for v in live) / max(1, len(live))
            result.wrong_last = sum(
                any(v.last.get(q, 0) != n for q, n in final.items()) for v in live
            )
            for number, at in enumerate(done, start=1):
                worst = 0.0
                for v in live:
                    seen = next((t for t, total in v.frames if total >= number), None)
                    if seen is None:
                        result.unseen += 1
                        break
                    worst = max(worst, seen - at)
                else:
                    result.latencies_ms.append(worst * 1e3)
            result.latencies_ms.sort()
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
    finally:
        for task in tasks:
            task.cancel()
        await stop(proc)
    return result


def row(
    label: str, bot: float | None, floor: float | None, unit: str, target: str, missed: bool
) -> None:
    """One figure: forum-bot, the floor, their ratio, the target."""

    def fmt(x: float | None) -> str:
        return f"{x:10.1f}" if x is not None else "         ?"

    ratio = f"{bot / floor:7.2f}" if bot is not None and floor else "      ?"
    flag = "   MISSED" if missed else ""
    print(f"  {label:<36}{fmt(bot)} {fmt(floor)} {ratio}  {unit:<3} {target}{flag}")


def report(questions: int, bot: Result, floor: Result, votes: int) -> None:
    """The side-by-side table for one session size."""
    print(f"\n{questions:,} questions in the session:")
    print(f"  {'':<36}{'forum-bot':>10} {'floor':>10} {'ratio':>7}")
    bp50, fp50 = percentile(bot.latencies_ms, 0.5), percentile(floor.latencies_ms, 0.5)
    bp99, fp99 = percentile(bot.latencies_ms, 0.99), percentile(floor.latencies_ms, 0.99)
    row("vote -> every viewer, p50", bp50, fp50, "ms", "", False)
    row(
        "vote -> every viewer, p99",
        bp99,
        fp99,
        "ms",
        f"target < {P99_TARGET_MS:.0f}",
        not bp99 < P99_TARGET_MS,
    )
    row("CPU per vote", bot.cpu_per_vote_ms, floor.cpu_per_vote_ms, "ms", "informational", False)
    row(
        "RSS growth per viewer",
        bot.rss_per_client_kb,
        floor.rss_per_client_kb,
        "KB",
        f"target < {RSS_TARGET_KB:.0f}",
        not bot.rss_per_client_kb < RSS_TARGET_KB,
    )
    row("frames per viewer", bot.frames, floor.frames, "", "informational", False)
    lost = bot.wrong_last + bot.unseen + bot.refused
    print(
        f"  {'lost updates (forum-bot)':<36}{lost:10d}{'':27}target 0 (viewers with a stale"
        f" last state {bot.wrong_last}, votes unseen {bot.unseen}, refused {bot.refused})"
        + ("   MISSED" if lost else "")
    )
    print(
        f"  {'votes exact (forum-bot)':<36}{'yes' if bot.votes_exact else 'no':>10}{'':27}"
        f"target yes ({votes} votes from {votes} devices)"
        + ("" if bot.votes_exact else "   MISSED")
    )
    for side in (bot, floor):
        if side.note:
            print(f"  !! {side.name}: {side.note}")


async def bench(options: argparse.Namespace, folder: Path) -> None:
    from bot.web.server import raise_file_limit

    raise_file_limit()
    for questions in options.questions:
        bot_argv = [
            sys.executable,
            str(Path(__file__)),
            "--serve-bot",
            str(questions),
            "--folder",
            str(folder / f"q{questions}"),
        ]
        (folder / f"q{questions}").mkdir()
        floor_argv = [sys.executable, str(ROOT / "bench" / "floor_audience.py"), str(questions)]
        bot = await run_side("forum-bot", bot_argv, options.clients, options.votes, options.seconds)
        floor = await run_side("floor", floor_argv, options.clients, options.votes, options.seconds)
        report(questions, bot, floor, options.votes)


def main() -> int:
    """Run both sides for each session size and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=CLIENTS, help="viewers (default 1,000)")
    parser.add_argument("--votes", type=int, default=VOTES, help="votes, one per device (300)")
    parser.add_argument("--seconds", type=float, default=SECONDS, help="over how long (10)")
    parser.add_argument(
        "--questions",
        type=lambda s: [int(x) for x in s.split(",")],
        default=[int(x) for x in QUESTIONS.split(",")],
        help=f"approved questions in the session, comma-separated runs (default {QUESTIONS})",
    )
    parser.add_argument("--serve-bot", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--folder", type=Path, help=argparse.SUPPRESS)
    options = parser.parse_args()
    from bench import compare
    from bot.app import run_loop

    if options.serve_bot is not None:
        from bot.web.server import raise_file_limit

        raise_file_limit()
        run_loop(serve_bot(options.serve_bot, options.folder))
        return 0
    print(
        f"forum-bot audience stream benchmark: Python {sys.version.split()[0]}, "
        f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f} at the start"
    )
    print(
        f"{options.clients:,} viewers of /present/{SESSION}/events (this process), "
        f"{options.votes} votes from {options.votes} devices over {options.seconds:g} s "
        "(forum-bot: each from a phone of its own through /q/dialogue/vote; "
        "each server in a process of its own)"
    )
    return compare.run_in_folder(lambda folder: bench(options, folder), 900)


if __name__ == "__main__":
    sys.exit(main())
