"""Each person's DM channel on a platform, kept once opened: sending a DM is then one
request, and a restart does not open them all again at the next fan-out."""

from __future__ import annotations

from datetime import datetime

from bot.storage.base import Store


async def get(store: Store, platform: str, user_id: str) -> str | None:
    """The DM channel kept for the person, or None."""
    row = await store.fetchone(
        "SELECT channel_id FROM dm_channels WHERE platform = ? AND user_id = ?",
        (platform, user_id),
    )
    return str(row[0]) if row is not None else None


async def keep(store: Store, platform: str, user_id: str, channel_id: str, now: datetime) -> None:
    """Remember the person's DM channel."""
    await store.execute(
        "INSERT INTO dm_channels (platform, user_id, channel_id, opened_at) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (platform, user_id) DO UPDATE SET channel_id = excluded.channel_id, "
        "opened_at = excluded.opened_at",
        (platform, user_id, channel_id, now.isoformat()),
    )


async def forget(store: Store, platform: str, user_id: str) -> None:
    """Drop a kept channel the platform no longer knows, so that the next DM opens anew."""
    await store.execute(
        "DELETE FROM dm_channels WHERE platform = ? AND user_id = ?", (platform, user_id)
    )
