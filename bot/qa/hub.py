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
        # Told of each publish here, to pass it on to other instances' hubs (on
        # PostgreSQL: bot/cluster.py's HubRelay); None alone on the database.
        self.relay: Callable[[str], None] | None = None

    def version(self, session_id: str) -> int:
        return self._versions.get(session_id, 0)

    def publish(self, session_id: str) -> None:
        self.receive(session_id)
        if self.relay is not None:
            self.relay(session_id)

    def receive(self, session_id: str) -> None:
        """A publish, here or on another instance: the session's pages look again."""
        self._versions[session_id] = self.version(session_id) + 1
        event = self._waiters.pop(session_id, None)
        if event is not None:
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
