"""The schema, as a list of steps, the same for both engines; SQLite's PRAGMA user_version
(PostgreSQL's `schema_version` table) says how many ran.

Append new steps, never edit old ones: a database at version N runs steps N+1... only.
SQL stays portable: TEXT timestamps in UTC ISO 8601, INTEGER numbers (REAL seconds where a
fraction matters), no engine's own types.
The steps are written in SQLite's words; `for_postgres` says each in PostgreSQL's.
"""

from __future__ import annotations

import re

MIGRATIONS: list[str] = [
    # 1: per-user preferences, keyed by "platform:user id".
    """
    CREATE TABLE user_prefs (
        user_key   TEXT PRIMARY KEY,
        timezone   TEXT,
        language   TEXT,
        updated_at TEXT NOT NULL
    );
    """,
    # 2: targets that refuse messages for good (Discord 50007, a deleted channel).
    """
    CREATE TABLE delivery_blocks (
        platform TEXT NOT NULL,
        target   TEXT NOT NULL,
        code     INTEGER,
        reason   TEXT NOT NULL,
        at       TEXT NOT NULL,
        PRIMARY KEY (platform, target)
    );
    """,
    # 3: the outbox (every message the bot sends on its own), personal reminders,
    # announcements and the audit log.
    """
    CREATE TABLE outbox (
        id              INTEGER PRIMARY KEY,
        dedup_key       TEXT NOT NULL UNIQUE,
        topic           TEXT NOT NULL,
        platform        TEXT NOT NULL,
        target_kind     TEXT NOT NULL,
        target          TEXT NOT NULL,
        payload         TEXT NOT NULL,
        status          TEXT NOT NULL,
        attempts        INTEGER NOT NULL DEFAULT 0,
        next_attempt_at TEXT NOT NULL,
        created_at      TEXT NOT NULL,
        sent_at         TEXT,
        channel_id      TEXT,
        message_id      TEXT,
        last_error      TEXT
    );
    CREATE INDEX outbox_due ON outbox (platform, status, next_attempt_at);
    CREATE INDEX outbox_topic ON outbox (topic, status);
    CREATE TABLE subscriptions (
        user_key   TEXT NOT NULL,
        platform   TEXT NOT NULL,
        user_id    TEXT NOT NULL,
        session_id TEXT NOT NULL,
        minutes    INTEGER NOT NULL,
        created_at TEXT NOT NULL,
        PRIMARY KEY (user_key, session_id)
    );
    CREATE INDEX subscriptions_session ON subscriptions (session_id);
    CREATE TABLE announcements (
        id          INTEGER PRIMARY KEY,
        text        TEXT NOT NULL,
        targets     TEXT NOT NULL,
        send_at     TEXT NOT NULL,
        status      TEXT NOT NULL,
        author_key  TEXT NOT NULL,
        author_name TEXT NOT NULL,
        created_at  TEXT NOT NULL,
        updated_at  TEXT NOT NULL
    );
    CREATE INDEX announcements_due ON announcements (status, send_at);
    CREATE TABLE audit_log (
        id         INTEGER PRIMARY KEY,
        at         TEXT NOT NULL,
        actor_key  TEXT NOT NULL,
        actor_name TEXT NOT NULL,
        action     TEXT NOT NULL,
        detail     TEXT NOT NULL
    );
    """,
    # 4: a delivery that is pointless after a moment (a reminder once its session is under
    # way) says so, and a sender restarting late drops it instead of sending it.
    """
    ALTER TABLE outbox ADD COLUMN expires_at TEXT;
    """,
    # 5: live Q&A. An anonymous question keeps no platform user id: only `author_key`, a
    # keyed hash (the secret is not in this file). Votes and blocks hold keyed hashes of
    # their own kinds, so no column links an anonymous question to a named person.
    """
    CREATE TABLE qa_sessions (
        session_id   TEXT PRIMARY KEY,
        state        TEXT,
        state_until  TEXT,
        moderated    INTEGER,
        highlight_id INTEGER,
        updated_at   TEXT NOT NULL
    );
    CREATE TABLE questions (
        id            INTEGER PRIMARY KEY,
        session_id    TEXT NOT NULL,
        body          TEXT NOT NULL,
        norm          TEXT NOT NULL,
        anonymous     INTEGER NOT NULL,
        author_key    TEXT,
        author_platform TEXT,
        author_id     TEXT,
        author_name   TEXT,
        status        TEXT NOT NULL,
        votes         INTEGER NOT NULL DEFAULT 0,
        reason        TEXT,
        created_at    TEXT NOT NULL,
        updated_at    TEXT NOT NULL
    );
    CREATE INDEX questions_by_session ON questions (session_id, status, votes);
    CREATE UNIQUE INDEX questions_norm ON questions (session_id, norm);
    CREATE TABLE question_votes (
        question_id INTEGER NOT NULL REFERENCES questions (id),
        voter_key   TEXT NOT NULL,
        PRIMARY KEY (question_id, voter_key)
    );
    CREATE TABLE qa_blocks (
        block_key  TEXT PRIMARY KEY,
        created_at TEXT NOT NULL
    );
    CREATE TABLE qa_log (
        id             INTEGER PRIMARY KEY,
        at             TEXT NOT NULL,
        question_id    INTEGER NOT NULL,
        action         TEXT NOT NULL,
        from_status    TEXT NOT NULL,
        to_status      TEXT NOT NULL,
        prev_highlight INTEGER,
        undone         INTEGER NOT NULL DEFAULT 0,
        actor_key      TEXT NOT NULL,
        actor_name     TEXT NOT NULL,
        reason         TEXT
    );
    """,
    # 6: what each session looked like in the last calendar file sent, and that file's
    # SEQUENCE: a calendar app updates its entry when the number rises (RFC 5545 3.8.7.4).
    """
    CREATE TABLE calendar_versions (
        session_id TEXT PRIMARY KEY,
        digest     TEXT NOT NULL,
        sequence   INTEGER NOT NULL
    );
    """,
    # 7: each person's DM channel, opened when they subscribe and kept: a DM at its due
    # time is then one request, not an open and a send.
    """
    CREATE TABLE dm_channels (
        platform   TEXT NOT NULL,
        user_id    TEXT NOT NULL,
        channel_id TEXT NOT NULL,
        opened_at  TEXT NOT NULL,
        PRIMARY KEY (platform, user_id)
    );
    """,
    # 8: a session's top questions (most votes first, then the oldest) and its newest ones
    # straight from an index, with no sort: the old (session, status, votes) index left
    # every question of a tie (most of a long session, at 0 votes) to be sorted for the
    # top ten, and every approved question for `/questions new`.
    """
    DROP INDEX questions_by_session;
    CREATE INDEX questions_by_rank ON questions (session_id, status, votes DESC, id);
    CREATE INDEX questions_by_time ON questions (session_id, status, id);
    """,
    # 9: a person's own questions (/myquestions, the audience page's "my questions" after
    # each of their votes) by their platform id or, anonymous, by their keyed hash: each
    # was a scan of every question.
    """
    CREATE INDEX questions_by_author ON questions (author_platform, author_id, id);
    CREATE INDEX questions_by_author_key ON questions (author_key, id);
    """,
    # 10: moderators edit, merge and translate questions. `lang` is the language a question
    # is written in; `original` its text as asked, once a moderator has edited it;
    # `translations` a JSON object {language: {"text", "by"}}, read with the row (every list
    # shows them, so no join); `merged_into` the question a merged one now counts for.
    # A vote copied onto that question by a merge names its source in `via`, so undoing
    # the merge removes exactly those; `detail` keeps what an edit, merge or translation
    # replaced (JSON), for the history and the undo.
    """
    ALTER TABLE questions ADD COLUMN lang TEXT;
    ALTER TABLE questions ADD COLUMN original TEXT;
    ALTER TABLE questions ADD COLUMN translations TEXT;
    ALTER TABLE questions ADD COLUMN merged_into INTEGER;
    ALTER TABLE question_votes ADD COLUMN via INTEGER;
    ALTER TABLE qa_log ADD COLUMN detail TEXT;
    ALTER TABLE qa_sessions ADD COLUMN auto_translate INTEGER;
    CREATE INDEX qa_log_by_question ON qa_log (question_id, id);
    """,
    # 11: each person's private calendar feed (/calendar). The address's token is made
    # from the bot's secret and `nonce` (random), so only this bot makes it and /calendar
    # can say it again; a request is found by the token's SHA-256 (`token_hash`), never
    # the token itself. A new nonce (/calendar reset) makes a new token: the old finds
    # nothing. `scope` is what the feed shows: "mine" (the /remind sessions) or "all".
    """
    CREATE TABLE calendar_feeds (
        user_key   TEXT PRIMARY KEY,
        nonce      TEXT NOT NULL,
        token_hash TEXT NOT NULL UNIQUE,
        scope      TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    """,
    # 12: the programme as Discord scheduled events. One row per (server, session): the
    # event the bot made for it and a digest of what it last wrote there. A row without
    # an event id is a create sent whose answer was not stored (a stop in between): the
    # next sync finds that event by its digest among the bot's own, or sends it again.
    # `discord_event_syncs` keeps each server's last sync for `forum-bot status`: sessions
    # left without an event (Discord's 100 upcoming events per server) and why.
    """
    CREATE TABLE discord_events (
        guild_id   TEXT NOT NULL,
        session_id TEXT NOT NULL,
        event_id   TEXT,
        digest     TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (guild_id, session_id)
    );
    CREATE INDEX discord_events_by_session ON discord_events (session_id);
    CREATE TABLE discord_event_syncs (
        guild_id TEXT PRIMARY KEY,
        at       TEXT NOT NULL,
        linked   INTEGER NOT NULL,
        missing  INTEGER NOT NULL,
        problem  TEXT
    );
    """,
    # 13: live polls. A poll is for
    # one session or (no session_id) the whole event; `poll_key` is the id an event file
    # declares it under, so a restart finds it again. A ballot row is one option chosen
    # by one voter, known only by a keyed hash ("poll voter"); `press` names the button
    # press that wrote it, so a press on a chosen option of a multiple-choice poll takes
    # it back in the same batch that would add it. The counts on the option and poll
    # rows are recounted from the ballots in the transaction of each vote.
    """
    CREATE TABLE polls (
        id            INTEGER PRIMARY KEY,
        poll_key      TEXT UNIQUE,
        session_id    TEXT,
        question_en   TEXT NOT NULL,
        question_ko   TEXT NOT NULL,
        multiple      INTEGER NOT NULL,
        hidden        INTEGER NOT NULL,
        status        TEXT NOT NULL,
        open_on_start INTEGER NOT NULL,
        minutes       INTEGER,
        opened_at     TEXT,
        closes_at     TEXT,
        closed_at     TEXT,
        voters        INTEGER NOT NULL DEFAULT 0,
        created_by    TEXT NOT NULL,
        created_at    TEXT NOT NULL,
        updated_at    TEXT NOT NULL
    );
    CREATE INDEX polls_by_session ON polls (session_id, id);
    CREATE INDEX polls_by_status ON polls (status);
    CREATE TABLE poll_options (
        poll_id  INTEGER NOT NULL REFERENCES polls (id),
        position INTEGER NOT NULL,
        label_en TEXT NOT NULL,
        label_ko TEXT NOT NULL,
        votes    INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (poll_id, position)
    );
    CREATE TABLE poll_votes (
        poll_id   INTEGER NOT NULL,
        position  INTEGER NOT NULL,
        voter_key TEXT NOT NULL,
        press     INTEGER NOT NULL,
        PRIMARY KEY (poll_id, voter_key, position),
        FOREIGN KEY (poll_id, position) REFERENCES poll_options (poll_id, position)
    );
    CREATE INDEX poll_votes_by_option ON poll_votes (poll_id, position);
    """,
    # 14: several instances on one database: each one's heartbeat, and which instance
    # claimed an outbox row (its claim is taken back only once that instance is dead).
    """
    CREATE TABLE instances (
        id           TEXT PRIMARY KEY,
        host         TEXT NOT NULL,
        pid          INTEGER NOT NULL,
        started_at   TEXT NOT NULL,
        heartbeat_at TEXT NOT NULL,
        leader       INTEGER NOT NULL DEFAULT 0
    );
    ALTER TABLE outbox ADD COLUMN claimed_by TEXT;
    """,
    # 15: the agenda in force, for the instances sharing a PostgreSQL database: the last
    # one applied (JSON), its version, and which instance applied it. One row (id 1).
    """
    CREATE TABLE running_agenda (
        id         INTEGER PRIMARY KEY CHECK (id = 1),
        version    INTEGER NOT NULL,
        agenda     TEXT NOT NULL,
        applied_by TEXT NOT NULL,
        applied_at TEXT NOT NULL
    );
    """,
    # 16: closed polls' results a moderator took off a session's screen (an event's poll
    # is taken off each session's screen by its own moderators). In the database, not in
    # one instance's memory: every instance serves the screens.
    """
    CREATE TABLE poll_screens_off (
        poll_id    INTEGER NOT NULL REFERENCES polls (id),
        session_id TEXT NOT NULL,
        at         TEXT NOT NULL,
        PRIMARY KEY (poll_id, session_id)
    );
    """,
    # 17: rate budgets shared by the instances (bot/storage/budgets.py): per platform
    # limit, its next free slot in the database server's epoch seconds (used on
    # PostgreSQL only; SQLite's one process paces in memory).
    """
    CREATE TABLE rate_budgets (
        name    TEXT PRIMARY KEY,
        next_at REAL NOT NULL
    );
    """,
]


def split(script: str) -> list[str]:
    """A step's statements (our migrations hold no semicolons in strings)."""
    return [s.strip() for s in script.split(";") if s.strip()]


# SQLite's words and PostgreSQL's, in the column types our steps use (upper case: our
# names are lower case). INTEGER PRIMARY KEY is SQLite's rowid, a number given on insert;
# INTEGER is 64 bits there, as BIGINT is; TEXT compares byte by byte there (BINARY), as
# COLLATE "C" does: ISO timestamps compared as text, and every ORDER BY, agree on both.
# REAL is an 8-byte float there, as DOUBLE PRECISION is (PostgreSQL's REAL has 4 bytes:
# epoch seconds in it would be 128 s apart).
_POSTGRES_TYPES = (
    (re.compile(r"\bINTEGER PRIMARY KEY\b"), "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY"),
    (re.compile(r"\bINTEGER\b"), "BIGINT"),
    (re.compile(r"\bTEXT\b"), 'TEXT COLLATE "C"'),
    (re.compile(r"\bREAL\b"), "DOUBLE PRECISION"),
)


def for_postgres(statement: str) -> str:
    """One migration statement in PostgreSQL's words."""
    for pattern, replacement in _POSTGRES_TYPES:
        statement = pattern.sub(replacement, statement)
    return statement


def postgres_statements(script: str) -> list[str]:
    """A step's statements, as PostgreSQL runs them."""
    return [for_postgres(s) for s in split(script)]
