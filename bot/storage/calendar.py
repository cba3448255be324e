"""Calendar SEQUENCE numbers: a session's number rises each time what a calendar shows of
it changes, so calendar apps update their copy of an exported session instead of keeping
the old one (RFC 5545: a higher SEQUENCE with the same UID is a newer version)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from datetime import datetime

from bot.programme import Session
from bot.storage.base import Store


def digest(session: Session) -> str:
    """A fingerprint of what a calendar shows of the session."""
    visible = [
        session.title.en,
        session.title.ko,
        session.start.timestamp(),
        session.end.timestamp(),
        session.room,
        session.abstract.en,
        session.abstract.ko,
        session.url,
        list(session.speakers),
        list(session.chairs),
    ]
    text = json.dumps(visible, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


async def sequences(store: Store, sessions: Sequence[Session], now: datetime) -> dict[str, int]:
    """Each session's SEQUENCE for a calendar file made `now`: 0 the first time, the same
    while the session is unchanged, one more after each change (kept, in one transaction).

    `now` is when the file is made; the numbers depend only on the sessions' contents."""
    del now  # SEQUENCE counts changes, not time; the parameter keeps exporters uniform
    wanted = {s.id: digest(s) for s in sessions}
    out: dict[str, int] = {}
    async with store.transaction() as tx:
        rows = await tx.fetchall("SELECT session_id, digest, sequence FROM calendar_versions")
        known = {str(r[0]): (str(r[1]), int(r[2])) for r in rows}
        for sid, fingerprint in wanted.items():
            old = known.get(sid)
            if old is not None and old[0] == fingerprint:
                out[sid] = old[1]
                continue
            out[sid] = 0 if old is None else old[1] + 1
            await tx.execute(
                "INSERT INTO calendar_versions (session_id, digest, sequence) VALUES (?, ?, ?) "
                "ON CONFLICT (session_id) DO UPDATE SET digest = excluded.digest, "
                "sequence = excluded.sequence",
                (sid, fingerprint, out[sid]),
            )
    return out
