"""Personal reminders: who asked to be told before which session."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.storage.base import Store


@dataclass(frozen=True)
class Subscription:
    """One person's reminder for one session."""

    user_key: str
    platform: str
    user_id: str
    session_id: str
    minutes: int


async def subscribe(
    store: Store, platform: str, user_id: str, session_id: str, minutes: int, now: datetime
) -> None:
    """Remind the user `minutes` before the session (changing the minutes if already set)."""
    await store.execute(
        "INSERT INTO subscriptions (user_key, platform, user_id, session_id, minutes, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (user_key, session_id) "
        "DO UPDATE SET minutes = excluded.minutes",
        (f"{platform}:{user_id}", platform, user_id, session_id, minutes, now.isoformat()),
    )


async def unsubscribe(store: Store, user_key: str, session_id: str) -> bool:
    """Forget the user's reminder for the session; False when there was none."""
    changed = await store.execute(
        "DELETE FROM subscriptions WHERE user_key = ? AND session_id = ?", (user_key, session_id)
    )
    return changed > 0


async def of_user(store: Store, user_key: str) -> list[Subscription]:
    """The user's reminders."""
    rows = await store.fetchall(
        "SELECT user_key, platform, user_id, session_id, minutes FROM subscriptions "
        "WHERE user_key = ? ORDER BY session_id",
        (user_key,),
    )
    return [Subscription(*tuple(r)) for r in rows]


async def of_session(store: Store, session_id: str) -> list[Subscription]:
    """Everyone reminded of the session."""
    rows = await store.fetchall(
        "SELECT user_key, platform, user_id, session_id, minutes FROM subscriptions "
        "WHERE session_id = ? ORDER BY user_key",
        (session_id,),
    )
    return [Subscription(*tuple(r)) for r in rows]


async def planned(store: Store) -> list[tuple[str, int]]:
    """Every distinct (session, minutes) someone asked for: one reminder job each."""
    rows = await store.fetchall(
        "SELECT DISTINCT session_id, minutes FROM subscriptions ORDER BY session_id, minutes"
    )
    return [(r[0], int(r[1])) for r in rows]
