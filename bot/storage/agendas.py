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

_RECORD = (
    "INSERT INTO running_agenda (id, version, agenda, applied_by, applied_at) "
    "VALUES (1, 1, ?, ?, ?) "
    "ON CONFLICT (id) DO UPDATE SET version = running_agenda.version + 1, "
    "agenda = excluded.agenda, applied_by = excluded.applied_by, "
    "applied_at = excluded.applied_at"
)


@dataclass(frozen=True)
class Stored:
    """The agenda last applied, as JSON (bot/programme/stored.py), and who applied it."""

    version: int
    agenda: str
    applied_by: str
    applied_at: datetime


async def record(tx: Transaction, agenda: str, by: str, at: datetime) -> int:
    """Keep `agenda` as the one in force and tell the other instances when `tx` commits
    (PostgreSQL only); returns its version. Concurrent records take turns on the row."""
    await tx.execute(_RECORD, (agenda, by, at.isoformat()))
    rows = await tx.fetchall("SELECT version FROM running_agenda WHERE id = 1")
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
