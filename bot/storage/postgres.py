"""The store on PostgreSQL through an asyncpg pool: for FORUM_BOT_DATABASE_URL, when several
instances of the bot share one database (docs/postgresql.md).

The repositories' SQL is the same as on SQLite: their `?` placeholders become `$1, $2...`
here (`numbered`), and each migration step is translated once (`bot.storage.migrations
.for_postgres`). What SQLite got from one writer at a time, this store gets from row locks
(READ COMMITTED, where each statement sees what is committed when it starts): a group of
statements first locks the row it recounts (`batched_read(lock=...)`: a vote counted on
two instances at once stays exact), a transaction reads the rows it goes on to change
with `Transaction.for_update`, and the outbox's claims pass over locked rows
(`Transaction.skip_locked`).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import socket
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from functools import lru_cache
from typing import Any, ClassVar
from urllib.parse import urlsplit

import asyncpg

from bot.storage.base import POSTGRESQL, Row, Statements, Store, Transaction
from bot.storage.faults import StorageError
from bot.storage.migrations import MIGRATIONS, postgres_statements

log = logging.getLogger(__name__)

# Connections the pool opens at most: writes and reads of one instance at once. A server's
# default max_connections (100) leaves room for several instances.
POOL_SIZE = 10
# A server that does not answer is said at start within this many seconds, not a minute.
CONNECT_TIMEOUT = 10.0
# How often a group of statements is run again after a deadlock undid it.
_RETRIES = 5
# The advisory lock held while migrating: instances started together migrate one by one.
_MIGRATION_LOCK = "forum-bot:migrate"
_ADVICE = "fix FORUM_BOT_DATABASE_URL"


# On the connections held for long (the leader's lock, LISTEN): the server finds a peer
# that went silent (a machine gone, a network cut) in about 25 s, not the system's
# default of two hours, and frees its advisory lock for another instance to lead.
_KEEPALIVES = {
    "tcp_keepalives_idle": "10",
    "tcp_keepalives_interval": "5",
    "tcp_keepalives_count": "3",
}


async def _nothing_to_reset(_conn: asyncpg.Connection) -> None:
    """The pool's reset of a connection given back, on top of asyncpg's own (a transaction
    left open is rolled back, listeners dropped): nothing more. Its default sends
    `pg_advisory_unlock_all(); CLOSE ALL; UNLISTEN *; RESET ALL` to the server, a round trip
    per use of the pool, for session state the pooled connections never take: advisory
    locks and LISTEN are on connections of their own (`connect`), locks in transactions
    end with them, and nothing here SETs a session."""


class PostgresStore(Store):
    """The store on one PostgreSQL database; see `Store` and `bot.storage.db.SQLiteStore`."""

    engine: ClassVar[str] = POSTGRESQL

    def __init__(self, pool: asyncpg.Pool, url: str) -> None:
        self._pool = pool
        self._url = url
        self.cache: dict[str, dict[str, Any]] = {}
        self._held: list[asyncpg.Connection] = []  # connections holding `hold`'s locks

    @classmethod
    async def open(cls, url: str, *, migrate: bool = True) -> PostgresStore:
        """Connect to the database at `url` and bring its schema up to date (unless
        `migrate` is False: then `migrate()` does). Raises StorageError, one line, when
        the server is down or unreachable, refuses the user or its password, has no such
        database, or has a newer schema."""
        where = describe(url)
        try:
            pool = await asyncpg.create_pool(
                url,
                min_size=1,
                max_size=POOL_SIZE,
                timeout=CONNECT_TIMEOUT,
                reset=_nothing_to_reset,
            )
        except Exception as exc:
            fault = postgres_fault(where, exc)
            if fault is None:
                raise
            raise fault from exc
        store = cls(pool, url)
        try:
            if migrate:
                await store.migrate()
            else:
                store._not_newer(await store.schema_version())
        except BaseException:
            await pool.close()
            raise
        return store

    @property
    def where(self) -> str:
        return describe(self._url)

    async def close(self) -> None:
        """Let go of the locks it holds and close every connection of the pool (waiting
        for those in use)."""
        for conn in self._held:
            await conn.close()
        self._held.clear()
        await self._pool.close()

    async def hold(self, name: str) -> bool:
        """Hold the advisory lock `name` until `close()` (or this process dies: the server
        lets go of a dead connection's locks); False when another session holds it."""
        conn = await self.try_lock(name)
        if conn is None:
            return False
        self._held.append(conn)
        return True

    async def connect(self) -> asyncpg.Connection:
        """A connection of its own, outside the pool, for what holds one for long:
        LISTEN, session advisory locks. The caller closes it."""
        return await asyncpg.connect(
            self._url, timeout=CONNECT_TIMEOUT, server_settings=_KEEPALIVES
        )

    async def try_lock(self, name: str) -> asyncpg.Connection | None:
        """Take the session advisory lock `name` on a connection of its own, which holds
        it until closed (or its process dies); None when another session holds it."""
        conn = await self.connect()
        try:
            taken = await conn.fetchval("SELECT pg_try_advisory_lock($1)", lock_key(name))
        except BaseException:
            await conn.close()
            raise
        if not taken:
            await conn.close()
            return None
        return conn

    async def schema_version(self) -> int:
        async with self._pool.acquire() as conn:
            return await _version(conn)

    async def migrate(self) -> None:
        """Bring the database to the latest schema version, one step per transaction."""
        try:
            await self._migrate()
        except Exception as exc:
            fault = postgres_fault(self.where, exc)
            if fault is None:
                raise
            raise fault from exc

    def _not_newer(self, current: int) -> None:
        if current > len(MIGRATIONS):
            raise StorageError(
                f"cannot open the database {self.where}: it has schema version {current}, "
                f"newer than this forum-bot ({len(MIGRATIONS)}); upgrade forum-bot or "
                f"{_ADVICE}"
            )

    async def _migrate(self) -> None:
        async with self._pool.acquire() as conn:
            while True:
                async with conn.transaction():
                    # Two instances starting at once: the second waits, then finds it done.
                    await conn.execute(
                        "SELECT pg_advisory_xact_lock($1)", lock_key(_MIGRATION_LOCK)
                    )
                    await conn.execute(
                        "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)"
                    )
                    current = await _version(conn)
                    self._not_newer(current)
                    if current == len(MIGRATIONS):
                        return
                    version = current + 1
                    for statement in postgres_statements(MIGRATIONS[current]):
                        await conn.execute(statement)
                    await conn.execute("DELETE FROM schema_version")
                    await conn.execute("INSERT INTO schema_version (version) VALUES ($1)", version)
                log.info("database %s migrated to schema version %d", self.where, version)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[PostgresTransaction]:
        """All statements run through the yielded transaction commit together or not at
        all (READ COMMITTED: read what you go on to change with `for_update`)."""
        async with self._pool.acquire() as conn, conn.transaction():
            yield PostgresTransaction(conn)

    async def execute(self, sql: str, params: Iterable[Any] = ()) -> int:
        async with self._pool.acquire() as conn:
            return _count(await conn.execute(numbered(sql), *params))

    async def batched(self, statements: Statements) -> list[int]:
        """Run `statements` all-or-nothing in one transaction; returns the rows each
        changed."""
        if not statements:
            return []
        counts, _ = await self._batch(statements, None, None)
        return counts

    async def batched_read(
        self,
        statements: Statements,
        read: tuple[str, Sequence[Any]],
        *,
        lock: tuple[str, Sequence[Any]] | None = None,
    ) -> tuple[list[int], list[Row]]:
        return await self._batch(statements, read, lock)

    async def _batch(
        self,
        statements: Statements,
        read: tuple[str, Sequence[Any]] | None,
        lock: tuple[str, Sequence[Any]] | None,
    ) -> tuple[list[int], list[Row]]:
        work = [(numbered(sql), tuple(params)) for sql, params in statements]
        query = (numbered(read[0]), tuple(read[1])) if read is not None else None
        for attempt in range(_RETRIES):
            try:
                async with self._pool.acquire() as conn, conn.transaction():
                    if lock is not None:
                        # Each statement after it sees what the lock's last holder did.
                        await conn.execute(numbered(lock[0]) + " FOR UPDATE", *lock[1])
                    counts = [_count(await conn.execute(sql, *params)) for sql, params in work]
                    rows = await conn.fetch(query[0], *query[1]) if query is not None else []
                return counts, rows
            except asyncpg.DeadlockDetectedError:
                # Two batches took the same rows in opposite orders: the server undid
                # this one; nothing of it was written.
                if attempt == _RETRIES - 1:
                    raise
        raise AssertionError("unreachable")

    async def fetchone(self, sql: str, params: Iterable[Any] = ()) -> Row | None:
        async with self._pool.acquire() as conn:
            row: Row | None = await conn.fetchrow(numbered(sql), *params)
            return row

    async def fetchall(self, sql: str, params: Iterable[Any] = ()) -> list[Row]:
        async with self._pool.acquire() as conn:
            rows: list[Row] = await conn.fetch(numbered(sql), *params)
            return rows

    async def fetch_each(self, queries: Statements) -> list[list[Row]]:
        async with self._pool.acquire() as conn:
            return [await conn.fetch(numbered(sql), *params) for sql, params in queries]


class PostgresTransaction(Transaction):
    """Statements inside `PostgresStore.transaction()`, on the connection it holds."""

    for_update: ClassVar[str] = " FOR UPDATE"
    skip_locked: ClassVar[str] = " FOR UPDATE SKIP LOCKED"

    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn

    async def execute(self, sql: str, params: Iterable[Any] = ()) -> int:
        return _count(await self._conn.execute(numbered(sql), *params))

    async def fetchall(self, sql: str, params: Iterable[Any] = ()) -> list[Row]:
        rows: list[Row] = await self._conn.fetch(numbered(sql), *params)
        return rows

    async def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> int:
        if not rows:
            return 0
        # asyncpg's executemany says no row counts; each statement's RETURNING row does.
        assert "RETURNING" not in sql.upper(), sql
        changed = await self._conn.fetchmany(numbered(sql) + " RETURNING 1", rows)
        return len(changed)

    async def insert(self, sql: str, params: Iterable[Any] = ()) -> int:
        assert "RETURNING" not in sql.upper(), sql
        new_id = await self._conn.fetchval(numbered(sql) + " RETURNING id", *params)
        return int(new_id)


@lru_cache(maxsize=512)
def numbered(sql: str) -> str:
    """`sql` with its `?` placeholders numbered as PostgreSQL's `$1, $2...`.

    A `?` inside a string literal or a quoted name would be data, not a placeholder: our
    SQL has none, and one is refused (ValueError) rather than guessed at."""
    out: list[str] = []
    n = 0
    quote: str | None = None
    for ch in sql:
        if quote is not None:
            if ch == quote:
                quote = None  # a doubled quote ('') closes and reopens: the same to us
            elif ch == "?":
                raise ValueError(f"a '?' inside a quoted part of {sql[:80]!r}")
            out.append(ch)
        elif ch in ("'", '"'):
            quote = ch
            out.append(ch)
        elif ch == "?":
            n += 1
            out.append(f"${n}")
        else:
            out.append(ch)
    if quote is not None:
        raise ValueError(f"an unclosed quote in {sql[:80]!r}")
    return "".join(out)


def _count(status: str) -> int:
    """The rows a statement changed, from its command status ("INSERT 0 1", "UPDATE 3")."""
    last = status.rsplit(" ", 1)[-1]
    return int(last) if last.isdigit() else 0


async def _version(conn: asyncpg.Connection) -> int:
    exists = await conn.fetchval("SELECT to_regclass('schema_version') IS NOT NULL")
    if not exists:
        return 0
    found = await conn.fetchval("SELECT MAX(version) FROM schema_version")
    return int(found or 0)


def lock_key(name: str) -> int:
    """A 64-bit advisory lock key for `name`, the same on every instance and server."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


def describe(url: str) -> str:
    """The database's address as a message may say it: without the password."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or "localhost"
        port = parts.port
    except ValueError:
        return "the PostgreSQL database in FORUM_BOT_DATABASE_URL"
    user = f"{parts.username}@" if parts.username else ""
    where = f"[{host}]" if ":" in host else host
    return f"{parts.scheme}://{user}{where}{f':{port}' if port else ''}{parts.path}"


def postgres_fault(where: str, exc: BaseException) -> StorageError | None:
    """The one-line error for a PostgreSQL that cannot be used at start (down, unreachable,
    refusing the user, no such database), or None for an error that is not the
    database's (a mistake in a statement keeps its traceback)."""
    if isinstance(exc, StorageError):
        return exc
    said = f"({' '.join(str(exc).split())[:200]})" if str(exc) else ""
    state = getattr(exc, "sqlstate", None) or ""
    if isinstance(exc, asyncpg.InvalidPasswordError) or state == "28P01":
        reason = f"the server refused the password {said}"
        advice = "check the user and password in FORUM_BOT_DATABASE_URL"
    elif state.startswith("28"):
        reason = f"the server refused this user {said}"
        advice = "check the user in FORUM_BOT_DATABASE_URL and the server's pg_hba.conf"
    elif state == "3D000":
        reason = f"there is no such database {said}"
        advice = f"create it (createdb), or {_ADVICE}"
    elif state == "42501":
        reason = f"this user may not create the bot's tables {said}"
        advice = "let it (GRANT CREATE ON SCHEMA public), or use the database's owner"
    elif state in ("53300", "53000"):
        reason = f"the server has no connection left {said}"
        advice = "raise its max_connections or stop other clients"
    elif state.startswith(("57P", "08")):
        reason = f"the server is starting, stopping or dropped the connection {said}"
        advice = "start it, or try again in a moment"
    elif isinstance(exc, socket.gaierror):
        reason = f"the server's name does not resolve {said}"
        advice = _ADVICE
    elif isinstance(exc, ConnectionRefusedError):
        reason = "nothing answers at that address (is PostgreSQL running there?)"
        advice = f"start it, or {_ADVICE}"
    elif isinstance(exc, TimeoutError | asyncio.TimeoutError):
        reason = f"no answer within {CONNECT_TIMEOUT:.0f} s"
        advice = f"check that the server is up and reachable, or {_ADVICE}"
    elif isinstance(exc, OSError):
        reason = f"the server cannot be reached {said}"
        advice = f"check that it is up and reachable, or {_ADVICE}"
    elif isinstance(exc, asyncpg.InterfaceError | ValueError):
        reason = f"the address or its options are not usable {said}"
        advice = _ADVICE
    else:
        return None
    return StorageError(f"cannot open the database {where}: {reason}; {advice}")
