"""Programmes in other formats: which format a file is, and turning it into an event.

Each importer (frab/pretalx JSON and XML in `frab.py`, iCalendar in `ical.py`, CSV in
`tabular.py`) reads text into data of the event file's own shape:

    {"event": {"name": {"en": ...}, "timezone": ..., "dates": [...]},   # when it knows
     "rooms": [{"id", "name": {"en", "ko"?}}], "people": [{"id", "name"}],
     "sessions": [{"id", "title": {"en", "ko"?}, "start", "end", "room", "kind",
                   "speakers": [person ids], "abstract", "track", "url"}]}

with times as aware ISO 8601 strings. `load` merges that into an event (the YAML's
event section, platforms, reminders, Q&A settings stay; the programme is replaced) and
validates the result exactly as an event file is validated, so an import is all or
nothing: a refusal names the row or element and the reason, and changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from bot.programme.importing import ImportProblem, read_text
from bot.settings import FORMATS as SOURCE_FORMATS
from bot.settings import ConfigError, EventConfig, Problem, validate_event

FORMATS = tuple(f for f in SOURCE_FORMATS if f != "auto")


def detect(raw: bytes, name: str = "") -> str:
    """The format of a file, from its content first and its name second."""
    head = raw[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    lower = name.lower()
    if head.startswith(b"BEGIN:VCALENDAR"):
        return "ics"
    if head.startswith(b"{"):
        return "frab-json"
    if head.startswith(b"<"):
        return "frab-xml"
    for suffix, fmt in (
        (".ics", "ics"),
        (".json", "frab-json"),
        (".xml", "frab-xml"),
        (".csv", "csv"),
    ):
        if lower.endswith(suffix):
            return fmt
    return "csv"


def _parsers() -> dict[str, Callable[[str, str], dict[str, Any]]]:
    # Imported at first use: most runs never import a file, and the parsers bring
    # their libraries (lxml-free XML, icalendar, csv) with them.
    from bot.programme import frab, ical, tabular

    return {
        "frab-json": lambda text, zone: frab.parse_frab_json(text),
        "frab-xml": lambda text, zone: frab.parse_frab_xml(text),
        "ics": ical.parse_ics,
        "csv": tabular.parse_csv,
    }


def parse(raw: bytes, fmt: str, timezone: str) -> dict[str, Any]:
    """A file's programme as event-shaped data (see the module's docstring).

    `timezone` is for times the file gives without a zone (CSV, floating iCalendar)."""
    if fmt not in FORMATS:
        raise ImportProblem("(file)", f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    return _parsers()[fmt](read_text(raw), timezone)


def merge(base: dict[str, Any] | None, imported: dict[str, Any]) -> dict[str, Any]:
    """The event file's data with its programme replaced by an imported one.

    The base's event section wins (its names, zone, language), widened to the imported
    programme's dates; without a base, the import's own event section is used."""
    out: dict[str, Any] = dict(base or {})
    event = dict((base or {}).get("event") or imported.get("event") or {})
    dates = {str(d) for d in event.get("dates") or []}
    for s in imported.get("sessions") or []:
        start = s.get("start")
        if isinstance(start, str):
            try:
                moment = datetime.fromisoformat(start)
            except ValueError:
                continue  # validation reports it, with the session's path
            zone = _zone_of(event)
            dates.add((moment.astimezone(zone) if zone else moment).date().isoformat())
    if dates:
        event["dates"] = sorted(dates)
    out["event"] = event
    for key in ("rooms", "people", "sessions"):
        out[key] = list(imported.get(key) or [])
    # The base's channels of rooms the new programme lacks would post nowhere: dropped
    # (`dead_mappings` says which, for the importer to tell).
    dead = dead_mappings(out)
    if dead:
        out["platforms"] = {
            name: _without_rooms(mapping, dead.get(name, []))
            for name, mapping in out["platforms"].items()
        }
    return out


def dead_mappings(data: dict[str, Any]) -> dict[str, list[str]]:
    """Per platform, the rooms event data maps to a channel but does not have."""
    platforms = data.get("platforms")
    rooms = data.get("rooms")
    if not isinstance(platforms, dict) or not isinstance(rooms, list):
        return {}
    ids = {r.get("id") for r in rooms if isinstance(r, dict)}
    dead: dict[str, list[str]] = {}
    for name, mapping in platforms.items():
        mapped = mapping.get("rooms") if isinstance(mapping, dict) else None
        gone = [room for room in mapped if room not in ids] if isinstance(mapped, dict) else []
        if gone:
            dead[name] = gone
    return dead


def _without_rooms(mapping: Any, rooms: list[str]) -> Any:
    if not rooms or not isinstance(mapping, dict):
        return mapping
    kept = {room: channel for room, channel in mapping["rooms"].items() if room not in rooms}
    return {**mapping, "rooms": kept}


def _zone_of(event: dict[str, Any]) -> Any:
    from zoneinfo import ZoneInfo

    name = event.get("timezone")
    try:
        return ZoneInfo(name) if isinstance(name, str) else None
    except (ValueError, KeyError):
        return None


def load(
    raw: bytes,
    source: str,
    fmt: str = "auto",
    *,
    base: dict[str, Any] | None = None,
    timezone: str | None = None,
) -> EventConfig:
    """Import a file into a validated event; raises ConfigError naming every problem."""
    fmt = detect(raw, source) if fmt == "auto" else fmt
    zone = timezone or str(((base or {}).get("event") or {}).get("timezone") or "UTC")
    try:
        imported = parse(raw, fmt, zone)
    except ImportProblem as exc:
        raise ConfigError(source, [Problem(exc.where, exc.message)]) from None
    return validate_event(merge(base, imported), source)


def config_data(config: EventConfig) -> dict[str, Any]:
    """An event as the YAML's data (for `import --out`, and as a base to merge into)."""
    data: dict[str, Any] = config.model_dump(mode="json", exclude_defaults=True)
    return data
