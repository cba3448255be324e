"""Announcements (drafts, scheduled, sent, cancelled) and the audit log of what organisers did."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from bot.storage.base import Store, Transaction

# "Send as soon as the bot sees it": for the shell, whose clock need not be the running
# bot's (a rehearsal runs on a simulated clock).
ASAP = datetime(1970, 1, 1, tzinfo=UTC)

DRAFT = "draft"
SCHEDULED = "scheduled"
SENT = "sent"
CANCELLED = "cancelled"
FAILED = "failed"


@dataclass(frozen=True)
class Announcement:
    """One announcement and where it goes."""

    id: int
    text: str
    targets: tuple[str, ...]  # platform names
    send_at: datetime
    status: str
    author_key: str
    author_name: str


def _row(row: Any) -> Announcement:
    return Announcement(
        int(row[0]),
        row[1],
        tuple(json.loads(row[2])),
        datetime.fromisoformat(row[3]),
        row[4],
        row[5],
        row[6],
    )


_SELECT = "SELECT id, text, targets, send_at, status, author_key, author_name FROM announcements "


async def create(
    store: Store,
    text: str,
    targets: tuple[str, ...],
    send_at: datetime,
    status: str,
    author_key: str,
    author_name: str,
    now: datetime,
) -> int:
    """Store a new announcement (and its audit line); returns its id."""
    async with store.transaction() as tx:
        # Its id as inserted: another instance may add one at the same moment.
        new_id = await tx.insert(
            "INSERT INTO announcements (text, targets, send_at, status, author_key, "
            "author_name, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                text,
                json.dumps(list(targets)),
                send_at.isoformat(),
                status,
                author_key,
                author_name,
                now.isoformat(),
                now.isoformat(),
            ),
        )
        await audit(
            tx,
            now,
            author_key,
            author_name,
            f"announcement.{status}",
            {"id": new_id, "text": text, "targets": list(targets), "send_at": send_at.isoformat()},
        )
    return new_id


async def get(store: Store, announcement_id: int) -> Announcement | None:
    """One announcement by id."""
    row = await store.fetchone(_SELECT + "WHERE id = ?", (announcement_id,))
    return _row(row) if row is not None else None


async def pending(store: Store) -> list[Announcement]:
    """Drafts and scheduled announcements, soonest first."""
    rows = await store.fetchall(
        _SELECT + "WHERE status = ? OR status = ? ORDER BY send_at, id", (DRAFT, SCHEDULED)
    )
    return [_row(r) for r in rows]


async def scheduled(store: Store) -> list[Announcement]:
    """Announcements waiting for their time."""
    rows = await store.fetchall(_SELECT + "WHERE status = ? ORDER BY send_at, id", (SCHEDULED,))
    return [_row(r) for r in rows]


async def set_status(
    store: Store,
    announcement_id: int,
    expected: str,
    status: str,
    actor_key: str,
    actor_name: str,
    now: datetime,
) -> bool:
    """Move an announcement from `expected` to `status`, with an audit line; False when
    it was in another state (someone else acted first, or it was already sent)."""
    async with store.transaction() as tx:
        changed = await tx.execute(
            "UPDATE announcements SET status = ?, updated_at = ? WHERE id = ? AND status = ?",
            (status, now.isoformat(), announcement_id, expected),
        )
        if changed:
            await audit(
                tx, now, actor_key, actor_name, f"announcement.{status}", {"id": announcement_id}
            )
    return changed > 0


async def audit(
    tx: Transaction | Store,
    at: datetime,
    actor_key: str,
    actor_name: str,
    action: str,
    detail: dict[str, object],
) -> None:
    """One line of the audit log: who did what, when."""
    await tx.execute(
        "INSERT INTO audit_log (at, actor_key, actor_name, action, detail) VALUES (?, ?, ?, ?, ?)",
        (at.isoformat(), actor_key, actor_name, action, json.dumps(detail, ensure_ascii=False)),
    )


async def audit_lines(store: Store, limit: int = 50) -> list[tuple[str, str, str, str]]:
    """(at, actor, action, detail), newest first."""
    rows = await store.fetchall(
        "SELECT at, actor_name, action, detail FROM audit_log ORDER BY id DESC LIMIT ?", (limit,)
    )
    return [(r[0], r[1], r[2], r[3]) for r in rows]
