"""Which Discord scheduled event the bot made for which session, in which server, and each
server's last sync: what makes the events idempotent across restarts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.storage.base import Store


@dataclass(frozen=True)
class Link:
    """A session's event in one server; `event_id` None: a create was sent and its answer
    never stored (the bot stopped in between)."""

    session_id: str
    event_id: str | None
    digest: str


@dataclass(frozen=True)
class SyncReport:
    """A server's last sync: events linked, sessions that should have one and have none,
    and why (None: nothing wrong)."""

    guild_id: str
    at: str
    linked: int
    missing: int
    problem: str | None


async def of_guild(store: Store, guild_id: str) -> dict[str, Link]:
    """Every link in a server, by session id."""
    rows = await store.fetchall(
        "SELECT session_id, event_id, digest FROM discord_events WHERE guild_id = ?",
        (guild_id,),
    )
    return {r[0]: Link(r[0], r[1], r[2]) for r in rows}


async def of_session(store: Store, session_id: str) -> list[tuple[str, str]]:
    """(server id, event id) of each event made for a session."""
    rows = await store.fetchall(
        "SELECT guild_id, event_id FROM discord_events "
        "WHERE session_id = ? AND event_id IS NOT NULL ORDER BY guild_id",
        (session_id,),
    )
    return [(r[0], r[1]) for r in rows]


async def intend(store: Store, guild_id: str, session_id: str, digest: str, now: datetime) -> None:
    """Say, before the request goes, that an event with this digest is being created."""
    await store.execute(
        "INSERT INTO discord_events (guild_id, session_id, event_id, digest, updated_at) "
        "VALUES (?, ?, NULL, ?, ?) ON CONFLICT (guild_id, session_id) DO UPDATE SET "
        "event_id = NULL, digest = excluded.digest, updated_at = excluded.updated_at",
        (guild_id, session_id, digest, now.isoformat()),
    )


async def link(
    store: Store, guild_id: str, session_id: str, event_id: str, digest: str, now: datetime
) -> None:
    """Remember the session's event and what it now says."""
    await store.execute(
        "INSERT INTO discord_events (guild_id, session_id, event_id, digest, updated_at) "
        "VALUES (?, ?, ?, ?, ?) ON CONFLICT (guild_id, session_id) DO UPDATE SET "
        "event_id = excluded.event_id, digest = excluded.digest, "
        "updated_at = excluded.updated_at",
        (guild_id, session_id, event_id, digest, now.isoformat()),
    )


async def forget(store: Store, guild_id: str, session_id: str) -> None:
    """Drop a session's link (its event is deleted, gone, or was never made)."""
    await store.execute(
        "DELETE FROM discord_events WHERE guild_id = ? AND session_id = ?",
        (guild_id, session_id),
    )


async def report(
    store: Store,
    guild_id: str,
    now: datetime,
    *,
    linked: int,
    missing: int,
    problem: str | None,
) -> None:
    """Keep a server's sync outcome for `forum-bot status`."""
    await store.execute(
        "INSERT INTO discord_event_syncs (guild_id, at, linked, missing, problem) "
        "VALUES (?, ?, ?, ?, ?) ON CONFLICT (guild_id) DO UPDATE SET at = excluded.at, "
        "linked = excluded.linked, missing = excluded.missing, problem = excluded.problem",
        (guild_id, now.isoformat(), linked, missing, problem),
    )


async def reports(store: Store) -> list[SyncReport]:
    """Every server's last sync."""
    rows = await store.fetchall(
        "SELECT guild_id, at, linked, missing, problem FROM discord_event_syncs ORDER BY guild_id"
    )
    return [SyncReport(r[0], r[1], int(r[2]), int(r[3]), r[4]) for r in rows]
