"""The event file's schema: the event, rooms, people, sessions, platforms' channel maps,
reminder rules, Q&A settings, the programme's live source and polls, each checked by
pydantic."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from bot.core.errors import UserError
from bot.i18n import LANGUAGES, L, Translator
from bot.polls import rules


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


_KIND = Field(min_length=1, max_length=64)


class ScheduledEventsConfig(_Strict):
    """The programme as Discord scheduled events (the server's Events list): one per
    session of the chosen kinds, kept in step with the agenda."""

    # Session kinds that get an event; empty: every session.
    kinds: list[Annotated[str, _KIND]] = []
    # Reminders also go by DM to the people Discord lists as interested in an event.
    remind_interested: bool = False
    # Minutes before the start for those DMs; None: the first of reminders.default_offsets.
    remind_minutes: int | None = Field(None, ge=0, le=24 * 60)

    @field_validator("kinds")
    @classmethod
    def _check_kinds(cls, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            raise ValueError("each kind once")
        return value

    def selects(self, kind: str) -> bool:
        """Whether sessions of this kind get an event."""
        return not self.kinds or kind in self.kinds

    def minutes(self, reminders: ReminderConfig) -> int:
        """When the interested hear of a session: minutes before its start."""
        if self.remind_minutes is not None:
            return self.remind_minutes
        return reminders.default_offsets[0] if reminders.default_offsets else 10


class PlatformConfig(_Strict):
    """One platform's channel and role mapping: names or ids, as that platform has them."""

    channels: dict[str, str] = {}
    rooms: dict[str, str] = {}
    roles: dict[str, list[str]] = {}
    # Discord only: the programme in the server's Events list (`true` for the defaults).
    scheduled_events: ScheduledEventsConfig | None = None

    @field_validator("scheduled_events", mode="before")
    @classmethod
    def _switch(cls, value: Any) -> Any:
        if value is True:
            return {}
        return None if value is False else value

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
    # Approved questions are machine-translated as they come, when a provider is
    # configured (FORUM_BOT_TRANSLATE); moderators switch it per session.
    auto_translate: bool = False

    @model_validator(mode="after")
    def _check_lengths(self) -> QAConfig:
        if self.min_length > self.max_length:
            raise ValueError(
                f"min_length ({self.min_length}) is more than max_length ({self.max_length})"
            )
        return self


class PollConfig(_Strict):
    """A poll made before the day, the same one at every start (found again by `id`):
    opened at its session's start (`open: start`, the default for a session's poll) or by
    a moderator (`open: manual`, the default for a poll of the whole event)."""

    id: str = Field(pattern=_ID)
    session: str | None = None
    question: Text2
    options: list[Text2]
    multiple: bool = False
    hidden: bool = False
    open: Literal["start", "manual"] | None = None
    minutes: int | None = Field(None, ge=1, le=rules.MINUTES_MAX)

    @model_validator(mode="after")
    def _check(self) -> PollConfig:
        english = Translator("en", ZoneInfo("UTC"))
        options = self.options
        korean = [o.ko for o in options]
        try:
            rules.draft(
                self.question.en,
                self.question.ko,
                [o.en for o in options],
                korean if any(korean) else (),
            )
        except UserError as exc:
            raise ValueError(english(exc.key, **exc.params)) from None
        if self.open == "start" and self.session is None:
            raise ValueError(
                "open: start needs a session (a poll of the whole event opens by hand)"
            )
        return self

    def opens(self) -> str:
        """When it opens: "start" (its session's) or "later" (by hand)."""
        wanted = self.open or ("start" if self.session else "manual")
        return "start" if wanted == "start" else "later"


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
    # Polls ready before the day.
    polls: list[PollConfig] = []

    @field_validator("platforms")
    @classmethod
    def _check_platforms(cls, value: dict[str, PlatformConfig]) -> dict[str, PlatformConfig]:
        for name, mapping in value.items():
            if name != "discord" and mapping.scheduled_events is not None:
                raise ValueError(f"{name}: scheduled_events are Discord's alone")
        return value
