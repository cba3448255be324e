"""Forms end to end: a moderator presses "Edit" on a card and gets a form with the text
filled in, then submits it. The real discord.py client against the fake Discord (modals),
the real Bolt app against the fake Slack over HTTP and Socket Mode (views.open and
view_submission); the fakes refuse what the platforms refuse."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
import pytest_asyncio
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.core.dispatch import Core
from bot.core.model import Button, Card, Form, Input, Reply, Role
from bot.core.registry import action, command
from bot.i18n import L
from bot.platforms.discord.adapter import DiscordAdapter, DiscordSettings
from bot.platforms.slack.adapter import SlackAdapter, SlackSettings
from bot.platforms.slack.render import FORM_CALLBACK, read_form_metadata
from bot.settings import PlatformConfig
from bot.storage import Store
from tests.fakes.discord_payloads import DiscordError, check_modal
from tests.fakes.discord_server import FakeDiscord, PendingInteraction
from tests.fakes.environment import serve_http
from tests.fakes.slack_server import TRIGGER_TTL, FakeSlack, answer_at
from tests.fakes.world import keep_clients_local

MOD_ROLE = "111111111111111111"
SECRET = "forms-signing-secret"
BOT_TOKEN = "xoxb-forms-bot"
APP_TOKEN = "xapp-forms-app"
GENERAL = "C0GENERAL"
STORED = "What is the plan for solid-state batteries?"
LONG_HINT = "h" * 200


class Edits:
    """Test-only actions and commands (registered here, not in commands/): a card with an
    "Edit" button for moderators; the button opens a form with the question filled in,
    and its submission saves what was typed, refusing the word "forbidden". `gate`, when
    set, holds the opening or the saving until it is set."""

    def __init__(self, core: Core) -> None:
        self.saved: list[tuple[str, dict[str, str]]] = []
        self.open_gate: asyncio.Event | None = None
        self.save_gate: asyncio.Event | None = None

        @command("edit-card", L("a question's card"), ephemeral=False)
        async def card(ctx: Any) -> Reply:
            return Reply(
                card=Card("#5", lines=(STORED,)),
                buttons=(Button("Edit", "test.edit", "5"),),
                ephemeral=False,
            )

        @command("edit-now", L("the form at once"), role=Role.MODERATOR)
        async def now(ctx: Any) -> Reply:
            return Reply("Edit #5", form=self.form("5"))

        @action("test.edit", role=Role.MODERATOR)
        async def edit(ctx: Any, value: str) -> Reply:
            if self.open_gate is not None:
                await self.open_gate.wait()
            return Reply(form=self.form(value))

        @action("test.save", role=Role.MODERATOR)
        async def save(ctx: Any, value: str) -> Reply:
            if self.save_gate is not None:
                await self.save_gate.wait()
            if "forbidden" in ctx.fields.get("text", ""):
                return Reply("That word is not allowed.", error=True)
            self.saved.append((value, dict(ctx.fields)))
            return Reply(f"Saved #{value}: {ctx.fields['text']} <@everyone> *bold*")

        core.add_command(card)
        core.add_command(now)
        core.add_action(edit)
        core.add_action(save)

    @staticmethod
    def form(value: str) -> Form:
        return Form(
            # Longer than Slack's 24 characters and Discord's 45: each adapter clips it.
            "Edit the question of the audience, number " + value,
            "test.save",
            value,
            (
                Input("text", "The question as the audience will read it on screen", STORED),
                Input("text_ko", "Korean", required=False, long=False, max_length=200),
                Input("note", "Note", required=False, max_length=5000, hint=LONG_HINT),
            ),
            fallback=f"Type /qa-edit {value} <text> instead.",
        )


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    keep_clients_local(monkeypatch)


@pytest.fixture
def edits(core: Core) -> Edits:
    return Edits(core)


# ------------------------------------------------------------------------------ Discord

DiscordStart = Callable[..., Awaitable[tuple[FakeDiscord, DiscordAdapter]]]


@pytest_asyncio.fixture
async def discord_bot(core: Core, store: Store, edits: Edits) -> AsyncIterator[DiscordStart]:
    async with contextlib.AsyncExitStack() as stack:

        async def go(**settings: Any) -> tuple[FakeDiscord, DiscordAdapter]:
            fake = await stack.enter_async_context(FakeDiscord(token="t"))
            fake.add_role("Forum mods", MOD_ROLE)
            config = PlatformConfig(roles={"moderator": [MOD_ROLE]})
            adapter = DiscordAdapter(
                core,
                DiscordSettings(
                    "t",
                    (int(fake.guild_id),),
                    fake.api_base,
                    fake.gateway_url,
                    guild_ready_timeout=0.01,
                    ready_timeout=5,
                    **settings,
                ),
                config,
                store,
            )
            stack.push_async_callback(adapter.stop)
            await adapter.start()
            return fake, adapter

        yield go


async def open_discord_form(fake: FakeDiscord) -> PendingInteraction:
    """A moderator shows the card and presses its Edit button; the press's interaction,
    answered with a modal."""
    card = await fake.send_slash_command("edit-card")
    await card
    assert card.response_message_id is not None
    press = await fake.send_button(card.response_message_id, "test.edit|5", roles=[MOD_ROLE])
    answer = await press
    assert answer.status < 300, answer.response
    return press


async def test_discord_edit_opens_a_modal_filled_in_and_saves_its_submission(
    discord_bot: DiscordStart, edits: Edits
) -> None:
    fake, _ = await discord_bot()
    press = await open_discord_form(fake)
    callback = (await press).json
    assert callback["type"] == 9  # MODAL, as the interaction's first answer
    modal = callback["data"]
    assert modal["custom_id"] == "test.save|5"
    assert modal["title"] == "Edit the question of the audience, number 5"
    text, korean, note = (row["components"][0] for row in modal["components"])
    assert text == {
        "type": 4,
        "custom_id": "text",
        "label": "The question as the audience will read it on…",  # 45
        "style": 2,
        "min_length": 1,
        "max_length": 1000,
        "required": True,
        "value": STORED,
    }
    assert korean["style"] == 1 and korean["required"] is False and "value" not in korean
    assert note["max_length"] == 4000 and len(note["placeholder"]) == 100
    submitted = await fake.submit_modal(press, {"text": "Plans for\nsolid-state batteries?"})
    answer = (await submitted).json
    assert answer["type"] == 4 and answer["data"]["flags"] & 64  # for the moderator alone
    content = answer["data"]["content"]
    assert content.startswith("Saved #5: Plans for solid-state batteries?")
    assert "<@everyone>" not in content and "\\*bold\\*" in content
    assert answer["data"]["allowed_mentions"] == {"parse": []}
    assert edits.saved == [
        ("5", {"text": "Plans for solid-state batteries?", "text_ko": "", "note": ""})
    ]


async def test_discord_refusals_come_back_ephemeral_and_save_nothing(
    discord_bot: DiscordStart, edits: Edits
) -> None:
    fake, _ = await discord_bot()
    press = await open_discord_form(fake)
    for typed, said in (
        ("a forbidden word", "That word is not allowed."),
        ("bell\x07inside", "invisible control characters"),
    ):
        answer = (await (await fake.submit_modal(press, {"text": typed}))).json
        assert answer["type"] == 4 and answer["data"]["flags"] & 64
        assert said in answer["data"]["content"]
    # A participant's submission to the moderators' action (Discord never sends one: a
    # forged one) is refused by role, as a button would be.
    ann = fake.add_user("ann")
    forged = (await (await fake.submit_modal(press, {"text": "x"}, user=ann, roles=[]))).json
    assert "Only moderators" in forged["data"]["content"] and forged["data"]["flags"] & 64
    assert edits.saved == []


async def test_the_fake_discord_submits_only_what_the_modal_allows(
    discord_bot: DiscordStart, edits: Edits
) -> None:
    fake, _ = await discord_bot()
    card = await fake.send_slash_command("edit-card")
    await card
    with pytest.raises(LookupError):
        await fake.submit_modal(card, {"text": "x"})  # answered with a message, no modal
    press = await open_discord_form(fake)
    with pytest.raises(ValueError, match="no inputs"):
        await fake.submit_modal(press, {"texts": "x"})
    with pytest.raises(ValueError, match=r"1\.\.1000"):
        await fake.submit_modal(press, {"text": "x" * 1001})
    with pytest.raises(ValueError, match="required"):
        await fake.submit_modal(press, {"text": ""})
    with pytest.raises(DiscordError) as refused:
        check_modal({"data": {"custom_id": "a", "title": "t" * 46, "components": []}})
    assert refused.value.errors is not None
    assert set(refused.value.errors["data"]) == {"title", "components"}
    assert edits.saved == []


async def test_discord_a_participant_pressing_edit_gets_no_modal(
    discord_bot: DiscordStart, edits: Edits
) -> None:
    fake, _ = await discord_bot()
    card = await fake.send_slash_command("edit-card")
    await card
    assert card.response_message_id is not None
    press = await fake.send_button(card.response_message_id, "test.edit|5")
    answer = (await press).json
    assert answer["type"] == 4 and "Only moderators" in answer["data"]["content"]
    assert press.modal is None


async def test_discord_a_command_can_open_a_modal_unless_answered_late(
    discord_bot: DiscordStart, edits: Edits, core: Core
) -> None:
    fake, adapter = await discord_bot()
    pending = await fake.send_slash_command("edit-now", roles=[MOD_ROLE])
    assert (await pending).json["type"] == 9
    answer = (await (await fake.submit_modal(pending, {"text": "Typed"}))).json
    assert answer["data"]["content"].startswith("Saved #5: Typed")
    # Deferred (the handler was slow), it can no longer answer with a modal: the
    # fallback says how to do it by command.
    release = asyncio.Event()

    @command("edit-late", L("the form, late"), role=Role.MODERATOR)
    async def late(ctx: Any) -> Reply:
        await release.wait()
        return Reply(form=Edits.form("6"))

    core.add_command(late)
    await adapter.sync_commands()
    object.__setattr__(adapter.settings, "defer_after", 0.05)
    pending = await fake.send_slash_command("edit-late", roles=[MOD_ROLE])
    assert (await pending).json["type"] == 5
    release.set()
    follow = await fake.wait_for(lambda r: r.route.startswith("POST /webhooks"))
    assert follow.status < 300 and "Type /qa-edit 6 \\<text\\> instead." in follow.json["content"]
    assert pending.modal is None


async def test_discord_a_button_opens_a_modal_unless_answered_late(
    discord_bot: DiscordStart, edits: Edits
) -> None:
    """A form's handler answers at once, before the timer that defers a slow press: the
    modal opens (as above). One that is slow all the same is deferred in time
    ("thinking", for the presser alone), and the follow-up says how to do it by command."""
    fake, adapter = await discord_bot()
    card = await fake.send_slash_command("edit-card")
    await card
    assert card.response_message_id is not None
    object.__setattr__(adapter.settings, "defer_after", 0.05)
    edits.open_gate = asyncio.Event()
    press = await fake.send_button(card.response_message_id, "test.edit|5", roles=[MOD_ROLE])
    assert (await press).json == {"type": 5, "data": {"flags": 64}}
    edits.open_gate.set()
    follow = await fake.wait_for(lambda r: r.route.startswith("POST /webhooks"))
    assert follow.status < 300 and follow.json["flags"] & 64
    assert follow.json["content"] == "Type /qa-edit 5 \\<text\\> instead."
    assert press.modal is None and len(press.callbacks) == 1


# -------------------------------------------------------------------------------- Slack

SlackStart = Callable[..., Awaitable[tuple[FakeSlack, SlackAdapter, str | None]]]


@pytest_asyncio.fixture
async def slack_bot(core: Core, edits: Edits) -> AsyncIterator[SlackStart]:
    """A fake Slack (U9 in the moderators' user group) and the adapter: over HTTP on the
    bot's web server (the URL is returned), or in Socket Mode (`socket=True`: None)."""
    async with contextlib.AsyncExitStack() as stack:

        async def go(
            *, socket: bool = False, **settings: Any
        ) -> tuple[FakeSlack, SlackAdapter, str | None]:
            fake = await stack.enter_async_context(
                FakeSlack(
                    signing_secret=SECRET,
                    bot_token=BOT_TOKEN,
                    app_token=APP_TOKEN if socket else None,
                    usergroups={"S0MODS": ["U9"]},
                )
            )
            adapter = SlackAdapter(
                core,
                SlackSettings(
                    BOT_TOKEN,
                    SECRET,
                    app_token=APP_TOKEN if socket else None,
                    api_base=fake.api_base,
                    pace_seconds=0.0,
                    **settings,
                ),
                PlatformConfig(roles={"moderator": ["S0MODS"]}),
            )
            stack.push_async_callback(adapter.stop)
            await adapter.start()
            if socket:
                return fake, adapter, None
            return fake, adapter, await serve_http(stack, adapter) + "/slack/events"

        yield go


async def press_edit(fake: FakeSlack, url: str, user_id: str = "U9") -> Any:
    """Someone presses the card's Edit button; the press's response (empty: acked)."""
    card = (await fake.send_command(url, "/edit-card")).json()
    button = next(b for b in card["blocks"] if b["type"] == "actions")["elements"][0]
    assert (button["action_id"], button["value"]) == ("test.edit#0", "5")
    resp = await fake.send_action(url, button["action_id"], button["value"], user_id=user_id)
    assert resp.status == 200 and resp.body == ""
    return resp


async def test_slack_edit_opens_a_modal_filled_in_and_saves_its_submission(
    slack_bot: SlackStart, edits: Edits
) -> None:
    fake, _, url = await slack_bot()
    assert url is not None
    await press_edit(fake, url)
    opened = await fake.wait_for("views.open")
    assert opened.ok, opened.response
    view = opened.response["view"]
    assert view["callback_id"] == FORM_CALLBACK
    assert read_form_metadata(view["private_metadata"]) == ("test.save", "5", GENERAL)
    assert view["title"]["text"] == "Edit the question of th…"  # 24 characters
    assert view["submit"]["text"] == "Save" and view["close"]["text"] == "Cancel"
    text, korean, note = view["blocks"]
    assert text["block_id"] == "text" and text["optional"] is False
    assert text["element"]["multiline"] is True and text["element"]["initial_value"] == STORED
    assert korean["optional"] is True and korean["element"]["multiline"] is False
    assert note["element"]["max_length"] == 3000
    assert note["element"]["placeholder"]["text"] == "h" * 149 + "…"
    assert fake.open_modals == {view["id"]: "U9"}
    resp = await fake.submit_view(url, view["id"], {"text": "Plans for\nbatteries?"})
    answer = resp.json()
    assert answer["response_action"] == "update"
    shown = json.dumps(answer["view"]["blocks"])
    assert "Saved #5: Plans for batteries? &lt;@everyone&gt;" in shown
    assert "<@everyone>" not in shown
    assert answer["view"]["close"]["text"] == "Close" and "submit" not in answer["view"]
    assert fake.views[view["id"]]["blocks"] == answer["view"]["blocks"]
    assert edits.saved == [("5", {"text": "Plans for batteries?", "text_ko": "", "note": ""})]


async def test_slack_refusals_show_in_the_modal_which_keeps_the_text(
    slack_bot: SlackStart, edits: Edits
) -> None:
    fake, _, url = await slack_bot()
    assert url is not None
    await press_edit(fake, url)
    view_id = (await fake.wait_for("views.open")).response["view"]["id"]
    for typed, said in (
        ("a forbidden word", "That word is not allowed."),
        ("bell\x07inside", "invisible control characters"),
    ):
        answer = (await fake.submit_view(url, view_id, {"text": typed})).json()
        assert answer["response_action"] == "errors"
        assert said in answer["errors"]["text"]
        assert view_id in fake.open_modals and said in fake.view_errors[view_id]["text"]
    assert edits.saved == []
    answer = (await fake.submit_view(url, view_id, {"text": "Fine now"})).json()
    assert answer["response_action"] == "update" and view_id not in fake.view_errors
    assert edits.saved == [("5", {"text": "Fine now", "text_ko": "", "note": ""})]


async def test_the_fake_slack_submits_only_what_the_modal_allows(
    slack_bot: SlackStart, edits: Edits
) -> None:
    fake, _, url = await slack_bot()
    assert url is not None
    await press_edit(fake, url)
    view_id = (await fake.wait_for("views.open")).response["view"]["id"]
    with pytest.raises(ValueError, match="no inputs"):
        fake.view_submission_payload(view_id, {"texts": "x"})
    with pytest.raises(ValueError, match="not 1001"):
        fake.view_submission_payload(view_id, {"text": "x" * 1001})
    with pytest.raises(ValueError, match="required"):
        fake.view_submission_payload(view_id, {"text": ""})
    with pytest.raises(ValueError, match="shown to U9"):
        fake.view_submission_payload(view_id, {"text": "x"}, user_id="U1")
    with pytest.raises(LookupError):
        fake.view_submission_payload("V0NONE", {"text": "x"})
    # A modal over Slack's limits is refused: a title of 25 characters, an input block
    # without a submit button.
    client = AsyncWebClient(token=BOT_TOKEN, base_url=fake.api_base)
    title = {"type": "plain_text", "text": "t" * 25}
    inputs = fake.views[view_id]["blocks"]
    for view in (
        {"type": "modal", "title": title, "blocks": []},
        {"type": "modal", "title": {"type": "plain_text", "text": "t"}, "blocks": inputs},
    ):
        with pytest.raises(SlackApiError, match="invalid_arguments"):
            await client.views_open(trigger_id=fake.issue_trigger("U9"), view=view)
    assert list(fake.open_modals) == [view_id] and edits.saved == []


async def test_slack_a_participant_pressing_edit_gets_no_modal(
    slack_bot: SlackStart, edits: Edits
) -> None:
    fake, _, url = await slack_bot()
    assert url is not None
    resp = await press_edit(fake, url, user_id="U1")
    answer = await fake.wait_for(answer_at(resp.response_url))
    assert "Only moderators" in json.dumps(answer.body["blocks"])
    assert not fake.calls_to("views.open")


async def test_slack_an_expired_trigger_leaves_a_short_message_and_the_bot_running(
    slack_bot: SlackStart, edits: Edits
) -> None:
    fake, _, url = await slack_bot()
    assert url is not None
    edits.open_gate = asyncio.Event()
    resp = await press_edit(fake, url)
    # The handler took longer than the trigger lives (the fake's clock moves instead).
    fake.advance(TRIGGER_TTL + 0.5)
    edits.open_gate.set()
    refused = await fake.wait_for("views.open")
    assert refused.response == {"ok": False, "error": "expired_trigger_id"}
    answer = await fake.wait_for(answer_at(resp.response_url))
    assert "could not open in time" in json.dumps(answer.body["blocks"])
    assert answer.body["response_type"] == "ephemeral"
    # Pressed again, in time, it opens.
    await press_edit(fake, url)
    await fake.wait_for(lambda c: c.method == "views.open" and c.ok)
    assert len(fake.open_modals) == 1


async def test_slack_a_slow_submission_shows_working_then_the_answer(
    slack_bot: SlackStart, edits: Edits
) -> None:
    fake, adapter, url = await slack_bot()
    assert url is not None
    await press_edit(fake, url)
    view_id = (await fake.wait_for("views.open")).response["view"]["id"]
    # Only the submission is slow: the card came in the command's own answer (a short
    # ack_after from the start could send it by follow-up on a busy machine).
    adapter.settings = dataclasses.replace(adapter.settings, ack_after=0.05)
    edits.save_gate = asyncio.Event()
    answer = (await fake.submit_view(url, view_id, {"text": "Slowly"})).json()
    assert answer["response_action"] == "update"
    assert "Working on it" in json.dumps(answer["view"]["blocks"])
    edits.save_gate.set()
    updated = await fake.wait_for("views.update")
    assert updated.ok and updated.body["view_id"] == view_id
    assert "Saved #5: Slowly" in json.dumps(fake.views[view_id]["blocks"])


async def test_slack_a_command_can_open_a_modal(slack_bot: SlackStart, edits: Edits) -> None:
    fake, adapter, url = await slack_bot()
    assert url is not None
    adapter.app.command("/edit-now")(adapter._command)
    resp = await fake.send_command(url, "/edit-now", user_id="U9")
    assert resp.status == 200 and resp.body == ""
    opened = await fake.wait_for("views.open")
    assert opened.ok and opened.body["trigger_id"] == resp.trigger_id


async def test_slack_forms_work_in_socket_mode(slack_bot: SlackStart, edits: Edits) -> None:
    fake, _, _ = await slack_bot(socket=True)
    await fake.send_socket_action("test.edit#0", "5", user_id="U9")
    view_id = (await fake.wait_for("views.open")).response["view"]["id"]
    ack = await fake.submit_socket_view(view_id, {"text": "a forbidden word"})
    assert ack["payload"]["response_action"] == "errors"
    assert view_id in fake.open_modals
    ack = await fake.submit_socket_view(view_id, {"text": "Over the socket"})
    assert ack["payload"]["response_action"] == "update"
    assert "Saved #5: Over the socket" in json.dumps(ack["payload"]["view"]["blocks"])
    assert edits.saved == [("5", {"text": "Over the socket", "text_ko": "", "note": ""})]
