"""What every platform adapter offers the rest of the bot."""

from __future__ import annotations

from typing import Protocol

from bot.model import Reply, UserRef


class Adapter(Protocol):
    """One platform. The adapter holds the core; the core never calls a platform."""

    name: str

    async def start(self) -> None:
        """Connect and begin answering commands; returns once ready."""
        ...

    async def stop(self) -> None:
        """Disconnect cleanly."""
        ...

    async def post(self, channel: str, reply: Reply) -> None:
        """Post a message the bot sends on its own to a mapped channel (e.g. "announcements")."""
        ...

    async def dm(self, user: UserRef, reply: Reply) -> None:
        """Send a message to one person."""
        ...
