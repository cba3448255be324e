"""Benchmark: scale-out, 1, 2 and 4 instances of `forum-bot run` on one PostgreSQL.

What it measures, each figure printed next to its target (issue 19's acceptance):

1. Draining the outbox. For each instance count N (1, 2, 4): a fresh database on a
   throw-away PostgreSQL (tests/postgres.py), 20,000 DMs queued with
   bot/storage/outbox.enqueue, each to a person of its own (95% on Slack, 5% on Discord:
   Discord's global limit of 50 requests a second would make 20,000 Discord DMs take
   seven minutes), every person's DM channel already kept in `dm_channels` (the bot opens
   it when they subscribe), so each DM is one request. Then N `forum-bot run` processes
   (FORUM_BOT_DATABASE_URL: one leads, all drain the outbox with their `Sender`, claiming
   rows with FOR UPDATE SKIP LOCKED) against the fake Slack (per-channel pacing; distinct
   DM channels, so the bot is the bound) and the fake Discord (global_limit=50, a sliding
   1 s window), each fake in a process of its own, so that neither shares a core with
   the benchmark's polling. The rows fall due at one instant after every instance said it
   was ready (their senders sleep until then), so the clock starts with all N draining.
   Figures per N: rows/s overall and per platform, the speed-up over 1 instance (a ratio:
   absolute rates on a shared 2-core machine are noise), the duplicates at the fakes
   (messages per Slack metadata key and per Discord nonce beyond one; target 0), the lost
   (queued, never delivered; target 0), Discord's 429s for its global limit (target 0)
   and the instances' joint Discord rate: the requests they tried per second (each 429
   is one more; target < 50/s), the messages sent per second, and the most the fake took
   in any 1 s (which its limit holds to 50); and the CPU seconds per 1,000 rows of the bot
   processes, PostgreSQL's server processes and the fakes: where the time goes.
2. The Q&A mixed load of bench/qa_load.py (its participants, operations and run, reused)
   through the real core on SQLite and on PostgreSQL side by side: throughput, p99 per
   kind and overall (target < 50 ms), PostgreSQL / SQLite for each, and whether every
   vote count is exact on both.

Run it from the repository root, with the project installed (`pip install -e ".[test]"`)
and Debian's `postgresql` package, preferably under `flock /tmp/bench.lock`:

    python bench/scale_out.py                 # 20,000 rows per N: about 5 minutes
    python bench/scale_out.py --quick         # 2,000 rows, 200 Q&A participants: about 1
    python bench/scale_out.py --rows 5000 --instances 1,2

It is not a test: it always exits 0, marking a figure that misses its target MISSED. Its
only networking is on 127.0.0.1 (ports bound to 0); everything it writes goes to a
temporary directory. `--fake slack|discord` is how it runs a fake in a process of its own.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import sys
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # `python bench/scale_out.py` puts bench/ first instead
    sys.path.insert(0, str(ROOT))

from bench import compare, qa_load  # noqa: E402
from bench.report import Figures, percentile  # noqa: E402

ROWS = 20_000
QUICK_ROWS = 2_000
QUICK_PARTICIPANTS = 200
DISCORD_SHARE = 0.05  # of the rows; the rest are Slack DMs
INSTANCES = (1, 2, 4)
GLOBAL_LIMIT = 50  # Discord's requests per second, across every instance of the bot
DRAIN_LIMIT_S = 240.0  # one instance count's drain, at most
RUN_S = 900.0  # the whole benchmark, at most
POLL_S = 0.1  # how often the fakes' counts are read while draining
# From launching N instances to the rows' due time: each must have started (logged in,
# connected the gateway, synced commands) by then; a late one is said.
START_MARGIN_S = 5.0
START_EACH_S = 4.0
SECRET = "bench-scale-out-secret-0123456789abcdef"
DISCORD_TOKEN = "bench-scale-out-token"
SLACK_SECRET = "bench-scale-out-signing-secret"
SLACK_TOKEN = "xoxb-bench-scale-out"
SLACK_CHANNELS = {
    "announcements": "C0ANN",
    "schedule-updates": "C0SCH",
    "qa-moderators": "C0MOD",
    "grand-hall": "C0HALL",
    "partnering-hall": "C0PART",
}
TEXT = "Reminder: Dialogue with the Ministers starts in 10 minutes in the Grand Hall."
FIGURES = Figures(label=44, target_at=60)


# The fakes, each in a process of its own ---------------------------------------------------


async def serve_fake(kind: str, people: int) -> None:
    """Run one fake (`kind` slack or discord) with `people` DM channels open, say on stdout
    (one JSON line) the bot's environment for it and each person's (user, DM channel), then
    answer `counts` and `report` on stdin until `stop` or its end."""
    from tests.fakes.environment import bot_env

    said: dict[str, Any]
    stack = contextlib.AsyncExitStack()
    async with stack:
        if kind == "slack":
            from tests.fakes.slack_server import FakeSlack

            slack = await stack.enter_async_context(
                FakeSlack(
                    signing_secret=SLACK_SECRET, bot_token=SLACK_TOKEN, channels=SLACK_CHANNELS
                )
            )
            pairs = []
            for n in range(people):
                uid = f"U{n:09d}"
                # As conversations.open at subscribe time would have (a bench's set-up).
                pairs.append((uid, str(slack._conversations_open({"users": uid})["channel"]["id"])))
            env = bot_env(Path("unused"), slack=slack)

            def counts() -> dict[str, Any]:
                return {"messages": len(slack.messages)}

            def keys() -> list[str]:
                return [
                    str(((m.metadata or {}).get("event_payload") or {}).get("key"))
                    for m in slack.messages
                ]

            def peak() -> int:
                return 0  # Slack's pacing is per channel: no joint limit to watch
        else:
            from tests.fakes.discord_server import FakeDiscord

            discord = await stack.enter_async_context(
                FakeDiscord(token=DISCORD_TOKEN, global_limit=GLOBAL_LIMIT)
            )
            compare.add_sample_channels(discord)
            pairs = []
            for n in range(people):
                uid = str(discord.add_user(f"p{n}")["id"])
                pairs.append((uid, discord._dm_channel_for(uid)))  # as POST /users/@me/channels
            env = bot_env(Path("unused"), discord=discord)

            def counts() -> dict[str, Any]:
                return {"messages": len(discord.messages), "global_limited": discord.global_limited}

            def keys() -> list[str]:
                return [str(m.get("nonce")) for m in discord.messages.values()]

            def peak() -> int:
                """The most messages the fake took in any 1 s (by their timestamps)."""
                stamps = sorted(
                    datetime.fromisoformat(m["timestamp"]).timestamp()
                    for m in discord.messages.values()
                )
                return most_within(stamps, 1.0)

        prefix = "SLACK_" if kind == "slack" else "DISCORD_"
        said = {
            "env": {k: v for k, v in env.items() if k.startswith(prefix)},
            "people": pairs,
        }
        out = sys.stdout
        out.write(json.dumps(said) + "\n")
        out.flush()
        loop = asyncio.get_running_loop()
        reader = asyncio.StreamReader()
        await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
        while line := (await reader.readline()).decode().strip():
            if line == "stop":
                break
            answer = counts()
            if line == "report":
                answer["keys"] = dict(Counter(keys()))
                answer["peak"] = peak()
            out.write(json.dumps(answer) + "\n")
            out.flush()


class FakeProcess:
    """A fake in a process of its own (`--fake`), asked for its counts over a pipe."""

    def __init__(self, kind: str, proc: asyncio.subprocess.Process, said: dict[str, Any]):
        self.kind = kind
        self.proc = proc
        self.env: dict[str, str] = said["env"]
        self.people: list[tuple[str, str]] = [(u, c) for u, c in said["people"]]
        self.last: dict[str, Any] = {}

    @classmethod
    async def start(cls, kind: str, people: int) -> FakeProcess:
        """Start the fake and wait until it serves."""
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            str(Path(__file__)),
            "--fake",
            kind,
            "--people",
            str(people),
            cwd=ROOT,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            limit=64 * 1024 * 1024,  # one line holds every person's DM channel
        )
        assert proc.stdout is not None
        async with asyncio.timeout(60):
            line = await proc.stdout.readline()
        if not line:
            raise RuntimeError(f"the fake {kind} ended before it served")
        return cls(kind, proc, json.loads(line))

    async def ask(self, what: str = "counts") -> dict[str, Any]:
        """Its counts (`report`: also every message's key, and how often it came)."""
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(what.encode() + b"\n")
        await self.proc.stdin.drain()
        answer: dict[str, Any] = json.loads(await self.proc.stdout.readline())
        self.last = answer
        return answer

    async def stop(self) -> None:
        """Tell it to stop; wait for it (kill it if it hangs)."""
        assert self.proc.stdin is not None
        with contextlib.suppress(ConnectionError):
            self.proc.stdin.write(b"stop\n")
            await self.proc.stdin.drain()
        try:
            async with asyncio.timeout(10):
                await self.proc.wait()
        except TimeoutError:
            self.proc.kill()
            await self.proc.wait()


# CPU, per process ------------------------------------------------------------------------


def postgres_pids(data: Path) -> list[int]:
    """The PostgreSQL server's processes: the postmaster (postmaster.pid's first line) and
    its children (a backend per connection, the writer, the WAL writer...)."""
    try:
        master = int((data / "postmaster.pid").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return []
    found = [master]
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                # The command's name may hold spaces: the fields after its ")" are plain.
                parent = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        if parent == master:
            found.append(int(entry))
    return found


def cpu_of(pids: Iterable[int]) -> dict[int, float]:
    """CPU seconds each process has used so far (those that are gone left out)."""
    found = {}
    for pid in pids:
        spent = compare.process_cpu_s(pid)
        if spent is not None:
            found[pid] = spent
    return found


def cpu_since(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU seconds spent between two readings (a process started meanwhile: all of its)."""
    return sum(spent - before.get(pid, 0.0) for pid, spent in after.items())


class ServerCpu:
    """The CPU PostgreSQL's server processes spend while it runs (`async with`): read
    every SAMPLE_S, since a backend's CPU goes with it when its connection closes (a
    store's pool at its close), at most one interval of it unseen."""

    SAMPLE_S = 0.25

    def __init__(self, data: Path) -> None:
        self.data = data
        self.first: dict[int, float] = {}
        self.last: dict[int, float] = {}
        self._task: asyncio.Task[None] | None = None

    def _read(self) -> None:
        for pid, spent in cpu_of(postgres_pids(self.data)).items():
            self.last[pid] = spent

    async def _sample(self) -> None:
        while True:
            await asyncio.sleep(self.SAMPLE_S)
            self._read()

    async def __aenter__(self) -> ServerCpu:
        self.first = cpu_of(postgres_pids(self.data))
        self.last = dict(self.first)
        self._task = asyncio.create_task(self._sample())
        return self

    async def __aexit__(self, *_: object) -> None:
        assert self._task is not None
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        self._read()

    @property
    def spent(self) -> float:
        """CPU seconds spent so far."""
        return cpu_since(self.first, self.last)


# One instance count ----------------------------------------------------------------------


@dataclass
class DrainRun:
    """What one instance count's drain measured."""

    instances: int
    rows: dict[str, int]  # per platform
    started_s: float = 0.0  # from launching the instances to the last one's "ready"
    late: bool = False  # an instance was not ready when the rows fell due
    done_s: dict[str, float] = field(default_factory=dict)  # per platform, from the due time
    wall_s: float = 0.0
    peak_discord: int = 0  # the most Discord messages the fake took in any 1 s
    limited: int = 0  # Discord's global 429s while draining
    duplicates: dict[str, int] = field(default_factory=dict)
    lost: dict[str, int] = field(default_factory=dict)
    unsent: int = 0  # outbox rows not `sent` at the end
    shares: list[int] = field(default_factory=list)  # rows each instance sent
    cpu: dict[str, float] = field(default_factory=dict)  # bots, postgres, fakes, benchmark
    warnings: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.rows.values())

    def rate(self, platform: str | None = None) -> float:
        if platform is None:
            return self.total / self.wall_s if self.wall_s else 0.0
        spent = self.done_s.get(platform, 0.0)
        return self.rows[platform] / spent if spent else 0.0


async def seed(url: str, fakes: dict[str, FakeProcess], due: datetime, tag: str) -> None:
    """Every person's DM channel kept, and one DM queued to each, due at `due`."""
    from bot.core.model import Reply
    from bot.storage import open_store, outbox

    store = await open_store(url)
    try:
        async with store.transaction() as tx:
            # As dm_channels.keep does for each person when they subscribe; in one batch.
            await tx.executemany(
                "INSERT INTO dm_channels (platform, user_id, channel_id, opened_at) "
                "VALUES (?, ?, ?, ?)",
                [
                    (platform, uid, channel, due.isoformat())
                    for platform, fake in fakes.items()
                    for uid, channel in fake.people
                ],
            )
            reply = Reply(text=TEXT)  # one reply for all: serialised once, as in a fan-out
            await outbox.enqueue(
                tx,
                (
                    outbox.Delivery(f"{tag}:{platform}:{uid}", "bench", platform, "dm", uid, reply)
                    for platform, fake in fakes.items()
                    for uid, _ in fake.people
                ),
                due,
            )
    finally:
        await store.close()


async def due_at_once(url: str, due: datetime) -> None:
    """Every queued row falls due at `due` (the instances' senders sleep until then)."""
    from bot.storage import open_store

    store = await open_store(url)
    try:
        await store.execute("UPDATE outbox SET next_attempt_at = ?", (due.isoformat(),))
    finally:
        await store.close()


def expected_keys(tag: str, platform: str, fake: FakeProcess) -> list[str]:
    """The key each delivered message carries at the fake: Slack's metadata has the
    delivery's key, Discord's nonce is derived from it."""
    from bot.platforms.discord.delivery import nonce_for

    keys = [f"{tag}:{platform}:{uid}" for uid, _ in fake.people]
    return [nonce_for(f"{k}#0") for k in keys] if platform == "discord" else keys


async def drain_with(n: int, rows: dict[str, int], server: Any, folder: Path) -> DrainRun:
    """Queue the rows, start `n` instances, time the drain, check every delivery."""
    from tests.fakes.environment import bot_env

    run = DrainRun(n, rows)
    fakes = dict(
        zip(
            rows,
            await asyncio.gather(*(FakeProcess.start(p, count) for p, count in rows.items())),
            strict=True,
        )
    )
    procs: list[asyncio.subprocess.Process] = []
    logs: list[asyncio.Task[None]] = []
    url = await server.new_database()
    try:
        await seed(url, fakes, datetime.now(UTC) + timedelta(days=1), f"n{n}")
        # Due once every instance is up: set after the seeding, whose time varies.
        margin = START_MARGIN_S + START_EACH_S * n
        due = datetime.now(UTC) + timedelta(seconds=margin)
        await due_at_once(url, due)
        due_at = time.monotonic() + (due - datetime.now(UTC)).total_seconds()
        launched = time.monotonic()
        for i in range(n):
            env = bot_env(folder / f"n{n}-i{i}.sqlite")
            for fake in fakes.values():
                env |= fake.env
            env |= {
                "FORUM_BOT_DATABASE_URL": url,
                "FORUM_BOT_SECRET": SECRET,
                "FORUM_BOT_WEB_PORT": "0",  # Slack's HTTP mode is served by its web server
                "FORUM_BOT_LOG_LEVEL": "INFO",
            }
            argv = [sys.executable, "-m", "bot", "run"]
            procs.append(await compare.start(argv, env))
        seen: list[str] = []
        for proc in procs:
            assert proc.stderr is not None
            await compare.until(proc.stderr, " ready: ", seen)
            logs.append(asyncio.create_task(compare.drain(proc.stderr, run.warnings)))
        run.started_s = time.monotonic() - launched
        run.late = time.monotonic() > due_at
        # Just before the rows fall due: the counters' starting points.
        await asyncio.sleep(max(0.0, due_at - time.monotonic() - 0.2))
        before = {p: await fake.ask() for p, fake in fakes.items()}
        bots = [p.pid for p in procs]
        fake_pids = [f.proc.pid for f in fakes.values()]
        cpu0 = {"bots": cpu_of(bots), "fakes": cpu_of(fake_pids)}
        mine0 = time.process_time()
        async with ServerCpu(server.folder / "data") as pg_cpu:
            await asyncio.sleep(max(0.0, due_at - time.monotonic()))
            await watch(run, fakes, before, due_at)
        run.wall_s = max(run.done_s.values())
        run.cpu = {k: cpu_since(cpu0[k], cpu_of(cpu0[k])) for k in cpu0}
        run.cpu["postgres"] = pg_cpu.spent
        run.cpu["benchmark"] = time.process_time() - mine0
        if "discord" in fakes:
            run.limited = fakes["discord"].last["global_limited"] - before["discord"].get(
                "global_limited", 0
            )
        for platform, fake in fakes.items():
            said = await fake.ask("report")
            if platform == "discord":
                run.peak_discord = said["peak"]
            got = Counter(said["keys"])
            want = set(expected_keys(f"n{n}", platform, fake))
            # Beyond one per key; any message of a key never queued counts whole.
            run.duplicates[platform] = sum(c - 1 if k in want else c for k, c in got.items())
            run.lost[platform] = len(want - got.keys())
        run.unsent = await unsent_rows(url, run.total)
        run.shares = await shares(url)
    finally:
        await asyncio.gather(*(compare.stop(p) for p in procs))
        for task in logs:
            task.cancel()
        await asyncio.gather(*(f.stop() for f in fakes.values()))
        with contextlib.suppress(Exception):
            await server.recycle(url)
    return run


async def watch(
    run: DrainRun,
    fakes: dict[str, FakeProcess],
    before: dict[str, dict[str, Any]],
    due_at: float,
) -> None:
    """Poll the fakes until each platform has its rows' messages (`run.done_s`: when, from
    the due time)."""
    async with asyncio.timeout(DRAIN_LIMIT_S):
        while len(run.done_s) < len(fakes):
            await asyncio.sleep(POLL_S)
            at = time.monotonic() - due_at
            for platform, fake in fakes.items():
                got = (await fake.ask())["messages"] - before[platform]["messages"]
                if got >= run.rows[platform] and platform not in run.done_s:
                    run.done_s[platform] = at


async def shares(url: str) -> list[int]:
    """Rows each instance sent (the outbox keeps who claimed a sent row), most first."""
    from bot.storage import open_store

    store = await open_store(url)
    try:
        rows = await store.fetchall(
            "SELECT claimed_by, COUNT(*) FROM outbox WHERE status = 'sent' GROUP BY claimed_by"
        )
    finally:
        await store.close()
    return sorted((int(r[1]) for r in rows), reverse=True)


def most_within(stamps: Sequence[float], span: float) -> int:
    """The most of sorted moments (s) that any window of `span` seconds holds."""
    best = start = 0
    for end, at in enumerate(stamps):
        while at - stamps[start] >= span:
            start += 1
        best = max(best, end - start + 1)
    return best


async def unsent_rows(url: str, total: int) -> int:
    """Rows not recorded as sent once the fakes have every message (the last marks
    follow their sends: waited for, up to 10 s)."""
    from bot.storage import open_store

    store = await open_store(url)
    try:
        deadline = time.monotonic() + 10
        while True:
            row = await store.fetchone("SELECT COUNT(*) FROM outbox WHERE status = 'sent'")
            sent = int(row[0]) if row else 0
            if sent >= total or time.monotonic() > deadline:
                return total - sent
            await asyncio.sleep(0.1)
    finally:
        await store.close()


def report_drains(runs: Sequence[DrainRun]) -> None:
    """The table of every instance count, then each figure beside its target."""
    base = runs[0]
    print(
        f"\n  {'N':>2} {'start s':>7} {'drain s':>7} {'rows/s':>7} {'speed-up':>8} "
        f"{'slack/s':>7} {'discord/s':>9} {'peak d/s':>8} {'429s':>5} {'dupes':>5} "
        f"{'lost':>4}   CPU s per 1,000 rows: {'bots':>5} {'pg':>5} {'fakes':>5}"
    )
    for r in runs:
        per_k = {k: v * 1000 / r.total for k, v in r.cpu.items()}
        print(
            f"  {r.instances:>2} {r.started_s:>7.1f} {r.wall_s:>7.1f} {r.rate():>7.0f} "
            f"{r.rate() / base.rate():>7.2f}x {r.rate('slack'):>7.0f} {r.rate('discord'):>9.1f} "
            f"{r.peak_discord:>8} {r.limited:>5} {sum(r.duplicates.values()):>5} "
            f"{sum(r.lost.values()):>4}   {'':>21} {per_k['bots']:>5.2f} {per_k['postgres']:>5.2f}"
            f" {per_k['fakes']:>5.2f}"
        )
    for r in runs:
        print(f"\n{r.instances} instance(s), {r.total:,} rows:")
        if r.late:
            print(f"  !! an instance was ready only {r.started_s:.1f} s after its launch, late")
        if r.instances > 1:
            # All rows drain no sooner than Discord's share at its global limit, whatever
            # N (the shared budget's point): the figure that can scale is Slack's, bound
            # by the bot and the database.
            FIGURES.figure(
                "speed-up over 1 instance, all rows (Discord-bound)", r.rate() / base.rate(), "x"
            )
            FIGURES.floor_figure(
                f"Slack speed-up over 1 instance (ideal {r.instances})",
                r.rate("slack") / base.rate("slack"),
                1.0,
            )
        for platform in r.rows:
            FIGURES.count(
                f"{platform} duplicates (per key)", r.duplicates[platform], r.rows[platform]
            )
            FIGURES.count(f"{platform} lost", r.lost[platform], r.rows[platform])
        FIGURES.count("outbox rows not marked sent", r.unsent, r.total)
        if "discord" in r.rows:
            FIGURES.count("Discord 429s for its global limit", r.limited, r.rows["discord"])
            # discord.py sends a request again after each 429: the rate the instances tried.
            tried = (r.rows["discord"] + r.limited) / r.done_s["discord"]
            FIGURES.figure("Discord, all instances: requests/s tried", tried, "/s", GLOBAL_LIMIT)
            FIGURES.figure("Discord, all instances: sent/s", r.rate("discord"), "/s", GLOBAL_LIMIT)
        if r.instances > 1:
            print(f"  rows each instance sent: {', '.join(f'{x:,}' for x in r.shares)}")
        cpu = r.cpu
        spent = sum(cpu.values())
        print(
            f"  CPU over the drain's {r.wall_s:.1f} s ({spent:.1f} s, "
            f"{spent / r.wall_s:.2f} cores):"
            + "".join(f" {k} {v:.1f} s ({v / spent:.0%})" for k, v in cpu.items() if spent)
        )
        # discord.py says each 429 it waits out: counted above, not repeated here.
        waited = [w for w in r.warnings if "discord.http" in w and "rate limit" in w]
        other = [w for w in r.warnings if w not in waited]
        if waited:
            print(f"  discord.py logged {len(waited):,} warnings of waiting out a 429")
        if other:
            print(f"  {len(other)} other warning/error line(s) in the instances' logs, the first:")
            for line in other[:3]:
                print(f"    {line[:200]}")


# The Q&A mixed load on both engines ------------------------------------------------------


async def qa_side_by_side(server: Any, folder: Path, participants: int) -> None:
    """bench/qa_load.py's core run on SQLite, then on PostgreSQL; side by side."""
    from bot.settings import default_config_path, load_event

    people = qa_load.make_participants(random.Random(qa_load.SEED), participants)
    concurrency = min(qa_load.CONCURRENCY, len(people))
    config = load_event(default_config_path())
    # As qa_load.main does: on a stopped clock the 30 s between questions would never pass.
    config = config.model_copy(update={"qa": config.qa.model_copy(update={"rate_seconds": 0})})
    print(
        f"\nQ&A mixed load (bench/qa_load.py's core run): {len(people):,} participants, "
        f"{concurrency} at once, {qa_load.OPS_EACH} operations each"
    )
    lite = await qa_load.run_core(config, folder / "qa.sqlite", people, concurrency)
    url = await server.new_database()
    async with ServerCpu(server.folder / "data") as server_cpu:
        pgrun = await qa_load.run_core(config, url, people, concurrency)
    await server.recycle(url)
    pg_cpu = server_cpu.spent
    runs = (("SQLite", lite), ("PostgreSQL", pgrun))
    every = {name: sorted(x for xs in r.latencies.values() for x in xs) for name, r in runs}
    print(
        f"  {'engine':<10} {'ops':>6} {'op/s':>7} {'p99 ms':>7}"
        + "".join(f" {k + ' p99':>9}" for k in qa_load.MIX)
        + f" {'bench CPU ms/op':>16}"
    )
    for name, r in runs:
        print(
            f"  {name:<10} {r.count:>6,} {r.count / r.wall:>7.0f} "
            f"{percentile(every[name], 0.99) * 1e3:>7.2f}"
            + "".join(
                f" {percentile(sorted(r.latencies[k]), 0.99) * 1e3:>9.2f}" for k in qa_load.MIX
            )
            + f" {r.cpu / r.count * 1e3:>16.3f}"
        )
    print(f"  PostgreSQL's server processes: {pg_cpu / pgrun.count * 1e3:.3f} ms CPU per operation")
    for name, _ in runs:
        FIGURES.figure(
            f"{name} p99, every operation",
            percentile(every[name], 0.99) * 1e3,
            "ms",
            qa_load.P99_MS,
        )
    FIGURES.figure(
        "throughput, PostgreSQL / SQLite",
        (pgrun.count / pgrun.wall) / (lite.count / lite.wall),
        "x",
    )
    FIGURES.figure(
        "p99, PostgreSQL / SQLite",
        percentile(every["PostgreSQL"], 0.99) / percentile(every["SQLite"], 0.99),
        "x",
    )
    for name, r in runs:
        qa_load.check_votes(name, r)


# The whole benchmark -----------------------------------------------------------------------


def split(rows: int) -> dict[str, int]:
    """Rows per platform: DISCORD_SHARE on Discord (at least one), the rest on Slack."""
    discord = max(1, round(rows * DISCORD_SHARE))
    return {"slack": rows - discord, "discord": discord}


async def bench(folder: Path, rows: int, counts: Sequence[int], participants: int) -> None:
    """Both parts, on one throw-away PostgreSQL."""
    from tests.postgres import NoPostgres, PostgresServer

    began = time.monotonic()
    try:
        server = await asyncio.to_thread(PostgresServer.start)
    except NoPostgres as exc:
        print(f"!! {exc}")
        return
    try:
        per = split(rows)
        print(
            f"{rows:,} rows per instance count ({per['slack']:,} Slack DMs, {per['discord']:,} "
            f"Discord DMs, each to a person of their own); PostgreSQL on 127.0.0.1:{server.port}; "
            f"each fake in a process of its own (Discord: global limit {GLOBAL_LIMIT}/s)"
        )
        runs = []
        for n in counts:
            run = await drain_with(n, per, server, folder)
            print(
                f"  {n} instance(s): ready after {run.started_s:.1f} s, drained in "
                f"{run.wall_s:.1f} s ({run.rate():.0f} rows/s)",
                flush=True,
            )
            runs.append(run)
        report_drains(runs)
        if participants:
            await qa_side_by_side(server, folder, participants)
    finally:
        await asyncio.to_thread(server.stop)
        print(f"\nThe benchmark took {time.monotonic() - began:.0f} s.")


def main() -> int:
    """The command line; a fake's process with --fake."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rows", type=int, default=None, help=f"rows per run ({ROWS:,})")
    parser.add_argument(
        "--quick", action="store_true", help=f"{QUICK_ROWS:,} rows, {QUICK_PARTICIPANTS} people"
    )
    parser.add_argument(
        "--instances", default=",".join(map(str, INSTANCES)), help="instance counts (1,2,4)"
    )
    parser.add_argument(
        "--participants", type=int, default=None, help="Q&A participants (1,000; 0: no Q&A)"
    )
    parser.add_argument("--fake", choices=("slack", "discord"), help=argparse.SUPPRESS)
    parser.add_argument("--people", type=int, default=0, help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.fake:
        from bot.app import run_loop

        run_loop(serve_fake(options.fake, options.people))
        return 0
    rows = options.rows or (QUICK_ROWS if options.quick else ROWS)
    participants = options.participants
    if participants is None:
        participants = QUICK_PARTICIPANTS if options.quick else qa_load.PARTICIPANTS
    try:
        counts = sorted({int(x) for x in options.instances.split(",")})
    except ValueError:
        parser.error("--instances: counts separated by commas, e.g. 1,2,4")
    if rows < 2 or not counts or min(counts) < 1:
        parser.error("--rows must be at least 2 and each instance count at least 1")
    print(f"forum-bot scale-out benchmark: Python {sys.version.split()[0]}, {os.cpu_count()} CPUs")
    return compare.run_in_folder(lambda folder: bench(folder, rows, counts, participants), RUN_S)


if __name__ == "__main__":
    sys.exit(main())
