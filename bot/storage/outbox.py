"""The outbox table: every message the bot sends on its own, one row per (message,
platform, target), unique by its deduplication key, so that planning a message twice
queues it once and a crash between sending and recording is detectable."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import orjson

from bot.core.model import Reply, reply_from_json, reply_to_json
from bot.storage.base import Store, Transaction

PENDING = "pending"
SENDING = "sending"
SENT = "sent"
FAILED = "failed"
CANCELLED = "cancelled"
EXPIRED = "expired"


@dataclass(frozen=True)
class Delivery:
    """One message to one target on one platform."""

    key: str  # unique: the same key is never delivered twice
    topic: str  # what it is about, e.g. "reminder:dialogue", to cancel it as a group
    platform: str
    target_kind: str  # "channel" (a mapped key or id) or "dm" (a user id)
    target: str
    reply: Reply
    expires_at: datetime | None = None  # not worth sending after this


@dataclass(frozen=True)
class OutboxRow:
    """A delivery as the sender claims it."""

    id: int
    key: str
    topic: str
    platform: str
    target_kind: str
    target: str
    reply: Reply
    attempts: int


_ENQUEUE = (
    "INSERT INTO outbox (dedup_key, topic, platform, target_kind, target, payload, "
    "status, attempts, next_attempt_at, created_at, expires_at) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?) "
    "ON CONFLICT (dedup_key) DO UPDATE SET status = excluded.status, "
    "payload = excluded.payload, next_attempt_at = excluded.next_attempt_at, "
    "expires_at = excluded.expires_at, attempts = 0 "
    "WHERE outbox.status = 'cancelled'"
)


async def enqueue(tx: Transaction | Store, deliveries: Iterable[Delivery], now: datetime) -> int:
    """Queue deliveries; a key already queued or sent is left alone, a cancelled one is
    queued again (a session moved away and back). Returns how many were queued.

    In a transaction, all of them go in one statement run for each row (one trip to the
    database thread); a reply shared by many deliveries (a fan-out) is serialised once,
    by orjson (a reminder for each of 10,000 sessions is 10,000 replies)."""
    stamp = now.isoformat()
    batch = list(deliveries)  # holds every reply while their ids key `payloads`
    payloads: dict[int, str] = {}
    rows: list[tuple[object, ...]] = []
    for d in batch:
        payload = payloads.get(id(d.reply))
        if payload is None:
            payload = orjson.dumps(reply_to_json(d.reply)).decode()
            payloads[id(d.reply)] = payload
        rows.append(
            (
                d.key,
                d.topic,
                d.platform,
                d.target_kind,
                d.target,
                payload,
                PENDING,
                stamp,
                stamp,
                d.expires_at.isoformat() if d.expires_at else None,
            )
        )
    if isinstance(tx, Transaction):
        return await tx.executemany(_ENQUEUE, rows)
    added = 0
    for row in rows:
        added += await tx.execute(_ENQUEUE, row)
    return added


async def claim_due(
    store: Store, platform: str, now: datetime, limit: int, claimer: str | None = None
) -> list[OutboxRow]:
    """Take the oldest due deliveries of a platform for sending (status becomes sending,
    claimed by the instance `claimer`, when several share the database); those past their
    expiry are marked expired instead.

    Each row is claimed once: on PostgreSQL, where several instances drain the outbox,
    a row another instance is claiming is passed over (FOR UPDATE SKIP LOCKED), and one
    it has claimed is no longer pending; on SQLite, writers take turns."""
    async with store.transaction() as tx:
        await tx.execute(
            "UPDATE outbox SET status = ? WHERE platform = ? AND status = ? "
            "AND expires_at IS NOT NULL AND expires_at <= ?",
            (EXPIRED, platform, PENDING, now.isoformat()),
        )
        rows = await tx.fetchall(
            "SELECT id, dedup_key, topic, platform, target_kind, target, payload, attempts "
            "FROM outbox WHERE platform = ? AND status = ? AND next_attempt_at <= ? "
            "ORDER BY next_attempt_at, id LIMIT ?" + tx.skip_locked,
            (platform, PENDING, now.isoformat(), limit),
        )
        await tx.executemany(
            "UPDATE outbox SET status = ?, claimed_by = ?, attempts = attempts + 1 WHERE id = ?",
            [(SENDING, claimer, row["id"]) for row in rows],
        )
    return [
        OutboxRow(
            row["id"],
            row["dedup_key"],
            row["topic"],
            row["platform"],
            row["target_kind"],
            row["target"],
            reply_from_json(json.loads(row["payload"])),
            int(row["attempts"]) + 1,
        )
        for row in rows
    ]


async def mark_sent(
    store: Store, row_id: int, now: datetime, channel_id: str, message_id: str
) -> None:
    """Record a delivery as done, with where the message now lives."""
    await store.execute(
        "UPDATE outbox SET status = ?, sent_at = ?, channel_id = ?, message_id = ?, "
        "last_error = NULL WHERE id = ?",
        (SENT, now.isoformat(), channel_id, message_id, row_id),
    )


async def mark_retry(store: Store, row_id: int, at: datetime, error: str) -> None:
    """Put a delivery back, to be tried again at `at`."""
    await store.execute(
        "UPDATE outbox SET status = ?, next_attempt_at = ?, last_error = ? WHERE id = ?",
        (PENDING, at.isoformat(), error[:500], row_id),
    )


async def mark_failed(store: Store, row_id: int, error: str) -> None:
    """Give a delivery up for good (the target refuses it)."""
    await store.execute(
        "UPDATE outbox SET status = ?, last_error = ? WHERE id = ?",
        (FAILED, error[:500], row_id),
    )


async def recover(store: Store, platform: str, alive_since: datetime | None = None) -> int:
    """Deliveries caught mid-send go back to the queue. Their attempt count tells the
    adapter to check whether the first attempt got through.

    Alone on the database (`alive_since` None: SQLite's one bot, after a restart) every
    such row is taken back. With several instances, only the rows whose claimer is dead:
    claimed by no instance, or by one whose last heartbeat is older than `alive_since`
    (a live instance's messages in flight stay its own)."""
    if alive_since is None:
        return await store.execute(
            "UPDATE outbox SET status = ?, claimed_by = NULL WHERE platform = ? AND status = ?",
            (PENDING, platform, SENDING),
        )
    return await store.execute(
        "UPDATE outbox SET status = ?, claimed_by = NULL WHERE platform = ? AND status = ? "
        "AND (claimed_by IS NULL OR claimed_by NOT IN "
        "(SELECT id FROM instances WHERE heartbeat_at >= ?))",
        (PENDING, platform, SENDING, alive_since.isoformat()),
    )


async def cancel_topic(tx: Transaction | Store, topic: str) -> int:
    """Cancel every queued (not yet sent) delivery about `topic`."""
    return await tx.execute(
        "UPDATE outbox SET status = ? WHERE topic = ? AND status = ?",
        (CANCELLED, topic, PENDING),
    )


async def next_due(store: Store, platform: str) -> datetime | None:
    """When the platform's next queued delivery is due."""
    row = await store.fetchone(
        "SELECT MIN(next_attempt_at) FROM outbox WHERE platform = ? AND status = ?",
        (platform, PENDING),
    )
    return datetime.fromisoformat(row[0]) if row and row[0] else None


async def summary(store: Store) -> list[tuple[str, str, int]]:
    """(platform, status, count) for `forum-bot status`."""
    rows = await store.fetchall(
        "SELECT platform, status, COUNT(*) FROM outbox GROUP BY platform, status "
        "ORDER BY platform, status"
    )
    return [(r[0], r[1], int(r[2])) for r in rows]


async def recent_failures(store: Store, limit: int = 10) -> list[tuple[str, str, str]]:
    """(key, target, error) of the latest permanent failures."""
    rows = await store.fetchall(
        "SELECT dedup_key, target, last_error FROM outbox WHERE status = ? "
        "ORDER BY id DESC LIMIT ?",
        (FAILED, limit),
    )
    return [(r[0], r[1], r[2] or "") for r in rows]
