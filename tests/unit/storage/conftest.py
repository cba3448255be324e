"""The store's tests run on both engines: `store` here is SQLite's, then PostgreSQL's.
Tests of one engine's own workings take `sqlite_store` (or `postgres`)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest_asyncio

from bot.storage import Store
from bot.storage.db import SQLiteStore


@pytest_asyncio.fixture
async def store(any_store: Store) -> AsyncIterator[Store]:
    """A new store on each engine in turn."""
    yield any_store


@pytest_asyncio.fixture
async def sqlite_store(tmp_path: Path) -> AsyncIterator[SQLiteStore]:
    """A real SQLite file in a temporary folder."""
    s = await SQLiteStore.open(tmp_path / "bot.sqlite")
    yield s
    await s.close()
