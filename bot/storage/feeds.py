"""Private calendar feeds: one subscription address per person (/calendar).

The address carries a token that the bot's secret makes from a random nonce kept here
(`sign` is `Keys.token`): only this bot can make it, it says nothing of who the person is,
and /calendar can give it again without keeping it. The table keeps the token's SHA-256,
by which a request is found. A new nonce (/calendar reset) makes a new token, and the old
one finds nothing; so does every token once the secret changes.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from bot.storage.base import Store

MINE = "mine"  # the person's /remind sessions
ALL = "all"  # the whole programme (their /remind sessions with their alarms)
SCOPES = (MINE, ALL)
# What `Keys.token` makes: 32 lowercase hex digits. Anything else is no token of ours and
# is refused before it reaches the database.
_TOKEN = re.compile(r"[0-9a-f]{32}")

Sign = Callable[[str], str]


@dataclass(frozen=True)
class Feed:
    """One person's feed: whose, the nonce its token is made from, and what it shows."""

    user_key: str
    nonce: str
    token_hash: str
    scope: str


def hashed(token: str) -> str:
    """What the table keeps of a token (a random 128-bit one: no salt or key needed)."""
    return hashlib.sha256(token.encode()).hexdigest()


def _token(sign: Sign, user_key: str, nonce: str) -> str:
    return sign(f"calendar\x00{user_key}\x00{nonce}")


async def of_user(store: Store, user_key: str) -> Feed | None:
    """The person's feed, or None when they never asked for one."""
    row = await store.fetchone(
        "SELECT user_key, nonce, token_hash, scope FROM calendar_feeds WHERE user_key = ?",
        (user_key,),
    )
    return None if row is None else Feed(*(str(v) for v in tuple(row)))


async def by_token(store: Store, sign: Sign, token: str) -> tuple[Feed, dict[str, int]] | None:
    """The feed whose address carries `token`, with its person's reminders (minutes by
    session id); None for anything else (unknown, revoked, made with another secret, or
    no token at all), alike.

    Every poll of every subscribed calendar asks this: both are read at once, in place
    while the connection is idle (`Store.fetch_each`), not in two trips to its thread."""
    if not _TOKEN.fullmatch(token):
        return None
    key = hashed(token)
    found, reminders = await store.fetch_each(
        [
            (
                "SELECT user_key, nonce, token_hash, scope FROM calendar_feeds "
                "WHERE token_hash = ?",
                (key,),
            ),
            (
                "SELECT session_id, minutes FROM subscriptions WHERE user_key = "
                "(SELECT user_key FROM calendar_feeds WHERE token_hash = ?)",
                (key,),
            ),
        ]
    )
    if not found:
        return None
    feed = Feed(*(str(v) for v in tuple(found[0])))
    # Still what the secret makes of the nonce: a new secret revokes every address.
    if not hmac.compare_digest(_token(sign, feed.user_key, feed.nonce), token):
        return None
    return feed, {str(r[0]): int(r[1]) for r in reminders}


async def issue(
    store: Store,
    sign: Sign,
    user_key: str,
    now: datetime,
    *,
    scope: str | None = None,
    reset: bool = False,
) -> tuple[Feed, str]:
    """The person's feed and its token: the one they have (showing `scope` from now on,
    when given), or a new one the first time and on `reset` (the old token then finds
    nothing). One write, and only when something changed."""
    if scope is not None and scope not in SCOPES:
        raise ValueError(f"unknown feed scope {scope!r}")
    old = await of_user(store, user_key)
    nonce = old.nonce if old is not None and not reset else secrets.token_hex(16)
    token = _token(sign, user_key, nonce)
    feed = Feed(user_key, nonce, hashed(token), scope or (old.scope if old else MINE))
    # The same nonce can hash anew: the secret changed since, and with it the token.
    if feed != old:
        await store.execute(
            "INSERT INTO calendar_feeds (user_key, nonce, token_hash, scope, updated_at) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT (user_key) DO UPDATE SET "
            "nonce = excluded.nonce, token_hash = excluded.token_hash, "
            "scope = excluded.scope, updated_at = excluded.updated_at",
            (feed.user_key, feed.nonce, feed.token_hash, feed.scope, now.isoformat()),
        )
    return feed, token
