"""Live pages learn that a session's questions changed without asking the store: a
version per session, and a wait that ends when it moves on."""

from __future__ import annotations

import asyncio


class Hub:
    """Tells live pages that a session's questions changed: a version per session."""

    def __init__(self) -> None:
        self._versions: dict[str, int] = {}
        self._waiters: dict[str, asyncio.Event] = {}

    def version(self, session_id: str) -> int:
        return self._versions.get(session_id, 0)

    def publish(self, session_id: str) -> None:
        self._versions[session_id] = self.version(session_id) + 1
        event = self._waiters.pop(session_id, None)
        if event is not None:
            event.set()

    async def wait(self, session_id: str, seen: int, seconds: float) -> bool:
        """Wait until the session moves past version `seen`; False after `seconds`."""
        if self.version(session_id) != seen:
            return True
        event = self._waiters.setdefault(session_id, asyncio.Event())
        try:
            async with asyncio.timeout(seconds):
                await event.wait()
        except TimeoutError:
            return False
        return True
