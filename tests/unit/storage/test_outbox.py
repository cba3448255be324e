"""The outbox on both engines: a key is queued once (its unique constraint), a cancelled
one again; a claim takes the oldest due rows and marks the expired; the counts said are
the rows written (PostgreSQL says them differently from SQLite)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.core.model import Reply
from bot.storage import Store, instances, outbox
from bot.storage import announcements as ann

NOW = datetime(2026, 2, 5, 4, 10, tzinfo=UTC)
REPLY = Reply(text="Doors open at 9")


def _deliveries(n: int, **kw: datetime) -> list[outbox.Delivery]:
    return [
        outbox.Delivery(f"k{i}", "topic", "slack", "dm", f"U{i}", REPLY, **kw) for i in range(n)
    ]


async def test_a_key_is_queued_once_and_a_cancelled_one_again(store: Store) -> None:
    async with store.transaction() as tx:
        assert await outbox.enqueue(tx, _deliveries(5), NOW) == 5
    async with store.transaction() as tx:
        assert await outbox.enqueue(tx, _deliveries(7), NOW) == 2  # k5, k6 only
    assert await outbox.enqueue(store, _deliveries(7), NOW) == 0  # outside a transaction
    async with store.transaction() as tx:
        assert await outbox.cancel_topic(tx, "topic") == 7
    async with store.transaction() as tx:
        assert await outbox.enqueue(tx, _deliveries(3), NOW) == 3  # queued again
    assert await outbox.summary(store) == [
        ("slack", outbox.CANCELLED, 4),
        ("slack", outbox.PENDING, 3),
    ]


async def test_a_claim_takes_the_oldest_due_and_expires_the_late(store: Store) -> None:
    late = _deliveries(2, expires_at=NOW - timedelta(minutes=1))
    async with store.transaction() as tx:
        await outbox.enqueue(tx, late, NOW - timedelta(minutes=5))
        await outbox.enqueue(tx, _deliveries(6)[2:], NOW)
    first = await outbox.claim_due(store, "slack", NOW, 3)
    assert [r.key for r in first] == ["k2", "k3", "k4"]
    assert all(r.attempts == 1 and r.reply.text == REPLY.text for r in first)
    second = await outbox.claim_due(store, "slack", NOW, 3)
    assert [r.key for r in second] == ["k5"]
    assert await outbox.claim_due(store, "slack", NOW, 3) == []
    assert await outbox.summary(store) == [
        ("slack", outbox.EXPIRED, 2),
        ("slack", outbox.SENDING, 4),
    ]
    await outbox.mark_retry(store, first[0].id, NOW + timedelta(seconds=30), "503")
    assert await outbox.next_due(store, "slack") == NOW + timedelta(seconds=30)
    assert await outbox.recover(store, "slack") == 3


async def test_an_announcement_has_the_id_it_was_given(store: Store) -> None:
    ids = [
        await ann.create(store, f"Notice {i}", ("all",), NOW, ann.SCHEDULED, "k", "organiser", NOW)
        for i in range(3)
    ]
    assert len(set(ids)) == 3
    for i, new_id in enumerate(ids):
        found = await ann.get(store, new_id)
        assert found is not None and found.text == f"Notice {i}"


async def test_recovery_takes_back_only_a_dead_instances_claims(store: Store) -> None:
    async with store.transaction() as tx:
        await outbox.enqueue(tx, _deliveries(6), NOW)
    live = await outbox.claim_due(store, "slack", NOW, 2, claimer="live")
    dead = await outbox.claim_due(store, "slack", NOW, 2, claimer="dead")
    unclaimed = await outbox.claim_due(store, "slack", NOW, 1)  # an older bot's claim
    for name, beat in (("live", NOW), ("dead", NOW - timedelta(minutes=1))):
        await instances.beat(
            store, instances.Instance(name, "host", 1, NOW - timedelta(hours=1), beat, False)
        )
    assert await outbox.recover(store, "slack", NOW - timedelta(seconds=15)) == 3
    # The live instance's two are still in flight; the dead one's two and the orphan are
    # claimed again, by the next claimer, the oldest first.
    again = await outbox.claim_due(store, "slack", NOW, 10, claimer="live")
    assert [r.key for r in again] == [r.key for r in dead + unclaimed] + ["k5"]
    assert [r.attempts for r in again] == [2, 2, 2, 1]
    assert {r.key for r in live}.isdisjoint(r.key for r in again)
    # Alone on its database (SQLite's one bot), a restart takes back every claim.
    assert await outbox.recover(store, "slack") == 6


async def test_one_leader_in_the_instances_table(store: Store) -> None:
    def me(name: str, leader: bool, minutes: int) -> instances.Instance:
        return instances.Instance(
            name, f"{name}.local", 7, NOW, NOW + timedelta(minutes=minutes), leader
        )

    await instances.beat(store, me("a", True, 0))
    await instances.beat(store, me("b", False, 1))
    await instances.beat(store, me("b", True, 2))  # b took over
    found = await instances.listing(store)
    assert [(i.id, i.leader, i.heartbeat_at) for i in found] == [
        ("b", True, NOW + timedelta(minutes=2)),
        ("a", False, NOW),
    ]
    assert found[0].host == "b.local" and found[0].pid == 7 and found[0].started_at == NOW
    assert await instances.forget_older(store, NOW + timedelta(minutes=1)) == 1
    assert [i.id for i in await instances.listing(store)] == ["b"]
