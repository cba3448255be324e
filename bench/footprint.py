"""Benchmark: forum-bot's idle footprint (memory and CPU), as a ratio to a bare discord.py
bot's on the same fakes in the same run.

Three processes run side by side, each started as deployed, as a process of its own:

- the floor, bench/floor_discord.py: a plain `discord.Client` and `app_commands.CommandTree`
  with the commands of the latency bench, connected to a fake Discord, on uvloop, its
  start-up objects frozen out of the collector (see its docstring);
- forum-bot with Discord only: `python -m bot run --simulate-from 2026-02-04T12:00+09:00`
  (the day before the sample event, the simulated clock running at real speed: nothing
  is due for about 20 hours) with tests/fakes/environment.py `bot_env` pointed at a fake
  Discord of its own (web server off, a SQLite store in a temporary folder, its default
  INFO log);
- forum-bot with all surfaces: the same, with Discord (its own fake), Slack in HTTP mode
  against a fake Slack (which turns on the web server, on a free port; Slack's requests
  arrive there), the scheduler and the reminders' runtime (always on).

Every fake is in this process, and each bot has a Discord fake of its own (one token per
fake). Once every process is up (forum-bot logs " ready: ", the floor "floor:
connected") and has settled for a few seconds, one window (60 s by default, `--seconds N`)
is measured for all three at once. Per process:

- RSS: VmRSS from /proc/PID/status at the window's end, the figure the targets use (what
  `ps` and container limits show; it counts shared library pages in full, which is fair:
  each bot maps the same Python and libraries); its peak over the window (sampled every
  second) and RssAnon (its own heap, informational) beside it. Pss is not used: the three
  processes share the interpreter's pages, so each one's Pss would depend on the others;
- idle CPU: utime+stime of every thread over the window, from /proc/PID/task/*/schedstat
  (nanoseconds; /proc/PID/stat's 10 ms ticks are too coarse for an idle process), printed
  as ms per minute;
- wake-ups: the context switches of every thread over the window (voluntary and not, from
  /proc/PID/task/*/status), per minute (informational: "nothing wakes up when nothing is
  due" is a count near the floor's).

Targets (the issue's): RSS <= 1.25x the floor with Discord only, <= 1.4x with all
surfaces; idle CPU <= 2x the floor's, for each. A figure over its target is marked
MISSED; absolute figures on a shared 2-core machine are informational.

The forum-bot processes run with PYTHONPROFILEIMPORTTIME=1 (Python's `-X importtime`: it
prints each import to stderr as it happens and keeps nothing, so it costs a little CPU
at start and no memory), and the bench lists what they imported: the top-level packages
with their module count and their own import time, biggest first, and any import after
" ready: " (an idle bot should import nothing).

Run it from the repository root, with the project installed (`pip install -e ".[test]"`),
preferably under `flock /tmp/bench.lock` so that benches do not overlap:

    python bench/footprint.py [--seconds N]

The processes' ids are printed first, for `py-spy dump --pid` (what an idle process is
doing when it wakes up). It is not a test: it always exits 0, marking a figure over its
target MISSED. Its only networking is on 127.0.0.1 (ports bound to 0); everything it
writes goes to a temporary directory.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import re
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # `python bench/footprint.py` puts bench/ first instead
    sys.path.insert(0, str(ROOT))

from bench import compare  # noqa: E402
from bench.compare import process_cpu_s  # noqa: E402
from bench.slack_latency import BOT_TOKEN, CHANNELS, HANDLES, SECRET, USERGROUPS  # noqa: E402
from tests.fakes.discord_server import FakeDiscord  # noqa: E402
from tests.fakes.environment import bot_env  # noqa: E402
from tests.fakes.slack_server import FakeSlack  # noqa: E402

SIMULATE_FROM = "2026-02-04T12:00+09:00"  # the day before the sample event: nothing is due
WINDOW_S = 60.0
SETTLE_S = 5.0  # after the last process is up, before the window
RSS_TARGET = {"discord": 1.25, "all": 1.4}  # forum-bot's RSS over the floor's
CPU_TARGET = 2.0  # forum-bot's idle CPU over the floor's
IMPORT_LINE = re.compile(r"^import time:\s+(\d+) \|\s+\d+ \|( *)(\S+)")
TOP_PACKAGES = 15  # listed per forum-bot process


@dataclass
class Imports:
    """What a process imported, from its `-X importtime` lines."""

    modules: dict[str, int] = field(default_factory=dict)  # module -> its own import time, µs
    after_ready: list[str] = field(default_factory=list)

    def packages(self) -> list[tuple[str, int, int]]:
        """(top-level package, modules, own import time µs), the slowest first."""
        count: dict[str, int] = defaultdict(int)
        us: dict[str, int] = defaultdict(int)
        for name, t in self.modules.items():
            top = name.split(".")[0]
            count[top] += 1
            us[top] += t
        return sorted(((p, count[p], us[p]) for p in count), key=lambda x: -x[2])


@dataclass
class Proc:
    """One measured process: its name, the line it logs once up, its figures."""

    name: str
    marker: str
    proc: asyncio.subprocess.Process | None = None
    up_s: float = 0.0
    ready: bool = False
    imports: Imports = field(default_factory=Imports)
    warnings: list[str] = field(default_factory=list)
    rss_kib: int | None = None
    peak_rss_kib: int = 0
    anon_kib: int | None = None
    threads: int = 0
    cpu_s: float | None = None
    switches: int | None = None

    @property
    def pid(self) -> int:
        """The process's id."""
        assert self.proc is not None
        return self.proc.pid


async def read_log(p: Proc, up: asyncio.Event, started: float) -> None:
    """Read a process's stderr to its end: its import lines, when it is up, its warnings."""
    assert p.proc is not None and p.proc.stderr is not None
    seen: list[str] = []
    while line := (await p.proc.stderr.readline()).decode(errors="replace"):
        if found := IMPORT_LINE.match(line):
            p.imports.modules[found.group(3)] = int(found.group(1))
            if p.ready:
                p.imports.after_ready.append(found.group(3))
            continue
        line = line.rstrip()
        if not p.ready:
            seen.append(line)
            if p.marker in line:
                p.ready, p.up_s = True, time.perf_counter() - started
                up.set()
            continue
        if any(w in line for w in (" WARNING ", " ERROR ", " CRITICAL ", "Traceback", "Error")):
            p.warnings.append(line)
    if not p.ready:  # it ended before it was up: say why, and stop waiting for it
        p.warnings += seen[-20:]
        up.set()


def status(pid: int) -> dict[str, int]:
    """The kB figures of /proc/PID/status (VmRSS, RssAnon, Threads...); empty once gone."""
    figures: dict[str, int] = {}
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                key, _, value = line.partition(":")
                if (parts := value.split()) and parts[0].isdigit():
                    figures[key] = int(parts[0])
    except OSError:
        pass
    return figures


def context_switches(pid: int) -> int | None:
    """Context switches of every thread so far (voluntary and not); None if unreadable."""
    total = 0
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/status") as f:
                for line in f:
                    if line.startswith(("voluntary_ctxt_switches", "nonvoluntary_ctxt_switches")):
                        total += int(line.split()[1])
    except (OSError, ValueError, IndexError):
        return None
    return total


async def measure(procs: list[Proc], seconds: float) -> None:
    """One window for all: CPU and context switches from its start to its end, RSS
    sampled every second (its last sample and its peak)."""
    cpu0 = {p.name: process_cpu_s(p.pid) for p in procs}
    sw0 = {p.name: context_switches(p.pid) for p in procs}
    end = time.perf_counter() + seconds
    while (left := end - time.perf_counter()) > 0:
        await asyncio.sleep(min(1.0, left))
        for p in procs:
            p.peak_rss_kib = max(p.peak_rss_kib, status(p.pid).get("VmRSS", 0))
    for p in procs:
        c0, c1 = cpu0[p.name], process_cpu_s(p.pid)
        s0, s1 = sw0[p.name], context_switches(p.pid)
        figures = status(p.pid)
        p.cpu_s = c1 - c0 if c0 is not None and c1 is not None else None
        p.switches = s1 - s0 if s0 is not None and s1 is not None else None
        p.rss_kib, p.anon_kib = figures.get("VmRSS"), figures.get("RssAnon")
        p.threads = figures.get("Threads", 0)


def mib(kib: int | None) -> str:
    """kB as MiB, for the table."""
    return f"{kib / 1024:7.1f}" if kib is not None else "      ?"


def target_line(label: str, ratio: float | None, target: float) -> None:
    """A ratio beside its target, MISSED when over it (or unknown)."""
    figure = f"{ratio:6.2f}" if ratio is not None else "     ?"
    over = "   MISSED" if ratio is None or not ratio <= target else ""
    print(f"  {label:<40} {figure}    target <= {target}{over}")


def report(floor: Proc, bots: list[tuple[Proc, str]], seconds: float) -> None:
    """The table, the targets, what the bots imported, their warnings."""
    per_min = 60.0 / seconds
    print(
        f"\n  {'process':<24} {'RSS MiB':>7} {'peak':>7} {'anon':>7} {'threads':>7}"
        f" {'CPU ms/min':>10} {'wake-ups/min':>12}"
    )
    for p in (floor, *(b for b, _ in bots)):
        cpu = f"{p.cpu_s * 1e3 * per_min:10.1f}" if p.cpu_s is not None else f"{'?':>10}"
        wakes = f"{p.switches * per_min:12.0f}" if p.switches is not None else f"{'?':>12}"
        print(
            f"  {p.name:<24} {mib(p.rss_kib)} {mib(p.peak_rss_kib)} {mib(p.anon_kib)}"
            f" {p.threads:7d} {cpu} {wakes}"
        )
    print(
        f"\nTargets over a {seconds:.0f} s idle window (RSS: VmRSS at its end; CPU: every"
        " thread's, from schedstat)"
    )
    for p, surfaces in bots:
        rss_ratio = p.rss_kib / floor.rss_kib if p.rss_kib and floor.rss_kib else None
        target_line(f"RSS {p.name}/floor:", rss_ratio, RSS_TARGET[surfaces])
        cpu_ratio = None
        if p.cpu_s is not None and floor.cpu_s is not None:
            cpu_ratio = p.cpu_s / floor.cpu_s if floor.cpu_s > 0 else math.inf
        target_line(f"idle CPU {p.name}/floor:", cpu_ratio, CPU_TARGET)
    for p, _ in bots:
        packages = p.imports.packages()
        total = sum(n for _, n, _ in packages)
        print(
            f"\n{p.name} imported {total} modules from {len(packages)} top-level packages; "
            f"the {TOP_PACKAGES} slowest (modules, own import ms):"
        )
        for name, n, us in packages[:TOP_PACKAGES]:
            print(f"  {name:<28} {n:5d} {us / 1e3:8.1f}")
        late = p.imports.after_ready
        print(f"  imported once ready: {', '.join(late) if late else 'nothing'}")
    for p in (floor, *(b for b, _ in bots)):
        if p.warnings:
            print(f"\n{p.name} logged {len(p.warnings)} warning/error line(s), the first:")
            for line in p.warnings[:5]:
                print(f"  {line[:300]}")


async def bench(tmp: Path, seconds: float) -> None:
    """Start the fakes and the three processes, let them settle, measure, report."""
    floor = Proc("floor (discord.py)", "floor: connected")
    discord_only = Proc("forum-bot Discord only", " ready: ")
    everything = Proc("forum-bot all surfaces", " ready: ")
    async with (
        FakeDiscord(token="bench-floor-token") as floor_fake,
        FakeDiscord(token="bench-discord-only-token") as discord_fake,
        FakeDiscord(token="bench-all-surfaces-token") as all_fake,
        FakeSlack(
            signing_secret=SECRET,
            bot_token=BOT_TOKEN,
            channels=CHANNELS,
            usergroups=USERGROUPS,
            usergroup_handles=HANDLES,
        ) as slack_fake,
    ):
        compare.add_sample_channels(floor_fake, discord_fake, all_fake)
        run = [sys.executable, "-m", "bot", "run", "--simulate-from", SIMULATE_FROM]
        started = time.perf_counter()
        floor.proc = await compare.start(compare.discord_floor_argv(floor_fake))
        discord_only.proc = await compare.start(
            run, bot_env(tmp / "discord.sqlite", discord=discord_fake, PYTHONPROFILEIMPORTTIME="1")
        )
        everything.proc = await compare.start(
            run,
            bot_env(
                tmp / "all.sqlite", discord=all_fake, slack=slack_fake, PYTHONPROFILEIMPORTTIME="1"
            ),
        )
        procs = [floor, discord_only, everything]
        ups = [asyncio.Event() for _ in procs]
        logs = [
            asyncio.create_task(read_log(p, up, started)) for p, up in zip(procs, ups, strict=True)
        ]
        try:
            async with asyncio.timeout(60):
                await asyncio.gather(*(up.wait() for up in ups))
            if not all(p.ready for p in procs):
                down = ", ".join(p.name for p in procs if not p.ready)
                raise RuntimeError(f"not up: {down}; their last log lines are below")
            print(
                "; ".join(f"{p.name}: pid {p.pid}, up in {p.up_s:.1f} s" for p in procs)
                + " (started together)"
            )
            await asyncio.sleep(SETTLE_S)
            print(f"settled {SETTLE_S:.0f} s; measuring {seconds:.0f} s of idling")
            await measure(procs, seconds)
        finally:
            await asyncio.gather(*(compare.stop(p.proc) for p in procs if p.proc is not None))
            await asyncio.gather(*logs)
            for p in procs:
                if not p.ready:
                    print(f"\n{p.name} never came up:\n  " + "\n  ".join(p.warnings))
    report(floor, [(discord_only, "discord"), (everything, "all")], seconds)


def main() -> int:
    """Run the benchmark and print the figures; always 0."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument(
        "--seconds", type=float, default=WINDOW_S, help="the measured idle window, in seconds"
    )
    options = parser.parse_args()
    seconds = max(1.0, options.seconds)
    print(
        "forum-bot's idle footprint vs a bare discord.py floor, same fakes, same run\n"
        f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs, load average "
        f"{os.getloadavg()[0]:.2f} at the start"
    )
    return compare.run_in_folder(lambda folder: bench(folder, seconds), seconds + 150)


if __name__ == "__main__":
    sys.exit(main())
