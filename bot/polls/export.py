"""Polls as a CSV file for the organisers: one row per option, with its poll's question,
settings, moments and counts (every count, hidden or not: the file is for moderators)."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.qa.export import cell
from bot.storage.polls import Poll

COLUMNS = [
    "poll",
    "poll_id",
    "session",
    "question_en",
    "question_ko",
    "multiple",
    "hidden",
    "status",
    "opened_at",
    "closed_at",
    "voters",
    "option",
    "option_en",
    "option_ko",
    "votes",
    "share_of_voters",
]


def polls_csv(polls: Sequence[Poll], tz: ZoneInfo) -> bytes:
    """Every option of every poll as CSV (UTF-8 with BOM, CRLF), times in `tz`; every
    text a person typed kept as text (a cell starting = + - @ is no formula)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for poll in polls:
        for o in poll.options:
            share = o.votes / poll.voters if poll.voters else 0.0
            writer.writerow(
                [
                    poll.id,
                    cell(poll.key or ""),
                    poll.session_id or "",
                    cell(poll.question.en),
                    cell(poll.question.ko),
                    "yes" if poll.multiple else "no",
                    "yes" if poll.hidden else "no",
                    poll.status,
                    _moment(poll.opened_at, tz),
                    _moment(poll.closed_at, tz),
                    poll.voters,
                    o.position,
                    cell(o.label.en),
                    cell(o.label.ko),
                    o.votes,
                    f"{share:.3f}",
                ]
            )
    return out.getvalue().encode("utf-8-sig")


def _moment(at: datetime | None, tz: ZoneInfo) -> str:
    return at.astimezone(tz).isoformat(timespec="seconds") if at else ""
