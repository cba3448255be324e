"""The translator handed to every handler: one language and one time zone."""

from __future__ import annotations

import re
import string
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_skeleton, get_timezone_name

from bot.core.model import Stamp, Text
from bot.i18n.messages import MESSAGES, Plural

LANGUAGES = ("en", "ko")


@dataclass(frozen=True)
class L:
    """A text given in both languages, e.g. a command's description or a session title."""

    en: str
    ko: str = ""

    def get(self, lang: str) -> str:
        """The text in `lang`, falling back to English where no Korean is given."""
        if lang == "ko" and self.ko:
            return self.ko
        return self.en or self.ko


def normalise_language(text: str | None) -> str | None:
    """Map what platforms and people say ("ko-KR", "Korean", "한국어") to "en"/"ko"."""
    if not text:
        return None
    t = text.strip().lower().replace("_", "-")
    if t in ("ko", "kor", "korean", "한국어", "한국말", "한글") or t.startswith("ko-"):
        return "ko"
    if t in ("en", "eng", "english", "영어") or t.startswith("en-"):
        return "en"
    return None


@lru_cache(maxsize=8)
def _locale(lang: str) -> Locale:
    return Locale.parse("ko_KR" if lang == "ko" else "en_GB")


# Babel takes tens of microseconds per date; an agenda shows the same few days again and
# again, so each (language, day) is formatted once.
@lru_cache(maxsize=1024)
def _full_date(lang: str, day: date) -> str:
    return str(format_date(day, "full", locale=_locale(lang)))


@lru_cache(maxsize=1024)
def _short_day(lang: str, day: date) -> str:
    return str(format_skeleton("MMMEd", day, locale=_locale(lang)))


def _joined(pieces: list[str | Stamp]) -> Text:
    """Pieces with neighbouring strings joined and empty ones dropped; a plain string when
    there is no stamp among them."""
    out: list[str | Stamp] = []
    for piece in pieces:
        if isinstance(piece, str) and out and isinstance(out[-1], str):
            out[-1] += piece
        elif piece != "":
            out.append(piece)
    if all(isinstance(p, str) for p in out):
        return "".join(p for p in out if isinstance(p, str))
    return tuple(out)


@lru_cache(maxsize=8)
def _names_pattern(names: tuple[tuple[str, str], ...]) -> tuple[re.Pattern[str], dict[str, str]]:
    alternatives = "|".join(re.escape(core) for core, _ in names)
    return re.compile(rf"(?<![\w/])/({alternatives})(?![\w-])"), dict(names)


def _renamer(names: Mapping[str, str]) -> Callable[[str], str]:
    """Rewrites `/core-name` in a message template to the platform's name for it."""
    pattern, mapping = _names_pattern(tuple(sorted(names.items())))

    def rename(text: str) -> str:
        return pattern.sub(lambda m: "/" + mapping[m.group(1)], text) if "/" in text else text

    return rename


class Translator:
    """Messages and dates for one reader: their language and their time zone."""

    def __init__(
        self, lang: str, tz: ZoneInfo, command_names: Mapping[str, str] | None = None
    ) -> None:
        self.lang = lang if lang in LANGUAGES else "en"
        self.tz = tz
        self.locale = _locale(self.lang)
        # Where the platform knows some commands by other names (Slack's /remindme for
        # /remind), the messages that name a command say what people type there.
        self._renamed = _renamer(command_names) if command_names else None

    def __call__(self, key: str, **params: Any) -> str:
        """The message `key` in this reader's language, with `params` filled in."""
        return self._template(key, params).format(**params)

    def rich(self, key: str, **params: Any) -> Text:
        """The message `key` as a text whose placeholders may hold stamps or runs of text
        and stamps (`stamp_span`): moments that Discord and Slack render in each reader's
        zone, where they stand in the sentence."""
        formatter = string.Formatter()
        pieces: list[str | Stamp] = []
        for literal, name, spec, conversion in formatter.parse(self._template(key, params)):
            pieces.append(literal)
            if name is None:
                continue
            value = params[name]
            if isinstance(value, Stamp):
                pieces.append(value)
            elif isinstance(value, tuple):
                pieces.extend(value)
            else:
                value = formatter.convert_field(value, conversion)
                pieces.append(formatter.format_field(value, spec or ""))
        return _joined(pieces)

    def _template(self, key: str, params: dict[str, Any]) -> str:
        """The message's text; for a count, the form CLDR's plural rules choose for it."""
        text = MESSAGES[key][self.lang]
        if isinstance(text, Plural):
            category = self.locale.plural_form(params[text.count])
            text = text.forms.get(category, text.forms["other"])
        return self._renamed(text) if self._renamed is not None else text

    def pick(self, text: L) -> str:
        """The reader's language of a bilingual text."""
        return text.get(self.lang)

    # Dates and times, always shown in the reader's zone.
    def local(self, at: datetime) -> datetime:
        """`at` in the reader's zone."""
        return at.astimezone(self.tz)

    def time(self, at: datetime) -> str:
        """A 24-hour time, as conference programmes print it in both languages: 09:30."""
        return self.local_text(self.local(at), with_date=False)

    def date(self, day: date) -> str:
        """A full date with weekday, e.g. Thursday, 5 February 2026."""
        return _full_date(self.lang, day)

    def date_time(self, at: datetime) -> str:
        """A short day and time in the reader's zone: Thu 5 Feb 13:00 / 2월 5일 (목) 13:00."""
        return self.local_text(self.local(at), with_date=True)

    def local_text(self, local: datetime, *, with_date: bool) -> str:
        """A moment already in the reader's zone, as time or as day and time."""
        # Plain integer formatting: strftime costs several times more on this hot path.
        hhmm = f"{local.hour:02d}:{local.minute:02d}"
        return f"{_short_day(self.lang, local.date())} {hhmm}" if with_date else hhmm

    def zone_name(self, at: datetime | None = None) -> str:
        """The reader's zone as its abbreviation and UTC offset, e.g. KST (UTC+9)."""
        local = (at or datetime.now(self.tz)).astimezone(self.tz)
        abbrev = local.tzname() or ""
        offset = local.utcoffset() or timedelta(0)
        minutes = int(offset.total_seconds() // 60)
        sign = "+" if minutes >= 0 else "-"
        hours, mins = divmod(abs(minutes), 60)
        utc = f"UTC{sign}{hours}" + (f":{mins:02d}" if mins else "")
        if abbrev and abbrev[0] not in "+-" and abbrev != "UTC":
            return f"{abbrev} ({utc})"
        return utc

    def zone_long(self) -> str:
        """The reader's zone as a person names it, in their language."""
        return str(get_timezone_name(self.tz, locale=self.locale))

    def stamp_time(self, at: datetime) -> Stamp:
        """A time that platforms can render in each reader's own zone."""
        return Stamp(at, "t", self.time(at))

    def stamp_datetime(self, at: datetime) -> Stamp:
        """A date and time that platforms can render in each reader's own zone."""
        return Stamp(at, "f", self.date_time(at))

    def stamp_span(self, start: datetime, end: datetime) -> tuple[Stamp, str, Stamp]:
        """A span "date time - time" for a session."""
        return (self.stamp_datetime(start), " - ", self.stamp_time(end))
