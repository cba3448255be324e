"""Live pages learn that a session's questions changed without asking the store: a
version per session, and a wait that ends when it moves on. `Topics` follows topics of
several hubs as one (a screen that shows a session's questions and its polls)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence


class Hub:
    """Tells live pages that a session's questions changed: a version per session."""

    def __init__(self) -> None:
        self._versions: dict[str, int] = {}
        self._waiters: dict[str, asyncio.Event] = {}
        # Added to every topic's version: `hear_all` moves them all at once, those never
        # published here too (a cache read at version 0 must not stay current).
        self._epoch = 0
        # How many notices came from other instances (and `hear_all`s): what this
        # process keeps of the database outside a topic's version (the Q&A's session
        # states) is read again once it moves.
        self.heard = 0
        # Told of each publish here, to pass it on to other instances' hubs (on
        # PostgreSQL: bot/cluster.py's HubRelay); None alone on the database.
        self.relay: Callable[[str], None] | None = None

    def version(self, session_id: str) -> int:
        return self._versions.get(session_id, 0) + self._epoch

    def publish(self, session_id: str) -> None:
        self.receive(session_id)
        if self.relay is not None:
            self.relay(session_id)

    def receive(self, session_id: str) -> None:
        """A publish here: the session's pages look again."""
        self._versions[session_id] = self._versions.get(session_id, 0) + 1
        event = self._waiters.pop(session_id, None)
        if event is not None:
            event.set()

    def hear(self, session_id: str) -> None:
        """A publish on another instance (bot/cluster.py's HubRelay): as `receive`, and
        what is kept here of what that instance may have written is stale."""
        self.heard += 1
        self.receive(session_id)

    def hear_all(self) -> None:
        """Publishes of other instances may have been missed (the relay's connection
        dropped): every topic moves on, so every page and cache reads the database again."""
        self.heard += 1
        self._epoch += 1
        waiters, self._waiters = self._waiters, {}
        for event in waiters.values():
            event.set()

    def changed(self, session_id: str) -> asyncio.Event:
        """The event the session's next publish sets."""
        return self._waiters.setdefault(session_id, asyncio.Event())

    async def wait(self, session_id: str, seen: int, seconds: float) -> bool:
        """Wait until the session moves past version `seen`; False after `seconds`."""
        if self.version(session_id) != seen:
            return True
        event = self.changed(session_id)
        try:
            async with asyncio.timeout(seconds):
                await event.wait()
        except TimeoutError:
            return False
        return True


# A key's topics in one hub (a session's id -> the topics that view of it follows).
Follow = tuple[Hub, Callable[[str], Sequence[str]]]


class Topics:
    """Topics of several hubs followed as one key's, with a Hub's `version` and `wait`:
    the presenter screen of a session moves when its questions do (the Q&A's hub) and
    when its polls or the event's do (the polls' hub).

    A key's version is the sum of its topics' versions: every publish adds one to one of
    them, so it only grows, and it moves whenever any of them does."""

    def __init__(self, *follows: Follow) -> None:
        self._follows = follows

    def _topics(self, key: str) -> list[tuple[Hub, str]]:
        return [(hub, topic) for hub, topics in self._follows for topic in topics(key)]

    def version(self, key: str) -> int:
        return sum(hub.version(topic) for hub, topic in self._topics(key))

    async def wait(self, key: str, seen: int, seconds: float) -> bool:
        """Wait until the key moves past version `seen`; False after `seconds`."""
        if self.version(key) != seen:
            return True
        if not self._follows:
            await asyncio.sleep(seconds)
            return False
        waits = [asyncio.ensure_future(hub.changed(t).wait()) for hub, t in self._topics(key)]
        try:
            done, _ = await asyncio.wait(
                waits, timeout=seconds, return_when=asyncio.FIRST_COMPLETED
            )
        finally:
            for waiting in waits:
                waiting.cancel()
        return bool(done)
