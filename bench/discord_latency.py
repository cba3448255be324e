"""Benchmark: the Discord adapter answering 100 slash commands at once.

What it measures, each figure printed next to its target:

1. One burst of 100 slash commands, from 100 different users, sent at once by the fake
   Discord (tests/fakes/discord_server.py) to the real adapter (discord.py client, real
   `Core`, commands and SQLite store, a simulated clock stopped at 10:00 KST on day 1 of the
   sample event). For each command: the time from the fake dispatching INTERACTION_CREATE
   to the fake receiving the interaction callback, as p50, p99 (target < 100 ms) and max,
   and the missed deadlines (target: 0): a callback later than 3 s, refused (not 2xx,
   e.g. 10062 Unknown interaction or 40060 already acknowledged) or never sent.
   With it, the CPU spent during the burst: by the bot's process (every thread, from
   Linux's /proc/PID/task/*/schedstat; with --in-process, by the one process holding bot
   and fake) and by the fake (per command; the share of the garbage collector, whose full
   collections of the ~100,000 objects that discord.py, aiohttp and pydantic leave behind
   take 50-100 ms; and the burst size the 3 s deadline would allow at that cost: an
   estimate). These are informational.
2. Three more bursts of 100: the worst p99 of them (target < 100 ms) and their misses.
3. How many 429s the fake answered (target: 0). Its rate limits count per route and
   major parameters, and a callback's are its interaction's id and token: each callback
   has a bucket of its own, so 100 at once cannot collide (discord.py also locks per
   interaction only).

The mix: /agenda day 1 and day 2, /now, /next, /session dialogue, /speaker watanabe,
/search battery, /timezone Asia/Tokyo, /language ko and /help, ten of each per burst.
A few commands are sent one at a time first, to warm up (their median is printed too).

By default the bot runs as its own process (`forum-bot run`, as deployed) and the fake
here, each on a core. With --in-process both ends share one event loop in one thread, as
in the tests, so a burst is CPU-bound:
its last callback comes about when the CPU it needs is spent, and the fake's own share
(sending 100 frames, serving 100 requests; about a quarter by cProfile) is inside the
figures. Times come from `time.perf_counter` through the fake's clock: real, monotonic,
sub-millisecond. A callback's time is when its request arrived: the moment its first
bytes reached the fake's socket, stamped by the fake's connection protocol before aiohttp
parses them (and the moment the fake judges the 3 s deadline at). The fake's own queueing
(parsing, then waiting for its event loop to run the handler) does not count against the
bot; it is printed apart ("fake's queue", arrival -> handler). One limit remains: the
fake sees bytes only when its loop polls its sockets, so a callback that arrives while the
fake is busy (sending the burst's frames, serving a batch of earlier callbacks) is stamped
when that work is done; the stamp is never early. The 100 frames go out in one tight
loop, each stamped as dispatched just before it is written. One waiter per burst watches
the fake's request log (awaiting each PendingInteraction would add 100 waiters rescanning
the log on the measured loop).

The first burst costs the bot more than the next ones: the adapter's pool for callbacks
(bot/adapters/http1.py) holds the one connection the warm-up needed, so most callbacks of
the first burst open a TCP connection (printed as "new TCP connections"; later bursts
reuse them). Callbacks went through aiohttp's client until November 2026; the pool
halved the bot's CPU per command (1.0-1.15 ms to 0.4-0.6 ms) and its p99.

With the bot in its own process, a burst's last callback comes about when the bot has
spent the CPU the burst needs: its p99 is close to the bot's CPU per burst.

Run it from the repository root, with the project installed (`pip install -e ".[test]"`):

    python bench/discord_latency.py               # the bot as its own process (`forum-bot run`)
    python bench/discord_latency.py --in-process  # the adapter on the fake's event loop
    python bench/discord_latency.py --profile     # in process, and profile one burst

It is not a test: it never fails on time and always exits 0, marking a figure over its
target MISSED. Its only networking is the fake Discord on 127.0.0.1 and a free port.
Everything it writes goes to a temporary directory.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import gc
import io
import logging
import math
import os
import pstats
import random
import statistics
import sys
import tempfile
import time
import traceback
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # `python bench/discord_latency.py` puts bench/ first instead
    sys.path.insert(0, str(ROOT))

from bot.adapters.discord_adapter import DiscordAdapter, DiscordSettings  # noqa: E402
from bot.app import build_core, run_loop, settle_memory  # noqa: E402
from bot.clock import SimulatedClock  # noqa: E402
from bot.settings import PlatformConfig, default_config_path, load_event  # noqa: E402
from bot.store import Store  # noqa: E402
from tests.fakes.discord_payloads import JSON  # noqa: E402
from tests.fakes.discord_server import (  # noqa: E402
    CALLBACK_ROUTE,
    FakeDiscord,
    PendingInteraction,
    RecordedRequest,
)
from tests.fakes.environment import bot_env  # noqa: E402

SEED = 20260205
TOKEN = "bench-discord-token"
EVENT_NOW = datetime.fromisoformat("2026-02-05T10:00:00+09:00")  # day 1, sessions running
USERS = 100
BURST = 100
EXTRA_BURSTS = 3
WARM_UP_PASSES = 2  # the whole mix, one command at a time
DEADLINE_S = 3.0  # Discord's first-response deadline (the fake's default)
BURST_WAIT_S = 8.0  # how long a burst may take before its missing callbacks count as missed
REFUSED_CODES = (10062, 40060)  # Unknown interaction, already acknowledged
P99_MS = 100.0

MIX: list[tuple[str, str, dict[str, Any]]] = [
    ("/agenda 1", "agenda", {"day": "1"}),
    ("/agenda 2", "agenda", {"day": "2"}),
    ("/now", "now", {}),
    ("/next", "next", {}),
    ("/session dialogue", "session", {"session": "dialogue"}),
    ("/speaker watanabe", "speaker", {"name": "watanabe"}),
    ("/search battery", "search", {"text": "battery"}),
    ("/timezone Asia/Tokyo", "timezone", {"zone": "Asia/Tokyo"}),
    ("/language ko", "language", {"language": "ko"}),
    ("/help", "help", {}),
]


class PerfClock:
    """The fake's clock: real time from `time.perf_counter`, so monotonic and fine-grained."""

    def __init__(self) -> None:
        self._origin = datetime.now(UTC)
        self._t0 = time.perf_counter()

    def now(self) -> datetime:
        """The current moment, UTC."""
        return self._origin + timedelta(seconds=time.perf_counter() - self._t0)

    def wall_seconds(self, simulated: float) -> float:
        """Real and clock seconds are the same."""
        return simulated


@dataclass(frozen=True)
class Outcome:
    """One slash command: what was sent and how its first callback went."""

    label: str
    latency: float | None  # seconds from dispatch to the first callback; None: no callback
    status: int | None
    code: int | None  # Discord's error code in a refused callback's body
    kind: int | None  # the callback type: 4 an answer, 5 a deferral

    @property
    def missed(self) -> bool:
        """Late, refused or never sent."""
        return (
            self.latency is None
            or self.latency > DEADLINE_S
            or self.status is None
            or not 200 <= self.status < 300
            or self.code in REFUSED_CODES
        )


def outcome(label: str, pending: PendingInteraction, callback: RecordedRequest | None) -> Outcome:
    """Read the first callback the fake recorded for `pending`."""
    if callback is None:
        return Outcome(label, None, None, None, None)
    response = callback.response if isinstance(callback.response, dict) else {}
    body = callback.json if isinstance(callback.json, dict) else {}
    code = response.get("code")
    return Outcome(
        label,
        (callback.at - pending.dispatched_at).total_seconds(),
        callback.status,
        code if isinstance(code, int) else None,
        body.get("type"),
    )


def first_callbacks(
    fake: FakeDiscord, pendings: Sequence[PendingInteraction], since: int
) -> dict[str, RecordedRequest]:
    """Each interaction's first callback request among the fake's records from `since`."""
    wanted = {p.id for p in pendings}
    found: dict[str, RecordedRequest] = {}
    for r in fake.requests[since:]:
        iid = r.params.get("webhook_id", "")
        if r.route == CALLBACK_ROUTE and iid in wanted and iid not in found:
            found[iid] = r
    return found


async def settle(timeout: float = 5.0) -> None:  # noqa: ASYNC109 - a plain bound, no cancel scope
    """Wait until discord.py's on_interaction tasks (follow-ups included) have finished."""
    tasks = [
        t
        for t in asyncio.all_tasks()
        if t.get_name() == "discord.py: on_interaction" and not t.done()
    ]
    if tasks:
        await asyncio.wait(tasks, timeout=timeout)


class GcTimer:
    """Adds up the time the cyclic garbage collector takes, through `gc.callbacks`."""

    def __init__(self) -> None:
        self.total_s = 0.0
        self.full = 0  # generation-2 collections
        self._began = 0.0

    def __call__(self, phase: str, info: dict[str, int]) -> None:
        """Called by the collector at the start and the stop of each collection."""
        if phase == "start":
            self._began = time.perf_counter()
        else:
            self.total_s += time.perf_counter() - self._began
            self.full += info["generation"] == 2


GC = GcTimer()


def process_cpu_s(pid: int | None) -> float | None:
    """The CPU time process `pid` has used (every thread), in seconds; None if unknown.

    Linux's schedstat counts nanoseconds, where /proc/PID/stat counts 10 ms ticks.
    """
    if pid is None:
        return None
    total = 0
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/schedstat") as f:
                total += int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        return None
    return total / 1e9


@dataclass(frozen=True)
class Burst:
    """A burst's outcomes, how long the fake took to send it, and the CPU it cost."""

    outcomes: list[Outcome]
    dispatch_s: float
    bot_cpu_s: float | None  # the bot's own process, when it is another; same span
    new_connections: int  # TCP connections the fake accepted during the burst
    queued_ms: list[float]  # per callback: arrival at the fake's socket -> its handler, sorted
    cpu_s: float  # process time (every thread) from the first dispatch to the last callback
    wall_s: float  # real time over the same span
    gc_s: float  # of it, in the garbage collector
    gc_full: int  # full (generation 2) collections in it

    def latencies_ms(self) -> list[float]:
        """The answered commands' latencies, sorted, in milliseconds."""
        return sorted(o.latency * 1e3 for o in self.outcomes if o.latency is not None)


async def burst(
    fake: FakeDiscord,
    commands: Sequence[tuple[str, str, dict[str, Any], JSON]],
    bot_pid: int | None = None,
) -> Burst:
    """Send every command at once; wait (one waiter) for their first callbacks."""
    since, connections0 = len(fake.requests), fake.connections_accepted
    bot0 = process_cpu_s(bot_pid)
    cpu0, began, gc0, full0 = time.process_time(), time.perf_counter(), GC.total_s, GC.full
    # One tight loop: no send waits for anything (sockets are polled only after the last
    # frame), and no task per command.
    pendings = [
        await fake.send_slash_command(name, options, user=user)
        for _, name, options, user in commands
    ]
    dispatch_s = time.perf_counter() - began
    ids = {p.id for p in pendings}

    def is_ours(r: RecordedRequest) -> bool:
        return r.route == CALLBACK_ROUTE and r.params.get("webhook_id") in ids

    # One waiter for the whole burst. Awaiting each PendingInteraction would make 100
    # waiters rescan the whole request log each time a request is recorded, on the very
    # loop being measured (about 150,000 predicate calls a burst).
    with contextlib.suppress(TimeoutError):  # the missing callbacks count as missed
        await fake.wait_for(is_ours, BURST_WAIT_S, count=len(pendings), since=since)
    cpu_s, wall_s = time.process_time() - cpu0, time.perf_counter() - began
    bot1 = process_cpu_s(bot_pid)
    bot_cpu_s = bot1 - bot0 if bot0 is not None and bot1 is not None else None
    found = first_callbacks(fake, pendings, since)
    outcomes = [
        outcome(label, p, found.get(p.id))
        for (label, _, _, _), p in zip(commands, pendings, strict=True)
    ]
    gc_s, gc_full = GC.total_s - gc0, GC.full - full0
    queued = sorted((r.started - r.at).total_seconds() * 1e3 for r in found.values())
    connections = fake.connections_accepted - connections0
    await settle()
    return Burst(outcomes, dispatch_s, bot_cpu_s, connections, queued, cpu_s, wall_s, gc_s, gc_full)


def percentile(sorted_values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile of already sorted values."""
    return sorted_values[max(0, math.ceil(q * len(sorted_values)) - 1)]


def figure(
    label: str, value: float, unit: str, target: float | None = None, *, decimals: int = 2
) -> None:
    """One line: the figure, its target and how far it is from it."""
    text = f"{label + ':':<36} {value:8.{decimals}f} {unit}"
    if target is not None:
        ratio = value / target
        text = f"{text:<50} target < {target:g} {unit:<3}   ({ratio:.2f}x target)"
        text += "   MISSED" if ratio >= 1 else ""
    print(text)


def count_line(label: str, value: int, total: int) -> None:
    """One line for a count whose target is zero."""
    text = f"{label + ':':<36} {value:8d} of {total}"
    print(f"{text:<50} target 0" + ("   MISSED" if value else ""))


def report_burst(title: str, run: Burst) -> None:
    """A burst's figures: latency, misses, and the CPU that explains them."""
    answered = run.latencies_ms()
    n = len(run.outcomes)
    print(f"\n{title} (the fake sent all {n} in {run.dispatch_s * 1e3:.1f} ms):")
    if answered:
        figure("dispatch -> callback p50", percentile(answered, 0.50), "ms")
        figure("dispatch -> callback p99", percentile(answered, 0.99), "ms", P99_MS)
        figure("dispatch -> callback max", answered[-1], "ms")
    print(f"{'callbacks received:':<36} {len(answered):8d} of {n}")
    count_line("missed deadlines", sum(o.missed for o in run.outcomes), n)
    print(f"{'new TCP connections opened:':<36} {run.new_connections:8d}")
    if run.queued_ms:
        figure("fake's queue p50 (arrival->handler)", percentile(run.queued_ms, 0.5), "ms")
        figure("fake's queue max", run.queued_ms[-1], "ms")
    if run.bot_cpu_s is not None:
        figure("bot CPU during the burst", run.bot_cpu_s * 1e3, "ms")
        figure("bot CPU per command", run.bot_cpu_s * 1e3 / n, "ms")
        who = "fake"
    else:
        who = "bot + fake"  # one process, one loop: a burst lasts as long as its CPU
    figure(f"CPU during the burst ({who})", run.cpu_s * 1e3, "ms")
    figure(f"CPU per command ({who})", run.cpu_s * 1e3 / n, "ms")
    figure("CPU busy (CPU / wall)", 100 * run.cpu_s / run.wall_s, "%")
    figure(f"of it garbage collection ({run.gc_full} full)", run.gc_s * 1e3, "ms")
    cost = run.bot_cpu_s if run.bot_cpu_s is not None else run.cpu_s
    if cost > 0:
        # A burst's last answer comes about when its CPU is spent: the deadline holds up
        # to roughly this many commands at once on this machine (an estimate).
        allowed = DEADLINE_S / (cost / n)
        figure("burst the 3 s deadline allows, est.", allowed, "commands", decimals=0)


def report_kinds(outcomes: Sequence[Outcome]) -> None:
    """Latency per command over every burst, slowest p99 first."""
    by_label: dict[str, list[float]] = defaultdict(list)
    for o in outcomes:
        if o.latency is not None:
            by_label[o.label].append(o.latency * 1e3)
    print(f"  {'command':<22} {'n':>4} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8}")
    for label, xs in sorted(by_label.items(), key=lambda kv: -percentile(sorted(kv[1]), 0.99)):
        xs.sort()
        print(
            f"  {label:<22} {len(xs):>4} {percentile(xs, 0.5):>8.2f}"
            f" {percentile(xs, 0.99):>8.2f} {xs[-1]:>8.2f}"
        )


class CountingHandler(logging.Handler):
    """Keeps the warnings the bot and discord.py log, to report them after the figures."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        """Keep the record, unless it is discord.py saying that voice needs PyNaCl."""
        if "voice will NOT be supported" not in record.getMessage():
            self.records.append(record)


async def run_process(tmp: Path) -> None:
    """The bot as its own process (`forum-bot run`), as deployed, against the fake here."""
    rng = random.Random(SEED)
    async with FakeDiscord(token=TOKEN, clock=PerfClock()) as fake:
        env = bot_env(tmp / "bot.sqlite", discord=fake, FORUM_BOT_LOG_LEVEL="WARNING")
        started = time.perf_counter()
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "run",
            "--simulate-from",
            EVENT_NOW.isoformat(),
            "--speed",
            "0",
            env=env,
            cwd=ROOT,
            stdin=asyncio.subprocess.DEVNULL,
        )
        try:
            await fake.wait_for(lambda r: r.route.startswith("PUT /applications"), 60)
            print(f"forum-bot run connected and synced in {time.perf_counter() - started:.2f} s")
            print("(the bot in its own process: 'bot CPU' is its own, the rest the fake's)")
            await measure(fake, rng, profile=False, bot_pid=proc.pid)
        finally:
            proc.terminate()
            await proc.wait()


async def run(tmp: Path, profile: bool) -> None:
    """Start the fake and the adapter, run the bursts and print the figures."""
    rng = random.Random(SEED)
    store = await Store.open(tmp / "bot.sqlite")
    try:
        core = await build_core(
            load_event(default_config_path()), store, SimulatedClock(EVENT_NOW, speed=0)
        )
        async with FakeDiscord(token=TOKEN, clock=PerfClock()) as fake:
            settings = DiscordSettings(
                token=TOKEN,
                guild_ids=(int(fake.guild_id),),
                api_base=fake.api_base,
                gateway_url=fake.gateway_url,
                guild_ready_timeout=0.01,
                ready_timeout=5,
            )
            adapter = DiscordAdapter(core, settings, PlatformConfig(), store)
            started = time.perf_counter()
            await adapter.start()
            try:
                print(f"adapter connected and synced in {time.perf_counter() - started:.2f} s")
                settle_memory()  # as `forum-bot run` does once its adapters are up
                await measure(fake, rng, profile)
            finally:
                await adapter.stop()
    finally:
        await store.close()


async def measure(
    fake: FakeDiscord, rng: random.Random, profile: bool, bot_pid: int | None = None
) -> None:
    """Warm up, then the bursts, then the figures."""
    users = [fake.add_user(f"user{i:03d}") for i in range(USERS)]
    warm: list[float] = []
    for _ in range(WARM_UP_PASSES):
        for entry, user in zip(MIX, users[: len(MIX)], strict=True):
            warm += [x / 1e3 for x in (await burst(fake, [(*entry, user)])).latencies_ms()]
    print(f"warm-up: {len(warm)} commands, one at a time")
    figure("one at a time, median", statistics.median(warm) * 1e3, "ms")

    def commands() -> list[tuple[str, str, dict[str, Any], JSON]]:
        mix = [MIX[i % len(MIX)] for i in range(BURST)]
        rng.shuffle(mix)
        return [(*entry, user) for entry, user in zip(mix, users, strict=True)]

    first = await burst(fake, commands(), bot_pid)
    report_burst(f"{BURST} slash commands at once from {USERS} users", first)

    print(f"\n{EXTRA_BURSTS} more bursts of {BURST}:")
    more = [await burst(fake, commands(), bot_pid) for _ in range(EXTRA_BURSTS)]
    p99s: list[float] = []
    for i, run in enumerate(more, start=2):
        xs = run.latencies_ms()
        p99s.append(percentile(xs, 0.99) if xs else math.inf)
        print(
            f"  burst {i}: p50 {percentile(xs, 0.5) if xs else math.inf:7.2f} ms, "
            f"p99 {p99s[-1]:7.2f} ms, max {xs[-1] if xs else math.inf:7.2f} ms, "
            + (f"bot CPU {run.bot_cpu_s * 1e3:4.0f} ms, " if run.bot_cpu_s is not None else "")
            + f"CPU {run.cpu_s * 1e3:4.0f} ms (GC {run.gc_s * 1e3:3.0f} ms, {run.gc_full} full), "
            f"{run.new_connections} new connections, "
            f"missed {sum(o.missed for o in run.outcomes)}"
        )
    figure("worst p99", max(p99s), "ms", P99_MS)
    count_line(
        "missed deadlines",
        sum(o.missed for run in more for o in run.outcomes),
        sum(len(run.outcomes) for run in more),
    )

    every = [o for run in (first, *more) for o in run.outcomes]
    print(f"\nevery burst, per command ({len(every)} commands):")
    report_kinds(every)
    kinds = Counter(o.kind for o in every)
    print(f"  callback types: {kinds[4]} answers (4), {kinds[5]} deferrals (5), accepted or not")
    refused = Counter((o.status, o.code) for o in every if o.status and o.status >= 300)
    for (status, code), n in refused.items():
        print(f"  refused callbacks: {n} x {status} (code {code})")

    # A callback's rate-limit bucket is its own interaction's (see the docstring).
    limited = Counter(r.route for r in fake.requests if r.status == 429)
    routes = Counter(r.route for r in fake.requests)
    print()
    count_line("429 rate-limited requests", sum(limited.values()), len(fake.requests))
    for route, n in limited.items():
        print(f"  {n} x {route}")
    print("  requests by route: " + ", ".join(f"{n} x {r}" for r, n in routes.most_common()))

    if profile:
        profiler = cProfile.Profile()
        profiler.enable()
        await burst(fake, commands())
        profiler.disable()
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out)
        stats.sort_stats("tottime").print_stats(20)
        stats.sort_stats("cumulative").print_stats(30)
        print(f"\nprofile of one more burst of {BURST}:\n{out.getvalue()}")


def main() -> int:
    """Run the benchmark and print the figures."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--profile", action="store_true", help="profile one more burst")
    parser.add_argument(
        "--in-process",
        action="store_true",
        help="run the adapter in this process, sharing the fake's event loop (as the tests do)",
    )
    options = parser.parse_args()
    handler = CountingHandler()
    gc.callbacks.append(GC)
    logging.getLogger().addHandler(handler)
    print(
        f"forum-bot Discord latency benchmark: Python {sys.version.split()[0]}, "
        f"{os.cpu_count()} CPUs"
    )
    with tempfile.TemporaryDirectory(prefix="forum-bench-") as tmp_name:
        try:
            work = (
                run(Path(tmp_name), options.profile)
                if options.in_process or options.profile
                else run_process(Path(tmp_name))
            )
            run_loop(asyncio.wait_for(work, 50))  # the loop `forum-bot run` uses
        except TimeoutError:
            print("!! the benchmark ran out of its 50 s: the figures above are all there is")
        except Exception:  # a benchmark reports and exits 0; the traceback says why
            traceback.print_exc()
            print("!! the benchmark failed: the figures above are all there is")
        gc.collect()  # so that anything left unclosed is reported below
    if handler.records:
        print(f"\n{len(handler.records)} warnings were logged, the first ones:")
        for record in handler.records[:5]:
            print(f"  {record.levelname} {record.name}: {record.getMessage()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
