"""Benchmark: a live poll voted on by 1,000 people on Discord and Slack within 10 seconds.

What runs, in this process: forum-bot's real `Core` and `Runtime` (outbox, senders, the
coalescing card editor, the planner) over a SQLite `Store` in a temporary folder, on a
simulated clock stopped inside the dialogue (5 February, 13:10 KST), with its real Discord
and Slack adapters (discord.py, slack-bolt in HTTP mode) talking to the fakes of
tests/fakes/ on 127.0.0.1 (tests/fakes/world.py `on_both_platforms`), the sample event's
channels and its `qa.card_edit_seconds` (2 s). A moderator makes a single-choice poll of
four options for the dialogue; its card goes up in the grand hall's channel on both
platforms. Then 1,000 voters (every other one on Discord, the rest on Slack) press an
option's button on that card, each at a moment drawn with a fixed seed over the first 9 s
(open loop: nobody waits for anyone), and 100 of them press another option later, inside
the 10 s: a changed vote. A Discord press is an interaction sent over the fake's gateway
and answered by a callback; a Slack press is a signed block_actions POST, acked, then
answered through its response_url.

Figures, each next to its target:
- counts exact: each option's count in the poll's row, its ballots, the live snapshot, the
  last frame of the presenter screen's stream, the final Discord card, the final Slack
  card, and what the voters pressed (each voter's last option) must all agree (target:
  all of them);
- card edits per platform, within the platform's limits: the most edits of the card in any
  5 s on Discord (target <= 5: Discord's bucket for a channel's messages), and the most
  chat.update calls in any minute on Slack (target <= 50: chat.update is Tier 3, "50+ per
  minute"); and the 429s either fake answered (target 0);
- vote to live update: from a press leaving the fake to the first live update that
  reflects it, for two watchers: the presenter screen's stream, as the projector's browser
  gets it (the bot's real presenter pages, `bot.web.present.QAPages`, served on
  127.0.0.1 and read over HTTP as server-sent events: the frame whose build began after
  the vote's publish reflects it, each build timed in this process and matched to its
  frame by its bytes); and a watcher of the poll's hub (`Polls.hub`) that reads the
  poll's `snapshot` each time the hub moves (a read that began after the publish
  reflects it). p50 and p99 per platform (target p99 < 1 s); and, beside them, from the
  press to the hub's publish;
- the answer to each press: Discord's callback, Slack's ack (informational).

In the same run, the baseline: the same presses at the same moments straight into raw
aiosqlite (one connection, WAL, an asyncio.Lock around writes): a ballot per voter
upserted and the four counts recounted in one transaction, then an asyncio.Event set; its
watcher reads the counts each time the event is set. No platform, no keyed hash, no
rendering: the least a careful hand-written bot could do. Its vote-to-update p50 and p99
are printed, with forum-bot / baseline beside them (informational: forum-bot's include
both platforms' round trips, which the baseline has none of).

    python bench/polls.py                  # 1,000 voters in 10 s
    python bench/polls.py --voters 200     # a quicker run
    python bench/polls.py --seconds 5      # the same crowd, faster

Run it under `flock /tmp/bench.lock` so that benches do not overlap. It is not a test: it
never fails on time and always exits 0, marking a figure over its target MISSED. Network
only on 127.0.0.1; files only in a temporary folder.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import re
import sys
import tempfile
import time
from collections import Counter, defaultdict, deque
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

import aiohttp
import aiosqlite
from aiohttp import web

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # `python bench/polls.py` puts bench/ first instead
    sys.path.insert(0, str(ROOT))

import pytest  # noqa: E402  # its MonkeyPatch, as the tests use on_both_platforms

from bench.report import Figures, percentile  # noqa: E402
from bot.app import build_core, run_loop, settle_memory  # noqa: E402
from bot.core.clock import SimulatedClock  # noqa: E402
from bot.core.dispatch import Core  # noqa: E402
from bot.core.model import ChannelRef, Role, UserRef, plain  # noqa: E402
from bot.polls.service import poll_topic  # noqa: E402
from bot.settings import EventConfig, default_config_path, load_event  # noqa: E402
from bot.storage import open_store  # noqa: E402
from bot.storage.polls import Ballot, Poll  # noqa: E402
from bot.web.present import QAPages  # noqa: E402
from bot.web.stream import Seats  # noqa: E402
from tests.fakes.world import on_both_platforms  # noqa: E402

SEED = 20260205
EVENT_NOW = datetime.fromisoformat("2026-02-05T13:10:00+09:00")  # the dialogue is on
VOTERS = 1_000
SECONDS = 10.0
CHANGERS = 0.1  # the share of voters who press another option later
OPTIONS = 4
P99_S = 1.0
DISCORD_EDITS = (5, 5.0)  # at most 5 edits of a channel's messages per 5 s
SLACK_UPDATES = (50, 60.0)  # chat.update: Tier 3, 50 per minute
FIGURES = Figures(label=44, target_at=60)

D_HALL, D_MODS, D_ANNOUNCE = "810000000000000002", "810000000000000001", "810000000000000003"
D_CHANNELS = {D_MODS: "qa-moderators", D_HALL: "grand-hall", D_ANNOUNCE: "announcements"}
S_HALL = "C0HALL"
S_CHANNELS = {"qa-moderators": "C0QAMODS", "grand-hall": S_HALL, "announcements": "C0ANN"}
S_MOD = "U0MODMIA"
CREATE = (
    '/poll create question:"Which next-generation battery reaches mass production first?" '
    'ko:"어떤 차세대 배터리가 가장 먼저 양산될까요?" '
    'options:"All-solid-state | Sodium-ion | Lithium-sulfur | Lithium-metal" '
    'options_ko:"전고체 | 나트륨 이온 | 리튬황 | 리튬 금속" session:dialogue'
)
# An option's line on a card (Discord escapes the number that starts a line).
COUNT = re.compile(r"^\\?(\d+)\. .*? · [█░]{10} (\d+) votes?", re.MULTILINE)


# 1. The crowd ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Press:
    """One press of an option's button: who, where, which option, when (s from the start)."""

    voter: int
    platform: str
    option: int
    at: float


def crowd(rng: random.Random, voters: int, seconds: float) -> list[Press]:
    """Every voter's press, and a changed vote for CHANGERS of them, in time order."""
    presses = []
    for n in range(voters):
        platform = "discord" if n % 2 == 0 else "slack"
        first = rng.uniform(0, seconds * 0.9)
        presses.append(Press(n, platform, rng.randint(1, OPTIONS), first))
        if rng.random() < CHANGERS:
            again = rng.uniform(first + 0.1, seconds)
            option = rng.choice([o for o in range(1, OPTIONS + 1) if o != presses[-1].option])
            presses.append(Press(n, platform, option, again))
    return sorted(presses, key=lambda p: p.at)


def expected_counts(presses: Sequence[Press]) -> dict[int, int]:
    """Each option's count once every press is in: each voter's last option."""
    last = {p.voter: p.option for p in presses}  # in time order: the last wins
    found = Counter(last.values())
    return {o: found.get(o, 0) for o in range(1, OPTIONS + 1)}


# 2. Watching the live state ----------------------------------------------------------------


@dataclass(frozen=True)
class Update:
    """A live state a watcher saw: when its read began and ended (perf_counter s), and the
    voters and counts it showed."""

    began: float
    seen: float
    voters: int
    counts: dict[int, int]


class Watcher(Protocol):
    """Follows the poll's live state as a page would; `updates` in the order seen;
    `ready` set once it follows (before the first press)."""

    name: str
    updates: list[Update]
    ready: asyncio.Event

    async def run(self) -> None:
        """Until cancelled."""


class PresenterWatcher:
    """The presenter screen as the projector's browser follows it: the bot's presenter
    pages on 127.0.0.1, their stream read over HTTP. A frame's `began` is when the server
    began the build that made it (each build is timed here, its bytes noted), `seen` when
    it arrived; a frame no timed build made is not counted."""

    name = "presenter stream"

    def __init__(self, core: Core, poll_id: int) -> None:
        self.core = core
        self.poll_id = poll_id
        self.updates: list[Update] = []
        self.ready = asyncio.Event()

    async def run(self) -> None:
        session = (await self.core.polls.get(self.poll_id)).session_id
        pages = QAPages(self.core.qa, Seats(), self.core.polls)
        built: dict[bytes, float] = {}  # a frame's bytes -> when its first build began
        build = pages.presenter.build

        async def timed(session_id: str) -> bytes:
            began = time.perf_counter()
            payload = await build(session_id)
            built.setdefault(payload, began)
            return payload

        pages.presenter.build = timed
        app = web.Application()
        pages.add_routes(app)
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
        await runner.setup()
        try:
            site = web.TCPSite(runner, "127.0.0.1", 0)
            await site.start()
            url = f"http://127.0.0.1:{runner.addresses[0][1]}/present/{session}/events"
            async with aiohttp.ClientSession() as http, http.get(url) as stream:
                async for line in stream.content:
                    if line.startswith(b"data: "):
                        self._frame(line[6:].rstrip(b"\r\n"), built)
        finally:
            await runner.cleanup()

    def _frame(self, payload: bytes, built: dict[bytes, float]) -> None:
        seen = time.perf_counter()
        shown = [p for p in json.loads(payload)["polls"] if p["id"] == self.poll_id]
        self.ready.set()  # the first frame: the stream is open
        began = built.get(payload)
        if shown and began is not None:
            counts = {o["position"]: o["votes"] for o in shown[0]["options"]}
            self.updates.append(Update(began, seen, shown[0]["voters"], counts))


class HubWatcher:
    """A live page's view, in process: wait on the poll's hub topic, then read its
    snapshot."""

    name = "hub + snapshot"

    def __init__(self, core: Core, poll_id: int) -> None:
        self.core = core
        self.poll_id = poll_id
        self.updates: list[Update] = []
        self.ready = asyncio.Event()

    async def run(self) -> None:
        polls, topic = self.core.polls, poll_topic(self.poll_id)
        seen = polls.hub.version(topic)
        self.ready.set()
        while True:
            if not await polls.hub.wait(topic, seen, 5.0):
                continue
            began = time.perf_counter()
            state = await polls.snapshot(self.poll_id)
            seen = state["version"]
            counts = {o["position"]: o["votes"] for o in state["options"]}
            self.updates.append(Update(began, time.perf_counter(), state["voters"], counts))


# The watchers of the bot's run.
WATCHERS: dict[str, Callable[[Core, int], Watcher]] = {
    "presenter": PresenterWatcher,
    "hub": HubWatcher,
}


# 3. The runs ------------------------------------------------------------------------------


@dataclass
class Run:
    """What one run measured."""

    sent: dict[int, float] = field(default_factory=dict)  # press index -> sent at
    answered: dict[int, float] = field(default_factory=dict)  # press index -> answer latency
    published: dict[int, float] = field(default_factory=dict)  # press index -> publish at
    platform: dict[int, str] = field(default_factory=dict)
    refused: Counter[str] = field(default_factory=Counter)
    watchers: list[Watcher] = field(default_factory=list)
    counts: dict[str, dict[int, int]] = field(default_factory=dict)  # where -> counts
    edits: dict[str, list[float]] = field(default_factory=dict)  # platform -> edit moments
    limited: dict[str, int] = field(default_factory=dict)  # platform -> 429s
    wall: float = 0.0


async def drive(
    presses: Sequence[Press], press: Callable[[int, Press], Coroutine[Any, Any, None]]
) -> float:
    """Send each press at its moment (open loop); the wall time until all are answered."""
    began = time.perf_counter()
    tasks: list[asyncio.Task[None]] = []
    for i, p in enumerate(presses):
        wait = began + p.at - time.perf_counter()
        if wait > 0:
            await asyncio.sleep(wait)
        tasks.append(asyncio.create_task(press(i, p)))
    await asyncio.gather(*tasks)
    return time.perf_counter() - began


async def run_bot(config: EventConfig, folder: Path, presses: Sequence[Press]) -> Run:
    """The presses through the real adapters, core and runtime, against the fakes."""
    run = Run()
    store = await open_store(folder / "bot.sqlite")
    try:
        clock = SimulatedClock(EVENT_NOW, speed=0)
        core = await build_core(config, store, clock)
        with pytest.MonkeyPatch.context() as patch:
            async with on_both_platforms(
                patch,
                core,
                config,
                discord_channels=D_CHANNELS,
                slack_channels=S_CHANNELS,
                discord_fake_roles=(),
                discord_roles=[("Moderator", None), ("Organiser", None)],
                slack_usergroups={"S0MODS": [S_MOD]},
                slack_usergroup_handles={"S0MODS": "forum-moderators"},
                serve_slack_http=True,
            ) as on:
                await _run_bot(core, on, presses, run)
    finally:
        await store.close()
    return run


async def _run_bot(core: Core, on: Any, presses: Sequence[Press], run: Run) -> None:
    moderator = UserRef("slack", S_MOD, "bench moderator")
    made = await core.dispatch_text(
        "slack", CREATE, moderator, ChannelRef("slack", "C0QAMODS"), frozenset(Role)
    )
    assert not made.error, plain(made.text)
    poll = (await core.polls.listing())[0]

    async def settle() -> None:
        for sender in on.runtime.senders.values():
            await sender.drain()
        await on.runtime.poll_notices.cards.idle()

    await settle()
    d_card = _discord_card(on.discord)
    s_card = _slack_card(on.slack)
    users = {
        p.voter: on.discord.add_user(f"voter{p.voter}") for p in presses if p.platform == "discord"
    }

    # Each vote's publish, as the service makes it (the hub moves just before it returns).
    vote = core.polls.vote
    # A voter's presses in flight, oldest first (a changed vote may follow the first
    # before it is answered).
    current: dict[tuple[str, str], deque[int]] = defaultdict(deque)

    async def timed(user: UserRef, poll: Poll, position: int) -> Ballot:
        ballot = await vote(user, poll, position)
        waiting = current[(user.platform, user.id)]
        if waiting:
            run.published[waiting.popleft()] = time.perf_counter()
        return ballot

    core.polls.vote = timed  # type: ignore[method-assign]

    async def press(i: int, p: Press) -> None:
        run.platform[i] = p.platform
        t0 = time.perf_counter()
        run.sent[i] = t0
        if p.platform == "discord":
            current[("discord", users[p.voter]["id"])].append(i)
            pending = await on.discord.send_button(
                d_card["id"], f"poll.vote|{poll.id}:{p.option}", user=users[p.voter]
            )
            callback = await pending
            run.answered[i] = time.perf_counter() - t0
            said = str((callback.json.get("data") or {}).get("content", ""))
            if callback.status >= 300 or "vote" not in said.lower():
                run.refused[said[:80] or str(callback.status)] += 1
        else:
            user_id = f"U0V{p.voter:07d}"
            current[("slack", user_id)].append(i)
            resp = await on.slack.send_action(
                on.slack_events_url,
                f"poll.vote#{p.option - 1}",
                f"{poll.id}:{p.option}",
                user_id=user_id,
                channel_id=S_HALL,
                message_ts=s_card.ts,
            )
            run.answered[i] = resp.elapsed
            if resp.status != 200:
                run.refused[f"HTTP {resp.status}"] += 1

    run.watchers = [make(core, poll.id) for make in WATCHERS.values()]
    watching = [asyncio.create_task(w.run()) for w in run.watchers]
    settle_memory()
    try:
        async with asyncio.timeout(10):  # each follows the poll before the first press
            await asyncio.gather(*(w.ready.wait() for w in run.watchers))
        run.wall = await drive(presses, press)
        await asyncio.sleep(0.5)  # the last responses by response_url, the last publishes
        await settle()
    finally:
        for task in watching:
            task.cancel()
        await asyncio.gather(*watching, return_exceptions=True)

    final = await core.polls.get(poll.id)
    run.counts["poll's counts"] = {o.position: o.votes for o in final.options}
    for watcher in run.watchers:  # what each live view showed last
        if watcher.updates:
            run.counts[f"last {watcher.name}"] = watcher.updates[-1].counts
    rows = await core.store.fetchall(
        "SELECT position, COUNT(*) FROM poll_votes WHERE poll_id = ? GROUP BY position",
        (poll.id,),
    )
    ballots = {int(r[0]): int(r[1]) for r in rows}
    run.counts["ballots"] = {o: ballots.get(o, 0) for o in range(1, OPTIONS + 1)}
    state = await core.polls.snapshot(poll.id)
    run.counts["snapshot"] = {o["position"]: o["votes"] for o in state["options"]}
    run.counts["Discord card"] = _counts(_discord_text(on.discord.messages[d_card["id"]]))
    stored = on.slack.message(S_HALL, s_card.ts)
    run.counts["Slack card"] = _counts(_slack_text(stored.blocks if stored else []))
    edit = "PATCH /channels/{channel_id}/messages/{message_id}"
    run.edits["discord"] = [
        r.at.timestamp()
        for r in on.discord.requests
        if r.route == edit and r.params.get("message_id") == d_card["id"]
    ]
    run.edits["slack"] = [
        c.at for c in on.slack.calls_to("chat.update") if c.body.get("ts") == s_card.ts
    ]
    run.limited["discord"] = sum(1 for r in on.discord.requests if r.status == 429)
    run.limited["slack"] = sum(1 for c in on.slack.calls if c.status == 429)


def _discord_card(fake: Any) -> dict[str, Any]:
    for m in fake.channel_messages(D_HALL):
        if any(e.get("title", "").startswith("Poll #") for e in m.get("embeds") or []):
            return dict(m)
    raise AssertionError("no poll card on Discord")


def _slack_card(fake: Any) -> Any:
    for m in fake.messages_in(S_HALL):
        if any(b["type"] == "header" and "Poll #" in b["text"]["text"] for b in m.blocks or []):
            return m
    raise AssertionError("no poll card on Slack")


def _discord_text(message: dict[str, Any]) -> str:
    return "\n".join(e.get("description") or "" for e in message.get("embeds") or [])


def _slack_text(blocks: Sequence[dict[str, Any]]) -> str:
    return "\n".join(b["text"]["text"] for b in blocks if isinstance(b.get("text"), dict))


def _counts(text: str) -> dict[int, int]:
    return {int(n): int(votes) for n, votes in COUNT.findall(text)}


BASE_SCHEMA = (
    "CREATE TABLE ballots (voter INTEGER PRIMARY KEY, option INTEGER NOT NULL)",
    "CREATE INDEX ballots_by_option ON ballots (option)",
    "CREATE TABLE options (option INTEGER PRIMARY KEY, votes INTEGER NOT NULL)",
)
BASE_VOTE = (
    "INSERT INTO ballots (voter, option) VALUES (?, ?) "
    "ON CONFLICT (voter) DO UPDATE SET option = excluded.option"
)
BASE_RECOUNT = (
    "UPDATE options SET votes = (SELECT COUNT(*) FROM ballots WHERE ballots.option = "
    "options.option)"
)


class BaseWatcher:
    """The baseline's live view: wait for the event, then read the counts."""

    name = "event + SELECT"

    def __init__(self, conn: aiosqlite.Connection, changed: asyncio.Event) -> None:
        self.conn = conn
        self.changed = changed
        self.updates: list[Update] = []
        self.ready = asyncio.Event()
        self.ready.set()

    async def run(self) -> None:
        while True:
            await self.changed.wait()
            self.changed.clear()
            began = time.perf_counter()
            rows = await self.conn.execute_fetchall("SELECT option, votes FROM options")
            counts = {int(r[0]): int(r[1]) for r in rows}
            self.updates.append(Update(began, time.perf_counter(), 0, counts))


async def run_baseline(folder: Path, presses: Sequence[Press]) -> Run:
    """The same presses at the same moments on raw aiosqlite."""
    run = Run()
    conn = await aiosqlite.connect(folder / "baseline.sqlite", isolation_level=None)
    try:
        for pragma in ("journal_mode=WAL", "synchronous=NORMAL"):
            await conn.execute(f"PRAGMA {pragma}")
        for sql in BASE_SCHEMA:
            await conn.execute(sql)
        await conn.executemany(
            "INSERT INTO options VALUES (?, 0)", [(o,) for o in range(1, OPTIONS + 1)]
        )
        lock, changed = asyncio.Lock(), asyncio.Event()

        async def press(i: int, p: Press) -> None:
            run.platform[i] = p.platform
            t0 = time.perf_counter()
            run.sent[i] = t0
            async with lock:
                await conn.execute("BEGIN IMMEDIATE")
                try:
                    await conn.execute(BASE_VOTE, (p.voter, p.option))
                    await conn.execute(BASE_RECOUNT)
                    await conn.execute("COMMIT")
                except BaseException:
                    if conn.in_transaction:
                        await asyncio.shield(conn.execute("ROLLBACK"))
                    raise
            run.published[i] = time.perf_counter()
            run.answered[i] = run.published[i] - t0
            changed.set()

        watcher = BaseWatcher(conn, changed)
        run.watchers = [watcher]
        watching = asyncio.create_task(watcher.run())
        settle_memory()
        try:
            run.wall = await drive(presses, press)
            await asyncio.sleep(0.2)
        finally:
            watching.cancel()
            await asyncio.gather(watching, return_exceptions=True)
        rows = await conn.execute_fetchall("SELECT option, votes FROM options ORDER BY option")
        run.counts["baseline's counts"] = {int(r[0]): int(r[1]) for r in rows}
    finally:
        await conn.close()
    return run


# 4. Report --------------------------------------------------------------------------------


def to_update(run: Run, watcher: Watcher, platform: str | None) -> list[float]:
    """Seconds from each press to the first update of `watcher` whose read began after the
    press's publish (sorted): the update that reflects it."""
    begins = [u.began for u in watcher.updates]
    found = []
    for i, published in run.published.items():
        if platform is not None and run.platform[i] != platform:
            continue
        k = _first_at_or_after(begins, published)
        if k is not None:
            found.append(watcher.updates[k].seen - run.sent[i])
    return sorted(found)


def _first_at_or_after(sorted_values: Sequence[float], t: float) -> int | None:
    lo, hi = 0, len(sorted_values)
    while lo < hi:
        mid = (lo + hi) // 2
        if sorted_values[mid] < t:
            lo = mid + 1
        else:
            hi = mid
    return lo if lo < len(sorted_values) else None


def most_in_window(moments: Sequence[float], window: float) -> int:
    """The most moments within any `window` seconds."""
    ordered = sorted(moments)
    most, start = 0, 0
    for end, t in enumerate(ordered):
        while t - ordered[start] > window:
            start += 1
        most = max(most, end - start + 1)
    return most


def report(bot: Run, base: Run, presses: Sequence[Press], expected: dict[int, int]) -> None:
    print(f"\nforum-bot, {len(presses):,} presses sent and answered in {bot.wall:.2f} s:")
    sources = {**bot.counts, "what the voters pressed": expected}
    for where, counts in sources.items():
        shown = " ".join(f"{o}:{counts.get(o, '-')}" for o in range(1, OPTIONS + 1))
        print(f"  {where:<26} {shown}" + ("" if counts == expected else "   MISSED"))
    FIGURES.count(
        "sources that disagree", sum(c != expected for c in sources.values()), len(sources)
    )
    refused = sum(bot.refused.values())
    FIGURES.count("presses refused or failed", refused, len(presses))
    for text, n in bot.refused.most_common(3):
        print(f"  !! {n} answered: {text!r}")

    print("\nCard edits, inside the platforms' limits:")
    for platform, (limit, window) in (("discord", DISCORD_EDITS), ("slack", SLACK_UPDATES)):
        moments = bot.edits.get(platform, [])
        most = most_in_window(moments, window)
        label = f"{platform} edits (of {len(moments)}), most in {window:g} s"
        text = f"{label + ':':<{FIGURES.label}} {most:{FIGURES.width}d}"
        text = f"{text:<{FIGURES.target_at}} target <= {limit}      ({most / limit:.2f}x target)"
        print(text + ("   MISSED" if most > limit else ""))
        FIGURES.count(f"{platform} answers of 429", bot.limited.get(platform, 0), len(moments))

    print("\nFrom a press to the live state showing it (p99 target < 1 s):")
    for watcher in bot.watchers:
        for platform in ("discord", "slack"):
            xs = to_update(bot, watcher, platform)
            published = sorted(
                bot.published[i] - bot.sent[i] for i in bot.published if bot.platform[i] == platform
            )
            name = f"{platform}, {watcher.name}"
            FIGURES.figure(f"{name} p50", percentile(xs, 0.5) * 1e3, "ms")
            FIGURES.figure(f"{name} p99", percentile(xs, 0.99) * 1e3, "ms", P99_S * 1e3)
            FIGURES.figure(
                f"{platform}, to the hub's publish p99", percentile(published, 0.99) * 1e3, "ms"
            )
            missing = len([i for i in bot.sent if bot.platform[i] == platform]) - len(xs)
            FIGURES.count(f"{platform} presses no update showed", missing, len(published) or 1)
        print(f"  ({len(watcher.updates):,} live updates read by {watcher.name})")
    for platform, what in (("discord", "callback"), ("slack", "ack")):
        xs = sorted(v for i, v in bot.answered.items() if bot.platform[i] == platform)
        FIGURES.figure(f"{platform} press to its {what} p99", percentile(xs, 0.99) * 1e3, "ms")

    print(f"\nBaseline (raw aiosqlite, no platform), the same presses in {base.wall:.2f} s:")
    base_ok = base.counts["baseline's counts"] == expected
    print(f"  counts exact: {'yes' if base_ok else 'no   MISSED'}")
    b_all = to_update(base, base.watchers[0], None)
    FIGURES.figure("baseline press to update p50", percentile(b_all, 0.5) * 1e3, "ms")
    FIGURES.figure("baseline press to update p99", percentile(b_all, 0.99) * 1e3, "ms")
    print("\nforum-bot against the baseline (informational: forum-bot's include the platforms):")
    for watcher in bot.watchers:
        xs = to_update(bot, watcher, None)
        for q, label in ((0.5, "p50"), (0.99, "p99")):
            ratio = percentile(xs, q) / percentile(b_all, q)
            print(f"  {watcher.name} {label}, forum-bot / baseline: {ratio:10.1f}x")


def main() -> int:
    """Run the crowd through forum-bot and the baseline, and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--voters", type=int, default=VOTERS, help="how many (default 1,000)")
    parser.add_argument(
        "--seconds", type=float, default=SECONDS, help="within how long (default 10)"
    )
    parser.add_argument("--seed", type=int, default=SEED, help="the random draw of the crowd")
    options = parser.parse_args()
    presses = crowd(random.Random(options.seed), max(2, options.voters), options.seconds)
    expected = expected_counts(presses)
    config = load_event(default_config_path())
    platforms = Counter(p.platform for p in presses)
    print(f"forum-bot poll benchmark: Python {sys.version.split()[0]}, {os.cpu_count()} CPUs")
    print(
        f"{options.voters:,} voters ({platforms['discord']:,} Discord presses, "
        f"{platforms['slack']:,} Slack), {len(presses) - options.voters:,} of them changing "
        f"their vote, within {options.seconds:g} s; {OPTIONS} options, single choice; "
        f"card edits at most one per {config.qa.card_edit_seconds:g} s per card"
    )
    with tempfile.TemporaryDirectory(prefix="forum-bench-") as tmp_name:
        tmp = Path(tmp_name)
        bot = run_loop(run_bot(config, tmp, presses))
        base = run_loop(run_baseline(tmp, presses))
    report(bot, base, presses, expected)
    return 0


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        sys.exit(main())
