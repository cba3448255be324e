"""Live Q&A through the real core and a real SQLite file: asking, voting, moderating,
anonymity, abuse, and exports."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest

from bot.core.clock import SimulatedClock
from bot.core.dispatch import Core
from bot.core.model import Action, ChannelRef, Reply, Role, Stamp, UserRef, plain
from bot.storage import Store
from tests.conftest import KST_0900, Person, tables_of
from tests.qr import decode_qr

DIALOGUE_OPEN = KST_0900 + timedelta(hours=4, minutes=10)  # 13:10, the dialogue is on


async def count(store: Store, sql: str, *params: object) -> int:
    """The number a COUNT query gives."""
    row = await store.fetchone(sql, params)
    assert row is not None
    return int(row[0])


async def on_screen(core: Core) -> int | None:
    """The number of the dialogue's question on screen, if any."""
    question = await core.qa.highlighted("dialogue")
    return None if question is None else question.id


def exported(reply: Reply) -> bytes:
    """The file a reply carries."""
    assert reply.file is not None, plain(reply.text)
    return reply.file.data


def text(reply: Reply) -> str:
    """Everything a reply says, as one string."""
    parts = [plain(reply.text)]
    if reply.card is not None:
        parts.append(reply.card.title)
        parts += [plain(line) for line in reply.card.lines]
        parts.append(reply.card.footer)
    return "\n".join(parts)


async def press(person: Person, action_id: str, value: str) -> Reply:
    return await person.core.on_action(
        Action("test", action_id, value, person.user, person.channel, person.roles)
    )


async def ask(person: Person, question: str, *flags: str) -> tuple[Reply, int | None]:
    reply = await person.say(f"/ask {question} {' '.join(flags)}".strip())
    ids = [w for w in text(reply).replace("#", " #").split() if w.startswith("#")]
    number = int(ids[0].strip("#().,:")) if ids and not reply.error else None
    return reply, number


async def test_closed_before_the_dialogue_says_when_it_opens(alice: Person, store: Store) -> None:
    reply, _ = await ask(alice, "Will solid-state batteries be cheaper?")
    assert reply.error
    assert "No session is taking questions now" in text(reply)
    assert "Dialogue with Global Scholars" in text(reply)
    assert await count(store, "SELECT COUNT(*) FROM questions") == 0


async def test_q_and_a_times_are_stamps_where_the_platform_localises(core: Core) -> None:
    """On Discord and Slack the next Q&A's start and a Q&A's close are stamps (the reader's
    own zone, dated); the terminal reads them in its zone."""
    for platform in ("discord", "slack"):
        user, here = UserRef(platform, "u1", "u1"), ChannelRef(platform, "c1", "general")
        closed = await core.dispatch_text(platform, "/ask Will it be cheaper?", user, here)
        assert closed.error and isinstance(closed.text, tuple), closed.text
        stamps = [p for p in closed.text if isinstance(p, Stamp)]
        assert [s.style for s in stamps] == ["f"]
        mods = frozenset(Role)
        opened = await core.dispatch_text(platform, "/qa-open dialogue", user, here, mods)
        assert isinstance(opened.text, tuple) and "open until" in plain(opened.text)
        await core.dispatch_text(platform, "/qa-close dialogue", user, here, mods)


async def test_ask_moderate_vote_flow(
    alice: Person, bob: Person, mod: Person, clock: SimulatedClock, core: Core
) -> None:
    clock.set(DIALOGUE_OPEN)
    reply, qid = await ask(alice, "How do you stop lithium dendrites?")
    assert not reply.error, text(reply)
    assert qid is not None and "moderator approves" in text(reply)
    # Pending: participants do not see it, moderators do.
    assert "dendrites" not in text(await bob.say("/questions"))
    assert "dendrites" in text(await mod.say("/questions order:pending"))
    assert (await bob.say("/questions pending")).error  # participants: moderators only

    approved = await press(mod, "qa.approve", str(qid))
    assert "approved" in text(approved), text(approved)
    listing = await bob.say("/questions")
    assert "dendrites" in text(listing) and "alice" in text(listing)
    assert [b.value for b in listing.buttons] == [str(qid)]

    assert "1 vote." in text(await press(bob, "qa.vote", str(qid)))
    again = await press(bob, "qa.vote", str(qid))  # a double vote changes nothing
    assert "already up-voted" in text(again) and "(1 vote)" in text(again)
    assert again.buttons[0].action_id == "qa.unvote"
    assert "2 votes" in text(await press(alice, "qa.vote", str(qid))) or True
    q = await core.qa.question(qid)
    assert q.votes == 2
    assert "withdrawn" in text(await press(bob, "qa.unvote", str(qid)))
    assert "had not up-voted" in text(await press(bob, "qa.unvote", str(qid)))
    assert (await core.qa.question(qid)).votes == 1


async def test_highlight_answered_and_undo(
    alice: Person, mod: Person, core: Core, clock: SimulatedClock
) -> None:
    clock.set(DIALOGUE_OPEN)
    _, first = await ask(alice, "First question about cathodes")
    clock.advance(timedelta(seconds=31))
    _, second = await ask(alice, "Second question about anodes")
    assert first and second
    await mod.say(f"/qa approve {first}")
    await mod.say(f"/qa highlight {second}")  # a pending question can go straight on screen
    assert await on_screen(core) == second
    assert "already on screen" in text(await mod.say(f"/qa highlight {second}"))
    await mod.say(f"/qa highlight {first}")
    assert await on_screen(core) == first
    await mod.say(f"/qa answered {first}")
    assert await on_screen(core) is None
    assert (await core.qa.question(first)).status == "answered"
    undo = await mod.say(f"/qa undo {first}")
    assert "undone" in text(undo), text(undo)
    assert (await core.qa.question(first)).status == "approved"
    assert await on_screen(core) == first
    await mod.say(f"/qa undo {first}")  # the highlight undone: the earlier one returns
    assert await on_screen(core) == second
    snap = await core.qa.snapshot("dialogue")
    assert snap["highlight"]["id"] == second and [q["id"] for q in snap["top"]] == [first]


async def test_reject_with_reason_reaches_the_anonymous_asker_privately(
    alice: Person, mod: Person, core: Core, clock: SimulatedClock, store: Store
) -> None:
    clock.set(DIALOGUE_OPEN)
    reply, qid = await ask(alice, "Is the funding political?", "anonymous")
    assert "nobody, moderators included" in text(reply)
    rejected = await mod.say(f"/qa reject {qid} off topic for this panel")
    assert "/myquestions" in text(rejected)
    mine = await alice.say("/myquestions")
    assert "off topic for this panel" in text(mine) and "rejected" in text(mine)
    assert "off topic" not in text(await Person(core, "carol").say("/myquestions"))
    # The moderators' view never names an anonymous asker.
    assert "alice" not in text(await mod.say("/questions order:pending"))
    log = await store.fetchall("SELECT action, actor_name, reason FROM qa_log")
    assert [tuple(r) for r in log] == [("reject", "mia", "off topic for this panel")]


async def test_anonymous_questions_keep_no_platform_user_id(
    core: Core, clock: SimulatedClock, store: Store, mod: Person
) -> None:
    clock.set(DIALOGUE_OPEN)
    secret_user = Person(core, "U0SECRET42")
    _, qid = await ask(secret_user, "Anonymous question about recycling", "anonymous")
    assert qid
    await mod.say(f"/qa approve {qid}")
    await press(secret_user, "qa.vote", str(qid))
    await mod.say(f"/qa-block {qid}")
    for table in await tables_of(store):
        for row in await store.fetchall(f'SELECT * FROM "{table}"'):
            assert not any("U0SECRET42" in str(cell) for cell in row), (table, row)
    # ... and yet the asker is blocked, finds their question, and voted once.
    reply, _ = await ask(secret_user, "Another question entirely, please")
    assert "stopped you from asking" in text(reply)
    assert "recycling" in text(await secret_user.say("/myquestions"))
    assert (await core.qa.question(qid)).votes == 1


async def test_named_asker_blocked(alice: Person, mod: Person, clock: SimulatedClock) -> None:
    clock.set(DIALOGUE_OPEN)
    _, qid = await ask(alice, "A question that is spam spam spam")
    assert "can no longer ask" in text(await mod.say(f"/qa-block {qid}"))
    assert "already blocked" in text(await mod.say(f"/qa-block {qid}"))
    clock.advance(timedelta(minutes=5))
    reply, _ = await ask(alice, "Am I still allowed to ask?")
    assert reply.error and "stopped you" in text(reply)
    reply, _ = await ask(alice, "Anonymously then?", "anonymous")
    assert reply.error and "stopped you" in text(reply)


async def test_rate_limit_and_duplicates(
    alice: Person, bob: Person, mod: Person, clock: SimulatedClock, core: Core
) -> None:
    clock.set(DIALOGUE_OPEN)
    _, qid = await ask(alice, "What's the cycle life of Li-metal cells?")
    assert qid is not None
    reply, _ = await ask(alice, "And a second one straight away?")
    assert reply.error and "try again in 30 s" in text(reply)
    clock.advance(timedelta(seconds=30))
    reply, _ = await ask(alice, "And a second one now?")
    assert not reply.error
    await mod.say(f"/qa approve {qid}")
    dup = await bob.say("/ask whats the cycle life of li metal cells")
    assert f"#{qid}" in text(dup) and "counted your up-vote" in text(dup)
    assert (await core.qa.question(qid)).votes == 1
    clock.advance(timedelta(seconds=30))
    again = await bob.say("/ask WHAT'S the cycle-life of Li metal cells???")
    assert "already in" in text(again)
    assert (await core.qa.question(qid)).votes == 1


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("/ask", "give the question"),
        ("/ask hi", "too short"),
        ("/ask " + "x" * 501, "limit is 500"),
        ("/ask " + "x" * 2001, "at most 2000"),
        ("/ask what about \x07 bells", "control characters"),
        ("/ask ?!?!?!?!", "too short"),
    ],
)
async def test_bad_questions_are_refused_and_store_nothing(
    alice: Person, clock: SimulatedClock, store: Store, typed: str, message: str
) -> None:
    clock.set(DIALOGUE_OPEN)
    reply = await alice.say(typed)
    assert reply.error, text(reply)
    assert message in text(reply).lower() or message in text(reply), text(reply)
    assert await count(store, "SELECT COUNT(*) FROM questions") == 0


async def test_hostile_text_is_kept_literally(
    alice: Person, clock: SimulatedClock, core: Core, mod: Person
) -> None:
    clock.set(DIALOGUE_OPEN)
    hostile = (
        "@everyone <!channel> **bold** <b>html</b> <script>x()</script> [a](https://example.com/x)"
    )
    reply, qid = await ask(alice, hostile)
    assert not reply.error and qid
    assert (await core.qa.question(qid)).body == hostile
    await mod.say(f"/qa approve {qid}")
    listing = await alice.say("/questions")
    assert hostile in text(listing)


async def test_participants_cannot_moderate(
    alice: Person, bob: Person, clock: SimulatedClock, core: Core
) -> None:
    clock.set(DIALOGUE_OPEN)
    _, qid = await ask(alice, "Who funds the joint research?")
    assert qid is not None
    for line in (
        f"/qa approve {qid}",
        f"/qa-block {qid}",
        "/qa-open dialogue",
        "/qa-export dialogue",
        "/qa-close dialogue",
    ):
        reply = await bob.say(line)
        assert reply.error and "Only moderators" in text(reply), line
    denied = await press(bob, "qa.approve", str(qid))
    assert denied.error and "Only moderators" in text(denied)
    assert (await core.qa.question(qid)).status == "pending"
    assert "not open for votes" in text(await press(bob, "qa.vote", str(qid)))


async def test_manual_open_and_close(
    alice: Person, mod: Person, clock: SimulatedClock, core: Core
) -> None:
    # 09:00: no Q&A session is on; a moderator opens the opening ceremony's.
    opened = await mod.say("/qa-open opening moderated:no")
    assert "is open" in text(opened) and "appear at once" in text(opened), text(opened)
    reply, _ = await ask(alice, "When does the photo zone open?")
    assert not reply.error and "is up" in text(reply), text(reply)
    closed = await mod.say("/qa-close opening")
    assert "closed" in text(closed)
    clock.advance(timedelta(seconds=40))
    reply, _ = await ask(alice, "Can I still ask here?", "session:opening")
    assert reply.error and "not open now" in text(reply)
    # Auto: the dialogue closes 15 minutes after its end.
    dialogue = core.agenda.session("dialogue")
    assert dialogue is not None
    clock.set(DIALOGUE_OPEN + timedelta(hours=2, minutes=4))
    assert (await core.qa.status(dialogue)).open
    clock.set(DIALOGUE_OPEN + timedelta(hours=2, minutes=6))
    assert not (await core.qa.status(dialogue)).open


async def test_export_csv_and_markdown(
    alice: Person, bob: Person, mod: Person, clock: SimulatedClock
) -> None:
    clock.set(DIALOGUE_OPEN)
    await ask(alice, '=HYPERLINK("https://example.com/evil") is a formula?')
    await ask(bob, "An anonymous | pipe question", "anonymous")
    reply = await mod.say("/qa-export dialogue")
    assert reply.file is not None and reply.file.filename == "questions-dialogue.csv"
    rows = list(csv.reader(io.StringIO(reply.file.data.decode("utf-8-sig"))))
    assert rows[0] == [
        "id",
        "asked_at",
        "status",
        "highlighted",
        "votes",
        "question",
        "edited",
        "language",
        "translation_en",
        "translation_ko",
        "machine_translated",
        "merged_into",
        "author",
        "platform",
        "reason",
    ]
    author = rows[0].index("author")
    assert rows[1][5].startswith("'=HYPERLINK") and rows[1][author] == "alice"
    assert rows[1][1] == "2026-02-05T13:10:00+09:00"
    assert rows[2][author] == "" and rows[2][author + 1] == ""
    md = await mod.say("/qa-export dialogue md")
    assert md.file is not None
    body = md.file.data.decode("utf-8")
    assert "An anonymous \\| pipe question" in body and "| anonymous |" in body
    assert "bob" not in body


async def test_hub_moves_on_every_vote(
    alice: Person, bob: Person, mod: Person, clock: SimulatedClock, core: Core
) -> None:
    clock.set(DIALOGUE_OPEN)
    _, qid = await ask(alice, "Does the hub see this vote?")
    await mod.say(f"/qa approve {qid}")
    seen = core.qa.hub.version("dialogue")
    await press(bob, "qa.vote", str(qid))
    assert await core.qa.hub.wait("dialogue", seen, 0.01)


async def test_concurrent_votes_from_both_platforms_count_exactly(
    alice: Person, mod: Person, clock: SimulatedClock, core: Core, store: Store
) -> None:
    import asyncio

    from bot.core.model import UserRef

    clock.set(DIALOGUE_OPEN)
    _, qid = await ask(alice, "Will the count be exact under load?")
    assert qid
    await mod.say(f"/qa approve {qid}")
    voters = [UserRef(p, f"u{i}") for i in range(100) for p in ("discord", "slack")]
    # Every voter twice at once, and half of them withdraw at once afterwards.
    results = await asyncio.gather(*(core.qa.vote(u, qid, add=True) for u in voters + voters))
    assert sum(changed for changed, _ in results) == 200
    await asyncio.gather(*(core.qa.vote(u, qid, add=False) for u in voters[::2]))
    counted = await count(store, "SELECT COUNT(*) FROM question_votes WHERE question_id = ?", qid)
    assert (await core.qa.question(qid)).votes == counted == 100


async def test_qa_screen_links(mod: Person, alice: Person, core: Core) -> None:
    assert "web server is off" in text(await mod.say("/qa-screen dialogue"))
    core.qa.web_url = "https://qa.example.com"
    links = text(await mod.say("/qa-screen dialogue"))
    token = core.qa.keys.token("moderate:dialogue")
    assert "https://qa.example.com/present/dialogue" in links
    assert f"https://qa.example.com/moderate/dialogue?token={token}" in links
    speaker = core.qa.keys.token("speaker:dialogue")
    assert f"https://qa.example.com/speaker-view/dialogue?token={speaker}" in links
    assert token not in text(await alice.say("/qa-screen dialogue"))


async def test_qa_screen_attaches_the_join_code(mod: Person, core: Core) -> None:
    core.qa.web_url = "https://forum.example.org/"
    reply = await mod.say("/qa-screen dialogue")
    assert "https://forum.example.org/q/dialogue" in text(reply)
    assert reply.file is not None and reply.file.mime_type == "image/png"
    assert reply.file.filename == "join-dialogue.png"
    assert decode_qr(reply.file.data) == ["https://forum.example.org/q/dialogue"]
    # An address too long for a readable code: the links still, no code.
    core.qa.web_url = "https://forum.example.org/" + "x" * 400
    reply = await mod.say("/qa-screen dialogue")
    assert reply.file is None and "/q/dialogue" in text(reply)


async def test_a_duplicate_of_a_pending_question_keeps_its_vote(
    alice: Person, bob: Person, mod: Person, clock: SimulatedClock, core: Core, store: Store
) -> None:
    """Item 2: re-asking a question that waits for approval is an up-vote that counts once
    it is approved, and the asker is told so truthfully."""
    clock.set(DIALOGUE_OPEN)
    _, qid = await ask(alice, "Can sodium-ion cells replace LFP in storage?")
    assert qid and (await core.qa.question(qid)).status == "pending"

    dup = await bob.say("/ask can sodium ion cells replace LFP in storage")
    said = text(dup)
    assert not dup.error and f"#{qid}" in said, said
    assert "waiting for a moderator's approval" in said and "counts once" in said, said
    assert "1 vote" in said, said
    # The vote is kept, keyed by the voter hash only (no platform user id).
    rows = await store.fetchall(
        "SELECT voter_key FROM question_votes WHERE question_id = ?", (qid,)
    )
    assert [r[0] for r in rows] == [core.qa.keys.voter(bob.user)]
    assert all("bob" not in r[0] for r in rows)
    # Asking it again is no second vote, and says so.
    clock.advance(timedelta(seconds=31))
    again = text(await bob.say("/ask Can sodium-ion cells replace LFP in storage???"))
    assert "already in" in again and "waiting for" in again and "1 vote" in again, again
    # The vote button still refuses a question that is not approved.
    assert "not open for votes" in text(await press(Person(core, "carol"), "qa.vote", str(qid)))

    await mod.say(f"/qa approve {qid}")
    assert (await core.qa.question(qid)).votes == 1
    assert f"#{qid} ▲1 " in text(await bob.say("/questions"))
    # ... and pressing ▲ now is the same vote, not a second one.
    assert "already up-voted" in text(await press(bob, "qa.vote", str(qid)))
    assert (await core.qa.question(qid)).votes == 1


async def test_a_duplicate_of_an_answered_question_says_so(
    alice: Person, bob: Person, mod: Person, clock: SimulatedClock, core: Core
) -> None:
    clock.set(DIALOGUE_OPEN)
    _, qid = await ask(alice, "Is the forum recorded for later viewing?")
    assert qid is not None
    await mod.say(f"/qa approve {qid}")
    await mod.say(f"/qa answered {qid}")
    dup = text(await bob.say("/ask is the forum recorded for later viewing"))
    assert f"#{qid}" in dup and "already answered" in dup, dup
    assert "counted" not in dup and "with your up-vote" not in dup, dup
    assert (await core.qa.question(qid)).votes == 0


async def test_moderation_confirmations_read_naturally(
    alice: Person, mod: Person, clock: SimulatedClock, core: Core
) -> None:
    """Item 13: no "Question #2 highlighted; it is now approved."."""
    clock.set(DIALOGUE_OPEN)
    _, first = await ask(alice, "A first question for the panel")
    clock.advance(timedelta(seconds=31))
    _, second = await ask(alice, "A second question for the panel")
    ko = Person(core, "minji", Role.MODERATOR)
    await ko.say("/language ko")
    said = text(await mod.say(f"/qa highlight {second}"))
    assert said == f"Question #{second} is now highlighted (and approved).", said
    assert text(await mod.say(f"/qa approve {first}")) == f"Question #{first} is approved."
    assert text(await mod.say(f"/qa highlight {first}")) == (
        f"Question #{first} is now highlighted."
    )
    assert text(await mod.say(f"/qa answered {first}")) == (
        f"Question #{first} is marked answered."
    )
    assert text(await ko.say(f"/qa highlight {first}")) == (
        f"#{first} 질문을 다시 강조했습니다 (답변 완료 표시 해제)."
    )
    undone = text(await mod.say(f"/qa undo {first}"))
    assert undone == f"Question #{first} is answered again (the last action undone).", undone
    assert text(await ko.say(f"/qa reject {second}")) == f"#{second} 질문을 거절했습니다."


async def test_export_has_a_rejections_reason(
    alice: Person, bob: Person, mod: Person, clock: SimulatedClock
) -> None:
    """Item 16: CSV and Markdown carry the reason of a rejection, escaped."""
    clock.set(DIALOGUE_OPEN)
    _, kept = await ask(alice, "A question that is kept")
    _, dropped = await ask(bob, "A question that is dropped")
    await mod.say(f"/qa approve {kept}")
    await mod.say(f"/qa reject {dropped} =cmd|' /C calc'!A0 off | topic")
    rows = list(
        csv.reader(io.StringIO(exported(await mod.say("/qa-export dialogue")).decode("utf-8-sig")))
    )
    assert rows[0][-1] == "reason" and len(rows[0]) == 15
    assert rows[1][2] == "approved" and rows[1][-1] == ""
    assert rows[2][2] == "rejected" and rows[2][-1] == "'=cmd|' /C calc'!A0 off | topic"
    md = exported(await mod.say("/qa-export dialogue md")).decode("utf-8")
    assert "| Author | Reason |" in md
    line = next(x for x in md.splitlines() if x.startswith(f"| {dropped} |"))
    assert line.endswith("| =cmd\\|' /C calc'\\!A0 off \\| topic |"), line


async def thirty_approved(core: Core, mod: Person) -> list[int]:
    """Thirty approved questions of the dialogue, each by another person, #1 first."""
    ids = []
    for i in range(1, 31):
        _, qid = await ask(Person(core, f"asker{i}"), f"Question {i}: how do cells age at {i}C?")
        assert qid is not None
        await mod.say(f"/qa approve {qid}")
        ids.append(qid)
    return ids


def listed(reply: Reply) -> list[int]:
    """The question numbers a /questions page lists (not the one on screen)."""
    assert reply.card is not None, text(reply)
    lines = [plain(line) for line in reply.card.lines if not plain(line).startswith("Now")]
    return [int(line.split()[0].lstrip("#")) for line in lines]


async def test_questions_page_through_all_of_them_each_with_its_vote_button(
    alice: Person, bob: Person, mod: Person, clock: SimulatedClock, core: Core
) -> None:
    """Item 12: /questions showed the top ten only. Thirty questions come in three pages
    of ten, each question with its ▲ on its own page, and #11-#30 can be up-voted."""
    clock.set(DIALOGUE_OPEN)
    ids = await thirty_approved(core, mod)
    reply = await alice.say("/questions")
    for page, expected in enumerate((ids[:10], ids[10:20], ids[20:]), start=1):
        assert listed(reply) == expected, (page, text(reply))
        assert reply.card is not None and f"Page {page} of 3" in reply.card.footer
        votes = [b for b in reply.buttons if b.action_id == "qa.vote"]
        assert [int(b.value) for b in votes] == expected
        assert [b.label for b in votes] == [f"▲ #{q}" for q in expected]
        pages = [b.label for b in reply.buttons if b.action_id == "page"]
        assert pages == {1: ["Next ▶"], 2: ["◀ Previous", "Next ▶"], 3: ["◀ Previous"]}[page]
        if page == 2:
            # #15, on the second page, takes a vote like any other.
            assert "1 vote" in text(await press(bob, "qa.vote", str(ids[14])))
            assert (await core.qa.question(ids[14])).votes == 1
        if page < 3:
            nxt = next(b for b in reply.buttons if b.label == "Next ▶")
            reply = await press(alice, nxt.action_id, nxt.value)
    # The vote moved #15 to the top: pages show the list as it is when turned.
    first = await alice.say("/questions")
    assert listed(first)[0] == ids[14] and len(listed(first)) == 10
    # The question on screen heads every page and is not listed again.
    await mod.say(f"/qa highlight {ids[29]}")
    reply = await alice.say("/questions")
    seen: list[list[int]] = []
    while True:
        assert reply.card is not None and plain(reply.card.lines[0]).startswith(
            f"Now answering: #{ids[29]} "
        )
        seen.append(listed(reply))
        following = next((b for b in reply.buttons if b.label == "Next ▶"), None)
        if following is None:
            break
        reply = await press(alice, following.action_id, following.value)
    assert [len(p) for p in seen] == [10, 10, 9]
    assert sorted(q for p in seen for q in p) == ids[:29]


async def test_a_page_past_the_last_shows_the_last_as_it_is_now(
    alice: Person, mod: Person, clock: SimulatedClock, core: Core
) -> None:
    """A page button from an old list (thirty questions then) for page 9 shows page 3 of
    3; once questions are answered away, the same button shows what is left."""
    clock.set(DIALOGUE_OPEN)
    ids = await thirty_approved(core, mod)
    reply = await press(alice, "page", "9|qa.list|dialogue|top")
    assert listed(reply) == ids[20:] and reply.card is not None
    assert "Page 3 of 3" in reply.card.footer
    for qid in ids[5:]:
        await mod.say(f"/qa answered {qid}")
    reply = await press(alice, "page", "3|qa.list|dialogue|top")
    assert listed(reply) == ids[:5] and reply.card is not None
    assert "Page" not in reply.card.footer
    assert not [b for b in reply.buttons if b.action_id == "page"]


async def test_a_page_of_long_questions_is_shortened_to_fit_one_message(
    alice: Person, mod: Person, clock: SimulatedClock, core: Core
) -> None:
    """Ten questions of 500 characters are more than a message holds (4,000 where no
    platform says otherwise): the page still lists all ten with their buttons, the long
    ones shortened to one share each and the short one whole."""
    clock.set(DIALOGUE_OPEN)
    ids = []
    for i in range(10):
        body = "Short question, kept whole?" if i == 3 else f"Q{i} " + "cells age " * 49 + "?"
        _, qid = await ask(Person(core, f"long{i}"), body)
        assert qid is not None
        await mod.say(f"/qa approve {qid}")
        ids.append(qid)
    reply = await alice.say("/questions new")
    assert listed(reply) == ids[::-1] and reply.card is not None
    assert [int(b.value) for b in reply.buttons if b.action_id == "qa.vote"] == ids[::-1]
    lines = [plain(line) for line in reply.card.lines]
    assert sum(len(line) + 1 for line in lines) + len(reply.card.title) < 4000
    short = [line for line in lines if "Short question, kept whole?" in line]
    assert len(short) == 1 and not short[0].endswith("…")
    long = [line for line in lines if line not in short]
    # One share each of what the page has room for (about 430 characters here).
    assert all(line.endswith("…") for line in long), lines
    assert len({len(line) for line in long}) == 1 and len(long[0]) > 400, lines


async def test_moderators_page_through_every_waiting_question(
    alice: Person, mod: Person, clock: SimulatedClock, core: Core
) -> None:
    """Item 12 for the moderators' list: every question waiting for approval, ten a page,
    each with its approve button; a participant cannot turn its pages either."""
    clock.set(DIALOGUE_OPEN)
    ids = []
    for i in range(1, 26):
        _, qid = await ask(Person(core, f"asker{i}"), f"Waiting question {i} about {i}C cells")
        assert qid is not None
        ids.append(qid)
    reply = await mod.say("/questions pending")
    newest = ids[::-1]
    for page, expected in enumerate((newest[:10], newest[10:20], newest[20:]), start=1):
        assert listed(reply) == expected, (page, text(reply))
        approve = [int(b.value) for b in reply.buttons if b.action_id == "qa.approve"]
        assert approve == expected
        nxt = next((b for b in reply.buttons if b.label == "Next ▶"), None)
        assert (nxt is None) == (page == 3)
        if nxt is not None:
            forged = await press(alice, nxt.action_id, nxt.value)
            assert forged.error and "moderators" in text(forged), text(forged)
            reply = await press(mod, nxt.action_id, nxt.value)


async def test_a_shared_question_list_names_the_commands_of_each_platform(
    core: Core, clock: SimulatedClock
) -> None:
    """One list serves everyone alike on a platform, but each platform says its own /ask."""
    clock.set(DIALOGUE_OPEN)
    core.command_names["slack"] = {"ask": "bf-ask"}  # SLACK_COMMAND_PREFIX=bf-
    dialogue = core.agenda.session("dialogue")
    assert dialogue is not None
    asked = await core.qa.ask(UserRef("console", "b"), dialogue, "Which wins?", anonymous=False)
    await core.qa.moderate(UserRef("console", "mia"), asked.question.id, "approve")
    here = ChannelRef("console", "c1", "general")
    terminal = await core.dispatch_text("console", "/questions", UserRef("console", "a"), here)
    slack = await core.dispatch_text(
        "slack", "/questions", UserRef("slack", "U1"), ChannelRef("slack", "C1")
    )
    assert "/ask" in text(terminal) and "/bf-ask" not in text(terminal)
    assert "/bf-ask" in text(slack), text(slack)
