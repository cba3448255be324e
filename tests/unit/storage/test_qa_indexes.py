"""The Q&A lists are read straight from an index: a session's top ten, its newest
questions and a person's own cost the same at 10 questions or 10,000 (no sort, no scan
of the session)."""

from __future__ import annotations

import pytest

from bot.storage import Store
from bot.storage import qa as db

# (query, parameters, the index that must serve it)
PLANS = [
    (db._TOP, ("dialogue", "approved", 10), "questions_by_rank"),
    (db._NEW, ("dialogue", "approved", 10), "questions_by_time"),
    (db._TOP_BUT, ("dialogue", "approved", 3, 10, 20), "questions_by_rank"),
    (db._NEW_BUT, ("dialogue", "approved", 3, 10, 20), "questions_by_time"),
    # A person's own questions (/myquestions; the audience page after each vote).
    (db._BY_AUTHOR, ("web", "device-1", 20), "questions_by_author"),
    (db._BY_AUTHOR_KEY, ("k1", 20), "questions_by_author_key"),
]


@pytest.mark.parametrize(("sql", "params", "index"), PLANS)
async def test_lists_are_served_by_an_index_without_a_sort(
    store: Store, sql: str, params: tuple[object, ...], index: str
) -> None:
    stamp = "2026-02-05T04:10:00+00:00"
    await store.batched(
        [
            (
                "INSERT INTO questions (session_id, body, norm, anonymous, status, votes, "
                "created_at, updated_at) VALUES (?, ?, ?, 1, ?, ?, ?, ?)",
                ("dialogue", f"q{n}", f"q{n}", "approved", n % 3, stamp, stamp),
            )
            for n in range(200)
        ]
    )
    await store.execute("ANALYZE")  # plans as they are with a real session's statistics
    plan = " | ".join(r[3] for r in await store.fetchall("EXPLAIN QUERY PLAN " + sql, params))
    assert f"USING INDEX {index}" in plan and "TEMP B-TREE" not in plan, plan
