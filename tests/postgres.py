"""A throw-away PostgreSQL for the tests: Debian's server (the `postgresql` package, which
README's test command installs when missing) run by initdb and pg_ctl on a temporary folder
and a free port of 127.0.0.1, and stopped when the tests end.

Not pytest-postgresql's `postgresql_proc`: pg_ctl and initdb refuse to run as root, as CI
does, and its data folder lies under pytest's own temporary folder, which only root may
enter. Here, as root, the server runs as the `postgres` user the package made, from a
folder of its own. Each test gets a database of its own with the schema: a copy of a
template (`CREATE DATABASE ... TEMPLATE`), or one a finished test left, emptied
(`recycle`), since a copy takes a quarter of a second on a busy machine.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path
from typing import Any

# What every test connects as. Password authentication over TCP, as in production, so a
# wrong password is refused for real.
USER = "postgres"
PASSWORD = "forum-bot-tests"  # a throw-away server on 127.0.0.1
# The database each test's is copied from, with every migration applied.
TEMPLATE = "forum_template"


_SCHEMA_DIGEST = """
SELECT md5(string_agg(part, ',' ORDER BY part)) FROM (
    SELECT concat_ws(':', c.relname, a.attname, format_type(a.atttypid, a.atttypmod),
                     a.attnotnull, a.attcollation, a.attidentity) AS part
    FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
    WHERE c.relnamespace = 'public'::regnamespace AND a.attnum > 0 AND NOT a.attisdropped
    UNION ALL SELECT pg_get_indexdef(x.indexrelid) FROM pg_index x
    JOIN pg_class c ON c.oid = x.indexrelid WHERE c.relnamespace = 'public'::regnamespace
    UNION ALL SELECT conname || pg_get_constraintdef(oid) FROM pg_constraint
    WHERE connamespace = 'public'::regnamespace
    UNION ALL SELECT pg_get_expr(d.adbin, d.adrelid) FROM pg_attrdef d
    JOIN pg_class c ON c.oid = d.adrelid WHERE c.relnamespace = 'public'::regnamespace
    UNION ALL SELECT tgname FROM pg_trigger WHERE NOT tgisinternal
) AS parts
"""
# Every row of every table but the schema's version deleted, foreign keys unchecked
# meanwhile (the order does not matter), and the numbering of ids restarted: in one trip.
_EMPTY = """
DO $$
DECLARE t text;
BEGIN
    SET LOCAL session_replication_role = replica;
    FOR t IN SELECT quote_ident(tablename) FROM pg_tables
             WHERE schemaname = 'public' AND tablename <> 'schema_version' LOOP
        EXECUTE 'DELETE FROM ' || t;
    END LOOP;
    PERFORM setval(format('%I', sequencename)::regclass, 1, false) FROM pg_sequences
    WHERE schemaname = 'public' AND last_value IS NOT NULL;
END
$$
"""


class NoPostgres(Exception):
    """No PostgreSQL server is installed here; the message says what to install."""


def server_binaries() -> Path:
    """The folder of the newest installed PostgreSQL's initdb and pg_ctl."""
    found = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"),
        key=lambda p: int(p.parts[-3]) if p.parts[-3].isdigit() else 0,
    )
    if found:
        return found[-1].parent
    on_path = shutil.which("pg_ctl")  # elsewhere than Debian (Homebrew, another distribution)
    if on_path:
        return Path(on_path).parent
    raise NoPostgres(
        "PostgreSQL's server is not installed (no pg_ctl): install Debian's `postgresql` "
        "package (README's test command does)"
    )


def free_port() -> int:
    """A port of 127.0.0.1 that nothing listens on (now)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class PostgresServer:
    """One running throw-away server; `stop()` ends it and removes its folder."""

    def __init__(self, folder: Path, port: int, run_as: str | None) -> None:
        self.folder = folder
        self.port = port
        self._run_as = run_as
        self._made = 0
        # The template's schema (None: not made yet); databases ready for another test.
        self._fingerprint: str | None = None
        self._spare: list[str] = []

    @classmethod
    def start(cls) -> PostgresServer:
        """initdb and start a server; raises NoPostgres when none is installed."""
        binaries = server_binaries()
        # pg_ctl and initdb refuse root: then the server runs as the package's own user.
        run_as = None
        if os.geteuid() == 0:
            try:
                run_as = pwd.getpwnam(USER).pw_name
            except KeyError:
                raise NoPostgres(
                    "running as root, with no `postgres` user to run the server as"
                ) from None
        folder = Path(tempfile.mkdtemp(prefix="forum-bot-pg-"))
        if run_as is not None:
            shutil.chown(folder, run_as)
        data = folder / "data"
        password_file = folder / "password"
        password_file.write_text(PASSWORD)
        if run_as is not None:
            shutil.chown(password_file, run_as)
        server: PostgresServer | None = None
        try:
            cls._run(
                run_as,
                str(binaries / "initdb"),
                "-D",
                str(data),
                "-U",
                USER,
                f"--pwfile={password_file}",
                "--auth-local=trust",
                "--auth-host=scram-sha-256",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
                "--no-sync",
            )
            for attempt in range(3):  # a port taken between choosing it and binding it
                port = free_port()
                # Durability is not what is tested here: no fsync, nothing waits for disks.
                options = (
                    f"-p {port} -c listen_addresses=127.0.0.1 -k {folder} -c fsync=off "
                    "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
                )
                try:
                    cls._run(
                        run_as,
                        str(binaries / "pg_ctl"),
                        "start",
                        "-w",
                        "-D",
                        str(data),
                        "-l",
                        str(folder / "log"),
                        "-o",
                        options,
                    )
                except subprocess.CalledProcessError:
                    if attempt == 2:
                        raise
                    continue
                server = cls(folder, port, run_as)
                break
        except subprocess.CalledProcessError as exc:
            log = folder / "log"
            said = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            shutil.rmtree(folder, ignore_errors=True)
            raise NoPostgres(f"PostgreSQL did not start: {exc.output!r} {said}") from exc
        assert server is not None
        server._binaries = binaries
        return server

    _binaries: Path

    @staticmethod
    def _run(run_as: str | None, *command: str) -> None:
        env = {**os.environ, "LC_ALL": "C.UTF-8", "LANG": "C.UTF-8"}
        env.pop("PGDATA", None)
        # The server started by pg_ctl keeps running: its output goes to the log file, not
        # to a pipe that would keep this call waiting.
        subprocess.run(
            command,
            check=True,
            user=run_as,
            env=env,
            cwd="/",
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            timeout=60,
        )

    def dsn(self, database: str = "postgres", password: str = PASSWORD) -> str:
        """The address of one of its databases, as FORUM_BOT_DATABASE_URL takes it."""
        return f"postgresql://{USER}:{password}@127.0.0.1:{self.port}/{database}"

    async def sql(self, *statements: str) -> None:
        """Run statements on the `postgres` database (CREATE DATABASE, roles...)."""
        conn = await self._admin("postgres")
        try:
            for statement in statements:
                await conn.execute(statement)
        finally:
            await conn.close()

    async def _admin(self, database: str) -> Any:
        """A connection of the tests' own to `database`, through the server's socket in
        its folder (trusted: no password to hash at every test)."""
        import asyncpg

        return await asyncpg.connect(
            host=str(self.folder), port=self.port, user=USER, database=database
        )

    async def new_database(self, schema: bool = True) -> str:
        """A database of the caller's own: with the bot's schema (a copy of the template,
        made on first use, or one a finished test left and `recycle` emptied), or with
        nothing in it; returns its address."""
        if schema and self._spare:
            return self._spare.pop()
        if schema and self._fingerprint is None:
            await self.sql(f"CREATE DATABASE {TEMPLATE}")
            from bot.storage import open_store

            made = await open_store(self.dsn(TEMPLATE))  # every migration, once
            await made.close()
            conn = await self._admin(TEMPLATE)
            try:
                self._fingerprint = await conn.fetchval(_SCHEMA_DIGEST)
            finally:
                await conn.close()
        self._made += 1
        name = f"test_{os.getpid()}_{self._made}"
        await self.sql(f"CREATE DATABASE {name} TEMPLATE {TEMPLATE if schema else 'template0'}")
        return self.dsn(name)

    async def recycle(self, dsn: str) -> None:
        """Empty a database `new_database` gave, for the next test to get it as new: its
        rows deleted, its numbering restarted. Copying the template takes PostgreSQL a
        quarter of a second on a busy machine, deleting a test's few rows milliseconds.
        A database whose schema the test changed is left alone instead."""
        conn = await self._admin(dsn.rsplit("/", 1)[1])
        try:
            if await conn.fetchval(_SCHEMA_DIGEST) != self._fingerprint:
                return
            await conn.execute(_EMPTY)
        finally:
            await conn.close()
        self._spare.append(dsn)

    def stop(self) -> None:
        """Stop the server at once (nothing in it is kept) and remove its folder."""
        with contextlib.suppress(subprocess.CalledProcessError, subprocess.TimeoutExpired):
            self._run(
                self._run_as,
                str(self._binaries / "pg_ctl"),
                "stop",
                "-D",
                str(self.folder / "data"),
                "-m",
                "immediate",
            )
        shutil.rmtree(self.folder, ignore_errors=True)
