"""Targets that refuse messages for good (a user who accepts no DMs, a deleted channel)."""

from __future__ import annotations

from datetime import datetime

from bot.storage.base import Store


async def record_block(
    store: Store, platform: str, target: str, code: int, reason: str, at: datetime
) -> None:
    """Remember that `target` refuses messages, so nobody retries it forever."""
    await store.execute(
        "INSERT INTO delivery_blocks (platform, target, code, reason, at) VALUES (?, ?, ?, ?, ?) "
        "ON CONFLICT (platform, target) DO UPDATE SET code = excluded.code, "
        "reason = excluded.reason, at = excluded.at",
        (platform, target, code, reason, at.isoformat()),
    )


async def is_blocked(store: Store, platform: str, target: str) -> bool:
    """Whether `target` was recorded as refusing messages."""
    row = await store.fetchone(
        "SELECT 1 FROM delivery_blocks WHERE platform = ? AND target = ?", (platform, target)
    )
    return row is not None


async def clear_block(store: Store, platform: str, target: str) -> None:
    """Forget a block, e.g. when the person runs a command again and asks for DMs."""
    await store.execute(
        "DELETE FROM delivery_blocks WHERE platform = ? AND target = ?", (platform, target)
    )
