"""The Q&A lists are read straight from an index: a session's top ten, its newest
questions and a person's own cost the same at 10 questions or 10,000 (no sort, no scan
of the session). On both engines: SQLite's plan, and PostgreSQL's with its planner told
to avoid what an index spares (a small table is otherwise cheaper to scan)."""

from __future__ import annotations

import re

import pytest

from bot.storage import Store
from bot.storage import qa as db
from bot.storage.base import POSTGRESQL

# (query, parameters, the index that must serve it)
PLANS = [
    (db._TOP, ("dialogue", "approved", 10), "questions_by_rank"),
    (db._NEW, ("dialogue", "approved", 10), "questions_by_time"),
    (db._TOP_BUT, ("dialogue", "approved", 3, 10, 20), "questions_by_rank"),
    (db._NEW_BUT, ("dialogue", "approved", 3, 10, 20), "questions_by_time"),
    # A person's own questions (/myquestions; the audience page after each vote).
    (db._BY_AUTHOR, ("web", "device-1", 20), "questions_by_author"),
    (db._BY_AUTHOR_KEY, ("k1", 20), "questions_by_author_key"),
    # Which questions of a page one device has voted for: one look-up each.
    (db._VOTED.format(", ".join("?" * 10)), ("k1", *range(1, 11)), "question_votes_pkey"),
]
# SQLite names a primary key's index after its table.
SQLITE_NAMES = {"question_votes_pkey": "sqlite_autoindex_question_votes_1"}


async def plan_of(store: Store, sql: str, params: tuple[object, ...]) -> str:
    """How the engine runs `sql`, one line per step."""
    if store.engine != POSTGRESQL:
        rows = await store.fetchall("EXPLAIN QUERY PLAN " + sql, params)
        return " | ".join(r[3] for r in rows)
    async with store.transaction() as tx:
        await tx.execute("SET LOCAL enable_seqscan = off")
        await tx.execute("SET LOCAL enable_bitmapscan = off")
        await tx.execute("SET LOCAL enable_sort = off")
        # As on an SSD (the default, 4, prices a random read as a spinning disk's).
        await tx.execute("SET LOCAL random_page_cost = 1.1")
        rows = await tx.fetchall("EXPLAIN " + sql, params)
    return " | ".join(r[0].strip() for r in rows)


@pytest.mark.parametrize(("sql", "params", "index"), PLANS)
async def test_lists_are_served_by_an_index_without_a_sort(
    store: Store, sql: str, params: tuple[object, ...], index: str
) -> None:
    stamp = "2026-02-05T04:10:00+00:00"
    async with store.transaction() as tx:
        await tx.executemany(
            "INSERT INTO questions (session_id, body, norm, anonymous, author_key, "
            "author_platform, author_id, status, votes, created_at, updated_at) "
            "VALUES (?, ?, ?, 1, ?, 'web', ?, ?, ?, ?, ?)",
            [
                (
                    "dialogue" if n % 20 == 0 else f"session-{n % 20}",  # one of 20
                    f"q{n}",
                    f"q{n}",
                    f"k{n % 40}",
                    f"device-{n % 40}",
                    ("approved", "pending")[n % 5 == 0],
                    n % 4,
                    stamp,
                    stamp,
                )
                for n in range(2000)
            ],
        )
        await tx.executemany(
            "INSERT INTO question_votes (question_id, voter_key) VALUES (?, ?)",
            [(n, f"k{n % 7}") for n in range(1, 2001)],
        )
    await store.execute("ANALYZE")  # plans as they are with a real session's statistics
    plan = await plan_of(store, sql, params)
    if store.engine == POSTGRESQL:
        assert re.search(f"Index (Only )?Scan (Backward )?using {index} ", plan), plan
        assert "Sort" not in plan, plan
    else:
        index = SQLITE_NAMES.get(index, index)
        assert re.search(f"USING (COVERING )?INDEX {index} ", plan), plan
        assert "TEMP B-TREE" not in plan, plan
