"""Who asked and who voted, without keeping who they are: keyed hashes of a person, one
kind per purpose, under a secret kept beside the database (or FORUM_BOT_SECRET). A copy of
the database alone names nobody; the same person still gets one vote per question."""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from pathlib import Path

from bot.core.model import UserRef
from bot.storage.faults import os_fault
from bot.storage.files import write_whole

log = logging.getLogger(__name__)

# A key we made is 64 hex digits; anything shorter in the file is a write cut short.
_SECRET_MIN = 32


def load_secret(configured: str | None, db_path: Path) -> bytes:
    """The key of the keyed hashes: FORUM_BOT_SECRET, else a random one kept beside the
    database (readable by the bot's user only), so that votes and blocks survive restarts
    while a copy of the database alone reveals nobody."""
    if configured:
        return configured.encode("utf-8")
    if str(db_path) == ":memory:":
        return secrets.token_bytes(32)
    path = db_path.with_name(db_path.name + ".secret")
    try:
        kept = path.read_bytes().strip()
    except FileNotFoundError:
        kept = b""
    except OSError as exc:
        raise os_fault(path, exc, "read the Q&A secret") from exc
    if len(kept) >= _SECRET_MIN:
        return kept
    if kept:
        log.warning("the Q&A secret in %s is cut short; making a new one", path)
    made = secrets.token_hex(32).encode("ascii")
    # Written beside it, flushed to disk, then renamed into place: a crash leaves the
    # old file or the whole new one, never an empty key (which once made every process
    # pick a random key of its own, so moderators' links changed at each start).
    try:
        write_whole(path, made, mode=0o600, sync=True)
    except OSError as exc:
        raise os_fault(path, exc, "write the Q&A secret") from exc
    log.info("made a Q&A secret in %s; set FORUM_BOT_SECRET to choose your own", path)
    return made


class Keys:
    """Keyed hashes of a person, one kind per purpose (see the module's docstring)."""

    def __init__(self, secret: bytes) -> None:
        self._secret = secret

    def _hash(self, purpose: str, user: UserRef) -> str:
        message = f"{purpose}\x00{user.platform}\x00{user.id}".encode()
        return hmac.new(self._secret, message, hashlib.sha256).hexdigest()[:40]

    def author(self, user: UserRef) -> str:
        return self._hash("author", user)

    def voter(self, user: UserRef) -> str:
        return self._hash("voter", user)

    def block(self, user: UserRef) -> str:
        return self._hash("block", user)

    def poll_voter(self, user: UserRef) -> str:
        """A poll's voter (bot.polls): one ballot per person per platform identity, and
        no column that matches their Q&A votes."""
        return self._hash("poll voter", user)

    def token(self, purpose: str) -> str:
        """A bearer token for a web page (e.g. "moderate:<session>")."""
        digest = hmac.new(self._secret, f"token\x00{purpose}".encode(), hashlib.sha256)
        return digest.hexdigest()[:32]

    def tag(self, purpose: str, value: str) -> str:
        """A signature of `value` for one purpose (a web device's cookie, a form's CSRF
        token): only this secret makes it, and one purpose's tag is no other's."""
        message = f"tag\x00{purpose}\x00{value}".encode()
        return hmac.new(self._secret, message, hashlib.sha256).hexdigest()[:32]
