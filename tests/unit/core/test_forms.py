"""Forms in the core and on the surfaces without them: what a submission's handler is
given, who may submit, what the terminal shows instead, and the memory adapter's forms."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from typing import Any

import pytest

from bot.core.dispatch import MAX_FIELD_LENGTH, Core
from bot.core.model import (
    Button,
    Form,
    Input,
    Reply,
    Role,
    Stamp,
    UserRef,
    reply_from_json,
    reply_to_json,
)
from bot.core.registry import action, command
from bot.i18n import L
from bot.platforms.console.adapter import ConsoleAdapter, render
from bot.platforms.memory.adapter import MemoryAdapter

MOD = UserRef("memory", "m1", "Mira")
ANN = UserRef("memory", "a1", "Ann")


def edit_form(number: str, text: str = "") -> Form:
    return Form(
        "Edit question",
        "test.save",
        number,
        (
            Input("text", "Question", value=text),
            Input("text_ko", "Korean", required=False, long=False, max_length=200),
        ),
        fallback=f"Type /qa-edit {number} <text> instead.",
    )


@pytest.fixture
def saved(core: Core) -> list[tuple[str, dict[str, str]]]:
    """Two test-only moderator actions: `test.edit` opens the form, `test.save` takes its
    submission (refusing the word "forbidden"); what was saved, in order."""
    kept: list[tuple[str, dict[str, str]]] = []

    @action("test.edit", role=Role.MODERATOR)
    async def edit(ctx: Any, value: str) -> Reply:
        return Reply(form=edit_form(value, "Old text"))

    @action("test.save", role=Role.MODERATOR)
    async def save(ctx: Any, value: str) -> Reply:
        if "forbidden" in ctx.fields.get("text", ""):
            return Reply("That word is not allowed.", error=True)
        kept.append((value, dict(ctx.fields)))
        return Reply(f"Saved #{value}.")

    core.add_action(edit)
    core.add_action(save)
    return kept


def test_a_form_that_no_platform_could_show_is_a_mistake() -> None:
    text = Input("text", "Question")
    with pytest.raises(ValueError, match="1 to 5"):
        Form("Edit", "test.save")
    with pytest.raises(ValueError, match="1 to 5"):
        Form("Edit", "test.save", inputs=tuple(Input(f"f{i}", "F") for i in range(6)))
    with pytest.raises(ValueError, match="distinct names"):
        Form("Edit", "test.save", inputs=(text, text))
    with pytest.raises(ValueError, match="distinct names"):
        Form("Edit", "test.save", inputs=(Input("the text", "Question"),))
    with pytest.raises(ValueError, match="title"):
        Form(" ", "test.save", inputs=(text,))
    with pytest.raises(ValueError, match="room to type"):
        Form("Edit", "test.save", inputs=(Input("text", "Q", max_length=0),))


def test_a_form_reads_back_from_the_outbox_json_as_it_was() -> None:
    at = datetime(2026, 2, 5, 4, tzinfo=UTC)
    form = Form(
        "Edit",
        "test.save",
        "7",
        (Input("text", "Question", "Hi", 300, True, False, "hint"),),
        "Keep",
        ("Type it by ", Stamp(at, "t", "13:00")),
    )
    reply = Reply("x", buttons=(Button("Edit", "test.edit", "7"),), form=form)
    assert reply_from_json(reply_to_json(reply)) == reply


async def test_a_submission_reaches_its_handler_cleaned(
    core: Core, saved: list[tuple[str, dict[str, str]]]
) -> None:
    memory = MemoryAdapter(core)
    opened = await memory.press(MOD, Button("Edit", "test.edit", "5"), role=Role.MODERATOR)
    assert opened.form == edit_form("5", "Old text") and memory.forms == [opened.form]
    typed = {"text": "  Line one\r\nline\ttwo  ", "text_ko": "e\u0301"}
    reply = await memory.submit("test.save", "5", typed, user=MOD, roles=Role.MODERATOR)
    assert reply == Reply("Saved #5.")
    # One line each (a question is stored as one), trimmed, NFC.
    assert saved == [("5", {"text": "Line one line two", "text_ko": "é"})]


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"text": "hidden\x07bell"}, "invisible control characters"),
        ({"text": "flip \u202egnp.exe"}, "invisible control characters"),
        ({"text": "x" * (MAX_FIELD_LENGTH + 1)}, "too long (4001 characters; at most 4000)"),
        ({"no such name!": "x"}, "could not be read"),
        ({f"f{i}": "x" for i in range(11)}, "could not be read"),
        ({"text": 5}, "could not be read"),
    ],
)
async def test_a_bad_submission_is_one_line_and_saves_nothing(
    core: Core, saved: list[tuple[str, dict[str, str]]], fields: dict[str, Any], expected: str
) -> None:
    reply = await MemoryAdapter(core).submit(
        "test.save", "5", fields, user=MOD, roles=Role.MODERATOR
    )
    assert reply.error and expected in str(reply.text)
    assert saved == []


async def test_a_forged_submission_is_refused_by_role(
    core: Core, saved: list[tuple[str, dict[str, str]]]
) -> None:
    memory = MemoryAdapter(core)
    refused = await memory.submit("test.save", "5", {"text": "mine now"}, user=ANN)
    assert refused.error and "Only moderators" in str(refused.text)
    # A participant cannot open the form either.
    pressed = await memory.press(ANN, Button("Edit", "test.edit", "5"))
    assert pressed.error and pressed.form is None and memory.forms == []
    # Roles given exactly: a moderator's own is enough, an organiser's too.
    roles = frozenset({Role.PARTICIPANT, Role.ORGANISER})
    kept = await memory.submit("test.save", "5", {"text": "ok"}, user=MOD, roles=roles)
    assert kept == Reply("Saved #5.")
    assert saved == [("5", {"text": "ok"})]


async def test_a_refusal_of_the_handler_is_its_own_message(
    core: Core, saved: list[tuple[str, dict[str, str]]]
) -> None:
    refused = await MemoryAdapter(core).submit(
        "test.save", "5", {"text": "a forbidden word"}, user=MOD, roles=Role.MODERATOR
    )
    assert refused == Reply("That word is not allowed.", error=True)
    assert saved == []


async def test_a_button_press_has_no_fields(core: Core) -> None:
    seen: list[dict[str, str]] = []

    @action("test.look")
    async def look(ctx: Any, value: str) -> Reply:
        seen.append(dict(ctx.fields))
        return Reply("ok")

    core.add_action(look)
    with pytest.raises(ValueError, match="already"):
        core.add_action(look)
    await MemoryAdapter(core).press(ANN, Button("Look", "test.look"))
    assert seen == [{}]


async def test_the_terminal_shows_how_to_do_it_by_command(
    core: Core, saved: list[tuple[str, dict[str, str]]]
) -> None:
    @command("edit-form", L("opens a form"))
    async def edit_command(ctx: Any) -> Reply:
        return Reply(form=edit_form("5"))

    @command("bare-form", L("opens a form without a fallback"))
    async def bare_command(ctx: Any) -> Reply:
        return Reply("Edit it:", form=Form("Edit", "test.save", inputs=(Input("text", "Q"),)))

    core.add_command(edit_command)
    core.add_command(bare_command)
    out = io.StringIO()
    console = ConsoleAdapter(core, role=Role.MODERATOR, stdin=io.StringIO(""), stdout=out)
    reply = await console.handle("/edit-form")
    assert reply.form is not None
    await console.handle("/bare-form")
    shown = out.getvalue()
    assert "Type /qa-edit 5 <text> instead." in shown
    assert "Edit it:\nThis needs a form, which cannot open here." in shown
    assert render(Reply(form=edit_form("5"))) == "Type /qa-edit 5 <text> instead."
    assert saved == []
