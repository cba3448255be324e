"""Shared fixtures: a real store on a temporary file, a core over the sample event, and the
bot's web server over that core for the web tests (browser and integration alike: nothing
here imports Playwright)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, cast

import aiohttp
import pytest
import pytest_asyncio
from hypothesis import settings

from bot.app import build_core
from bot.core.clock import SimulatedClock
from bot.core.dispatch import Core
from bot.core.model import ChannelRef, Reply, Role, UserRef
from bot.settings import EventConfig, default_config_path, load_event
from bot.storage import Store, open_store
from bot.storage.base import POSTGRESQL, SQLITE
from bot.web.server import WebServer
from tests.fakes.deepl_server import FakeDeepL
from tests.fakes.papago_server import FakePapago
from tests.postgres import PostgresServer

# The engines a store test runs on (`any_store`).
ENGINES = [SQLITE, POSTGRESQL]

KST_0900 = datetime.fromisoformat("2026-02-05T09:00:00+09:00")
# 13:10 on day 1: the dialogue is on and its Q&A open.
DIALOGUE_OPEN = KST_0900 + timedelta(hours=4, minutes=10)

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
    """A real SQLite file in a temporary folder (in tests/unit/storage, qa and polls:
    `any_store`, each engine in turn)."""
    s = await open_store(tmp_path / "bot.sqlite")
    yield s
    await s.close()


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """A throw-away PostgreSQL server (tests/postgres.py), one for each test process,
    made on its first use."""
    server = PostgresServer.start()
    try:
        yield server
    finally:
        server.stop()


@asynccontextmanager
async def store_on(
    engine: str, postgres: Callable[[], PostgresServer], folder: Path
) -> AsyncIterator[Store]:
    """A new, empty store on `engine`: an SQLite file in `folder`, or a database of its
    own on the throw-away PostgreSQL (which `postgres` gives, started on first use)."""
    where: Path | str = folder / "bot.sqlite"
    if engine == POSTGRESQL:
        where = await postgres().new_database()
    s = await open_store(where)
    try:
        yield s
    finally:
        await s.close()
        if engine == POSTGRESQL:
            await postgres().recycle(str(where))


@pytest_asyncio.fixture(params=ENGINES)
async def any_store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Store]:
    """A new store on each engine in turn: SQLite, then PostgreSQL."""
    server = lambda: cast(PostgresServer, request.getfixturevalue("postgres"))  # noqa: E731
    async with store_on(request.param, server, tmp_path) as s:
        yield s


async def tables_of(store: Store) -> list[str]:
    """The bot's tables, on either engine."""
    if store.engine == POSTGRESQL:
        rows = await store.fetchall(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
        )
    else:
        rows = await store.fetchall("SELECT name FROM sqlite_master WHERE type = 'table'")
    return [r[0] for r in rows]


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


@pytest.fixture
def bob(core: Core) -> Person:
    """Another participant."""
    return Person(core, "bob")


@pytest.fixture
def mod(core: Core) -> Person:
    """A moderator."""
    return Person(core, "mia", Role.MODERATOR)


async def healthy() -> dict[str, str]:
    """A health check that is always fine."""
    return {"status": "ok"}


@asynccontextmanager
async def web_server(core: Core, clock: SimulatedClock, **options: Any) -> AsyncIterator[WebServer]:
    """The bot's web server with every page over `core`, on a free port of 127.0.0.1, the
    clock set to the dialogue's open Q&A; `options` go to WebServer (max_viewers=...)."""
    clock.set(DIALOGUE_OPEN)
    server = WebServer("127.0.0.1", 0, healthy, qa=core.qa, polls=core.polls, **options)
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


@pytest_asyncio.fixture
async def site(core: Core, clock: SimulatedClock) -> AsyncIterator[str]:
    """The base URL of `web_server` (the clock at the dialogue's open Q&A)."""
    async with web_server(core, clock) as server:
        yield f"http://127.0.0.1:{server.port}"


async def next_state(response: aiohttp.ClientResponse) -> dict[str, Any]:
    """The next state a live page's stream sends (its next `data:` line, as JSON)."""
    async for line in response.content:
        if line.startswith(b"data: "):
            state: dict[str, Any] = json.loads(line[6:])
            return state
    raise AssertionError("the stream ended")


@pytest_asyncio.fixture
async def fake_deepl() -> AsyncIterator[FakeDeepL]:
    """A fake DeepL API on 127.0.0.1 (tests/fakes/deepl_server.py)."""
    async with FakeDeepL() as fake:
        yield fake


@pytest_asyncio.fixture
async def fake_papago() -> AsyncIterator[FakePapago]:
    """A fake Papago Text Translation on 127.0.0.1 (tests/fakes/papago_server.py)."""
    async with FakePapago() as fake:
        yield fake
