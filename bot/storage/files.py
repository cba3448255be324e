"""Writing a file whole: beside it first, then renamed into place, so a reader (or a
crash) sees the old file or the whole new one, never half of it."""

from __future__ import annotations

import os
from pathlib import Path


def write_whole(path: Path, data: bytes, *, mode: int = 0o666, sync: bool = False) -> None:
    """Replace `path` with `data` all at once; `mode` for a new file (less the umask),
    `sync` to reach the disk before the rename (a key that must survive a power cut).
    A failed write leaves whatever was there before, and no stray part file."""
    part = path.with_name(f".{path.name}.{os.getpid()}.part")
    try:
        fd = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            if sync:
                out.flush()
                os.fsync(out.fileno())
        os.replace(part, path)
    finally:
        part.unlink(missing_ok=True)
