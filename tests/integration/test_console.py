"""The terminal adapter renders replies as plain, safe text and prints bot posts."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime
from pathlib import Path

from bot.core.clock import SimulatedClock
from bot.core.dispatch import Core
from bot.core.model import Attachment, Card, Field, Reply, Stamp, UserRef
from bot.platforms.console.adapter import ConsoleAdapter, render, safe
from tests.unit.commands.test_agenda_commands import big_programme


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


async def test_files_are_written_where_said_and_never_over_a_file_silently(
    core: Core, tmp_path: Path
) -> None:
    out = io.StringIO()
    folder = tmp_path / "here"
    folder.mkdir()
    console = ConsoleAdapter(core, stdin=io.StringIO(""), stdout=out, folder=folder)
    name = "battery-forum-2026.ics"

    async def said(line: str) -> str:
        start = len(out.getvalue())
        await console.handle(line)
        return out.getvalue()[start:]

    first = await said("/ics all")
    written = folder / name
    assert written.read_bytes().startswith(b"BEGIN:VCALENDAR")
    assert f"Saved the file {name}" in first and str(written) in first, first
    assert "[file:" not in first
    # Again: a second name beside it, the first untouched.
    second = await said("/ics all")
    assert str(folder / name.replace(".ics", "-2.ics")) in second, second
    assert (folder / name.replace(".ics", "-2.ics")).read_bytes() == written.read_bytes()
    # A path the user gives: a file, a folder; an existing file is refused unless >| says so.
    mine = tmp_path / "mine.ics"
    assert str(mine) in await said(f"/ics dialogue > {mine}")
    assert b"Dialogue with Global Scholars" in mine.read_bytes()
    refused = await said(f"/ics all > {mine}")
    assert "already exists" in refused and ">|" in refused, refused
    assert b"Opening Ceremony" not in mine.read_bytes()
    assert str(mine) in await said(f"/ics all >| {mine}")
    assert b"Opening Ceremony" in mine.read_bytes()
    assert str(tmp_path / name) in await said(f"/ics all > {tmp_path}")
    missing = await said(f"/ics all > {tmp_path / 'nowhere' / 'x.ics'}")
    assert "Could not write" in missing and not (tmp_path / "nowhere").exists(), missing
    nobody = await said("/ics all > ~no-such-user-here/x.ics")  # no such home: told, not a crash
    assert "Could not write" in nobody, nobody
    # Other commands keep a '>' in their text.
    await said("/search solid > state")
    assert {p.name for p in folder.iterdir()} == {name, name.replace(".ics", "-2.ics")}
    assert not (folder / "state").exists()


async def test_questions_page_with_bang_n_and_page_two_takes_votes(
    core: Core, clock: SimulatedClock
) -> None:
    """Item 12 in the terminal: of thirty questions /questions shows ten with their ▲;
    !11 (Next) shows #11-#20 with theirs, and !5 up-votes #15."""
    clock.set(datetime.fromisoformat("2026-02-05T13:10:00+09:00"))  # the dialogue's Q&A
    dialogue = core.agenda.session("dialogue")
    assert dialogue is not None
    mod = UserRef("console", "mia", "mia")
    for i in range(1, 31):
        asker = UserRef("console", f"asker{i}", f"asker{i}")
        body = f"Question {i}: do cells age at {i}C?"
        asked = await core.qa.ask(asker, dialogue, body, anonymous=False)
        await core.qa.moderate(mod, asked.question.id, "approve")
    out = io.StringIO()
    console = ConsoleAdapter(
        core, stdin=io.StringIO("/questions\n!11\n!5\n"), stdout=out, screen=(80, 24)
    )
    await console.start()
    await console.wait()
    first, second, voted = out.getvalue().split("\n\n> ")[1:]
    assert re.findall(r"^  #(\d+) ", first, re.MULTILINE) == [str(n) for n in range(1, 11)]
    assert "(Page 1 of 3 · " in first and "[10] ▲ #10  [11] Next ▶" in first
    assert re.findall(r"^  #(\d+) ", second, re.MULTILINE) == [str(n) for n in range(11, 21)]
    assert "(Page 2 of 3 · " in second and "[5] ▲ #15" in second
    assert "[11] ◀ Previous  [12] Next ▶" in second
    assert "Up-voted #15: 1 vote." in voted
    assert (await core.qa.question(15)).votes == 1
