"""Per-user preferences: time zone and language."""

from __future__ import annotations

import asyncio
import dataclasses
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.storage.base import Store


@dataclass(frozen=True)
class Prefs:
    """What a user chose; None means "not chosen", so event defaults apply."""

    timezone: str | None = None
    language: str | None = None


# Every command reads its user's preferences: they are cached in `store.cache`, which
# stays exact because this process is the table's only writer and updates an entry only
# once its write has committed.
_CACHE = "prefs"
# Per user, how many writes have committed: a read that overlapped a write does not cache
# what it read (it may predate the write). The dict is replaced, never cleared.
_WRITES = "prefs.writes"
_BOUND = 100_000  # entries; far above any conference's attendance

_UPSERT = (
    "INSERT INTO user_prefs (user_key, {field}, updated_at) VALUES (?, ?, ?) "
    "ON CONFLICT (user_key) DO UPDATE SET {field} = excluded.{field}, "
    "updated_at = excluded.updated_at"
)
_SET_TIMEZONE = _UPSERT.format(field="timezone")
_SET_LANGUAGE = _UPSERT.format(field="language")


async def get_prefs(store: Store, user_key: str) -> Prefs:
    """The user's preferences, empty when they never set any."""
    cache = store.cache.setdefault(_CACHE, {})
    found = cache.get(user_key)
    if isinstance(found, Prefs):
        return found
    if _state(store).get("complete"):
        return _EMPTY  # every stored row is cached: this user has none
    if await _load_all(store):
        loaded = cache.get(user_key)
        return loaded if isinstance(loaded, Prefs) else _EMPTY
    writes = store.cache.setdefault(_WRITES, {})
    before = writes.get(user_key, 0)
    row = await store.fetchone(
        "SELECT timezone, language FROM user_prefs WHERE user_key = ?", (user_key,)
    )
    prefs = Prefs() if row is None else Prefs(timezone=row["timezone"], language=row["language"])
    if store.cache.get(_WRITES) is writes and writes.get(user_key, 0) == before:
        if len(cache) > _BOUND:
            cache.clear()
            _state(store).pop("complete", None)
        cache[user_key] = prefs
    return prefs


_STATE = "prefs.state"  # "complete": every stored row is cached; "loading": the load
_EMPTY = Prefs()


def _state(store: Store) -> dict[str, Any]:
    return store.cache.setdefault(_STATE, {})


async def _load_all(store: Store) -> bool:
    """Cache every stored row in one query, once: a conference's first minutes bring
    hundreds of people who never set anything, and each would otherwise cost a read.
    True when the cache now holds every row (False if a write overlapped the load)."""
    state = _state(store)
    loading: asyncio.Future[bool] | None = state.get("loading")
    if loading is None:
        loading = state["loading"] = asyncio.ensure_future(_load_rows(store))
    try:
        return await asyncio.shield(loading)
    finally:
        if loading.done() and state.get("loading") is loading:
            del state["loading"]


async def _load_rows(store: Store) -> bool:
    writes = store.cache.setdefault(_WRITES, {})
    before = sum(writes.values())
    rows = await store.fetchall("SELECT user_key, timezone, language FROM user_prefs")
    if len(rows) > _BOUND or store.cache.get(_WRITES) is not writes:
        return False
    if sum(writes.values()) != before:
        return False  # a write landed meanwhile: what was read may predate it
    cache = store.cache.setdefault(_CACHE, {})
    for row in rows:
        cache[row["user_key"]] = Prefs(timezone=row["timezone"], language=row["language"])
    _state(store)["complete"] = True
    return True


async def set_timezone(store: Store, user_key: str, zone: str, now: datetime) -> None:
    """Remember the user's IANA time zone (nothing is written when it is theirs already)."""
    if _cached(store, user_key).timezone == zone:
        return
    await store.batched([(_SET_TIMEZONE, (user_key, zone, now.isoformat()))])
    _committed(store, user_key, timezone=zone)


async def set_language(store: Store, user_key: str, language: str, now: datetime) -> None:
    """Remember the user's language ("en" or "ko"); nothing is written when unchanged."""
    if _cached(store, user_key).language == language:
        return
    await store.batched([(_SET_LANGUAGE, (user_key, language, now.isoformat()))])
    _committed(store, user_key, language=language)


def _cached(store: Store, user_key: str) -> Prefs:
    """What the cache knows the user chose (the stored row exactly: this process is the
    only writer), or nothing chosen when it does not know. A command that would store
    what is stored already then costs no commit: people repeat /language and /timezone,
    and under a burst a commit's result waits behind every other command."""
    found = store.cache.get(_CACHE, {}).get(user_key)
    if isinstance(found, Prefs):
        return found
    return _UNKNOWN


_UNKNOWN = Prefs(timezone="", language="")  # matches no real choice: the write goes ahead


def _committed(store: Store, user_key: str, **change: str) -> None:
    """After a committed write: update the cached entry, so the next command reads none."""
    writes = store.cache.setdefault(_WRITES, {})
    if len(writes) > _BOUND:
        # A new dict, not a cleared one: a read under way sees that it changed.
        writes = store.cache[_WRITES] = {}
    writes[user_key] = writes.get(user_key, 0) + 1
    cache = store.cache.setdefault(_CACHE, {})
    found = cache.get(user_key)
    if isinstance(found, Prefs):
        cache[user_key] = dataclasses.replace(found, **change)
    elif _state(store).get("complete"):
        # Every stored row is cached, so this user had none: the write is all there is.
        cache[user_key] = Prefs(**change)
    else:
        # Never read: the other field is unknown here, so leave it to the next read.
        cache.pop(user_key, None)
