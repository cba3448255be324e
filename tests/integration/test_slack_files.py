"""Files on Slack: /ics and /qa-export through slack_sdk's external upload (the three steps
of files_upload_v2) with the real Bolt app over HTTP, against the fake Slack."""

from __future__ import annotations

import logging
from typing import Any

import aiohttp
import icalendar
import pytest
import pytest_asyncio
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.core.clock import SimulatedClock
from bot.core.dispatch import Core
from bot.core.model import Attachment, ChannelRef, Reply, Role, UserRef
from bot.core.registry import action, command
from bot.i18n import L
from bot.programme import Agenda
from bot.programme.building import build_agenda
from bot.settings import EventConfig
from bot.storage import Store
from commands import ACTIONS, ALL, HOME
from tests.fakes.slack_server import Call, FakeSlack
from tests.integration import test_slack_adapter as adapter_tests
from tests.integration.test_slack_adapter import HALL, Start, block_text

# The adapter tests' fixtures: a fake Slack with the adapter serving HTTP, and no proxies.
start = adapter_tests.start
_no_proxy = adapter_tests._no_proxy

ASKER = UserRef("slack", "U1", "u1")
MODERATOR = UserRef("slack", "U9", "u9")  # in @forum-moderators in the fake


@action("test.file")
async def file_button(ctx: Any, value: str) -> Reply:
    """A button whose answer is a file, as a file-producing button would be."""
    return Reply(f"Notes for {value}.", file=Attachment(f"notes-{value}.txt", b"a\nb\n"))


@pytest_asyncio.fixture
async def core(event_config: EventConfig, store: Store, clock: SimulatedClock) -> Core:
    """The real core with every command and button, and one button answering with a file."""
    agenda: Agenda = build_agenda(event_config)
    return Core(
        store=store,
        clock=clock,
        config=event_config,
        agenda=agenda,
        commands=ALL,
        actions=[*ACTIONS, file_button],
        home=HOME,
    )


async def uploaded(fake: FakeSlack) -> tuple[Call, Call, Call]:
    """The three steps of one external upload, checked against each other."""
    complete = await fake.wait_for("files.completeUploadExternal")
    (asked,) = fake.calls_to("files.getUploadURLExternal")
    (sent,) = fake.calls_to("files.upload")
    file_id = asked.response["file_id"]
    assert sent.body == {"file_id": file_id, "size": int(asked.body["length"])}
    assert [f["id"] for f in complete.body["files"]] == [file_id]
    assert complete.body["files"][0]["title"] == asked.body["filename"]
    assert complete.ok
    return asked, sent, complete


def dm_of(fake: FakeSlack, user_id: str) -> str:
    """The id of the bot's DM with a person, as conversations.open answered it."""
    opened = [c for c in fake.calls_to("conversations.open") if c.body.get("users") == user_id]
    return str(opened[0].response["channel"]["id"])


@pytest.mark.parametrize(
    ("which", "filename", "events"),
    [
        ("", "battery-forum-2026.ics", None),
        ("mine", "battery-forum-2026-mine.ics", 1),
        ("dialogue", "battery-forum-2026-dialogue.ics", 1),
    ],
)
async def test_ics_sends_the_calendar_file_to_the_askers_dm(
    start: Start, core: Core, which: str, filename: str, events: int | None
) -> None:
    await core.dispatch_text("slack", "/remind dialogue", ASKER, ChannelRef("slack", "C0GENERAL"))
    fake, _, url = await start()
    resp = await fake.send_command(url, "/ics", which, user_id="U1")
    assert resp.status == 200 and resp.elapsed < 3
    asked, _, complete = await uploaded(fake)
    assert asked.body["filename"] == filename
    # A file cannot be ephemeral on Slack: it goes to the asker's DM with the bot.
    dm = dm_of(fake, "U1")
    assert complete.body["channel_id"] == dm
    (posted,) = fake.messages_in(dm)
    assert "calendar file" in posted.text
    data = fake.files[asked.response["file_id"]]["content"]
    calendar = icalendar.Calendar.from_ical(data)
    found = len(calendar.walk("VEVENT"))
    assert found == (events if events is not None else len(core.agenda.sessions))
    # ...and the asker is told so, in the channel, to them alone.
    told = await fake.wait_for("response_url")
    assert told.body["response_type"] == "ephemeral"
    text = block_text(told.body["blocks"])
    assert "calendar file" in text and "direct messages" in text
    assert not fake.messages_in("C0GENERAL")


async def test_qa_export_sends_the_questions_file(start: Start, core: Core) -> None:
    channel = ChannelRef("slack", HALL)
    mod = frozenset(Role)
    await core.dispatch_text("slack", "/qa-open dialogue", MODERATOR, channel, mod)
    await core.dispatch_text(
        "slack", "/ask What limits the cycle life of Li metal?", ASKER, channel
    )
    fake, _, url = await start()
    await fake.send_command(url, "/qa-export", "dialogue", user_id="U9", channel_id=HALL)
    asked, _, complete = await uploaded(fake)
    assert asked.body["filename"] == "questions-dialogue.csv"
    assert complete.body["channel_id"] == dm_of(fake, "U9")
    data = fake.files[asked.response["file_id"]]["content"]
    assert data.startswith(b"\xef\xbb\xbf") and b"What limits the cycle life" in data
    told = await fake.wait_for("response_url")
    assert '1 question of "' in block_text(told.body["blocks"])
    assert not fake.messages_in(HALL)  # the export never lands in the room's channel


async def test_a_slow_answer_with_a_file_is_uploaded_too(start: Start) -> None:
    fake, adapter, url = await start()
    object.__setattr__(adapter.settings, "ack_after", 0.0)  # everything answers late
    resp = await fake.send_command(url, "/ics", "dialogue", user_id="U1")
    assert resp.status == 200 and resp.body == ""
    await uploaded(fake)
    told = await fake.wait_for("response_url")
    assert "direct messages" in block_text(told.body["blocks"])


async def test_a_public_answer_with_a_file_goes_to_the_channel(start: Start, core: Core) -> None:
    @command("poster", L("A file for the channel"), ephemeral=False)
    async def poster(ctx: Any) -> Reply:
        file = Attachment("poster.txt", b"poster")
        return Reply("The poster for everyone.", ephemeral=False, file=file)

    core.add_command(poster)
    fake, _, url = await start()
    await fake.send_command(url, "/poster", user_id="U1", channel_id=HALL)
    asked, _, complete = await uploaded(fake)
    assert complete.body["channel_id"] == HALL
    (posted,) = fake.messages_in(HALL)
    assert posted.text == "The poster for everyone." and posted.files
    assert fake.files[asked.response["file_id"]]["content"] == b"poster"


async def test_a_button_whose_answer_is_a_file_sends_it(start: Start) -> None:
    fake, _, url = await start()
    await fake.send_action(url, "test.file#0", "dialogue", user_id="U1")
    asked, _, complete = await uploaded(fake)
    assert asked.body["filename"] == "notes-dialogue.txt"
    assert complete.body["channel_id"] == dm_of(fake, "U1")
    assert fake.files[asked.response["file_id"]]["content"] == b"a\nb\n"
    told = await fake.wait_for("response_url")
    assert told.body["response_type"] == "ephemeral"
    assert "direct messages" in block_text(told.body["blocks"])


@pytest.mark.parametrize(
    ("breakage", "method"),
    [
        ("error", "files.getUploadURLExternal"),
        ("error", "files.upload"),
        ("drop", "files.upload"),
        ("drop", "files.completeUploadExternal"),
        ("html-502", "files.completeUploadExternal"),
    ],
)
async def test_a_failed_upload_tells_the_asker(
    start: Start, caplog: pytest.LogCaptureFixture, breakage: str, method: str
) -> None:
    fake, _, url = await start()
    if breakage == "error":
        fake.fail_next(method, status=500)
    else:
        fake.garble_next(method, breakage)
    with caplog.at_level(logging.WARNING, logger="bot.platforms.slack.adapter"):
        await fake.send_command(url, "/ics", "dialogue", user_id="U1")
        told = await fake.wait_for("response_url")
    assert told.body["response_type"] == "ephemeral"
    text = block_text(told.body["blocks"])
    assert "could not be sent" in text and "battery-forum-2026-dialogue.ics" in text
    assert "direct messages" not in text
    assert not any(m.files for m in fake.messages)  # nothing half-shared
    assert any("battery-forum-2026-dialogue.ics" in r.getMessage() for r in caplog.records)


async def test_a_channel_without_the_bot_is_told_not_silently_skipped(
    start: Start, core: Core
) -> None:
    @command("poster", L("A file for the channel"), ephemeral=False)
    async def poster(ctx: Any) -> Reply:
        file = Attachment("poster.txt", b"poster")
        return Reply("The poster for everyone.", ephemeral=False, file=file)

    core.add_command(poster)
    fake, _, url = await start()
    fake.leave(HALL)
    await fake.send_command(url, "/poster", user_id="U1", channel_id=HALL)
    told = await fake.wait_for("response_url")
    assert told.body["response_type"] == "ephemeral"
    assert "not in this channel" in block_text(told.body["blocks"])
    assert fake.calls_to("files.completeUploadExternal")[0].response["error"] == "not_in_channel"
    assert not fake.messages_in(HALL)


async def test_the_fake_checks_that_the_announced_bytes_arrive() -> None:
    """What the upload tests rely on: a body that is not the announced length is refused,
    and a file whose bytes never arrived cannot be shared."""
    async with FakeSlack(signing_secret="s", bot_token="xoxb-t") as fake:
        client = AsyncWebClient(token="xoxb-t", base_url=fake.api_base)
        url = await client.files_getUploadURLExternal(filename="a.ics", length=10)
        async with (
            aiohttp.ClientSession() as session,
            session.post(url["upload_url"], data=b"short") as resp,
        ):
            assert resp.status == 400
        with pytest.raises(SlackApiError) as refused:
            await client.files_completeUploadExternal(
                files=[{"id": url["file_id"], "title": "a.ics"}], channel_id="C0GENERAL"
            )
        assert refused.value.response["error"] == "file_upload_not_completed"
        assert not fake.messages_in("C0GENERAL")
