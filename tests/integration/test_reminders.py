"""Reminders, schedule updates and announcements, end to end on the fake Discord and the
fake Slack at once, under a stopped simulated clock that the tests move."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
import re
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any

import pytest
import pytest_asyncio

from bot.core.clock import SimulatedClock
from bot.core.dispatch import Core
from bot.core.model import Action, ChannelRef, Role, UserRef, plain
from bot.i18n import L
from bot.platforms.slack.render import message as slack_message
from bot.programme import Agenda, Session
from bot.programme.building import build_agenda
from bot.runtime import Runtime
from bot.settings import EventConfig, PlatformConfig
from bot.storage import Store
from bot.storage import announcements as ann
from bot.storage.outbox import summary
from tests.fakes.discord_server import FakeDiscord
from tests.fakes.slack_server import FakeSlack
from tests.fakes.world import on_both_platforms, tick

D_ANNOUNCE, D_SCHEDULE, D_HALL = "900000000000000001", "900000000000000002", "900000000000000003"
S_ANNOUNCE, S_SCHEDULE, S_HALL = "C0ANNOUNCE", "C0SCHEDULE", "C0HALL"
ORGANISER_ROLE = "777777777777777777"
KST = "+09:00"


def at(hhmm: str, day: int = 5) -> datetime:
    return datetime.fromisoformat(f"2026-02-0{day}T{hhmm}:00{KST}")


@dataclasses.dataclass
class World:
    core: Core
    runtime: Runtime
    clock: SimulatedClock
    discord: FakeDiscord
    slack: FakeSlack

    async def tick(self, until: datetime) -> None:
        """Move the clock, fire what is due and let every sender drain."""
        await tick(self.runtime, self.clock, until)

    def discord_texts(self, channel: str) -> list[str]:
        return [_discord_text(m) for m in self.discord.channel_messages(channel)]

    def slack_texts(self, channel: str) -> list[str]:
        return [_slack_text(m.blocks) or m.text for m in self.slack.messages_in(channel)]


def _discord_text(message: dict[str, Any]) -> str:
    parts = [message.get("content") or ""]
    for e in message.get("embeds") or []:
        parts += [e.get("title", ""), e.get("description") or ""]
        parts += [f"{f['name']}: {f['value']}" for f in e.get("fields", [])]
    return "\n".join(parts)


def _slack_text(blocks: list[dict[str, Any]]) -> str:
    out = []
    for b in blocks:
        if "text" in b:
            out.append(b["text"]["text"])
        out += [f["text"] for f in b.get("fields", [])]
        out += [e.get("text", "") for e in b.get("elements", []) if isinstance(e.get("text"), str)]
    return "\n".join(out)


@pytest_asyncio.fixture
async def world(
    monkeypatch: pytest.MonkeyPatch, event_config: EventConfig, store: Store
) -> AsyncIterator[World]:
    platforms = {
        "discord": PlatformConfig(
            channels={"announcements": D_ANNOUNCE, "schedule": D_SCHEDULE},
            rooms={"grand-hall": D_HALL},
            roles={"organiser": [ORGANISER_ROLE]},
        ),
        "slack": PlatformConfig(
            channels={"announcements": S_ANNOUNCE, "schedule": S_SCHEDULE},
            rooms={"grand-hall": S_HALL},
            roles={"organiser": ["U7"]},
        ),
    }
    config = event_config.model_copy(update={"platforms": platforms})
    clock = SimulatedClock(at("08:00"), speed=0)
    from bot.app import build_core

    core = await build_core(config, store, clock)
    async with on_both_platforms(
        monkeypatch,
        core,
        config,
        discord_channels={
            D_ANNOUNCE: "announcements",
            D_SCHEDULE: "schedule",
            D_HALL: "grand-hall",
        },
        slack_channels={"announcements": S_ANNOUNCE, "schedule": S_SCHEDULE, "grand-hall": S_HALL},
        discord_roles=[("Organiser", ORGANISER_ROLE)],
    ) as on:
        yield World(core, on.runtime, clock, on.discord, on.slack)


async def test_a_reminder_arrives_on_both_platforms_at_its_minute(world: World) -> None:
    await world.tick(at("12:44"))
    assert not any("Dialogue" in t for t in world.discord_texts(D_ANNOUNCE))
    await world.tick(at("12:45"))  # the dialogue reminds 15 minutes before
    for texts in (
        world.discord_texts(D_ANNOUNCE),
        world.discord_texts(D_HALL),
        world.slack_texts(S_ANNOUNCE),
        world.slack_texts(S_HALL),
    ):
        dialogue = [t for t in texts if "Dialogue with Global Scholars" in t]
        assert len(dialogue) == 1, texts
        assert "Starting in 15 min" in dialogue[0] and "15분 후 시작" in dialogue[0]
        assert "/ask" in dialogue[0]
    assert "<t:1770264000:f>" in world.discord_texts(D_ANNOUNCE)[-1]
    assert "<!date^1770264000^" in world.slack_texts(S_ANNOUNCE)[-1]
    await world.tick(at("12:46"))  # nothing twice
    assert len([t for t in world.discord_texts(D_ANNOUNCE) if "Dialogue" in t]) == 1


async def test_breaks_get_no_reminder_by_default(world: World) -> None:
    await world.tick(at("09:50"))
    await world.tick(at("11:31"))
    assert not any("Lunch" in t for t in world.discord_texts(D_ANNOUNCE))
    assert any("Roundtable" in t for t in world.discord_texts(D_ANNOUNCE))


async def test_reminders_missed_while_down_go_late_only_before_the_start(world: World) -> None:
    # Nothing ran between 08:00 and 10:02: the roundtable (10:00) is in its grace
    # period, the opening (09:30) is long under way.
    await world.tick(at("10:02"))
    texts = world.discord_texts(D_ANNOUNCE)
    assert len([t for t in texts if "Roundtable" in t]) == 1
    assert not any("Opening Ceremony" in t for t in texts)


async def test_subscribers_get_a_dm_in_their_language_and_zone(world: World) -> None:
    alice = UserRef("discord", world.discord.default_user["id"], "alice")
    bob = UserRef("slack", "U2", "bob")
    for who, line in (
        (alice, "/remind dialogue 30"),
        (bob, "/timezone America/Los_Angeles"),
        (bob, "/language ko"),
        (bob, "/remind 글로벌 석학 5"),
    ):
        reply = await world.core.dispatch_text(
            who.platform, line, who, ChannelRef(who.platform, "c")
        )
        assert not reply.error, plain(reply.text)
    await world.tick(at("12:30"))
    dm = [
        r
        for r in world.discord.requests
        if r.route == "POST /channels/{channel_id}/messages"
        and r.params["channel_id"] not in (D_ANNOUNCE, D_HALL, D_SCHEDULE)
    ]
    assert len(dm) == 1 and "Starting in 30 min" in _discord_text(dm[0].json)
    await world.tick(at("12:55"))
    slack_dms = [m for m in world.slack.messages if m.channel.startswith("D")]
    assert len(slack_dms) == 1
    text = _slack_text(slack_dms[0].blocks)
    assert "5분 후 시작" in text and "글로벌 석학과의 대화" in text
    assert "Wed 4 Feb" not in text  # Korean dates
    assert "2월 4일" in text  # 20:00 on 4 Feb in San Diego


async def test_a_moved_session_is_announced_and_its_old_reminder_never_arrives(
    world: World, event_config: EventConfig
) -> None:
    alice = UserRef("discord", world.discord.default_user["id"], "alice")
    await world.core.dispatch_text(
        "discord", "/remind dialogue 10", alice, ChannelRef("discord", "c")
    )
    await world.tick(at("12:00"))
    moved = _move(world.core.agenda, "dialogue", timedelta(hours=1))
    changes = await world.runtime.apply_agenda(moved)
    assert [c.kind for c in changes] == ["moved"]
    for sender in world.runtime.senders.values():
        await sender.drain()
    updates = world.discord_texts(D_SCHEDULE)
    assert len(updates) == 1 and "Moved" in updates[0] and "<t:1770267600:f>" in updates[0]
    assert len(world.slack_texts(S_SCHEDULE)) == 1
    dms = [
        r
        for r in world.discord.requests
        if r.route == "POST /channels/{channel_id}/messages"
        and r.params["channel_id"] not in (D_ANNOUNCE, D_HALL, D_SCHEDULE)
    ]
    assert len(dms) == 1 and "Moved" in _discord_text(dms[0].json)
    await world.tick(at("12:50"))  # the old 15- and 10-minute reminders' time
    assert not any("Dialogue" in t for t in world.discord_texts(D_ANNOUNCE))
    assert not any("Dialogue" in t for t in world.slack_texts(S_ANNOUNCE))
    await world.tick(at("13:45"))
    assert len([t for t in world.discord_texts(D_ANNOUNCE) if "Dialogue" in t]) == 1
    assert len([t for t in world.slack_texts(S_ANNOUNCE) if "Dialogue" in t]) == 1
    # Applying the same agenda again changes and announces nothing.
    assert await world.runtime.apply_agenda(moved) == []


async def test_the_schedule_post_gives_each_language_its_full_line_with_the_time(
    world: World,
) -> None:
    agenda = world.core.agenda
    posters = L("Coffee Break and Posters", "휴식 및 포스터")
    sessions = [
        dataclasses.replace(s, title=posters, start=at("15:30"), end=at("16:00"))
        if s.id == "break-day1"
        else s
        for s in agenda.sessions
    ]
    awards = Session("poster-awards", L("Poster Awards", "포스터 시상"), at("17:00"), at("17:30"))
    changed = Agenda(agenda.event, agenda.rooms, agenda.people, [*sessions, awards])
    assert [c.kind for c in await world.runtime.apply_agenda(changed)] == [
        "moved",
        "retitled",
        "new",
    ]
    for sender in world.runtime.senders.values():
        await sender.drain()
    moved, end = int(at("15:30").timestamp()), int(at("16:00").timestamp())
    new, new_end = int(at("17:00").timestamp()), int(at("17:30").timestamp())
    (discord_post,) = world.discord_texts(D_SCHEDULE)
    assert discord_post.splitlines()[2:] == [
        f"Moved: Coffee Break and Posters, now <t:{moved}:f> - <t:{end}:t>",
        f"시간 변경: 휴식 및 포스터, 변경된 시간 <t:{moved}:f> - <t:{end}:t>",
        "Renamed: Coffee Break → Coffee Break and Posters",
        "제목 변경: 휴식 → 휴식 및 포스터",
        f"New: Poster Awards, <t:{new}:f> - <t:{new_end}:t>",
        f"추가: 포스터 시상, <t:{new}:f> - <t:{new_end}:t>",
    ]
    (slack_post,) = world.slack_texts(S_SCHEDULE)
    day_time = "{date_short_pretty} {time}"
    for line in (
        f"Moved: Coffee Break and Posters, now <!date^{moved}^{day_time}|Thu 5 Feb 15:30>"
        f" - <!date^{end}^{{time}}|16:00>",
        f"시간 변경: 휴식 및 포스터, 변경된 시간 <!date^{moved}^{day_time}|2월 5일 (목) 15:30>"
        f" - <!date^{end}^{{time}}|16:00>",
        f"New: Poster Awards, <!date^{new}^{day_time}|Thu 5 Feb 17:00>"
        f" - <!date^{new_end}^{{time}}|17:30>",
        f"추가: 포스터 시상, <!date^{new}^{day_time}|2월 5일 (목) 17:00>"
        f" - <!date^{new_end}^{{time}}|17:30>",
    ):
        assert line in slack_post.splitlines(), (line, slack_post)


def _move(agenda: Agenda, session_id: str, by: timedelta) -> Agenda:
    sessions = [
        dataclasses.replace(s, start=s.start + by, end=s.end + by) if s.id == session_id else s
        for s in agenda.sessions
    ]
    return Agenda(agenda.event, agenda.rooms, agenda.people, sessions)


async def test_an_announcement_for_ten_arrives_at_ten_on_both_once(world: World) -> None:
    organiser = UserRef("slack", "U7", "olga")
    where = ChannelRef("slack", "C1")
    roles = frozenset({Role.PARTICIPANT, Role.MODERATOR, Role.ORGANISER})
    preview = await world.core.dispatch_text(
        "slack",
        "/announce Doors open in the Grand Hall @everyone at 10:00",
        organiser,
        where,
        roles,
    )
    assert preview.card is not None, plain(preview.text)
    assert "Doors open in the Grand Hall @everyone" in preview.card.lines[0]
    send = preview.buttons[0]
    reply = await world.core.on_action(
        Action("slack", send.action_id, send.value, organiser, where, roles)
    )
    assert "will go to Discord, Slack" in plain(reply.text)
    again = await world.core.on_action(
        Action("slack", send.action_id, send.value, organiser, where, roles)
    )
    assert again.error and "already sent or cancelled" in plain(again.text)
    await world.tick(at("09:59"))
    assert not any("Doors open" in t for t in world.discord_texts(D_ANNOUNCE))
    await world.tick(at("10:00"))
    await world.tick(at("10:05"))
    d = [t for t in world.discord_texts(D_ANNOUNCE) if "Doors open" in t]
    s = [t for t in world.slack_texts(S_ANNOUNCE) if "Doors open" in t]
    assert len(d) == 1 and len(s) == 1
    assert "@\u200beveryone" in d[0]  # pings nobody
    stored = await world.core.store.fetchall("SELECT action FROM audit_log ORDER BY id")
    assert [r[0] for r in stored] == [
        "announcement.draft",
        "announcement.scheduled",
        "announcement.sent",
    ]


async def test_participants_cannot_announce_or_reload_and_nothing_is_queued(world: World) -> None:
    bob = UserRef("slack", "U2", "bob")
    where = ChannelRef("slack", "C1")
    for line in (
        "/announce hello everyone",
        "/agenda-reload",
        "/announcements",
        "/announce-cancel 1",
    ):
        reply = await world.core.dispatch_text("slack", line, bob, where)
        assert reply.error and "Only organisers" in plain(reply.text), line
    press = await world.core.on_action(Action("slack", "announce.send", "1", bob, where))
    assert press.error
    assert await world.core.store.fetchall("SELECT * FROM announcements") == []
    before = await summary(world.core.store)
    await world.tick(at("08:01"))
    assert [r for r in await summary(world.core.store) if r[1] == "pending"] == []
    assert before == await summary(world.core.store)


async def test_cancelled_announcement_never_goes_out(world: World) -> None:
    organiser = UserRef("discord", "777", "olga")
    where = ChannelRef("discord", "c")
    roles = frozenset({Role.PARTICIPANT, Role.MODERATOR, Role.ORGANISER})
    preview = await world.core.dispatch_text(
        "discord", "/announce Coffee is ready at 09:00 to slack", organiser, where, roles
    )
    assert preview.card is not None and preview.card.fields[1].value == "Slack"
    await world.core.on_action(
        Action("discord", "announce.send", preview.buttons[0].value, organiser, where, roles)
    )
    listed = await world.core.dispatch_text("discord", "/announcements", organiser, where, roles)
    assert listed.card is not None and "Coffee is ready" in plain(listed.card.lines[0])
    cancelled = await world.core.dispatch_text(
        "discord", f"/announce-cancel {preview.buttons[0].value}", organiser, where, roles
    )
    assert "is cancelled" in plain(cancelled.text)
    await world.tick(at("09:30"))
    assert not any("Coffee" in t for t in world.slack_texts(S_ANNOUNCE))


async def test_bad_announcement_times_are_one_clear_line(world: World) -> None:
    organiser = UserRef("discord", "777", "olga")
    where = ChannelRef("discord", "c")
    roles = frozenset({Role.PARTICIPANT, Role.MODERATOR, Role.ORGANISER})
    world.clock.set(at("11:00"))
    for line, expected in (
        ("/announce hi at 10:00", "has already passed"),
        ("/announce hi at:25:99", "cannot read"),
        ("/announce hi to:teams", "must be one of"),
        ("/announce at 10:00", "Please give the text"),
    ):
        reply = await world.core.dispatch_text("discord", line, organiser, where, roles)
        assert reply.error and expected in plain(reply.text), (line, reply.text)
    assert await world.core.store.fetchall("SELECT * FROM announcements") == []


async def test_reload_with_a_broken_file_changes_nothing(
    world: World, tmp_path: Any, event_config: EventConfig
) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("event: {name: X}\n", encoding="utf-8")
    world.runtime.config_path = broken
    organiser = UserRef("slack", "U7", "olga")
    roles = frozenset({Role.PARTICIPANT, Role.MODERATOR, Role.ORGANISER})
    before = world.core.agenda
    reply = await world.core.dispatch_text(
        "slack", "/agenda-reload", organiser, ChannelRef("slack", "c"), roles
    )
    assert reply.error and "problems, so nothing changed" in plain(reply.text)
    assert world.core.agenda is before
    assert build_agenda(event_config).sessions == before.sessions


async def test_a_session_moved_after_its_reminder_went_out_is_reminded_again(
    world: World,
) -> None:
    await world.tick(at("12:45"))
    assert len([t for t in world.discord_texts(D_ANNOUNCE) if "Dialogue" in t]) == 1
    world.clock.set(at("12:50"))
    await world.runtime.apply_agenda(_move(world.core.agenda, "dialogue", timedelta(hours=1)))
    await world.tick(at("13:45"))  # 15 minutes before the new start
    texts = [t for t in world.discord_texts(D_ANNOUNCE) if "Dialogue" in t]
    assert len(texts) == 2 and "<t:1770267600:f>" in texts[1]


async def test_a_queued_reminder_past_its_session_is_dropped_not_sent(world: World) -> None:
    world.clock.set(at("12:45"))
    await world.runtime.planner.fire_due()  # queued, but the senders are held up...
    world.clock.set(at("13:10"))  # ...until the dialogue is 10 minutes in
    for sender in world.runtime.senders.values():
        await sender.drain()
    assert not any("Dialogue" in t for t in world.discord_texts(D_ANNOUNCE))
    rows = await world.core.store.fetchall(
        "SELECT status FROM outbox WHERE dedup_key LIKE 'rem:dialogue:%'"
    )
    assert rows and {r[0] for r in rows} == {"expired"}


async def test_a_scheduled_announcement_survives_a_restart(world: World) -> None:
    organiser = UserRef("slack", "U7", "olga")
    where = ChannelRef("slack", "C1")
    roles = frozenset({Role.PARTICIPANT, Role.MODERATOR, Role.ORGANISER})
    preview = await world.core.dispatch_text(
        "slack", "/announce Photo zone opens at 10:00", organiser, where, roles
    )
    await world.core.on_action(
        Action("slack", "announce.send", preview.buttons[0].value, organiser, where, roles)
    )
    # The bot stops and comes back: the plan is rebuilt from the store alone.
    await world.runtime.stop()
    adapters = list(world.runtime.adapters.values())
    world.runtime = Runtime(world.core, adapters)
    await world.runtime.start()
    assert any(d.kind == "announcement" for d in world.runtime.planner.items.values())
    await world.tick(at("10:00"))
    assert len([t for t in world.discord_texts(D_ANNOUNCE) if "Photo zone opens" in t]) == 1
    assert len([t for t in world.slack_texts(S_ANNOUNCE) if "Photo zone opens" in t]) == 1
    await world.runtime.stop()


async def test_an_announcement_queued_from_the_shell_for_now_is_listed_as_soon_as_possible(
    world: World,
) -> None:
    from bot.__main__ import main

    db = world.core.store.where
    assert await asyncio.to_thread(main, ["announce", "Lunch", "is", "served", "--db", db]) == 0
    pending = await world.discord.send_slash_command("announcements", roles=[ORGANISER_ROLE])
    listed = _discord_text((await pending).json["data"])
    assert "Lunch is served" in listed, listed
    assert "<t:0:" not in listed and "1970" not in listed
    assert "as soon as possible" in listed
    reply = await world.core.dispatch_text(
        "slack",
        "/announcements",
        UserRef("slack", "U7", "olga"),
        ChannelRef("slack", "C1"),
        frozenset({Role.PARTICIPANT, Role.MODERATOR, Role.ORGANISER}),
    )
    slack = json.dumps(slack_message(reply), ensure_ascii=False)
    assert "Lunch is served" in slack and "<!date^0^" not in slack and "1970" not in slack
    # The bot is told (`forum-bot announce` signals it; here by hand) and sends it at once.
    await world.runtime.replan()
    await world.tick(at("08:00"))
    assert len([t for t in world.discord_texts(D_ANNOUNCE) if "Lunch is served" in t]) == 1
    assert len([t for t in world.slack_texts(S_ANNOUNCE) if "Lunch is served" in t]) == 1


async def test_a_time_that_cannot_be_read_is_refused_naming_the_part(world: World) -> None:
    organiser = UserRef("discord", "777", "olga")
    where = ChannelRef("discord", "c")
    roles = frozenset({Role.PARTICIPANT, Role.MODERATOR, Role.ORGANISER})
    world.clock.set(at("11:00"))
    for line, part in (
        ("/announce Room change at tomorow 09:00", "'tomorow'"),
        ("/announce Room change at 99:99", "'99:99'"),
        ("/announce Room change at tomorrow 24:00", "'24:00'"),
        ("/announce Doors open at 9pm", "'9pm'"),
        ("/announce Doors open at 10.30", "'10.30'"),
        ("/announce Doors open at +15x", "'+15x'"),
        ("/announce Doors open at 2026-02-31 09:00", "'2026-02-31'"),
        ("/announce Doors open at:soon", "'soon'"),
    ):
        reply = await world.core.dispatch_text("discord", line, organiser, where, roles)
        text = plain(reply.text)
        assert reply.error and "cannot read" in text and part in text, (line, text)
    reply = await world.core.dispatch_text(
        "discord", "/announce Doors open at 2026-02-04 09:00", organiser, where, roles
    )
    assert reply.error and "has already passed" in plain(reply.text)
    assert await world.core.store.fetchall("SELECT * FROM announcements") == []
    # What README promises still reads, Korean day words too; a time in a sentence is text.
    for line, when, text in (
        ("/announce A at tomorrow 09:00", at("09:00", 6), "A"),
        ("/announce B at 내일 09:30", at("09:30", 6), "B"),
        ("/announce C at +15m", at("11:15"), "C"),
        ("/announce D at 2026-02-06 10:00 to slack", at("10:00", 6), "D"),
        ("/announce E at 12:00", at("12:00"), "E"),
        ("/announce Lunch at 12:30 in the lobby", at("11:00"), "Lunch at 12:30 in the lobby"),
        ("/announce Meet at gate 5", at("11:00"), "Meet at gate 5"),
    ):
        preview = await world.core.dispatch_text("discord", line, organiser, where, roles)
        assert preview.card is not None, (line, plain(preview.text))
        item = await ann.get(world.core.store, int(preview.buttons[0].value))
        assert item is not None and item.send_at == when and item.text == text, (line, item)


async def test_log_lines_give_durations_readably(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="bot.delivery.planner")
    organiser = UserRef("slack", "U7", "olga")
    where = ChannelRef("slack", "C1")
    roles = frozenset({Role.PARTICIPANT, Role.MODERATOR, Role.ORGANISER})
    preview = await world.core.dispatch_text(
        "slack", "/announce Photo zone opens at 10:00", organiser, where, roles
    )
    await world.core.on_action(
        Action("slack", "announce.send", preview.buttons[0].value, organiser, where, roles)
    )
    await world.tick(at("12:05"))  # the bot was down from 08:00
    await world.tick(datetime.fromisoformat("2026-12-02T13:54:04.749744+09:00"))
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert "(2 h 5 min late)" in text, text
    assert "the session started at 2026-02-05T00:30:00+00:00, 2 h 35 min ago" in text, text
    assert "the session started at 2026-02-05T04:00:00+00:00, 300 d 54 min ago" in text, text
    assert not re.search(r"\d:\d\d:\d\d(\.\d+)? (ago|late)|days?,", text), text


def test_a_trailing_at_is_a_time_only_when_it_reads_like_one() -> None:
    from commands.announce import split_line

    assert split_line("Doors open at 9 pm") == ("Doors open", "9 pm", None)
    assert split_line("Room change at tomorow 09:00") == ("Room change", "tomorow 09:00", None)
    assert split_line("Lunch is served at Hall 2.1")[1] is None
    assert split_line("Meet at gate 5")[1] is None
    assert split_line("Keynote at 10.30 to slack") == ("Keynote", "10.30", "slack")
