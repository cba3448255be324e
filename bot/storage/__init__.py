"""The store: one SQLite file, the bot's source of truth."""

from bot.storage.db import Store
from bot.storage.faults import StorageError
from bot.storage.prefs import Prefs, get_prefs, set_language, set_timezone

__all__ = ["Prefs", "StorageError", "Store", "get_prefs", "set_language", "set_timezone"]
