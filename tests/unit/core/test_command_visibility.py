"""Who sees which command: on Discord, moderators' and organisers' commands carry default
member permissions (and stay out of DMs), so participants' pickers do not list them; the
core's role check stays behind them; choices have Korean names; and `console` is neither
offered nor taken as an announcement target on Discord or Slack. The real discord.py and
slack-bolt clients run against the fakes."""

from __future__ import annotations

import contextlib
import io
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
import pytest_asyncio

from bot.core.dispatch import Core
from bot.core.model import ChannelRef, Role, UserRef
from bot.platforms.console.adapter import ConsoleAdapter
from bot.platforms.discord.adapter import DiscordAdapter, DiscordSettings
from bot.platforms.slack.adapter import SlackAdapter, SlackSettings
from bot.platforms.slack.manifest import manifest
from bot.runtime import Runtime
from bot.settings import PlatformConfig
from bot.storage import Store
from commands import ALL
from tests.fakes import discord_payloads as p
from tests.fakes.discord_server import FakeDiscord
from tests.fakes.environment import serve_http
from tests.fakes.slack_server import FakeSlack
from tests.fakes.world import keep_clients_local

TOKEN = "discord-test-token"
FORUM_MODS = "111111111111111111"  # a role the event file maps by id, with no permissions
MANAGE_MESSAGES, MANAGE_GUILD = "8192", "32"
RESTRICTED = {"announce": MANAGE_GUILD, "agenda-reload": MANAGE_GUILD, "qa": MANAGE_MESSAGES}
PARTICIPANTS = sorted(s.name for s in ALL if s.role is Role.PARTICIPANT)
MODERATORS = sorted(s.name for s in ALL if s.role <= Role.MODERATOR)
SECRET = "slack-test-signing-secret"
BOT_TOKEN = "xoxb-test-bot-token"
ORGANISER = "U7"
REFUSED = "'console' is not a choice for to on {platform}: choose one of all, discord, slack."

StartDiscord = Callable[[], Awaitable[tuple[FakeDiscord, DiscordAdapter]]]


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    """Nothing between the clients and the fakes on 127.0.0.1."""
    keep_clients_local(monkeypatch)


def _with_the_terminal(core: Core, *adapters: Any) -> Runtime:
    """A runtime on these adapters and the terminal (`forum-bot run --console`), so that
    `console` is a live platform: refusing it is then about where the command came from."""
    console = ConsoleAdapter(core, stdin=io.StringIO(""), stdout=io.StringIO())
    return Runtime(core, [*adapters, console])


@pytest_asyncio.fixture
async def start_discord(
    monkeypatch: pytest.MonkeyPatch, core: Core, store: Store
) -> AsyncIterator[StartDiscord]:
    """The adapter on a fake Discord that offers members only the commands Discord would."""
    async with contextlib.AsyncExitStack() as stack:

        async def go() -> tuple[FakeDiscord, DiscordAdapter]:
            fake = await stack.enter_async_context(
                FakeDiscord(token=TOKEN, enforce_command_permissions=True)
            )
            fake.add_role("Forum mods", FORUM_MODS)
            # As the sample event file maps them: role names, and one role by its id.
            config = PlatformConfig(
                channels={"announcements": "general"},
                roles={"moderator": ["Moderator", FORUM_MODS], "organiser": ["Organiser"]},
            )
            settings = DiscordSettings(
                token=TOKEN,
                guild_ids=(int(fake.guild_id),),
                api_base=fake.api_base,
                gateway_url=fake.gateway_url,
                guild_ready_timeout=0.01,
                ready_timeout=5,
            )
            adapter = DiscordAdapter(core, settings, config, store)
            stack.push_async_callback(adapter.stop)
            await adapter.start()
            _with_the_terminal(core, adapter)
            return fake, adapter

        yield go


async def answer(fake: FakeDiscord, command: str, options: Any, **who: Any) -> str:
    callback = await (await fake.send_slash_command(command, options, **who))
    assert callback.status < 300, callback.response
    content: str = callback.json["data"].get("content") or ""
    return content


async def test_moderator_and_organiser_commands_carry_permissions_participants_lack(
    start_discord: StartDiscord,
) -> None:
    fake, _ = await start_discord()
    synced = {c["name"]: c for c in fake.commands[fake.guild_id]}
    bits = {Role.PARTICIPANT: None, Role.MODERATOR: MANAGE_MESSAGES, Role.ORGANISER: MANAGE_GUILD}
    assert {n: synced[n]["default_member_permissions"] for n in RESTRICTED} == RESTRICTED
    assert synced["qa-block"]["default_member_permissions"] == MANAGE_MESSAGES
    for spec in ALL:
        command = synced[spec.name]
        assert command["default_member_permissions"] == bits[spec.role], spec.name
        # Roles exist only in a server: moderators' commands are not offered in DMs.
        if spec.role is not Role.PARTICIPANT:
            assert command["contexts"] == [p.GUILD_CONTEXT], spec.name

    pat = fake.add_user("pat")
    assert fake.visible_commands(user=pat) == PARTICIPANTS
    assert fake.visible_commands(user=pat, dm=True) == []  # synced to the guild only
    moderator = fake.visible_commands(user=pat, roles=[fake.role_id("Moderator")])
    assert moderator == MODERATORS
    assert "qa-block" in moderator and "announce" not in moderator
    organiser = fake.visible_commands(user=pat, roles=[fake.role_id("Organiser")])
    assert organiser == sorted(s.name for s in ALL)
    with pytest.raises(PermissionError, match="/qa "):
        await fake.send_slash_command("qa", {"action": "approve", "id": 1}, user=pat)


async def test_what_discord_shows_does_not_replace_the_mapped_roles(
    start_discord: StartDiscord,
) -> None:
    """The permission only hides commands; the core still asks for a mapped role."""
    fake, _ = await start_discord()
    approve = {"action": "approve", "id": 1}
    # Manage Messages without a mapped role: Discord offers /qa, the core refuses it.
    staff = fake.add_role("Staff", permissions=p.EVERYONE_PERMISSIONS | p.MANAGE_MESSAGES)
    sam = fake.add_user("sam")
    assert "qa" in fake.visible_commands(user=sam, roles=[staff])
    said = await answer(fake, "qa", approve, user=sam, roles=[staff])
    assert said == "Only moderators can use /qa."

    # An administrator grants /qa-block to an unmapped role (Server Settings >
    # Integrations): offered to its members, refused by the core all the same.
    volunteers = fake.add_role("Volunteers")
    vic = fake.add_user("vic")
    assert "qa-block" not in fake.visible_commands(user=vic, roles=[volunteers])
    fake.allow_command("qa-block", volunteers)
    assert "qa-block" in fake.visible_commands(user=vic, roles=[volunteers])
    said = await answer(fake, "qa-block", {"id": 1}, user=vic, roles=[volunteers])
    assert said == "Only moderators can use /qa-block."

    # A mapped role without Manage Messages: hidden until the administrator grants the
    # command to it, then the core lets its members moderate.
    mia = fake.add_user("mia")
    with pytest.raises(PermissionError):
        await fake.send_slash_command("qa", approve, user=mia, roles=[FORUM_MODS])
    fake.allow_command("qa", FORUM_MODS)
    said = await answer(fake, "qa", approve, user=mia, roles=[FORUM_MODS])
    assert said and "Only moderators" not in said

    # Organisers' commands need Manage Server: a moderator given /announce by an
    # administrator is still no organiser.
    moderator = fake.role_id("Moderator")
    fake.allow_command("announce", moderator)
    said = await answer(fake, "announce", {"text": "Doors open"}, user=mia, roles=[moderator])
    assert said == "Only organisers can use /announce."


async def test_choices_have_korean_names_and_no_console_target(
    start_discord: StartDiscord,
) -> None:
    fake, _ = await start_discord()
    synced = {c["name"]: c for c in fake.commands[fake.guild_id]}
    for command in synced.values():
        for option in command["options"]:
            for choice in option.get("choices", []):
                where = (command["name"], option["name"], choice["value"])
                assert choice["name_localizations"]["ko"], where
    (action,) = [o for o in synced["qa"]["options"] if o["name"] == "action"]
    assert {c["value"]: c["name_localizations"]["ko"] for c in action["choices"]} == {
        "approve": "승인",
        "reject": "거절",
        "highlight": "강조",
        "answered": "답변 완료",
        "undo": "되돌리기",
    }
    (to,) = [o for o in synced["announce"]["options"] if o["name"] == "to"]
    assert {c["value"]: c["name_localizations"]["ko"] for c in to["choices"]} == {
        "all": "전체",
        "discord": "디스코드",
        "slack": "슬랙",
    }
    organiser = fake.add_user("olga")
    roles = [fake.role_id("Organiser")]
    # Discord's client offers no `console`...
    with pytest.raises(ValueError, match="only offers"):
        await fake.send_slash_command(
            "announce", {"text": "Doors open", "to": "console"}, user=organiser, roles=roles
        )
    # ...and the core refuses one sent all the same, though the terminal is running.
    forged = [
        {"name": "text", "type": 3, "value": "Doors open"},
        {"name": "to", "type": 3, "value": "console"},
    ]
    said = await answer(fake, "announce", forged, user=organiser, roles=roles)
    assert said == REFUSED.format(platform="Discord")


@pytest_asyncio.fixture
async def slack(core: Core) -> AsyncIterator[tuple[FakeSlack, str]]:
    """The Slack adapter over HTTP on a fake Slack, with the terminal running beside it."""
    async with contextlib.AsyncExitStack() as stack:
        fake = await stack.enter_async_context(
            FakeSlack(signing_secret=SECRET, bot_token=BOT_TOKEN, channels={"general": "C0G"})
        )
        config = PlatformConfig(
            channels={"announcements": "general"}, roles={"organiser": [ORGANISER]}
        )
        settings = SlackSettings(
            bot_token=BOT_TOKEN, signing_secret=SECRET, api_base=fake.api_base, pace_seconds=0.01
        )
        adapter = SlackAdapter(core, settings, config)
        stack.push_async_callback(adapter.stop)
        await adapter.start()
        _with_the_terminal(core, adapter)
        yield fake, await serve_http(stack, adapter) + "/slack/events"


@pytest.mark.parametrize("text", ["Doors open at nine to console", "Doors open to:console"])
async def test_slack_cannot_announce_to_the_terminal(
    slack: tuple[FakeSlack, str], store: Store, text: str
) -> None:
    fake, url = slack
    body = (await fake.send_command(url, "/announce", text, user_id=ORGANISER)).json()
    assert REFUSED.format(platform="Slack") in json.dumps(body, ensure_ascii=False)
    assert await store.fetchall("SELECT * FROM announcements") == []
    # Slack's manifest hints no `console` either.
    hints = {c["command"]: c.get("usage_hint") for c in _slash_commands()}
    assert hints["/announce"] == "<text> [at] [all|discord|slack]"


def _slash_commands() -> list[dict[str, Any]]:
    made = manifest(ALL, name="forum-bot", request_url=None)
    commands: list[dict[str, Any]] = made["features"]["slash_commands"]
    return commands


async def test_the_terminal_may_still_announce_to_itself(core: Core, store: Store) -> None:
    _with_the_terminal(core)
    organiser = frozenset(Role)
    me = UserRef("console", "ops", "ops")
    here = ChannelRef("console", "terminal", "terminal")
    reply = await core.dispatch_text(
        "console", "/announce Doors open to console", me, here, organiser
    )
    assert not reply.error, reply.text
    stored = await store.fetchall("SELECT targets FROM announcements")
    assert [json.loads(r["targets"]) for r in stored] == [["console"]]
    usage = await core.dispatch_text("console", "/help announce", me, here, organiser)
    assert (
        usage.card is not None
        and usage.card.title == "/announce <text> [at] [all|discord|slack|console]"
    )


def test_the_fake_holds_commands_to_discords_field_rules() -> None:
    def problems(**fields: Any) -> dict[str, Any]:
        command = {"name": "qa", "description": "Moderate", "type": 1} | fields
        with pytest.raises(p.DiscordError) as refused:
            p.check_commands([command])
        assert refused.value.code == 50035
        errors: dict[str, Any] = refused.value.errors or {}
        return errors

    for good in (None, "8192", 8192, "0"):
        p.check_commands([{"name": "qa", "description": "d", "default_member_permissions": good}])
    for bad in ("Manage Messages", "-1", 2**60, 1.5, True):
        assert "default_member_permissions" in problems(default_member_permissions=bad)["0"]
    assert "kr" in problems(name_localizations={"kr": "질문"})["0"]["name_localizations"]
    assert "ko" in problems(name_localizations={"ko": "질문 관리"})["0"]["name_localizations"]
    assert "contexts" in problems(contexts=[3])["0"]
    choice = {"name": "approve", "value": "approve"}
    option = {"name": "action", "description": "What to do", "type": 3}

    def option_problems(*choices: dict[str, Any]) -> dict[str, Any]:
        found = problems(options=[option | {"choices": list(choices)}])
        choice_problems: dict[str, Any] = found["0"]["options"]["0"]["choices"]
        return choice_problems

    assert "name" in option_problems(choice | {"name": "x" * 101})["0"]
    assert "name" in option_problems(choice | {"name": ""})["0"]
    localised = option_problems(choice | {"name_localizations": {"korean": "승인"}})
    assert "korean" in localised["0"]["name_localizations"]
    localised = option_problems(choice | {"name_localizations": {"ko": "승" * 101}})
    assert "ko" in localised["0"]["name_localizations"]
    assert "value" in option_problems(choice | {"value": 1})["0"]
    assert "_errors" in option_problems(*[choice] * 26)
