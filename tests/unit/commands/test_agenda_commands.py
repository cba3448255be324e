"""Agenda commands through the real core and store, under a simulated clock."""

from __future__ import annotations

import dataclasses
import io
import json
import re
from datetime import UTC, date, datetime, time, timedelta

from bot.core.clock import SimulatedClock
from bot.core.dispatch import Core
from bot.core.model import Action, ChannelRef, Reply, Stamp, UserRef, plain
from bot.i18n import L
from bot.platforms.console.adapter import ConsoleAdapter, render
from bot.platforms.discord.adapter import DiscordAdapter, DiscordSettings
from bot.platforms.discord.render import embed_data, message_data
from bot.platforms.slack.adapter import SlackAdapter, SlackSettings
from bot.platforms.slack.render import message as slack_message
from bot.platforms.slack.render import render_blocks
from bot.programme import Agenda, Room, Session
from bot.settings import PlatformConfig
from bot.storage import Store
from tests.conftest import Person


async def test_agenda_day_one_lists_the_programme_in_order(alice: Person) -> None:
    reply = await alice.say("/agenda 1")
    assert reply.card is not None and not reply.error
    assert reply.card.title.startswith("Day 1 · Thursday, 5 February 2026")
    text = render(reply)
    assert text.index("Registration") < text.index("Roundtable") < text.index("Dialogue")
    assert "09:00 - 09:30" in text and "KST (UTC+9)" in text
    assert "illustrative" in text
    assert [b.value for b in reply.buttons] == ["2"]


async def test_agenda_accepts_day_words_dates_and_korean(
    alice: Person, clock: SimulatedClock
) -> None:
    for line in (
        "/agenda 2",
        "/agenda day 2",
        "/agenda 2026-02-06",
        "/agenda 2월 6일",
        "/agenda feb 6",
        "/agenda 6 Feb",
        "/agenda tomorrow",
        "/agenda 내일",
        "/agenda 2일차",
    ):
        reply = await alice.say(line)
        assert reply.card is not None, (line, reply.text)
        assert "Day 2" in reply.card.title, line
    assert "Day 1" in (await alice.say("/agenda today")).card.title  # type: ignore[union-attr]
    assert "Day 1" in (await alice.say("/agenda")).card.title  # type: ignore[union-attr]


async def test_agenda_reads_a_day_of_the_month_and_weekdays_as_people_type_them(
    alice: Person,
) -> None:
    # 5-6 February 2026 are a Thursday and a Friday.
    for line, day in (
        ("/agenda 6일", "Day 2"),
        ("/agenda 5일", "Day 1"),
        ("/agenda 6th", "Day 2"),
        ("/agenda 금요일", "Day 2"),
        ("/agenda friday", "Day 2"),
        ("/agenda Fri", "Day 2"),
        ("/agenda 목요일", "Day 1"),
        ("/agenda thursday", "Day 1"),
        ("/agenda 제2일", "Day 2"),
    ):
        reply = await alice.say(line)
        assert reply.card is not None, (line, reply.text)
        assert day in reply.card.title, line
    for line, expected in (
        ("/agenda 7일", "Saturday, 7 February 2026 is not an event day"),
        ("/agenda monday", "The event has no Monday"),
        ("/agenda 31일", "cannot read '31일' as a day"),
    ):
        reply = await alice.say(line)
        assert reply.error and expected in plain(reply.text), (line, reply.text)
    await alice.say("/language ko")
    reply = await alice.say("/agenda 일요일")
    assert reply.error and "행사에 일요일은 없습니다" in plain(reply.text), plain(reply.text)


async def test_agenda_defaults_to_the_coming_day_before_and_last_day_after(
    alice: Person, clock: SimulatedClock
) -> None:
    clock.set(clock.now() + timedelta(days=1))
    assert "Day 2" in (await alice.say("/agenda")).card.title  # type: ignore[union-attr]
    clock.set(clock.now() + timedelta(days=30))
    assert "Day 2" in (await alice.say("/agenda")).card.title  # type: ignore[union-attr]


async def test_agenda_refuses_days_outside_the_event(alice: Person) -> None:
    for line, expected in (
        ("/agenda 9", "There is no day 9"),
        ("/agenda 0", "There is no day 0"),
        ("/agenda 2026-03-01", "is not an event day"),
        ("/agenda yesterday", "is not an event day"),
        ("/agenda someday", "cannot read 'someday' as a day"),
        ("/agenda 2026-02-31", "cannot read"),
    ):
        reply = await alice.say(line)
        assert reply.error, line
        assert expected in plain(reply.text), (line, reply.text)
        assert "\n" not in plain(reply.text)


async def test_day_button_shows_that_day(core: Core, alice: Person) -> None:
    first = await alice.say("/agenda 1")
    press = Action(
        "test", first.buttons[0].action_id, first.buttons[0].value, alice.user, alice.channel
    )
    reply = await core.on_action(press)
    assert reply.card is not None and "Day 2" in reply.card.title


async def test_unknown_button_is_answered_not_raised(core: Core, alice: Person) -> None:
    reply = await core.on_action(Action("test", "nope", "", alice.user, alice.channel))
    assert reply.error and "no longer works" in plain(reply.text)


async def test_now_and_next_follow_the_simulated_clock(
    alice: Person, clock: SimulatedClock
) -> None:
    now = render(await alice.say("/now"))
    assert "Registration" in now and "ends in 30 min" in now
    nxt = render(await alice.say("/next"))
    assert "Opening Ceremony" in nxt and "in 30 min" in nxt
    clock.advance(timedelta(hours=4, minutes=10))  # 13:10, during the dialogue
    now = render(await alice.say("/now"))
    assert "Dialogue with Global Scholars" in now and "ends in 110 min" in now
    nxt = render(await alice.say("/next"))
    assert "Coffee Break" in nxt


async def test_now_before_between_and_after_the_event(alice: Person, clock: SimulatedClock) -> None:
    early = Person(alice.core, "early")
    clock_before = SimulatedClock(clock.now() - timedelta(days=3), speed=0)
    alice.core.clock = clock_before
    assert "has not started yet" in plain((await early.say("/now")).text)
    assert "Registration" in render(await early.say("/next"))
    alice.core.clock = clock
    clock.set(clock.now() + timedelta(hours=9))  # 18:00 day 1: nothing runs
    reply = await alice.say("/now")
    assert "Nothing is running right now" in plain(reply.text)
    assert "Registration" in plain(reply.text)  # day 2 registration is next
    clock.set(clock.now() + timedelta(days=2))
    assert "is over" in plain((await alice.say("/now")).text)
    assert "is over" in plain((await alice.say("/next")).text)


async def test_session_by_id_title_korean_and_typo(alice: Person) -> None:
    for query in (
        "dialogue",
        "Dialogue with Global Scholars",
        "global scholars",
        "글로벌 석학",
        "글로벌석학과의대화",
        "Dialog with Globel Scholars",
        "DIALOGUE",
    ):
        reply = await alice.say(f"/session {query}")
        assert reply.card is not None, (query, reply.text)
        assert "Dialogue with Global Scholars" in reply.card.title, query
    text = render(await alice.say("/session dialogue"))
    assert "Ping Liu" in text and "Masayoshi Watanabe" in text
    assert "Grand Hall" in text and "/ask" in text
    assert "Thu 5 Feb 13:00 - 15:00" in text


async def test_session_with_several_matches_lists_them(alice: Person) -> None:
    reply = await alice.say("/session registration")
    assert reply.card is not None
    assert len(reply.card.lines) == 2
    assert "[registration-day1]" in render(reply) and "[registration-day2]" in render(reply)


async def test_session_not_found_suggests(alice: Person) -> None:
    reply = await alice.say("/session rondtabel")
    assert reply.error or reply.card is not None
    text = render(reply)
    assert "Roundtable" in text
    reply = await alice.say("/session quantum chromodynamics")
    assert reply.error and "No session matches" in plain(reply.text)


async def test_speaker_in_both_languages(alice: Person) -> None:
    for query in ("watanabe", "Masayoshi", "와타나베", "Watanabi"):
        text = render(await alice.say(f"/speaker {query}"))
        assert "Masayoshi Watanabe" in text, query
        assert "Dialogue with Global Scholars" in text, query
    text = render(await alice.say("/speaker koo"))
    assert "Roundtable" in text
    reply = await alice.say("/speaker nobody-like-this")
    assert reply.error and "No speaker matches" in plain(reply.text)


async def test_search_covers_abstracts_rooms_and_people(alice: Person) -> None:
    text = render(await alice.say("/search solid-state"))
    assert "Dialogue" in text and "Tech Partnering" in text
    assert "Roundtable" in render(await alice.say("/search Hyundai"))
    assert "Tech Partnering" in render(await alice.say("/search 7-Tool"))
    assert "Photo Zone" in render(await alice.say("/search 기념품"))
    reply = await alice.say("/search zeppelin")
    assert reply.error


async def test_help_lists_what_the_role_may_run(alice: Person) -> None:
    text = render(await alice.say("/help"))
    for name in (
        "/agenda",
        "/now",
        "/next",
        "/session",
        "/speaker",
        "/search",
        "/timezone",
        "/language",
        "/help",
    ):
        assert name in text
    one = render(await alice.say("/help timezone"))
    assert "/timezone [zone]" in one and "IANA" in one


async def test_invocation_locale_picks_korean_without_a_preference(alice: Person) -> None:
    reply = await alice.say("/agenda 1", locale="ko")
    assert reply.card is not None and reply.card.title.startswith("1일차")
    assert "등록" in render(reply)


async def say_on(core: Core, platform: str, line: str) -> Reply:
    """A command typed by a reader on `platform`."""
    user = UserRef(platform, "U1", "reader")
    return await core.dispatch_text(platform, line, user, ChannelRef(platform, "C1", "general"))


async def test_where_the_platform_localises_times_carry_their_date_and_no_event_zone_footer(
    core: Core, clock: SimulatedClock
) -> None:
    dialogue = int(datetime.fromisoformat("2026-02-05T13:00:00+09:00").timestamp())
    for platform in ("discord", "slack"):
        for line in ("/agenda 1", "/session dialogue", "/next", "/now", "/speaker watanabe"):
            reply = await say_on(core, platform, line)
            assert reply.card is not None, (platform, line, reply.text)
            footer = reply.card.footer
            assert "KST" not in footer and "event's zone" not in footer, (platform, line)
            assert "your own time zone" in footer, (platform, line)
            if platform == "discord":
                text = "\n".join(str(v) for v in embed_data(reply.card).values())
                # A US reader's day differs from the event's: each start shows its date.
                assert "<t:" in text and not re.search(r"<t:\d+:t> - ", text), (line, text)
            else:
                text = json.dumps(render_blocks(reply), ensure_ascii=False)
                assert "<!date^" in text, line
                assert not re.search(r"<!date\^\d+\^\{time\}\|[^>]*> - ", text), (line, text)
        agenda = await say_on(core, platform, "/agenda 1")
        assert agenda.card is not None
        if platform == "discord":
            assert f"<t:{dialogue}:f> - " in embed_data(agenda.card)["description"]
    # Nothing runs at 18:00: the next session's time is a stamp with its date too.
    clock.set(datetime.fromisoformat("2026-02-05T18:00:00+09:00"))
    for platform in ("discord", "slack"):
        idle = await say_on(core, platform, "/now")
        assert isinstance(idle.text, tuple), idle.text
        assert [p.style for p in idle.text if isinstance(p, Stamp)] == ["f"]


async def test_the_terminal_keeps_the_event_zone_footer_and_dates_a_different_day(
    alice: Person, clock: SimulatedClock
) -> None:
    assert "Times in the event's zone, KST (UTC+9)" in render(await alice.say("/agenda 1"))
    clock.set(datetime.fromisoformat("2026-02-05T18:00:00+09:00"))
    # Day 2's registration is next: tomorrow's time says which day it is.
    assert "Registration at Fri 6 Feb 09:00" in plain((await alice.say("/now")).text)


# ---- a big programme: a day's answer comes in pages that fit each platform ---------------


def big_programme(agenda: Agenda, days: int = 5, per_day: int = 2000) -> Agenda:
    """A 10,000-session programme (2,000 a day in 20 rooms) in the sample's zone; some
    titles carry markup characters, which each platform's escaping makes longer."""
    tz = agenda.event.timezone
    dates = tuple(date(2026, 2, 5) + timedelta(days=d) for d in range(days))
    event = dataclasses.replace(agenda.event, dates=dates, themes=(L("Day one's theme"),))
    rooms = {f"room-{r}": Room(f"room-{r}", L(f"Room {r}", f"{r}호")) for r in range(20)}
    sessions = []
    for d, day in enumerate(dates, start=1):
        for i in range(per_day):
            start = datetime.combine(day, time(8), tzinfo=tz) + timedelta(minutes=7 * (i // 20))
            title = f"Li_S *fast* charging <{i}>" if i % 7 == 0 else f"Solid-state cells {i}"
            sessions.append(
                Session(
                    f"d{d}-{i:04d}",
                    L(title, f"전고체 전지 {i}"),
                    start.astimezone(UTC),
                    (start + timedelta(minutes=30)).astimezone(UTC),
                    room=f"room-{i % 20}",
                    qa=i % 5 == 0,
                )
            )
    return Agenda(event, rooms, {}, sessions)


PAGE_OF = re.compile(r"Page (\d+) of (\d+)")


def discord_sizes(reply: Reply) -> tuple[int, int]:
    """The embed's description and all its text, as Discord counts them."""
    data, more = message_data(reply)
    assert more == [] and len(data["embeds"]) == 1
    embed = data["embeds"][0]
    assert "… (+" not in embed.get("description", "")  # nothing cut off: paged instead
    rows = data.get("components", [])
    assert len(rows) <= 5 and all(len(r["components"]) <= 5 for r in rows)
    ids = [c["custom_id"] for r in rows for c in r["components"]]
    assert len(ids) == len(set(ids)) and all(len(i) <= 100 for i in ids)
    description = len(embed.get("description", ""))
    fields = sum(len(f["name"]) + len(f["value"]) for f in embed.get("fields", []))
    total = len(embed["title"]) + description + fields + len(embed["footer"]["text"])
    return description, total


def slack_sizes(reply: Reply) -> tuple[int, int]:
    """How many blocks, and the longest section's text."""
    blocks = slack_message(reply)["blocks"]
    sections = [b["text"]["text"] for b in blocks if b["type"] == "section" and "text" in b]
    assert all(not s.endswith("…") for s in sections)  # no line clipped
    actions = [b for b in blocks if b["type"] == "actions"]
    assert all(len(a["elements"]) <= 25 for a in actions)
    return len(blocks), max(map(len, sections))


async def test_a_big_day_comes_in_pages_that_fit_each_platform(core: Core, store: Store) -> None:
    """Item 19: /agenda of a day with 2,000 sessions is no 709,000-character answer but
    pages that fit Discord (one embed, 4,096 description, 6,000 in all), Slack (50 blocks
    of 3,000) and a 24-row terminal, each saying how many pages there are; previous and
    next walk through every session of the day exactly once, in order."""
    core.agenda = big_programme(core.agenda)
    day_one = [s.id for s in core.agenda.on_date(date(2026, 2, 5))]
    assert len(day_one) == 2000
    # The adapters declare their limits to the core when they are made; the terminal's is
    # a screen of 80 columns and 24 rows.
    DiscordAdapter(core, DiscordSettings("x"), PlatformConfig(), store)
    SlackAdapter(core, SlackSettings("xoxb-x", "secret"), PlatformConfig())
    out = io.StringIO()
    console = ConsoleAdapter(core, stdin=io.StringIO(""), stdout=out, screen=(80, 24))

    for platform in ("discord", "slack", "console"):
        user, channel = UserRef(platform, "U1", "reader"), ChannelRef(platform, "C1")
        printed = ""
        if platform == "console":
            reply = await console.handle("/agenda 1")
            printed = out.getvalue()
        else:
            reply = await say_on(core, platform, "/agenda 1")
        seen: list[str] = []
        pages: list[int] = []
        while True:
            card = reply.card
            assert card is not None and "Day 1" in card.title, reply.text
            assert plain(card.lines[0]) == "Day one's theme"  # on every page
            found = PAGE_OF.search(card.footer)
            assert found, card.footer
            page, count = int(found.group(1)), int(found.group(2))
            pages.append(page)
            seen += [m for line in card.lines for m in re.findall(r"\[(d1-\d{4})\]", plain(line))]
            if platform == "discord":
                description, total = discord_sizes(reply)
                assert description <= 4096 and total <= 6000, (page, description, total)
            elif platform == "slack":
                blocks, longest = slack_sizes(reply)
                assert blocks <= 50 and longest <= 3000, (page, blocks, longest)
            else:
                # What the terminal printed for this page, and the prompt after it, fill
                # at most one screen of 24 rows (long lines wrap at 80 columns).
                rows = sum(-(-max(len(line), 1) // 80) for line in printed.split("\n"))
                assert rows <= 24, (page, rows, printed)
            labels = [b.label for b in reply.buttons]
            assert "Day 2" in labels
            assert ("◀ Previous" in labels) == (page > 1)
            assert ("Next ▶" in labels) == (page < count)
            if page == count:
                break
            nxt = reply.buttons[labels.index("Next ▶")]
            if platform != "console":
                reply = await core.on_action(
                    Action(platform, nxt.action_id, nxt.value, user, channel)
                )
            elif page < 3:
                before = len(out.getvalue())
                reply = await console.handle(f"!{labels.index('Next ▶') + 1}")
                printed = out.getvalue()[before:]
            else:
                # A screen holds few lines: after three pages with !n, the last one (the
                # same button for another page).
                last = nxt.value.replace(f"{page + 1}|", f"{count}|", 1)
                reply = await core.on_action(Action(platform, "page", last, user, channel))
                printed = render(reply) + "\n[1] ◀ Previous  [2] Day 2\n\n"
        assert count > 1 and pages[-1] == count, (platform, pages)
        if platform == "console":
            assert pages == [1, 2, 3, count] and seen[-1] == "d1-1999", (pages, seen[-3:])
            assert seen == sorted(set(seen)) and seen[:3] == day_one[:3]
        else:
            assert pages == list(range(1, count + 1))
            assert seen == day_one, platform  # every session once, in order


async def test_a_page_button_from_an_old_answer_still_shows_a_page(core: Core) -> None:
    """A page that no longer exists (the programme got shorter) shows the last one; a
    forged page button is a stale button, not an error."""
    core.agenda = big_programme(core.agenda, days=2, per_day=300)
    user, channel = UserRef("test", "U1", "reader"), ChannelRef("test", "C1")
    first = await core.dispatch_text("test", "/agenda 2", user, channel)
    nxt = next(b for b in first.buttons if b.label == "Next ▶")
    far = nxt.value.replace("2|", "999|", 1)
    last = await core.on_action(Action("test", nxt.action_id, far, user, channel))
    assert last.card is not None and not last.error
    found = PAGE_OF.search(last.card.footer)
    assert found and found.group(1) == found.group(2), last.card.footer
    assert "[d2-0299]" in plain(last.card.lines[-1])
    for forged in ("x|agenda.day|2", "2|nope|2", "", "2"):
        reply = await core.on_action(Action("test", nxt.action_id, forged, user, channel))
        assert reply.error and "no longer works" in plain(reply.text), forged


async def test_people_who_ask_alike_share_one_answer_until_the_clock_or_agenda_moves(
    core: Core, clock: SimulatedClock
) -> None:
    """A room asking /agenda at once costs one answer; a new time slot, another zone or
    language, another role or a new programme each make a fresh one."""
    here = ChannelRef("discord", "c1", "hall")
    ana, ben = UserRef("discord", "ana", "ana"), UserRef("discord", "ben", "ben")
    first = await core.dispatch_text("discord", "/agenda 1", ana, here)
    assert await core.dispatch_text("discord", "/agenda 1", ben, here) is first
    assert await core.dispatch_text("discord", "/agenda 2", ben, here) is not first
    assert await core.dispatch_text("slack", "/agenda 1", ben, here) is not first
    await core.dispatch_text("discord", "/timezone Asia/Tokyo", ben, here)
    tokyo = await core.dispatch_text("discord", "/agenda 1", ben, here)
    assert tokyo is not first and plain(tokyo.card.footer if tokyo.card else "") != ""
    clock.advance(timedelta(seconds=60))
    assert await core.dispatch_text("discord", "/agenda 1", ana, here) is not first
    again = await core.dispatch_text("discord", "/agenda 1", ana, here)
    core.agenda = core.agenda  # a reload, even to the same programme, starts afresh
    assert await core.dispatch_text("discord", "/agenda 1", ana, here) is not again
    # Personal commands are never shared.
    mine = await core.dispatch_text("discord", "/myschedule", ana, here)
    assert await core.dispatch_text("discord", "/myschedule", ana, here) is not mine
