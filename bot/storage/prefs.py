"""Per-user preferences: time zone and language."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Callable
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
# stays exact because this process updates an entry only once its write has committed,
# and, with other instances writing too (PostgreSQL), forgets one when they say they
# changed it (`notices`, relayed by bot/cluster.py's HubRelay).
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
    complete = _state(store).get("complete")
    if complete and user_key not in cache:
        return _EMPTY  # every stored row is cached: this user has none
    # (Complete but forgotten, None: another instance changed this user's row.)
    if not complete and await _load_all(store):
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
    _told(store, user_key)


async def set_language(store: Store, user_key: str, language: str, now: datetime) -> None:
    """Remember the user's language ("en" or "ko"); nothing is written when unchanged."""
    if _cached(store, user_key).language == language:
        return
    await store.batched([(_SET_LANGUAGE, (user_key, language, now.isoformat()))])
    _committed(store, user_key, language=language)
    _told(store, user_key)


class Notices:
    """Preferences changed on other instances, as bot/cluster.py's HubRelay relays a hub's
    topics: each write here is told to `relay` (the user's key), and each heard from
    another instance forgets what this store cached of that user."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self.relay: Callable[[str], None] | None = None

    def hear(self, user_key: str) -> None:
        writes = self._store.cache.setdefault(_WRITES, {})
        writes[user_key] = writes.get(user_key, 0) + 1  # a read under way caches nothing
        cache = self._store.cache.setdefault(_CACHE, {})
        if _state(self._store).get("complete"):
            cache[user_key] = None  # read this user's row again, not everyone's
        else:
            cache.pop(user_key, None)

    def hear_all(self) -> None:
        """Changes may have been missed: forget everything (read again when next asked)."""
        self._store.cache[_WRITES] = {}  # replaced: reads under way cache nothing
        self._store.cache.pop(_CACHE, None)
        _state(self._store).pop("complete", None)


def notices(store: Store) -> Notices:
    """The store's `Notices` (one per store)."""
    found: Notices = _state(store).setdefault("notices", Notices(store))
    return found


def _told(store: Store, user_key: str) -> None:
    relay = notices(store).relay
    if relay is not None:
        relay(user_key)


def _cached(store: Store, user_key: str) -> Prefs:
    """What the cache knows the user chose (the stored row exactly, as far as this
    instance has heard), or nothing chosen when it does not know. A command that would store
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
    elif _state(store).get("complete") and user_key not in cache:
        # Every stored row is cached, so this user had none: the write is all there is
        # (one forgotten after another instance's change may have the other field).
        cache[user_key] = Prefs(**change)
    elif user_key in cache:
        # Forgotten: the other field is unknown here, so leave it to the next read.
        cache[user_key] = None
    else:
        # Never read: the other field is unknown here, so leave it to the next read.
        cache.pop(user_key, None)
