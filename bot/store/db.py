"""One SQLite file through aiosqlite: WAL, migrations by PRAGMA user_version."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiosqlite

from bot.store.migrations import MIGRATIONS

log = logging.getLogger(__name__)


class Store:
    """The bot's source of truth. Queries are parametrised and portable SQL.

    SQLite serialises writers; one connection shared by the whole process keeps every
    write in one queue, and `transaction()` makes a multi-statement change all-or-nothing.
    """

    def __init__(self, conn: aiosqlite.Connection, path: Path) -> None:
        self._conn = conn
        self.path = path
        # One connection serves every coroutine: writes take turns so that one
        # coroutine's statement never lands inside another's open transaction.
        self._write_lock = asyncio.Lock()
        # Small read-mostly tables (preferences) cached by their modules: every command
        # reads them, and this process is their only writer.
        self.cache: dict[str, dict[str, Any]] = {}

    @classmethod
    async def open(cls, path: Path | str) -> Store:
        """Open (creating if needed) the database at `path` and bring its schema up to date."""
        path = Path(path)
        if str(path) != ":memory:":
            path.parent.mkdir(parents=True, exist_ok=True)
        conn = await aiosqlite.connect(path, isolation_level=None)
        try:
            conn.row_factory = aiosqlite.Row
            await conn.execute("PRAGMA journal_mode=WAL")
            await conn.execute("PRAGMA synchronous=NORMAL")
            await conn.execute("PRAGMA foreign_keys=ON")
            await conn.execute("PRAGMA busy_timeout=5000")
            store = cls(conn, path)
            await store._migrate()
        except BaseException:
            await conn.close()
            raise
        return store

    async def close(self) -> None:
        """Close the connection; the file stays consistent (WAL is checkpointed)."""
        await self._conn.close()

    async def schema_version(self) -> int:
        """The schema version this file is at."""
        row = await self.fetchone("PRAGMA user_version")
        return int(row[0]) if row else 0

    async def _migrate(self) -> None:
        current = await self.schema_version()
        if current > len(MIGRATIONS):
            raise RuntimeError(
                f"{self.path} has schema version {current}, newer than this forum-bot "
                f"({len(MIGRATIONS)}); upgrade forum-bot or use another --db"
            )
        for version, script in enumerate(MIGRATIONS[current:], start=current + 1):
            async with self.transaction() as tx:
                for statement in _statements(script):
                    await tx.execute(statement)
                # PRAGMA takes no parameters; version is our own integer.
                await tx.execute(f"PRAGMA user_version = {int(version)}")
            log.info("database %s migrated to schema version %d", self.path, version)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Transaction]:
        """All statements run through the yielded transaction commit together or not at all."""
        async with self._write_lock:
            try:
                # Inside the try: a cancel while BEGIN is under way still rolls back, or
                # the connection would stay in a transaction for good.
                await self._conn.execute("BEGIN IMMEDIATE")
                yield Transaction(self._conn)
            except BaseException:
                if self._conn.in_transaction:
                    await asyncio.shield(self._conn.execute("ROLLBACK"))
                raise
            await self._conn.execute("COMMIT")

    async def execute(self, sql: str, params: Iterable[Any] = ()) -> int:
        """Run one statement on its own; returns the number of rows it changed."""
        async with self._write_lock:
            return await Transaction(self._conn).execute(sql, params)

    async def fetchone(self, sql: str, params: Iterable[Any] = ()) -> aiosqlite.Row | None:
        """The first row a query returns, or None."""
        async with self._conn.execute(sql, tuple(params)) as cursor:
            row: aiosqlite.Row | None = await cursor.fetchone()
            return row

    async def fetchall(self, sql: str, params: Iterable[Any] = ()) -> list[aiosqlite.Row]:
        """Every row a query returns."""
        async with self._conn.execute(sql, tuple(params)) as cursor:
            return list(await cursor.fetchall())


class Transaction:
    """Statements inside `Store.transaction()`."""

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    async def execute(self, sql: str, params: Iterable[Any] = ()) -> int:
        """Run one statement; returns the number of rows it changed."""
        cursor = await self._conn.execute(sql, tuple(params))
        try:
            return cursor.rowcount
        finally:
            await cursor.close()

    async def fetchall(self, sql: str, params: Iterable[Any] = ()) -> list[aiosqlite.Row]:
        """Every row a query returns, seen inside the transaction."""
        async with self._conn.execute(sql, tuple(params)) as cursor:
            return list(await cursor.fetchall())


def _statements(script: str) -> list[str]:
    """Split a migration into statements (our migrations hold no semicolons in strings)."""
    return [s.strip() for s in script.split(";") if s.strip()]
