"""Reading an event file: YAML with its line numbers, validation, and the checks across
sections, so every problem is reported with its field path and line and an organiser
can fix the whole file in one pass."""

from __future__ import annotations

import contextlib
import importlib.resources
import itertools
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml
from pydantic import (
    ValidationError,
)

from bot.settings.environment import DEFAULT_CONFIG_NAME
from bot.settings.event import EventConfig, PlatformConfig, SessionConfig, _zone


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an event file."""

    path: str
    message: str
    line: int | None = None

    def __str__(self) -> str:
        where = f"{self.path} (line {self.line})" if self.line else self.path
        return f"{where}: {self.message}"


class ConfigError(Exception):
    """An event file cannot be used; `problems` says every reason."""

    def __init__(self, source: str, problems: list[Problem]) -> None:
        self.source = source
        self.problems = problems
        super().__init__(f"{source}: {len(problems)} problem(s)")

    def report(self) -> str:
        """Every problem on its own line."""
        return "\n".join(f"{self.source}: {p}" for p in self.problems)


def default_config_path() -> Path:
    """The embedded default event file."""
    return Path(str(importlib.resources.files("bot.config").joinpath(DEFAULT_CONFIG_NAME)))


# libyaml's loader where installed: several times faster on a large agenda.
_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class LineIndex:
    """The line of each field path in a YAML document, worked out only when asked:
    a valid file (the usual case) never pays for the walk."""

    def __init__(self, root: yaml.Node | None) -> None:
        self._root = root
        self._lines: dict[tuple[str | int, ...], int] | None = None

    def _build(self) -> dict[tuple[str | int, ...], int]:
        lines: dict[tuple[str | int, ...], int] = {}

        def walk(node: yaml.Node, path: tuple[str | int, ...]) -> None:
            lines[path] = node.start_mark.line + 1
            if isinstance(node, yaml.MappingNode):
                for key, value in node.value:
                    k = key.value if isinstance(key, yaml.ScalarNode) else str(key)
                    walk(value, (*path, k))
                    # A field is reported at its key's line, not its value's.
                    lines[(*path, k)] = key.start_mark.line + 1
            elif isinstance(node, yaml.SequenceNode):
                for i, item in enumerate(node.value):
                    walk(item, (*path, i))

        if self._root is not None:
            walk(self._root, ())
        return lines

    def nearest(self, loc: tuple[str | int, ...]) -> int | None:
        """The line of `loc`, or of its closest enclosing field."""
        if self._lines is None:
            self._lines = self._build()
        while loc:
            if loc in self._lines:
                return self._lines[loc]
            loc = loc[:-1]
        return None


def _load_yaml(text: str) -> tuple[Any, LineIndex]:
    """The YAML document, and its lines, from one parse."""
    loader = _Loader(text)
    try:
        root = loader.get_single_node()
        data = loader.construct_document(root) if root is not None else None
    finally:
        loader.dispose()
    return data, LineIndex(root)


def _path_text(loc: tuple[str | int, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(file)"


def parse_event(text: str, source: str = "<event>") -> EventConfig:
    """Validate an event file's text; raises `ConfigError` listing every problem."""
    try:
        data, lines = _load_yaml(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        reason = getattr(exc, "problem", None) or str(exc)
        raise ConfigError(source, [Problem("(file)", f"not valid YAML: {reason}", line)]) from exc
    return validate_event(data, source, lines)


def validate_event(
    data: Any, source: str = "<event>", lines: LineIndex | None = None
) -> EventConfig:
    """Validate an event as data (the YAML's shape, e.g. from an importer); raises
    `ConfigError` listing every problem, by field path (and line, when `lines` knows it)."""
    lines = lines or LineIndex(None)
    if not isinstance(data, dict):
        raise ConfigError(source, [Problem("(file)", "must be a mapping with an event section")])
    problems: list[Problem] = []
    zone = ZoneInfo("UTC")
    raw_zone = (
        (data.get("event") or {}).get("timezone") if isinstance(data.get("event"), dict) else None
    )
    if isinstance(raw_zone, str):
        with contextlib.suppress(ValueError):
            zone = _zone(raw_zone)
    context = {"timezone": zone}
    config: EventConfig | None = None
    try:
        config = EventConfig.model_validate(data, context=context)
    except ValidationError as exc:
        for err in exc.errors():
            loc = tuple(err["loc"])
            message = err["msg"].removeprefix("Value error, ")
            if err["type"] == "missing":
                message = "missing: this field is required"
            elif err["type"] == "extra_forbidden":
                message = "unknown field (a typo?)"
            problems.append(Problem(_path_text(loc), message, lines.nearest(loc)))
    # Cross-checks run on every session that is valid by itself, even when others are not,
    # so one pass shows every problem.
    sessions = (
        list(enumerate(config.sessions)) if config is not None else _valid_sessions(data, context)
    )
    room_ids = _ids(data.get("rooms"))
    people_ids = _ids(data.get("people"))
    dates = _dates(data)
    problems += _cross_checks(sessions, room_ids, people_ids, dates, zone, lines)
    if data.get("source") is None:  # else the rooms come from the source, checked there
        problems += _mapping_checks(data.get("platforms"), data.get("rooms", []), lines)
    # A poll's session is checked against the file's sessions; a source's come later (a
    # poll of a session it lacks is then not made, and the log says so).
    known = {s.id for _, s in sessions} if data.get("source") is None else None
    problems += _poll_checks(data.get("polls"), known, lines)
    if problems:
        raise ConfigError(source, problems)
    assert config is not None
    return config


def _ids(items: Any) -> set[str] | None:
    if not isinstance(items, list):
        return None
    return {i["id"] for i in items if isinstance(i, dict) and isinstance(i.get("id"), str)}


def _dates(data: dict[str, Any]) -> set[date] | None:
    event = data.get("event")
    if not isinstance(event, dict):
        return None
    try:
        return {d if isinstance(d, date) else date.fromisoformat(str(d)) for d in event["dates"]}
    except (KeyError, TypeError, ValueError):
        return None


def _valid_sessions(
    data: dict[str, Any], context: dict[str, Any]
) -> list[tuple[int, SessionConfig]]:
    raw = data.get("sessions")
    if not isinstance(raw, list):
        return []
    valid = []
    known = set(SessionConfig.model_fields)
    for i, item in enumerate(raw):
        if not isinstance(item, dict):
            continue
        # An unknown field is reported once already; the rest of the session still counts.
        fields = {k: v for k, v in item.items() if k in known}
        try:
            valid.append((i, SessionConfig.model_validate(fields, context=context)))
        except ValidationError:
            continue
    return valid


def _cross_checks(
    sessions: list[tuple[int, SessionConfig]],
    room_ids: set[str] | None,
    people_ids: set[str] | None,
    dates: set[date] | None,
    zone: ZoneInfo,
    lines: LineIndex,
) -> list[Problem]:
    problems: list[Problem] = []

    def add(loc: tuple[str | int, ...], message: str) -> None:
        problems.append(Problem(_path_text(loc), message, lines.nearest(loc)))

    seen: dict[str, int] = {}
    for i, s in sessions:
        if s.id in seen:
            add(("sessions", i, "id"), f"id {s.id!r} is already used by sessions[{seen[s.id]}]")
        else:
            seen[s.id] = i
        if room_ids is not None and s.room is not None and s.room not in room_ids:
            add(("sessions", i, "room"), f"unknown room {s.room!r}")
        if people_ids is not None:
            for field_name in ("speakers", "chairs"):
                for j, pid in enumerate(getattr(s, field_name)):
                    if pid not in people_ids:
                        add(("sessions", i, field_name, j), f"unknown person {pid!r}")
        if dates is not None and s.start.astimezone(zone).date() not in dates:
            add(("sessions", i, "start"), "is not on one of the event's dates")
    by_room: dict[str, list[tuple[int, SessionConfig]]] = {}
    for i, s in sessions:
        if s.room is not None:
            by_room.setdefault(s.room, []).append((i, s))
    for room, items in by_room.items():
        items.sort(key=lambda pair: pair[1].start)
        for (i, a), (j, b) in itertools.pairwise(items):
            if b.start < a.end:
                add(
                    ("sessions", j, "start"),
                    f"overlaps sessions[{i}] ({a.id!r}) in room {room!r}: "
                    f"{b.start.astimezone(zone):%H:%M} is before {a.end.astimezone(zone):%H:%M}",
                )
    return problems


def _mapping_checks(platforms: Any, rooms: Any, lines: LineIndex) -> list[Problem]:
    """A room channel mapped to a room the event does not have: its reminders would go
    nowhere, silently (typically a programme replaced under an old mapping)."""
    if not isinstance(platforms, dict) or not isinstance(rooms, list):
        return []  # a malformed rooms section is reported already
    room_ids = [r["id"] for r in rooms if isinstance(r, dict) and isinstance(r.get("id"), str)]
    problems: list[Problem] = []
    known = ", ".join(repr(r) for r in room_ids) or "none"
    for platform, mapping in platforms.items():
        rooms = mapping.get("rooms") if isinstance(mapping, dict) else None
        for room in rooms if isinstance(rooms, dict) else ():
            if room not in room_ids:
                loc = ("platforms", platform, "rooms", room)
                problems.append(
                    Problem(
                        _path_text(loc),
                        f"unknown room {room!r}; the rooms are {known}",
                        lines.nearest(loc),
                    )
                )
    return problems


def _poll_checks(polls: Any, sessions: set[str] | None, lines: LineIndex) -> list[Problem]:
    """Each poll's id used once, and its session one the file has."""
    if not isinstance(polls, list):
        return []  # a malformed section is reported already
    problems: list[Problem] = []
    seen: dict[str, int] = {}

    def add(loc: tuple[str | int, ...], message: str) -> None:
        problems.append(Problem(_path_text(loc), message, lines.nearest(loc)))

    for i, poll in enumerate(polls):
        if not isinstance(poll, dict):
            continue
        pid, session = poll.get("id"), poll.get("session")
        if isinstance(pid, str):
            if pid in seen:
                add(("polls", i, "id"), f"id {pid!r} is already used by polls[{seen[pid]}]")
            else:
                seen[pid] = i
        if sessions is not None and isinstance(session, str) and session not in sessions:
            add(("polls", i, "session"), f"unknown session {session!r}")
    return problems


# The terminal has no channels of its own: everything it is sent is printed.
_NO_ROOM_CHANNELS = {"console"}


def event_warnings(config: EventConfig) -> list[Problem]:
    """What is allowed but likely unmeant: a room whose sessions are reminded of that has
    no channel on a platform the file configures (the reminders reach the announcements
    channel only); a kind chosen for scheduled events that no session has (a typo?)."""
    from bot.delivery.planner import QUIET_KINDS

    default = config.reminders.default_offsets
    used = {
        s.room
        for s in config.sessions
        if s.room is not None
        and (s.reminders if s.reminders is not None else (s.kind not in QUIET_KINDS and default))
    }
    warnings: list[Problem] = []
    for platform, mapping in config.platforms.items():
        if platform in _NO_ROOM_CHANNELS:
            continue
        missing = [r.id for r in config.rooms if r.id in used and r.id not in mapping.rooms]
        if not missing:
            continue
        names = ", ".join(repr(r) for r in missing)
        what = f"room {names}: its" if len(missing) == 1 else f"rooms {names}: their"
        warnings.append(
            Problem(
                f"platforms.{platform}.rooms",
                f"no channel for {what} reminders go to the announcements channel only",
            )
        )
    events = config.platforms.get("discord", PlatformConfig()).scheduled_events
    if events is not None and config.source is None:  # a source's kinds are known later
        kinds = {s.kind for s in config.sessions}
        for kind in events.kinds:
            if kind not in kinds:
                have = ", ".join(repr(k) for k in sorted(kinds)) or "none"
                warnings.append(
                    Problem(
                        "platforms.discord.scheduled_events.kinds",
                        f"no session is of kind {kind!r}, so it gets no event; kinds: {have}",
                    )
                )
    return warnings


def load_event(path: Path) -> EventConfig:
    """Read and validate an event file."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ConfigError(str(path), [Problem("(file)", f"cannot read: {exc.strerror}")]) from exc
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(
            str(path), [Problem("(file)", f"is not UTF-8 (byte {exc.start})")]
        ) from exc
    return parse_event(text, str(path))
