"""Edits, translations and merges in the Q&A tables, each undone: the arithmetic of votes when
two questions' voters overlap, what the history keeps, and the refusals that keep the tables
consistent (a text another question has, a merge undone out of order)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import aiosqlite
import pytest

from bot.storage import Store, open_store
from bot.storage import qa as db
from bot.storage.migrations import MIGRATIONS
from bot.storage.qa import APPROVED, MERGED, PENDING, Translation

NOW = datetime(2026, 2, 5, 4, 10, tzinfo=UTC)
MOD = ("discord:mia", "mia")


async def add(store: Store, body: str, status: str = APPROVED) -> db.Question:
    return await db.add_question(
        store,
        session_id="dialogue",
        body=body,
        norm=body.casefold(),
        anonymous=False,
        author_key=None,
        author=("slack", "U1", "ann"),
        status=status,
        now=NOW,
        block_keys=("b1", "b2"),
        lang="en",
    )


async def votes(store: Store, question_id: int, *voters: str) -> db.Question:
    found = None
    for voter in voters:
        _, found = await db.vote(store, question_id, voter, add=True, pending_too=True)
    got = await db.get(store, question_id)
    assert got is not None and (found is None or found.votes == got.votes)
    return got


async def log_of(store: Store, question_id: int) -> list[tuple[str, int]]:
    rows = await store.fetchall(
        "SELECT action, undone FROM qa_log WHERE question_id = ? ORDER BY id", (question_id,)
    )
    return [(r["action"], r["undone"]) for r in rows]


async def test_a_merge_counts_each_voter_once_and_its_undo_gives_back_both_counts(
    store: Store,
) -> None:
    a = await votes(store, (await add(store, "How long do cells last?")).id, "v1", "v2", "v3")
    b = await votes(store, (await add(store, "What is cell lifetime?")).id, "v3", "v4", "v5")
    assert (a.votes, b.votes) == (3, 3)

    change = await db.merge(store, b.id, a.id, actor=MOD, now=NOW)
    # v3 voted for both and counts once: {v1..v5}.
    assert change.other is not None and change.other.votes == 5
    assert change.question.status == MERGED and change.question.merged_into == a.id
    # A merged question leaves the lists; its votes stay on it, for the undo.
    top = await db.listing(store, "dialogue", APPROVED)
    assert [q.id for q in top] == [a.id]
    # v4 votes for A again: already counted through B.
    changed, after = await db.vote(store, a.id, "v4", add=True)
    assert not changed and after is not None and after.votes == 5
    # v6 votes for A after the merge: stays after the undo.
    await votes(store, a.id, "v6")

    undone = await db.undo(store, b.id, actor=MOD, now=NOW)
    assert undone is not None and undone.action == "undo"
    assert undone.question.status == APPROVED and undone.question.merged_into is None
    assert undone.other is not None and undone.other.votes == 4  # v1, v2, v3, v6
    assert (await votes(store, b.id)).votes == 3
    assert [q.id for q in await db.listing(store, "dialogue", APPROVED)] == [a.id, b.id]
    assert await log_of(store, b.id) == [("merge", 1), ("undo", 1)]


async def test_a_vote_withdrawn_from_the_merged_question_leaves_nothing_behind(
    store: Store,
) -> None:
    a = await votes(store, (await add(store, "Solid-state timeline?")).id, "v1")
    b = await votes(store, (await add(store, "When will solid-state ship?")).id, "v2")
    await db.merge(store, b.id, a.id, actor=MOD, now=NOW)
    changed, after = await db.vote(store, a.id, "v2", add=False)
    assert changed and after is not None and after.votes == 1
    undone = await db.undo(store, b.id, actor=MOD, now=NOW)
    assert undone is not None and undone.other is not None and undone.other.votes == 1
    assert (await votes(store, b.id)).votes == 1


async def test_merges_refused_where_they_would_not_add_up(store: Store) -> None:
    a = await add(store, "First")
    b = await add(store, "Second")
    c = await add(store, "Third")
    with pytest.raises(db.Refused) as itself:
        await db.merge(store, a.id, a.id, actor=MOD, now=NOW)
    assert itself.value.key == "qa.merge_itself"
    await db.merge(store, b.id, a.id, actor=MOD, now=NOW)
    with pytest.raises(db.Refused) as twice:
        await db.merge(store, b.id, c.id, actor=MOD, now=NOW)
    assert twice.value.key == "qa.already_merged"
    with pytest.raises(db.Refused) as into_merged:
        await db.merge(store, c.id, b.id, actor=MOD, now=NOW)
    assert into_merged.value.key == "qa.merge_into_merged"
    # A merged into C after B into A: B's undo would leave C counting B's voters.
    await db.merge(store, a.id, c.id, actor=MOD, now=NOW)
    with pytest.raises(db.Refused) as order:
        await db.undo(store, b.id, actor=MOD, now=NOW)
    assert order.value.key == "qa.undo_merge_first"
    # Nothing was half-done: B is still merged into A.
    b_now = await db.get(store, b.id)
    assert b_now is not None and b_now.status == MERGED and b_now.merged_into == a.id
    assert await db.undo(store, a.id, actor=MOD, now=NOW) is not None
    assert await db.undo(store, b.id, actor=MOD, now=NOW) is not None


async def test_merging_the_question_on_screen_ends_its_highlight_and_undo_brings_it_back(
    store: Store,
) -> None:
    a = await add(store, "Anode question")
    b = await add(store, "Cathode question")
    await db.moderate(
        store, b.id, "highlight", APPROVED, highlight=True, actor=MOD, reason=None, now=NOW
    )
    change = await db.merge(store, b.id, a.id, actor=MOD, now=NOW)
    assert (change.highlight_before, change.highlight_after) == (b.id, None)
    assert (await db.all_states(store))["dialogue"].highlight_id is None
    await db.undo(store, b.id, actor=MOD, now=NOW)
    assert (await db.all_states(store))["dialogue"].highlight_id == b.id


async def test_an_edit_keeps_the_text_as_asked_and_its_undo_restores_it(store: Store) -> None:
    q = await add(store, "How do you stop lithum dendrites?", PENDING)
    fixed = "How do you stop lithium dendrites?"
    change = await db.revise(store, q.id, body=(fixed, fixed.casefold()), actor=MOD, now=NOW)
    assert change is not None and change.action == "edit"
    assert change.question.body == fixed and change.question.original == q.body
    assert change.question.edited and change.question.status == PENDING
    again = "How can lithium dendrites be stopped?"
    second = await db.revise(store, q.id, body=(again, again.casefold()), actor=MOD, now=NOW)
    assert second is not None and second.question.original == q.body  # as asked, still
    # The same text again changes nothing and logs nothing.
    assert await db.revise(store, q.id, body=(again, again.casefold()), actor=MOD, now=NOW) is None

    undone = await db.undo(store, q.id, actor=MOD, now=NOW)
    assert undone is not None and undone.question.body == fixed
    undone = await db.undo(store, q.id, actor=MOD, now=NOW)
    assert undone is not None and undone.question.body == q.body
    assert not undone.question.edited
    assert await log_of(store, q.id) == [("edit", 1), ("edit", 1), ("undo", 1), ("undo", 1)]


async def test_an_edit_to_another_questions_text_is_refused_and_so_is_its_undo(
    store: Store,
) -> None:
    first = await add(store, "Battery recycling?")
    second = await add(store, "Battery recyclng?")
    with pytest.raises(db.Taken) as taken:
        await db.revise(
            store, second.id, body=(first.body, first.body.casefold()), actor=MOD, now=NOW
        )
    assert taken.value.other == first.id
    assert (await db.get(store, second.id)) == second  # untouched
    # Edited away, then a new question takes the old text: the undo cannot give it back.
    await db.revise(
        store, first.id, body=("Recycling plans?", "recycling plans?"), actor=MOD, now=NOW
    )
    third = await add(store, "Battery recycling?")
    with pytest.raises(db.Taken) as clash:
        await db.undo(store, first.id, actor=MOD, now=NOW)
    assert clash.value.other == third.id


async def test_translations_are_kept_per_language_and_undone_one_change_at_a_time(
    store: Store,
) -> None:
    q = await add(store, "전고체 배터리는 언제 상용화되나요?")
    made = await db.revise(
        store,
        q.id,
        lang="ko",
        translations={"en": Translation("When will solid-state batteries ship?", "deepl")},
        actor=MOD,
        now=NOW,
    )
    assert made is not None and made.action == "translate"
    assert made.question.lang == "ko" and made.question.translations["en"].machine
    typed = await db.revise(
        store,
        q.id,
        translations={
            "en": Translation("When will all-solid-state cells reach market?", "moderator")
        },
        actor=MOD,
        now=NOW,
    )
    assert typed is not None and not typed.question.translations["en"].machine
    assert typed.question.in_language("en")[0].startswith("When will all-solid")
    assert typed.question.in_language("ko") == (q.body, None)
    # A translation of a text that changed meanwhile is not stored.
    stale = await db.revise(
        store,
        q.id,
        translations={"en": Translation("stale", "deepl")},
        actor=MOD,
        now=NOW,
        expect_body="something else",
    )
    assert stale is None
    undone = await db.undo(store, q.id, actor=MOD, now=NOW)
    assert undone is not None and undone.question.translations["en"].by == "deepl"
    undone = await db.undo(store, q.id, actor=MOD, now=NOW)
    assert undone is not None and undone.question.translations == {}


async def test_a_database_of_the_last_version_keeps_its_questions(tmp_path: Path) -> None:
    """Migration 10 adds columns: questions asked before it read as unedited, untranslated."""
    path = tmp_path / "old.sqlite"
    async with aiosqlite.connect(path) as conn:
        for script in MIGRATIONS[:9]:
            await conn.executescript(script)
        await conn.execute("PRAGMA user_version = 9")
        await conn.execute(
            "INSERT INTO questions (session_id, body, norm, anonymous, status, votes, "
            "created_at, updated_at) VALUES ('dialogue', 'Old?', 'old', 0, 'approved', 2, "
            "'2026-02-05T04:10:00+00:00', '2026-02-05T04:10:00+00:00')"
        )
        await conn.commit()
    store = await open_store(path)
    try:
        (q,) = await db.listing(store, "dialogue", APPROVED)
        assert (q.body, q.votes, q.lang, q.edited, q.translations) == ("Old?", 2, None, False, {})
    finally:
        await store.close()
