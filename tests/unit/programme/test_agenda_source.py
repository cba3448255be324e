"""A live agenda source: a schedule JSON served from 127.0.0.1 with ETags, read again by
the running bot; a change is posted and re-plans reminders, a 304 changes nothing, and a
failing source keeps the last good agenda."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import io
import json
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import pytest_asyncio
from aiohttp import web

from bot.app import build_core
from bot.core.clock import SimulatedClock
from bot.platforms.console.adapter import ConsoleAdapter
from bot.programme.building import build_agenda
from bot.programme.formats import config_data
from bot.programme.frab import to_frab_json
from bot.runtime import Runtime
from bot.settings import EventConfig, SessionConfig, SourceConfig
from bot.storage import open_store

KST = "+09:00"


def at(hhmm: str) -> datetime:
    return datetime.fromisoformat(f"2026-02-05T{hhmm}:00{KST}")


@dataclass
class Schedule:
    """A conference system's schedule.json, with ETag and 304 like pretalx's."""

    body: bytes = b""
    status: int = 200
    requests: int = 0
    not_modified: int = 0
    conditional: list[str] = field(default_factory=list)
    since: list[str] = field(default_factory=list)

    async def serve(self, request: web.Request) -> web.Response:
        self.requests += 1
        if self.status != 200:
            return web.Response(status=self.status, text="down for maintenance")
        etag = '"' + hashlib.sha256(self.body).hexdigest()[:16] + '"'
        asked = request.headers.get("If-None-Match")
        if asked:
            self.conditional.append(asked)
        since = request.headers.get("If-Modified-Since")
        if since:
            self.since.append(since)
        if asked == etag:
            self.not_modified += 1
            return web.Response(status=304, headers={"ETag": etag})
        modified = "Thu, 05 Feb 2026 00:00:00 GMT"
        return web.Response(
            body=self.body,
            content_type="application/json",
            headers={"ETag": etag, "Last-Modified": modified},
        )


def programme(config: EventConfig, moves: dict[str, int] | None = None) -> bytes:
    """The event's programme as frab JSON, with some sessions moved by minutes."""
    sessions: list[SessionConfig] = []
    for s in config.sessions:
        shift = timedelta(minutes=(moves or {}).get(s.id, 0))
        sessions.append(s.model_copy(update={"start": s.start + shift, "end": s.end + shift}))
    moved = config.model_copy(update={"sessions": sessions})
    return json.dumps(to_frab_json(build_agenda(moved), moved)).encode()


@dataclass
class World:
    runtime: Runtime
    clock: SimulatedClock
    schedule: Schedule
    out: io.StringIO

    async def tick(self, until: datetime) -> None:
        self.clock.set(until)
        await self.runtime.planner.fire_due()
        for sender in self.runtime.senders.values():
            await sender.drain()

    def posts(self) -> str:
        return self.out.getvalue()


@pytest_asyncio.fixture
async def world(event_config: EventConfig, tmp_path: Path) -> AsyncIterator[World]:
    schedule = Schedule(body=programme(event_config))
    app = web.Application()
    app.router.add_get("/schedule.json", schedule.serve)
    runner = web.AppRunner(app, shutdown_timeout=0.5)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    # The event file names the source; its own sessions are not the programme any more.
    config = event_config.model_copy(
        update={
            "sessions": [],
            "source": SourceConfig(
                url=f"http://127.0.0.1:{port}/schedule.json", format="frab-json"
            ),
        }
    )
    clock = SimulatedClock(at("12:00"), speed=0)
    store = await open_store(tmp_path / "bot.sqlite")
    core = await build_core(config, store, clock)
    out = io.StringIO()
    console = ConsoleAdapter(core, stdin=io.StringIO(""), stdout=out)
    runtime = Runtime(core, [console])
    await runtime.start()
    try:
        yield World(runtime, clock, schedule, out)
    finally:
        await runtime.stop()
        await store.close()
        await runner.cleanup()


async def test_the_source_is_the_programme_and_a_change_is_posted_and_replanned(
    world: World, event_config: EventConfig
) -> None:
    core = world.runtime.core
    assert sorted(s.id for s in core.agenda.sessions) == sorted(s.id for s in event_config.sessions)
    assert world.posts() == ""  # the first read at start is not news
    dialogue = core.agenda.session("dialogue")
    assert dialogue is not None and dialogue.start == at("13:00")

    # Unchanged: a conditional request, answered 304, changes nothing.
    assert await world.runtime.sync_source() == []
    assert world.schedule.not_modified == 1 and world.schedule.conditional
    assert world.schedule.since == ["Thu, 05 Feb 2026 00:00:00 GMT"]

    # The conference system moves the dialogue by half an hour.
    world.schedule.body = programme(event_config, {"dialogue": 30})
    changes = await world.runtime.sync_source()
    assert [(c.kind, c.session_id) for c in changes] == [("moved", "dialogue")]
    moved = core.agenda.session("dialogue")
    assert moved is not None and moved.start == at("13:30")
    for sender in world.runtime.senders.values():
        await sender.drain()
    assert "Schedule update" in world.posts() and "Dialogue with Global Scholars" in world.posts()

    # Reminders follow the new time: nothing at the old 12:45, the reminder at 13:15.
    before = world.posts()
    await world.tick(at("12:45"))
    assert world.posts() == before
    await world.tick(at("13:15"))
    assert "Starting in 15 min" in world.posts()[len(before) :]


async def test_a_failing_source_keeps_the_last_good_agenda(
    world: World, event_config: EventConfig, caplog: pytest.LogCaptureFixture
) -> None:
    core = world.runtime.core
    before = list(core.agenda.sessions)
    world.schedule.status = 503
    with caplog.at_level(logging.ERROR):
        assert await world.runtime.sync_source() == []
    assert "HTTP 503" in caplog.text and "keeping the last good agenda" in caplog.text
    world.schedule.status = 200
    world.schedule.body = b'{"schedule": {"conference": '  # cut off mid-file
    caplog.clear()
    with caplog.at_level(logging.ERROR):
        assert await world.runtime.sync_source() == []
    assert "keeping the last good agenda" in caplog.text
    world.schedule.body = programme(
        event_config, {"opening": 30}
    )  # overlaps the roundtable: refused
    caplog.clear()
    with caplog.at_level(logging.ERROR):
        assert await world.runtime.sync_source() == []
    assert "overlaps" in caplog.text
    assert core.agenda.sessions == before
    # Fixed at the source: taken at the next read.
    world.schedule.body = programme(event_config, {"lunch-day1": 5})
    changes = await world.runtime.sync_source()
    assert [c.session_id for c in changes] == ["lunch-day1"]


async def test_a_file_source_next_to_the_event_file(
    event_config: EventConfig, tmp_path: Path
) -> None:
    """A path is read relative to the event file's folder; unchanged content is no news."""
    from bot.programme.source import AgendaSource, SourceError
    from bot.programme.tabular import to_csv

    programme_csv = tmp_path / "programme.csv"
    programme_csv.write_text(to_csv(build_agenda(event_config)), encoding="utf-8")
    source = AgendaSource(
        SourceConfig(url="programme.csv"), config_data(event_config), folder=tmp_path
    )
    first = await source.poll()
    assert first is not None and len(first.sessions) == len(event_config.sessions)
    assert await source.poll() is None  # same bytes
    lines = programme_csv.read_text(encoding="utf-8").splitlines(keepends=True)
    moved = [
        line.replace("13:00+09:00", "13:30+09:00").replace("15:00+09:00", "15:30+09:00")
        if line.startswith("dialogue,")
        else line
        for line in lines
    ]
    assert moved != lines
    programme_csv.write_text("".join(moved), encoding="utf-8")
    changed = await source.poll()
    assert changed is not None
    assert {s.id: s.start.hour * 60 + s.start.minute for s in changed.sessions}["dialogue"] == (
        13 * 60 + 30
    )
    programme_csv.unlink()
    with pytest.raises(SourceError, match="cannot read"):
        await source.poll()


async def test_agenda_reload_reads_the_source_again(
    event_config: EventConfig, tmp_path: Path
) -> None:
    """/agenda-reload (and SIGHUP) with a source: the event file's settings, the source's
    programme, read again at once."""
    from bot.programme.tabular import to_csv
    from bot.settings import default_config_path, load_event

    def write_programme(shift: int) -> None:
        sessions = [
            s.model_copy(
                update={
                    "start": s.start + timedelta(minutes=shift),
                    "end": s.end + timedelta(minutes=shift),
                }
            )
            if s.id == "dialogue"
            else s
            for s in event_config.sessions
        ]
        moved = event_config.model_copy(update={"sessions": sessions})
        (tmp_path / "programme.csv").write_text(to_csv(build_agenda(moved)), encoding="utf-8")

    write_programme(0)
    event_file = tmp_path / "event.yaml"
    event_file.write_text(
        default_config_path().read_text(encoding="utf-8")
        + "\nsource:\n  url: programme.csv\n  format: csv\n",
        encoding="utf-8",
    )
    clock = SimulatedClock(at("12:00"), speed=0)
    store = await open_store(tmp_path / "bot.sqlite")
    core = await build_core(load_event(event_file), store, clock)
    out = io.StringIO()
    runtime = Runtime(
        core, [ConsoleAdapter(core, stdin=io.StringIO(""), stdout=out)], config_path=event_file
    )
    await runtime.start()
    try:
        write_programme(30)
        changes = await runtime.reload_agenda()
        assert [(c.kind, c.session_id) for c in changes] == [("moved", "dialogue")]
        moved = core.agenda.session("dialogue")
        assert moved is not None and moved.start == at("13:30")
        assert await runtime.reload_agenda() == []  # nothing new
    finally:
        await runtime.stop()
        await store.close()


async def test_a_failed_round_of_the_watch_is_logged_and_the_next_one_runs(
    world: World, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Found in review: one database error in a round ended the source's watch for good."""
    runtime = world.runtime
    assert runtime.source is not None
    # Rounds 30 ms apart instead of minutes.
    runtime.source.config = runtime.source.config.model_copy(update={"interval_minutes": 0.0005})
    rounds = 0
    again = asyncio.Event()

    async def sync(*, announce: bool = True, force: bool = False) -> list[object]:
        nonlocal rounds
        rounds += 1
        if rounds == 1:
            raise OSError("connection to the database lost")
        again.set()
        return []

    monkeypatch.setattr(runtime, "sync_source", sync)
    watch = asyncio.create_task(runtime._watch_source())
    try:
        with caplog.at_level(logging.ERROR, logger="bot.runtime"):
            await asyncio.wait_for(again.wait(), 10)
    finally:
        watch.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await watch
    assert "agenda source: this round failed" in caplog.text
    assert "connection to the database lost" in caplog.text
