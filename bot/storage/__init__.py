"""The store: the bot's source of truth, on one SQLite file (the default) or PostgreSQL."""

from bot.storage.base import Store
from bot.storage.faults import StorageError
from bot.storage.prefs import Prefs, get_prefs, set_language, set_timezone

__all__ = ["Prefs", "StorageError", "Store", "get_prefs", "set_language", "set_timezone"]
