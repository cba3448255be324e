"""Several instances on one PostgreSQL (bot/cluster.py): exactly one leads; when the
leader dies, or its connection drops, another leads within 15 s; a dead instance's outbox
claims are queued again, a live one's never, so no delivery goes out twice."""

from __future__ import annotations

import asyncio
import math
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import cast

import pytest
import pytest_asyncio

from bot.app import build_core
from bot.cli.operations import instance_lines, status
from bot.cluster import HUB_CHANNEL, LEADER_LOCK, Cluster, HubRelay, Relayed
from bot.core.clock import SimulatedClock
from bot.core.dispatch import Core
from bot.core.errors import UserError
from bot.core.model import Reply, UserRef
from bot.delivery.sender import Sender
from bot.platforms.base import Adapter, SentMessage
from bot.platforms.memory.adapter import MemoryAdapter
from bot.polls import rules
from bot.qa.hub import Hub
from bot.qa.notices import CardEditor
from bot.runtime import Runtime
from bot.settings import EventConfig
from bot.storage import instances, open_store, outbox
from bot.storage.postgres import PostgresStore
from bot.storage.prefs import Prefs, get_prefs, notices, set_language
from tests.conftest import DIALOGUE_OPEN, KST_0900, Person
from tests.postgres import PostgresServer

# Each follower polls this often here (5 s in a real run): the test waits on events.
POLL = 0.05
TAKEOVER = 15.0  # the limit, in seconds


@pytest_asyncio.fixture
async def url(postgres: PostgresServer) -> AsyncIterator[str]:
    """One database for the instances of a test."""
    where = await postgres.new_database()
    yield where
    await postgres.recycle(where)


async def _instance(url: str, clock: SimulatedClock, log: list[str], name: str) -> Cluster:
    store = await open_store(url)
    assert isinstance(store, PostgresStore)

    async def lead() -> None:
        log.append(f"{name} leads")

    async def follow() -> None:
        log.append(f"{name} follows")

    return Cluster(store, clock, platforms=["slack"], on_lead=lead, on_follow=follow, poll=POLL)


async def _took_over(follower: Cluster) -> float:
    """Seconds until `follower` leads; fails past the limit."""
    loop = asyncio.get_running_loop()
    began = loop.time()
    await asyncio.wait_for(follower.leading.wait(), TAKEOVER)
    return loop.time() - began


async def test_a_dead_leaders_successor_leads_within_15_seconds(url: str) -> None:
    clock = SimulatedClock(KST_0900, speed=0)
    said: list[str] = []
    a = await _instance(url, clock, said, "a")
    b = await _instance(url, clock, said, "b")
    try:
        await a.start()
        await b.start()
        assert a.leading.is_set() and not b.leading.is_set()
        await b.step()  # a follower's poll takes nothing from a live leader
        assert not b.leading.is_set()
        table = {i.id: i.leader for i in await instances.listing(b.store)}
        assert table == {a.id: True, b.id: False}
        # a dies: its polling stops and its lock's connection is gone, as in kill -9.
        a._stopping.set()
        assert a._task is not None
        await a._task
        assert a._lock is not None
        a._lock.terminate()
        assert await _took_over(b) < TAKEOVER
        assert said == ["a leads", "b leads"]
        clock.advance(timedelta(seconds=1))
        await b.step()
        table = {i.id: i.leader for i in await instances.listing(b.store)}
        assert table == {a.id: False, b.id: True}
    finally:
        await b.stop()
        await a.stop()
        await a.store.close()
        await b.store.close()


async def test_a_leader_whose_connection_drops_follows_and_another_leads(
    url: str, postgres: PostgresServer
) -> None:
    clock = SimulatedClock(KST_0900, speed=0)
    said: list[str] = []
    a = await _instance(url, clock, said, "a")
    b = await _instance(url, clock, said, "b")
    try:
        await a.start()
        await b.start()
        assert a._lock is not None
        # The server drops the leader's lock connection (a network cut, a restart)
        # while its process lives on: it must stop leading, not lead beside b.
        await postgres.sql(f"SELECT pg_terminate_backend({a._lock.get_server_pid()})")
        loop = asyncio.get_running_loop()
        began = loop.time()
        while "a follows" not in said or not (a.leading.is_set() or b.leading.is_set()):
            assert loop.time() - began < TAKEOVER, said
            await asyncio.sleep(POLL)  # the rounds run on their own; look again at the next
        # Whoever took the lock again leads, and only it.
        leading = (a.leading.is_set(), b.leading.is_set())
        assert leading in ((True, False), (False, True)), said
        # b may take the freed lock before a's next round sees it lost: for up to one
        # poll both think they lead (the window a dropped connection leaves).
        assert said[0] == "a leads" and sorted(said[1:]) in (
            ["a follows", "b leads"],
            ["a follows", "a leads"],
        ), said
    finally:
        await b.stop()
        await a.stop()
        await a.store.close()
        await b.store.close()


async def test_claims_are_taken_back_from_the_dead_only(url: str) -> None:
    clock = SimulatedClock(KST_0900, speed=0)
    said: list[str] = []
    a = await _instance(url, clock, said, "a")
    b = await _instance(url, clock, said, "b")
    try:
        await a.step()
        await b.step()
        now = clock.now()
        deliveries = [
            outbox.Delivery(f"k{i}", "t", "slack", "dm", f"U{i}", Reply(text="hi"))
            for i in range(4)
        ]
        async with a.store.transaction() as tx:
            await outbox.enqueue(tx, deliveries, now)
        in_flight_a = await outbox.claim_due(a.store, "slack", now, 2, a.id)
        in_flight_b = await outbox.claim_due(b.store, "slack", now, 2, b.id)
        # Both beat: b's round takes nothing of a's messages in flight.
        clock.advance(timedelta(seconds=10))
        await a.step()
        await b.step()
        assert await outbox.claim_due(b.store, "slack", clock.now(), 10, b.id) == []
        # a stops beating (dead); past the lease, b's round queues a's two again.
        clock.advance(timedelta(seconds=16))
        await b.step()
        again = await outbox.claim_due(b.store, "slack", clock.now(), 10, b.id)
        assert [r.key for r in again] == [r.key for r in in_flight_a]
        assert {r.key for r in in_flight_b}.isdisjoint(r.key for r in again)
    finally:
        await a.stop()
        await b.stop()
        await a.store.close()
        await b.store.close()


async def test_status_shows_the_instances_and_which_leads(
    url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    now = datetime.now(UTC)
    started = now - timedelta(hours=1)
    store = await open_store(url)
    try:
        for name, beat, leader in (("aaa", 2, True), ("bbb", 3, False), ("ccc", 600, True)):
            me = instances.Instance(
                name, f"{name}.host", 40, started, now - timedelta(seconds=beat), leader
            )
            await instances.beat(store, me)
        # ccc's beat said it led, and took the lead from aaa's row; set aaa's back, as
        # aaa's next heartbeat would, to show a dead leader's row beside a live one.
        await instances.beat(store, instances.Instance("aaa", "aaa.host", 40, started, now, True))
    finally:
        await store.close()
    assert await status(url) == 0
    # How long ago, said in whole seconds, depends on when status ran: checked below.
    lines = [re.sub(r" \(\d+ s ago\)$", "", line) for line in capsys.readouterr().out.splitlines()]
    start = started.isoformat(timespec="seconds")
    assert lines[1:5] == [
        "instances: 3, aaa leads",
        f"  aaa leads  aaa.host pid 40, started {start}, last heartbeat "
        f"{now.isoformat(timespec='seconds')}",
        f"  bbb serves bbb.host pid 40, started {start}, last heartbeat "
        f"{(now - timedelta(seconds=3)).isoformat(timespec='seconds')}",
        f"  ccc dead   ccc.host pid 40, started {start}, last heartbeat "
        f"{(now - timedelta(seconds=600)).isoformat(timespec='seconds')}",
    ]
    listed = [
        instances.Instance("x", "h", 1, started, now - timedelta(seconds=s), False)
        for s in (0, 15, 16)
    ]
    said = [line.rsplit(", ", 1)[1] for line in instance_lines(listed, now)[1:]]
    assert said == [
        f"last heartbeat {(now - timedelta(seconds=s)).isoformat(timespec='seconds')} ({s} s ago)"
        for s in (0, 15, 16)
    ]
    assert [line.split()[1] for line in instance_lines(listed, now)[1:]] == [
        "serves",
        "serves",
        "dead",
    ]
    assert instance_lines([], now) == []  # SQLite's one bot: no such lines


async def test_a_publish_on_one_instance_reaches_the_others_hubs(url: str) -> None:
    stores = [await open_store(url) for _ in range(2)]
    hubs = [(Hub(), Hub()) for _ in stores]
    relays = []
    for n, store in enumerate(stores):
        assert isinstance(store, PostgresStore)
        relays.append(HubRelay(store, f"i{n}", {"qa": hubs[n][0], "polls": hubs[n][1]}))
    try:
        for relay in relays:
            await relay.start()
        (a_qa, a_polls), (b_qa, b_polls) = hubs
        # A vote taken on a: its own page moves at once, b's when the notice arrives.
        a_qa.publish("dialogue")
        assert a_qa.version("dialogue") == 1
        assert await b_qa.wait("dialogue", 0, TAKEOVER)
        assert b_polls.version("dialogue") == 0  # the other hub's topic did not move
        # Someone else's notice on the channel is ignored (with a warning).
        await stores[0].execute("SELECT pg_notify(?, ?)", (HUB_CHANNEL, "<b>not json"))
        # b's publish reaches a after a's own notice and the stranger's would have: a
        # heard neither (its version moved once, by b).
        b_polls.publish("poll:dialogue")
        assert await a_polls.wait("poll:dialogue", 0, TAKEOVER)
        assert (a_qa.version("dialogue"), b_qa.version("dialogue")) == (1, 1)
        assert (a_polls.version("poll:dialogue"), b_polls.version("poll:dialogue")) == (1, 1)
    finally:
        for relay in relays:
            await relay.stop()
        for store in stores:
            await store.close()


class _Platform:
    """A platform that records every message it gets (the fakes' nonce check, in short)."""

    name = "slack"

    def __init__(self, got: list[str]) -> None:
        self.got = got

    async def dm(
        self, user: UserRef, reply: Reply, *, key: str, first_attempt: bool
    ) -> SentMessage:
        await asyncio.sleep(0)  # let the other instance's sender run in between
        self.got.append(key)
        return SentMessage("slack", f"D{user.id}", key)


async def test_two_instances_drain_the_outbox_and_a_dead_ones_claims_once(url: str) -> None:
    clock = SimulatedClock(KST_0900, speed=0)
    said: list[str] = []
    a = await _instance(url, clock, said, "a")
    b = await _instance(url, clock, said, "b")
    got: list[str] = []
    platform = cast(Adapter, _Platform(got))
    try:
        await a.step()
        await b.step()
        deliveries = [
            outbox.Delivery(f"k{i}", "t", "slack", "dm", f"U{i}", Reply(text="hi"))
            for i in range(500)
        ]
        async with a.store.transaction() as tx:
            await outbox.enqueue(tx, deliveries, clock.now())
        # a claims 40 and dies before sending them (kill -9 mid fan-out).
        lost = await outbox.claim_due(a.store, "slack", clock.now(), 40, a.id)
        senders = [Sender(x.store, platform, clock, concurrency=4, claimer=x.id) for x in (a, b)]
        # Both drain at once: b starts while a's claims are live and leaves them alone.
        await asyncio.gather(*(s.drain() for s in senders))
        assert len(got) == len(set(got)) == 460
        assert not {r.key for r in lost} & set(got)
        clock.advance(timedelta(seconds=16))  # a's heartbeat is past the lease
        await b.step()
        await senders[1].drain()
        assert sorted(got) == sorted(d.key for d in deliveries)  # each exactly once
        assert await outbox.summary(b.store) == [("slack", outbox.SENT, 500)]
    finally:
        await a.store.close()
        await b.store.close()


async def test_a_dead_ones_claims_taken_back_wake_the_idle_sender(url: str) -> None:
    """The sender sleeps while nothing is queued: the round that queues a dead instance's
    claims again must wake it, or they wait for the next message queued (found by
    tests/integration/test_failover.py: 19 DMs never sent)."""
    clock = SimulatedClock(KST_0900, speed=0)
    said: list[str] = []
    a = await _instance(url, clock, said, "a")
    b = await _instance(url, clock, said, "b")
    got: list[str] = []
    sender = Sender(b.store, cast(Adapter, _Platform(got)), clock, claimer=b.id)
    b.on_requeued = lambda platform: sender.wake() if platform == "slack" else None
    try:
        await a.step()
        await b.step()
        await sender.start()
        async with asyncio.timeout(5):  # it found nothing queued, and sleeps until woken
            while sender.sleeping_for != math.inf:  # noqa: ASYNC110 - no event for it
                await asyncio.sleep(0.01)
        deliveries = [
            outbox.Delivery(f"k{i}", "t", "slack", "dm", f"U{i}", Reply(text="hi"))
            for i in range(3)
        ]
        async with a.store.transaction() as tx:  # queued by a, which claims them and dies
            await outbox.enqueue(tx, deliveries, clock.now())
        await outbox.claim_due(a.store, "slack", clock.now(), 3, a.id)
        clock.advance(timedelta(seconds=16))  # a's heartbeat is past the lease
        await b.step()
        async with asyncio.timeout(5):
            while len(got) < 3:  # noqa: ASYNC110 - the fake platform records, nothing tells
                await asyncio.sleep(0.01)
        assert sorted(got) == ["k0", "k1", "k2"]
    finally:
        await sender.stop()
        await a.store.close()
        await b.store.close()


async def test_an_instance_that_cannot_take_up_the_lead_lets_it_go_and_tries_again(
    url: str,
) -> None:
    """Found in review: taking the lead once failed (a database error while planning) left
    an instance holding the lock without a planner, for good."""
    clock = SimulatedClock(KST_0900, speed=0)
    store = await open_store(url)
    assert isinstance(store, PostgresStore)
    tries: list[str] = []
    ready = asyncio.Event()

    async def lead() -> None:
        tries.append("lead")
        if len(tries) == 1:
            raise RuntimeError("the plan could not be read")
        ready.set()

    async def follow() -> None:
        tries.append("follow")

    a = Cluster(store, clock, platforms=["slack"], on_lead=lead, on_follow=follow, poll=POLL)
    try:
        await a.start()
        assert not a.leading.is_set()  # the failed attempt let the lead go
        await asyncio.wait_for(ready.wait(), TAKEOVER)
        assert a.leading.is_set() and tries == ["lead", "follow", "lead"]
    finally:
        await a.stop()
        await store.close()


# ---- what an instance keeps in memory of what another may write -----------------------

MIA = UserRef("test", "mia", "Mia")
ALICE = UserRef("test", "alice", "Alice")
SECRET = b"k" * 32  # the same on every instance (FORUM_BOT_SECRET)


@asynccontextmanager
async def _instances(
    url: str, config: EventConfig, clock: SimulatedClock
) -> AsyncIterator[tuple[Core, Core]]:
    """Two cores on two stores of one database, each with its runtime (no platform, no
    planner running), relayed as `forum-bot run` relays them (bot/app.py's
    _join_cluster): two instances in one process."""
    stores = [await open_store(url) for _ in range(2)]
    cores = [await build_core(config, store, clock, SECRET) for store in stores]
    relays = []
    try:
        for n, core in enumerate(cores):
            assert isinstance(core.store, PostgresStore)
            hubs: dict[str, Relayed] = {
                "qa": core.qa.hub,
                "polls": core.polls.hub,
                "prefs": notices(core.store),
                "plan": Runtime(core, []).plan_notices,
            }
            relay = HubRelay(core.store, f"i{n}", hubs)
            await relay.start()
            relays.append(relay)
        yield cores[0], cores[1]
    finally:
        for relay in relays:
            await relay.stop()
        for core in cores:
            if isinstance(core.runtime, Runtime):
                await core.runtime.stop()
        for store in stores:
            await store.close()


async def _heard(hub: Hub, before: int) -> None:
    """Wait until `hub` has heard another instance's notice since it had heard `before`."""
    loop = asyncio.get_running_loop()
    began = loop.time()
    while hub.heard == before:
        assert loop.time() - began < TAKEOVER, "no notice arrived"
        await asyncio.sleep(0.01)


async def test_moderators_settings_on_one_instance_hold_on_the_other(
    url: str, event_config: EventConfig
) -> None:
    """Found in issue 19: each instance kept the sessions' settings (open or closed, the
    question on screen) as read once, as if it were their only writer."""
    clock = SimulatedClock(KST_0900, speed=0)  # before the dialogue: its Q&A is closed
    async with _instances(url, event_config, clock) as (a, b):
        s = a.qa.session("dialogue")
        assert not (await b.qa.status(s)).open  # b reads (and keeps) the settings
        heard = b.qa.hub.heard
        await a.qa.set_open(s, True, MIA)  # a moderator opens it on a
        await _heard(b.qa.hub, heard)
        asked = await b.qa.ask(ALICE, s, "Will solid-state batteries be cheaper?", anonymous=False)
        qid = asked.question.id
        if asked.question.status == "pending":
            await a.qa.moderate(MIA, qid, "approve")
        # The question on screen, chosen on a, is on b's presenter screen.
        heard = b.qa.hub.heard
        await a.qa.moderate(MIA, qid, "highlight")
        await _heard(b.qa.hub, heard)
        assert (await b.qa.snapshot("dialogue"))["highlight"]["id"] == qid
        # b's lists and counts follow votes and questions taken on a.
        heard = b.qa.hub.heard
        await a.qa.vote(UserRef("test", "bob", "Bob"), qid, add=True)
        await a.qa.ask(UserRef("test", "bob", "Bob"), s, "And sodium-ion cells?", anonymous=True)
        while b.qa.hub.heard < heard + 2:
            await _heard(b.qa.hub, b.qa.hub.heard)
        shown = await b.qa.snapshot("dialogue")
        assert shown["highlight"]["votes"] == 1
        assert sum(shown["counts"].values()) == 2
        # Closed on b: a refuses the next question.
        heard = a.qa.hub.heard
        await b.qa.set_open(s, False, MIA)
        await _heard(a.qa.hub, heard)
        clock.advance(timedelta(minutes=1))
        with pytest.raises(UserError) as refused:
            await a.qa.ask(ALICE, s, "One more about recycling?", anonymous=False)
        assert refused.value.key == "qa.closed"


async def test_a_poll_result_taken_off_one_instances_screen_is_off_the_others(
    url: str, event_config: EventConfig
) -> None:
    """Found in issue 19: which results a moderator took off the screen was kept in the
    memory of the instance that served the moderators' page; a presenter screen served
    by another kept showing the result."""
    clock = SimulatedClock(DIALOGUE_OPEN, speed=0)
    async with _instances(url, event_config, clock) as (a, b):
        s = a.qa.session("dialogue")
        made = rules.draft("Which battery first?", "", ["Solid-state", "Sodium-ion"])
        poll = await a.polls.close(MIA, await a.polls.create(MIA, made, session=s))
        assert [p["id"] for p in await b.polls.on_screen("dialogue")] == [poll.id]
        await a.polls.take_off(poll, "dialogue")
        assert await a.polls.on_screen("dialogue") == []
        assert await b.polls.on_screen("dialogue") == []


async def test_a_relay_whose_connection_drops_listens_again(
    url: str, postgres: PostgresServer
) -> None:
    """Found in issue 19: the server dropping the relay's LISTEN connection (a restart, a
    network cut) left that instance's pages deaf to the others for good."""
    stores = [await open_store(url) for _ in range(2)]
    hubs = [Hub() for _ in stores]
    relays = []
    for n, store in enumerate(stores):
        assert isinstance(store, PostgresStore)
        relays.append(HubRelay(store, f"i{n}", {"qa": hubs[n]}, check=POLL, backoff=POLL))
    try:
        for relay in relays:
            await relay.start()
        a, b = hubs
        assert relays[1]._conn is not None
        await postgres.sql(f"SELECT pg_terminate_backend({relays[1]._conn.get_server_pid()})")
        # Listening again, b moves every topic on (even one never published): what was
        # published meanwhile is read again.
        assert await b.wait("never-seen", 0, TAKEOVER)
        a.publish("dialogue")
        assert await b.wait("dialogue", b.version("dialogue"), TAKEOVER)
        assert b.heard == 2  # the reconnection, then a's notice
    finally:
        for relay in relays:
            await relay.stop()
        for store in stores:
            await store.close()


class _Card:
    """A platform's one posted card: the edits that landed, in order; `gate` holds an
    edit back (a slow request) until it is set."""

    def __init__(self, landed: list[str], gate: asyncio.Event | None = None) -> None:
        self.landed = landed
        self.gate = gate
        self.sending = asyncio.Event()

    async def edit(self, sent: SentMessage, reply: Reply) -> None:
        self.sending.set()
        if self.gate is not None:
            await self.gate.wait()
        self.landed.append(str(reply.text))


async def test_a_stale_card_edit_landing_last_is_followed_by_a_fresh_one(url: str) -> None:
    """Found in issue 19: two instances edit the same card (each after a vote it took); an
    edit rendered first on a but landing after b's fresher one left the old count for
    good. The editor reads again after its edit lands and edits again if it changed."""
    clock = SimulatedClock(KST_0900, speed=0)
    stores = [await open_store(url) for _ in range(2)]
    key = "qa-card:1:slack"
    try:
        async with stores[0].transaction() as tx:
            card = outbox.Delivery(key, "qa:1", "slack", "channel", "C1", Reply(text="0 votes"))
            await outbox.enqueue(tx, [card], clock.now())
        (row,) = await outbox.claim_due(stores[0], "slack", clock.now(), 1)
        await outbox.mark_sent(stores[0], row.id, clock.now(), "C1", "m1")
        votes = {"n": 1}  # the question's count, as the database has it

        async def render() -> Reply:
            return Reply(text=f"{votes['n']} votes")

        landed: list[str] = []
        gate = asyncio.Event()
        slow, fast = _Card(landed, gate), _Card(landed)
        a = CardEditor(stores[0], lambda: {"slack": slow}, 0.01)
        b = CardEditor(stores[1], lambda: {"slack": fast}, 0.01)
        a.touch(key, render)  # a vote on a: a renders "1 votes", its request is slow
        await asyncio.wait_for(slow.sending.wait(), TAKEOVER)
        votes["n"] = 2
        b.touch(key, render)  # a vote on b: b renders "2 votes", which lands at once
        await asyncio.wait_for(b.idle(), TAKEOVER)
        gate.set()  # a's "1 votes" lands after it
        await asyncio.wait_for(a.idle(), TAKEOVER)
        assert landed[:2] == ["2 votes", "1 votes"]
        assert landed[-1] == "2 votes"
    finally:
        for store in stores:
            await store.close()


async def test_a_persons_language_set_on_one_instance_holds_on_the_other(
    url: str, event_config: EventConfig
) -> None:
    """Found in issue 19: each store kept everyone's preferences as read once, as their
    only writer: a language chosen on one instance was not used by another (nor by the
    leader's reminders), and choosing the old one again there wrote nothing."""
    clock = SimulatedClock(KST_0900, speed=0)
    async with _instances(url, event_config, clock) as (a, b):
        who = "slack:U1"
        assert await get_prefs(a.store, who) == Prefs()  # a reads (and keeps) everyone's
        await set_language(b.store, who, "ko", clock.now())
        await _until(lambda: get_prefs(a.store, who), Prefs(language="ko"))
        # Back to English on a: stored, and b follows.
        await set_language(a.store, who, "en", clock.now())
        await _until(lambda: get_prefs(b.store, who), Prefs(language="en"))
        row = await a.store.fetchone("SELECT language FROM user_prefs WHERE user_key = ?", (who,))
        assert row is not None and row["language"] == "en"


async def _until(read: Callable[[], Awaitable[Prefs]], wanted: Prefs) -> None:
    """Read until `read` gives `wanted` (another instance's notice is a round trip away)."""
    loop = asyncio.get_running_loop()
    began = loop.time()
    while (found := await read()) != wanted:
        assert loop.time() - began < TAKEOVER, found
        await asyncio.sleep(0.01)


async def test_a_reminder_asked_for_on_a_follower_is_planned_by_the_leader(
    url: str, event_config: EventConfig
) -> None:
    """Found in issue 19: a subscription taken on an instance that does not lead
    replanned that instance's idle planner; the leader's slept on, its plan as it had
    read it, and the reminder went out late or never."""
    clock = SimulatedClock(KST_0900, speed=0)
    async with _instances(url, event_config, clock) as (a, b):
        leader, follower = a.runtime, b.runtime
        assert isinstance(leader, Runtime) and isinstance(follower, Runtime)
        await leader.start_planner()
        try:
            before = set(leader.planner.items)
            reply = await Person(b).say("/remind dialogue")
            assert not reply.error, reply.text
            loop = asyncio.get_running_loop()
            began = loop.time()
            while set(leader.planner.items) == before:
                assert loop.time() - began < TAKEOVER, "the leader did not plan it"
                await asyncio.sleep(0.01)
        finally:
            await leader.stop_planner()


class _SlowMemory(MemoryAdapter):
    """A platform that takes a few milliseconds per message, as a real one takes more."""

    async def dm(
        self, user: UserRef, reply: Reply, *, key: str | None = None, first_attempt: bool = True
    ) -> SentMessage:
        await asyncio.sleep(0.005)
        return await super().dm(user, reply, key=key, first_attempt=first_attempt)


async def test_a_fan_out_queued_by_the_leader_is_sent_by_every_instance(
    url: str, event_config: EventConfig
) -> None:
    """Found in review: a sender with nothing queued sleeps until woken, and only the
    instance that queued was woken: the leader sent its whole fan-out alone."""
    clock = SimulatedClock(KST_0900, speed=0)
    runtimes: list[Runtime] = []
    relays: list[HubRelay] = []
    platforms: list[_SlowMemory] = []
    try:
        for n in range(2):
            store = await open_store(url)
            assert isinstance(store, PostgresStore)
            core = await build_core(event_config, store, clock, SECRET)
            platforms.append(_SlowMemory(core, "slack"))
            runtimes.append(Runtime(core, [platforms[-1]], claimer=f"i{n}"))
            relays.append(HubRelay(store, f"i{n}", {"queue": runtimes[-1].queue_notices}))
            await relays[-1].start()
            await runtimes[-1].start(plan=False)
        leader = runtimes[0]
        queued = [
            outbox.Delivery(f"fan-{i}", "t", "slack", "dm", f"U{i}", Reply(text="hi"))
            for i in range(300)
        ]
        assert await leader.enqueue(queued) == 300
        loop = asyncio.get_running_loop()
        began = loop.time()
        while sum(len(p.messages) for p in platforms) < 300:
            assert loop.time() - began < TAKEOVER, [len(p.messages) for p in platforms]
            await asyncio.sleep(POLL)
        keys = [str(m.key) for p in platforms for m in p.messages]
        assert sorted(keys) == sorted(d.key for d in queued)  # each exactly once
        assert all(p.messages for p in platforms), [len(p.messages) for p in platforms]
    finally:
        for runtime in runtimes:
            await runtime.stop()
        for relay in relays:
            await relay.stop()
        for runtime in runtimes:
            await runtime.store.close()


async def test_a_burst_of_publishes_is_a_few_notices_and_many_topics_fit_in_several(
    url: str,
) -> None:
    """Found in review: each publish (each vote) took a task and a pooled connection of
    its own for its NOTIFY; a burst is now a few notices, and topics that do not fit in
    one payload (8,000 bytes) go in several."""
    stores = [await open_store(url) for _ in range(2)]
    hubs = [Hub() for _ in stores]
    relays = []
    for n, store in enumerate(stores):
        assert isinstance(store, PostgresStore)
        relays.append(HubRelay(store, f"i{n}", {"qa": hubs[n]}))
    try:
        for relay in relays:
            await relay.start()
        for _ in range(1000):  # a vote storm on one session
            hubs[0].publish("dialogue")
        topics = [f"session-{i:04d}-{'x' * 40}" for i in range(400)]  # about 24 KB of names
        for topic in topics:
            hubs[0].publish(topic)
        for topic in ["dialogue", *topics]:
            assert await hubs[1].wait(topic, 0, TAKEOVER), topic
        assert hubs[1].version("dialogue") < 50  # one notice per send, not per vote
        assert hubs[0].version("dialogue") == 1000  # this instance's pages saw every one
    finally:
        for relay in relays:
            await relay.stop()
        for store in stores:
            await store.close()


async def test_the_heartbeat_goes_on_while_the_lead_is_taken_up(url: str) -> None:
    """Found in review: a round beat once, then took up the lead (the gateway, the plan)
    for as long as that took; past the lease, others took back this live instance's
    claims and sent them again."""
    clock = SimulatedClock(KST_0900, speed=0)
    store = await open_store(url)
    assert isinstance(store, PostgresStore)
    entered, gate = asyncio.Event(), asyncio.Event()

    async def lead() -> None:
        entered.set()
        await gate.wait()  # Discord slow to be ready, a long first plan

    a = Cluster(store, clock, on_lead=lead, poll=POLL)
    starting = asyncio.create_task(a.start())
    try:
        await asyncio.wait_for(entered.wait(), TAKEOVER)
        clock.advance(timedelta(seconds=60))  # four leases while it takes up the lead
        loop = asyncio.get_running_loop()
        began = loop.time()
        while (await instances.listing(store))[0].heartbeat_at != clock.now():
            assert loop.time() - began < TAKEOVER, "no heartbeat while taking up the lead"
            await asyncio.sleep(POLL)
    finally:
        gate.set()
        await starting
        await a.stop()
        await store.close()


async def test_a_lead_that_failed_to_start_is_not_tried_again_at_once(url: str) -> None:
    """Found in review: a lead that fails to start every time (Discord refusing, a bad
    source) was given up and taken again every round."""
    clock = SimulatedClock(KST_0900, speed=0)
    store = await open_store(url)
    assert isinstance(store, PostgresStore)
    tries: list[str] = []

    async def lead() -> None:
        tries.append("lead")
        raise RuntimeError("Discord refused")

    a = Cluster(store, clock, on_lead=lead, poll=60.0)
    try:
        await a.step()
        await a.step()  # within the wait after the failure: no try
        assert tries == ["lead"] and not a.leading.is_set()
        a._next_try = 0.0  # the wait is over
        await a.step()
        assert tries == ["lead", "lead"] and a._retry_in == 60.0  # doubled, capped
    finally:
        await a.stop()
        await store.close()


async def test_the_leaders_lock_connection_has_short_keepalives(url: str) -> None:
    """Found in review: over a silent network cut the server kept a dead leader's lock
    for the system's two hours of TCP keepalive; now it finds the peer gone in ~25 s."""
    store = await open_store(url)
    assert isinstance(store, PostgresStore)
    try:
        conn = await store.try_lock(LEADER_LOCK)
        assert conn is not None
        try:
            said = [
                await conn.fetchval(f"SHOW {k}")
                for k in ("tcp_keepalives_idle", "tcp_keepalives_interval", "tcp_keepalives_count")
            ]
        finally:
            await conn.close()
        assert said == ["10", "5", "3"]
    finally:
        await store.close()
