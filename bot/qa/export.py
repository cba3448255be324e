"""A session's questions as a file for the organisers: CSV for spreadsheets, or Markdown."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from zoneinfo import ZoneInfo

from bot.programme import Session
from bot.storage.qa import Question


def questions_file(
    s: Session, questions: Sequence[Question], current: int | None, fmt: str, tz: ZoneInfo
) -> bytes:
    """Every question as CSV (UTF-8 with BOM) or Markdown ("md"): number, time, status,
    votes, question, author unless anonymous, and a rejection's reason."""
    if fmt == "md":
        return _markdown(s, questions, current, tz).encode("utf-8")
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(
        [
            "id",
            "asked_at",
            "status",
            "highlighted",
            "votes",
            "question",
            "author",
            "platform",
            "reason",
        ]
    )
    for q in questions:
        writer.writerow(
            [
                q.id,
                q.created_at.astimezone(tz).isoformat(timespec="seconds"),
                q.status,
                "yes" if q.id == current else "",
                q.votes,
                cell(q.body),
                "" if q.anonymous else cell(q.author_name or ""),
                "" if q.anonymous else (q.author_platform or ""),
                cell(q.reason or ""),
            ]
        )
    return out.getvalue().encode("utf-8-sig")


def cell(text: str) -> str:
    """A spreadsheet reads a cell starting with = + - @ as a formula: keep it text."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+!|~-])")


def _md(text: str) -> str:
    return _MD_SPECIAL.sub(r"\\\1", text)


def _markdown(s: Session, questions: Sequence[Question], current: int | None, tz: ZoneInfo) -> str:
    title = s.title.en if not s.title.ko else f"{s.title.en} / {s.title.ko}"
    lines = [
        f"# Q&A: {_md(title)}",
        "",
        "| # | Asked | Status | Votes | Question | Author | Reason |",
        "|---|---|---|---|---|---|---|",
    ]
    for q in questions:
        status = q.status + (" (highlighted)" if q.id == current else "")
        author = "anonymous" if q.anonymous else _md(q.author_name or "")
        lines.append(
            f"| {q.id} | {q.created_at.astimezone(tz):%Y-%m-%d %H:%M} | {status} | {q.votes} "
            f"| {_md(q.body)} | {author} | {_md(q.reason or '')} |"
        )
    return "\n".join(lines) + "\n"
