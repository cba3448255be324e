"""Benchmark: calendar apps polling their private feeds (`/calendar/<token>.ics`).

What runs: forum-bot's real web server (`bot.web.server.WebServer` with every page, over
a real `Core` and SQLite `Store` in a temporary folder, on a simulated clock stopped the
day before the event) on the loop forum-bot runs on, twice: over the sample event (13
sessions) and over a conference-sized programme (1,000 sessions, made as bench/agenda.py
makes it). `--people` participants each set a /remind (each a different number of
minutes, so each feed is a file of its own) and ask `/calendar all` (the whole programme,
their alarm on it: the largest file). The client is aiohttp in the same process, on one
keep-alive connection, one request at a time.

Figures, for each programme (median and p99 of the round trip, client included):
- a full build: the first fetch after the agenda changed (here: the same programme built
  again, a new agenda object, so every kept file and VEVENT is dropped), which reads the
  SEQUENCE numbers and writes every VEVENT (icalendar);
- each person's file after that: their first fetch, which writes only the VEVENT that
  carries their alarm and shares the others;
- the poll that finds nothing new: GET with If-None-Match of the ETag last given, a 304
  (the token's row, the person's reminders and language, the agenda's version, a hash);
- the floor: a bare aiohttp handler on the same server answering a fixed 304;
and the ratios of the poll's median to the full build's (target < 0.2: the 304 builds
nothing) and to the floor's (informational).

    python bench/feeds.py                 # 200 people, 2,000 polls, 20 and 5 full builds
    python bench/feeds.py --people 50     # a quicker run

It is not a test: it never fails on time and always exits 0, marking a figure over its
target MISSED. Network only on 127.0.0.1; files only in a temporary folder.
"""

from __future__ import annotations

import argparse
import random
import re
import secrets
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # `python bench/feeds.py` puts bench/ first instead
    sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402
import yaml  # noqa: E402
from aiohttp import web  # noqa: E402

from bench.agenda import SEED, make_event  # noqa: E402
from bench.compare import run_in_folder  # noqa: E402
from bench.report import Figures, percentile  # noqa: E402

PEOPLE = 200
POLLS = 2_000
FULL_BUILDS = {13: 20, 1000: 5}  # by programme size: a full build of 1,000 takes seconds
RATIO_TARGET = 0.2
RUN_S = 600.0
FIGURES = Figures(label=40, target_at=56)
_ADDRESS = re.compile(r"https?://\S+/calendar/[0-9a-f]{32}\.ics")
_FLOOR_TAG = 'W/"0123456789abcdef0123456789abcdef"'


async def _floor(request: web.Request) -> web.Response:
    """The least an aiohttp handler does to answer a poll: a fixed 304."""
    return web.Response(status=304, headers={"ETag": _FLOOR_TAG, "Cache-Control": "no-cache"})


def _routes(app: web.Application) -> None:
    app.router.add_get("/_bench/floor", _floor)


async def _timed(times: list[float], request: Callable[[], Awaitable[int]], want: int) -> None:
    t0 = time.perf_counter()
    status = await request()
    times.append((time.perf_counter() - t0) * 1e3)
    if status != want:
        raise RuntimeError(f"answered {status}, not {want}")


async def _programme(folder: Path, config_path: Path | None, people: int, polls: int) -> None:
    """Serve one programme, subscribe `people`, time the three paths and print them."""
    from bot.app import build_core, settle_memory
    from bot.core.clock import SimulatedClock
    from bot.core.model import ChannelRef, UserRef, plain
    from bot.programme.building import build_agenda
    from bot.settings import default_config_path, load_event
    from bot.storage import open_store
    from bot.web.server import WebServer

    config = load_event(config_path or default_config_path())
    store = await open_store(folder / f"feeds-{len(config.sessions)}.sqlite")
    start = min(s.start for s in config.sessions)
    clock = SimulatedClock(start - timedelta(days=1), speed=0)
    core = await build_core(config, store, clock, secrets.token_bytes(32))

    async def health() -> dict[str, Any]:
        return {"status": "ok"}

    server = WebServer("127.0.0.1", 0, health, core.qa, [_routes])
    port = await server.start()
    base = core.qa.web_url = f"http://127.0.0.1:{port}"
    session = core.agenda.sessions[len(core.agenda.sessions) // 2].id
    urls: list[str] = []
    for n in range(people):
        user, where = UserRef("bench", f"u{n}", f"u{n}"), ChannelRef("bench", "c")
        await core.dispatch_text("bench", f"/remind {session} {n + 1}", user, where)
        reply = await core.dispatch_text("bench", "/calendar all", user, where)
        assert reply.card is not None, plain(reply.text)
        found = _ADDRESS.search(" ".join(plain(line) for line in reply.card.lines))
        assert found is not None, reply.card.lines
        urls.append(found.group(0))
    settle_memory()
    print(
        f"\n{len(core.agenda.sessions):,} sessions, {people} people subscribed "
        f"(each feed the whole programme, with one alarm)"
    )
    full: list[float] = []
    builds: list[float] = []
    polled: list[float] = []
    floor: list[float] = []
    tags: list[str] = []
    size = 0
    # The same programme, built again: each a new version (and the same ETags).
    agendas = [build_agenda(config) for _ in range(FULL_BUILDS.get(len(config.sessions), 5))]
    async with aiohttp.ClientSession() as http:
        for agenda in agendas:
            core.agenda = agenda

            async def whole() -> int:
                async with http.get(urls[0]) as got:
                    await got.read()
                    return got.status

            await _timed(full, whole, 200)
        for url in urls:  # each person's first fetch: a file of its own

            async def first(url: str = url) -> int:
                nonlocal size
                async with http.get(url) as got:
                    size = len(await got.read())
                    tags.append(got.headers["ETag"])
                    return got.status

            await _timed(builds, first, 200)
        rng = random.Random(SEED)
        for _ in range(polls):
            n = rng.randrange(people)

            async def poll(n: int = n) -> int:
                async with http.get(urls[n], headers={"If-None-Match": tags[n]}) as got:
                    await got.read()
                    return got.status

            async def bare() -> int:
                async with http.get(f"{base}/_bench/floor") as got:
                    await got.read()
                    return got.status

            # Alternated, so both see the same machine at the same moment.
            await _timed(polled, poll, 304)
            await _timed(floor, bare, 304)
    await server.stop()
    await store.close()
    for label, times in (
        ("304, nothing new", polled),
        ("200, full build", full),
        ("200, a person's file", builds),
    ):
        times.sort()
        FIGURES.figure(f"{label}: median", statistics.median(times), "ms")
        FIGURES.figure(f"{label}: p99", percentile(times, 0.99), "ms")
    floor.sort()
    FIGURES.figure("bare aiohttp 304 (floor): median", statistics.median(floor), "ms")
    print(f"{'file size:':<40} {size / 1e3:8.1f} kB")
    poll_ms = statistics.median(polled)
    FIGURES.figure("304 / full build, medians", poll_ms / statistics.median(full), "", RATIO_TARGET)
    FIGURES.figure("304 / floor, medians", poll_ms / statistics.median(floor), "")


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--people", type=int, default=PEOPLE, help="subscribed participants")
    parser.add_argument("--polls", type=int, default=POLLS, help="timed polls per programme")
    options = parser.parse_args()
    people, polls = max(1, min(options.people, 1440)), max(1, options.polls)

    async def bench(folder: Path) -> None:
        big = folder / "event.yaml"
        dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
        event = make_event(random.Random(SEED))
        big.write_text(yaml.dump(event, Dumper=dumper, allow_unicode=True), encoding="utf-8")
        await _programme(folder, None, people, polls)
        await _programme(folder, big, people, polls)

    print(f"forum-bot calendar feed benchmark: Python {sys.version.split()[0]}")
    return run_in_folder(bench, RUN_S)


if __name__ == "__main__":
    sys.exit(main())
