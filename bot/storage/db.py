"""The store on one SQLite file through aiosqlite (the embedded default): WAL, migrations by
PRAGMA user_version."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, ClassVar, TypeVar, cast

import aiosqlite

from bot.storage.base import SQLITE, Row, Statements, Store, Transaction
from bot.storage.faults import StorageError, make_folder, sqlite_fault
from bot.storage.migrations import MIGRATIONS, split

log = logging.getLogger(__name__)

T = TypeVar("T")
_BUSY_TIMEOUT_MS = 5000  # how long a statement waits for another process's write lock
_BUSY = {sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED}


@dataclass
class _Batch:
    """One caller's statements, waiting for the next group commit."""

    statements: list[tuple[str, tuple[Any, ...]]]
    result: asyncio.Future[tuple[list[int], list[Any]]]
    # A query run after the statements, inside the same savepoint (e.g. the row written).
    read: tuple[str, tuple[Any, ...]] | None = None


class SQLiteStore(Store):
    """The bot's source of truth on SQLite. Queries are parametrised and portable SQL.

    SQLite serialises writers; one connection shared by the whole process keeps every
    write in one queue, and `transaction()` makes a multi-statement change all-or-nothing.
    `batched()` is the cheap way to write from many coroutines at once: the batches that
    queue up while the connection is busy commit together in one transaction (group commit).

    Every call costs one trip to aiosqlite's thread (and back through the event loop), not
    one per cursor operation: on a busy loop each trip waits behind every ready task. A
    small write finds the thread idle most of the time, and then commits in place instead
    (`batched`).
    """

    engine: ClassVar[str] = SQLITE

    def __init__(self, conn: aiosqlite.Connection, path: Path) -> None:
        self._conn = conn
        self.path = path
        # One connection serves every coroutine: writes take turns so that one
        # coroutine's statement never lands inside another's open transaction.
        self._write_lock = asyncio.Lock()
        # Small read-mostly tables (preferences) cached by their modules: every command
        # reads them, and this process is their only writer.
        self.cache: dict[str, dict[str, Any]] = {}
        self._queue: list[_Batch] = []
        self._flusher: asyncio.Task[None] | None = None
        # Trips to the database thread: queued (counted on the loop) and finished (counted
        # on that thread). Equal, the connection is idle and the loop may use it itself.
        self._sent = 0
        self._finished = 0
        self._closed = False

    @classmethod
    async def open(cls, path: Path | str, *, migrate: bool = True) -> SQLiteStore:
        """Open (creating if needed) the database at `path` and bring its schema up to date
        (unless `migrate` is False: then `migrate()` does).

        Raises StorageError, one line saying what to do, when the file cannot be used (not
        a database, a folder, read-only, a full disk, a newer schema).
        """
        path = Path(path)
        if str(path) != ":memory:":
            make_folder(path)
        # Not bound to aiosqlite's thread: `batched` commits on the loop's thread when
        # aiosqlite's is idle (the two never use the connection at once).
        connecting = aiosqlite.connect(path, isolation_level=None, check_same_thread=False)
        conn: aiosqlite.Connection | None = None
        try:
            try:
                conn = await connecting
            except BaseException:
                await _stopped(connecting)
                raise
            conn.row_factory = aiosqlite.Row
            await conn.execute(f"PRAGMA busy_timeout={_BUSY_TIMEOUT_MS}")
            await conn.execute("PRAGMA foreign_keys=ON")
            store = cls(conn, path)
            # Before anything is written (WAL mode rewrites the header): a newer file is
            # refused as it was.
            current = await store._known_version()
            await conn.execute("PRAGMA journal_mode=WAL")
            await conn.execute("PRAGMA synchronous=NORMAL")
            if migrate:
                await store._migrate(current)
        except BaseException as exc:
            if conn is not None:
                await conn.close()
            fault = sqlite_fault(path, exc) if isinstance(exc, sqlite3.Error) else None
            if fault is None:
                raise
            raise fault from exc
        return store

    @property
    def where(self) -> str:
        return str(self.path)

    async def close(self) -> None:
        """Close the connection once queued batches are written; the file stays consistent
        (WAL is checkpointed)."""
        self._closed = True  # no commit in place from here on
        if self._flusher is not None and not self._flusher.done():
            with contextlib.suppress(Exception):
                await self._flusher
        await self._conn.close()

    async def _on_thread(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """Run `fn(connection)` on aiosqlite's thread: one trip, in order with every other
        statement of this connection. (aiosqlite has no public call for this.)"""
        conn = self._conn
        run = cast(Callable[[Callable[[], T]], Awaitable[T]], conn._execute)

        def job() -> T:
            try:
                return fn(conn._conn)
            finally:
                # Counted there, not when the caller resumes: a caller cancelled meanwhile
                # must not make a running job look finished.
                self._finished += 1

        self._sent += 1
        return await run(job)

    async def schema_version(self) -> int:
        """The schema version this file is at."""
        row = await self.fetchone("PRAGMA user_version")
        return int(row[0]) if row else 0

    async def _known_version(self) -> int:
        """The file's schema version, refused when it is newer than this forum-bot's."""
        current = await self.schema_version()
        if current > len(MIGRATIONS):
            raise StorageError(
                f"cannot open the database {self.path}: it has schema version {current}, "
                f"newer than this forum-bot ({len(MIGRATIONS)}); upgrade forum-bot or "
                "choose another place with --db"
            )
        return current

    async def migrate(self) -> None:
        """Bring the file to the latest schema version."""
        try:
            await self._migrate(await self._known_version())
        except sqlite3.Error as exc:
            fault = sqlite_fault(self.path, exc)
            if fault is None:
                raise
            raise fault from exc

    async def _migrate(self, current: int) -> None:
        """Bring the file from schema version `current` to the latest."""
        for version, script in enumerate(MIGRATIONS[current:], start=current + 1):
            async with self.transaction() as tx:
                for statement in split(script):
                    await tx.execute(statement)
                # PRAGMA takes no parameters; version is our own integer.
                await tx.execute(f"PRAGMA user_version = {int(version)}")
            log.info("database %s migrated to schema version %d", self.path, version)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[SQLiteTransaction]:
        """All statements run through the yielded transaction commit together or not at all."""
        async with self._write_lock:
            try:
                # Inside the try: a cancel while BEGIN is under way still rolls back, or
                # the connection would stay in a transaction for good.
                await self._on_thread(partial(_rowcount, "BEGIN IMMEDIATE", ()))
                yield SQLiteTransaction(self._conn, self)
            except BaseException:
                # Always, not only when `in_transaction` says so: a cancel can come while
                # BEGIN still waits in aiosqlite's thread (for another writer's lock) and
                # goes through after. The ROLLBACK queues behind it on the same thread.
                with contextlib.suppress(sqlite3.OperationalError):  # nothing to undo
                    await asyncio.shield(self._on_thread(partial(_rowcount, "ROLLBACK", ())))
                raise
            await self._on_thread(partial(_rowcount, "COMMIT", ()))

    async def execute(self, sql: str, params: Iterable[Any] = ()) -> int:
        """Run one statement on its own; returns the number of rows it changed."""
        async with self._write_lock:
            return await SQLiteTransaction(self._conn, self).execute(sql, params)

    async def batched(self, statements: Statements) -> list[int]:
        """Run `statements` all-or-nothing, committed together with the other batches queued
        meanwhile (group commit); returns the number of rows each statement changed.

        Batches queued while the connection is busy run, in the order they were queued, in
        one transaction and one trip to the database thread, each under its own SAVEPOINT:
        a failing batch is rolled back alone and its error raised to its caller alone, the
        others commit. It takes the same write lock as `transaction()` and `execute()`, so do
        not await it inside `transaction()` (that would wait for itself). A caller cancelled
        before its batch is taken writes nothing; once taken, the batch commits with the
        rest (the caller just does not hear of it).
        """
        if not statements:
            return []
        counts, _ = await self._queue_batch(statements, None)
        return counts

    async def batched_read(
        self,
        statements: Statements,
        read: tuple[str, Sequence[Any]],
        *,
        lock: tuple[str, Sequence[Any]] | None = None,
    ) -> tuple[list[int], list[Row]]:
        """`batched`, then the query `read` in the same transaction, in the same trip:
        e.g. a vote and the count it leads to, or a new row as stored. (`lock` is for
        PostgreSQL: here one writer at a time sees the one before.)"""
        return await self._queue_batch(statements, (read[0], tuple(read[1])))

    async def _queue_batch(
        self,
        statements: Statements,
        read: tuple[str, tuple[Any, ...]] | None,
    ) -> tuple[list[int], list[Any]]:
        work: _Work = ([(sql, tuple(params)) for sql, params in statements], read)
        if self._idle():
            done = self._commit_in_place(work)
            if done is not None:
                if isinstance(done, Exception):
                    raise done
                return done
        loop = asyncio.get_running_loop()
        batch = _Batch(work[0], loop.create_future(), read)
        self._queue.append(batch)
        if self._flusher is None or self._flusher.done():
            self._flusher = loop.create_task(self._flush(), name="store: group commit")
        return await batch.result

    def _idle(self) -> bool:
        """Nobody else is using the connection: nothing on aiosqlite's thread, no
        transaction open, no group commit waiting."""
        return (
            self._sent == self._finished
            and not self._write_lock.locked()
            and not self._queue
            and not self._closed
        )

    def _commit_in_place(self, work: _Work) -> tuple[list[int], list[Any]] | Exception | None:
        """Commit one batch right here, on the loop's thread; None when another process
        holds the database's write lock (then the batch queues for the thread, which
        waits for it).

        A small commit is about 30 microseconds of file writes (WAL with synchronous=NORMAL
        does not sync on commit). A trip to aiosqlite's thread costs more than that, and
        hands the outcome back two passes of the event loop later: under a burst of
        commands those passes wait behind every ready task, and the write's answer came
        last. Not waiting for another process's lock keeps the loop from blocking.
        """
        try:
            with self._not_waiting() as db:
                [outcome] = _run_batches([work], db)
        except sqlite3.OperationalError as exc:
            if exc.sqlite_errorcode in _BUSY:
                return None  # nothing was written: queue it
            return exc
        except Exception as exc:  # BEGIN or COMMIT failed: nothing was written
            return exc
        return outcome

    @contextlib.contextmanager
    def _not_waiting(self) -> Iterator[sqlite3.Connection]:
        """The connection, used here on the loop's thread, with no busy timeout: a lock
        held elsewhere is an error at once (the caller then goes to the thread, which
        waits) rather than a loop blocked for up to the timeout."""
        db = self._conn._conn
        db.execute("PRAGMA busy_timeout=0")
        try:
            yield db
        finally:
            db.execute(f"PRAGMA busy_timeout={_BUSY_TIMEOUT_MS}")

    async def _flush(self) -> None:
        """Write every queued batch, one group commit at a time, until none is left."""
        taken: list[_Batch] = []
        try:
            while self._queue:
                async with self._write_lock:
                    # Callers cancelled while queued have given up: their writes are dropped.
                    taken = [b for b in self._queue if not b.result.done()]
                    self._queue.clear()
                    if not taken:
                        continue
                    work = [(b.statements, b.read) for b in taken]
                    futures = [b.result for b in taken]
                    loop = asyncio.get_running_loop()
                    try:
                        outcomes = await self._on_thread(
                            partial(_commit_group, work, loop, futures)
                        )
                    except Exception as exc:  # BEGIN or COMMIT failed: nothing was written
                        outcomes = [exc] * len(taken)
                _settle([b.result for b in taken], outcomes)  # what settle_early did not
                taken = []
        except BaseException:
            # Cancelled (the loop is closing): whatever happened on the database thread
            # completed or rolled back there; the callers cannot know which.
            for b in (*taken, *self._queue):
                b.result.cancel()
            self._queue.clear()
            raise

    async def fetchone(self, sql: str, params: Iterable[Any] = ()) -> Row | None:
        """The first row a query returns, or None."""
        return await self._on_thread(partial(_fetchone, sql, tuple(params)))

    async def fetchall(self, sql: str, params: Iterable[Any] = ()) -> list[Row]:
        """Every row a query returns."""
        return await self._on_thread(partial(_fetchall, sql, tuple(params)))

    async def fetch_each(self, queries: Statements) -> list[list[Row]]:
        """The rows of each query, all read at once: for small reads only (a page of a
        list), which are read right here when the connection is idle, as small commits
        are (`_commit_in_place`): a WAL reader waits for no writer, and the answer comes
        without two passes of a busy event loop. Otherwise one trip to the thread."""
        work = [(q, tuple(p)) for q, p in queries]
        if self._idle():
            try:
                with self._not_waiting() as db:
                    return _fetch_each(work, db)
            except sqlite3.OperationalError as exc:
                if exc.sqlite_errorcode not in _BUSY:  # busy (rare, WAL recovery): thread
                    raise
        return await self._on_thread(partial(_fetch_each, work))


async def _stopped(connecting: aiosqlite.Connection) -> None:
    """Wait for the thread of a connection that failed to open to end.

    aiosqlite stops it without waiting: were the loop closed first (the command ends with
    its error), the thread's last hand-off to it would print a traceback of its own.
    """
    thread = getattr(connecting, "_thread", None)  # a private name: none in older aiosqlite
    if isinstance(thread, threading.Thread):
        await asyncio.to_thread(thread.join, 5)


class SQLiteTransaction(Transaction):
    """Statements inside `SQLiteStore.transaction()`."""

    def __init__(self, conn: aiosqlite.Connection, store: SQLiteStore) -> None:
        self._conn = conn
        self._store = store

    async def execute(self, sql: str, params: Iterable[Any] = ()) -> int:
        """Run one statement; returns the number of rows it changed."""
        return await self._store._on_thread(partial(_rowcount, sql, tuple(params)))

    async def fetchall(self, sql: str, params: Iterable[Any] = ()) -> list[Row]:
        """Every row a query returns, seen inside the transaction."""
        return await self._store._on_thread(partial(_fetchall, sql, tuple(params)))

    async def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> int:
        """Run one statement for each of `rows` in one trip to the database thread;
        returns the number of rows changed in all."""
        if not rows:
            return 0
        return await self._store._on_thread(partial(_rowcount_many, sql, rows))

    async def insert(self, sql: str, params: Iterable[Any] = ()) -> int:
        """Run one INSERT of one row; returns its id (its rowid)."""
        return await self._store._on_thread(partial(_lastrowid, sql, tuple(params)))


# ---- run on aiosqlite's thread --------------------------------------------------------


def _rowcount(sql: str, params: tuple[Any, ...], db: sqlite3.Connection) -> int:
    cursor = db.execute(sql, params)
    try:
        return cursor.rowcount
    finally:
        cursor.close()


def _lastrowid(sql: str, params: tuple[Any, ...], db: sqlite3.Connection) -> int:
    cursor = db.execute(sql, params)
    try:
        assert cursor.lastrowid is not None
        return cursor.lastrowid
    finally:
        cursor.close()


def _rowcount_many(sql: str, rows: Sequence[Sequence[Any]], db: sqlite3.Connection) -> int:
    cursor = db.executemany(sql, rows)
    try:
        return cursor.rowcount
    finally:
        cursor.close()


def _fetchone(sql: str, params: tuple[Any, ...], db: sqlite3.Connection) -> Any:
    cursor = db.execute(sql, params)
    try:
        return cursor.fetchone()
    finally:
        cursor.close()


def _fetchall(sql: str, params: tuple[Any, ...], db: sqlite3.Connection) -> list[Any]:
    cursor = db.execute(sql, params)
    try:
        return cursor.fetchall()
    finally:
        cursor.close()


def _fetch_each(
    queries: list[tuple[str, tuple[Any, ...]]], db: sqlite3.Connection
) -> list[list[Any]]:
    return [_fetchall(sql, params, db) for sql, params in queries]


_Work = tuple[list[tuple[str, tuple[Any, ...]]], tuple[str, tuple[Any, ...]] | None]


def _settle(futures: list[asyncio.Future[Any]], outcomes: list[Any]) -> None:
    """Give each caller of a group commit its outcome (unless it stopped waiting)."""
    for future, outcome in zip(futures, outcomes, strict=True):
        if future.done():
            continue
        if isinstance(outcome, BaseException):
            future.set_exception(outcome)
        else:
            future.set_result(outcome)


def _commit_group(
    batches: list[_Work],
    loop: asyncio.AbstractEventLoop,
    futures: list[asyncio.Future[Any]],
    db: sqlite3.Connection,
) -> list[tuple[list[int], list[Any]] | Exception]:
    """`_run_batches`, then the callers' outcomes handed to the loop from this thread right
    after COMMIT: they wake in the same loop pass as the flusher, not one pass later (under
    load a pass is many milliseconds)."""
    outcomes = _run_batches(batches, db)
    loop.call_soon_threadsafe(_settle, futures, outcomes)
    return outcomes


def _run_batches(
    batches: list[_Work], db: sqlite3.Connection
) -> list[tuple[list[int], list[Any]] | Exception]:
    """One group commit: every batch under its own savepoint, in one transaction.

    Returns each batch's row counts and read rows, or the error that rolled it back. Raises (having
    rolled everything back) when the transaction itself fails; the connection is never
    left inside a transaction.
    """
    outcomes: list[tuple[list[int], list[Any]] | Exception] = []
    db.execute("BEGIN IMMEDIATE")
    try:
        for statements, read in batches:
            # SAVEPOINT, ROLLBACK TO SAVEPOINT and RELEASE SAVEPOINT are standard SQL
            # (PostgreSQL too): a failed statement undoes its own batch only.
            db.execute("SAVEPOINT batch")
            try:
                counts = [_rowcount(sql, params, db) for sql, params in statements]
                rows = _fetchall(read[0], read[1], db) if read is not None else []
            except Exception as exc:
                db.execute("ROLLBACK TO SAVEPOINT batch")
                db.execute("RELEASE SAVEPOINT batch")
                outcomes.append(exc)
            else:
                db.execute("RELEASE SAVEPOINT batch")
                outcomes.append((counts, rows))
        db.execute("COMMIT")
    except BaseException:
        if db.in_transaction:
            db.execute("ROLLBACK")
        raise
    return outcomes
