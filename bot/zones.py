"""Time zones as people type them: IANA names in any case, cities, common abbreviations."""

from __future__ import annotations

import difflib
from functools import lru_cache
from zoneinfo import available_timezones

from bot.context import UserError

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


@lru_cache(maxsize=1)
def _zones() -> dict[str, str]:
    """Every IANA zone by its lower-cased name; computed once, on first use."""
    return {z.lower(): z for z in available_timezones()}


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
    # "Seoul" for Asia/Seoul, "los angeles" for America/Los_Angeles.
    by_city = [z for lower, z in zones.items() if lower.rsplit("/", 1)[-1] == key]
    if len(by_city) >= 1:
        return sorted(by_city, key=len)[0]
    close = difflib.get_close_matches(key, list(zones), n=1, cutoff=0.75)
    if close:
        raise UserError("tz.unknown_hint", value=text[:60], hint=zones[close[0]])
    raise UserError("tz.unknown", value=text[:60])
