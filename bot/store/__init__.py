"""The store: one SQLite file, the bot's source of truth."""

from bot.store.db import Store
from bot.store.faults import StorageError
from bot.store.prefs import Prefs, get_prefs, set_language, set_timezone

__all__ = ["Prefs", "StorageError", "Store", "get_prefs", "set_language", "set_timezone"]
