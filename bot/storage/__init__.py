"""The store: the bot's source of truth, on one SQLite file (the default) or PostgreSQL."""

from __future__ import annotations

from pathlib import Path

from bot.storage.base import Store, is_postgres_url
from bot.storage.faults import StorageError
from bot.storage.prefs import Prefs, get_prefs, set_language, set_timezone


async def open_store(where: Path | str, *, migrate: bool = True) -> Store:
    """Open the database `where` names (a postgresql:// address, else an SQLite file) and
    bring its schema up to date (unless `migrate` is False: `Store.migrate` then does).
    Raises StorageError, one line saying what to do, when it cannot be used."""
    if is_postgres_url(where):
        from bot.storage.postgres import PostgresStore  # asyncpg: only when used

        return await PostgresStore.open(str(where), migrate=migrate)
    from bot.storage.db import SQLiteStore

    return await SQLiteStore.open(where, migrate=migrate)


__all__ = [
    "Prefs",
    "StorageError",
    "Store",
    "get_prefs",
    "open_store",
    "set_language",
    "set_timezone",
]
