"""Live polls through the real core and a real SQLite file: making them (and every
refusal, in both languages, with nothing stored), voting, changing a vote, multiple
choice, hidden results, closing, the hub and snapshot, the export, concurrency, and the
event file's polls."""

from __future__ import annotations

import asyncio
import csv
import io
from datetime import timedelta
from pathlib import Path

import pytest

from bot.core.clock import SimulatedClock
from bot.core.dispatch import Core
from bot.core.errors import UserError
from bot.core.model import Action, ChannelRef, Reply, Role, UserRef, plain
from bot.i18n import L
from bot.polls import rules
from bot.polls.service import poll_topic, scope_topic
from bot.settings import ConfigError, EventConfig, PollConfig, Text2, parse_event
from bot.storage import Store
from tests.conftest import KST_0900, Person

DIALOGUE_ON = KST_0900 + timedelta(hours=4, minutes=10)  # 13:10, the dialogue is on
CREATE = (
    '/poll create question:"Which battery reaches mass production first?" '
    'ko:"어떤 차세대 배터리가 가장 먼저 양산될까요?" '
    'options:"All-solid-state | Sodium-ion | Lithium-sulfur" '
    'options_ko:"전고체 | 나트륨 이온 | 리튬황" session:dialogue'
)


def text(reply: Reply) -> str:
    """Everything a reply says, as one string."""
    parts = [plain(reply.text)]
    if reply.card is not None:
        parts += [reply.card.title, *(plain(line) for line in reply.card.lines), reply.card.footer]
    return "\n".join(parts)


async def count(store: Store, sql: str, *params: object) -> int:
    row = await store.fetchone(sql, params)
    assert row is not None
    return int(row[0])


async def press(person: Person, value: str) -> Reply:
    return await person.core.on_action(
        Action("test", "poll.vote", value, person.user, person.channel, person.roles)
    )


async def made(mod: Person, line: str = CREATE) -> int:
    reply = await mod.say(line)
    assert not reply.error, text(reply)
    return int(text(reply).split("#", 1)[1].split()[0].rstrip(":"))


@pytest.fixture
def mod(core: Core) -> Person:
    return Person(core, "mia", Role.MODERATOR)


@pytest.fixture
def bob(core: Core) -> Person:
    return Person(core, "bob")


@pytest.fixture(autouse=True)
def dialogue_on(clock: SimulatedClock) -> None:
    clock.set(DIALOGUE_ON)


async def test_a_poll_made_voted_on_changed_and_closed(
    core: Core, mod: Person, alice: Person, bob: Person, store: Store
) -> None:
    pid = await made(mod, CREATE + " minutes:5")
    poll = await core.polls.get(pid)
    assert poll.status == "open" and poll.session_id == "dialogue" and not poll.multiple
    assert poll.question == L(
        "Which battery reaches mass production first?", "어떤 차세대 배터리가 가장 먼저 양산될까요?"
    )
    assert [o.label for o in poll.options][1] == L("Sodium-ion", "나트륨 이온")
    assert poll.closes_at == poll.opened_at + timedelta(minutes=5)  # type: ignore[operator]

    assert f"Your vote in poll #{pid}: 2. Sodium-ion." == text(await press(alice, f"{pid}:2"))
    same = await press(alice, f"{pid}:2")
    assert "You already voted 2. Sodium-ion" in text(same) and not same.error
    changed = await alice.say(f"/poll vote {pid} 1")  # typed, as in the terminal
    assert f"Your vote in poll #{pid} is now 1. All-solid-state." == text(changed)
    # By the option's text, in either language, case and spacing aside.
    assert "1. All-solid-state" in text(await bob.say(f"/poll vote {pid} ALL-SOLID-STATE"))
    assert "3. Lithium-sulfur" in text(await mod.say(f'/poll vote {pid} "리튬황"'))

    poll = await core.polls.get(pid)
    assert [o.votes for o in poll.options] == [2, 0, 1] and poll.voters == 3
    assert await count(store, "SELECT COUNT(*) FROM poll_votes") == 3
    # Only keyed hashes: no platform id of a voter anywhere in the ballots.
    rows = await store.fetchall("SELECT voter_key FROM poll_votes")
    assert all("alice" not in r[0] and len(r[0]) == 40 for r in rows)

    results = await bob.say(f"/poll results {pid}")
    assert "2 votes (67%)" in text(results) and "3 people voted" in text(results)
    assert "Your choices: 1. All-solid-state" in text(results)
    assert [b.value for b in results.buttons] == [f"{pid}:1", f"{pid}:2", f"{pid}:3"]

    closed = await mod.say(f"/poll close {pid}")
    assert text(closed) == f"Poll #{pid} is closed: 3 people voted. The results are posted."
    refused = await press(bob, f"{pid}:3")
    assert refused.error and "is closed: it takes no more votes" in text(refused)
    assert [o.votes for o in (await core.polls.get(pid)).options] == [2, 0, 1]
    assert (await bob.say(f"/poll results {pid}")).buttons == ()
    assert "closed" in text(await mod.say(f"/poll close {pid}"))


async def test_multiple_choice_toggles_each_option(core: Core, mod: Person, alice: Person) -> None:
    pid = await made(mod, CREATE + " multiple")
    assert "Added 1. All-solid-state" in text(await press(alice, f"{pid}:1"))
    added = await press(alice, f"{pid}:3")
    assert "Your choices: 1. All-solid-state, 3. Lithium-sulfur" in text(added)
    removed = await press(alice, f"{pid}:1")
    assert "Took 1. All-solid-state off" in text(removed)
    assert "Your choices: 3. Lithium-sulfur" in text(removed)
    assert "You have no choice" in text(await press(alice, f"{pid}:3"))
    await press(alice, f"{pid}:2")
    await press(alice, f"{pid}:3")
    poll = await core.polls.get(pid)
    assert [o.votes for o in poll.options] == [0, 1, 1] and poll.voters == 1


async def test_votes_at_once_are_counted_exactly(core: Core, mod: Person) -> None:
    """200 people, 3 presses each at once (single choice: each ends on their last option;
    multiple: each toggles), through the group commit: the counts match the ballots."""
    single = await made(mod)
    multiple = await made(mod, CREATE + " multiple")
    people = [UserRef("test", f"u{n}", f"u{n}") for n in range(200)]
    here = ChannelRef("test", "c1", "general")
    roles = frozenset({Role.PARTICIPANT})

    async def presses(user: UserRef, n: int) -> None:
        for pid, options in ((single, (1, 2, 1 + n % 3)), (multiple, (1, 2, 1))):
            for option in options:
                act = Action("test", "poll.vote", f"{pid}:{option}", user, here, roles)
                assert not (await core.on_action(act)).error

    await asyncio.gather(*(presses(u, n) for n, u in enumerate(people)))
    first = await core.polls.get(single)
    assert [o.votes for o in first.options] == [67, 67, 66] and first.voters == 200
    second = await core.polls.get(multiple)
    assert [o.votes for o in second.options] == [0, 200, 0] and second.voters == 200


async def test_hidden_results_until_it_closes(core: Core, mod: Person, alice: Person) -> None:
    pid = await made(mod, CREATE + " hidden")
    await press(alice, f"{pid}:2")
    shown = text(await alice.say(f"/poll results {pid}"))
    assert "Results when the poll closes" in shown and "vote" not in shown.split("\n")[2]
    assert "1 person voted" in shown
    # A moderator sees the counts; a page's snapshot does not, unless asked to reveal.
    assert "1 vote (100%)" in text(await mod.say(f"/poll results {pid}"))
    state = await core.polls.snapshot(pid)
    assert state["hidden"] and state["votes"] is None
    assert [o["votes"] for o in state["options"]] == [None, None, None]
    assert (await core.polls.snapshot(pid, reveal=True))["options"][1]["votes"] == 1
    await mod.say(f"/poll close {pid}")
    assert "1 vote (100%)" in text(await alice.say(f"/poll results {pid}"))
    assert (await core.polls.snapshot(pid))["options"][1]["votes"] == 1


async def test_the_hub_and_snapshot_follow_every_vote(core: Core, mod: Person, bob: Person) -> None:
    pid = await made(mod)
    state = await core.polls.snapshot(pid)
    assert state["question"]["ko"] == "어떤 차세대 배터리가 가장 먼저 양산될까요?"
    assert state["options"][0]["label"] == {"en": "All-solid-state", "ko": "전고체"}
    assert state["open"] and state["status"] == "open" and state["voters"] == 0
    seen = state["version"]
    waiter = asyncio.create_task(core.polls.hub.wait(poll_topic(pid), seen, 5))
    session_seen = core.polls.hub.version(scope_topic("dialogue"))
    await press(bob, f"{pid}:3")
    assert await waiter  # woken by the vote, not by its timeout
    assert core.polls.hub.version(scope_topic("dialogue")) == session_seen + 1
    after = await core.polls.snapshot(pid)
    assert after["version"] > seen and after["options"][2]["votes"] == 1
    # Pressing the same option again changes nothing: no publish.
    version = core.polls.hub.version(poll_topic(pid))
    await press(bob, f"{pid}:3")
    assert core.polls.hub.version(poll_topic(pid)) == version
    assert [s["id"] for s in await core.polls.on_screen("dialogue")] == [pid]


@pytest.mark.parametrize(
    ("line", "english", "korean"),
    [
        ('question:"Q?" options:"A |  | C"', "Option 2 is empty", "2번 항목이 비어"),
        ('question:"Q?" options:"A | B |"', "Option 3 is empty", "3번 항목이 비어"),
        ('question:"Q?" options:"Same | same  "', "Options 1 and 2 are the same", "같습니다"),
        ('question:"Q?" options:"A | Ｂ | b"', "Options 2 and 3 are the same", "같습니다"),
        ('question:"Q?" options:"Only one"', "at least 2 options; this one has 1", "2개 이상"),
        (
            'question:"Q?" options:"' + " | ".join(str(n) for n in range(11)) + '"',
            "at most 10 options; this one has 11",
            "10개까지",
        ),
        ('question:"Q?" options:"' + "x" * 73 + ' | B"', "Option 1 is 76 characters", "76자"),
        (
            'question:"Q?" options:"' + "a" * 40 + ' | B" options_ko:"' + "가" * 40 + ' | 나"',
            "Option 1 is 86 characters",
            "86자",
        ),
        ('question:"' + "q" * 301 + '" options:"A | B"', "(301 characters; at most 300)", "301자"),
        ('question:"  " options:"A | B"', "Make a poll like this", "이렇게 만듭니다"),
        ('question:"Q?" options:"A | B" options_ko:"가"', "options_ko has 1", "options_ko 는 1개"),
        ('question:"Q?" options:"A | B" open:start', "open:start needs a session", "세션이 필요"),
        ('question:"Q?" options:"A | B" session:opening open:start', "is over", "끝났습니다"),
        ('options:"A | B"', "Make a poll like this", "이렇게 만듭니다"),
        ('question:"Q?" options:"A | B" minutes:0', "must be at least 1", "1 이상이어야"),
        (
            'question:"Q?" options:"A | B" open:sometime',
            "The open must be one of: now, start, later",
            "open 값은 다음 중 하나여야",
        ),
    ],
)
async def test_a_poll_that_cannot_run_is_refused_whole(
    core: Core, store: Store, line: str, english: str, korean: str
) -> None:
    for lang, said in (("en", english), ("ko", korean)):
        person = Person(core, f"mod-{lang}", Role.MODERATOR)
        await person.say(f"/language {lang}")
        reply = await person.say(f"/poll create {line}")
        assert reply.error and said in text(reply), (lang, text(reply))
    assert await count(store, "SELECT COUNT(*) FROM polls") == 0
    assert await count(store, "SELECT COUNT(*) FROM poll_options") == 0


async def test_participants_vote_but_do_not_run_polls(
    core: Core, mod: Person, alice: Person, store: Store
) -> None:
    pid = await made(mod)
    for action in ("create", "open", "close", "export"):
        reply = await alice.say(f'/poll {action} {pid} question:"Q?" options:"A | B"')
        assert reply.error and "Only moderators and organisers can" in text(reply), action
    await alice.say("/language ko")
    korean = await alice.say('/poll create question:"Q?" options:"A | B"')
    assert "진행자와 주최 측만" in text(korean)
    assert (await alice.say(f"/poll-export {pid}")).error
    assert await count(store, "SELECT COUNT(*) FROM polls") == 1
    assert (await core.polls.get(pid)).status == "open"


async def test_unknown_polls_and_options_and_polls_not_open(
    core: Core, mod: Person, alice: Person
) -> None:
    assert "There is no poll #99" in text(await alice.say("/poll vote 99 1"))
    assert "There is no poll #99" in text(await press(alice, "99:1"))
    assert "no longer works" in text(await press(alice, "junk"))
    assert "Which poll?" in text(await alice.say("/poll results"))
    pid = await made(mod, CREATE + " open:later")
    ready = await alice.say(f"/poll vote {pid} 1")
    assert ready.error and f"Poll #{pid} is not open yet." == text(ready)
    assert ready.error and "not open yet" in text(await press(alice, f"{pid}:1"))
    assert "has no option 4: choose 1 to 3" in text(await alice.say(f"/poll vote {pid} 4"))
    assert "has no option Cobalt" in text(await alice.say(f"/poll vote {pid} Cobalt"))
    assert "Which option?" in text(await alice.say(f"/poll vote {pid}"))
    # Participants do not see a poll that has not opened; moderators do.
    assert text(await alice.say("/poll list")) == "There are no polls yet."
    assert "[not open yet]" in text(await mod.say("/poll list"))
    assert f"Poll #{pid} is open" in text(await mod.say(f"/poll open {pid}"))
    assert "is open already" in text(await mod.say(f"/poll open {pid}"))
    assert "Your vote" in text(await alice.say(f"/poll vote {pid} 1"))
    assert "[open]" in text(await alice.say("/poll list session:dialogue"))


async def test_export_as_csv_with_formulas_kept_as_text(
    core: Core, mod: Person, bob: Person
) -> None:
    pid = await made(
        mod,
        '/poll create question:"=HYPERLINK(“x”) or not?" options:"=1+1 | @SUM(A1) | -3"',
    )
    await press(bob, f"{pid}:2")
    reply = await mod.say(f"/poll-export {pid}")
    assert reply.file is not None and reply.file.filename == f"poll-{pid}.csv"
    assert reply.file.mime_type.startswith("text/csv")
    rows = list(csv.reader(io.StringIO(reply.file.data.decode("utf-8-sig"))))
    assert rows[0][:4] == ["poll", "poll_id", "session", "question_en"]
    assert len(rows) == 4  # a row per option
    assert rows[1][3].startswith("'=HYPERLINK")
    assert [r[12] for r in rows[1:]] == ["'=1+1", "'@SUM(A1)", "'-3"]
    assert [r[14] for r in rows[1:]] == ["0", "1", "0"] and rows[2][10] == "1"
    assert rows[1][8] == "2026-02-05T13:10:00+09:00"  # in the reader's zone
    every = await mod.say("/poll export")
    assert every.file is not None and every.file.filename == "polls.csv"


async def test_option_labels_fit_every_platforms_button() -> None:
    longest = rules.draft("Q", "", ["x" * 72, "B"])  # "1. " + 72 = 75
    assert len(rules.option_label(1, longest.options[0])) == rules.LABEL_MAX == 75
    with pytest.raises(UserError) as caught:
        rules.draft("Q", "", ["x" * 73, "B"])
    assert caught.value.key == "poll.option_too_long" and caught.value.params["length"] == 76
    ten = rules.draft("Q", "", [f"O{n}" for n in range(10)], [f"항목{n}" for n in range(10)])
    assert rules.option_label(10, ten.options[9]) == "10. O9 / 항목9"


POLLS_YAML = """
polls:
  - id: battery-race
    session: dialogue
    question: {en: "Which battery first?", ko: "어떤 배터리가 먼저?"}
    options:
      - {en: All-solid-state, ko: 전고체}
      - {en: Sodium-ion, ko: 나트륨 이온}
    hidden: true
    minutes: 5
  - id: next-year
    question: Same city next year?
    options: [Seoul, Elsewhere]
"""


async def test_the_event_files_polls_are_made_once_and_follow_the_file(
    core: Core, event_config: EventConfig, store: Store, clock: SimulatedClock, mod: Person
) -> None:
    config = parse_event(_sample_text() + POLLS_YAML)
    declared = config.polls
    assert [p.id for p in declared] == ["battery-race", "next-year"]
    assert declared[0].opens() == "start" and declared[1].opens() == "later"
    await core.polls.declare(declared)
    await core.polls.declare(declared)  # a restart: the same polls
    assert await count(store, "SELECT COUNT(*) FROM polls") == 2
    race = await core.polls.find("battery-race")
    assert race.key == "battery-race" and race.hidden and race.minutes == 5
    assert race.status == "ready" and race.open_on_start
    # Changed in the file before it opened: changed here.
    fixed = declared[0].model_copy(update={"question": Text2(en="Which battery wins?")})
    await core.polls.declare([fixed])
    assert (await core.polls.get(race.id)).question == L("Which battery wins?", "")
    # Once open, the poll people vote on stays as it is.
    await mod.say(f"/poll open {race.id}")
    await core.polls.declare(declared)
    assert (await core.polls.get(race.id)).question.en == "Which battery wins?"
    assert await count(store, "SELECT COUNT(*) FROM polls") == 2
    # The planner's moment: the opened poll closes 5 minutes after it opened.
    planned = await core.polls.planned()
    assert planned == [("close", race.id, DIALOGUE_ON + timedelta(minutes=5))]


def _sample_text() -> str:
    from bot.settings import default_config_path

    return Path(default_config_path()).read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("polls", "said"),
    [
        (
            "  - {id: p, question: Q, options: [A, a]}\n",
            "polls[0] (line 263): Options 1 and 2 are the same",
        ),
        ("  - {id: p, question: Q, options: [A]}\n", "at least 2 options"),
        ('  - {id: p, question: " ", options: [A, B]}\n', "A poll needs a question"),
        ("  - {id: p, question: Q, options: [A, B, ' ']}\n", "Option 3 is empty"),
        ("  - {id: p, question: Q, options: [A, B, true]}\n", "polls[0].options[2]"),
        ("  - {id: p, question: Q, options: [A, B], session: nope}\n", "unknown session 'nope'"),
        ("  - {id: p, question: Q, options: [A, B], open: start}\n", "open: start needs a session"),
        ("  - {id: p, question: Q, options: [A, B], minutes: 0}\n", "polls[0].minutes"),
        (
            "  - {id: p, question: Q, options: [A, B]}\n"
            "  - {id: p, question: R, options: [A, B]}\n",
            "id 'p' is already used by polls[0]",
        ),
        ("  - {id: P Q, question: Q, options: [A, B]}\n", "polls[0].id"),
    ],
)
def test_bad_polls_in_the_event_file_are_reported_by_line(polls: str, said: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_event(_sample_text() + "polls:\n" + polls, "event.yaml")
    report = caught.value.report()
    assert said in report and "(line " in report, report


def test_a_poll_config_reads_plain_strings_as_english() -> None:
    config = PollConfig(id="p", question=Text2(en="Q"), options=[Text2(en="A"), Text2(en="B")])
    assert config.opens() == "later" and not config.multiple
