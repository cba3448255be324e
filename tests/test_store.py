"""The store: one SQLite file, WAL, migrations by user_version, all-or-nothing changes."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.store import Store, get_prefs, set_language, set_timezone
from bot.store.migrations import MIGRATIONS

NOW = datetime(2026, 2, 5, tzinfo=UTC)


async def test_new_file_is_wal_and_at_the_latest_version(tmp_path: Path) -> None:
    store = await Store.open(tmp_path / "sub" / "dir" / "bot.sqlite")
    try:
        assert await store.schema_version() == len(MIGRATIONS)
        row = await store.fetchone("PRAGMA journal_mode")
        assert row is not None and row[0] == "wal"
    finally:
        await store.close()


async def test_reopening_runs_no_migration_twice(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite"
    first = await Store.open(path)
    await set_timezone(first, "test:a", "Asia/Tokyo", NOW)
    await first.close()
    second = await Store.open(path)
    try:
        assert await second.schema_version() == len(MIGRATIONS)
        assert (await get_prefs(second, "test:a")).timezone == "Asia/Tokyo"
    finally:
        await second.close()


async def test_a_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "future.sqlite"
    with sqlite3.connect(path) as conn:
        conn.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 5}")
    with pytest.raises(RuntimeError, match="newer than this forum-bot"):
        await Store.open(path)


async def test_transaction_is_all_or_nothing(store: Store) -> None:
    with pytest.raises(RuntimeError):
        async with store.transaction() as tx:
            await tx.execute(
                "INSERT INTO user_prefs (user_key, language, updated_at) VALUES (?, ?, ?)",
                ("test:x", "ko", NOW.isoformat()),
            )
            raise RuntimeError("half-way")
    assert await store.fetchall("SELECT * FROM user_prefs") == []


async def test_preferences_upsert_keeps_the_other_field(store: Store) -> None:
    await set_timezone(store, "test:b", "Asia/Seoul", NOW)
    await set_language(store, "test:b", "ko", NOW)
    await set_timezone(store, "test:b", "Europe/Berlin", NOW)
    prefs = await get_prefs(store, "test:b")
    assert (prefs.timezone, prefs.language) == ("Europe/Berlin", "ko")


async def test_hostile_text_is_data_not_sql(store: Store) -> None:
    evil = "x'); DROP TABLE user_prefs; --"
    await set_language(store, evil, "en", NOW)
    assert (await get_prefs(store, evil)).language == "en"
    assert await store.fetchone("SELECT COUNT(*) FROM user_prefs") is not None


async def test_a_cancelled_transaction_leaves_the_connection_usable(store: Store) -> None:
    import asyncio

    entered = asyncio.Event()

    async def writer() -> None:
        async with store.transaction() as tx:
            await tx.execute(
                "INSERT INTO user_prefs (user_key, language, updated_at) VALUES (?, ?, ?)",
                ("test:c", "ko", NOW.isoformat()),
            )
            entered.set()
            await asyncio.Event().wait()  # cancelled here, mid-transaction

    task = asyncio.create_task(writer())
    await entered.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await set_language(store, "test:d", "en", NOW)  # the next write works...
    assert (await get_prefs(store, "test:c")).language is None  # ...and nothing half-done
