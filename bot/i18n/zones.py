"""Time zones as people type them: IANA names in any case, cities (in English or Korean),
common abbreviations."""

from __future__ import annotations

import difflib
import logging
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from babel import Locale

from bot.core.errors import UserError

# Abbreviations people type, mapped to the zone most of this event's readers mean.
_ALIASES = {
    "kst": "Asia/Seoul",
    "jst": "Asia/Tokyo",
    "pst": "America/Los_Angeles",
    "pdt": "America/Los_Angeles",
    "pt": "America/Los_Angeles",
    "est": "America/New_York",
    "edt": "America/New_York",
    "cet": "Europe/Berlin",
    "gmt": "Etc/UTC",
    "utc": "Etc/UTC",
    "seoul": "Asia/Seoul",
    "서울": "Asia/Seoul",
    "tokyo": "Asia/Tokyo",
    "san diego": "America/Los_Angeles",
}

log = logging.getLogger(__name__)


@lru_cache(maxsize=1)
def _zones() -> dict[str, str]:
    """Every IANA zone by its lower-cased name; computed once, on first use."""
    return {z.lower(): z for z in available_timezones()}


def _squash(text: str) -> str:
    """A city name to compare: lower case, without spaces or underscores."""
    return "".join(text.lower().replace("_", " ").split())


@lru_cache(maxsize=1)
def _korean_cities() -> dict[str, str]:
    """IANA zones by their city's Korean name as CLDR spells it (도쿄, 로스앤젤레스)."""
    zones = _zones()
    cities: dict[str, str] = {}
    for zone, names in Locale.parse("ko").time_zones.items():
        city = names.get("city")
        if city and zone.lower() in zones:
            cities.setdefault(_squash(city), zones[zone.lower()])
    return cities


def zones_matching(text: str, limit: int = 25) -> list[str]:
    """IANA zones whose name contains `text` (for autocomplete); the event's first."""
    key = text.strip().lower().replace(" ", "_")
    alias = _ALIASES.get(key.replace("_", " "))
    names = sorted(_zones().values())
    found = (
        [z for z in names if key in z.lower()]
        if key
        else ["Asia/Seoul", "Asia/Tokyo", "America/Los_Angeles", "Europe/London", "Etc/UTC"]
    )
    if key:
        squashed = _squash(key)
        found += [z for city, z in _korean_cities().items() if squashed in city and z not in found]
    if alias and alias not in found:
        found.insert(0, alias)
    return found[:limit]


def resolve_zone(text: str) -> str:
    """An IANA zone name from what was typed (case-insensitive, with a few aliases)."""
    key = text.strip().lower().replace(" ", "_")
    key = _ALIASES.get(key.replace("_", " "), key).lower()
    zones = _zones()
    if key in zones:
        return zones[key]
    korean = _korean_cities()
    if _squash(key) in korean:
        return korean[_squash(key)]
    # "Seoul" for Asia/Seoul, "los angeles" for America/Los_Angeles.
    by_city = [z for lower, z in zones.items() if lower.rsplit("/", 1)[-1] == key]
    if len(by_city) >= 1:
        return sorted(by_city, key=len)[0]
    close = difflib.get_close_matches(key, list(zones), n=1, cutoff=0.75)
    if close:
        raise UserError("tz.unknown_hint", value=text[:60], hint=zones[close[0]])
    close = difflib.get_close_matches(_squash(key), list(korean), n=1, cutoff=0.75)
    if close:
        raise UserError("tz.unknown_hint", value=text[:60], hint=korean[close[0]])
    raise UserError("tz.unknown", value=text[:60])


def known_zone(name: str) -> ZoneInfo | None:
    """The zone `name` if this machine knows it, else None (nothing raised: a stored name
    tzdata dropped, or one anyone could write, such as a cookie)."""
    if not name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a folder ("America")
        return None


def stored_zone(name: str | None, fallback: ZoneInfo) -> ZoneInfo:
    """The zone a person chose, as stored; `fallback` (the event's) when they chose none,
    or when this machine no longer knows it (tzdata dropped or renamed it): logged, never
    an error, so that neither an answer nor a reminder fails for it."""
    if not name:
        return fallback
    zone = known_zone(name)
    if zone is None:
        log.warning("stored time zone %r is no longer known; using %s", name, fallback.key)
        return fallback
    return zone
