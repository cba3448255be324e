"""Messages in English and Korean, and dates formatted with Babel for the reader."""

from bot.i18n.translator import LANGUAGES, L, Translator, normalise_language

__all__ = ["LANGUAGES", "L", "Translator", "normalise_language"]
