"""Benchmark: forum-bot with a conference-sized agenda (1,000 sessions).

What it measures, each figure printed next to its target:

1. Generating an event file with 1,000 sessions (5 days, 10 rooms, 200 people, English and
   Korean titles and abstracts), validating it with `load_event` and indexing it with
   `build_agenda` (informational: no target).
2. Latency of 10,000 mixed agenda queries from 100 users through the real `Core`, commands
   and SQLite store, on a simulated clock stopped inside the event (target: p99 < 5 ms).
3. Start-up time of `forum-bot run` with that agenda, from spawn to its welcome line
   (target: < 1.5 s).
4. Peak RSS of that process after a few heavy commands (target: < 120 MB).

Run it from the repository root, with the project installed (`pip install -e ".[test]"`):

    python bench/agenda.py            # all figures, well under a minute on 2 cores
    python bench/agenda.py --full     # all 10,000 queries however long they take
    python bench/agenda.py --profile  # also profile the query mix with cProfile

The queries stop after 20 s when they are slower than about 2 ms on average; the figures
then come from the queries run so far (a random sample of the mix) and say how many.

It is not a test: it never fails on time and always exits 0, marking a figure over its
target MISSED. Its only networking is the bot's health server, on 127.0.0.1 and a free port.
Everything it writes goes to a temporary directory.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import unicodedata
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import IO, Any
from zoneinfo import ZoneInfo

import yaml

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # `python bench/agenda.py` puts bench/ first instead
    sys.path.insert(0, str(ROOT))

from bench.report import Figures, percentile, profile  # noqa: E402
from bot.app import build_core  # noqa: E402
from bot.core.clock import SimulatedClock  # noqa: E402
from bot.core.dispatch import Core  # noqa: E402
from bot.core.model import ChannelRef, UserRef  # noqa: E402
from bot.i18n.messages import MESSAGES  # noqa: E402
from bot.programme import Agenda  # noqa: E402
from bot.programme.building import build_agenda  # noqa: E402
from bot.settings import EventConfig, load_event  # noqa: E402
from bot.storage import open_store  # noqa: E402

SEED = 20260205
ZONE = "Asia/Seoul"
DAYS = tuple(date(2026, 2, 2) + timedelta(days=i) for i in range(5))
SLOTS_PER_DAY = 20  # 30-minute slots from 08:00; 10 rooms x 20 slots x 5 days = 1,000
PEOPLE = 200
QUERIES = 10_000
QUERY_BUDGET_S = 20.0  # keeps the run well under a minute while queries are slow (--full: none)
USERS = 100
START_RUNS = 5

QUERY_P99_MS = 5.0
START_S = 1.5
RSS_MB = 120.0  # decimal megabytes: 120e6 bytes
FIGURES = Figures()  # the report's columns: the defaults

Pair = tuple[str, str]  # (English, Korean)

ROOMS: list[Pair] = [
    ("Grand Hall", "대회의실"),
    ("Hall A", "A홀"),
    ("Hall B", "B홀"),
    ("Room 201", "201호"),
    ("Room 202", "202호"),
    ("Room 203", "203호"),
    ("Room 301", "301호"),
    ("Room 302", "302호"),
    ("Partnering Hall", "파트너링 홀"),
    ("Poster Gallery", "포스터 갤러리"),
]
ADJECTIVES: list[Pair] = [
    ("Scalable", "확장 가능한"),
    ("Safe", "안전한"),
    ("Fast-Charging", "급속 충전"),
    ("Low-Cost", "저비용"),
    ("High-Energy", "고에너지"),
    ("Sustainable", "지속 가능한"),
    ("Next-Generation", "차세대"),
    ("Durable", "고내구성"),
]
TOPICS: list[Pair] = [
    ("Lithium-Metal", "리튬금속"),
    ("Solid-State", "전고체"),
    ("Sodium-Ion", "나트륨이온"),
    ("Silicon Anode", "실리콘 음극"),
    ("Nickel-Rich Cathode", "하이니켈 양극"),
    ("Lithium-Sulfur", "리튬황"),
    ("Polymer Electrolyte", "고분자 전해질"),
    ("Battery Recycling", "배터리 재활용"),
    ("Separator", "분리막"),
    ("Battery Management", "배터리 관리"),
]
NOUNS: list[Pair] = [
    ("Design", "설계"),
    ("Manufacturing", "제조"),
    ("Characterisation", "분석"),
    ("Roadmap", "로드맵"),
    ("Safety Testing", "안전성 평가"),
    ("Modelling", "모델링"),
    ("Scale-Up", "양산화"),
    ("Supply Chain", "공급망"),
    ("Standards", "표준"),
    ("Interfaces", "계면"),
]
USES: list[Pair] = [
    ("electric vehicles", "전기차"),
    ("grid storage", "전력망 저장"),
    ("drones", "드론"),
    ("consumer electronics", "소형 전자기기"),
    ("ships", "선박"),
]
INSTITUTES: list[Pair] = [
    ("KRICT", "한국화학연구원"),
    ("KAIST", "카이스트"),
    ("Seoul National University", "서울대학교"),
    ("Samsung SDI", "삼성SDI"),
    ("LG Energy Solution", "LG에너지솔루션"),
    ("SK On", "SK온"),
    ("Yokohama National University", "요코하마국립대학교"),
    ("UC San Diego", "캘리포니아대학교 샌디에이고"),
    ("Fraunhofer ISC", "프라운호퍼 ISC"),
]
KO_SURNAMES: list[Pair] = [
    ("Kim", "김"), ("Lee", "이"), ("Park", "박"), ("Choi", "최"), ("Jung", "정"), ("Kang", "강"),
    ("Cho", "조"), ("Yoon", "윤"), ("Jang", "장"), ("Lim", "임"), ("Han", "한"), ("Oh", "오"),
]  # fmt: skip
KO_SYLLABLES: list[Pair] = [
    ("Min", "민"), ("Ji", "지"), ("Seo", "서"), ("Hyun", "현"), ("Woo", "우"), ("Jun", "준"),
    ("Young", "영"), ("Soo", "수"), ("Eun", "은"), ("Ha", "하"), ("Yeon", "연"), ("Do", "도"),
]  # fmt: skip
FIRST_NAMES: list[Pair] = [
    ("Anna", "안나"), ("David", "데이비드"), ("Maria", "마리아"), ("James", "제임스"),
    ("Yuki", "유키"), ("Ping", "핑"), ("Elena", "엘레나"), ("Thomas", "토마스"),
]  # fmt: skip
LAST_NAMES: list[Pair] = [
    ("Smith", "스미스"), ("Müller", "뮐러"), ("Tanaka", "다나카"), ("Liu", "리우"),
    ("Garcia", "가르시아"), ("Novak", "노박"), ("Rossi", "로시"), ("Chen", "천"),
]  # fmt: skip


# 1. The event file -----------------------------------------------------------------------


def slug(text: str, limit: int = 48) -> str:
    """An id-safe slug: ASCII lower case, digits and hyphens."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:limit].rstrip("-")


def make_people(rng: random.Random) -> list[dict[str, Any]]:
    """About 60% Korean names (family name first), the rest foreign, all unique."""
    people: dict[str, dict[str, Any]] = {}
    while len(people) < PEOPLE:
        if rng.random() < 0.6:
            (sur_en, sur_ko), (a_en, a_ko), (b_en, b_ko) = (
                rng.choice(KO_SURNAMES),
                rng.choice(KO_SYLLABLES),
                rng.choice(KO_SYLLABLES),
            )
            name = {"en": f"{sur_en} {a_en}-{b_en.lower()}", "ko": sur_ko + a_ko + b_ko}
        else:
            (first_en, first_ko), (last_en, last_ko) = (
                rng.choice(FIRST_NAMES),
                rng.choice(LAST_NAMES),
            )
            name = {"en": f"{first_en} {last_en}", "ko": f"{first_ko} {last_ko}"}
        pid = slug(name["en"])
        inst_en, inst_ko = rng.choice(INSTITUTES)
        affiliation = {"en": f"Researcher, {inst_en}", "ko": f"{inst_ko} 연구원"}
        people.setdefault(pid, {"id": pid, "name": name, "affiliation": affiliation})
    return list(people.values())


def make_session(rng: random.Random, n: int, person_ids: list[str]) -> dict[str, Any]:
    """One session without times or room: bilingual title and abstract, people."""
    roll = rng.random()
    if roll < 0.05:
        return {
            "id": f"break-{n:04d}",
            "title": {"en": "Coffee Break", "ko": "휴식"},
            "kind": "break",
        }
    (adj_en, adj_ko), (top_en, top_ko), (noun_en, noun_ko) = (
        rng.choice(ADJECTIVES),
        rng.choice(TOPICS),
        rng.choice(NOUNS),
    )
    (use_en, use_ko), (inst_en, inst_ko) = rng.choice(USES), rng.choice(INSTITUTES)
    title_en = f"{adj_en} {top_en} {noun_en}"
    kind = "panel" if roll < 0.15 else "keynote" if roll < 0.2 else "talk"
    people = rng.sample(person_ids, 3)
    session: dict[str, Any] = {
        "id": f"{slug(title_en)}-{n:04d}",
        "title": {"en": title_en, "ko": f"{adj_ko} {top_ko} {noun_ko}"},
        "kind": kind,
        "speakers": people[: rng.randint(1, 3)] if kind != "panel" else people[1:],
        "abstract": {
            "en": f"{adj_en} {top_en.lower()} {noun_en.lower()} for {use_en}: results from "
            f"{inst_en}, and what it takes to move them from the lab to the factory.",
            "ko": f"{use_ko}용 {adj_ko} {top_ko} {noun_ko}: {inst_ko}의 연구 결과와 "
            "실험실에서 공장으로 옮기기 위한 과제.",
        },
    }
    if kind == "panel":
        session["chairs"] = people[:1]
    if rng.random() < 0.2:
        session["qa"] = True
    return session


def make_event(rng: random.Random) -> dict[str, Any]:
    """The whole event: 1,000 sessions, never two at once in one room."""
    people = make_people(rng)
    person_ids = [p["id"] for p in people]
    rooms = [{"id": slug(en), "name": {"en": en, "ko": ko}} for en, ko in ROOMS]
    sessions: list[dict[str, Any]] = []
    for day in DAYS:
        for r, room in enumerate(rooms):
            # Rooms start 0, 5 or 10 minutes past the slot, so /next sees staggered starts.
            first = datetime.combine(day, datetime.min.time()) + timedelta(
                hours=8, minutes=5 * (r % 3)
            )
            for slot in range(SLOTS_PER_DAY):
                start = first + timedelta(minutes=30 * slot)
                end = start + timedelta(minutes=rng.choice((20, 25)))
                session = make_session(rng, len(sessions), person_ids)
                session.update(
                    start=f"{start:%Y-%m-%d %H:%M}", end=f"{end:%Y-%m-%d %H:%M}", room=room["id"]
                )
                sessions.append(session)
    return {
        "event": {
            "name": {"en": "Battery Week 2026 (benchmark)", "ko": "배터리 위크 2026 (벤치마크)"},
            "timezone": ZONE,
            "dates": list(DAYS),
            "themes": [{"en": f"Day {i}", "ko": f"{i}일차"} for i in range(1, len(DAYS) + 1)],
        },
        "rooms": rooms,
        "people": people,
        "sessions": sessions,
    }


# 2. Agenda queries -----------------------------------------------------------------------


def misspell(rng: random.Random, text: str, edits: int = 2) -> str:
    """`text` with a few letters dropped, doubled or swapped."""
    chars = list(text)
    for _ in range(edits):
        i = rng.randrange(1, len(chars) - 1)
        op = rng.choice(("drop", "double", "swap"))
        if op == "drop":
            del chars[i]
        elif op == "double":
            chars.insert(i, chars[i])
        else:
            chars[i], chars[i + 1] = chars[i + 1], chars[i]
    return "".join(chars)


def query_makers(agenda: Agenda) -> dict[str, tuple[int, Callable[[random.Random], str]]]:
    """Each kind of query: its weight in the mix, and how to make one."""
    sessions = [s for s in agenda.sessions if s.kind != "break"]
    people = list(agenda.people.values())
    titles = [s.title.en for s in sessions]
    words = [w for pairs in (TOPICS, NOUNS, USES) for pair in pairs for w in pair]

    def title_part(rng: random.Random) -> str:
        s = rng.choice(sessions)
        title = s.title.en if rng.random() < 0.6 else s.title.ko
        parts = title.split()
        i = rng.randrange(len(parts) - 1)
        return " ".join(parts[i : i + 2])

    def search_words(rng: random.Random) -> str:
        return " ".join(rng.sample(words, rng.choice((1, 1, 2))))

    zones = ("America/Los_Angeles", "America/Los_Angeles", "Europe/Berlin", "event")
    unknown = ("/agendaa 1", "/sesion solid", "/speakr Kim", "/foo", "/시간표")
    return {
        "/agenda <n>": (10, lambda rng: f"/agenda {rng.randint(1, len(DAYS))}"),
        "/agenda today": (6, lambda rng: "/agenda today"),
        "/now": (8, lambda rng: "/now"),
        "/next": (8, lambda rng: "/next"),
        "/session <id>": (12, lambda rng: f"/session {rng.choice(agenda.sessions).id}"),
        "/session <part>": (10, lambda rng: f"/session {title_part(rng)}"),
        "/session <fuzzy>": (8, lambda rng: f"/session {misspell(rng, rng.choice(titles))}"),
        "/speaker <en>": (8, lambda rng: f"/speaker {rng.choice(people).name.en}"),
        "/speaker <ko>": (6, lambda rng: f"/speaker {rng.choice(people).name.ko}"),
        "/search <words>": (12, lambda rng: f"/search {search_words(rng)}"),
        "/timezone <zone>": (4, lambda rng: f"/timezone {rng.choice(zones)}"),
        "/language <en|ko>": (4, lambda rng: f"/language {rng.choice(('ko', 'ko', 'en'))}"),
        "unknown command": (4, lambda rng: rng.choice(unknown)),
    }


def make_queries(agenda: Agenda, rng: random.Random, count: int) -> list[tuple[str, str, int]]:
    """`count` queries as (kind, line, user number), drawn with the mix's weights."""
    makers = query_makers(agenda)
    kinds = rng.choices(list(makers), weights=[w for w, _ in makers.values()], k=count)
    return [(kind, makers[kind][1](rng), rng.randrange(USERS)) for kind in kinds]


@dataclass
class QueryRun:
    """Latencies (seconds) per query kind, and how many answers were refusals or crashes."""

    latencies: dict[str, list[float]]
    errors: dict[str, int]
    internal: int = 0
    count: int = 0
    wall: float = 0.0


async def run_queries(
    config: EventConfig, db_path: Path, queries: list[tuple[str, str, int]], budget: float
) -> QueryRun:
    """Send the queries through a real core over a fresh store, timing each dispatch;
    stop early once `budget` seconds have passed (0: no budget)."""
    store = await open_store(db_path)
    try:
        # Day 2, 11:10 in Seoul: sessions are running and more are about to start.
        at = datetime.combine(DAYS[1], datetime.min.time(), ZoneInfo(ZONE)) + timedelta(
            hours=11, minutes=10
        )
        core: Core = await build_core(config, store, SimulatedClock(at, speed=0))
        users = [UserRef("console", f"u{i:03d}", f"user {i}") for i in range(USERS)]
        channel = ChannelRef("console", "terminal")
        crash_texts = set(MESSAGES["error.internal"].values())
        run = QueryRun(defaultdict(list), defaultdict(int))
        began = time.perf_counter()
        for kind, line, uid in queries:
            t0 = time.perf_counter()
            reply = await core.dispatch_text("console", line, users[uid], channel)
            run.latencies[kind].append(time.perf_counter() - t0)
            run.errors[kind] += reply.error
            run.internal += reply.text in crash_texts
            run.count += 1
            if budget and time.perf_counter() - began > budget:
                break
        run.wall = time.perf_counter() - began
        return run
    finally:
        await store.close()


# 3 and 4. Start-up and memory of `forum-bot run` ------------------------------------------


@dataclass
class BotRun:
    """One `forum-bot run`: seconds to the welcome line, peak RSS in kB, seconds to exit."""

    start: float
    hwm_kb: int
    stop: float


def _vm_hwm_kb(pid: int) -> int:
    """The process's peak resident set so far (Linux), in kB; 0 where /proc has none."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    m = re.search(r"^VmHWM:\s+(\d+) kB", status, re.MULTILINE)
    return int(m.group(1)) if m else 0


def _line(stream: IO[bytes]) -> str:
    """The next line the bot prints; stops the benchmark if the bot ended instead."""
    line = stream.readline()
    if not line:
        raise RuntimeError("forum-bot ended early; its stderr follows")
    return line.decode("utf-8", "replace")


def bot_run(config_path: Path, db_path: Path, heavy: list[str], log: IO[bytes]) -> BotRun:
    """Start the bot, wait for its welcome, send `heavy` commands, read its peak RSS, quit."""
    env = {**os.environ, "FORUM_BOT_WEB_PORT": "0", "FORUM_BOT_WEB_HOST": "127.0.0.1"}
    args = [sys.executable, "-m", "bot", "run", "--config", str(config_path), "--db", str(db_path)]
    began = time.perf_counter()
    proc = subprocess.Popen(
        args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log, env=env, cwd=db_path.parent
    )
    watchdog = threading.Timer(60, proc.kill)  # a hung bot must not hang the benchmark
    watchdog.start()
    try:
        assert proc.stdin is not None
        assert proc.stdout is not None
        welcome = _line(proc.stdout)
        start = time.perf_counter() - began
        if "/quit" not in welcome:
            raise RuntimeError(f"unexpected first line: {welcome!r}")
        # A piped terminal echoes each command as "> line" before answering it, one at a
        # time: when the marker's echo appears, every heavy command has been answered.
        marker = "/bench-marker"
        proc.stdin.write("".join(f"{c}\n" for c in [*heavy, marker]).encode())
        proc.stdin.flush()
        while not _line(proc.stdout).startswith(f"> {marker}"):
            pass
        hwm_kb = _vm_hwm_kb(proc.pid)
        quit_at = time.perf_counter()
        proc.communicate(b"/quit\n", timeout=30)
        stop = time.perf_counter() - quit_at
    finally:
        watchdog.cancel()
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    if proc.returncode != 0:
        raise RuntimeError(f"forum-bot exited with {proc.returncode}")
    return BotRun(start, hwm_kb, stop)


# Report --------------------------------------------------------------------------------


def report_queries(run: QueryRun) -> None:
    """Overall latency and throughput, then the same per kind of query."""
    every = sorted(x for xs in run.latencies.values() for x in xs)
    print(f"\n{run.count:,} agenda queries from {USERS} users, one at a time:")
    if run.count < QUERIES:
        print(
            f"(only {run.count:,} of {QUERIES:,} queries: the {QUERY_BUDGET_S:g} s budget ran out)"
        )
    FIGURES.figure("agenda query p50", percentile(every, 0.50) * 1e3, "ms")
    FIGURES.figure("agenda query p99", percentile(every, 0.99) * 1e3, "ms", QUERY_P99_MS)
    FIGURES.figure("agenda query max", every[-1] * 1e3, "ms")
    FIGURES.figure("agenda query throughput", run.count / run.wall, "q/s")
    print(f"  {'kind':<20} {'n':>5} {'refused':>7} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8}")
    for kind, xs in sorted(run.latencies.items(), key=lambda kv: -percentile(sorted(kv[1]), 0.99)):
        xs = sorted(xs)
        print(
            f"  {kind:<20} {len(xs):>5} {run.errors[kind]:>7} {percentile(xs, 0.5) * 1e3:>8.2f}"
            f" {percentile(xs, 0.99) * 1e3:>8.2f} {xs[-1] * 1e3:>8.2f}"
        )
    if run.internal:
        print(f"  !! {run.internal} answers were 'something went wrong' (see the log above)")


def main() -> int:
    """Run every measurement and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true", help="run all queries, however slow")
    parser.add_argument("--profile", action="store_true", help="profile the query mix")
    options = parser.parse_args()
    rng = random.Random(SEED)
    print(f"forum-bot agenda benchmark: Python {sys.version.split()[0]}, {os.cpu_count()} CPUs")
    with tempfile.TemporaryDirectory(prefix="forum-bench-") as tmp_name:
        tmp = Path(tmp_name)
        config_path = tmp / "event.yaml"
        dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)  # libyaml: 4x faster
        text = yaml.dump(make_event(rng), Dumper=dumper, allow_unicode=True, sort_keys=False)
        config_path.write_text(text, encoding="utf-8")
        t0 = time.perf_counter()
        config = load_event(config_path)
        t1 = time.perf_counter()
        agenda = build_agenda(config)
        t2 = time.perf_counter()
        print(
            f"event: {len(agenda.sessions)} sessions, {len(agenda.rooms)} rooms, "
            f"{len(agenda.people)} people over {len(agenda.days)} days, "
            f"{config_path.stat().st_size / 1e3:.0f} kB of YAML"
        )
        print()
        FIGURES.figure("load_event (parse + validate)", (t1 - t0) * 1e3, "ms")
        FIGURES.figure("build_agenda (index)", (t2 - t1) * 1e3, "ms")

        queries = make_queries(agenda, rng, QUERIES)
        budget = 0.0 if options.full else QUERY_BUDGET_S
        report_queries(asyncio.run(run_queries(config, tmp / "queries.sqlite", queries, budget)))

        # The heaviest commands: the longest day, a broad search and a fuzzy title.
        heavy = ["/agenda 1", "/search battery", f"/session {misspell(rng, 'Solid-State Design')}"]
        with open(tmp / "bot.log", "wb") as log:
            try:
                # One untimed run first, so every timed one finds the disk cache warm.
                runs = [
                    bot_run(config_path, tmp / f"run{i}.sqlite", heavy, log)
                    for i in range(START_RUNS + 1)
                ][1:]
            except (RuntimeError, subprocess.TimeoutExpired) as exc:
                log.flush()
                print(f"forum-bot run failed: {exc}\n{(tmp / 'bot.log').read_text()}")
                return 0
        starts = [r.start for r in runs]
        print(f"\nforum-bot run, {START_RUNS} times after one warm-up run:")
        FIGURES.figure("start-up to welcome, median", statistics.median(starts), "s", START_S)
        FIGURES.figure("start-up to welcome, max", max(starts), "s", START_S)
        FIGURES.figure("shutdown after /quit, max", max(r.stop for r in runs), "s")
        # VmHWM is the bot's own peak, read after the heavy commands, just before /quit.
        # Not getrusage(RUSAGE_CHILDREN).ru_maxrss: on Linux a child's maxrss starts from
        # its parent's RSS at fork, so it would report this benchmark's own size (which
        # holds the same agenda) whenever that is larger than the bot's.
        hwm_mb = max(r.hwm_kb for r in runs) * 1024 / 1e6
        if hwm_mb:
            FIGURES.figure("peak RSS (VmHWM), max of runs", hwm_mb, "MB", RSS_MB)
        else:
            print("peak RSS: not measured (no /proc/<pid>/status here)")

        if options.profile:
            db_path = tmp / "profile.sqlite"
            profile(lambda: asyncio.run(run_queries(config, db_path, queries, QUERY_BUDGET_S)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
