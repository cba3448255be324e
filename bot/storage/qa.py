"""Live Q&A tables: questions, votes, blocks, per-session state and the moderation log.

Nothing here knows who a keyed hash belongs to: the keys come from `bot.qa.service`, which holds
the secret. Counts are kept on the question row, and every change of a count recomputes
it from the votes in the same transaction, so it is exact whatever runs concurrently.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from typing import Any

from bot.storage.base import Store, Transaction, in_lists

PENDING = "pending"
APPROVED = "approved"
REJECTED = "rejected"
ANSWERED = "answered"
# Merged into another question (`Question.merged_into`), which its votes now count for.
MERGED = "merged"
STATUSES = (PENDING, APPROVED, REJECTED, ANSWERED, MERGED)
# Who typed a translation, when no provider made it.
BY_MODERATOR = "moderator"

_SELECT = (
    "SELECT id, session_id, body, anonymous, author_platform, author_id, author_name, "
    "status, votes, reason, created_at, lang, original, translations, merged_into "
    "FROM questions "
)


@dataclass(frozen=True)
class Translation:
    """A question in another language: its text, and who made it (a moderator, or the
    machine-translation provider by name)."""

    text: str
    by: str

    @property
    def machine(self) -> bool:
        return self.by != BY_MODERATOR


@dataclass(frozen=True)
class Question:
    """One question as stored. An anonymous one keeps its author's platform (the surface
    it came from) and nothing else of them: no id, no name."""

    id: int
    session_id: str
    body: str
    anonymous: bool
    author_platform: str | None
    author_id: str | None
    author_name: str | None
    status: str
    votes: int
    reason: str | None
    # As stored (ISO 8601, UTC): parsed only when shown, since lists read many rows.
    asked: str
    lang: str | None = None  # the language it is written in, when known
    original: str | None = None  # the text as asked, once a moderator edited it
    # Its translations as stored (JSON), parsed only when shown: see `translations`.
    translated: str | None = None
    merged_into: int | None = None

    @property
    def created_at(self) -> datetime:
        """When it was asked."""
        return datetime.fromisoformat(self.asked)

    @property
    def edited(self) -> bool:
        return self.original is not None

    @cached_property
    def translations(self) -> Mapping[str, Translation]:
        """Its translations by language (none: an empty mapping)."""
        return _translations(self.translated)

    def in_language(self, lang: str) -> tuple[str, Translation | None]:
        """What a reader of `lang` reads first, and what beneath: the translation into
        their language over the original, when there is one; else the original, over
        nothing."""
        found = self.translations.get(lang) if lang != self.lang else None
        if found is None:
            return self.body, None
        return found.text, Translation(self.body, "original")


def _translations(stored: str | None) -> Mapping[str, Translation]:
    if not stored:
        return {}
    data = json.loads(stored)
    return {lang: Translation(str(t["text"]), str(t["by"])) for lang, t in data.items()}


def translations_json(found: Mapping[str, Translation]) -> str | None:
    """Translations as the column stores them (None for none)."""
    if not found:
        return None
    data = {lang: {"text": t.text, "by": t.by} for lang, t in sorted(found.items())}
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


@dataclass(frozen=True)
class SessionState:
    """What moderators set for one session (None: follow the agenda and the defaults)."""

    state: str | None  # "open" | "closed" | None
    until: datetime | None
    moderated: bool | None
    highlight_id: int | None
    auto_translate: bool | None = None


def _question(row: Any) -> Question:
    # By position, in _SELECT's order: the hot path of every listing.
    (
        qid,
        session_id,
        body,
        anonymous,
        platform,
        user_id,
        name,
        status,
        votes,
        reason,
        asked,
        lang,
        original,
        translated,
        merged_into,
    ) = row
    return Question(
        int(qid),
        session_id,
        body,
        bool(anonymous),
        platform,
        user_id,
        name,
        status,
        int(votes),
        reason,
        asked,
        lang,
        original,
        translated,
        merged_into,
    )


async def set_state(
    store: Store,
    session_id: str,
    state: str,
    until: datetime | None,
    now: datetime,
    moderated: bool | None = None,
) -> None:
    """Open or close a session's Q&A by hand (until a moment, or for good)."""
    await store.execute(
        "INSERT INTO qa_sessions (session_id, state, state_until, moderated, updated_at) "
        "VALUES (?, ?, ?, ?, ?) ON CONFLICT (session_id) DO UPDATE SET "
        "state = excluded.state, state_until = excluded.state_until, "
        "moderated = COALESCE(excluded.moderated, qa_sessions.moderated), "
        "updated_at = excluded.updated_at",
        (
            session_id,
            state,
            until.isoformat() if until else None,
            None if moderated is None else int(moderated),
            now.isoformat(),
        ),
    )


class Blocked(Exception):
    """The asker is blocked from asking."""


class Duplicate(Exception):
    """The session already has this question (normalised); `existing` is it."""

    def __init__(self, existing: Question) -> None:
        super().__init__(existing.id)
        self.existing = existing


async def add_question(
    store: Store,
    *,
    session_id: str,
    body: str,
    norm: str,
    anonymous: bool,
    author_key: str | None,
    author: tuple[str, str, str] | None,
    platform: str | None = None,
    status: str,
    now: datetime,
    block_keys: tuple[str, str],
    lang: str | None = None,
) -> Question:
    """Store a new question; raises Duplicate when the session already has it, and
    Blocked when either of `block_keys` is blocked (checked in the same statement).
    `author` (platform, id, name) is None for an anonymous question, which keeps only
    `platform`."""
    platform, user_id, name = author if author else (platform, None, None)
    stamp = now.isoformat()
    # Through the group commit, with the duplicate check in the same statement: a burst
    # of questions shares transactions, and two people asking the same thing at once
    # cannot both get in.
    added, rows = await store.batched_read(
        [
            (
                "INSERT INTO questions (session_id, body, norm, anonymous, author_key, "
                "author_platform, author_id, author_name, status, votes, created_at, "
                "updated_at, lang) SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ? WHERE NOT EXISTS "
                "(SELECT 1 FROM qa_blocks WHERE block_key IN (?, ?)) "
                "ON CONFLICT (session_id, norm) DO NOTHING",
                (
                    session_id,
                    body,
                    norm,
                    int(anonymous),
                    author_key,
                    platform,
                    user_id,
                    name,
                    status,
                    stamp,
                    stamp,
                    lang,
                    *block_keys,
                ),
            )
        ],
        (_SELECT + "WHERE session_id = ? AND norm = ?", (session_id, norm)),
    )
    if not rows:  # nothing went in, and nobody asked this before: blocked
        raise Blocked()
    if not added[0]:
        raise Duplicate(_question(rows[0]))
    return _question(rows[0])


async def get(store: Store, question_id: int) -> Question | None:
    """One question by its number."""
    row = await store.fetchone(_SELECT + "WHERE id = ?", (question_id,))
    return None if row is None else _question(row)


async def listing(
    store: Store, session_id: str, status: str, order: str = "top", limit: int = 10
) -> list[Question]:
    """Questions of a session in one status, most votes first (or newest first); an
    index serves each order (`questions_by_rank`, `questions_by_time`): no sort."""
    sql = _TOP if order == "top" else _NEW
    rows = await store.fetchall(sql, (session_id, status, limit))
    return [_question(r) for r in rows]


_TOP = _SELECT + "WHERE session_id = ? AND status = ? ORDER BY votes DESC, id LIMIT ?"
_NEW = _SELECT + "WHERE session_id = ? AND status = ? ORDER BY id DESC LIMIT ?"


async def window(
    store: Store, session_id: str, status: str, order: str, offset: int, limit: int, leave_out: int
) -> tuple[bool, list[Question]]:
    """`limit` questions of a session in one status from `offset`, in the order of
    `listing`, but `leave_out`; and whether `leave_out` is one of that status (so a count
    of the status less one counts the list): one page of a long list, read in one trip,
    its cost the page's and not the session's."""
    where = (session_id, status, leave_out)
    left, rows = await store.fetch_each(
        [(_IN_STATUS, where), (_TOP_BUT if order == "top" else _NEW_BUT, (*where, limit, offset))]
    )
    return bool(left), [_question(r) for r in rows]


_BUT = "WHERE session_id = ? AND status = ? AND id != ? "
_BY_AUTHOR = _SELECT + "WHERE author_platform = ? AND author_id = ? ORDER BY id DESC LIMIT ?"
_BY_AUTHOR_KEY = _SELECT + "WHERE author_key = ? ORDER BY id DESC LIMIT ?"
_IN_STATUS = "SELECT 1 FROM questions WHERE session_id = ? AND status = ? AND id = ?"
_TOP_BUT = _SELECT + _BUT + "ORDER BY votes DESC, id LIMIT ? OFFSET ?"
_NEW_BUT = _SELECT + _BUT + "ORDER BY id DESC LIMIT ? OFFSET ?"


async def all_of_session(store: Store, session_id: str) -> list[Question]:
    """Every question of a session in the order asked (for exports)."""
    rows = await store.fetchall(_SELECT + "WHERE session_id = ? ORDER BY id", (session_id,))
    return [_question(r) for r in rows]


async def counts(store: Store, session_id: str) -> dict[str, int]:
    """How many questions of a session are in each status."""
    rows = await store.fetchall(
        "SELECT status, COUNT(*) AS n FROM questions WHERE session_id = ? GROUP BY status",
        (session_id,),
    )
    return {r["status"]: int(r["n"]) for r in rows}


async def by_author_key(store: Store, author_key: str, limit: int = 20) -> list[Question]:
    """A person's anonymous questions (found by the key only they can compute)."""
    rows = await store.fetchall(_BY_AUTHOR_KEY, (author_key, limit))
    return [_question(r) for r in rows]


async def by_author(store: Store, platform: str, user_id: str, limit: int = 20) -> list[Question]:
    """A person's named questions."""
    rows = await store.fetchall(_BY_AUTHOR, (platform, user_id, limit))
    return [_question(r) for r in rows]


async def author_key_of(store: Store, question_id: int) -> str | None:
    """The keyed hash stored with an anonymous question (to block its asker)."""
    row = await store.fetchone("SELECT author_key FROM questions WHERE id = ?", (question_id,))
    return None if row is None else row["author_key"]


_VOTE = (
    "INSERT INTO question_votes (question_id, voter_key) SELECT ?, ? WHERE EXISTS "
    "(SELECT 1 FROM questions WHERE id = ? AND status = 'approved') "
    "ON CONFLICT (question_id, voter_key) DO NOTHING"
)
_VOTE_PENDING_TOO = (
    "INSERT INTO question_votes (question_id, voter_key) SELECT ?, ? WHERE EXISTS "
    "(SELECT 1 FROM questions WHERE id = ? AND status IN ('approved', 'pending')) "
    "ON CONFLICT (question_id, voter_key) DO NOTHING"
)
_RECOUNT = (
    "UPDATE questions SET votes = (SELECT COUNT(*) FROM question_votes "
    "WHERE question_id = ?) WHERE id = ?"
)


async def vote(
    store: Store, question_id: int, voter_key: str, *, add: bool, pending_too: bool = False
) -> tuple[bool, Question | None]:
    """Add (or withdraw) one vote: (whether it changed anything, the question after it).
    A vote goes in only while its question is approved (or, with `pending_too`, still
    waiting for approval: a duplicate question's vote, which counts once it is approved),
    checked in the same statement; the count is recomputed in the same transaction, so
    concurrent votes can never skew it; and all of it is one trip to the database, shared
    with other writes queued now."""
    if add:
        first = _VOTE_PENDING_TOO if pending_too else _VOTE
        params: tuple[Any, ...] = (question_id, voter_key, question_id)
    else:
        first = "DELETE FROM question_votes WHERE question_id = ? AND voter_key = ?"
        params = (question_id, voter_key)
    changed, rows = await store.batched_read(
        [(first, params), (_RECOUNT, (question_id, question_id))],
        (_SELECT + "WHERE id = ?", (question_id,)),
        # Votes on one question counted one batch at a time (on every instance).
        lock=("SELECT id FROM questions WHERE id = ?", (question_id,)),
    )
    return changed[0] > 0, _question(rows[0]) if rows else None


# Which of a page's questions one voter voted for: `IN ({})` filled by `in_lists`.
_VOTED = "SELECT question_id FROM question_votes WHERE voter_key = ? AND question_id IN ({})"


async def voted(store: Store, voter_key: str, question_ids: list[int]) -> set[int]:
    """Which of these questions one voter has up-voted (the votes' primary key serves it:
    one look-up per question)."""
    found: set[int] = set()
    for marks, ids in in_lists([int(i) for i in question_ids]):
        rows = await store.fetchall(_VOTED.format(marks), (voter_key, *ids))
        found.update(int(r["question_id"]) for r in rows)
    return found


async def is_blocked(store: Store, keys: tuple[str, str]) -> bool:
    """Whether either of a person's two keys (named, anonymous) is blocked."""
    row = await store.fetchone("SELECT 1 FROM qa_blocks WHERE block_key IN (?, ?)", keys)
    return row is not None


async def all_states(store: Store) -> dict[str, SessionState]:
    """Every session's moderator settings (a small table, read whole)."""
    rows = await store.fetchall(
        "SELECT session_id, state, state_until, moderated, highlight_id, auto_translate "
        "FROM qa_sessions"
    )
    return {r["session_id"]: _state(r) for r in rows}


def _state(row: Any) -> SessionState:
    until = row["state_until"]
    moderated, auto = row["moderated"], row["auto_translate"]
    return SessionState(
        row["state"],
        datetime.fromisoformat(until) if until else None,
        None if moderated is None else bool(moderated),
        row["highlight_id"],
        None if auto is None else bool(auto),
    )


async def set_auto_translate(store: Store, session_id: str, on: bool, now: datetime) -> None:
    """Whether a session's questions are machine-translated as they are approved."""
    await store.execute(
        "INSERT INTO qa_sessions (session_id, auto_translate, updated_at) VALUES (?, ?, ?) "
        "ON CONFLICT (session_id) DO UPDATE SET auto_translate = excluded.auto_translate, "
        "updated_at = excluded.updated_at",
        (session_id, int(on), now.isoformat()),
    )


@dataclass(frozen=True)
class Change:
    """A moderation action as applied, for the log, the undo and the notices."""

    question: Question
    action: str
    from_status: str
    to_status: str
    highlight_before: int | None
    highlight_after: int | None
    # The other question a merge (or its undo) changed: the one merged into.
    other: Question | None = None
    # For an undo: the action it reverted ("approve", "edit", "merge", ...).
    undid: str | None = None


async def moderate(
    store: Store,
    question_id: int,
    action: str,
    to_status: str,
    *,
    highlight: bool | None,
    actor: tuple[str, str],
    reason: str | None,
    now: datetime,
) -> Change:
    """Move a question to `to_status` and log it, in one transaction.

    `highlight` True makes it the session's highlighted question, False clears the
    highlight if it is this one, None leaves the highlight alone.
    """
    stamp = now.isoformat()
    async with store.transaction() as tx:
        before = await _read(tx, question_id)
        if before is None:
            raise LookupError(question_id)
        prev = await _highlight_of(tx, before.session_id)
        after = prev
        if highlight is True:
            after = question_id
        elif highlight is False and prev == question_id:
            after = None
        await tx.execute(
            "UPDATE questions SET status = ?, reason = ?, updated_at = ? WHERE id = ?",
            (to_status, reason if to_status == REJECTED else None, stamp, question_id),
        )
        if after != prev:
            await _set_highlight(tx, before.session_id, after, stamp)
        await _log(tx, stamp, question_id, action, before.status, to_status, prev, actor, reason)
        found = await _read(tx, question_id)
    assert found is not None
    return Change(found, action, before.status, to_status, prev, after)


async def _read(tx: Transaction, question_id: int) -> Question | None:
    """A question as the transaction sees it, locked until it ends (on PostgreSQL: a
    concurrent vote or moderation of it waits, then counts what this one did)."""
    rows = await tx.fetchall(_SELECT + "WHERE id = ?" + tx.for_update, (question_id,))
    return _question(rows[0]) if rows else None


async def _highlight_of(tx: Any, session_id: str) -> int | None:
    state = await tx.fetchall(
        "SELECT highlight_id FROM qa_sessions WHERE session_id = ?", (session_id,)
    )
    return state[0]["highlight_id"] if state else None


async def _log(
    tx: Any,
    stamp: str,
    question_id: int,
    action: str,
    from_status: str,
    to_status: str,
    prev_highlight: int | None,
    actor: tuple[str, str],
    reason: str | None = None,
    detail: Mapping[str, Any] | None = None,
    *,
    undone: bool = False,
) -> None:
    await tx.execute(
        "INSERT INTO qa_log (at, question_id, action, from_status, to_status, "
        "prev_highlight, undone, actor_key, actor_name, reason, detail) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            stamp,
            question_id,
            action,
            from_status,
            to_status,
            prev_highlight,
            int(undone),
            actor[0],
            actor[1],
            reason,
            None if detail is None else json.dumps(detail, ensure_ascii=False),
        ),
    )


async def _set_highlight(tx: Any, session_id: str, question_id: int | None, stamp: str) -> None:
    await tx.execute(
        "INSERT INTO qa_sessions (session_id, highlight_id, updated_at) VALUES (?, ?, ?) "
        "ON CONFLICT (session_id) DO UPDATE SET highlight_id = excluded.highlight_id, "
        "updated_at = excluded.updated_at",
        (session_id, question_id, stamp),
    )


class Taken(Exception):
    """Another question of the session reads the same (normalised): `other` is its number."""

    def __init__(self, other: int) -> None:
        super().__init__(other)
        self.other = other


class Refused(Exception):
    """A merge or an undo that the questions as they stand now do not allow: `key` is the
    message that says why, with `params`."""

    def __init__(self, key: str, **params: Any) -> None:
        super().__init__(key)
        self.key = key
        self.params = params


async def _text_of(tx: Any, question_id: int) -> dict[str, Any]:
    """What an edit or a translation replaces, as the log keeps it for the undo."""
    rows = await tx.fetchall(
        "SELECT body, norm, lang, original, translations FROM questions WHERE id = ?",
        (question_id,),
    )
    return dict(rows[0])


async def _set_text(
    tx: Any, q: Question, text: Mapping[str, Any], stamp: str
) -> tuple[int, str] | None:
    """Give a question the text `text` holds (body, norm, lang, original, translations),
    unless another question of its session reads the same (Taken). A question merged into
    this one gives up its reading instead (the merge meant they are one question, and the
    one that stays may take the better wording): (its number, the reading it had), for the
    undo; None when none had to."""
    clash = await tx.fetchall(
        "SELECT id, status, merged_into, norm FROM questions "
        "WHERE session_id = ? AND norm = ? AND id != ?",
        (q.session_id, text["norm"], q.id),
    )
    freed = None
    if clash:
        other = clash[0]
        if other["status"] != MERGED or other["merged_into"] != q.id:
            raise Taken(int(other["id"]))
        freed = (int(other["id"]), str(other["norm"]))
        await tx.execute(
            "UPDATE questions SET norm = ? WHERE id = ?", (_given_up(freed[0]), freed[0])
        )
    await tx.execute(
        "UPDATE questions SET body = ?, norm = ?, lang = ?, original = ?, translations = ?, "
        "updated_at = ? WHERE id = ?",
        (
            text["body"],
            text["norm"],
            text["lang"],
            text["original"],
            text["translations"],
            stamp,
            q.id,
        ),
    )
    return freed


def _given_up(question_id: int) -> str:
    """The reading of a merged question whose own went to the question it was merged into:
    unique, and never a normalised text (which has no '#')."""
    return f"#merged:{question_id}"


async def revise(
    store: Store,
    question_id: int,
    *,
    body: tuple[str, str] | None = None,
    lang: str | None = None,
    translations: Mapping[str, Translation | None] | None = None,
    actor: tuple[str, str],
    now: datetime,
    expect_body: str | None = None,
    undoable: bool = True,
    keep_typed: bool = False,
) -> Change | None:
    """Edit a question's text (`body`: as shown, normalised) and/or its translations
    (`translations`: a language to its new translation, or None to remove it), logged with
    what it replaced, in one transaction. The text as asked is kept as `original`. With
    `keep_typed` (a machine's translations made in the background), a translation a
    moderator typed, even while the machine was at work, stays.

    None when it changed nothing, or when `expect_body` is given and the question no
    longer reads so (a translation made of a text edited meanwhile). Raises LookupError
    for no such question and Taken when the new text is another question's."""
    stamp = now.isoformat()
    async with store.transaction() as tx:
        before = await _read(tx, question_id)
        if before is None:
            raise LookupError(question_id)
        if expect_body is not None and before.body != expect_body:
            return None
        old = await _text_of(tx, question_id)
        new = dict(old)
        if body is not None and body[0] != before.body:
            new["body"], new["norm"] = body
            # Edited back to the text as asked: no longer edited.
            original = before.original if before.original is not None else before.body
            new["original"] = None if body[0] == original else original
        if lang is not None:
            new["lang"] = lang
        if translations is not None:
            kept = dict(before.translations)
            for code, made in translations.items():
                if keep_typed and code in kept and not kept[code].machine:
                    continue
                if made is None:
                    kept.pop(code, None)
                else:
                    kept[code] = made
            new["translations"] = translations_json(kept)
        if new == old:
            return None
        freed = await _set_text(tx, before, new, stamp)
        if freed is not None:
            old["freed"] = freed  # for the undo, which gives it back
        action = "edit" if new["body"] != old["body"] else "translate"
        highlight = await _highlight_of(tx, before.session_id)
        await _log(
            tx,
            stamp,
            question_id,
            action,
            before.status,
            before.status,
            highlight,
            actor,
            detail=old,
            undone=not undoable,
        )
        after = await _read(tx, question_id)
    assert after is not None
    return Change(after, action, before.status, before.status, highlight, highlight)


async def merge(
    store: Store, question_id: int, into: int, *, actor: tuple[str, str], now: datetime
) -> Change:
    """Merge question `question_id` (B) into `into` (A), in one transaction: B's voters
    count for A (each person once, whichever they voted for), B leaves the lists as
    merged, and a highlight on B ends. The log on B says into which, for the undo.
    Raises LookupError for no such question, Refused when the two cannot be merged."""
    stamp = now.isoformat()
    async with store.transaction() as tx:
        # Locked in the order of their numbers: two merges of the same two questions at
        # once wait for each other rather than deadlock.
        first, second = sorted((question_id, into))
        read = {first: await _read(tx, first), second: await _read(tx, second)}
        b, a = read[question_id], read[into]
        if b is None or a is None:
            raise LookupError(question_id if b is None else into)
        if a.id == b.id:
            raise Refused("qa.merge_itself", id=b.id)
        if a.session_id != b.session_id:
            raise Refused("qa.merge_other_session", id=b.id, into=a.id)
        if b.status == MERGED:
            raise Refused("qa.already_merged", id=b.id, into=b.merged_into)
        if a.status in (MERGED, REJECTED):
            raise Refused(f"qa.merge_into_{a.status}", id=b.id, into=a.id)
        await tx.execute(
            "INSERT INTO question_votes (question_id, voter_key, via) "
            "SELECT ?, voter_key, ? FROM question_votes WHERE question_id = ? "
            "ON CONFLICT (question_id, voter_key) DO NOTHING",
            (a.id, b.id, b.id),
        )
        await tx.execute(_RECOUNT, (a.id, a.id))
        prev = await _highlight_of(tx, b.session_id)
        after = None if prev == b.id else prev
        await tx.execute(
            "UPDATE questions SET status = ?, merged_into = ?, updated_at = ? WHERE id = ?",
            (MERGED, a.id, stamp, b.id),
        )
        if after != prev:
            await _set_highlight(tx, b.session_id, after, stamp)
        await _log(tx, stamp, b.id, "merge", b.status, MERGED, prev, actor, detail={"into": a.id})
        merged, target = await _read(tx, b.id), await _read(tx, a.id)
    assert merged is not None and target is not None
    return Change(merged, "merge", b.status, MERGED, prev, after, target)


async def undo(
    store: Store, question_id: int, *, actor: tuple[str, str], now: datetime
) -> Change | None:
    """Revert the latest moderation action on a question not yet undone (a status, an
    edit, a translation or a merge); None if none. Raises Refused or Taken when what it
    would restore is no longer possible."""
    stamp = now.isoformat()
    async with store.transaction() as tx:
        before = await _read(tx, question_id)  # first: a concurrent undo of it waits
        logged = await tx.fetchall(
            "SELECT id, action, from_status, to_status, prev_highlight, detail FROM qa_log "
            "WHERE question_id = ? AND undone = 0 AND action <> 'undo' ORDER BY id DESC LIMIT 1",
            (question_id,),
        )
        if not logged or before is None:
            return None
        entry = logged[0]
        action = entry["action"]
        detail = json.loads(entry["detail"]) if entry["detail"] else {}
        current = await _highlight_of(tx, before.session_id)
        after = current
        other: Question | None = None
        if action in ("edit", "translate"):
            await _set_text(tx, before, detail, stamp)
            if "freed" in detail:
                given, norm = detail["freed"]
                await tx.execute(
                    "UPDATE questions SET norm = ? WHERE id = ? AND norm = ?",
                    (norm, given, _given_up(int(given))),
                )
        else:
            if action == "merge":
                other = await _unmerge(tx, before, int(detail["into"]))
            if action == "highlight" and current == question_id:
                after = entry["prev_highlight"]
            elif current is None and entry["prev_highlight"] == question_id:
                after = question_id  # the undone action had ended its highlight
            await tx.execute(
                "UPDATE questions SET status = ?, reason = NULL, updated_at = ? WHERE id = ?",
                (entry["from_status"], stamp, question_id),
            )
            if after != current:
                await _set_highlight(tx, before.session_id, after, stamp)
        await tx.execute("UPDATE qa_log SET undone = 1 WHERE id = ?", (entry["id"],))
        await _log(
            tx,
            stamp,
            question_id,
            "undo",
            before.status,
            entry["from_status"],
            current,
            actor,
            action,
            undone=True,
        )
        found = await _read(tx, question_id)
    assert found is not None
    return Change(found, "undo", before.status, entry["from_status"], current, after, other, action)


async def _unmerge(tx: Any, b: Question, into: int) -> Question:
    """Take back what merging `b` into `into` did to `into`: the votes it copied there."""
    a = await _read(tx, into)
    if a is None:
        raise LookupError(into)
    if a.status == MERGED:
        # Its votes, B's among them, went on to a third question: undo that merge first.
        raise Refused("qa.undo_merge_first", id=a.id, into=a.merged_into)
    await tx.execute("DELETE FROM question_votes WHERE question_id = ? AND via = ?", (a.id, b.id))
    await tx.execute(_RECOUNT, (a.id, a.id))
    await tx.execute("UPDATE questions SET merged_into = NULL WHERE id = ?", (b.id,))
    found = await _read(tx, a.id)
    assert found is not None
    return found


async def block(store: Store, block_key: str, now: datetime) -> bool:
    """Stop a person (by block key) from asking again; False if already blocked."""
    changed = await store.execute(
        "INSERT INTO qa_blocks (block_key, created_at) VALUES (?, ?) "
        "ON CONFLICT (block_key) DO NOTHING",
        (block_key, now.isoformat()),
    )
    return changed > 0


async def log_action(
    store: Store,
    question_id: int,
    action: str,
    status: str,
    actor: tuple[str, str],
    reason: str | None,
    now: datetime,
) -> None:
    """Log a moderation action that changes no status (a block)."""
    await store.execute(
        "INSERT INTO qa_log (at, question_id, action, from_status, to_status, undone, "
        "actor_key, actor_name, reason) VALUES (?, ?, ?, ?, ?, 1, ?, ?, ?)",
        (now.isoformat(), question_id, action, status, status, actor[0], actor[1], reason),
    )
