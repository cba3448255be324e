"""The schema, as a list of steps; the file's PRAGMA user_version says how many ran.

Append new steps, never edit old ones: a database at version N runs steps N+1... only.
SQL stays portable (PostgreSQL later): TEXT timestamps in UTC ISO 8601, no SQLite-only types.
"""

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
]
