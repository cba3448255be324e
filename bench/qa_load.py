"""Benchmark: live Q&A under load, through the real core and on raw aiosqlite.

What it measures, each figure printed next to its target:

1. 1,000 simulated participants (every other one on Discord, the rest on Slack; half of
   them typing in the Grand Hall's channel), 100 at once, each doing 10 operations back to
   back, drawn with a fixed seed in the mix of a live Q&A: 60% /questions (list), 25% a
   press of an ▲ button (vote: on a question of the last list that participant saw, else
   on any question asked so far) and 15% /ask (a question of their own, one in five
   anonymous). Everything goes through the real `Core` as the adapters hand it over
   (`dispatch_text` for commands, `on_action` for buttons), with every command and a real
   SQLite `Store` in a temporary folder, on a simulated clock stopped inside the dialogue
   (5 February, 13:10 KST). 40 questions, with a few votes each, are asked first. Figures:
   throughput (operations per second of wall time) and p50 / p99 per kind of operation
   (target: p99 < 50 ms), each operation timed with `time.perf_counter`; and the CPU
   time per operation, every thread of this process (informational: it says more than
   the wall time when the machine is busy with other work).
2. In the same run, the same participants, operations and concurrency on raw aiosqlite
   as the baseline: one connection (WAL, synchronous=NORMAL and foreign keys on, as the
   Store sets them) to a file of the same schema, the least SQL each operation needs, as a
   careful hand-written bot would send it (list: the ten approved questions of the session
   with the most votes; vote: INSERT ... ON CONFLICT DO NOTHING and the recount UPDATE ...
   RETURNING in one transaction; ask: one INSERT) and an asyncio.Lock around writes. It
   has no keyed hashes, no session, block or status checks and writes no reply. Figures:
   the same, and core / baseline for throughput (target >= 0.7) and per kind.
3. Whether every vote count is exact at the end (target: every question, on both runs):
   for each question its `votes` column, the COUNT(*) of its rows in `question_votes`,
   the number of distinct people who pressed its button (every vote here is for a visible
   question, so each counts once) and the number of replies that said a vote was added
   ("Up-voted") must all agree.

Set-up: the embedded event, with `qa.rate_seconds` set to 0 (`config.model_copy`):
on a stopped clock its one question per person per 30 s would refuse every participant's
second question. The dialogue, pre-moderated by the event file, is opened by a moderator
without pre-moderation (`QA.set_open(..., moderated=False)`, which is what
`/qa-open dialogue moderated:no` does), so every question is approved when asked and
can be voted for at once.

The loop is closed (each participant starts its next operation when the last one is
answered), so the mean latency is about the concurrency over the throughput (Little's
law): with 100 at once, a p99 under 50 ms needs well over 2,000 operations a second.

Run it from the repository root, with the project installed (`pip install -e ".[test]"`):

    python bench/qa_load.py                      # both runs: well under a minute on 2 cores
    python bench/qa_load.py --participants 200   # a quicker run
    python bench/qa_load.py --concurrency 10     # 10 at once instead of 100
    python bench/qa_load.py --seed 7             # another draw of the mix
    python bench/qa_load.py --profile            # also profile the core run with cProfile

It is not a test: it never fails on time and always exits 0, marking a figure over its
target MISSED. It uses no network. Everything it writes goes to a temporary directory.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import secrets
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Protocol

import aiosqlite

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # `python bench/qa_load.py` puts bench/ first instead
    sys.path.insert(0, str(ROOT))

from bench.report import Figures, percentile, profile  # noqa: E402
from bot.app import build_core, run_loop, settle_memory  # noqa: E402
from bot.core.clock import SimulatedClock  # noqa: E402
from bot.core.dispatch import Core  # noqa: E402
from bot.core.model import Action, ChannelRef, Role, UserRef, plain  # noqa: E402
from bot.i18n.messages import MESSAGES  # noqa: E402
from bot.settings import EventConfig, default_config_path, load_event  # noqa: E402
from bot.storage import open_store  # noqa: E402

SEED = 20260205
EVENT_NOW = datetime.fromisoformat("2026-02-05T13:10:00+09:00")  # the dialogue is on
SESSION = "dialogue"
ROOM_CHANNEL = "grand-hall"  # the dialogue's room's channel on both platforms
PARTICIPANTS = 1_000
CONCURRENCY = 100
OPS_EACH = 10
MIX = {"list": 60, "vote": 25, "ask": 15}
ANONYMOUS = 0.2
SEEDED = 40
SEED_VOTERS = 12  # seeded question k gets (7 k mod 12) votes before the run

P99_MS = 50.0
RATIO = 0.7
FIGURES = Figures()  # the report's columns: the defaults

ROLES = frozenset({Role.PARTICIPANT})
MODERATOR = UserRef("discord", "900000000000000001", "bench moderator")

Pair = tuple[str, str]  # (English, Korean)
TOPICS: list[Pair] = [
    ("solid-state electrolytes", "고체 전해질"),
    ("lithium-metal anodes", "리튬 금속 음극"),
    ("sodium-ion cells", "나트륨 이온 전지"),
    ("silicon anodes", "실리콘 음극"),
    ("dry electrode coating", "건식 전극 코팅"),
    ("battery recycling", "배터리 재활용"),
    ("fast charging", "급속 충전"),
    ("thermal runaway", "열 폭주"),
    ("cathode supply chains", "양극재 공급망"),
    ("grid storage", "전력망 저장"),
]
ASKS: list[Pair] = [
    ("How soon will {} reach mass production", "{}은 언제 양산될까요"),
    ("What limits the cycle life of {}", "{}의 수명을 제한하는 요인은 무엇인가요"),
    ("Which country leads research on {}", "{} 연구는 어느 나라가 앞서 있나요"),
    ("How would you fund a start-up working on {}", "{} 분야 창업은 어떻게 투자받나요"),
]


# 1. Participants and their operations ---------------------------------------------------


@dataclass(frozen=True)
class Op:
    """One operation: `pick` chooses the question a vote is for, `text` is an ask's."""

    kind: str
    pick: float = 0.0
    text: str = ""
    anonymous: bool = False


@dataclass(frozen=True)
class Participant:
    """Someone on Discord or Slack, where they type, and what they will do."""

    user: UserRef
    channel: ChannelRef
    ops: tuple[Op, ...]


def person(number: int, prefix: str = "") -> UserRef:
    """Participant `number`: even ones on Discord (snowflake ids), odd ones on Slack."""
    if number % 2 == 0:
        return UserRef("discord", f"{prefix}{400000000000000000 + number}", f"{prefix}p{number}")
    return UserRef("slack", f"U{prefix.upper()}{number:08d}", f"{prefix}p{number}")


def channel_of(user: UserRef, in_room: bool) -> ChannelRef:
    """The room's channel, or a general one (where /ask finds the only open session)."""
    if in_room:
        return ChannelRef(user.platform, f"{user.platform}-grand-hall", ROOM_CHANNEL)
    return ChannelRef(user.platform, f"{user.platform}-general", "general")


def question_text(rng: random.Random, label: str) -> str:
    """A question nobody else asks (its label makes it unique), English or Korean."""
    en, ko = rng.choice(ASKS)
    topic = rng.choice(TOPICS)
    if rng.random() < 0.3:
        return f"{ko.format(topic[1])}? ({label})"
    return f"{en.format(topic[0])}? ({label})"


def make_participants(rng: random.Random, count: int) -> list[Participant]:
    """`count` participants, each with OPS_EACH operations drawn in the MIX."""
    kinds = list(MIX)
    weights = list(MIX.values())
    found = []
    for n in range(count):
        user = person(n)
        ops = []
        for i, kind in enumerate(rng.choices(kinds, weights=weights, k=OPS_EACH)):
            if kind == "ask":
                text = question_text(rng, f"participant {n}, no. {i + 1}")
                ops.append(Op(kind, text=text, anonymous=rng.random() < ANONYMOUS))
            else:
                ops.append(Op(kind, pick=rng.random()))
        found.append(Participant(user, channel_of(user, rng.random() < 0.5), tuple(ops)))
    return found


# 2. The two ways to run them: the core, and raw aiosqlite -------------------------------


class Target(Protocol):
    """What the participants talk to."""

    refusals: Counter[str]  # the text of every refusal, and how often it came

    async def list(self, p: Participant) -> list[int] | None:
        """The question numbers a listing shows (its buttons); None when refused."""

    async def vote(self, p: Participant, qid: int) -> bool | None:
        """True: a vote added; False: already there; None: refused."""

    async def ask(self, p: Participant, op: Op) -> int | None:
        """The new question's number; None when refused."""

    async def counts(self) -> tuple[dict[int, int], dict[int, int]]:
        """Per question: its `votes` column, and its rows in `question_votes`."""


class CoreTarget:
    """The real core, driven as the Discord and Slack adapters drive it."""

    def __init__(self, core: Core) -> None:
        self.core = core
        self.refusals: Counter[str] = Counter()

    def _refused(self, text: str) -> None:
        self.refusals[text[:100]] += 1

    async def list(self, p: Participant) -> list[int] | None:
        reply = await self.core.dispatch_text(
            p.user.platform, "/questions", p.user, p.channel, ROLES
        )
        if reply.error:
            self._refused(plain(reply.text))
            return None
        return [int(b.value) for b in reply.buttons if b.action_id == "qa.vote"]

    async def vote(self, p: Participant, qid: int) -> bool | None:
        act = Action(p.user.platform, "qa.vote", str(qid), p.user, p.channel, ROLES)
        reply = await self.core.on_action(act)
        said = plain(reply.text)
        if not reply.error and said.startswith("Up-voted"):
            return True
        if not reply.error and "already up-voted" in said:
            return False
        self._refused(said)
        return None

    async def ask(self, p: Participant, op: Op) -> int | None:
        line = f"/ask {op.text}" + (" anonymous" if op.anonymous else "")
        reply = await self.core.dispatch_text(p.user.platform, line, p.user, p.channel, ROLES)
        said = plain(reply.text)
        found = re.search(r"#(\d+)", said)
        if reply.error or found is None:
            self._refused(said)
            return None
        return int(found.group(1))

    async def counts(self) -> tuple[dict[int, int], dict[int, int]]:
        store = self.core.store
        column = await store.fetchall(
            "SELECT id, votes FROM questions WHERE session_id = ?", (SESSION,)
        )
        rows = await store.fetchall(
            "SELECT question_id, COUNT(*) FROM question_votes GROUP BY question_id"
        )
        return {int(r[0]): int(r[1]) for r in column}, {int(r[0]): int(r[1]) for r in rows}


RAW_TOP = (
    "SELECT id, body, votes, anonymous, author_name FROM questions "
    "WHERE session_id = ? AND status = 'approved' ORDER BY votes DESC, id LIMIT 10"
)
RAW_VOTE = (
    "INSERT INTO question_votes (question_id, voter_key) VALUES (?, ?) "
    "ON CONFLICT (question_id, voter_key) DO NOTHING"
)
RAW_RECOUNT = (
    "UPDATE questions SET votes = (SELECT COUNT(*) FROM question_votes WHERE question_id = ?) "
    "WHERE id = ? RETURNING votes"
)
RAW_ASK = (
    "INSERT INTO questions (session_id, body, norm, anonymous, author_platform, author_id, "
    "author_name, status, votes, created_at, updated_at) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, 'approved', 0, ?, ?)"
)


class RawTarget:
    """The baseline: the least SQL per operation on one aiosqlite connection."""

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self.conn = conn
        self.lock = asyncio.Lock()  # one connection: a write never lands in another's BEGIN
        self.refusals: Counter[str] = Counter()

    async def list(self, p: Participant) -> list[int] | None:
        rows = await self.conn.execute_fetchall(RAW_TOP, (SESSION,))
        return [int(r[0]) for r in rows]

    async def vote(self, p: Participant, qid: int) -> bool | None:
        async with self.lock:
            await self.conn.execute("BEGIN IMMEDIATE")
            try:
                async with self.conn.execute(RAW_VOTE, (qid, p.user.key)) as cursor:
                    added = cursor.rowcount > 0
                await self.conn.execute_fetchall(RAW_RECOUNT, (qid, qid))
                await self.conn.execute("COMMIT")
            except BaseException:
                if self.conn.in_transaction:
                    await asyncio.shield(self.conn.execute("ROLLBACK"))
                raise
        return added

    async def ask(self, p: Participant, op: Op) -> int | None:
        stamp = EVENT_NOW.isoformat()
        u = p.user
        author = (None, None, None) if op.anonymous else (u.platform, u.id, u.name)
        params = (SESSION, op.text, op.text.casefold(), int(op.anonymous), *author, stamp, stamp)
        async with self.lock, self.conn.execute(RAW_ASK, params) as cursor:
            return cursor.lastrowid

    async def counts(self) -> tuple[dict[int, int], dict[int, int]]:
        column = await self.conn.execute_fetchall(
            "SELECT id, votes FROM questions WHERE session_id = ?", (SESSION,)
        )
        rows = await self.conn.execute_fetchall(
            "SELECT question_id, COUNT(*) FROM question_votes GROUP BY question_id"
        )
        return {int(r[0]): int(r[1]) for r in column}, {int(r[0]): int(r[1]) for r in rows}


# 3. Running the mix ------------------------------------------------------------------------


@dataclass
class LoadRun:
    """Latencies (seconds) per kind, refusals, and what the votes should add up to."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    refused: Counter[str] = field(default_factory=Counter)
    known: list[int] = field(default_factory=list)  # every question asked, in order
    pressed: set[tuple[str, int]] = field(default_factory=set)  # (person, question)
    added: Counter[int] = field(default_factory=Counter)  # "Up-voted" replies per question
    again: int = 0
    count: int = 0
    wall: float = 0.0
    cpu: float = 0.0  # this process's CPU time, every thread (aiosqlite's too)
    column: dict[int, int] = field(default_factory=dict)
    rows: dict[int, int] = field(default_factory=dict)
    refusals: Counter[str] = field(default_factory=Counter)


async def do_op(target: Target, run: LoadRun, p: Participant, op: Op, seen: list[int]) -> None:
    """One operation, timed, and its outcome recorded; `seen` is p's last listing."""
    if op.kind == "list":
        t0 = time.perf_counter()
        listed = await target.list(p)
        run.latencies["list"].append(time.perf_counter() - t0)
        if listed is None:
            run.refused["list"] += 1
        else:
            seen[:] = listed
    elif op.kind == "vote":
        choices = seen or run.known
        qid = choices[min(len(choices) - 1, int(op.pick * len(choices)))]
        t0 = time.perf_counter()
        added = await target.vote(p, qid)
        run.latencies["vote"].append(time.perf_counter() - t0)
        run.pressed.add((p.user.key, qid))
        if added is None:
            run.refused["vote"] += 1
        elif added:
            run.added[qid] += 1
        else:
            run.again += 1
    else:
        t0 = time.perf_counter()
        asked = await target.ask(p, op)
        run.latencies["ask"].append(time.perf_counter() - t0)
        if asked is None:
            run.refused["ask"] += 1
        else:
            run.known.append(asked)
    run.count += 1


async def seed(target: Target, run: LoadRun) -> None:
    """SEEDED questions from people outside the run, with (7 k mod 12) votes on the k-th."""
    rng = random.Random(SEED)
    askers = [person(k, "seed") for k in range(SEEDED)]
    voters = [person(k, "voter") for k in range(SEED_VOTERS)]
    for k, user in enumerate(askers):
        p = Participant(user, channel_of(user, True), ())
        op = Op("ask", text=question_text(rng, f"seeded question {k + 1}"))
        await do_op(target, run, p, op, [])
    for k, qid in enumerate(list(run.known)):
        for user in voters[: 7 * k % SEED_VOTERS]:
            p = Participant(user, channel_of(user, False), ())
            await do_op(target, run, p, Op("vote"), [qid])
    run.latencies.clear()
    run.count = 0


async def drive(
    target: Target, participants: list[Participant], concurrency: int, run: LoadRun
) -> None:
    """`concurrency` workers take participants from a queue; each runs a participant's
    operations one after the other."""
    queue: asyncio.Queue[Participant] = asyncio.Queue()
    for p in participants:
        queue.put_nowait(p)

    async def worker() -> None:
        while not queue.empty():
            p = queue.get_nowait()
            seen: list[int] = []
            for op in p.ops:
                await do_op(target, run, p, op, seen)

    began, cpu = time.perf_counter(), time.process_time()
    async with asyncio.TaskGroup() as group:
        for _ in range(concurrency):
            group.create_task(worker())
    run.wall = time.perf_counter() - began
    run.cpu = time.process_time() - cpu


async def finish(target: Target, run: LoadRun) -> LoadRun:
    """Read the stored counts and the refusals' texts into `run`."""
    run.column, run.rows = await target.counts()
    run.refusals = target.refusals
    return run


async def run_core(
    config: EventConfig, where: Path | str, participants: list[Participant], concurrency: int
) -> LoadRun:
    """The mix through a real core over a fresh store: an SQLite file, or an empty
    PostgreSQL database's address (bench/scale_out.py runs both)."""
    store = await open_store(where)
    try:
        clock = SimulatedClock(EVENT_NOW, speed=0)
        core = await build_core(config, store, clock, secrets.token_bytes(32))
        dialogue = core.agenda.session(SESSION)
        assert dialogue is not None
        await core.qa.set_open(dialogue, True, MODERATOR, moderated=False)
        target = CoreTarget(core)
        run = LoadRun()
        await seed(target, run)
        settle_memory()  # as `forum-bot run` does once started
        await drive(target, participants, concurrency, run)
        return await finish(target, run)
    finally:
        await store.close()


async def run_baseline(db_path: Path, participants: list[Participant], concurrency: int) -> LoadRun:
    """The mix on raw aiosqlite over a fresh file of the same schema."""
    store = await open_store(db_path)  # only to create the schema
    await store.close()
    conn = await aiosqlite.connect(db_path, isolation_level=None)
    try:
        for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON"):
            await conn.execute(f"PRAGMA {pragma}")
        target = RawTarget(conn)
        run = LoadRun()
        await seed(target, run)
        settle_memory()  # the same for the baseline
        await drive(target, participants, concurrency, run)
        return await finish(target, run)
    finally:
        await conn.close()


# Report --------------------------------------------------------------------------------


def report_run(name: str, run: LoadRun, target_ms: float | None) -> None:
    """Throughput, then p50 and p99 per kind (against `target_ms` if given)."""
    every = sorted(x for xs in run.latencies.values() for x in xs)
    FIGURES.figure(f"{name} throughput", run.count / run.wall, "op/s")
    FIGURES.figure(f"{name} CPU per operation", run.cpu / run.count * 1e3, "ms")
    FIGURES.figure(f"{name} p99, every operation", percentile(every, 0.99) * 1e3, "ms", target_ms)
    for kind in MIX:
        xs = sorted(run.latencies[kind])
        FIGURES.figure(f"{name} {kind} p50", percentile(xs, 0.50) * 1e3, "ms")
        FIGURES.figure(f"{name} {kind} p99", percentile(xs, 0.99) * 1e3, "ms", target_ms)


def check_votes(name: str, run: LoadRun) -> None:
    """Every question's count: column, rows, distinct presses and 'Up-voted' replies."""
    expected = Counter(qid for _, qid in run.pressed)
    wrong = [
        (qid, votes, run.rows.get(qid, 0), expected[qid], run.added[qid])
        for qid, votes in sorted(run.column.items())
        if not votes == run.rows.get(qid, 0) == expected[qid] == run.added[qid]
    ]
    wrong += [(qid, 0, 0, expected[qid], run.added[qid]) for qid in expected - run.column.keys()]
    total = len(run.column)
    text = f"{name + ' vote counts exact:':<32} {total - len(wrong):8,} of {total:,} questions"
    text = f"{text:<60} ({sum(run.column.values()):,} votes; {run.again:,} pressed again)"
    print(text + ("   MISSED" if wrong else ""))
    for qid, votes, rows, pressed, added in wrong[:5]:
        print(
            f"  !! #{qid}: votes {votes}, rows {rows}, people who pressed {pressed}, added {added}"
        )


def report(core: LoadRun, base: LoadRun) -> None:
    """Every figure: the core's, the baseline's, how they compare, and the vote counts."""
    print(f"\nThrough the core, {core.count:,} operations in {core.wall:.2f} s:")
    report_run("core", core, P99_MS)
    print(f"\nRaw aiosqlite (the baseline), {base.count:,} operations in {base.wall:.2f} s:")
    report_run("baseline", base, None)

    print("\nCore against the baseline:")
    FIGURES.floor_figure(
        "throughput, core / baseline", (core.count / core.wall) / (base.count / base.wall), RATIO
    )
    print(
        f"  {'kind':<6} {'n':>6} {'refused':>7} {'core p50':>9} {'base p50':>9} {'core p99':>9}"
        f" {'base p99':>9} {'p99 core/base':>14}"
    )
    for kind in MIX:
        c, b = sorted(core.latencies[kind]), sorted(base.latencies[kind])
        c50, b50 = percentile(c, 0.5) * 1e3, percentile(b, 0.5) * 1e3
        c99, b99 = percentile(c, 0.99) * 1e3, percentile(b, 0.99) * 1e3
        print(
            f"  {kind:<6} {len(c):>6,} {core.refused[kind]:>7} {c50:>9.2f} {b50:>9.2f}"
            f" {c99:>9.2f} {b99:>9.2f} {c99 / b99:>13.2f}x"
        )

    print()
    check_votes("core", core)
    check_votes("baseline", base)
    crashes = set(MESSAGES["error.internal"].values())
    for name, run in (("core", core), ("baseline", base)):
        for text, n in run.refusals.most_common(5):
            why = "something went wrong" if text in crashes else "refused"
            print(f"  !! {name}: {n} answers {why}: {text!r}")


def main() -> int:
    """Run the mix through the core and on raw aiosqlite, and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--participants", type=int, default=PARTICIPANTS, help="how many (default 1,000)"
    )
    parser.add_argument(
        "--concurrency", type=int, default=CONCURRENCY, help="how many at once (default 100)"
    )
    parser.add_argument("--seed", type=int, default=SEED, help="the random draw of the mix")
    parser.add_argument("--profile", action="store_true", help="profile the core's run")
    options = parser.parse_args()
    participants = make_participants(random.Random(options.seed), options.participants)
    concurrency = max(1, min(options.concurrency, len(participants)))
    kinds = Counter(op.kind for p in participants for op in p.ops)
    platforms = Counter(p.user.platform for p in participants)
    config = load_event(default_config_path())
    # On a stopped clock the 30 s between two questions of one person would never pass.
    config = config.model_copy(update={"qa": config.qa.model_copy(update={"rate_seconds": 0})})

    print(f"forum-bot Q&A load benchmark: Python {sys.version.split()[0]}, {os.cpu_count()} CPUs")
    print(
        f"{len(participants):,} participants ({platforms['discord']:,} Discord, "
        f"{platforms['slack']:,} Slack), {concurrency} at once, {OPS_EACH} operations each: "
        + ", ".join(f"{kinds[k]:,} {k}" for k in MIX)
    )
    print(
        f"session {SESSION!r} at {EVENT_NOW:%Y-%m-%d %H:%M%z}, opened without pre-moderation, "
        f"no limit between questions; {SEEDED} questions asked first"
    )
    with tempfile.TemporaryDirectory(prefix="forum-bench-") as tmp_name:
        tmp = Path(tmp_name)
        # Both on the event loop `forum-bot run` uses (uvloop where installed).
        core = run_loop(run_core(config, tmp / "core.sqlite", participants, concurrency))
        base = run_loop(run_baseline(tmp / "baseline.sqlite", participants, concurrency))
        report(core, base)
        if options.profile:
            print("\nProfile of the core's run (a second run, on a fresh file):")
            db_path = tmp / "profile.sqlite"
            profile(lambda: asyncio.run(run_core(config, db_path, participants, concurrency)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
