"""The store on PostgreSQL, beyond what both engines share (tests/unit/storage): its
placeholders, its schema version, its faults at start said in one line, and several
instances on one database at once (votes exact, each outbox row claimed once, one holder
of a lock)."""

from __future__ import annotations

import ast
import asyncio
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.core.model import Reply
from bot.storage import StorageError, Store, open_store, outbox
from bot.storage import announcements as ann
from bot.storage import qa as db
from bot.storage.migrations import MIGRATIONS
from bot.storage.postgres import PostgresStore, describe, numbered
from tests.postgres import PASSWORD, PostgresServer, free_port

ROOT = Path(__file__).resolve().parents[3]
NOW = datetime(2026, 2, 5, 4, 10, tzinfo=UTC)


# ---- placeholders ----------------------------------------------------------------------


def test_placeholders_are_numbered_outside_quotes() -> None:
    assert numbered("SELECT ? FROM t WHERE a = ? AND b IN (?, ?)") == (
        "SELECT $1 FROM t WHERE a = $2 AND b IN ($3, $4)"
    )
    assert numbered("UPDATE t SET s = 'it''s' WHERE id = ?") == (
        "UPDATE t SET s = 'it''s' WHERE id = $1"
    )
    assert numbered('SELECT "a b" FROM t WHERE c = ?') == 'SELECT "a b" FROM t WHERE c = $1'
    assert numbered("SELECT 1") == "SELECT 1"


@pytest.mark.parametrize("sql", ["SELECT '?' WHERE a = ?", 'SELECT "x?" FROM t', "SELECT 'x"])
def test_a_question_mark_in_quotes_or_an_open_quote_is_refused(sql: str) -> None:
    with pytest.raises(ValueError, match=r"'\?'|unclosed"):
        numbered(sql)


def test_our_sql_has_no_question_mark_inside_quotes() -> None:
    """Every SQL text in the bot's code numbers cleanly (`numbered` refuses a '?' in a
    literal or a quoted name, which would be data, not a placeholder)."""
    checked = 0
    for path in (ROOT / "bot").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                text = node.value.lstrip()
                if text.startswith(("SELECT ", "INSERT ", "UPDATE ", "DELETE ")) and "?" in text:
                    numbered(text)
                    checked += 1
    assert checked > 50  # the repositories' statements were seen


# ---- schema ----------------------------------------------------------------------------


async def test_a_new_database_gets_every_step_and_reopening_runs_none(
    postgres: PostgresServer,
) -> None:
    url = await postgres.new_database(schema=False)
    first = await open_store(url)
    await db.block(first, "k", NOW)
    await first.close()
    second = await open_store(url)
    try:
        assert second.engine == "postgresql"
        assert await second.schema_version() == len(MIGRATIONS)
        versions = await second.fetchall("SELECT version FROM schema_version")
        assert [tuple(r) for r in versions] == [(len(MIGRATIONS),)]
        assert await db.is_blocked(second, ("k", "other"))
        # Text compares byte by byte, as on SQLite: ISO timestamps, every ORDER BY.
        collations = await second.fetchall(
            "SELECT DISTINCT collation_name FROM information_schema.columns "
            "WHERE table_schema = 'public' AND data_type = 'text' AND table_name <> ?",
            ("schema_version",),
        )
        assert [r[0] for r in collations] == ["C"]
    finally:
        await second.close()


async def test_a_newer_schema_is_refused(postgres: PostgresServer) -> None:
    url = await postgres.new_database()
    store = await open_store(url)
    await store.execute("UPDATE schema_version SET version = ?", (len(MIGRATIONS) + 5,))
    await store.close()
    with pytest.raises(StorageError, match="newer than this forum-bot"):
        await open_store(url)


async def test_migrate_on_demand_says_where_it_started(postgres: PostgresServer) -> None:
    url = await postgres.new_database(schema=False)
    store = await open_store(url, migrate=False)
    try:
        assert await store.schema_version() == 0
        await store.migrate()
        assert await store.schema_version() == len(MIGRATIONS)
    finally:
        await store.close()


async def test_instances_starting_at_once_migrate_once(postgres: PostgresServer) -> None:
    url = await postgres.new_database(schema=False)
    stores = await asyncio.gather(*(open_store(url) for _ in range(3)))
    try:
        assert [await s.schema_version() for s in stores] == [len(MIGRATIONS)] * 3
        versions = await stores[0].fetchall("SELECT version FROM schema_version")
        assert [tuple(r) for r in versions] == [(len(MIGRATIONS),)]
    finally:
        for s in stores:
            await s.close()


# ---- faults at start: one line, no password --------------------------------------------


async def test_a_server_that_is_down_is_said_in_a_line() -> None:
    url = f"postgresql://bot:{PASSWORD}@127.0.0.1:{free_port()}/forum"
    with pytest.raises(StorageError) as caught:
        await open_store(url)
    said = str(caught.value)
    assert said.startswith("cannot open the database postgresql://bot@127.0.0.1:")
    assert "is PostgreSQL running there?" in said and PASSWORD not in said


async def test_a_wrong_password_is_said_in_a_line(postgres: PostgresServer) -> None:
    url = postgres.dsn(password="not-the-password")
    with pytest.raises(StorageError, match="refused the password") as caught:
        await open_store(url)
    assert "not-the-password" not in str(caught.value)


async def test_a_missing_database_is_said_in_a_line(postgres: PostgresServer) -> None:
    with pytest.raises(StorageError, match=r"no such database.*createdb"):
        await open_store(postgres.dsn("no_such_database"))


async def test_a_user_who_may_not_create_tables_is_said_in_a_line(
    postgres: PostgresServer,
) -> None:
    """PostgreSQL 15 lets only a database's owner create tables in it by default."""
    url = await postgres.new_database(schema=False)
    await postgres.sql(
        "DO $$ BEGIN CREATE ROLE guest LOGIN PASSWORD 'guest'; "
        "EXCEPTION WHEN duplicate_object THEN NULL; END $$"
    )
    as_guest = url.replace(f"postgres:{PASSWORD}@", "guest:guest@")
    with pytest.raises(StorageError, match="may not create the bot's tables"):
        await open_store(as_guest)


def test_an_address_is_named_without_its_password() -> None:
    assert describe("postgresql://bot:s3cret@db.example:6543/forum") == (
        "postgresql://bot@db.example:6543/forum"
    )
    assert describe("postgres://db/forum") == "postgres://db/forum"
    assert "s3cret" not in describe("postgresql://bot:s3cret@db:notaport/forum")


# ---- several instances on one database -------------------------------------------------


async def _two(url: str) -> tuple[Store, Store]:
    return await open_store(url), await open_store(url)


async def test_votes_from_two_instances_at_once_count_exactly(postgres: PostgresServer) -> None:
    url = await postgres.new_database()
    a, b = await _two(url)
    try:
        q = await db.add_question(
            a,
            session_id="dialogue",
            body="Will it rain?",
            norm="will it rain",
            anonymous=True,
            author_key="k",
            author=None,
            platform="web",
            status=db.APPROVED,
            now=NOW,
            block_keys=("b1", "b2"),
        )
        voters = [f"voter-{i}" for i in range(60)]
        # Each voter votes on both instances at once: counted once.
        await asyncio.gather(*(db.vote(s, q.id, v, add=True) for v in voters for s in (a, b)))
        after = await db.get(b, q.id)
        assert after is not None and after.votes == len(voters)
        rows = await a.fetchone(
            "SELECT COUNT(*) FROM question_votes WHERE question_id = ?", (q.id,)
        )
        assert rows is not None and rows[0] == len(voters)
        # Half withdraw on one instance while the others vote again on the other.
        await asyncio.gather(
            *(db.vote(a, q.id, v, add=False) for v in voters[:30]),
            *(db.vote(b, q.id, v, add=True) for v in voters[30:]),
        )
        after = await db.get(a, q.id)
        assert after is not None and after.votes == 30
    finally:
        await a.close()
        await b.close()


async def test_two_instances_claim_each_delivery_once(postgres: PostgresServer) -> None:
    url = await postgres.new_database()
    a, b = await _two(url)
    try:
        reply = Reply(text="Doors open")
        deliveries = [
            outbox.Delivery(f"k{i}", "t", "discord", "dm", str(i), reply) for i in range(300)
        ]
        async with a.transaction() as tx:
            assert await outbox.enqueue(tx, deliveries, NOW) == 300
        claimed: dict[str, list[int]] = {"a": [], "b": []}

        async def drain(name: str, store: Store) -> None:
            while rows := await outbox.claim_due(store, "discord", NOW, 16):
                claimed[name] += [r.id for r in rows]
                await asyncio.sleep(0)

        await asyncio.gather(*(drain(n, s) for n, s in (("a", a), ("b", b)) for _ in range(3)))
        both = claimed["a"] + claimed["b"]
        assert sorted(both) == sorted(set(both)) and len(both) == 300  # once each
        assert claimed["a"] and claimed["b"]  # both instances took a share
        assert await outbox.summary(a) == [("discord", outbox.SENDING, 300)]
    finally:
        await a.close()
        await b.close()


async def test_a_lock_has_one_holder_until_its_store_closes(postgres: PostgresServer) -> None:
    url = await postgres.new_database()
    a, b = await _two(url)
    assert isinstance(a, PostgresStore) and isinstance(b, PostgresStore)
    try:
        assert await a.hold("forum-bot:test")
        assert not await b.hold("forum-bot:test")
        await a.close()
        assert await b.hold("forum-bot:test")
    finally:
        await b.close()


# ---- the tests' own databases ----------------------------------------------------------


async def test_a_test_database_comes_back_empty_unless_its_schema_changed(
    postgres: PostgresServer,
) -> None:
    """tests/postgres.py hands a finished test's database to the next one only emptied,
    its ids numbered from 1 again, and never one whose schema a test changed."""
    url = await postgres.new_database()
    store = await open_store(url)
    first = await ann.create(store, "Hello", ("all",), NOW, ann.SCHEDULED, "k", "org", NOW)
    await store.close()
    await postgres.recycle(url)
    assert await postgres.new_database() == url  # the same, again
    store = await open_store(url)
    try:
        assert await ann.pending(store) == []
        again = await ann.create(store, "Hello", ("all",), NOW, ann.SCHEDULED, "k", "org", NOW)
        assert again == first == 1
        await store.execute("CREATE INDEX extra ON announcements (text)")
    finally:
        await store.close()
    await postgres.recycle(url)
    assert await postgres.new_database() != url
