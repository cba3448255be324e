"""Several instances on one PostgreSQL follow every agenda change, whichever instance made
it (bot/runtime.py, bot/storage/agendas.py, bot/cluster.py's AgendaRelay): the others
answer from it, the leader plans from it, an instance starting later serves it, and only
the instance that applied it announces it. Each instance is wired as `forum-bot run`
wires one (bot/app.py's _join_cluster), with a real Slack adapter on one fake Slack."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from bot.app import App, _join_cluster, _shutdown, build_core
from bot.cluster import AgendaRelay
from bot.core.clock import SimulatedClock
from bot.core.model import ChannelRef, Reply, Role, UserRef, plain
from bot.platforms.slack.adapter import SlackAdapter, SlackSettings
from bot.programme import stored
from bot.programme.building import build_agenda
from bot.runtime import Runtime
from bot.settings import (
    EventConfig,
    PlatformConfig,
    Settings,
    SourceConfig,
    default_config_path,
    load_event,
)
from bot.storage import agendas, open_store, outbox
from bot.storage.outbox import Delivery
from bot.storage.postgres import PostgresStore
from tests.fakes.slack_server import FakeSlack
from tests.fakes.world import keep_clients_local
from tests.postgres import PostgresServer
from tests.unit.programme.test_agenda_source import programme

SECRET, TOKEN = "agenda-signing-secret", "xoxb-agenda"
S_ANNOUNCE, S_SCHEDULE = "C0ANNOUNCE", "C0SCHEDULE"
WAIT = 15.0  # seconds a change may take to reach another instance (a notice: milliseconds)
BOB = UserRef("slack", "U2", "bob")
ORGANISER = frozenset({Role.PARTICIPANT, Role.MODERATOR, Role.ORGANISER})


def at(hhmm: str) -> datetime:
    return datetime.fromisoformat(f"2026-02-05T{hhmm}:00+09:00")


@pytest_asyncio.fixture
async def url(postgres: PostgresServer) -> AsyncIterator[str]:
    """One database for the instances of a test."""
    where = await postgres.new_database()
    yield where
    await postgres.recycle(where)


@pytest_asyncio.fixture
async def slack(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[FakeSlack]:
    """The one Slack workspace every instance posts to."""
    keep_clients_local(monkeypatch)
    channels = {"announcements": S_ANNOUNCE, "schedule": S_SCHEDULE}
    async with FakeSlack(signing_secret=SECRET, bot_token=TOKEN, channels=channels) as fake:
        yield fake


def _event_file(folder: Path, name: str, dialogue: tuple[str, str] | None = None) -> Path:
    """The sample event file, the dialogue (13:00 to 15:00) at other times if given."""
    text = default_config_path().read_text(encoding="utf-8")
    if dialogue is not None:
        old = "start: 2026-02-05 13:00\n    end: 2026-02-05 15:00\n    room: grand-hall"
        assert text.count(old) == 1
        start, end = dialogue
        new = f"start: 2026-02-05 {start}\n    end: 2026-02-05 {end}\n    room: grand-hall"
        text = text.replace(old, new)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


async def _instance(
    url: str,
    path: Path,
    slack: FakeSlack,
    clock: SimulatedClock,
    source: SourceConfig | None = None,
) -> App:
    """One `forum-bot run` on the database: its Slack adapter started, then its running
    side as bot/app.py starts it on PostgreSQL (the first to start leads); its programme
    from `source` when given."""
    platforms = {
        "slack": PlatformConfig(
            channels={"announcements": S_ANNOUNCE, "schedule": S_SCHEDULE}, roles={}
        )
    }
    config = load_event(path).model_copy(update={"platforms": platforms, "source": source})
    store = await open_store(url)
    core = await build_core(config, store, clock)
    app = App(Settings(), config, store, core)
    adapter = SlackAdapter(
        core,
        SlackSettings(TOKEN, SECRET, api_base=slack.api_base, pace_seconds=0.0),
        config.platforms["slack"],
    )
    app.adapters.append(adapter)
    try:
        await adapter.start()
        await _join_cluster(app, path)
    except BaseException:
        await _shutdown(app)
        raise
    return app


def _runtime(app: App) -> Runtime:
    assert app.runtime is not None
    return app.runtime


def _dialogue(app: App) -> datetime:
    found = app.core.agenda.session("dialogue")
    assert found is not None
    return found.start


def _first_reminder(app: App) -> datetime:
    """When the leader's plan reminds of the dialogue first."""
    return min(d.at for d in _runtime(app).planner.items.values() if d.ref == "dialogue")


async def _until(condition: Callable[[], bool | Awaitable[bool]], what: str) -> None:
    """Wait (bounded) until `condition` holds: a notice from another instance."""
    loop = asyncio.get_running_loop()
    began = loop.time()
    while True:
        held = condition()
        if not isinstance(held, bool):
            held = await held
        if held:
            return
        assert loop.time() - began < WAIT, what
        await asyncio.sleep(0.01)


async def _announced(
    slack: FakeSlack, *apps: App, posts: int, dms: int = 0
) -> tuple[list[str], list[str]]:
    """Check that the change was queued once, then wait until Slack has it: (schedule
    posts, DMs) as Slack got them, to be exactly as many as queued."""
    rows = await apps[0].store.fetchall(
        "SELECT target_kind FROM outbox WHERE topic LIKE 'update:%' ORDER BY target_kind"
    )
    assert [r[0] for r in rows] == ["channel"] * posts + ["dm"] * dms

    def got() -> tuple[list[str], list[str]]:
        return (
            [m.text for m in slack.messages_in(S_SCHEDULE)],  # nothing else goes there
            [m.text for m in slack.messages if m.channel.startswith("D")],
        )

    async def arrived() -> bool:
        # A sender's own loop may hold a claim that a drain passes over: look again.
        for app in apps:
            for sender in _runtime(app).senders.values():
                await sender.drain()
        return tuple(map(len, got())) == (posts, dms)

    await _until(arrived, "Slack got the update")
    return got()


def _said(reply: Reply) -> str:
    parts = [plain(reply.text)]
    if reply.card is not None:
        parts += [reply.card.title, *(f"{f.name}: {f.value}" for f in reply.card.fields)]
        parts += [plain(line) for line in reply.card.lines]
    return "\n".join(parts)


async def test_a_reload_on_a_follower_reaches_the_leaders_plan_and_is_announced_once(
    url: str, slack: FakeSlack, tmp_path: Path
) -> None:
    clock = SimulatedClock(at("08:00"), speed=0)
    leader = await _instance(url, _event_file(tmp_path, "a.yaml"), slack, clock)
    path = _event_file(tmp_path, "b.yaml")
    follower = await _instance(url, path, slack, clock)
    try:
        assert leader.cluster is not None and leader.cluster.leading.is_set()
        assert follower.cluster is not None and not follower.cluster.leading.is_set()
        reply = await follower.core.dispatch_text(
            "slack", "/remind dialogue 10", BOB, ChannelRef("slack", "c")
        )
        assert not reply.error, _said(reply)
        before = _first_reminder(leader)
        assert before == at("12:45")
        # The organiser edits the follower's file and reloads it there (SIGHUP, or the
        # command on a platform whose request this instance happened to serve).
        _event_file(tmp_path, path.name, ("14:00", "16:00"))
        reply = await follower.core.dispatch_text(
            "slack",
            "/agenda-reload",
            UserRef("slack", "U7", "olga"),
            ChannelRef("slack", "c"),
            ORGANISER,
        )
        assert not reply.error, _said(reply)
        assert _dialogue(follower) == at("14:00")
        await _until(lambda: _dialogue(leader) == at("14:00"), "the leader took the change")
        # The leader plans from it: its first reminder of the dialogue moved by the hour.
        await _until(
            lambda: _first_reminder(leader) == before + timedelta(hours=1), "the leader replanned"
        )
        assert _runtime(leader).agenda_version == _runtime(follower).agenda_version == 1
        # Announced once, by the follower that applied it: one post, one DM to bob.
        await _announced(slack, leader, follower, posts=1, dms=1)
        # The leader's later plan (a change it hears again by its poll) announces nothing.
        assert not await _runtime(leader).follow_agenda()
        await _announced(slack, leader, follower, posts=1, dms=1)
    finally:
        await _shutdown(follower)
        await _shutdown(leader)


async def test_a_reload_on_the_leader_reaches_the_followers_answers(
    url: str, slack: FakeSlack, tmp_path: Path
) -> None:
    clock = SimulatedClock(at("08:00"), speed=0)
    path = _event_file(tmp_path, "a.yaml")
    leader = await _instance(url, path, slack, clock)
    follower = await _instance(url, _event_file(tmp_path, "b.yaml"), slack, clock)
    where = ChannelRef("slack", "c")
    try:
        answer = _said(await follower.core.dispatch_text("slack", "/session dialogue", BOB, where))
        assert "13:00" in answer and "14:00" not in answer, answer
        _event_file(tmp_path, path.name, ("14:00", "16:00"))
        changes = await _runtime(leader).reload_agenda()
        assert [c.kind for c in changes] == ["moved"]
        await _until(lambda: _dialogue(follower) == at("14:00"), "the follower took the change")
        answer = _said(await follower.core.dispatch_text("slack", "/session dialogue", BOB, where))
        assert "14:00" in answer, answer
        await _announced(slack, leader, follower, posts=1)
    finally:
        await _shutdown(follower)
        await _shutdown(leader)


async def test_an_instance_starting_later_serves_the_agenda_in_force(
    url: str, slack: FakeSlack, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    clock = SimulatedClock(at("08:00"), speed=0)
    path = _event_file(tmp_path, "a.yaml")
    leader = await _instance(url, path, slack, clock)
    try:
        _event_file(tmp_path, path.name, ("14:00", "16:00"))
        assert len(await _runtime(leader).reload_agenda()) == 1
        # A new instance on another machine, whose copy of the file is the old one.
        with caplog.at_level(logging.INFO, logger="bot.runtime"):
            late = await _instance(url, _event_file(tmp_path, "c.yaml"), slack, clock)
        try:
            assert _dialogue(late) == at("14:00")
            assert _runtime(late).agenda_version == 1
            assert (
                "agenda: serving version 1 from the database (applied by "
                f"{_runtime(leader).origin}" in caplog.text
            )
            assert "not c.yaml's programme" in caplog.text
        finally:
            await _shutdown(late)
    finally:
        await _shutdown(leader)


async def test_the_agenda_kept_is_the_applied_one_exactly(
    url: str, event_config: EventConfig
) -> None:
    """JSON and back changes nothing a diff would see, nor anything else of a session."""
    agenda = build_agenda(event_config)
    back = stored.loads(stored.dumps(agenda))
    assert back.sessions == agenda.sessions
    assert (back.event, back.rooms, back.people) == (agenda.event, agenda.rooms, agenda.people)
    store = await open_store(url)
    try:
        assert await agendas.version(store) == 0 and await agendas.latest(store) is None
        text = stored.dumps(agenda)
        for expected in (0, 1):
            async with store.transaction() as tx:
                got = await agendas.record(tx, text, "i1", at("08:00"), expected=expected)
                assert got == expected + 1
        # One that read version 1 before another recorded 2 records nothing.
        for stale in (0, 1):
            async with store.transaction() as tx:
                assert await agendas.record(tx, text, "i2", at("08:00"), expected=stale) is None
        kept = await agendas.latest(store)
        assert kept is not None and (kept.version, kept.applied_by) == (2, "i1")
        assert stored.loads(kept.agenda).sessions == agenda.sessions
    finally:
        await store.close()


async def test_the_relay_follows_at_a_notice_and_by_its_poll_when_notices_are_lost(
    url: str, event_config: EventConfig
) -> None:
    store = await open_store(url)
    assert isinstance(store, PostgresStore)
    heard = asyncio.Event()

    async def follow() -> None:
        heard.set()

    # A poll that never comes within the test: only the notice can wake it.
    by_notice = AgendaRelay(store, follow, poll=3600)
    await by_notice.start()
    try:
        async with store.transaction() as tx:
            text = stored.dumps(build_agenda(event_config))
            await agendas.record(tx, text, "i1", at("08:00"), expected=0)
        await asyncio.wait_for(heard.wait(), WAIT)
    finally:
        await by_notice.stop()
    # Its LISTEN connection gone (a network cut): the poll still looks.
    heard.clear()
    by_poll = AgendaRelay(store, follow, poll=0.05)
    await by_poll.start()
    try:
        assert by_poll._conn is not None
        by_poll._conn.terminate()
        await asyncio.wait_for(heard.wait(), WAIT)
    finally:
        await by_poll.stop()
        await store.close()


async def test_the_leaders_agenda_source_reaches_the_followers_and_is_announced_once(
    url: str, slack: FakeSlack, tmp_path: Path, event_config: EventConfig
) -> None:
    clock = SimulatedClock(at("08:00"), speed=0)
    schedule = tmp_path / "schedule.json"
    schedule.write_bytes(programme(event_config, {"dialogue": 30}))
    source = SourceConfig(url=str(schedule), format="frab-json")
    leader = await _instance(url, _event_file(tmp_path, "a.yaml"), slack, clock, source)
    follower = await _instance(url, _event_file(tmp_path, "b.yaml"), slack, clock, source)
    try:
        # The leader read the source at start, quietly, and kept it: the follower, which
        # reads no source, serves it from the start.
        assert _dialogue(leader) == _dialogue(follower) == at("13:30")
        schedule.write_bytes(programme(event_config, {"dialogue": 60}))
        assert [c.kind for c in await _runtime(leader).sync_source()] == ["moved"]
        await _until(lambda: _dialogue(follower) == at("14:00"), "the follower took the change")
        await _announced(slack, leader, follower, posts=1)  # the start said nothing
    finally:
        await _shutdown(follower)
        await _shutdown(leader)


async def test_a_kept_agenda_this_bot_cannot_read_leaves_its_own_in_force(
    url: str, event_config: EventConfig, caplog: pytest.LogCaptureFixture
) -> None:
    """Found in review: a kept agenda written by another version of the bot (or damaged)
    must not stop the start, nor be reported at every round."""
    store = await open_store(url)
    clock = SimulatedClock(at("08:00"), speed=0)
    try:
        async with store.transaction() as tx:
            await agendas.record(tx, '{"event": {}}', "i9", at("08:00"), expected=0)
        runtime = Runtime(await build_core(event_config, store, clock), [])
        with caplog.at_level(logging.ERROR, logger="bot.runtime"):
            await runtime.start(plan=False)
            assert not await runtime.follow_agenda()
        try:
            assert runtime.core.agenda.sessions == build_agenda(event_config).sessions
            assert runtime.agenda_version == 1
            said = [r.getMessage() for r in caplog.records]
            assert len(said) == 1 and "version 1 in the database (applied by i9)" in said[0]
        finally:
            await runtime.stop()
    finally:
        await store.close()


async def test_the_same_edit_reloaded_on_every_machine_is_announced_once(
    url: str, slack: FakeSlack, tmp_path: Path
) -> None:
    """`forum-bot reload` on each machine after copying the file to each: the first applies
    and announces it, the others find nothing new, even one whose notice was lost."""
    clock = SimulatedClock(at("08:00"), speed=0)
    a_file, b_file = _event_file(tmp_path, "a.yaml"), _event_file(tmp_path, "b.yaml")
    leader = await _instance(url, a_file, slack, clock)
    follower = await _instance(url, b_file, slack, clock)
    try:
        assert follower.agendas is not None
        await follower.agendas.stop()  # it hears no notice (nor polls) from here on
        for path in (a_file, b_file):
            _event_file(tmp_path, path.name, ("14:00", "16:00"))
        assert len(await _runtime(leader).reload_agenda()) == 1
        assert _dialogue(follower) == at("13:00")  # not heard
        assert await _runtime(follower).reload_agenda() == []
        assert _dialogue(follower) == at("14:00")
        await _announced(slack, leader, follower, posts=1)
    finally:
        await _shutdown(follower)
        await _shutdown(leader)


async def test_a_new_leader_announces_the_source_change_its_dead_predecessor_missed(
    url: str, slack: FakeSlack, tmp_path: Path, event_config: EventConfig
) -> None:
    """Found in review: a takeover read the source quietly, so a change that reached it
    after the old leader's last poll went unannounced, its old reminders still queued."""
    clock = SimulatedClock(at("08:00"), speed=0)
    schedule = tmp_path / "schedule.json"
    schedule.write_bytes(programme(event_config, {"dialogue": 30}))
    source = SourceConfig(url=str(schedule), format="frab-json")
    leader = await _instance(url, _event_file(tmp_path, "a.yaml"), slack, clock, source)
    follower = await _instance(url, _event_file(tmp_path, "b.yaml"), slack, clock, source)
    running = [follower, leader]
    try:
        assert _runtime(leader).agenda_version == 1  # the first start kept it, quietly
        reply = await follower.core.dispatch_text(
            "slack", "/remind dialogue 10", BOB, ChannelRef("slack", "c")
        )
        assert not reply.error, _said(reply)
        # A reminder of the old time queued and not yet sent (on a platform no instance
        # here sends to, so that it stays queued).
        stale = Delivery("stale", "session:dialogue", "discord", "dm", "u1", Reply("13:30"))
        await outbox.enqueue(leader.store, [stale], clock.now())
        schedule.write_bytes(programme(event_config, {"dialogue": 60}))
        running.remove(leader)
        await _shutdown(leader)  # before its next poll
        assert follower.cluster is not None
        await follower.cluster.step()  # the lead is free: the follower takes it
        assert follower.cluster.leading.is_set()
        assert _dialogue(follower) == at("14:00")
        assert _runtime(follower).agenda_version == 2
        assert _first_reminder(follower) == at("13:45")
        rows = await follower.store.fetchall("SELECT status FROM outbox WHERE dedup_key = 'stale'")
        assert [r[0] for r in rows] == [outbox.CANCELLED]
        await _announced(slack, follower, posts=1, dms=1)
    finally:
        for app in running:
            await _shutdown(app)


def _meet_at_record(monkeypatch: pytest.MonkeyPatch) -> None:
    """The first two records wait for each other, each in its own transaction having
    read the same version: two instances applying a change at the same moment."""
    record = agendas.record
    both = asyncio.Barrier(2)
    calls = 0

    async def meeting(*args: Any, **kwargs: Any) -> int | None:
        nonlocal calls
        calls += 1
        if calls <= 2:
            await asyncio.wait_for(both.wait(), WAIT)
        return await record(*args, **kwargs)

    monkeypatch.setattr(agendas, "record", meeting)


async def test_the_same_reload_applied_at_once_on_two_instances_is_announced_once(
    url: str, slack: FakeSlack, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Found in review: both read version 0, both recorded (1 and 2), both announced."""
    clock = SimulatedClock(at("08:00"), speed=0)
    a_file, b_file = _event_file(tmp_path, "a.yaml"), _event_file(tmp_path, "b.yaml")
    leader = await _instance(url, a_file, slack, clock)
    follower = await _instance(url, b_file, slack, clock)
    try:
        for path in (a_file, b_file):
            _event_file(tmp_path, path.name, ("14:00", "16:00"))
        _meet_at_record(monkeypatch)
        done = await asyncio.gather(
            _runtime(leader).reload_agenda(), _runtime(follower).reload_agenda()
        )
        assert sorted(len(changes) for changes in done) == [0, 1]
        assert _dialogue(leader) == _dialogue(follower) == at("14:00")
        assert _runtime(leader).agenda_version == _runtime(follower).agenda_version == 1
        assert await agendas.version(leader.store) == 1
        await _announced(slack, leader, follower, posts=1)
    finally:
        await _shutdown(follower)
        await _shutdown(leader)


async def test_two_different_changes_applied_at_once_are_both_announced_in_turn(
    url: str, slack: FakeSlack, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Found in review: the later record silently dropped the earlier one. Now the one
    that loses follows the winner's agenda and announces its own as a change from it."""
    clock = SimulatedClock(at("08:00"), speed=0)
    a_file, b_file = _event_file(tmp_path, "a.yaml"), _event_file(tmp_path, "b.yaml")
    leader = await _instance(url, a_file, slack, clock)
    follower = await _instance(url, b_file, slack, clock)
    try:
        _event_file(tmp_path, a_file.name, ("14:00", "16:00"))
        _event_file(tmp_path, b_file.name, ("15:00", "17:00"))
        _meet_at_record(monkeypatch)
        done = await asyncio.gather(
            _runtime(leader).reload_agenda(), _runtime(follower).reload_agenda()
        )
        assert [[c.kind for c in changes] for changes in done] == [["moved"], ["moved"]]
        # One moved it from 13:00; the other from there, not from the 13:00 it had read.
        moves = {(c.old.start, c.new.start) for [c] in done if c.old and c.new}
        assert moves in (
            {(at("13:00"), at("14:00")), (at("14:00"), at("15:00"))},
            {(at("13:00"), at("15:00")), (at("15:00"), at("14:00"))},
        ), moves
        assert await agendas.version(leader.store) == 2
        kept = await agendas.latest(leader.store)
        assert kept is not None
        last = stored.loads(kept.agenda).session("dialogue")
        assert last is not None and last.start in (at("14:00"), at("15:00"))
        # The one recorded second is in force everywhere; the leader plans from it.
        await _until(lambda: _dialogue(leader) == last.start, "the leader took it")
        await _until(lambda: _dialogue(follower) == last.start, "the follower took it")
        await _until(
            lambda: _first_reminder(leader) == last.start - timedelta(minutes=15),
            "the leader replanned",
        )
        # Both moves posted: the first from 13:00, the second from the first's time.
        posts, _ = await _announced(slack, leader, follower, posts=2)
        assert len(posts) == 2
    finally:
        await _shutdown(follower)
        await _shutdown(leader)
