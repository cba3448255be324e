"""The event file's `platforms.discord.scheduled_events`: switched on with `true` or a
mapping, Discord's alone, its kinds and minutes checked with a clear line each."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from bot.settings import (
    ConfigError,
    EventConfig,
    ReminderConfig,
    ScheduledEventsConfig,
    default_config_path,
    event_warnings,
    parse_event,
    validate_event,
)


def sample(**discord: Any) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(default_config_path().read_text(encoding="utf-8"))
    data["platforms"]["discord"].update(discord)
    return data


def problems(data: dict[str, Any]) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        validate_event(data)
    return [str(p) for p in caught.value.problems]


def test_off_unless_asked_for(event_config: EventConfig) -> None:
    assert event_config.platforms["discord"].scheduled_events is None
    assert (
        validate_event(sample(scheduled_events=False)).platforms["discord"].scheduled_events is None
    )


def test_true_takes_the_defaults_every_session_no_dms() -> None:
    events = validate_event(sample(scheduled_events=True)).platforms["discord"].scheduled_events
    assert events == ScheduledEventsConfig()
    assert events.selects("break") and events.selects("talk")
    assert not events.remind_interested


def test_kinds_choose_and_the_minutes_default_to_the_first_reminder() -> None:
    events = ScheduledEventsConfig(kinds=["talk", "dialogue"], remind_interested=True)
    assert events.selects("talk") and not events.selects("break")
    assert events.minutes(ReminderConfig(default_offsets=[15, 5])) == 15
    assert events.minutes(ReminderConfig(default_offsets=[])) == 10
    assert ScheduledEventsConfig(remind_minutes=0).minutes(ReminderConfig()) == 0


def test_only_discord_has_scheduled_events() -> None:
    data = sample()
    data["platforms"]["slack"]["scheduled_events"] = True
    assert problems(data) == ["platforms: slack: scheduled_events are Discord's alone"]


@pytest.mark.parametrize(
    ("events", "expected"),
    [
        ({"kinds": ["talk", "talk"]}, "platforms.discord.scheduled_events.kinds: each kind once"),
        ({"kinds": [""]}, "platforms.discord.scheduled_events.kinds[0]: String should have"),
        ({"remind_minutes": 1441}, "platforms.discord.scheduled_events.remind_minutes: Input"),
        ({"remind_minutes": -1}, "platforms.discord.scheduled_events.remind_minutes: Input"),
        ({"remind": True}, "platforms.discord.scheduled_events.remind: unknown field (a typo?)"),
        ("yes", "platforms.discord.scheduled_events: Input should be a valid dictionary"),
    ],
)
def test_a_bad_setting_is_one_clear_line(events: Any, expected: str) -> None:
    (found,) = problems(sample(scheduled_events=events))
    assert found.startswith(expected), found


def test_the_line_of_a_bad_setting_is_given() -> None:
    text = (
        default_config_path()
        .read_text(encoding="utf-8")
        .replace(
            "    roles:\n      moderator: [Moderator]",
            "    scheduled_events:\n      remind_minuts: 5\n"
            "    roles:\n      moderator: [Moderator]",
            1,
        )
    )
    with pytest.raises(ConfigError) as caught:
        parse_event(text)
    (problem,) = caught.value.problems
    assert problem.path == "platforms.discord.scheduled_events.remind_minuts"
    assert problem.line is not None and "remind_minuts: 5" in text.splitlines()[problem.line - 1]


def test_a_kind_no_session_has_is_a_warning() -> None:
    config = validate_event(sample(scheduled_events={"kinds": ["dialogue", "talks"]}))
    assert [str(w) for w in event_warnings(config)][-1] == (
        "platforms.discord.scheduled_events.kinds: no session is of kind 'talks', so it gets "
        "no event; kinds: 'break', 'ceremony', 'dialogue', 'panel', 'partnering', "
        "'registration', 'side'"
    )
