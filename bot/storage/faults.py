"""Storage faults at start, said in one line: which file, what is wrong, what to do.

A database that cannot be opened is the operator's to fix (a wrong --db, a full disk, a
folder the bot may not write), so the command line prints this line, not a traceback.
"""

from __future__ import annotations

import errno
import os
import sqlite3
from pathlib import Path

ANOTHER = "choose another place with --db"
ELSEWHERE = f"or {ANOTHER}"


class StorageError(Exception):
    """A file of the bot's (its database, the lock or the Q&A secret beside it) cannot be
    opened or written; the message is one line naming the file and what to do."""


def make_folder(db: Path) -> None:
    """Create the database's folder and its parents unless they exist."""
    try:
        db.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise os_fault(db, exc) from exc


def os_fault(path: Path, exc: OSError, doing: str = "open the database") -> StorageError:
    """The one-line error for the system's refusal to create, open or write `path`."""
    where = exc.filename if isinstance(exc.filename, str) else str(path)
    on = "" if where == str(path) else f" on {where}"
    code = exc.errno
    if code == errno.ENOSPC:
        reason, advice = "no space left on the device", f"free some space, {ELSEWHERE}"
    elif code == errno.EDQUOT:
        reason, advice = "the disk quota is used up", f"free some space, {ELSEWHERE}"
    elif code in (errno.EACCES, errno.EPERM):
        # A file not there yet is refused by its folder: name the folder to open up.
        target = where
        if not os.path.lexists(target):
            target = next((str(p) for p in Path(where).parents if os.path.isdir(p)), where)
        on = "" if target == str(path) else f" on {target}"
        reason, advice = f"permission denied{on}", f"let this user write there, {ELSEWHERE}"
    elif code == errno.EROFS:
        reason, advice = f"{where} is on a read-only file system", ANOTHER
    elif code in (errno.ENOTDIR, errno.EEXIST):
        # A file where a folder should be (mkdir or open says so): name that file.
        file = next((p for p in reversed(path.parents) if _is_file(p)), None)
        reason, advice = f"{file or where} is a file, not a folder", ANOTHER
    elif code == errno.EISDIR:
        reason, advice = "it is a folder, not a file", f"move it aside {ELSEWHERE}"
    else:
        reason, advice = f"{(exc.strerror or str(exc)).lower()}{on}", f"check it, {ELSEWHERE}"
    return StorageError(f"cannot {doing} {path}: {reason}; {advice}")


def sqlite_fault(path: Path, exc: sqlite3.Error) -> StorageError | None:
    """The one-line error for SQLite's refusal to open or write the database at `path`, or
    None for an error that is not the file's (a mistake in a statement keeps its traceback)."""
    said = f"({exc})"  # SQLite's own words, for searching
    code = getattr(exc, "sqlite_errorcode", -1) & 0xFF  # the primary code of an extended one
    if code == sqlite3.SQLITE_NOTADB:
        reason, advice = f"it is not an SQLite database {said}", f"move it aside {ELSEWHERE}"
    elif code == sqlite3.SQLITE_CORRUPT:
        reason = f"the database is damaged {said}"
        advice = "restore a backup, or move it aside and choose another place with --db"
    elif code == sqlite3.SQLITE_CANTOPEN and os.path.isdir(path):
        reason, advice = "it is a folder, not a file", f"move it aside {ELSEWHERE}"
    elif code == sqlite3.SQLITE_CANTOPEN:
        reason = f"SQLite cannot open it {said}"
        advice = f"let this user read and write it and its folder, {ELSEWHERE}"
    elif code == sqlite3.SQLITE_READONLY:
        reason = f"it cannot be written {said}"
        advice = f"let this user write it and its folder, {ELSEWHERE}"
    elif code == sqlite3.SQLITE_FULL:
        reason, advice = f"no space left on the device {said}", f"free some space, {ELSEWHERE}"
    elif code in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
        reason = f"another program holds it locked {said}"
        advice = "close that program (an sqlite3 shell?) and start again"
    elif code in (sqlite3.SQLITE_IOERR, sqlite3.SQLITE_PERM):
        reason, advice = f"the disk refused {said}", f"check the disk and its space, {ELSEWHERE}"
    else:
        return None
    return StorageError(f"cannot open the database {path}: {reason}; {advice}")


def _is_file(path: Path) -> bool:
    """Whether something other than a folder is at `path` (False where it cannot be seen)."""
    return os.path.lexists(path) and not os.path.isdir(path)
