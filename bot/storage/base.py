"""The store's interface, the same on both engines: SQLite (`bot.storage.db`, the embedded
default) and PostgreSQL (`bot.storage.postgres`, for FORUM_BOT_DATABASE_URL).

Repositories write portable, parametrised SQL with `?` placeholders and read rows by
column name or position (sqlite3.Row and asyncpg's Record both answer `row["name"]` and
`row[0]`). Where the engines' SQL differs, the store says what to write (`for_update`).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import Any, ClassVar, Protocol, SupportsIndex, overload

SQLITE = "sqlite"
POSTGRESQL = "postgresql"
_URL_SCHEMES = ("postgresql://", "postgres://")


def is_postgres_url(where: Path | str) -> bool:
    """Whether `where` names a PostgreSQL database (else it is an SQLite file)."""
    return isinstance(where, str) and where.startswith(_URL_SCHEMES)


class Row(Protocol):
    """One row as either engine returns it."""

    @overload
    def __getitem__(self, key: SupportsIndex) -> Any: ...
    @overload
    def __getitem__(self, key: str) -> Any: ...
    def __iter__(self) -> Iterator[Any]: ...
    def __len__(self) -> int: ...
    def keys(self) -> Any: ...


Statements = Sequence[tuple[str, Sequence[Any]]]

# An IN list is one of these lengths, its last value repeated to fill it: a few statement
# texts whatever the number of values, each prepared once and kept by either engine.
IN_SIZES = (10, 25, 50, 100)
_MARKS = {n: ", ".join("?" * n) for n in IN_SIZES}


def in_lists(values: Sequence[Any]) -> Iterator[tuple[str, tuple[Any, ...]]]:
    """`values` as IN lists of at most 100: each one's placeholders ("?, ?, ...", for
    `IN ({})`) and its values."""
    step = IN_SIZES[-1]
    for start in range(0, len(values), step):
        part = tuple(values[start : start + step])
        size = next(n for n in IN_SIZES if n >= len(part))
        yield _MARKS[size], part + part[-1:] * (size - len(part))


class Transaction(ABC):
    """Statements inside `Store.transaction()`: they commit together or not at all."""

    # Appended to a SELECT that reads rows this transaction goes on to change, so that a
    # concurrent writer waits for it (PostgreSQL's " FOR UPDATE"). Empty on SQLite, whose
    # writers take turns anyway.
    for_update: ClassVar[str] = ""
    # The same for rows claimed for work (the outbox's): a row another transaction has
    # claimed is passed over, not waited for (" FOR UPDATE SKIP LOCKED").
    skip_locked: ClassVar[str] = ""

    @abstractmethod
    async def execute(self, sql: str, params: Iterable[Any] = ()) -> int:
        """Run one statement; returns the number of rows it changed."""

    @abstractmethod
    async def fetchall(self, sql: str, params: Iterable[Any] = ()) -> list[Row]:
        """Every row a query returns, seen inside the transaction."""

    @abstractmethod
    async def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> int:
        """Run one statement for each of `rows` in one trip; returns the number of rows
        changed in all."""

    @abstractmethod
    async def insert(self, sql: str, params: Iterable[Any] = ()) -> int:
        """Run one INSERT of one row into a table keyed by `id`; returns the row's id."""


class Store(ABC):
    """The bot's source of truth (`bot.storage.open_store` opens one): see
    `bot.storage.db.SQLiteStore` for what each call promises;
    `bot.storage.postgres.PostgresStore` keeps the same promises."""

    engine: ClassVar[str]
    # Small read-mostly tables (preferences) cached by their modules.
    cache: dict[str, dict[str, Any]]

    @property
    @abstractmethod
    def where(self) -> str:
        """The database, as messages name it (never with a password)."""

    @abstractmethod
    async def close(self) -> None:
        """Close it once queued writes are done."""

    @abstractmethod
    async def schema_version(self) -> int:
        """The schema version the database is at."""

    @abstractmethod
    async def migrate(self) -> None:
        """Bring the database to the latest schema version (opening it does, unless told
        not to); raises StorageError for a newer one."""

    @abstractmethod
    def transaction(self) -> AbstractAsyncContextManager[Transaction]:
        """All statements run through the yielded transaction commit together or not."""

    @abstractmethod
    async def execute(self, sql: str, params: Iterable[Any] = ()) -> int:
        """Run one statement on its own; returns the number of rows it changed."""

    @abstractmethod
    async def batched(self, statements: Statements) -> list[int]:
        """Run `statements` all-or-nothing; returns the rows each changed."""

    @abstractmethod
    async def batched_read(
        self,
        statements: Statements,
        read: tuple[str, Sequence[Any]],
        *,
        lock: tuple[str, Sequence[Any]] | None = None,
    ) -> tuple[list[int], list[Row]]:
        """`batched`, then the query `read` in the same transaction. `lock`, a SELECT,
        names rows that concurrent batches change (a count kept on a row): its rows are
        locked before the statements run, so each such batch sees the one before."""

    @abstractmethod
    async def fetchone(self, sql: str, params: Iterable[Any] = ()) -> Row | None:
        """The first row a query returns, or None."""

    @abstractmethod
    async def fetchall(self, sql: str, params: Iterable[Any] = ()) -> list[Row]:
        """Every row a query returns."""

    @abstractmethod
    async def fetch_each(self, queries: Statements) -> list[list[Row]]:
        """The rows of each of a few small queries, all read at once."""
