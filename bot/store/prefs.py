"""Per-user preferences: time zone and language."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.store.db import Store


@dataclass(frozen=True)
class Prefs:
    """What a user chose; None means "not chosen", so event defaults apply."""

    timezone: str | None = None
    language: str | None = None


_CACHE = "prefs"


async def get_prefs(store: Store, user_key: str) -> Prefs:
    """The user's preferences, empty when they never set any."""
    cache = store.cache.setdefault(_CACHE, {})
    found = cache.get(user_key)
    if isinstance(found, Prefs):
        return found
    row = await store.fetchone(
        "SELECT timezone, language FROM user_prefs WHERE user_key = ?", (user_key,)
    )
    prefs = Prefs() if row is None else Prefs(timezone=row["timezone"], language=row["language"])
    if len(cache) > 100_000:
        cache.clear()  # a bound, far above any conference's attendance
    cache[user_key] = prefs
    return prefs


async def set_timezone(store: Store, user_key: str, zone: str, now: datetime) -> None:
    """Remember the user's IANA time zone."""
    await store.execute(
        "INSERT INTO user_prefs (user_key, timezone, updated_at) VALUES (?, ?, ?) "
        "ON CONFLICT (user_key) DO UPDATE SET timezone = excluded.timezone, "
        "updated_at = excluded.updated_at",
        (user_key, zone, now.isoformat()),
    )
    store.cache.get(_CACHE, {}).pop(user_key, None)


async def set_language(store: Store, user_key: str, language: str, now: datetime) -> None:
    """Remember the user's language ("en" or "ko")."""
    await store.execute(
        "INSERT INTO user_prefs (user_key, language, updated_at) VALUES (?, ?, ?) "
        "ON CONFLICT (user_key) DO UPDATE SET language = excluded.language, "
        "updated_at = excluded.updated_at",
        (user_key, language, now.isoformat()),
    )
    store.cache.get(_CACHE, {}).pop(user_key, None)
