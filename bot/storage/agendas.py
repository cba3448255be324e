"""The agenda in force, kept where every instance on a PostgreSQL database reads it: the
one that applies a change (a reload, the agenda source) writes it here with the next
version number and tells the others (NOTIFY on AGENDA_CHANNEL, sent when its transaction
commits); they, and an instance starting later, take it from here (bot/runtime.py).
One row. SQLite's one bot has nobody to tell, and keeps nothing here."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from bot.storage.base import Store, Transaction

# The LISTEN/NOTIFY channel on which an instance says it applied a new agenda.
AGENDA_CHANNEL = "forum_bot_agenda"

# Compare-and-set on the version: two instances applying a change at the same moment
# both start from version N; only the first to commit records N+1, and the other, told
# it lost, follows N+1 and diffs its change again (bot/runtime.py's apply_agenda).
_FIRST = (
    "INSERT INTO running_agenda (id, version, agenda, applied_by, applied_at) "
    "VALUES (1, 1, ?, ?, ?) ON CONFLICT (id) DO NOTHING RETURNING version"
)
_NEXT = (
    "UPDATE running_agenda SET version = version + 1, agenda = ?, applied_by = ?, "
    "applied_at = ? WHERE id = 1 AND version = ? RETURNING version"
)


@dataclass(frozen=True)
class Stored:
    """The agenda last applied, as JSON (bot/programme/stored.py), and who applied it."""

    version: int
    agenda: str
    applied_by: str
    applied_at: datetime


async def record(
    tx: Transaction, agenda: str, by: str, at: datetime, *, expected: int
) -> int | None:
    """Keep `agenda` as the one in force, if the version in force is still `expected`
    (0: none yet), and tell the other instances when `tx` commits (PostgreSQL only).
    Returns the new version, or None when another instance recorded one first: the
    caller rolls back, follows it, and tries again from there."""
    if expected == 0:
        rows = await tx.fetchall(_FIRST, (agenda, by, at.isoformat()))
    else:
        rows = await tx.fetchall(_NEXT, (agenda, by, at.isoformat(), expected))
    if not rows:
        return None
    version = int(rows[0][0])
    notice = json.dumps({"from": by, "version": version})
    await tx.execute("SELECT pg_notify(?, ?)", (AGENDA_CHANNEL, notice))
    return version


async def version(store: Store) -> int:
    """The version of the agenda in force; 0 when none was ever applied."""
    row = await store.fetchone("SELECT version FROM running_agenda WHERE id = 1")
    return int(row[0]) if row is not None else 0


async def latest(store: Store) -> Stored | None:
    """The agenda in force, or None when none was ever applied."""
    row = await store.fetchone(
        "SELECT version, agenda, applied_by, applied_at FROM running_agenda WHERE id = 1"
    )
    if row is None:
        return None
    return Stored(int(row[0]), row[1], row[2], datetime.fromisoformat(row[3]))
