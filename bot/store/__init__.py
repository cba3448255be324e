"""The store: one SQLite file, the bot's source of truth."""

from bot.store.db import Store
from bot.store.prefs import Prefs, get_prefs, set_language, set_timezone

__all__ = ["Prefs", "Store", "get_prefs", "set_language", "set_timezone"]
