"""Every migration step on both engines: after each step, an SQLite file and a PostgreSQL
database have the same tables, columns, primary keys, unique constraints and indexes,
and say the same schema version; each step runs on a database left at the one before."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from bot.storage import Store, open_store
from bot.storage import db as sqlite_store
from bot.storage import postgres as postgres_store
from bot.storage.base import POSTGRESQL
from bot.storage.migrations import MIGRATIONS, for_postgres, split
from tests.postgres import PostgresServer

Schema = dict[str, dict[str, Any]]


async def schema_of(store: Store) -> Schema:
    """The schema as both engines can say it: per table, its columns (a type family and
    whether NULL is refused), primary key, unique constraints and named indexes."""
    if store.engine == POSTGRESQL:
        return await _postgres_schema(store)
    return await _sqlite_schema(store)


_FAMILY = {
    "INTEGER": "integer",
    "bigint": "integer",
    "TEXT": "text",
    "text": "text",
    "REAL": "real",
    "double precision": "real",
}


async def _sqlite_schema(store: Store) -> Schema:
    schema: Schema = {}
    tables = await store.fetchall(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    )
    for (table,) in tables:
        columns = await store.fetchall(f"PRAGMA table_info({table})")
        primary = tuple(c["name"] for c in sorted(columns, key=lambda c: c["pk"]) if c["pk"])
        found: dict[str, Any] = {
            "columns": {
                c["name"]: (_FAMILY[c["type"]], bool(c["notnull"]) or c["name"] in primary)
                for c in columns
            },
            "primary": primary,
            "unique": set(),
            "indexes": {},
        }
        for index in await store.fetchall(f"PRAGMA index_list({table})"):
            keys = await store.fetchall(f"PRAGMA index_xinfo({index['name']})")
            cols = tuple(
                k["name"] + (" DESC" if k["desc"] else "") for k in keys if k["key"] and k["name"]
            )
            if index["origin"] == "u":
                found["unique"].add(cols)
            elif index["origin"] == "c":
                found["indexes"][index["name"]] = (cols, bool(index["unique"]))
        schema[table] = found
    return schema


async def _postgres_schema(store: Store) -> Schema:
    schema: Schema = {}
    tables = await store.fetchall(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' "
        "AND table_name <> 'schema_version'"
    )
    for (table,) in tables:
        columns = await store.fetchall(
            "SELECT column_name, data_type, is_nullable FROM information_schema.columns "
            "WHERE table_schema = 'public' AND table_name = ? ORDER BY ordinal_position",
            (table,),
        )
        indexes = await store.fetchall(
            "SELECT i.relname, x.indisunique, x.indisprimary, c.contype::text AS contype, "
            "ARRAY(SELECT pg_get_indexdef(x.indexrelid, k + 1, true) "
            "      FROM generate_subscripts(x.indkey, 1) AS k ORDER BY k) AS keys, "
            "ARRAY(SELECT (x.indoption[k] & 1) = 1 "
            "      FROM generate_subscripts(x.indkey, 1) AS k ORDER BY k) AS descs "
            "FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid "
            "LEFT JOIN pg_constraint c ON c.conindid = x.indexrelid AND c.contype IN ('p', 'u') "
            "WHERE x.indrelid = ?::regclass",
            (table,),
        )
        found: dict[str, Any] = {
            "columns": {
                c["column_name"]: (_FAMILY[c["data_type"]], c["is_nullable"] == "NO")
                for c in columns
            },
            "primary": (),
            "unique": set(),
            "indexes": {},
        }
        for index in indexes:
            cols = tuple(
                # A name that is also a keyword ("position") comes quoted.
                k.strip('"') + (" DESC" if d else "")
                for k, d in zip(index["keys"], index["descs"], strict=True)
            )
            if index["indisprimary"]:
                found["primary"] = cols
            elif index["contype"] == "u":
                found["unique"].add(cols)
            else:
                found["indexes"][index["relname"]] = (cols, bool(index["indisunique"]))
        schema[table] = found
    return schema


async def test_each_step_makes_the_same_schema_on_both_engines(
    postgres: PostgresServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    file = tmp_path / "bot.sqlite"
    url = await postgres.new_database(schema=False)
    seen: list[Schema] = []
    for version in range(1, len(MIGRATIONS) + 1):
        # This forum-bot as it was when `version` was its latest step.
        for module in (sqlite_store, postgres_store):
            monkeypatch.setattr(module, "MIGRATIONS", MIGRATIONS[:version])
        schemas = []
        for where in (file, url):
            store = await open_store(where)
            try:
                assert await store.schema_version() == version
                schemas.append(await schema_of(store))
            finally:
                await store.close()
        sqlite, postgresql = schemas
        assert sqlite == postgresql, f"step {version}"
        assert not seen or sqlite != seen[-1], f"step {version} changed nothing"
        seen.append(sqlite)
    # The last schema is the one a new database gets at once.
    monkeypatch.undo()
    fresh = await open_store(await postgres.new_database(schema=False))
    try:
        assert await schema_of(fresh) == seen[-1]
    finally:
        await fresh.close()


def test_postgres_words_for_sqlite_types() -> None:
    assert for_postgres("CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER NOT NULL)") == (
        "CREATE TABLE t (id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, n BIGINT NOT NULL)"
    )
    assert for_postgres("ALTER TABLE t ADD COLUMN text TEXT") == (
        'ALTER TABLE t ADD COLUMN text TEXT COLLATE "C"'
    )
    # Names are lower case, and never translated.
    assert for_postgres("CREATE INDEX text_by_integer ON t (text, integer)") == (
        "CREATE INDEX text_by_integer ON t (text, integer)"
    )


def test_every_column_type_is_one_the_translation_knows() -> None:
    """Our steps declare INTEGER, TEXT and REAL columns only, in upper case, so
    `for_postgres` sees every type; names are lower case."""
    types: set[str] = set()
    for statement in (s for step in MIGRATIONS for s in split(step)):
        body = statement.split("(", 1)[1] if statement.startswith("CREATE TABLE") else ""
        for line in body.splitlines():
            match = re.match(r"\s*([a-z_]+)\s+([A-Za-z]+)", line)
            if match and match.group(1) not in ("primary",):
                types.add(match.group(2))
        added = re.match(r"ALTER TABLE \w+ ADD COLUMN \w+ (\w+)", statement)
        if added:
            types.add(added.group(1))
    assert types == {"INTEGER", "TEXT", "REAL"}
    # PostgreSQL's own REAL has 4 bytes: epoch seconds in it would be 128 s apart.
    assert for_postgres("next_at REAL NOT NULL") == "next_at DOUBLE PRECISION NOT NULL"
