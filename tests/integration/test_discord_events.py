"""The programme as Discord scheduled events, end to end: the real discord.py client against
the fake Discord (which checks Discord's rules for events on the same simulated clock as
the bot), the runtime applying agenda changes, restarts on the same database."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
import pytest_asyncio

from bot.app import build_core
from bot.cli.operations import status
from bot.core.clock import SimulatedClock
from bot.core.dispatch import Core
from bot.core.model import ChannelRef, UserRef
from bot.delivery.planner import INTERESTED_READS, RETRY_SECONDS
from bot.i18n import L
from bot.platforms.discord.adapter import DiscordAdapter, DiscordSettings
from bot.programme import Agenda, Session
from bot.runtime import Runtime
from bot.settings import EventConfig, PlatformConfig, ScheduledEventsConfig, SourceConfig
from bot.storage import Store, discord_events
from tests.fakes.discord_payloads import JSON
from tests.fakes.discord_server import FakeDiscord, Hold, RecordedRequest
from tests.fakes.world import keep_clients_local, tick

CREATE = "POST /guilds/{guild_id}/scheduled-events"
MODIFY = "PATCH /guilds/{guild_id}/scheduled-events/{guild_scheduled_event_id}"
DELETE = "DELETE /guilds/{guild_id}/scheduled-events/{guild_scheduled_event_id}"
LIST = "GET /guilds/{guild_id}/scheduled-events"
USERS = "GET /guilds/{guild_id}/scheduled-events/{guild_scheduled_event_id}/users"
ANNOUNCE, HALL = "900000000000000001", "900000000000000003"
KST = "+09:00"
SESSIONS = 13  # in the sample event
DIALOGUE = "International Forum: Dialogue with Global Scholars / 국제 포럼: 글로벌 석학과의 대화"


def at(hhmm: str, day: int = 5) -> datetime:
    return datetime.fromisoformat(f"2026-02-0{day}T{hhmm}:00{KST}")


@dataclasses.dataclass
class Bot:
    """The bot on the fake Discord: its core, adapter and running side; `restart` stops
    the adapter and runtime (a sync under way is cut off) and starts new ones on the same
    database, as a new process would."""

    core: Core
    fake: FakeDiscord
    clock: SimulatedClock
    adapter: DiscordAdapter
    runtime: Runtime
    stack: contextlib.AsyncExitStack
    make: Callable[[], Awaitable[tuple[DiscordAdapter, Runtime]]]

    async def settle(self) -> None:
        """Wait until the events are in step (the sync runs in the background)."""
        await self.adapter.events.idle()

    async def stop(self) -> None:
        await self.runtime.stop()
        await self.adapter.stop()

    async def restart(self) -> None:
        await self.stop()
        self.adapter, self.runtime = await self.make()

    def ours(self) -> dict[tuple[str, str], JSON]:
        """The bot's events on the fake, by name and start (asserting no duplicate)."""
        mine = [
            e
            for e in self.fake.scheduled_events.values()
            if e["creator_id"] == self.fake.bot_user["id"]
        ]
        found = {(e["name"], e["scheduled_start_time"][:16]): e for e in mine}
        assert len(found) == len(mine), sorted(e["name"] for e in mine)
        return found

    def named(self, name: str) -> JSON:
        """The bot's one event of this name."""
        (event,) = [e for (n, _), e in self.ours().items() if n == name]
        return event

    def count(self, route: str, since: int = 0) -> int:
        return len([r for r in self.fake.requests[since:] if r.route == route and r.status < 300])

    async def links(self) -> dict[str, str | None]:
        found = await discord_events.of_guild(self.core.store, self.fake.guild_id)
        return {sid: link.event_id for sid, link in found.items()}


Start = Callable[..., Awaitable[Bot]]


@pytest_asyncio.fixture
async def start(
    monkeypatch: pytest.MonkeyPatch, event_config: EventConfig, store: Store
) -> AsyncIterator[Start]:
    """Start the bot on a fake Discord sharing its simulated clock (08:00 on day 1 unless
    told), with `scheduled_events` as given; everything stops after the test."""
    keep_clients_local(monkeypatch)
    async with contextlib.AsyncExitStack() as stack:

        async def go(
            events: ScheduledEventsConfig | None = None,
            *,
            now: datetime | None = None,
            agenda: Callable[[Agenda], Agenda] | None = None,
            before_start: Callable[[FakeDiscord], Awaitable[None]] | None = None,
            source: SourceConfig | None = None,
            **fake_options: Any,
        ) -> Bot:
            clock = SimulatedClock(now or at("08:00"), speed=0)
            mapping = PlatformConfig(
                channels={"announcements": ANNOUNCE},
                rooms={"grand-hall": HALL},
                scheduled_events=events or ScheduledEventsConfig(),
            )
            config = event_config.model_copy(
                update={"platforms": {"discord": mapping}, "source": source}
            )
            core = await build_core(config, store, clock)
            if agenda is not None:
                core.agenda = agenda(core.agenda)
            fake = await stack.enter_async_context(
                FakeDiscord(token="t", clock=clock, **fake_options)
            )
            fake.add_channel(ANNOUNCE, name="announcements")
            fake.add_channel(HALL, name="grand-hall")
            if before_start is not None:
                await before_start(fake)

            async def make() -> tuple[DiscordAdapter, Runtime]:
                settings = DiscordSettings(
                    "t",
                    (int(fake.guild_id),),
                    fake.api_base,
                    fake.gateway_url,
                    guild_ready_timeout=0.01,
                    ready_timeout=5,
                )
                adapter = DiscordAdapter(core, settings, mapping, store)
                stack.push_async_callback(adapter.stop)
                await adapter.start()
                runtime = Runtime(core, [adapter])
                stack.push_async_callback(runtime.stop)
                await runtime.start()
                return adapter, runtime

            adapter, runtime = await make()
            return Bot(core, fake, clock, adapter, runtime, stack, make)

        yield go


def moved(agenda: Agenda, session_id: str, by: timedelta) -> Agenda:
    sessions = [
        dataclasses.replace(s, start=s.start + by, end=s.end + by) if s.id == session_id else s
        for s in agenda.sessions
    ]
    return Agenda(agenda.event, agenda.rooms, agenda.people, sessions)


def without(agenda: Agenda, session_id: str) -> Agenda:
    sessions = [s for s in agenda.sessions if s.id != session_id]
    return Agenda(agenda.event, agenda.rooms, agenda.people, sessions)


def many(count: int) -> Callable[[Agenda], Agenda]:
    """A programme of `count` half-hour talks on day 2, one after another."""

    def build(agenda: Agenda) -> Agenda:
        first = at("09:00", 6)
        sessions = [
            Session(
                f"talk-{i:03d}",
                L(f"Talk {i:03d}", f"발표 {i:03d}"),
                first + timedelta(minutes=30 * i),
                first + timedelta(minutes=30 * i + 25),
                room="grand-hall",
            )
            for i in range(count)
        ]
        return Agenda(agenda.event, agenda.rooms, agenda.people, sessions)

    return build


async def test_every_session_gets_an_external_event_at_start(start: Start) -> None:
    bot = await start()
    await bot.settle()
    ours = bot.ours()
    assert len(ours) == SESSIONS
    assert bot.count(CREATE) == SESSIONS
    dialogue = bot.named(DIALOGUE)
    assert dialogue["entity_type"] == 3 and dialogue["privacy_level"] == 2
    assert dialogue["channel_id"] is None
    assert dialogue["entity_metadata"] == {
        "location": "Grand Hall (illustrative) / 대회의실 (예시)"
    }
    assert dialogue["scheduled_start_time"].startswith("2026-02-05T04:00:00")
    assert dialogue["scheduled_end_time"].startswith("2026-02-05T06:00:00")
    description = dialogue["description"]
    assert "국제 포럼: 글로벌 석학과의 대화" in description
    assert (
        "Speakers / 연사: Ping Liu / 핑 리우, Masayoshi Watanabe / 와타나베 마사요시" in description
    )
    assert "/ask" in description
    for event in ours.values():
        assert 1 <= len(event["name"]) <= 100 and len(event["description"]) <= 1000
        assert 1 <= len(event["entity_metadata"]["location"]) <= 100
    links = await bot.links()
    assert len(links) == SESSIONS and None not in links.values()
    assert set(links.values()) == {e["id"] for e in ours.values()}
    # A second start finds everything in step: one list, no write.
    since = len(bot.fake.requests)
    await bot.restart()
    await bot.settle()
    assert bot.count(LIST, since) >= 1
    assert bot.count(CREATE, since) == bot.count(MODIFY, since) == bot.count(DELETE, since) == 0
    (report,) = await discord_events.reports(bot.core.store)
    assert (report.linked, report.missing, report.problem) == (SESSIONS, 0, None)


async def test_the_event_file_chooses_the_kinds(start: Start) -> None:
    bot = await start(ScheduledEventsConfig(kinds=["ceremony", "dialogue"]))
    await bot.settle()
    assert sorted(n.split(" / ")[0] for n, _ in bot.ours()) == [
        "Closing",
        "International Forum: Dialogue with Global Scholars",
        "Opening Ceremony",
    ]


async def test_a_moved_session_updates_its_event_and_a_removed_one_deletes_it(
    start: Start,
) -> None:
    bot = await start()
    await bot.settle()
    before = bot.named(DIALOGUE)
    since = len(bot.fake.requests)
    changes = await bot.runtime.apply_agenda(moved(bot.core.agenda, "dialogue", timedelta(hours=1)))
    assert [c.kind for c in changes] == ["moved"]
    await bot.settle()
    after = bot.named(DIALOGUE)
    assert after["id"] == before["id"]  # the same event, changed in place
    assert after["scheduled_start_time"].startswith("2026-02-05T05:00:00")
    assert after["scheduled_end_time"].startswith("2026-02-05T07:00:00")
    assert bot.count(MODIFY, since) == 1 and bot.count(CREATE, since) == 0
    patch = next(r for r in bot.fake.requests[since:] if r.route == MODIFY)
    assert patch.params["guild_scheduled_event_id"] == before["id"]

    since = len(bot.fake.requests)
    await bot.runtime.apply_agenda(without(bot.core.agenda, "dialogue"))
    await bot.settle()
    assert before["id"] not in bot.fake.scheduled_events
    assert bot.count(DELETE, since) == 1 and bot.count(CREATE, since) == 0
    assert len(bot.ours()) == SESSIONS - 1
    assert "dialogue" not in await bot.links()

    # Renamed and back in the programme: a new event with the new name.
    agenda = bot.core.agenda
    back = dataclasses.replace(
        moved(agenda, "opening", timedelta(0)).session("opening") or agenda.sessions[0],
        id="dialogue-2",
        title=L("Dialogue, again", "다시 대화"),
        start=at("16:00"),
        end=at("17:00"),
    )
    await bot.runtime.apply_agenda(
        Agenda(agenda.event, agenda.rooms, agenda.people, [*agenda.sessions, back])
    )
    await bot.settle()
    assert bot.named("Dialogue, again / 다시 대화")["scheduled_start_time"].startswith(
        "2026-02-05T07:00:00"
    )


async def test_the_reload_of_the_event_file_moves_the_event(
    start: Start, tmp_path: Any, event_config: EventConfig
) -> None:
    """The whole path an organiser takes: edit the file, /agenda-reload (here the runtime's
    reload, which the command calls)."""
    import yaml

    from bot.settings import default_config_path

    bot = await start()
    await bot.settle()
    before = bot.named(DIALOGUE)
    data = yaml.safe_load(default_config_path().read_text(encoding="utf-8"))
    for session in data["sessions"]:
        if session["id"] == "dialogue":
            session["start"], session["end"] = "2026-02-05 13:30", "2026-02-05 15:30"
    path = tmp_path / "event.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    bot.runtime.config_path = path
    assert [c.kind for c in await bot.runtime.reload_agenda()] == ["moved"]
    await bot.settle()
    after = bot.named(DIALOGUE)
    assert after["id"] == before["id"]
    assert after["scheduled_start_time"].startswith("2026-02-05T04:30:00")


def frab(config: EventConfig, moves: dict[str, int] | None = None) -> bytes:
    """The event's programme as a conference system's schedule JSON, sessions moved by
    minutes."""
    import json

    from bot.programme.building import build_agenda
    from bot.programme.frab import to_frab_json

    sessions = []
    for s in config.sessions:
        shift = timedelta(minutes=(moves or {}).get(s.id, 0))
        sessions.append(s.model_copy(update={"start": s.start + shift, "end": s.end + shift}))
    moved_config = config.model_copy(update={"sessions": sessions})
    return json.dumps(to_frab_json(build_agenda(moved_config), moved_config)).encode()


async def test_the_live_sources_changes_reach_the_events_once_it_has_been_read(
    start: Start, tmp_path: Any, event_config: EventConfig
) -> None:
    path = tmp_path / "schedule.json"  # not there yet: the source fails at start
    bot = await start(source=SourceConfig(url=str(path), format="frab-json"))
    await bot.settle()
    # The file's sessions stand in until the source is read: nothing is mirrored of them.
    assert not [r for r in bot.fake.requests if "scheduled-events" in r.route]
    path.write_bytes(frab(event_config))
    await bot.runtime.sync_source()
    await bot.settle()
    assert len(bot.ours()) == SESSIONS
    before = bot.named(DIALOGUE)
    since = len(bot.fake.requests)
    path.write_bytes(frab(event_config, {"dialogue": 30}))
    assert [c.kind for c in await bot.runtime.sync_source()] == ["moved"]
    await bot.settle()
    after = bot.named(DIALOGUE)
    assert after["id"] == before["id"]
    assert after["scheduled_start_time"].startswith("2026-02-05T04:30:00")
    assert bot.count(MODIFY, since) == 1 and bot.count(CREATE, since) == 0


async def test_events_the_bot_did_not_make_or_link_are_never_touched(start: Start) -> None:
    async def others(fake: FakeDiscord) -> None:
        # A member's own event named like a session, and one the bot's account made
        # without the bot knowing (another install, a lost database).
        await fake.add_scheduled_event(
            "Opening Ceremony / 개회식", at("09:30"), at("10:00"), location="Grand Hall"
        )
        await fake.add_scheduled_event(
            "Roundtable watch party", at("10:00"), at("11:30"), creator=fake.bot_user
        )

    bot = await start(before_start=others)
    await bot.settle()
    strangers = {
        e["id"]: dict(e)
        for e in bot.fake.scheduled_events.values()
        if e["name"] in ("Opening Ceremony / 개회식", "Roundtable watch party")
        and e["id"] not in (await bot.links()).values()
    }
    assert len(strangers) == 2
    since = len(bot.fake.requests)
    agenda = without(moved(bot.core.agenda, "opening", timedelta(minutes=5)), "roundtable")
    await bot.runtime.apply_agenda(agenda)
    await bot.settle()
    await bot.runtime.apply_agenda(without(bot.core.agenda, "opening"))
    await bot.settle()
    touched = {
        r.params.get("guild_scheduled_event_id")
        for r in bot.fake.requests[since:]
        if r.route in (MODIFY, DELETE)
    }
    assert touched and not touched & set(strangers)
    for event_id, event in strangers.items():
        assert bot.fake.scheduled_events[event_id] == event


async def test_a_stop_after_a_create_before_its_answer_makes_no_duplicate(start: Start) -> None:
    holds: list[Hold] = []

    async def hold_first(fake: FakeDiscord) -> None:
        # The first create is made on Discord, but its answer waits until the bot has
        # stopped: the bot never learns the event's id.
        holds.append(fake.hold_next(CREATE))

    bot = await start(before_start=hold_first)
    (hold,) = holds
    await asyncio.wait_for(hold.reached.wait(), 5)
    await bot.stop()  # the sync is cut off in the middle of the create
    hold.release()
    assert len(bot.ours()) == 1
    assert list((await bot.links()).values()) == [None]  # its intent, without an id
    since = len(bot.fake.requests)
    bot.adapter, bot.runtime = await bot.make()
    await bot.settle()
    assert len(bot.ours()) == SESSIONS
    assert bot.count(CREATE, since) == SESSIONS - 1  # the held one is found, not made again
    links = await bot.links()
    assert None not in links.values()
    assert set(links.values()) == {e["id"] for e in bot.ours().values()}


async def test_a_stop_between_creates_then_a_restart_makes_each_once(start: Start) -> None:
    holds: list[Hold] = []

    async def hold_fifth(fake: FakeDiscord) -> None:
        # The fifth create waits before Discord handles it; the bot stops meanwhile (the
        # request then arrives or not: either way no session gets two events).
        holds.append(fake.hold_next(CREATE, before=True, skip=4))

    bot = await start(before_start=hold_fifth)
    (hold,) = holds
    await asyncio.wait_for(hold.reached.wait(), 5)
    await bot.stop()
    hold.release()
    assert len(bot.ours()) == 4
    await bot.restart()
    await bot.settle()
    assert len(bot.ours()) == SESSIONS
    links = await bot.links()
    assert None not in links.values() and len(links) == SESSIONS


async def test_a_create_that_never_arrived_is_sent_again_once(
    start: Start, caplog: pytest.LogCaptureFixture
) -> None:
    async def drop_one(fake: FakeDiscord) -> None:
        fake.drop_next(CREATE)  # the connection goes before Discord handles it

    bot = await start(before_start=drop_one)
    # Set before the first pass gets to its creates (after a list and the store's reads).
    bot.adapter.events.retry_seconds = 0.01
    await bot.settle()  # the pass fails, waits, and the next one settles the intent
    assert "syncing scheduled events failed" in caplog.text
    assert len(bot.ours()) == SESSIONS
    assert bot.count(CREATE) == SESSIONS
    assert None not in (await bot.links()).values()


async def test_a_429_is_waited_out(start: Start) -> None:
    async def limited(fake: FakeDiscord) -> None:
        fake.rate_limit_next(CREATE, times=2, retry_after=0.05)

    bot = await start(before_start=limited)
    await bot.settle()
    assert len([r for r in bot.fake.requests if r.route == CREATE and r.status == 429]) == 2
    assert len(bot.ours()) == SESSIONS


async def test_sessions_over_get_none_and_started_ones_keep_theirs(start: Start) -> None:
    bot = await start(now=at("10:10"))
    await bot.settle()
    # Before 10:10: registration, the photo zone (under way), the opening, the roundtable
    # (under way): no event; Discord refuses a start in the past.
    names = {n.split(" / ")[0] for n, _ in bot.ours()}
    assert "Opening Ceremony" not in names and len(bot.ours()) == SESSIONS - 4
    refused = [r for r in bot.fake.requests if r.route == CREATE and r.status >= 400]
    assert refused == []
    # Made earlier, the lunch's event stays as it is once the lunch has begun.
    bot.clock.set(at("11:40"))
    lunch = bot.named("Lunch Break / 점심 식사")
    since = len(bot.fake.requests)
    renamed = [
        dataclasses.replace(s, title=L("Lunch", "점심")) if s.id == "lunch-day1" else s
        for s in bot.core.agenda.sessions
    ]
    agenda = bot.core.agenda
    await bot.runtime.apply_agenda(Agenda(agenda.event, agenda.rooms, agenda.people, renamed))
    await bot.settle()
    assert bot.count(MODIFY, since) == 0
    assert bot.fake.scheduled_events[lunch["id"]]["name"] == "Lunch Break / 점심 식사"


async def test_the_100_event_limit_is_reported_and_later_filled(
    start: Start, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    caplog.set_level(logging.INFO, logger="bot.platforms.discord.events")

    async def three_of_theirs(fake: FakeDiscord) -> None:
        for i in range(3):
            await fake.add_scheduled_event(f"Meetup {i}", at("09:00", 6), at("10:00", 6))

    bot = await start(agenda=many(102), before_start=three_of_theirs)
    await bot.settle()
    assert len(bot.ours()) == 97
    # Soonest first: the five last talks are the ones without an event.
    assert {n for n, _ in bot.ours()} == {f"Talk {i:03d} / 발표 {i:03d}" for i in range(97)}
    refused = [r for r in bot.fake.requests if r.route == CREATE and r.status == 400]
    assert len(refused) == 1 and refused[0].response["code"] == 30038
    (report,) = await discord_events.reports(bot.core.store)
    assert (report.linked, report.missing) == (97, 5)
    assert report.problem is not None and "100 upcoming events" in report.problem
    assert "5 session(s) have no event" in caplog.text and "100 upcoming events" in caplog.text
    assert await status(bot.core.store.where) == 0
    out = capsys.readouterr().out
    assert "97 linked, 5 session(s) without one (Discord allows at most 100" in out
    # Two of the members' events go: the bot hears of it (the Gateway) and fills the room.
    theirs = [e["id"] for e in bot.fake.scheduled_events.values() if e["name"].startswith("Meetup")]
    since = len(bot.fake.requests)
    await bot.fake.remove_scheduled_event(theirs[0])
    await bot.fake.remove_scheduled_event(theirs[1])
    made = lambda r: r.route == CREATE and r.status == 200  # noqa: E731
    await bot.fake.wait_for(made, count=2, since=since)
    await bot.settle()
    assert len(bot.ours()) == 99
    assert {n for n, _ in bot.ours()} == {f"Talk {i:03d} / 발표 {i:03d}" for i in range(99)}
    (report,) = await discord_events.reports(bot.core.store)
    assert (report.linked, report.missing) == (99, 3)


async def test_without_the_permission_it_says_so_once_and_creates_nothing(
    start: Start, caplog: pytest.LogCaptureFixture
) -> None:
    from tests.fakes import discord_payloads as p

    bot = await start(bot_permissions=p.EVERYONE_PERMISSIONS)
    await bot.settle()
    assert bot.ours() == {}
    assert len([r for r in bot.fake.requests if r.route == CREATE]) == 1
    (report,) = await discord_events.reports(bot.core.store)
    assert report.missing == SESSIONS and "Create Events permission" in (report.problem or "")
    assert await bot.links() == {}


async def test_without_the_setting_nothing_is_asked_of_discord(
    start: Start, event_config: EventConfig
) -> None:
    bot = await start()
    await bot.stop()
    mapping = PlatformConfig(channels={"announcements": ANNOUNCE})
    bot.adapter = DiscordAdapter(bot.core, bot.adapter.settings, mapping, bot.core.store)
    await bot.adapter.start()
    bot.stack.push_async_callback(bot.adapter.stop)
    since = len(bot.fake.requests)
    bot.runtime = Runtime(bot.core, [bot.adapter])
    bot.stack.push_async_callback(bot.runtime.stop)
    await bot.runtime.start()
    await bot.settle()
    assert not [r for r in bot.fake.requests[since:] if "scheduled-events" in r.route]
    assert await bot.adapter.interested("dialogue") == []


async def test_the_interested_get_the_reminder_by_dm_once(start: Start) -> None:
    bot = await start(ScheduledEventsConfig(remind_interested=True))
    await bot.settle()
    dialogue = bot.named(DIALOGUE)
    bob = bot.fake.add_user("bob")
    carol = bot.fake.add_user("carol")
    alice = bot.fake.default_user
    helper = {"id": bot.fake.new_id(), "username": "helper", "bot": True}
    for who in (bob, carol, alice, helper):
        await bot.fake.mark_interested(dialogue["id"], who)
    # Alice asked for her own reminder: hers comes at her minutes, not twice.
    reply = await bot.core.dispatch_text(
        "discord",
        "/remind dialogue 30",
        UserRef("discord", alice["id"], "alice"),
        ChannelRef("discord", "c"),
    )
    assert not reply.error
    await bot.core.dispatch_text(
        "discord",
        "/language ko",
        UserRef("discord", carol["id"], "carol"),
        ChannelRef("discord", "c"),
    )

    def dms() -> dict[str, list[str]]:
        found: dict[str, list[str]] = {}
        for r in bot.fake.requests:
            channel = bot.fake.channels.get(r.params.get("channel_id", ""))
            if (
                r.route == "POST /channels/{channel_id}/messages"
                and channel
                and channel["type"] == 1
            ):
                who = channel["recipients"][0]["id"]
                embed = (r.json.get("embeds") or [{}])[0]
                found.setdefault(who, []).append(embed.get("title", ""))
        return found

    await tick(bot.runtime, bot.clock, at("12:30"))
    assert list(dms()) == [alice["id"]]
    await tick(bot.runtime, bot.clock, at("12:50"))  # 10 minutes before: the default offset
    sent = dms()
    assert sent[bob["id"]] == [
        "Starting in 10 min: International Forum: Dialogue with Global Scholars"
    ]
    assert sent[carol["id"]] == ["10분 후 시작: 국제 포럼: 글로벌 석학과의 대화"]
    assert len(sent[alice["id"]]) == 1 and helper["id"] not in sent
    # Again, and after a restart at the same moment: nothing twice.
    await tick(bot.runtime, bot.clock, at("12:51"))
    await bot.restart()
    await tick(bot.runtime, bot.clock, at("12:52"))
    assert dms() == sent


async def test_the_interested_are_read_page_by_page(start: Start) -> None:
    bot = await start(ScheduledEventsConfig(remind_interested=True))
    await bot.settle()
    dialogue = bot.named(DIALOGUE)
    people = [bot.fake.add_user(f"p{i}") for i in range(230)]
    for who in people:
        await bot.fake.mark_interested(dialogue["id"], who)
    since = len(bot.fake.requests)
    found = await bot.adapter.interested("dialogue")
    assert found == sorted(p["id"] for p in people)
    pages = [r for r in bot.fake.requests[since:] if r.route.endswith("/users")]
    assert len(pages) == 3 and all(r.query["limit"] == "100" for r in pages)


async def queued(bot: Bot) -> list[str]:
    """The keys of the outbox's deliveries, in the order they were queued."""
    rows = await bot.core.store.fetchall("SELECT dedup_key FROM outbox ORDER BY id")
    return [str(row[0]) for row in rows]


async def test_a_slow_interested_list_holds_up_no_other_reminder_nor_a_reload(
    start: Start,
) -> None:
    """Discord slow to list who is interested: the channels' reminders due at that moment
    are queued first, and the agenda can change meanwhile (the planner's lock is free);
    the interested get theirs once Discord answers."""
    bot = await start(ScheduledEventsConfig(remind_interested=True))
    await bot.settle()
    bob = bot.fake.add_user("bob")
    await bot.fake.mark_interested(bot.named(DIALOGUE)["id"], bob)
    hold = bot.fake.hold_next(USERS)
    bot.clock.set(at("12:50"))  # the dialogue's reminders: the channels' and the interested's
    firing = asyncio.create_task(bot.runtime.planner.fire_due())
    await asyncio.wait_for(hold.reached.wait(), 5)  # Discord is slow to answer
    dialogue = bot.core.agenda.session("dialogue")
    assert dialogue is not None
    rem = f"dialogue:{dialogue.start.isoformat()}"
    # The channels' 15-minute reminder (due at 12:45) is queued, in both channels.
    assert await queued(bot) == [
        f"rem:{rem}:15:discord:{c}" for c in ("announcements", "grand-hall")
    ]
    later = moved(bot.core.agenda, "closing", timedelta(minutes=15))
    changes = await asyncio.wait_for(bot.runtime.apply_agenda(later), 5)
    assert [c.session_id for c in changes] == ["closing"]
    hold.release()
    assert await firing == 2
    dms = [key for key in await queued(bot) if key.startswith("remind:")]
    assert dms == [f"remind:{rem}:10:discord:{bob['id']}"]


async def test_an_interested_list_not_read_is_read_again_then_given_up(
    start: Start, caplog: pytest.LogCaptureFixture
) -> None:
    """A read that times out or fails is tried again at a later pass, and what it queues
    goes out once; after INTERESTED_READS failed reads the reminder is given up, said in
    a log line."""
    bot = await start(ScheduledEventsConfig(remind_interested=True))
    await bot.settle()
    planner = bot.runtime.planner
    planner.interested_timeout = 0.2  # real seconds (15 live)
    bob = bot.fake.add_user("bob")
    dialogue = bot.named(DIALOGUE)
    await bot.fake.mark_interested(dialogue["id"], bob)

    def dms() -> list[RecordedRequest]:
        return [
            r
            for r in bot.fake.requests
            if r.route == "POST /channels/{channel_id}/messages"
            and r.params["channel_id"] not in (ANNOUNCE, HALL)
        ]

    hold = bot.fake.hold_next(USERS)  # no answer in time
    await tick(bot.runtime, bot.clock, at("12:50"))
    hold.release()
    assert "interested:dialogue:10: cannot list who is interested (TimeoutError)" in caplog.text
    assert planner.next_wait() == RETRY_SECONDS and not dms()
    await tick(bot.runtime, bot.clock, at("12:50") + timedelta(seconds=5))
    assert len(dms()) == 1 and await planner.fire_due() == 0

    # Moved by ten minutes, the dialogue's reminders are new ones; Discord refuses each read.
    later = moved(bot.core.agenda, "dialogue", timedelta(minutes=10))
    await bot.runtime.apply_agenda(later)
    await bot.settle()
    bot.fake.rate_limit_next(USERS, times=INTERESTED_READS, via=False)
    for second in range(INTERESTED_READS):
        await tick(bot.runtime, bot.clock, at("13:00") + timedelta(seconds=second))
    assert (
        "skipped interested:dialogue:10: cannot list who is interested (429 Too Many" in caplog.text
    )
    assert await planner.fire_due() == 0 and planner.next_wait() != RETRY_SECONDS
    assert len(dms()) == 1  # bob's first, only


def test_an_events_text_keeps_within_discords_limits_and_pings_nobody(
    event_config: EventConfig,
) -> None:
    from bot.platforms.discord.events import MAX_DESCRIPTION, MAX_LOCATION, MAX_NAME, event_text
    from bot.programme.building import build_agenda

    agenda = build_agenda(event_config)
    long = Session(
        "long",
        L("@everyone " + "Very long title " * 20, "아주 긴 제목 " * 30),
        at("16:00"),
        at("17:00"),
        abstract=L("**bold** <@123> " * 200, "한국어 초록 " * 300),
        qa=True,
    )
    text = event_text(agenda, long)
    assert len(text.name) <= MAX_NAME and text.name.endswith("…")
    assert text.name.startswith("@\u200beveryone Very long title")  # English only: both won't fit
    assert len(text.description) <= MAX_DESCRIPTION
    assert "@everyone" not in text.description and "\\*\\*bold\\*\\*" in text.description
    assert "\\<@123\\>" in text.description
    # No room: the venue is the place (the event's name when it has no venue).
    venue = "Seoul Science and Technology Convention Center, Seoul / 과학기술컨벤션센터 (서울)"
    assert text.location == venue and len(venue) <= MAX_LOCATION
    hidden = Session("x", L("Tab\there\x1b[31m", ""), at("16:00"), at("17:00"), room="nowhere")
    quiet = event_text(agenda, hidden)
    assert quiet.name == "Tab here[31m" and "\x1b" not in quiet.description
    bare = dataclasses.replace(agenda.event, venue=L(""))
    plain = Agenda(bare, agenda.rooms, agenda.people, [])
    assert event_text(plain, hidden).location == _short_both(agenda.event.name)


def _short_both(text: L) -> str:
    whole = f"{text.en} / {text.ko}"
    return whole if len(whole) <= 100 else text.en[:99] + "…"


def test_the_invite_asks_for_create_events_only_when_the_file_uses_them(
    tmp_path: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    import yaml

    from bot.__main__ import main
    from bot.settings import default_config_path

    data = yaml.safe_load(default_config_path().read_text(encoding="utf-8"))
    data["platforms"]["discord"]["scheduled_events"] = {"kinds": ["dialogue"]}
    path = tmp_path / "event.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    assert main(["discord-invite", "--client-id", "1"]) == 0
    plain = capsys.readouterr().out
    assert main(["discord-invite", "--client-id", "1", "--config", str(path)]) == 0
    events = capsys.readouterr().out
    create_events = 1 << 44
    assert "permissions=274878024704&" in plain
    assert f"permissions={274878024704 | create_events}&" in events
