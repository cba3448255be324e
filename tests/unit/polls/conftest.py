"""Polls on both engines: `store` (and the core over it) is SQLite's, then PostgreSQL's."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest_asyncio

from bot.storage import Store


@pytest_asyncio.fixture
async def store(any_store: Store) -> AsyncIterator[Store]:
    """A new store on each engine in turn."""
    yield any_store
