"""Benchmark: forum-bot's reminders under load, from the planner to Discord's rate limit.

What it measures, each figure printed next to its target:

1. Lateness: 1,000, then 10,000 reminders due at one instant, from their due time to the
   commit of their outbox rows (the moment the planner has queued them), as p50, p99
   (target < 100 ms for 1,000, < 1 s for 10,000) and max; the enqueue transactions it took
   and the planner's errors (target 0). Each scenario runs on a real
   SQLite store in a temporary folder, the real `Runtime` (planner and sender) and the
   real Discord adapter against the fake Discord (tests/fakes/discord_server.py, with its
   50 requests/s global limit), whose sender starts sending while the planner is still
   queueing, as in production:

   - "keynote": the realistic spike. One keynote with N attendees who each asked for
     its reminder by DM with /remind's default of 10 minutes (30% read Korean, 10% set a
     time zone), due with the keynote's own 10-minute reminder to the announcements and
     room channels: 2 reminder items, N + 2 deliveries.
   - "N sessions": N sessions in N rooms starting at the same minute, each reminding the
     announcements channel: N reminder items, N deliveries. No venue runs this; it is the
     worst case per item.

   Each scenario runs twice. "fire_due": the simulated clock is stopped and moved to the
   due instant, then `planner.fire_due()` is called (the due time is that call). "as
   deployed": the clock runs in real time and the planner's task, asleep until the next
   item is due, wakes and queues them, as `forum-bot run` does (the due time is when the
   clock reaches it; the figures say how many times the task woke and when it slept
   again). Lateness is wall time (`time.perf_counter`) from the due time to the first
   commit that queued each delivery's key. The outbox's `created_at` cannot say it: it is
   the clock's time, stopped or not.
2. Throughput: N DMs due at once (default 10,000, one each to as many people, as a big
   keynote's personal reminders go out). First, untimed and without the fake's limits,
   each person runs /remind through the running bot (which may open their DM channel
   then); then a restarted bot (nothing kept in memory) finds the N DMs queued in the
   outbox and drains them through the real `Sender` and Discord adapter against the fake
   Discord enforcing a global limit of 50 requests per second (a sliding 1 s window).
   Figures: the requests made while draining (target: one per DM, no DM channel open at
   the due time); the drain's wall time (target <= 1.1x the platform's floor, N / 50 s);
   the 429s the fake answered, the people who got no DM and the DMs beyond one a person
   (target 0 each); the achieved rate as a fraction of the allowance (target >= 0.9). The
   adapter paces its own requests (`DiscordSettings`: 47/s, in bursts of 1), so the best
   it can achieve is 0.94 of the allowance and 10,000 DMs take about 3.5 minutes.

Run it from the repository root, with the project installed (`pip install -e ".[test]"`):

    python bench/reminders.py                  # both parts: about 5 minutes, or 8 with
                                               # a DM channel open before each DM
    python bench/reminders.py --dms 1000       # a quick check: under a minute
    python bench/reminders.py --only lateness  # part 1 only: about a minute
    python bench/reminders.py --reminders 1000 # part 1 for 1,000 only
    python bench/reminders.py --concurrency 16 # the sender's concurrency (default 8)

It is not a test: it never fails on time and always exits 0, marking a figure that misses
its target MISSED. Its only networking is the fake Discord on 127.0.0.1 and a free port.
Everything it writes goes to a temporary directory.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import logging
import os
import sys
import tempfile
import time
import traceback
import warnings
from collections import Counter, deque
from collections.abc import AsyncIterator, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # `python bench/reminders.py` puts bench/ first instead
    sys.path.insert(0, str(ROOT))

from bench.report import Figures, percentile  # noqa: E402
from bot.app import build_core, run_loop, settle_memory  # noqa: E402
from bot.core.clock import SimulatedClock  # noqa: E402
from bot.core.dispatch import Core  # noqa: E402
from bot.core.model import ChannelRef, UserRef  # noqa: E402
from bot.delivery.planner import reminder_reply  # noqa: E402
from bot.delivery.sender import Sender  # noqa: E402
from bot.i18n import Translator  # noqa: E402
from bot.platforms.discord.adapter import DiscordAdapter, DiscordSettings  # noqa: E402
from bot.programme.building import build_agenda  # noqa: E402
from bot.runtime import Runtime  # noqa: E402
from bot.settings import (  # noqa: E402
    EventConfig,
    default_config_path,
    load_event,
    parse_event,
)
from bot.storage import Store, open_store  # noqa: E402
from bot.storage.outbox import Delivery, enqueue, summary  # noqa: E402
from bot.storage.prefs import set_language, set_timezone  # noqa: E402
from bot.storage.subscriptions import subscribe  # noqa: E402
from tests.fakes.discord_server import FakeDiscord  # noqa: E402

TOKEN = "bench-reminders-token"
ZONE = "Asia/Seoul"
START = datetime.fromisoformat("2026-02-05T10:00:00+09:00")  # every session's start
DUE = START - timedelta(minutes=10)  # default offsets [10, 0]; /remind's default 10
ANNOUNCE_ID, HALL_ID = "910000000000000001", "910000000000000002"

REMINDERS = (1_000, 10_000)
# The p99 targets: 1,000 due at once queued within 100 ms, 10,000 within 1 s.
LATENESS_P99_S = {1_000: 0.1, 10_000: 1.0}
LEAD_S = 3.0  # as deployed: the clock starts this long before the due instant
PLANNER_WAIT_S = 20.0  # as deployed: how long to wait for the planner to queue them all
STOP_WAIT_S = 2.0  # how long Runtime.stop() may take before it counts as hung

DMS = 10_000  # to as many people, one each, due at once
DRAIN_FACTOR = 1.1  # the drain's target: within 1.1x the platform's floor (DMs / 50 per s)
GLOBAL_LIMIT = 50  # Discord's global limit, requests per second
RATE_FRACTION = 0.9
PACE = DiscordSettings("").requests_per_second  # the adapter's own pace (47/s)
BURST = DiscordSettings("").request_burst
DM_OPEN = "POST /users/@me/channels"
FIGURES = Figures(label=40, width=9, digits=3, target_at=56)  # the report's columns


# Shared -----------------------------------------------------------------------------------


class CountingHandler(logging.Handler):
    """Keeps the warnings logged while the benchmark runs, to show them after the figures."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        """Keep the record, unless it is discord.py saying that voice needs PyNaCl."""
        if "voice will NOT be supported" not in record.getMessage():
            self.records.append(record)


async def stop_runtime(runtime: Runtime) -> bool:
    """`runtime.stop()`; True when it hung and took a second cancel to end.

    On Python 3.11, `asyncio.wait_for` returns the inner result when a cancel arrives as
    the inner wait completes: a sender woken (something queued) just before its task is
    cancelled swallows the cancel and polls on, and `Sender.stop()` waits for it forever.
    """
    stopping = asyncio.ensure_future(runtime.stop())
    done, _ = await asyncio.wait({stopping}, timeout=STOP_WAIT_S)
    if stopping in done:
        stopping.result()
        return False
    stopping.cancel()  # reaches the sender's task, which this time ends
    with contextlib.suppress(asyncio.CancelledError):
        await stopping
    return True


@contextlib.asynccontextmanager
async def discord_adapter(
    fake: FakeDiscord, core: Core, config: EventConfig, store: Store, *, unpaced: bool = False
) -> AsyncIterator[DiscordAdapter]:
    """The real adapter, connected to the fake and synced; closed on the way out.
    `unpaced`: without its own pace (for the untimed set-up, not for what is measured)."""
    settings = DiscordSettings(
        TOKEN,
        (int(fake.guild_id),),
        fake.api_base,
        fake.gateway_url,
        guild_ready_timeout=0.01,
        ready_timeout=10,
        requests_per_second=1_000_000.0 if unpaced else PACE,
    )
    adapter = DiscordAdapter(core, settings, config.platforms["discord"], store)
    await adapter.start()
    try:
        yield adapter
    finally:
        await adapter.stop()


# 1. Lateness --------------------------------------------------------------------------------


def event_text(scenario: str, count: int) -> str:
    """The event file of a scenario, as YAML."""
    day = f"{START:%Y-%m-%d}"
    span = {"start": f"{day} {START:%H:%M}", "end": f"{day} 11:00"}
    people = [
        {"id": "ping-liu", "name": {"en": "Ping Liu", "ko": "핑 리우"}},
        {"id": "kim-min-ji", "name": {"en": "Kim Min-ji", "ko": "김민지"}},
    ]
    channels = {"announcements": ANNOUNCE_ID}
    if scenario == "keynote":
        rooms = [{"id": "grand-hall", "name": {"en": "Grand Hall", "ko": "대회의실"}}]
        sessions: list[dict[str, Any]] = [
            {
                "id": "keynote",
                "title": {"en": "Keynote: Solid-State Batteries", "ko": "기조연설: 전고체 전지"},
                "kind": "keynote",
                "room": "grand-hall",
                "speakers": ["ping-liu"],
                "qa": True,
                **span,
            }
        ]
        platform = {"channels": channels, "rooms": {"grand-hall": HALL_ID}}
    else:
        rooms = [
            {"id": f"room-{i:04d}", "name": {"en": f"Room {i}", "ko": f"{i}호"}}
            for i in range(count)
        ]
        sessions = [
            {
                "id": f"talk-{i:04d}",
                "title": {"en": f"Sodium-Ion Cathodes, part {i}", "ko": f"나트륨이온 양극 {i}부"},
                "room": f"room-{i:04d}",
                "speakers": [people[i % 2]["id"]],
                **span,
            }
            for i in range(count)
        ]
        platform = {"channels": channels}
    data = {
        "event": {
            "name": {"en": "Battery Forum (benchmark)", "ko": "이차전지 포럼 (벤치마크)"},
            "timezone": ZONE,
            "dates": [START.date()],
        },
        "rooms": rooms,
        "people": people,
        "sessions": sessions,
        "platforms": {"discord": platform},
        "reminders": {"default_offsets": [10, 0], "grace_minutes": 5},
    }
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)  # libyaml: 4x faster
    return yaml.dump(data, Dumper=dumper, allow_unicode=True, sort_keys=False)


class TimedRuntime(Runtime):
    """The runtime, noting when each delivery key was first committed to the outbox."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.committed: dict[str, float] = {}  # key -> perf_counter at its first commit
        self.calls = 0  # enqueue transactions
        self.offered = 0  # deliveries handed to enqueue, queued before or not
        self._more = asyncio.Event()  # set at each enqueue
        super().__init__(*args, **kwargs)  # the planner takes this class's enqueue

    async def enqueue(self, deliveries: Iterable[Delivery]) -> int:
        """Queue as the runtime does, then stamp the keys seen for the first time."""
        batch = list(deliveries)
        added = await super().enqueue(batch)
        now = time.perf_counter()
        self.calls += 1
        self.offered += len(batch)
        for d in batch:
            self.committed.setdefault(d.key, now)
        self._more.set()
        return added

    async def queued(self, count: int) -> None:
        """Wait until `count` delivery keys have been queued."""
        while len(self.committed) < count:
            self._more.clear()
            await self._more.wait()


class ErrorCounter(logging.Handler):
    """The errors the planner logs (a pass that could not queue, a failed plan)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        """Count it."""
        self.count += 1


@dataclass
class Lateness:
    """One scenario run: each delivery's lateness, and what the planner did to get there."""

    scenario: str
    mode: str
    count: int  # the scenario's size: attendees, or sessions
    items: int  # reminder items due at the instant
    expected: int  # deliveries those items queue
    late: list[float]  # seconds, sorted, one per delivery queued
    calls: int
    offered: int
    busy_s: float  # from the due time to the end of the planner's work (or the wait)
    wakeups: int | None  # as deployed: the planner task's wake-ups from start to the end
    errors: int  # logged by the planner
    notes: list[str] = field(default_factory=list)


async def _populate(store: Store, fake: FakeDiscord, scenario: str, count: int) -> None:
    """The keynote's subscribers: fake Discord users, some with preferences."""
    if scenario != "keynote":
        return
    before = DUE - timedelta(days=1)
    for i in range(count):
        uid = fake.add_user(f"attendee{i:04d}")["id"]
        await subscribe(store, "discord", uid, "keynote", 10, before)
        if i % 10 < 3:
            await set_language(store, f"discord:{uid}", "ko", before)
        if i % 10 == 9:
            zone = "America/Los_Angeles" if i % 20 == 9 else "Europe/Berlin"
            await set_timezone(store, f"discord:{uid}", zone, before)


async def lateness_run(
    fake: FakeDiscord, tmp: Path, scenario: str, count: int, deployed: bool
) -> Lateness:
    """Build the world of one scenario, let its reminders come due, time their queueing."""
    config = parse_event(event_text(scenario, count), f"<{scenario}>")
    db = tmp / f"lateness-{count}-{scenario}-{'deployed' if deployed else 'direct'}.sqlite"
    store = await open_store(db)
    try:
        await _populate(store, fake, scenario, count)
        # As deployed the clock runs; for fire_due it is stopped and moved by hand.
        clock = SimulatedClock(DUE - timedelta(seconds=LEAD_S), speed=1.0 if deployed else 0.0)
        core = await build_core(config, store, clock)
        items = 2 if scenario == "keynote" else count
        expected = count + 2 if scenario == "keynote" else count
        errors = ErrorCounter()
        planner_log = logging.getLogger("bot.delivery.planner")
        planner_log.addHandler(errors)
        async with discord_adapter(fake, core, config, store) as adapter:
            runtime = TimedRuntime(core, [adapter])
            await runtime.start()
            settle_memory()  # as `forum-bot run` does once started
            hung = False
            try:
                if deployed:
                    due_at = time.perf_counter() + (DUE - clock.now()).total_seconds()
                    busy_s = await _wait_for_planner(runtime, expected, due_at)
                else:
                    clock.set(DUE)
                    due_at = time.perf_counter()
                    await runtime.planner.fire_due()
                    busy_s = time.perf_counter() - due_at
            finally:
                hung = await stop_runtime(runtime)
                planner_log.removeHandler(errors)
            late = sorted(t - due_at for t in runtime.committed.values())
            run = Lateness(
                scenario,
                "as deployed" if deployed else "fire_due",
                count,
                items,
                expected,
                late,
                runtime.calls,
                runtime.offered,
                busy_s,
                runtime.planner.wakeups if deployed else None,
                errors.count,
            )
            sent = runtime.senders["discord"].sent
            run.notes.append(f"{sent} of them sent meanwhile by the Discord sender")
            if hung:
                run.notes.append(
                    f"!! Runtime.stop() hung for {STOP_WAIT_S:g} s: the sender swallowed its "
                    "cancel (bot/delivery/sender.py:88); a second cancel ended it"
                )
            return run
    finally:
        await store.close()


async def _wait_for_planner(runtime: TimedRuntime, expected: int, due_at: float) -> float:
    """Wait until every delivery due at the instant is queued and the planner sleeps
    again (or PLANNER_WAIT_S after the due time): returns the seconds from the due time
    to then."""
    deadline = due_at + PLANNER_WAIT_S
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(deadline - time.perf_counter()):
            await runtime.queued(expected)
            await runtime.planner.idle()
    if len(runtime.committed) < expected:
        print(f"  !! only {len(runtime.committed)} of {expected} deliveries were queued")
    return time.perf_counter() - due_at


def report_lateness(run: Lateness) -> None:
    """The figures of one scenario run."""
    name = (
        f"keynote ({run.count:,} attendees)"
        if run.scenario == "keynote"
        else f"{run.items:,} sessions"
    )
    print(
        f"\n{name}, {run.mode}: {run.items:,} reminder items due at one instant, "
        f"{run.expected:,} deliveries"
    )
    late = run.late
    count = f"{len(late):,} of {run.expected:,}"
    print(f"{'deliveries queued:':<40} {count:>9}" + ("" if len(late) == run.expected else "   !!"))
    if late:
        FIGURES.figure("due -> queued p50", percentile(late, 0.50), "s")
        target = LATENESS_P99_S.get(run.count, 1.0)
        FIGURES.figure("due -> queued p99", percentile(late, 0.99), "s", target)
        FIGURES.figure("due -> queued max", late[-1], "s")
    # Queued twice: the same key offered again (the dedup key makes it harmless).
    again = run.offered - len(late)
    print(
        f"{'enqueue transactions:':<40} {run.calls:9,d}   ({run.offered:,} deliveries "
        f"offered, {again:,} of them already queued)"
    )
    if run.wakeups is not None:
        print(
            f"{'planner task wake-ups:':<40} {run.wakeups:9,d}   (asleep again "
            f"{run.busy_s:.2f} s after the due time)"
        )
    else:
        FIGURES.figure("fire_due() took", run.busy_s, "s")
    FIGURES.count("planner errors", run.errors, run.items)
    for note in run.notes:
        print(f"  ({note})")


async def lateness(tmp: Path, count: int) -> None:
    """Part 1: every scenario, both ways."""
    print(f"\n== 1. Lateness: {count:,} reminders due at one instant ==")
    async with FakeDiscord(token=TOKEN, global_limit=GLOBAL_LIMIT) as fake:
        for cid, name in ((ANNOUNCE_ID, "announcements"), (HALL_ID, "grand-hall")):
            fake.add_channel(cid, name=name)
        for scenario in ("keynote", "sessions"):
            for deployed in (False, True):
                report_lateness(await lateness_run(fake, tmp, scenario, count, deployed))
        limited = sum(r.status == 429 for r in fake.requests)
        print(f"\n(the fake answered {len(fake.requests):,} requests in part 1, {limited} 429s)")


# 2. Throughput ------------------------------------------------------------------------------


@dataclass
class Throughput:
    """One drain of the outbox through the Discord sender."""

    dms: int
    concurrency: int
    setup_opens: int  # DM channels opened while people subscribed, before the due time
    elapsed_s: float
    requests: int
    opens: int
    limited: int
    global_limited: int
    busiest: int  # the most requests the fake accepted in any 1 s window
    limited_at: list[tuple[float, str, int]]  # each 429: seconds in, route, accepted in 1 s
    sent: int
    failed: int
    lost: int  # people who got no DM
    duplicated: int  # DMs beyond the first to one person
    left: list[tuple[str, int]]  # (status, count) of rows not sent


def busiest_second(times: Sequence[float]) -> int:
    """The most of `times` (sorted, in seconds) inside any window of 1 s."""
    window: deque[float] = deque()
    most = 0
    for t in times:
        window.append(t)
        while t - window[0] >= 1.0:
            window.popleft()
        most = max(most, len(window))
    return most


async def subscribe_all(
    fake: FakeDiscord, core: Core, config: EventConfig, store: Store, ids: list[str], session: str
) -> int:
    """The days before: each person asks for the session's reminder with /remind, through
    the bot as it runs. Not timed, and without the fake's limits (people subscribe over
    days, not in one minute): returns how many DM channels the bot opened meanwhile."""
    limits = fake.global_limit, fake.route_limit
    fake.global_limit, fake.route_limit = None, 1_000_000
    since = len(fake.requests)
    try:
        async with discord_adapter(fake, core, config, store, unpaced=True) as adapter:
            runtime = Runtime(core, [adapter])
            await runtime.start()
            try:
                where = ChannelRef("discord", fake.channel_id)
                for i, uid in enumerate(ids):
                    who = UserRef("discord", uid, f"attendee{i:05d}")
                    reply = await core.dispatch_text("discord", f"/remind {session}", who, where)
                    if reply.error:
                        raise RuntimeError(f"/remind {session} failed: {reply.text}")
                # Whatever the bot does on its own after /remind (none of it is timed).
                settle = getattr(runtime, "dms_opened", None)
                if settle is not None:
                    await settle()
            finally:
                await stop_runtime(runtime)
    finally:
        fake.global_limit, fake.route_limit = limits
    return sum(r.route == DM_OPEN and r.status != 429 for r in fake.requests[since:])


def dms_per_person(fake: FakeDiscord, ids: list[str]) -> Counter[str]:
    """How many DMs each person got, by the DM channel the fake keeps for them."""
    channel_of = {
        fake.channels[cid]["recipients"][0]["id"]: cid
        for cid in fake.channels
        if fake.channels[cid].get("recipients")
    }
    per_channel = Counter(m["channel_id"] for m in fake.messages.values())
    return Counter({uid: per_channel.get(channel_of.get(uid, ""), 0) for uid in ids})


async def throughput(tmp: Path, dms: int, concurrency: int) -> Throughput:
    """Part 2: `dms` people subscribed; their DMs, due at once, drained through the real
    sender and adapter (a restarted bot: nothing of the first run is left in memory)."""
    config = load_event(default_config_path())
    store = await open_store(tmp / "throughput.sqlite")
    try:
        probe = build_agenda(config)
        session = next(s for s in probe.sessions if s.kind not in ("break", "side"))
        # Runs in real time (a retry comes due as it would), the day before the session.
        clock = SimulatedClock(session.start - timedelta(days=1), speed=1.0)
        core = await build_core(config, store, clock)
        async with FakeDiscord(token=TOKEN, global_limit=GLOBAL_LIMIT) as fake:
            ids = [fake.add_user(f"attendee{i:05d}")["id"] for i in range(dms)]
            setup_opens = await subscribe_all(fake, core, config, store, ids, session.id)
            agenda = core.agenda
            t = Translator("en", ZoneInfo(ZONE))
            reply = reminder_reply(agenda, session, session.start - timedelta(minutes=10), t)
            deliveries = [
                Delivery(
                    f"bench:{session.id}:discord:{uid}",
                    f"session:{session.id}",
                    "discord",
                    "dm",
                    uid,
                    reply,
                )
                for uid in ids
            ]
            async with store.transaction() as tx:
                await enqueue(tx, deliveries, clock.now())
            async with discord_adapter(fake, core, config, store) as adapter:
                sender = Sender(store, adapter, clock, concurrency=concurrency)
                since = len(fake.requests)
                began = time.perf_counter()
                await sender.drain()
                elapsed = time.perf_counter() - began
                ours = fake.requests[since:]
            got = dms_per_person(fake, ids)
            left = [(status, n) for _, status, n in await summary(store) if status != "sent"]
            accepted = sorted(r.at.timestamp() for r in ours if r.status != 429)
            first = ours[0].at.timestamp() if ours else 0.0
            limited_at = []
            for r in ours:
                if r.status == 429:
                    when = r.at.timestamp()
                    before = sum(when - 1.0 < a <= when for a in accepted)
                    limited_at.append((when - first, r.route, before))
            return Throughput(
                dms=dms,
                concurrency=concurrency,
                setup_opens=setup_opens,
                elapsed_s=elapsed,
                requests=len(ours),
                opens=sum(r.route == DM_OPEN and r.status != 429 for r in ours),
                limited=sum(r.status == 429 for r in ours),
                global_limited=fake.global_limited,
                busiest=busiest_second(accepted),
                limited_at=limited_at,
                sent=sender.sent,
                failed=sender.failed,
                lost=sum(1 for n in got.values() if n == 0),
                duplicated=sum(n - 1 for n in got.values() if n > 1),
                left=left,
            )
    finally:
        await store.close()


def report_throughput(run: Throughput) -> None:
    """The figures of the drain."""
    rate = run.requests / run.elapsed_s
    floor = run.dms / GLOBAL_LIMIT
    print(
        f"\n{run.dms:,} DMs due at once to {run.dms:,} people who had subscribed "
        f"({run.setup_opens:,} DM channels opened when they did), "
        f"sender concurrency {run.concurrency}:"
    )
    print(
        f"{'requests while draining:':<40} {run.requests:9,d}   ({run.opens:,} of them DM "
        f"channel opens; target: one per DM, {run.dms:,})"
        + ("   MISSED" if run.requests > run.dms else "")
    )
    FIGURES.figure("drain time", run.elapsed_s, "s", DRAIN_FACTOR * floor)
    print(f"{'  the platform floor (DMs / 50 per s):':<40} {floor:9.3f} s")
    FIGURES.figure("achieved request rate", rate, "req/s")
    FIGURES.floor_figure(
        f"fraction of the {GLOBAL_LIMIT}/s allowance", rate / GLOBAL_LIMIT, RATE_FRACTION
    )
    FIGURES.count("429s answered", run.limited, run.requests)
    print(f"{'  of them for the global limit:':<40} {run.global_limited:9d}")
    for at, route, before in run.limited_at[:5]:
        print(f"  429 at {at:7.2f} s: {route}, {before} requests accepted in the 1 s before it")
    print(f"{'busiest 1 s window (accepted):':<40} {run.busiest:9d} requests")
    FIGURES.figure("deliveries sent per second", run.sent / run.elapsed_s, "DM/s")
    print(f"{'deliveries sent:':<40} {run.sent:9,d} of {run.dms:,}")
    FIGURES.count("deliveries failed", run.failed, run.dms)
    FIGURES.count("people who got no DM (lost)", run.lost, run.dms)
    FIGURES.count("DMs beyond one a person (duplicated)", run.duplicated, run.dms)
    for status, n in run.left:
        print(f"  !! {n:,} deliveries left {status}")


# Main ---------------------------------------------------------------------------------------


async def main_async(tmp: Path, options: argparse.Namespace) -> None:
    """Both parts, as the options say, each bounded in time."""
    if options.only in (None, "lateness"):
        for count in options.reminders:
            await asyncio.wait_for(lateness(tmp, count), 600)
    if options.only in (None, "throughput"):
        expect = 2 * options.dms / PACE  # at worst, a DM channel open before each DM
        print(
            f"\n== 2. Throughput: {options.dms:,} DMs due at once against a global limit of "
            f"{GLOBAL_LIMIT}/s ==\n(at the adapter's {PACE:g}/s in bursts of {BURST}: at best "
            f"{options.dms / PACE / 60:.1f} minutes, {expect / 60:.1f} with an open before "
            "each DM)"
        )
        run = await asyncio.wait_for(
            throughput(tmp, options.dms, options.concurrency), 2 * expect + 120
        )
        report_throughput(run)


def main() -> int:
    """Run the benchmark and print the figures."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--dms", type=int, default=DMS, help=f"DMs to send (default {DMS:,})")
    parser.add_argument(
        "--reminders",
        type=int,
        nargs="+",
        default=REMINDERS,
        help="reminders due at once, one run each (default 1000 10000)",
    )
    parser.add_argument("--concurrency", type=int, default=8, help="the sender's (default 8)")
    parser.add_argument("--only", choices=("lateness", "throughput"), help="run one part")
    options = parser.parse_args()
    handler = CountingHandler()
    logging.getLogger().addHandler(handler)
    logging.captureWarnings(True)
    warnings.simplefilter("always", ResourceWarning)  # unclosed sessions and sockets
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"):
        os.environ.pop(name, None)  # everything here is on 127.0.0.1
    print(f"forum-bot reminders benchmark: Python {sys.version.split()[0]}, {os.cpu_count()} CPUs")
    began = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="forum-bench-") as tmp_name:
        try:
            run_loop(main_async(Path(tmp_name), options))  # the loop `forum-bot run` uses
        except TimeoutError:
            print("!! the benchmark ran out of time: the figures above are all there is")
        except Exception:  # a benchmark reports and exits 0; the traceback says why
            traceback.print_exc()
            print("!! the benchmark failed: the figures above are all there is")
        gc.collect()  # so that anything left unclosed is reported below
    print(f"\n(the benchmark took {time.perf_counter() - began:.0f} s)")
    if handler.records:
        print(f"{len(handler.records)} warnings were logged, the first ones:")
        for record in handler.records[:5]:
            print(f"  {record.levelname} {record.name}: {record.getMessage()[:300]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
