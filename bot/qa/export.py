"""A session's questions as a file for the organisers: CSV for spreadsheets, or Markdown."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from zoneinfo import ZoneInfo

from bot.i18n import LANGUAGES
from bot.programme import Session
from bot.storage.qa import Question


def questions_file(
    s: Session, questions: Sequence[Question], current: int | None, fmt: str, tz: ZoneInfo
) -> bytes:
    """Every question as CSV (UTF-8 with BOM) or Markdown ("md"): number, time, status,
    votes, the question as asked, its edited text, its language, a translation into each
    of the event's languages (and which a machine made), the question a merged one went
    into, author unless anonymous, and a rejection's reason."""
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
            "edited",
            "language",
            *(f"translation_{lang}" for lang in LANGUAGES),
            "machine_translated",
            "merged_into",
            "author",
            "platform",
            "reason",
        ]
    )
    for q in questions:
        found = q.translations
        writer.writerow(
            [
                q.id,
                q.created_at.astimezone(tz).isoformat(timespec="seconds"),
                q.status,
                "yes" if q.id == current else "",
                q.votes,
                cell(_as_asked(q)),
                cell(q.body if q.edited else ""),
                q.lang or "",
                *(cell(found[lang].text) if lang in found else "" for lang in LANGUAGES),
                " ".join(lang for lang in LANGUAGES if lang in found and found[lang].machine),
                q.merged_into or "",
                "" if q.anonymous else cell(q.author_name or ""),
                "" if q.anonymous else (q.author_platform or ""),
                cell(q.reason or ""),
            ]
        )
    return out.getvalue().encode("utf-8-sig")


def _as_asked(q: Question) -> str:
    return q.original if q.original is not None else q.body


def cell(text: str) -> str:
    """A spreadsheet reads a cell starting with = + - @ as a formula: keep it text."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+!|~-])")


def _md(text: str) -> str:
    return _MD_SPECIAL.sub(r"\\\1", text)


def _markdown(s: Session, questions: Sequence[Question], current: int | None, tz: ZoneInfo) -> str:
    title = s.title.en if not s.title.ko else f"{s.title.en} / {s.title.ko}"
    langs = [lang.upper() for lang in LANGUAGES]
    head = ["#", "Asked", "Status", "Votes", "Question", "Edited", "Language", *langs]
    head += ["Merged into", "Author", "Reason"]
    lines = [
        f"# Q&A: {_md(title)}",
        "",
        "| " + " | ".join(head) + " |",
        "|" + "---|" * len(head),
    ]
    for q in questions:
        status = q.status + (" (highlighted)" if q.id == current else "")
        author = "anonymous" if q.anonymous else _md(q.author_name or "")
        found = q.translations
        translations = [
            _md(found[lang].text) + (" (machine translation)" if found[lang].machine else "")
            if lang in found
            else ""
            for lang in LANGUAGES
        ]
        cells = [
            str(q.id),
            f"{q.created_at.astimezone(tz):%Y-%m-%d %H:%M}",
            status,
            str(q.votes),
            _md(_as_asked(q)),
            _md(q.body) if q.edited else "",
            q.lang or "",
            *translations,
            f"\\#{q.merged_into}" if q.merged_into else "",
            author,
            _md(q.reason or ""),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"
