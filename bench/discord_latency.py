"""Benchmark: forum-bot's Discord answers to bursts of 200 slash commands, as a ratio to a
bare discord.py bot's on the same fake in the same run.

Two processes answer the same bursts, each started as deployed, as a process of its own:

- forum-bot: `python -m bot run --simulate-from 2026-02-05T10:00+09:00 --speed 0` with
  the environment of tests/fakes/environment.py `bot_env` (the sample event, whose
  channels the fake has, a SQLite store in a temporary folder, its default INFO log),
  answering through its Discord adapter: real `Core`, commands, store, rendering, and
  discord.py's HTTP client for the callbacks;
- the floor, bench/floor_discord.py: a plain `discord.Client` and `app_commands.CommandTree`
  with the same command and option names, each answering
  `interaction.response.send_message("fixed text")` (discord.py's own interaction
  response, which also asks for the created message back, `with_response=1`).

Both run on uvloop with their start-up objects frozen out of the collector (`gc.freeze`),
so what differs is the work per command. Each talks to a fake Discord of its own
(tests/fakes/discord_server.py: one bot token and application per fake, and the fake
sends every interaction to every session with its token), both fakes in this process,
built alike. A burst: 200 slash commands from 200 different users, the mix of the old
bench shuffled (/agenda day 1 and 2, /now, /next, /session dialogue, /speaker watanabe,
/search battery, /timezone Asia/Tokyo, /language ko, /help; twenty each), the same
commands for both sides. The fake sends the 200 INTERACTION_CREATE frames in one tight
loop, each stamped as dispatched just before it is written. A command's latency is from
that stamp to its first callback's arrival: the moment its first bytes reached the fake's
socket (stamped by the fake's connection protocol before aiohttp parses them, also where
the fake judges the 3 s deadline; never early, but late by whatever keeps this process's
loop busy, alike for both sides).

Each side is warmed up (the mix one command at a time, then one burst of 200, not
measured); then bursts alternate, forum-bot and floor, the order swapped every pair
(ABBA), 7 per side. Printed per burst and side: p50, p99 and max in ms (informational),
missed deadlines (a callback later than 3 s, refused (not 2xx) or never sent within 8 s),
the side's CPU per command (its process, every thread, from Linux's
/proc/PID/task/*/schedstat, from the first dispatch to the last callback) and the other
side's CPU over the same span (it should idle). Then the targets:

- p99 ratio forum-bot/floor <= 1.2, where each side's p99 is the median of its bursts'
  p99s (the worst-to-worst ratio is printed beside it, informational);
- forum-bot's missed deadlines: 0;

and, informational, each side's CPU per command and their ratio: a burst's last answers
come when the CPU it needs is spent, so this ratio is what the p99 ratio follows.

Run it as bench/compare.py says (it prints the processes' ids first, for py-spy):

    python bench/discord_latency.py [--bursts N]
"""

from __future__ import annotations

import asyncio
import random
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # `python bench/discord_latency.py` puts bench/ first instead
    sys.path.insert(0, str(ROOT))

from bench import compare  # noqa: E402
from bench.compare import BurstResult, CpuWatch, Side  # noqa: E402
from tests.fakes.discord_payloads import JSON  # noqa: E402
from tests.fakes.discord_server import CALLBACK_ROUTE, FakeDiscord, RecordedRequest  # noqa: E402
from tests.fakes.environment import bot_env  # noqa: E402

SEED = 20260205
BURST_WAIT_S = 8.0  # after this long, a burst's missing callbacks count as missed

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
Command = tuple[str, str, dict[str, Any]]


class PerfClock:
    """The fakes' clock: real time from `time.perf_counter`, monotonic and fine-grained."""

    def __init__(self) -> None:
        self._origin = datetime.now(UTC)
        self._t0 = time.perf_counter()

    def now(self) -> datetime:
        """The current moment, UTC."""
        return self._origin + timedelta(seconds=time.perf_counter() - self._t0)

    def wall_seconds(self, simulated: float) -> float:
        """Real and clock seconds are the same."""
        return simulated


@dataclass
class Target:
    """One side: its process, the fake it talks to and that fake's users."""

    side: Side
    fake: FakeDiscord
    proc: asyncio.subprocess.Process
    users: list[JSON]


def is_callback(r: RecordedRequest) -> bool:
    """An interaction callback (the first answer), accepted or not."""
    return r.route == CALLBACK_ROUTE


async def first_callbacks(
    fake: FakeDiscord, ids: set[str], since: int, wait_s: float
) -> dict[str, RecordedRequest]:
    """Each interaction's first callback, as they arrive, until all came or `wait_s` passed.

    Each wake-up looks only at the requests recorded since the last one (a waiter per
    interaction would rescan the whole log each time, on the loop being measured)."""
    found: dict[str, RecordedRequest] = {}
    deadline = time.perf_counter() + wait_s
    while len(found) < len(ids) and (left := deadline - time.perf_counter()) > 0:
        try:
            await fake.wait_for(is_callback, left, since=since)
        except TimeoutError:
            break
        new, since = fake.requests[since:], len(fake.requests)
        for r in new:
            iid = r.params.get("webhook_id", "")
            if is_callback(r) and iid in ids and iid not in found:
                found[iid] = r
    return found


async def burst(target: Target, commands: Sequence[Command], other_pid: int) -> BurstResult:
    """Send every command at once; wait for their first callbacks; read the outcomes."""
    fake = target.fake
    since = len(fake.requests)
    cpu = CpuWatch(target.proc.pid, other_pid)
    began = time.perf_counter()
    # One tight loop: the frames are written with no wait for anything in between.
    pendings = [
        await fake.send_slash_command(name, options, user=user)
        for (_, name, options), user in zip(commands, target.users[: len(commands)], strict=True)
    ]
    sent_ms = (time.perf_counter() - began) * 1e3
    found = await first_callbacks(fake, {p.id for p in pendings}, since, BURST_WAIT_S)
    spent = cpu.spent()
    latencies: list[float | None] = []
    missed = 0
    for p in pendings:
        r = found.get(p.id)
        if r is None:
            latencies.append(None)
            missed += 1
            continue
        latency = (r.at - p.dispatched_at).total_seconds()
        latencies.append(latency)
        missed += latency > compare.DEADLINE_S or not 200 <= r.status < 300
    return BurstResult(latencies, missed, *spent, f"sent in {sent_ms:.0f} ms")


async def wait_started(target: Target, marker: str, started: float) -> asyncio.Task[None]:
    """Until the process logs `marker`; then its log is drained in the background."""
    assert target.proc.stderr is not None
    await compare.until(target.proc.stderr, marker, target.side.warnings)
    target.side.up_s = time.perf_counter() - started
    target.side.warnings.clear()  # the start-up log; from here on only warnings are kept
    return asyncio.create_task(compare.drain(target.proc.stderr, target.side.warnings))


async def warm_up(target: Target, rng: random.Random, other_pid: int) -> None:
    """The mix one command at a time, then a burst (not measured)."""
    runs = [await burst(target, [entry], other_pid) for entry in MIX]
    runs.append(await burst(target, compare.shuffled(MIX, rng), other_pid))
    await asyncio.sleep(compare.SETTLE_S)
    if missed := sum(run.missed for run in runs):
        print(f"!! {target.side.name}: {missed} missed deadline(s) at warm-up")


async def bench(tmp: Path) -> None:
    """Start both fakes and both processes, warm up, alternate the bursts, report."""
    rng = random.Random(SEED)
    bot_side, floor_side = Side("forum-bot"), Side("floor")
    async with (
        FakeDiscord(token="bench-forum-bot-token", clock=PerfClock()) as bot_fake,
        FakeDiscord(token="bench-floor-token", clock=PerfClock()) as floor_fake,
    ):
        compare.add_sample_channels(bot_fake, floor_fake)
        started = time.perf_counter()
        bot_proc = await compare.start(
            compare.bot_argv(), bot_env(tmp / "bot.sqlite", discord=bot_fake)
        )
        floor_proc = await compare.start(compare.discord_floor_argv(floor_fake))
        bot = Target(bot_side, bot_fake, bot_proc, [])
        floor = Target(floor_side, floor_fake, floor_proc, [])
        drains: list[asyncio.Task[None]] = []
        try:
            drains += await asyncio.gather(
                wait_started(bot, " ready: ", started),
                wait_started(floor, "floor: connected", started),
            )
            for t in (bot, floor):
                t.users = [t.fake.add_user(f"user{i:03d}") for i in range(compare.BURST)]
            await compare.alternate(
                bot,
                floor,
                lambda t, other_pid: warm_up(t, rng, other_pid),
                lambda: compare.shuffled(MIX, rng),
                burst,
            )
        finally:
            await asyncio.gather(compare.stop(bot_proc), compare.stop(floor_proc))
            await asyncio.gather(*drains)
    compare.summary(
        bot_side,
        floor_side,
        "missed: a first callback later than 3 s after its dispatch, refused (not 2xx), or "
        f"none within {BURST_WAIT_S:.0f} s",
    )


def main() -> int:
    """Run the benchmark and print the figures; always 0."""
    return compare.main(
        __doc__,
        "forum-bot's Discord answers vs a bare discord.py floor, same fakes, same run",
        bench,
    )


if __name__ == "__main__":
    sys.exit(main())
