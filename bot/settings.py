"""Settings: the environment (secrets, ports, paths) and the event YAML (everything else).

Every problem in an event file is reported with its field path and, where YAML knows
it, its line, so an organiser can fix the whole file in one pass.
"""

from __future__ import annotations

import contextlib
import importlib.resources
import itertools
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.i18n import LANGUAGES, L
from bot.programme import Agenda, EventInfo, Person, Room, Session

DEFAULT_CONFIG_NAME = "forum-2026.yaml"
DEFAULT_DB = Path("data") / "forum-bot.sqlite"


class Settings(BaseSettings):
    """What comes from the environment. Secrets live only here, never in YAML or logs."""

    model_config = SettingsConfigDict(extra="ignore", populate_by_name=True)

    config: Path | None = Field(None, validation_alias="FORUM_BOT_CONFIG")
    db: Path = Field(DEFAULT_DB, validation_alias="FORUM_BOT_DB")
    web_host: str = Field("127.0.0.1", validation_alias="FORUM_BOT_WEB_HOST")
    web_port: int | None = Field(8080, validation_alias="FORUM_BOT_WEB_PORT", ge=0, le=65535)
    # Where people reach the web server (behind a proxy): links to the presenter screen.
    public_url: str = Field("", validation_alias="FORUM_BOT_PUBLIC_URL")
    log_level: str = Field("INFO", validation_alias="FORUM_BOT_LOG_LEVEL")
    secret: SecretStr | None = Field(None, validation_alias="FORUM_BOT_SECRET")
    discord_token: SecretStr | None = Field(None, validation_alias="DISCORD_TOKEN")
    discord_guild_ids: str = Field("", validation_alias="DISCORD_GUILD_IDS")
    discord_api_base_url: str = Field(
        "https://discord.com/api/v10", validation_alias="DISCORD_API_BASE_URL"
    )
    discord_gateway_url: str = Field(
        "wss://gateway.discord.gg", validation_alias="DISCORD_GATEWAY_URL"
    )
    discord_application_id: str = Field("", validation_alias="DISCORD_APPLICATION_ID")
    slack_bot_token: SecretStr | None = Field(None, validation_alias="SLACK_BOT_TOKEN")
    slack_signing_secret: SecretStr | None = Field(None, validation_alias="SLACK_SIGNING_SECRET")
    slack_app_token: SecretStr | None = Field(None, validation_alias="SLACK_APP_TOKEN")
    slack_api_base_url: str = Field("https://slack.com/api/", validation_alias="SLACK_API_BASE_URL")
    slack_command_prefix: str = Field(
        "", validation_alias="SLACK_COMMAND_PREFIX", pattern=r"^[a-z0-9-]{0,10}$"
    )

    @field_validator("slack_api_base_url")
    @classmethod
    def _api_slash(cls, value: str) -> str:
        # slack_sdk joins method names with urljoin: without the slash "api" is dropped.
        return value if value.endswith("/") else value + "/"

    @field_validator("discord_guild_ids")
    @classmethod
    def _check_guilds(cls, value: str) -> str:
        for part in value.split(","):
            if part.strip() and not part.strip().isdigit():
                raise ValueError(f"guild ids are numbers separated by commas, not {part!r}")
        return value

    def guild_ids(self) -> tuple[int, ...]:
        """DISCORD_GUILD_IDS as numbers; empty means commands are synced globally."""
        return tuple(int(p) for p in self.discord_guild_ids.split(",") if p.strip())

    @field_validator("web_port", mode="before")
    @classmethod
    def _blank_port(cls, value: Any) -> Any:
        # FORUM_BOT_WEB_PORT="" or "off" turns the web server off.
        if isinstance(value, str) and value.strip().lower() in ("", "off", "none"):
            return None
        return value

    def web_base(self, port: int | None) -> str:
        """The web server's address as people reach it (links to the presenter screen)."""
        return (self.public_url or f"http://{self.web_host}:{port}").rstrip("/")

    def secrets(self) -> list[str]:
        """Every secret value set, so logging can redact them."""
        found = []
        for value in (
            self.secret,
            self.discord_token,
            self.slack_bot_token,
            self.slack_signing_secret,
            self.slack_app_token,
        ):
            if value is not None and value.get_secret_value():
                found.append(value.get_secret_value())
        return found


# The event file ---------------------------------------------------------------------------


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Text2(_Strict):
    """A text in English and (optionally) Korean; a plain string is English only."""

    en: str = Field(min_length=1)
    ko: str = ""

    @model_validator(mode="before")
    @classmethod
    def _from_string(cls, value: Any) -> Any:
        if isinstance(value, str):
            return {"en": value}
        return value

    def to_l(self) -> L:
        """As the agenda's bilingual text."""
        return L(self.en, self.ko)


def _zone(value: str) -> ZoneInfo:
    try:
        return ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(
            f"unknown time zone {value!r}; use an IANA name such as Asia/Seoul"
        ) from exc


class EventSection(_Strict):
    """Who, where and when."""

    name: Text2
    # For places with little room: a Slack app's name (35 characters), a bot's name.
    short_name: Text2 | None = None
    timezone: str
    dates: list[date] = Field(min_length=1)
    venue: Text2 | None = None
    organiser: Text2 | None = None
    host: Text2 | None = None
    themes: list[Text2] = []
    default_language: str = "en"

    @field_validator("timezone")
    @classmethod
    def _check_zone(cls, value: str) -> str:
        _zone(value)
        return value

    @field_validator("dates")
    @classmethod
    def _check_dates(cls, value: list[date]) -> list[date]:
        if sorted(set(value)) != value:
            raise ValueError("dates must be in order, each once")
        return value

    @field_validator("default_language")
    @classmethod
    def _check_language(cls, value: str) -> str:
        if value not in LANGUAGES:
            raise ValueError(f"must be one of {', '.join(LANGUAGES)}")
        return value


_ID = r"^[a-z0-9][a-z0-9-]{0,63}$"


class RoomConfig(_Strict):
    """A room; its id is how sessions and channel mappings refer to it."""

    id: str = Field(pattern=_ID)
    name: Text2


class PersonConfig(_Strict):
    """A speaker or chair."""

    id: str = Field(pattern=_ID)
    name: Text2
    affiliation: Text2 | None = None


def _moment(value: Any, info: ValidationInfo) -> datetime:
    """A session time: "2026-02-05 09:30" in the event's zone, or with an explicit offset."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.strip())
        except ValueError as exc:
            raise ValueError(f"{value!r} is not a date and time like 2026-02-05 09:30") from exc
    else:
        raise ValueError("must be a date and time like 2026-02-05 09:30")
    if moment.tzinfo is None:
        zone = (info.context or {}).get("timezone") or ZoneInfo("UTC")
        moment = moment.replace(tzinfo=zone)
    return moment


class SessionConfig(_Strict):
    """One agenda item."""

    id: str = Field(pattern=_ID)
    title: Text2
    start: datetime
    end: datetime
    room: str | None = None
    kind: str = "talk"
    speakers: list[str] = []
    chairs: list[str] = []
    abstract: Text2 | None = None
    track: str | None = None
    # A page about the session (an importer's or the conference system's), for calendars.
    url: str | None = Field(None, max_length=500, pattern=r"^https?://\S+$")
    qa: bool = False
    # Questions wait for a moderator's approval; None: the event's `qa.moderated_kinds`.
    qa_moderated: bool | None = None
    reminders: list[int] | None = None

    @field_validator("start", "end", mode="before")
    @classmethod
    def _localise(cls, value: Any, info: ValidationInfo) -> datetime:
        return _moment(value, info)

    @field_validator("reminders")
    @classmethod
    def _check_offsets(cls, value: list[int] | None) -> list[int] | None:
        if value is not None and any(m < 0 or m > 24 * 60 for m in value):
            raise ValueError("reminder offsets are minutes before start, 0 to 1440")
        return value

    @model_validator(mode="after")
    def _check_order(self) -> SessionConfig:
        if self.end <= self.start:
            raise ValueError(
                f"ends ({self.end:%Y-%m-%d %H:%M}) before it starts ({self.start:%Y-%m-%d %H:%M})"
            )
        return self


class PlatformConfig(_Strict):
    """One platform's channel and role mapping: names or ids, as that platform has them."""

    channels: dict[str, str] = {}
    rooms: dict[str, str] = {}
    roles: dict[str, list[str]] = {}

    @field_validator("roles")
    @classmethod
    def _check_roles(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        unknown = set(value) - {"moderator", "organiser"}
        if unknown:
            raise ValueError(f"roles can be moderator and organiser, not {sorted(unknown)}")
        return value


class ReminderConfig(_Strict):
    """When session reminders go out."""

    default_offsets: list[int] = [10, 0]
    grace_minutes: int = Field(5, ge=0, le=120)


class QAConfig(_Strict):
    """Live Q&A limits and defaults."""

    min_length: int = Field(5, ge=1, le=1000)
    max_length: int = Field(500, ge=10, le=2000)
    # One question per person per this many seconds.
    rate_seconds: int = Field(30, ge=0, le=3600)
    # Q&A opens at a session's start and closes this long after its end.
    close_after_minutes: int = Field(15, ge=0, le=1440)
    # Sessions of these kinds are pre-moderated unless the session says otherwise.
    moderated_kinds: list[str] = ["dialogue"]
    # At most one edit of a question card per this many seconds (platform rate limits).
    card_edit_seconds: float = Field(2.0, ge=0.0, le=60.0)

    @model_validator(mode="after")
    def _check_lengths(self) -> QAConfig:
        if self.min_length > self.max_length:
            raise ValueError(
                f"min_length ({self.min_length}) is more than max_length ({self.max_length})"
            )
        return self


FORMATS = ("auto", "frab-json", "frab-xml", "ics", "csv")


class SourceConfig(_Strict):
    """Where the programme lives when a conference system keeps it (e.g. pretalx's
    schedule/export/schedule.json): the bot reads it again every `interval_minutes`."""

    url: str = Field(min_length=1, max_length=2000)
    format: str = "auto"
    interval_minutes: float = Field(5, gt=0, le=24 * 60)

    @field_validator("format")
    @classmethod
    def _check_format(cls, value: str) -> str:
        if value not in FORMATS:
            raise ValueError(f"format must be one of {', '.join(FORMATS)}")
        return value


class EventConfig(_Strict):
    """A whole event file."""

    illustrative: bool = False
    event: EventSection
    rooms: list[RoomConfig] = []
    people: list[PersonConfig] = []
    sessions: list[SessionConfig] = []
    platforms: dict[str, PlatformConfig] = {}
    reminders: ReminderConfig = ReminderConfig()
    qa: QAConfig = QAConfig()
    # The programme from a file or URL, instead of (or on top of) the sessions above.
    source: SourceConfig | None = None


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


# The terminal has no channels of its own: everything it is sent is printed.
_NO_ROOM_CHANNELS = {"console"}


def event_warnings(config: EventConfig) -> list[Problem]:
    """What is allowed but likely unmeant: a room whose sessions are reminded of that has
    no channel on a platform the file configures (the reminders reach the announcements
    channel only)."""
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


def build_agenda(config: EventConfig) -> Agenda:
    """The agenda a validated event file describes."""
    ev = config.event
    info = EventInfo(
        name=ev.name.to_l(),
        timezone=ZoneInfo(ev.timezone),
        dates=tuple(ev.dates),
        venue=ev.venue.to_l() if ev.venue else L(""),
        organiser=ev.organiser.to_l() if ev.organiser else L(""),
        host=ev.host.to_l() if ev.host else L(""),
        themes=tuple(t.to_l() for t in ev.themes),
        default_language=ev.default_language,
    )
    rooms = {r.id: Room(r.id, r.name.to_l()) for r in config.rooms}
    people = {
        p.id: Person(p.id, p.name.to_l(), p.affiliation.to_l() if p.affiliation else L(""))
        for p in config.people
    }
    sessions = [
        Session(
            id=s.id,
            title=s.title.to_l(),
            start=s.start.astimezone(ZoneInfo("UTC")),
            end=s.end.astimezone(ZoneInfo("UTC")),
            room=s.room,
            speakers=tuple(s.speakers),
            chairs=tuple(s.chairs),
            abstract=s.abstract.to_l() if s.abstract else L(""),
            kind=s.kind,
            track=s.track,
            url=s.url,
            qa=s.qa,
            qa_moderated=(
                s.qa_moderated
                if s.qa_moderated is not None
                else s.kind in config.qa.moderated_kinds
            ),
            reminders=tuple(s.reminders) if s.reminders is not None else None,
        )
        for s in config.sessions
    ]
    return Agenda(info, rooms, people, sessions)


def day_bounds(day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The start and end of a local day, as aware datetimes."""
    start = datetime.combine(day, time(0), zone)
    return start, start + timedelta(days=1)
