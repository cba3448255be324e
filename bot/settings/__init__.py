"""Settings: the environment (secrets, ports, paths: `environment`) and the event file
(everything else: its schema in `event`, reading and checking it in `loader`)."""

from bot.settings.environment import DEFAULT_CONFIG_NAME, DEFAULT_DB, Settings
from bot.settings.event import (
    FORMATS,
    EventConfig,
    EventSection,
    PersonConfig,
    PlatformConfig,
    PollConfig,
    QAConfig,
    ReminderConfig,
    RoomConfig,
    ScheduledEventsConfig,
    SessionConfig,
    SourceConfig,
    Text2,
)
from bot.settings.loader import (
    ConfigError,
    LineIndex,
    Problem,
    default_config_path,
    event_warnings,
    load_event,
    parse_event,
    validate_event,
)

__all__ = [
    "DEFAULT_CONFIG_NAME",
    "DEFAULT_DB",
    "FORMATS",
    "ConfigError",
    "EventConfig",
    "EventSection",
    "LineIndex",
    "PersonConfig",
    "PlatformConfig",
    "PollConfig",
    "Problem",
    "QAConfig",
    "ReminderConfig",
    "RoomConfig",
    "ScheduledEventsConfig",
    "SessionConfig",
    "Settings",
    "SourceConfig",
    "Text2",
    "default_config_path",
    "event_warnings",
    "load_event",
    "parse_event",
    "validate_event",
]
