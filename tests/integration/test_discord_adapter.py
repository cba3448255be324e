"""The Discord adapter end to end: the real discord.py client against the fake Discord."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import signal
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from unittest.mock import ANY

import discord
import pytest
import pytest_asyncio
import yarl
from discord.webhook.async_ import interaction_message_response_params

from bot.core.dispatch import Core
from bot.core.model import Attachment, Button, Card, Field, Reply, Role, Stamp, UserRef, plain
from bot.core.registry import action, command
from bot.i18n import L
from bot.platforms.base import DeliveryError, SentMessage, StartupError
from bot.platforms.discord.adapter import (
    DiscordAdapter,
    DiscordSettings,
    application_id_from_token,
    invite_url,
)
from bot.platforms.discord.commands import command_payload
from bot.platforms.discord.render import (
    components_data,
    embed_data,
    escape,
    message_data,
    render_text,
    split_content,
)
from bot.settings import EventConfig, PlatformConfig
from bot.storage import Store
from bot.storage.deliveries import is_blocked
from commands import ALL
from tests.fakes.discord_server import FakeDiscord
from tests.fakes.environment import bot_env, run_bot
from tests.fakes.world import keep_clients_local
from tests.unit.commands.test_agenda_commands import big_programme

TOKEN = "discord-test-token"
MOD_ROLE = "111111111111111111"
MESSAGES = "POST /channels/{channel_id}/messages"
CALLBACK = "POST /interactions/{webhook_id}/{webhook_token}/callback"
ROOT = Path(__file__).resolve().parents[2]

Start = Callable[..., Awaitable[tuple[FakeDiscord, DiscordAdapter]]]


@pytest_asyncio.fixture
async def start(monkeypatch: pytest.MonkeyPatch, core: Core, store: Store) -> AsyncIterator[Start]:
    """Start a fake Discord and the adapter connected to it; both stop after the test."""
    async with contextlib.AsyncExitStack() as stack:

        async def go(
            token: str = TOKEN, roles: dict[str, list[str]] | None = None, **fake_options: Any
        ) -> tuple[FakeDiscord, DiscordAdapter]:
            fake = await stack.enter_async_context(FakeDiscord(token=TOKEN, **fake_options))
            # The adapter sets discord.py's addresses class-wide; put back afterwards.
            keep_clients_local(monkeypatch)
            fake.add_channel("222222222222222222", name="announcements")
            fake.add_role("Forum mods", MOD_ROLE)  # mapped by its id below
            config = PlatformConfig(
                channels={"announcements": "announcements", "moderators": "333333333333333333"},
                rooms={"grand-hall": fake.channel_id},
                roles={"moderator": [MOD_ROLE]} if roles is None else roles,
            )
            settings = DiscordSettings(
                token=token,
                guild_ids=(int(fake.guild_id),),
                api_base=fake.api_base,
                gateway_url=fake.gateway_url,
                guild_ready_timeout=0.01,
                ready_timeout=5,
            )
            adapter = DiscordAdapter(core, settings, config, store)
            stack.push_async_callback(adapter.stop)
            await adapter.start()
            return fake, adapter

        yield go


def content_of(body: dict[str, Any]) -> str:
    data = body.get("data", body)
    parts = [data.get("content") or ""]
    for embed in data.get("embeds") or []:
        parts += [embed.get("title", ""), embed.get("description") or ""]
        parts += [f"{f['name']}: {f['value']}" for f in embed.get("fields", [])]
    return "\n".join(parts)


async def test_commands_are_synced_with_options_and_korean_names(start: Start) -> None:
    fake, _ = await start()
    synced = {c["name"]: c for c in fake.commands[fake.guild_id]}
    assert set(synced) == {spec.name for spec in ALL}
    agenda = synced["agenda"]
    assert agenda["name_localizations"] == {"ko": "일정"}
    assert agenda["description_localizations"]["ko"] == "하루 일정을 봅니다"
    session = synced["session"]["options"][0]
    assert session["required"] and session["autocomplete"] and session["type"] == 3
    language = synced["language"]["options"][0]
    assert [c["value"] for c in language["choices"]] == ["en", "ko"]


@pytest.mark.parametrize(
    ("name", "options", "expected"),
    [
        ("agenda", {"day": "1"}, "Registration"),
        ("agenda", {}, "Day 1"),
        ("now", {}, "Registration"),
        ("next", {}, "Opening Ceremony"),
        ("session", {"session": "dialogue"}, "Dialogue with Global Scholars"),
        ("speaker", {"name": "watanabe"}, "Masayoshi Watanabe"),
        ("search", {"text": "solid-state"}, "Tech Partnering"),
        ("timezone", {"zone": "Asia/Tokyo"}, "Asia/Tokyo"),
        ("language", {"language": "ko"}, "한국어"),
        ("help", {}, "/agenda"),
    ],
)
async def test_every_agenda_command_as_a_slash_command(
    start: Start, name: str, options: dict[str, Any], expected: str
) -> None:
    fake, _ = await start()
    pending = await fake.send_slash_command(name, options)
    callback = await pending
    assert callback.status < 300
    body = callback.json
    assert body["type"] == 4
    assert expected in content_of(body)
    assert body["data"]["flags"] & 64  # personal answers are ephemeral
    assert body["data"]["allowed_mentions"] == {"parse": []}
    assert (callback.at - pending.dispatched_at).total_seconds() < 3


async def test_sessions_show_discord_timestamps(start: Start) -> None:
    fake, _ = await start()
    body = (await (await fake.send_slash_command("session", {"session": "dialogue"}))).json
    # 13:00 KST on 5 Feb 2026, shown by Discord in each reader's own zone.
    assert "<t:1770264000:f>" in content_of(body)


async def test_korean_client_locale_gets_korean(start: Start) -> None:
    fake, _ = await start()
    body = (await (await fake.send_slash_command("agenda", {"day": "2"}, locale="ko"))).json
    assert "2일차" in content_of(body)


async def test_bad_input_is_one_ephemeral_line(start: Start) -> None:
    fake, _ = await start()
    body = (await (await fake.send_slash_command("agenda", {"day": "x" * 40}))).json
    assert "cannot read" in body["data"]["content"]
    assert body["data"]["flags"] & 64


async def test_autocomplete_offers_sessions_speakers_and_zones(start: Start) -> None:
    fake, _ = await start()
    body = (await (await fake.send_autocomplete("session", {"session": "scholar"}, "session"))).json
    assert body["type"] == 8
    assert body["data"]["choices"][0]["value"] == "dialogue"
    body = (await (await fake.send_autocomplete("session", {"session": "석학"}, "session"))).json
    assert body["data"]["choices"][0]["value"] == "dialogue"
    body = (await (await fake.send_autocomplete("session", {"session": ""}, "session"))).json
    assert 1 <= len(body["data"]["choices"]) <= 25  # what comes next
    body = (await (await fake.send_autocomplete("speaker", {"name": "liu"}, "name"))).json
    assert body["data"]["choices"] == [{"name": "Ping Liu", "value": "ping-liu"}]
    body = (await (await fake.send_autocomplete("timezone", {"zone": "los"}, "zone"))).json
    assert {"name": "America/Los_Angeles", "value": "America/Los_Angeles"} in body["data"][
        "choices"
    ]


async def test_a_button_press_turns_the_page(start: Start) -> None:
    fake, _ = await start()
    pending = await fake.send_slash_command("agenda", {"day": "1"})
    first = await pending
    components = first.json["data"]["components"][0]["components"]
    assert components[0]["custom_id"] == "agenda.day|2"
    assert pending.response_message_id is not None
    press = await fake.send_button(pending.response_message_id, "agenda.day|2")
    body = (await press).json
    assert body["type"] == 7  # the ephemeral answer is updated in place
    assert "Day 2" in content_of(body)


async def test_a_big_day_comes_in_pages_turned_in_place(start: Start, core: Core) -> None:
    """Item 19 on Discord: /agenda of a day with 2,000 sessions is one embed that Discord
    takes (the fake refuses a description over 4,096 or embeds over 6,000 characters),
    saying how many pages there are; Next and Previous replace the ephemeral answer."""
    core.agenda = big_programme(core.agenda)
    fake, _ = await start()
    pending = await fake.send_slash_command("agenda", {"day": "1"})
    first = (await pending).json
    assert first["type"] == 4 and first["data"]["flags"] & 64
    embed = first["data"]["embeds"][0]
    pages = re.search(r"^Page 1 of (\d+) · ", embed["footer"]["text"])
    assert pages and int(pages.group(1)) > 10, embed["footer"]
    assert "d1-0000" in embed["description"] and "… (+" not in embed["description"]
    ids = [c["custom_id"] for row in first["data"]["components"] for c in row["components"]]
    days = [f"agenda.day|{n}" for n in range(2, 6)]
    assert ids == [*days, "page|2|agenda.day|1"]

    message_id = pending.response_message_id
    assert message_id is not None
    for custom, page in (("page|2|agenda.day|1", 2), ("page|1|agenda.day|1", 1)):
        body = (await (await fake.send_button(message_id, custom))).json
        assert body["type"] == 7  # the same ephemeral message, now another page
        footer = body["data"]["embeds"][0]["footer"]["text"]
        assert footer.startswith(f"Page {page} of {pages.group(1)} · "), footer
        shown = fake.messages[message_id]
        assert shown["embeds"][0]["footer"]["text"] == footer
        ids = [c["custom_id"] for row in shown["components"] for c in row["components"]]
        if page == 2:
            assert "d1-0000" not in shown["embeds"][0]["description"]
            assert ids == [*days, "page|1|agenda.day|1", "page|3|agenda.day|1"]
    assert "d1-0000" in shown["embeds"][0]["description"]


async def test_roles_come_from_the_mapping(start: Start, core: Core) -> None:
    seen: list[str] = []

    @command("mod-only", L("moderators"), role=Role.MODERATOR)
    async def mod_only(ctx: Any) -> Reply:
        seen.append(ctx.user.id)
        return Reply("welcome, moderator")

    core.add_command(mod_only)
    fake, _ = await start()
    refused = (await (await fake.send_slash_command("mod-only"))).json
    assert "Only moderators" in refused["data"]["content"]
    allowed = (await (await fake.send_slash_command("mod-only", roles=[MOD_ROLE]))).json
    assert allowed["data"]["content"] == "welcome, moderator"
    assert len(seen) == 1


async def test_roles_mapped_by_name_resolve_through_the_cached_guild(
    start: Start, core: Core, event_config: EventConfig
) -> None:
    """The sample event file maps role NAMES (`moderator: [Moderator]`); an interaction
    carries role ids only, which the guild cached from GUILD_CREATE turns into names."""
    mapping = dict(event_config.platforms["discord"].roles)
    assert mapping == {"moderator": ["Moderator"], "organiser": ["Organiser"]}
    seen: list[tuple[str, Role]] = []

    @command("whoami", L("who am I"))
    async def whoami(ctx: Any) -> Reply:
        seen.append((ctx.user.id, ctx.role))
        return Reply("noted")

    core.add_command(whoami)
    fake, adapter = await start(roles=mapping)
    cached = adapter.client.get_guild(int(fake.guild_id))
    assert cached is not None and not cached.unavailable
    speaker = fake.add_role("Speaker")  # unknown to the client until its next IDENTIFY
    people = {
        name: fake.add_user(name.lower())
        for name in ("Participant", "Moderator", "Organiser", "Speaker")
    }
    holds = {"Participant": [], "Speaker": [speaker]}
    for name, user in people.items():
        role_ids = holds[name] if name in holds else [fake.role_id(name)]
        callback = await (await fake.send_slash_command("whoami", user=user, roles=role_ids))
        assert callback.status < 300, callback.response
    assert dict(seen) == {
        people["Participant"]["id"]: Role.PARTICIPANT,
        people["Speaker"]["id"]: Role.PARTICIPANT,
        people["Moderator"]["id"]: Role.MODERATOR,
        people["Organiser"]["id"]: Role.ORGANISER,
    }


async def test_a_role_renamed_to_a_mapped_name_counts_from_then_on(
    start: Start, core: Core
) -> None:
    """Mapped role names are resolved to ids once per guild, and again when roles change."""
    seen: list[Role] = []

    @command("whoami", L("who am I"))
    async def whoami(ctx: Any) -> Reply:
        seen.append(ctx.role)
        return Reply("noted")

    core.add_command(whoami)
    fake, adapter = await start(roles={"moderator": ["Moderator"]})
    helpers = fake.add_role("Helpers")
    fake.roles[helpers]["name"] = "Helpers"
    renamed = asyncio.ensure_future(adapter.client.wait_for("guild_role_create"))
    await fake.dispatch(
        "GUILD_ROLE_CREATE", {"guild_id": fake.guild_id, "role": fake.roles[helpers]}
    )
    await renamed
    helper = fake.add_user("helen")
    await (await fake.send_slash_command("whoami", user=helper, roles=[helpers]))
    fake.roles[helpers]["name"] = "Moderator"
    updated = asyncio.ensure_future(adapter.client.wait_for("guild_role_update"))
    await fake.dispatch(
        "GUILD_ROLE_UPDATE", {"guild_id": fake.guild_id, "role": fake.roles[helpers]}
    )
    await updated
    await (await fake.send_slash_command("whoami", user=helper, roles=[helpers]))
    assert seen == [Role.PARTICIPANT, Role.MODERATOR]


async def test_a_slow_handler_is_deferred_then_followed_up(start: Start, core: Core) -> None:
    release = asyncio.Event()

    @command("slow", L("slow"))
    async def slow(ctx: Any) -> Reply:
        await release.wait()
        return Reply("finally")

    core.add_command(slow)
    fake, adapter = await start()
    object.__setattr__(adapter.settings, "defer_after", 0.05)
    pending = await fake.send_slash_command("slow")
    deferred = await pending
    assert deferred.json["type"] == 5 and deferred.status < 300
    release.set()
    follow = await fake.wait_for(lambda r: r.route.startswith("POST /webhooks"))
    assert follow.json["content"] == "finally"
    assert follow.status < 300
    assert len(pending.callbacks) == 1  # the defer was the one callback; the rest follows


async def test_a_slow_button_is_deferred_then_answered_in_place_or_by_follow_up(
    start: Start, core: Core
) -> None:
    """A press whose handler outlasts `defer_after` is acknowledged in time: on the
    asker's own (ephemeral) answer silently (DEFERRED_UPDATE_MESSAGE), then its page
    turns by an edit of @original, or a confirmation follows for the presser alone."""
    release = asyncio.Event()

    @command("leaf", L("pages"))
    async def leaf(ctx: Any) -> Reply:
        return Reply(
            card=Card("Page 1"),
            buttons=(Button("Next", "test.next", "2"), Button("Keep", "test.keep", "1")),
        )

    @action("test.next")
    async def turn(ctx: Any, value: str) -> Reply:
        await release.wait()
        return Reply(card=Card(f"Page {value}"), buttons=(Button("Keep", "test.keep", value),))

    @action("test.keep")
    async def keep(ctx: Any, value: str) -> Reply:
        await release.wait()
        return Reply(f"Kept page {value}")

    core.add_command(leaf)
    core.add_action(turn)
    core.add_action(keep)
    fake, adapter = await start()
    shown = await fake.send_slash_command("leaf")
    await shown
    message_id = shown.response_message_id
    assert message_id is not None
    object.__setattr__(adapter.settings, "defer_after", 0.05)

    press = await fake.send_button(message_id, "test.next|2")
    deferred = await press
    assert deferred.status < 300 and deferred.json == {"type": 6}
    release.set()
    edit = await fake.wait_for(lambda r: r.route.startswith("PATCH /webhooks"))
    assert edit.status < 300 and edit.params["message_id"] == "@original"
    page = fake.messages[message_id]
    assert page["embeds"][0]["title"] == "Page 2"
    assert [c["custom_id"] for c in page["components"][0]["components"]] == ["test.keep|2"]

    release.clear()
    press = await fake.send_button(message_id, "test.keep|2")
    assert (await press).json == {"type": 6}
    release.set()
    kept = await fake.wait_for(lambda r: r.route.startswith("POST /webhooks"))
    assert kept.status < 300 and kept.json["flags"] & 64
    assert kept.json["content"] == "Kept page 2"
    assert fake.messages[message_id]["embeds"][0]["title"] == "Page 2"  # left as it was
    assert len(press.callbacks) == 1


async def test_channel_post_with_nonce_is_not_duplicated(start: Start) -> None:
    fake, adapter = await start()
    reply = Reply("Doors open at 09:00 @everyone <@123456789012345678>", ephemeral=False)
    first = await adapter.post("announcements", reply, key="announce:1:discord")
    again = await adapter.post("announcements", reply, key="announce:1:discord")
    assert first == again
    stored = fake.channel_messages("222222222222222222")
    assert len(stored) == 1
    sent = [r for r in fake.requests if r.route == MESSAGES]
    assert sent[0].json["nonce"] and sent[0].json["enforce_nonce"] is True
    assert sent[0].json["allowed_mentions"] == {"parse": []}
    assert "@\u200beveryone" in stored[0]["content"]
    assert "\\<@123456789012345678\\>" in stored[0]["content"]


async def test_posts_to_rooms_and_ids_and_edit(start: Start) -> None:
    fake, adapter = await start()
    sent = await adapter.post("grand-hall", Reply("In this room next: the dialogue"))
    assert sent.channel_id == fake.channel_id
    await adapter.edit(sent, Reply("Now: the dialogue"))
    assert fake.messages[sent.message_id]["content"] == "Now: the dialogue"
    with pytest.raises(DeliveryError) as missing:
        await adapter.post("nowhere", Reply("x"))
    assert missing.value.permanent


async def test_long_text_is_split_and_files_attach(start: Start) -> None:
    fake, adapter = await start()
    text = "\n".join(f"line {i} " + "x" * 90 for i in range(60))
    await adapter.post(
        "announcements", Reply(text, file=Attachment("a.ics", b"BEGIN", "text/calendar"))
    )
    stored = fake.channel_messages("222222222222222222")
    assert len(stored) == 3
    assert all(len(m["content"]) <= 2000 for m in stored)
    assert "line 59" in stored[-1]["content"]
    uploads = [r for r in fake.requests if r.route == MESSAGES and r.files]
    assert uploads[0].files[0].filename == "a.ics"


async def test_dm_opens_once_and_closed_dms_are_recorded(start: Start, store: Store) -> None:
    fake, adapter = await start(closed_dm_user_ids=["444444444444444444"])
    alice = UserRef("discord", fake.default_user["id"], "alice")
    await adapter.dm(alice, Reply("Your session starts in 10 minutes"))
    await adapter.dm(alice, Reply("It starts now"))
    opened = [r for r in fake.requests if r.route == "POST /users/@me/channels"]
    assert len(opened) == 1
    fake.add_user("closed", "444444444444444444")
    closed = UserRef("discord", "444444444444444444", "closed")
    with pytest.raises(DeliveryError) as refused:
        await adapter.dm(closed, Reply("hello"))
    assert refused.value.permanent and refused.value.code == 50007
    assert await is_blocked(store, "discord", "444444444444444444")
    before = len(fake.requests)
    with pytest.raises(DeliveryError):
        await adapter.dm(closed, Reply("hello again"))
    assert len(fake.requests) == before  # not retried against Discord


async def test_a_429_is_waited_out_and_retried(start: Start) -> None:
    fake, adapter = await start()
    fake.rate_limit_next(MESSAGES, times=2, retry_after=0.05)
    sent = await adapter.post("announcements", Reply("after the limit"), key="k429")
    attempts = [r for r in fake.requests if r.route == MESSAGES]
    assert [r.status for r in attempts] == [429, 429, 200]
    assert fake.messages[sent.message_id]["content"] == "after the limit"


async def test_a_429_on_an_interaction_callback_is_waited_out_and_answered(
    start: Start,
) -> None:
    """The callback goes out through discord.py's webhook adapter (as its own
    InteractionResponse does): a 429 is waited out (`retry_after`) and the answer sent
    again inside the deadline."""
    fake, _ = await start()
    fake.rate_limit_next(CALLBACK, times=2, retry_after=0.05)
    pending = await fake.send_slash_command("next")
    assert "Opening Ceremony" in content_of((await pending.callback(3)).json)
    attempts = pending.callbacks
    assert [r.status for r in attempts][:2] == [429, 429] and attempts[2].status < 300
    assert len(attempts) == 3
    assert attempts[-1].headers["User-Agent"].startswith("DiscordBot (")
    assert attempts[-1].headers["Content-Type"] == "application/json"


async def test_a_refused_callback_is_logged_once_not_retried(start: Start, core: Core) -> None:
    """A callback Discord refuses (here 40060: another answer came first) is not sent
    again, since no retry can fix it; the adapter says so in one warning line."""
    release, warned = asyncio.Event(), asyncio.Event()
    lines: list[str] = []

    class Watch(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(record.getMessage())
            warned.set()

    @command("gated", L("gated"))
    async def gated(ctx: Any) -> Reply:
        await release.wait()
        return Reply("too late")

    core.add_command(gated)
    fake, _ = await start()
    pending = await fake.send_slash_command("gated")
    pending.response_type = 4  # as if another process had answered it meanwhile
    logger = logging.getLogger("bot.platforms.discord.adapter")
    watch = Watch(logging.WARNING)
    logger.addHandler(watch)
    try:
        release.set()
        refused = await pending
        await asyncio.wait_for(warned.wait(), 5)
    finally:
        logger.removeHandler(watch)
    assert refused.status == 400 and refused.response["code"] == 40060
    assert len(lines) == 1 and "40060" in lines[0] and pending.token not in lines[0]
    assert len(pending.callbacks) == 1


async def test_a_dropped_connection_on_a_callback_is_one_line_not_a_traceback(
    start: Start,
) -> None:
    """Discord closing the connection on an answer (no status at all) is one warning."""
    warned = asyncio.Event()
    records: list[logging.LogRecord] = []

    class Watch(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)
            if "no answer from Discord" in record.getMessage():
                warned.set()

    fake, _ = await start()
    fake.drop_next(CALLBACK)
    watch = Watch(logging.WARNING)
    logging.getLogger().addHandler(watch)
    try:
        await fake.send_slash_command("next")
        await asyncio.wait_for(warned.wait(), 10)
        answered = await fake.send_slash_command("now")  # the bot keeps answering
        assert (await answered).status < 300
    finally:
        logging.getLogger().removeHandler(watch)
    assert not any(r.exc_info for r in records), [r.getMessage() for r in records]


async def test_a_wrong_token_fails_at_start_with_a_clear_message(start: Start) -> None:
    with pytest.raises(StartupError, match="Discord refused DISCORD_TOKEN"):
        await start(token="wrong-token")


def test_rendering_helpers() -> None:
    assert escape("**bold** _x_ `c` > q") == "\\*\\*bold\\*\\* \\_x\\_ \\`c\\` \\> q"
    assert escape("# title\n- item") == "\\# title\n\\- item"
    assert escape("@here") == "@\u200bhere"
    chunks = split_content("a" * 4500)
    assert [len(c) for c in chunks] == [2000, 2000, 500]
    assert split_content("") == [""]
    payload = command_payload(next(s for s in ALL if s.name == "agenda"))
    assert payload["options"][0]["max_length"] == 40
    assert "permissions=274878024704" in invite_url("1")
    assert "scope=bot+applications.commands" in invite_url("1")
    assert application_id_from_token("MTIz.x.y") == "123"
    assert application_id_from_token("!!!") is None
    assert isinstance(SentMessage("discord", "1", "2"), SentMessage)
    assert Button("x", "a").style == "secondary"
    assert yarl.URL("ws://127.0.0.1").host == "127.0.0.1"
    long = "*" * 300  # past the render cache's length: rendered each time, the same way
    assert escape(long) == "\\*" * 300 and render_text((long, "@here")) == escape(long + "@here")


def test_a_line_longer_than_an_embed_holds_is_clipped_not_dropped() -> None:
    """One line longer than a description's 4,096 characters (a long abstract, or one
    that escaping makes long) shows its start, not nothing but "… (+1)"."""
    alone = embed_data(Card("Session", lines=("word " * 1200,)))["description"]
    assert len(alone) <= 4096 and alone.startswith("word word ") and alone.endswith("…")
    first = embed_data(Card("Session", lines=("*" * 2500, "next line", "last line")))
    assert len(first["description"]) <= 4096
    assert first["description"].startswith("\\*\\*") and first["description"].endswith("…\n… (+2)")


def _as_objects(reply: Reply) -> dict[str, Any]:
    """What a bot written with discord.py's objects would pass to `send_message`."""
    part: dict[str, Any] = {"allowed_mentions": discord.AllowedMentions.none()}
    if reply.text:
        part["content"] = render_text(reply.text)
    if reply.card is not None:
        part["embed"] = discord.Embed.from_dict(embed_data(reply.card))
    if reply.buttons:
        view = discord.ui.View(timeout=None)
        for b in reply.buttons:
            style = discord.ButtonStyle[b.style]
            view.add_item(
                discord.ui.Button(label=b.label, custom_id=f"{b.action_id}|{b.value}", style=style)
            )
        part["view"] = view
    if "content" not in part and "embed" not in part:
        part["content"] = "\u200b"
    return part


def test_the_one_renderer_writes_what_discord_py_would() -> None:
    """The JSON the adapter sends matches what discord.py builds from its own objects."""
    at = datetime(2026, 2, 5, 1, tzinfo=UTC)
    card = Card(
        "Day *1*",
        fields=(Field("When", ("at ", Stamp(at, "f", "10:00"))), Field("Room", "A", False)),
        lines=("# not a heading", "<@123> @everyone"),
        footer="foot",
    )
    buttons = tuple(Button(f"p{i}", "page", str(i), "primary") for i in range(7))
    for reply in (Reply("**hi**"), Reply(card=card, buttons=buttons, ephemeral=False), Reply()):
        mine, rest = message_data(reply, ephemeral=reply.ephemeral)
        flags = discord.MessageFlags._from_value(64) if reply.ephemeral else discord.utils.MISSING
        params = interaction_message_response_params(
            type=4, previous_allowed_mentions=None, flags=flags, **_as_objects(reply)
        )
        assert params.payload is not None
        theirs = params.payload["data"]
        # discord.py also spells out defaults: tts false, embed flags 0, enabled buttons.
        theirs.pop("tts")
        for embed in theirs.get("embeds", []):
            embed.pop("flags", None)
        for row in theirs.get("components", []):
            for item in row["components"]:
                item.pop("disabled")
        assert mine == theirs and rest == []
    assert [len(row["components"]) for row in components_data(buttons)] == [5, 2]
    with_file, _ = message_data(Reply("x", file=Attachment("a.ics", b"x")))
    assert with_file["attachments"] == [{"id": 0, "filename": "a.ics"}]
    assert message_data(Reply("a" * 2500), ephemeral=True) == (ANY, ["a" * 500])


async def test_forum_bot_run_serves_discord_and_stops_on_sigterm(tmp_path: Any) -> None:
    """The whole program as a subprocess, its Discord pointed at the fake on 127.0.0.1."""
    async with FakeDiscord(token=TOKEN) as fake:
        env = bot_env(tmp_path / "bot.sqlite", discord=fake, FORUM_BOT_WEB_PORT="0")
        proc = await run_bot(env, "--simulate-from", "2026-02-05T09:00+09:00")
        try:
            await fake.wait_for(lambda r: r.route.startswith("PUT /applications"), timeout=30)
            body = (await (await fake.send_slash_command("next"))).json
            assert "Opening Ceremony" in content_of(body)
        finally:
            proc.send_signal(signal.SIGTERM)
            out, err = await asyncio.wait_for(proc.communicate(), 30)
        log = err.decode()
        assert proc.returncode == 0, log
        assert "commands synced" in log and "forum-bot stopped" in log
        assert TOKEN not in log and "Traceback" not in log
        assert out == b""  # no terminal without --console


async def test_forum_bot_run_with_a_wrong_token_exits_with_one_clear_line(tmp_path: Any) -> None:
    async with FakeDiscord(token=TOKEN) as fake:
        env = bot_env(tmp_path / "bot.sqlite", discord=fake, discord_token="not-the-token")
        proc = await run_bot(env)
        _, err = await asyncio.wait_for(proc.communicate(), 30)
    assert proc.returncode == 1
    log = err.decode()
    assert "Discord refused DISCORD_TOKEN (401 Unauthorized)" in log
    assert "Traceback" not in log and "not-the-token" not in log


def test_a_shared_reply_is_rendered_once_per_object() -> None:
    from bot.platforms.base import RenderMemo

    made: list[Reply] = []

    def render(reply: Reply) -> str:
        made.append(reply)
        return plain(reply.text)

    memo = RenderMemo(render, size=2)
    shared, twin = Reply("agenda"), Reply("agenda")
    assert memo(shared) == memo(shared) == memo(twin) == "agenda"
    assert made == [shared, twin] and made[1] is twin  # by identity, not equality
    memo(Reply("third"))  # the oldest (shared) goes
    memo(shared)
    assert len(made) == 4
