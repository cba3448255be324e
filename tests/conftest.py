"""Shared fixtures: a real store on a temporary file and a core over the sample event."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from hypothesis import settings

from bot.app import build_core
from bot.core.clock import SimulatedClock
from bot.core.dispatch import Core
from bot.core.model import ChannelRef, Reply, Role, UserRef
from bot.settings import EventConfig, default_config_path, load_event
from bot.storage import Store

KST_0900 = datetime.fromisoformat("2026-02-05T09:00:00+09:00")

# The browser tests load tests/browser/chromium.py as a plugin after importing it by name; marked
# here (without importing it, nor Playwright), pytest rewrites it on that first import.
pytest.register_assert_rewrite("tests.browser")

# Property tests draw the same examples on every run and machine, and keep no example
# database: a failure repeats as it was reported.
settings.register_profile("forum-bot", derandomize=True, database=None)
settings.load_profile("forum-bot")


@pytest.fixture(scope="session")
def event_config() -> EventConfig:
    """The embedded sample event."""
    return load_event(default_config_path())


@pytest.fixture
def clock() -> SimulatedClock:
    """Stopped at 09:00 KST on day 1; tests move it with advance()/set()."""
    return SimulatedClock(KST_0900, speed=0)


@pytest_asyncio.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    """A real SQLite file in a temporary folder."""
    s = await Store.open(tmp_path / "bot.sqlite")
    yield s
    await s.close()


@pytest_asyncio.fixture
async def core(event_config: EventConfig, store: Store, clock: SimulatedClock) -> Core:
    """The real core with every command."""
    return await build_core(event_config, store, clock)


class Person:
    """Someone typing commands, as the terminal adapter would deliver them."""

    def __init__(self, core: Core, uid: str = "alice", role: Role = Role.PARTICIPANT) -> None:
        self.core = core
        self.user = UserRef("test", uid, uid)
        self.channel = ChannelRef("test", "c1", "general")
        self.roles = frozenset(r for r in Role if r <= role)

    async def say(self, line: str, **kw: Any) -> Reply:
        """Run one command line and return the reply."""
        return await self.core.dispatch_text(
            "test", line, self.user, self.channel, self.roles, **kw
        )


@pytest.fixture
def alice(core: Core) -> Person:
    """A participant."""
    return Person(core)
