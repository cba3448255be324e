"""What changed between two versions of an agenda, session by session."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from bot.programme.model import Agenda, Session

MOVED = "moved"
RETITLED = "retitled"
ROOM = "room"
NEW = "new"
CANCELLED = "cancelled"


@dataclass(frozen=True)
class Change:
    """One change to one session; `old` is None for a new session, `new` for a cancelled one."""

    kind: str
    old: Session | None
    new: Session | None

    @property
    def session_id(self) -> str:
        """The session's id."""
        s = self.new or self.old
        assert s is not None
        return s.id


def diff(old: Agenda, new: Agenda) -> list[Change]:
    """Every change from `old` to `new`, in the new agenda's order (cancelled ones last)."""
    changes: list[Change] = []
    for s in new.sessions:
        before = old.session(s.id)
        if before is None:
            changes.append(Change(NEW, None, s))
            continue
        if (before.start, before.end) != (s.start, s.end):
            changes.append(Change(MOVED, before, s))
        if before.room != s.room:
            changes.append(Change(ROOM, before, s))
        if before.title != s.title:
            changes.append(Change(RETITLED, before, s))
    changes += [Change(CANCELLED, s, None) for s in old.sessions if new.session(s.id) is None]
    return changes


def digest(changes: list[Change]) -> str:
    """A short fingerprint of a set of changes: the same change is announced once."""
    h = hashlib.sha256()
    for c in changes:
        s = c.new or c.old
        assert s is not None
        h.update(
            f"{c.kind}|{s.id}|{s.start.isoformat()}|{s.end.isoformat()}|{s.room}|"
            f"{s.title.en}|{s.title.ko}\n".encode()
        )
    return h.hexdigest()[:16]
