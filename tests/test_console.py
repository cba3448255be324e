"""The terminal adapter renders replies as plain, safe text and prints bot posts."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime

from bot.adapters.console import ConsoleAdapter, render, safe
from bot.core import Core
from bot.model import Attachment, Card, Field, Reply, Stamp, UserRef
from tests.test_agenda_commands import big_programme


def test_render_card_fields_lines_and_file() -> None:
    at = datetime(2026, 2, 5, 4, tzinfo=UTC)
    reply = Reply(
        card=Card(
            "Title",
            (Field("When", (Stamp(at, "t", "13:00"), " KST")),),
            ("line one",),
            footer="note",
        ),
        file=Attachment("agenda.ics", b"x" * 10, "text/calendar"),
    )
    assert render(reply) == (
        "Title\n--------\nWhen: 13:00 KST\n  line one\n(note)\n[file: agenda.ics, 10 bytes]"
    )


def test_escape_sequences_never_reach_the_terminal() -> None:
    assert safe("\x1b[2Jhello\x07\u202eworld\x1b[31m") == "helloworld"
    assert render(Reply("a\x1b]0;title\x07b")) == "a]0;titleb"


async def test_posts_and_dms_print_with_where_they_went(core: Core) -> None:
    out = io.StringIO()
    console = ConsoleAdapter(core, stdin=io.StringIO(""), stdout=out)
    await console.post("announcements", Reply("Doors open at 09:00"))
    await console.dm(UserRef("console", "u1", "Ann"), Reply("Your session starts soon"))
    assert "[#announcements] Doors open at 09:00" in out.getvalue()
    assert "[DM to Ann] Your session starts soon" in out.getvalue()


async def test_reads_until_end_of_input_and_presses_buttons(core: Core) -> None:
    out = io.StringIO()
    done: list[bool] = []
    console = ConsoleAdapter(
        core,
        stdin=io.StringIO("/agenda 1\n!1\n!7\n/quit\n/help\n"),
        stdout=out,
        on_exit=lambda: done.append(True),
    )
    await console.start()
    await console.wait()
    text = out.getvalue()
    assert done == [True]
    assert "> /agenda 1" in text and "Day 2 · Friday, 6 February 2026" in text
    assert "There is no button 7" in text
    assert "> /help" not in text  # nothing is read after /quit


async def test_a_big_day_pages_a_screenful_at_a_time_with_bang_n(core: Core) -> None:
    """Item 19 in the terminal: /agenda of a day with 2,000 sessions prints one screen
    (24 rows of 80 columns) saying how many pages there are; !n presses Next and Previous."""
    core.agenda = big_programme(core.agenda)
    out = io.StringIO()
    console = ConsoleAdapter(
        core, stdin=io.StringIO("/agenda 1\n!5\n!6\n!5\n"), stdout=out, screen=(80, 24)
    )
    await console.start()
    await console.wait()
    # The transcript: each command echoed, then its answer (and a blank line).
    answers = out.getvalue().split("\n\n> ")[1:]
    assert [a.split("\n", 1)[0] for a in answers] == ["/agenda 1", "!5", "!6", "!5"]
    pages = []
    for answer in answers:
        shown = answer.split("\n", 1)[1].rstrip("\n")
        found = re.search(r"\(Page (\d+) of (\d+) · ", shown)
        assert found, shown[-300:]
        pages.append(int(found.group(1)))
        rows = sum(-(-max(len(line), 1) // 80) for line in shown.split("\n"))
        assert rows + 2 <= 24, (rows, shown)  # and the blank line and the prompt after it
        assert int(found.group(2)) > 100  # a screen holds few sessions
    assert pages == [1, 2, 3, 2]
    assert "[d1-0000]" in answers[0] and "[d1-0000]" not in answers[1]
    assert "[1] Day 2" in answers[0] and "[5] Next ▶" in answers[0]
    assert "[5] ◀ Previous  [6] Next ▶" in answers[1]
