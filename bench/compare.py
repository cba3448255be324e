"""What bench/discord_latency.py and bench/slack_latency.py share: forum-bot and its
bare-library floor as processes of their own (bench/footprint.py starts them alike), the
CPU each spends, the alternating bursts, and the side-by-side report (each figure next to
its target; the target is a ratio to the floor).

Run either from the repository root, with the project installed (`pip install -e
".[test]"`), preferably under `flock /tmp/bench.lock` so that benches do not overlap. The
two processes' ids are printed first, for `py-spy record --pid` (or `py-spy dump`). It is
not a test: it always exits 0, marking a figure over its target MISSED. Its only
networking is on 127.0.0.1 (ports bound to 0); everything it writes goes to a temporary
directory."""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import random
import statistics
import sys
import tempfile
import traceback
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, TypeVar

from bench.report import percentile

if TYPE_CHECKING:
    from tests.fakes.discord_server import FakeDiscord

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"
BURST = 200  # commands at once, from as many users
BURSTS = 7  # measured bursts per side (the issue asks for at least 3; the median wants more)
RATIO_TARGET = 1.2  # forum-bot's p99 over the floor's
DEADLINE_S = 3.0  # Discord's first response, Slack's ack
SETTLE_S = 0.5  # after a burst, before the next one (late work of the last one)
RUN_S = 300.0  # the whole benchmark, at most
EVENT_NOW = datetime.fromisoformat("2026-02-05T10:00:00+09:00")  # day 1, sessions running

C = TypeVar("C")  # a command as a benchmark sends it


def process_cpu_s(pid: int) -> float | None:
    """CPU seconds a process has used so far, every thread, from Linux's
    /proc/PID/task/*/schedstat (nanoseconds, where /proc/PID/stat counts 10 ms ticks);
    None where that is not available."""
    total = 0
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/schedstat") as f:
                total += int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        return None
    return total / 1e9


class CpuWatch:
    """The CPU seconds a side's process and the other side's spend from its creation to
    `spent()` (None for one where Linux's counters are not available)."""

    def __init__(self, pid: int, other_pid: int) -> None:
        self._pids = (pid, other_pid)
        self._before = [process_cpu_s(p) for p in self._pids]

    def spent(self) -> tuple[float | None, float | None]:
        """(the side's, the other's) since the watch began."""
        after = [process_cpu_s(p) for p in self._pids]
        side, other = (
            a - b if a is not None and b is not None else None
            for a, b in zip(after, self._before, strict=True)
        )
        return side, other


@dataclass
class BurstResult:
    """One side's burst: each command's latency (s; None: never answered) and misses."""

    latencies: list[float | None]
    missed: int
    cpu_s: float | None  # the side's process, from just before the first command to the last answer
    idle_cpu_s: float | None = None  # the other side's process over the same span
    note: str = ""

    def answered_ms(self) -> list[float]:
        """The answered commands' latencies, sorted, in ms."""
        return sorted(x * 1e3 for x in self.latencies if x is not None)

    @property
    def p99_ms(self) -> float:
        """The burst's p99 in ms (nearest rank, over every command: one never answered
        counts as infinitely late)."""
        xs = self.answered_ms()
        xs += [math.inf] * (len(self.latencies) - len(xs))
        return percentile(xs, 0.99)


@dataclass
class Side:
    """forum-bot or its floor: its process and its measured bursts."""

    name: str
    pid: int = 0
    up_s: float = 0.0
    bursts: list[BurstResult] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def median_p99_ms(self) -> float:
        """The median of the bursts' p99s."""
        return statistics.median(b.p99_ms for b in self.bursts) if self.bursts else math.inf

    def cpu_per_command_ms(self) -> float | None:
        """CPU per command over every measured burst, in ms."""
        spent = [b.cpu_s for b in self.bursts]
        if not spent or any(s is None for s in spent):
            return None
        commands = sum(len(b.latencies) for b in self.bursts)
        return sum(s or 0.0 for s in spent) * 1e3 / commands


class Runner(Protocol):
    """One side of a benchmark as it runs: its figures and its process."""

    side: Side
    proc: asyncio.subprocess.Process


R = TypeVar("R", bound=Runner)


async def start(
    argv: Sequence[str], env: dict[str, str] | None = None
) -> asyncio.subprocess.Process:
    """A process of its own, from the repository root; its stderr is piped (the log)."""
    return await asyncio.create_subprocess_exec(
        *argv,
        cwd=ROOT,
        env=env,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )


def bot_argv(*args: str) -> list[str]:
    """`forum-bot run` on the sample event, its simulated clock stopped at EVENT_NOW."""
    at = ("--simulate-from", EVENT_NOW.isoformat(), "--speed", "0")
    return [sys.executable, "-m", "bot", "run", *at, *args]


def floor_argv(script: str, *args: str) -> list[str]:
    """The command line of a floor bot in bench/."""
    return [sys.executable, str(BENCH / script), *args]


def discord_floor_argv(fake: FakeDiscord) -> list[str]:
    """The command line of bench/floor_discord.py, talking to `fake`."""
    return floor_argv(
        "floor_discord.py", fake.token, fake.api_base, fake.gateway_url, fake.guild_id
    )


def add_sample_channels(*fakes: FakeDiscord) -> None:
    """Give each fake Discord the channels the sample event posts to (its reminders at
    start among them)."""
    from bot.settings import default_config_path, load_event

    discord = load_event(default_config_path()).platforms["discord"]
    for fake in fakes:
        for name in sorted({*discord.channels.values(), *discord.rooms.values()}):
            fake.add_channel(name=name)


async def drain(stream: asyncio.StreamReader, warnings: list[str]) -> None:
    """Keep reading a process's log (a full pipe would stall it); keep the warnings and
    errors (and a traceback's lines) to print at the end."""
    while line := (await stream.readline()).decode(errors="replace"):
        if any(w in line for w in (" WARNING ", " ERROR ", " CRITICAL ", "Traceback", "Error")):
            warnings.append(line.rstrip())


async def stop(proc: asyncio.subprocess.Process) -> None:
    """SIGTERM, as a service manager stops it; SIGKILL if it is still there after 20 s."""
    if proc.returncode is not None:
        return
    proc.terminate()
    try:
        async with asyncio.timeout(20):
            await proc.wait()
    except TimeoutError:
        proc.kill()
        await proc.wait()


def header(what: str) -> None:
    """The first lines: what runs, on what, under what load."""
    print(
        f"{what}\nPython {sys.version.split()[0]}, {os.cpu_count()} CPUs, "
        f"load average {os.getloadavg()[0]:.2f} at the start; bursts of {BURST} commands "
        f"from {BURST} users, {BURSTS} per side, alternating"
    )


def burst_line(n: int, side: Side, run: BurstResult) -> None:
    """One row of the per-burst table."""
    xs = run.answered_ms()
    cpu = f"{run.cpu_s * 1e3 / len(run.latencies):6.2f}" if run.cpu_s is not None else "     ?"
    idle = f"{run.idle_cpu_s * 1e3:5.0f}" if run.idle_cpu_s is not None else "    ?"
    print(
        f"  {n:>5}  {side.name:<10} {percentile(xs, 0.5):8.1f} {run.p99_ms:8.1f} "
        f"{(xs[-1] if xs else math.inf):8.1f} {run.missed:6d} {cpu} {idle}  {run.note}"
    )


def table_head() -> None:
    """The per-burst table's column names."""
    print(
        f"  {'burst':>5}  {'side':<10} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} {'missed':>6}"
        f" {'CPU/cmd':>6} {'other':>5}"
    )
    print(f"  {'':>5}  {'':<10} {'':>8} {'':>8} {'':>8} {'':>6} {'ms':>6} {'ms':>5}")


def shuffled(mix: Sequence[C], rng: random.Random) -> list[C]:
    """A burst's commands: the mix repeated to BURST, shuffled."""
    commands = [mix[i % len(mix)] for i in range(BURST)]
    rng.shuffle(commands)
    return commands


async def alternate(
    bot: R,
    floor: R,
    warm_up: Callable[[R, int], Awaitable[None]],
    commands: Callable[[], Sequence[C]],
    burst: Callable[[R, Sequence[C], int], Awaitable[BurstResult]],
) -> None:
    """Both sides up: say so, warm each up (given the other's pid), then BURSTS bursts
    per side of the same `commands()`, forum-bot and floor, the order swapped every pair
    (ABBA), each printed as it ends."""
    for t in (bot, floor):
        t.side.pid = t.proc.pid
    print(
        f"forum-bot: pid {bot.proc.pid}, up in {bot.side.up_s:.1f} s; "
        f"floor: pid {floor.proc.pid}, up in {floor.side.up_s:.1f} s (started together)"
    )
    await warm_up(bot, floor.proc.pid)
    await warm_up(floor, bot.proc.pid)
    print(f"warmed up: the mix one at a time, then a burst of {BURST}, each side\n")
    table_head()
    for n in range(BURSTS):
        batch = commands()
        order = (bot, floor) if n % 2 == 0 else (floor, bot)
        for t in order:
            other = floor if t is bot else bot
            run = await burst(t, batch, other.proc.pid)
            t.side.bursts.append(run)
            burst_line(n + 1, t.side, run)
            await asyncio.sleep(SETTLE_S)


def summary(bot: Side, floor: Side, deadline_rule: str) -> None:
    """The figures against their targets: forum-bot's p99 as a ratio to the floor's, and
    forum-bot's missed deadlines; then the informational ones."""
    n = len(bot.bursts)
    print(
        f"\nSummary over {n} bursts of {BURST} per side; p99 = the median of the bursts' p99s"
        "\n(absolute milliseconds on a shared 2-core machine are informational; the target"
        " is the ratio)"
    )
    bot_p99, floor_p99 = bot.median_p99_ms(), floor.median_p99_ms()
    print(f"  {'forum-bot p99:':<34} {bot_p99:8.1f} ms")
    print(f"  {'floor p99:':<34} {floor_p99:8.1f} ms")
    ratio = bot_p99 / floor_p99 if floor_p99 > 0 else math.inf
    over = "   MISSED" if not ratio <= RATIO_TARGET else ""
    print(f"  {'p99 ratio forum-bot/floor:':<34} {ratio:8.2f}    target <= {RATIO_TARGET}{over}")
    worst = max(b.p99_ms for b in bot.bursts) / max(b.p99_ms for b in floor.bursts)
    print(f"  {'  (worst p99 / worst p99:':<34} {worst:8.2f}    informational)")
    total = sum(len(b.latencies) for b in bot.bursts)
    missed = sum(b.missed for b in bot.bursts)
    flag = "   MISSED" if missed else ""
    print(f"  {'forum-bot missed deadlines:':<34} {missed:8d}    target 0 (of {total}){flag}")
    floor_missed = sum(b.missed for b in floor.bursts)
    print(f"  {'floor missed deadlines:':<34} {floor_missed:8d}    (informational)")
    print(f"  ({deadline_rule})")
    bot_cpu, floor_cpu = bot.cpu_per_command_ms(), floor.cpu_per_command_ms()
    if bot_cpu is not None and floor_cpu is not None:
        print(
            f"  {'CPU per command, forum-bot:':<34} {bot_cpu:8.3f} ms\n"
            f"  {'CPU per command, floor:':<34} {floor_cpu:8.3f} ms\n"
            f"  {'CPU ratio forum-bot/floor:':<34} {bot_cpu / floor_cpu:8.2f}    (informational:"
            " a burst's last answers come when its CPU is spent, so this explains the p99 ratio)"
        )
    for side in (bot, floor):
        if side.warnings:
            print(f"\n{side.name} logged {len(side.warnings)} warning/error line(s), the first:")
            for line in side.warnings[:5]:
                print(f"  {line[:300]}")


async def until(stream: asyncio.StreamReader, marker: str, seen: list[str]) -> str:
    """Read a starting process's log up to the first line containing `marker` (within 60 s);
    returns that line. Every line read is kept in `seen`, to say why when it never comes."""
    async with asyncio.timeout(60):
        while line := (await stream.readline()).decode(errors="replace"):
            seen.append(line.rstrip())
            if marker in line:
                return line
    raise RuntimeError(f"the process ended before logging {marker!r}:\n" + "\n".join(seen[-20:]))


def run_in_folder(bench: Callable[[Path], Awaitable[None]], limit_s: float) -> int:
    """Run `bench` in a temporary folder, on the event loop forum-bot runs on, for at most
    `limit_s` seconds; a benchmark reports what it measured and exits 0 whatever happens."""
    from bot.app import run_loop

    async def bounded(folder: Path) -> None:
        await asyncio.wait_for(bench(folder), limit_s)

    with tempfile.TemporaryDirectory(prefix="forum-bench-") as tmp:
        try:
            run_loop(bounded(Path(tmp)))
        except TimeoutError:
            print(f"!! the benchmark ran out of its {limit_s:.0f} s: the figures above are all")
        except Exception:  # the traceback says why
            traceback.print_exc()
            print("!! the benchmark failed: the figures above are all there is")
    return 0


def main(doc: str | None, what: str, bench: Callable[[Path], Awaitable[None]]) -> int:
    """A latency benchmark's command line (--bursts; `doc`, its docstring, says what it
    is), its header, and `bench` run in a temporary folder for at most RUN_S; always 0."""
    global BURSTS
    parser = argparse.ArgumentParser(description=(doc or "").splitlines()[0])
    parser.add_argument("--bursts", type=int, default=BURSTS, help="measured bursts per side")
    options = parser.parse_args()
    BURSTS = max(1, options.bursts)
    header(what)
    return run_in_folder(bench, RUN_S)
