"""Exactly once across a crash: `forum-bot run` is killed with SIGKILL in the middle of a
fan-out of 500 DMs (250 on Discord, 250 on Slack) and restarted; each person gets one
reminder, none lost, none twice."""

from __future__ import annotations

import asyncio
import signal
import sys
from collections import Counter
from pathlib import Path

from bot.storage import open_store
from bot.storage.subscriptions import subscribe
from tests.fakes.discord_server import FakeDiscord
from tests.fakes.environment import bot_env
from tests.fakes.slack_server import FakeSlack
from tests.integration.test_reminders import at

ROOT = Path(__file__).resolve().parents[2]
PEOPLE = 250  # per platform
SECRET = "crash-test-secret"


async def seed(db: Path | str, discord_ids: list[str], slack_ids: list[str]) -> None:
    """500 people asked for a DM 15 minutes before the dialogue (13:00 KST)."""
    store = await open_store(db)
    try:
        for platform, ids in (("discord", discord_ids), ("slack", slack_ids)):
            for uid in ids:
                await subscribe(store, platform, uid, "dialogue", 15, at("09:00"))
    finally:
        await store.close()


async def start_bot(env: dict[str, str], simulate_from: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        "--simulate-from",
        simulate_from,
        "--speed",
        "1",
        cwd=ROOT,
        env=env,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )


def discord_dms(fake: FakeDiscord, guild_channels: set[str]) -> Counter[str]:
    """Messages per DM channel (every channel that is not the guild's)."""
    return Counter(
        m["channel_id"] for m in fake.messages.values() if m["channel_id"] not in guild_channels
    )


def slack_dms(fake: FakeSlack) -> Counter[str]:
    return Counter(m.channel for m in fake.messages if m.channel.startswith("D"))


async def wait_until(check: object, timeout: float) -> None:  # noqa: ASYNC109 - a bounded poll
    """Poll a condition on the fakes (they record what arrives; no event covers counts)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not check():  # type: ignore[operator]
        if loop.time() > deadline:
            raise TimeoutError("the fakes did not reach the expected state")
        await asyncio.sleep(0.05)


async def test_sigkill_mid_fan_out_delivers_every_reminder_exactly_once(tmp_path: Path) -> None:
    db = tmp_path / "bot.sqlite"
    async with (
        FakeDiscord(token="crash-token") as discord_fake,
        FakeSlack(
            signing_secret=SECRET,
            bot_token="xoxb-crash",
            channels={
                "announcements": "C0ANN",
                "schedule-updates": "C0SCH",
                "qa-moderators": "C0MOD",
                "grand-hall": "C0HALL",
                "partnering-hall": "C0PART",
            },
        ) as slack_fake,
    ):
        guild = {discord_fake.channel_id}
        for name in (
            "announcements",
            "schedule-updates",
            "qa-moderators",
            "grand-hall",
            "partnering-hall",
        ):
            guild.add(discord_fake.add_channel(name=name)["id"])
        discord_ids = [discord_fake.add_user(f"p{i:03d}")["id"] for i in range(PEOPLE)]
        slack_ids = [f"U{i:05d}" for i in range(PEOPLE)]
        await seed(db, discord_ids, slack_ids)
        # Slack posts are made at once but answered late, so the kill catches some that
        # went through without the bot knowing: the restart must not post them again.
        slack_fake.answer_delays["chat.postMessage"] = 0.2
        env = bot_env(db, discord=discord_fake, slack=slack_fake)
        # Starts 12:44:59; the 15-minute reminders fall due a second later.
        first = await start_bot(env, "2026-02-05T12:44:59+09:00")
        try:
            await wait_until(
                lambda: (
                    len(discord_dms(discord_fake, guild)) >= 40 and len(slack_dms(slack_fake)) >= 40
                ),
                60,
            )
        finally:
            first.send_signal(signal.SIGKILL)
            await first.wait()
        assert first.returncode == -signal.SIGKILL
        before = len(discord_dms(discord_fake, guild)) + len(slack_dms(slack_fake))
        assert before < 2 * PEOPLE, "the crash came too late to prove anything"

        # Back a minute later: the reminders are overdue but the session has not started.
        second = await start_bot(env, "2026-02-05T12:46:00+09:00")
        try:
            await wait_until(
                lambda: (
                    len(discord_dms(discord_fake, guild)) == PEOPLE
                    and len(slack_dms(slack_fake)) == PEOPLE
                ),
                90,
            )
        finally:
            second.send_signal(signal.SIGTERM)
            _, err = await asyncio.wait_for(second.communicate(), 30)
        assert second.returncode == 0, err.decode()[-2000:]

        d, s = discord_dms(discord_fake, guild), slack_dms(slack_fake)
        assert len(d) == PEOPLE and set(d.values()) == {1}, d.most_common(3)
        assert len(s) == PEOPLE and set(s.values()) == {1}, s.most_common(3)
        # The channel reminder went out once per channel too.
        ann = discord_fake.channel_messages(
            next(c for c in guild if discord_fake.channels[c]["name"] == "announcements")
        )
        assert len([m for m in ann if "Dialogue" in str(m)]) == 1
        assert len([m for m in slack_fake.messages_in("C0ANN") if "Dialogue" in m.text]) == 1
