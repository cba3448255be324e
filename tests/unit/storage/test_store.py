"""The store: all-or-nothing changes on both engines; SQLite's own workings (one file, WAL,
migrations by user_version, group commits) on SQLite (tests/unit/storage/test_postgres.py:
PostgreSQL's)."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.storage import StorageError, Store, get_prefs, open_store, set_language, set_timezone
from bot.storage.base import SQLITE
from bot.storage.db import SQLiteStore
from bot.storage.migrations import MIGRATIONS
from bot.storage.prefs import Prefs

NOW = datetime(2026, 2, 5, tzinfo=UTC)
# SQLite's own workings: `store` on SQLite only.
sqlite_only = pytest.mark.parametrize("any_store", [SQLITE], indirect=True)


async def test_new_file_is_wal_and_at_the_latest_version(tmp_path: Path) -> None:
    store = await open_store(tmp_path / "sub" / "dir" / "bot.sqlite")
    try:
        assert await store.schema_version() == len(MIGRATIONS)
        row = await store.fetchone("PRAGMA journal_mode")
        assert row is not None and row[0] == "wal"
    finally:
        await store.close()


async def test_reopening_runs_no_migration_twice(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite"
    first = await open_store(path)
    await set_timezone(first, "test:a", "Asia/Tokyo", NOW)
    await first.close()
    second = await open_store(path)
    try:
        assert await second.schema_version() == len(MIGRATIONS)
        assert (await get_prefs(second, "test:a")).timezone == "Asia/Tokyo"
    finally:
        await second.close()


async def test_a_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "future.sqlite"
    with sqlite3.connect(path) as conn:
        conn.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 5}")
    with pytest.raises(StorageError, match="newer than this forum-bot"):
        await open_store(path)


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


@sqlite_only
async def test_a_transaction_cancelled_while_begin_waits_is_rolled_back(
    store: SQLiteStore, tmp_path: Path
) -> None:
    """Cancelled while its BEGIN still waits for another writer's lock: the BEGIN goes
    through afterwards in aiosqlite's thread, and must be undone, or the connection stays
    inside a transaction and every later write fails."""
    other = sqlite3.connect(store.path, timeout=0, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another process holds the write lock

    async def writer() -> None:
        async with store.transaction():
            pass

    task = asyncio.create_task(writer())
    await asyncio.sleep(0)  # the task starts and hands BEGIN to aiosqlite's thread, where
    task.cancel()  # it waits (busy_timeout) however long we take: the lock is held above
    with pytest.raises(asyncio.CancelledError):
        await task
    other.execute("COMMIT")  # the lock goes: the waiting BEGIN succeeds now
    other.close()
    await set_language(store, "test:e", "ko", NOW)  # needs a fresh BEGIN
    assert (await get_prefs(store, "test:e")).language == "ko"
    assert not await store.fetchall("SELECT 1 WHERE 0")  # and reads still answer


# ---- group commit: Store.batched -------------------------------------------------------

UPSERT_LANGUAGE = (
    "INSERT INTO user_prefs (user_key, language, updated_at) VALUES (?, ?, ?) "
    "ON CONFLICT (user_key) DO UPDATE SET language = excluded.language"
)
INSERT = "INSERT INTO user_prefs (user_key, language, updated_at) VALUES (?, ?, ?)"


def _groups(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Record how many batches each group commit carried."""
    from bot.storage import db

    sizes: list[int] = []
    real = db._run_batches

    def counting(batches: Any, conn: sqlite3.Connection) -> Any:
        sizes.append(len(batches))
        return real(batches, conn)

    monkeypatch.setattr(db, "_run_batches", counting)
    return sizes


async def _languages(store: Store) -> dict[str, str]:
    rows = await store.fetchall("SELECT user_key, language FROM user_prefs")
    return {r["user_key"]: r["language"] for r in rows}


@sqlite_only
async def test_a_write_on_an_idle_connection_commits_in_place(
    store: SQLiteStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Nothing else on the connection: the batch commits on the loop's own thread, before
    the loop runs anything else (under a burst of commands each pass is long)."""
    groups = _groups(monkeypatch)
    passes: list[int] = []
    asyncio.get_running_loop().call_soon(passes.append, 1)  # runs at the loop's next pass
    assert await store.batched([(UPSERT_LANGUAGE, ("test:1", "ko", NOW.isoformat()))]) == [1]
    assert passes == [] and groups == [1]
    with pytest.raises(sqlite3.IntegrityError):  # its own error, raised in place
        await store.batched(
            [(INSERT, ("test:half", "en", NOW.isoformat())), (INSERT, ("test:1", "en", ""))]
        )
    assert passes == []
    assert await _languages(store) == {"test:1": "ko"}  # nothing of the failed batch
    assert not store._conn.in_transaction


@sqlite_only
async def test_a_small_read_on_an_idle_connection_is_read_in_place(store: SQLiteStore) -> None:
    """`fetch_each` on an idle connection answers before the loop's next pass; inside a
    transaction (the connection busy) it goes to the thread and sees what is committed
    there, in order with the transaction's own statements."""
    await store.batched([(UPSERT_LANGUAGE, ("test:r", "ko", NOW.isoformat()))])
    query = ("SELECT language FROM user_prefs WHERE user_key = ?", ("test:r",))
    count = ("SELECT COUNT(*) AS n FROM user_prefs", ())
    passes: list[int] = []
    asyncio.get_running_loop().call_soon(passes.append, 1)
    [[row], [total]] = await store.fetch_each([query, count])
    assert passes == [] and row["language"] == "ko" and total["n"] == 1
    async with store.transaction() as tx:
        await tx.execute("UPDATE user_prefs SET language = 'en' WHERE user_key = 'test:r'")
        [[row], _] = await store.fetch_each([query, count])
        assert passes == [1] and row["language"] == "en"
    assert not store._conn.in_transaction


async def test_a_write_never_waits_for_another_process_on_the_loop(tmp_path: Path) -> None:
    """Another process holding the write lock: the batch waits on the database thread
    (its busy timeout), not on the loop's, and commits once the lock is free."""
    path = tmp_path / "shared.sqlite"
    store = await open_store(path)
    other = sqlite3.connect(path, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        began = asyncio.get_running_loop().time()
        write = asyncio.create_task(
            store.batched([(UPSERT_LANGUAGE, ("test:w", "ko", NOW.isoformat()))])
        )
        await asyncio.sleep(0)
        assert not write.done()
        assert asyncio.get_running_loop().time() - began < 1  # the loop was not held
        other.execute("COMMIT")
        assert await write == [1]
        assert await _languages(store) == {"test:w": "ko"}
    finally:
        other.close()
        await store.close()


@sqlite_only
async def test_batches_queued_while_the_connection_is_busy_commit_together(
    store: SQLiteStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    groups = _groups(monkeypatch)
    async with store.transaction():  # holds the write lock: the batches queue meanwhile
        writes = [
            asyncio.create_task(
                store.batched(
                    [
                        (UPSERT_LANGUAGE, (f"test:{i}", "ko", NOW.isoformat())),
                        ("UPDATE user_prefs SET timezone = ? WHERE user_key = ?", ("UTC", "x")),
                    ]
                )
            )
            for i in range(20)
        ]
        await asyncio.sleep(0)
    counts = await asyncio.gather(*writes)
    assert counts == [[1, 0]] * 20
    assert groups == [20]  # one transaction, one trip to the database thread
    assert await _languages(store) == {f"test:{i}": "ko" for i in range(20)}
    assert not store._conn.in_transaction
    assert await store.batched([]) == []


@sqlite_only
async def test_a_failing_batch_is_rolled_back_alone(
    store: SQLiteStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    await store.batched([(INSERT, ("test:taken", "en", NOW.isoformat()))])
    groups = _groups(monkeypatch)
    async with store.transaction():  # the three queue, then commit in one group
        good = asyncio.create_task(store.batched([(INSERT, ("test:a", "en", NOW.isoformat()))]))
        bad = asyncio.create_task(
            store.batched(
                [
                    (INSERT, ("test:half", "ko", NOW.isoformat())),  # fine on its own...
                    (INSERT, ("test:taken", "ko", NOW.isoformat())),  # ...but this one fails
                ]
            )
        )
        also_good = asyncio.create_task(
            store.batched([(UPSERT_LANGUAGE, ("test:taken", "ko", NOW.isoformat()))])
        )
        await asyncio.sleep(0)
    results = await asyncio.gather(good, bad, also_good, return_exceptions=True)
    assert groups == [3]
    assert results[0] == [1] and results[2] == [1]
    assert isinstance(results[1], sqlite3.IntegrityError)
    assert await _languages(store) == {"test:taken": "ko", "test:a": "en"}
    assert not store._conn.in_transaction


@sqlite_only
async def test_a_cancelled_caller_leaves_the_others_and_the_connection_alone(
    store: SQLiteStore,
) -> None:
    async with store.transaction():  # holds the write lock: the batches queue meanwhile
        queued = [
            asyncio.create_task(store.batched([(INSERT, (f"test:{i}", "en", NOW.isoformat()))]))
            for i in range(3)
        ]
        await asyncio.sleep(0.01)
        queued[1].cancel()
    assert await queued[0] == [1] and await queued[2] == [1]
    with pytest.raises(asyncio.CancelledError):
        await queued[1]
    # Cancelled while queued: not written. The others: written, the connection usable.
    assert await _languages(store) == {"test:0": "en", "test:2": "en"}

    # Cancelled once its batch is on the database thread: written with the others. (A
    # job held on that thread keeps the connection busy, so the batches queue for a group.)
    gate = threading.Event()
    holding = asyncio.create_task(store._on_thread(lambda _db: gate.wait(5)))
    await asyncio.sleep(0)
    taken = asyncio.create_task(store.batched([(INSERT, ("test:late", "ko", NOW.isoformat()))]))
    other = asyncio.create_task(store.batched([(INSERT, ("test:ok", "ko", NOW.isoformat()))]))
    for _ in range(2):
        await asyncio.sleep(0)  # the group commit has started
    taken.cancel()
    gate.set()
    assert await holding
    assert await other == [1]
    with pytest.raises(asyncio.CancelledError):
        await taken
    assert not store._conn.in_transaction
    assert await store.execute(INSERT, ("test:after", "en", NOW.isoformat())) == 1
    assert set(await _languages(store)) == {
        "test:0",
        "test:2",
        "test:late",
        "test:ok",
        "test:after",
    }


@sqlite_only
async def test_batches_and_transactions_take_turns(store: SQLiteStore) -> None:
    order: list[str] = []

    async def in_transaction(name: str) -> None:
        async with store.transaction() as tx:
            await tx.execute(INSERT, (name, "en", NOW.isoformat()))
            await asyncio.sleep(0.01)  # other writers queue meanwhile
            rows = await tx.fetchall("SELECT user_key FROM user_prefs")
            order.append(f"{name}: {len(rows)}")

    async def batch(name: str) -> None:
        await store.batched([(INSERT, (name, "en", NOW.isoformat()))])
        order.append(name)

    async def later_transaction(name: str) -> None:
        await asyncio.sleep(0.005)  # after the batches queued
        await in_transaction(name)

    await asyncio.gather(
        in_transaction("test:t1"), batch("test:b1"), batch("test:b2"), later_transaction("test:t2")
    )
    # The write lock is first come, first served: t1 alone, then b1 and b2 in one group
    # commit, then t2 (which saw all of them).
    assert order == ["test:t1: 1", "test:b1", "test:b2", "test:t2: 4"]
    with pytest.raises(sqlite3.IntegrityError):
        await store.execute(INSERT, ("test:b1", "ko", NOW.isoformat()))
    assert not store._conn.in_transaction


@sqlite_only
async def test_preference_cache_follows_committed_writes(store: SQLiteStore) -> None:
    assert await get_prefs(store, "test:p") == Prefs()  # cached as "nothing chosen"
    await asyncio.gather(
        set_timezone(store, "test:p", "Asia/Tokyo", NOW), set_language(store, "test:p", "ko", NOW)
    )
    assert await get_prefs(store, "test:p") == Prefs("Asia/Tokyo", "ko")
    row = await store.fetchone(
        "SELECT timezone, language FROM user_prefs WHERE user_key = ?", ("test:p",)
    )
    assert row is not None and (row["timezone"], row["language"]) == ("Asia/Tokyo", "ko")

    # A read that overlaps a write does not cache what it read before the write.
    read = asyncio.create_task(get_prefs(store, "test:q"))
    await set_language(store, "test:q", "ko", NOW)
    await read
    assert (await get_prefs(store, "test:q")).language == "ko"

    # A failed write leaves the cache as it was.
    await store.execute(
        "CREATE TRIGGER refuse BEFORE UPDATE ON user_prefs WHEN NEW.language = 'xx' "
        "BEGIN SELECT RAISE(ABORT, 'refused'); END"
    )
    with pytest.raises(sqlite3.IntegrityError):
        await set_language(store, "test:p", "xx", NOW)
    assert await get_prefs(store, "test:p") == Prefs("Asia/Tokyo", "ko")


def test_the_q_and_a_secret_survives_restarts_and_a_cut_short_file(tmp_path: Path) -> None:
    from bot.qa.identity import load_secret

    db = tmp_path / "bot.sqlite"
    first = load_secret(None, db)
    assert len(first) == 64 and load_secret(None, db) == first  # kept across starts
    secret_file = tmp_path / "bot.sqlite.secret"
    assert secret_file.stat().st_mode & 0o777 == 0o600
    secret_file.write_bytes(b"")  # a crash between creating and writing it
    made = load_secret(None, db)
    assert len(made) == 64 and load_secret(None, db) == made  # one key again, kept
    assert list(tmp_path.glob("*.part")) == []
    assert load_secret("chosen", db) == b"chosen"
