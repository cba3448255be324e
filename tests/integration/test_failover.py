"""Issue 19's acceptance test: two `forum-bot run` on one PostgreSQL, the fakes of Discord
and Slack in this process, 500 DMs due; the leader is killed with SIGKILL in the middle of
the fan-out. The other takes the gateway and the planner within 15 s, every delivery goes
out exactly once, and the questions and votes phones sent to either instance around the
failover are all kept, the votes exact.

The gateway part (asserted last) needs the Discord gateway on the leader alone; on the
code before that change both instances identify at their start and it fails."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import signal
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import aiohttp

from bot.storage import Store, open_store
from bot.storage import announcements as ann
from bot.storage.qa import set_state
from tests.fakes.discord_server import FakeDiscord
from tests.fakes.environment import bot_env, run_bot, web_port
from tests.fakes.slack_server import FakeSlack
from tests.integration.test_audience import _csrf
from tests.integration.test_crash import PEOPLE, discord_dms, seed, slack_dms, wait_until
from tests.integration.test_postgres_operations import on
from tests.postgres import PostgresServer

# Both clocks start here, each at its own process's start: the 15-minute reminders of the
# dialogue (13:00) fall due a second later. Only the leader plans, so they are queued by
# one clock; the announcement of the failover is planned by the survivor's clock alone;
# the dialogue's Q&A is opened by hand, for good. A second or two between the two
# processes' starts therefore changes nothing.
SIMULATE_FROM = datetime.fromisoformat("2026-02-05T12:44:59+09:00")
CHANNELS = ("announcements", "schedule-updates", "qa-moderators", "grand-hall", "partnering-hall")
ROUND = 4  # phones asking in each round of questions
TAKEOVER = 15.0  # seconds: the bound from the kill to the survivor leading
ANNOUNCEMENT = "Failover drill: the dialogue starts on time"
REMINDER = "Starting in 15 min"  # the dialogue's reminder, in the DMs and the channels


def slack_id(channel: str) -> str:
    """The fake Slack's id of a channel of the event file."""
    return "C0" + channel.upper().replace("-", "")


class Bot:
    """One `forum-bot run` and its log, read as it comes (a full pipe would stall it)."""

    def __init__(self, name: str, proc: asyncio.subprocess.Process) -> None:
        assert proc.stderr is not None
        self.name = name
        self.proc = proc
        self.lines: list[str] = []
        self._grew = asyncio.Event()
        self._for_port = asyncio.StreamReader()  # the log again, for web_port()
        self._reader = asyncio.create_task(self._read(proc.stderr))
        self.base = ""
        self.spawned = asyncio.get_running_loop().time()  # about when its clock started

    async def _read(self, stderr: asyncio.StreamReader) -> None:
        while line := await stderr.readline():
            self.lines.append(line.decode(errors="replace"))
            self._for_port.feed_data(line)
            self._grew.set()
        self._for_port.feed_eof()
        self._grew.set()

    async def started(self) -> None:
        self.base = f"http://127.0.0.1:{await web_port(self._for_port)}"

    async def said(self, pattern: str, timeout: float, start: int = 0) -> re.Match[str]:  # noqa: ASYNC109 - a bounded read of the log
        """The first log line from `start` on matching `pattern`, waiting up to `timeout`."""
        async with asyncio.timeout(timeout):
            while True:
                for line in self.lines[start:]:
                    found = re.search(pattern, line)
                    if found:
                        return found
                if self._reader.done():
                    raise AssertionError(f"{self.name} exited:\n" + "".join(self.lines[-30:]))
                self._grew.clear()
                await self._grew.wait()

    def leads(self) -> bool:
        return any(re.search(r"cluster: \w+ leads", line) for line in self.lines)

    async def stop(self, sig: int) -> None:
        if self.proc.returncode is None:
            self.proc.send_signal(sig)
        await asyncio.wait_for(self.proc.wait(), 30)
        await self._reader


@dataclass
class Audience:
    """Phones on the dialogue's audience page (a cookie jar each: the device cookie and
    its form token are signed with the secret every instance shares, so they hold on
    either), and what the instances acknowledged."""

    store: Store
    browsers: list[aiohttp.ClientSession] = field(default_factory=list)
    tokens: dict[int, str] = field(default_factory=dict)  # phone -> its CSRF token
    ids: dict[str, int] = field(default_factory=dict)  # question -> its number
    asked: list[str] = field(default_factory=list)  # questions acknowledged
    own: dict[int, str] = field(default_factory=dict)  # phone -> the question it asked
    voters: dict[str, set[int]] = field(default_factory=dict)  # question -> phones
    sent: Counter[str] = field(default_factory=Counter)  # requests per instance

    def phone(self) -> int:
        self.browsers.append(aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)))
        return len(self.browsers) - 1

    async def _post(self, bot: Bot, phone: int, action: str, **fields: str) -> None:
        browser = self.browsers[phone]
        if phone not in self.tokens:  # its first page: the device cookie and the token
            page = aiohttp.ClientSession(base_url=bot.base, cookie_jar=browser.cookie_jar)
            try:
                self.tokens[phone] = await _csrf(page)
            finally:
                await page.close()
        async with browser.post(
            f"{bot.base}/q/dialogue/{action}",
            data={"csrf": self.tokens[phone], **fields},
            headers={"Accept": "application/json"},
        ) as response:
            said = await response.json()
        self.sent[bot.name] += 1
        assert response.status == 200 and said["ok"], (bot.name, action, fields, said)

    async def ask(self, bot: Bot, phone: int, text: str) -> None:
        await self._post(bot, phone, "ask", text=text, name=f"Phone {phone}")
        self.asked.append(text)
        self.own[phone] = text

    async def vote(self, bot: Bot, phone: int, text: str) -> None:
        await self._post(bot, phone, "vote", id=str(self.ids[text]))
        self.voters.setdefault(text, set()).add(phone)

    async def round(self, bot: Bot, label: str, people: int = ROUND) -> None:
        """`people` new phones ask on `bot`; then each up-votes every other question
        asked so far but its own (which half alternates, to vary the counts), and
        the first of them a question it voted for already (counted once)."""
        phones = [self.phone() for _ in range(people)]
        mine = [f"{label}: question of phone {p}, on the failover?" for p in phones]
        await asyncio.gather(*(self.ask(bot, p, q) for p, q in zip(phones, mine, strict=True)))
        rows = await self.store.fetchall("SELECT id, body FROM questions")
        self.ids |= {body: int(qid) for qid, body in rows}

        async def votes(k: int, p: int) -> None:
            others = [q for q in self.asked if q != mine[k]][k % 2 :: 2]
            for q in others + others[:1]:
                await self.vote(bot, p, q)

        await asyncio.gather(*(votes(k, p) for k, p in enumerate(phones)))

    async def move(self, bot: Bot, phones: list[int]) -> None:
        """Phones that voted on another instance vote on `bot`: again for what they voted
        for there (counted once), and for the newest question not their own."""
        for p in phones:
            before = [q for q, who in self.voters.items() if p in who]
            newest = next(q for q in reversed(self.asked) if q != self.own[p])
            for q in [*before[:2], newest]:
                await self.vote(bot, p, q)

    async def close(self) -> None:
        for browser in self.browsers:
            await browser.close()


def identifies(fake: FakeDiscord) -> int:
    """IDENTIFY frames (op 2) the fake's gateway received: one per new session."""
    return sum(1 for frame in fake.gateway_received if frame.get("op") == 2)


async def test_kill_9_the_leader_mid_fan_out_the_other_takes_over_and_nothing_is_lost(
    postgres: PostgresServer, tmp_path: Path
) -> None:
    loop = asyncio.get_running_loop()
    began = loop.time()
    url = await postgres.new_database()
    async with (
        FakeDiscord(token="failover-token") as discord_fake,
        FakeSlack(
            signing_secret="failover-signing",
            bot_token="xoxb-failover",
            channels={name: slack_id(name) for name in CHANNELS},
        ) as slack_fake,
    ):
        guild = {discord_fake.channel_id}
        for name in CHANNELS:
            guild.add(discord_fake.add_channel(name=name)["id"])
        discord_ids = [discord_fake.add_user(f"p{i:03d}")["id"] for i in range(PEOPLE)]
        slack_ids = [f"U{i:05d}" for i in range(PEOPLE)]
        await seed(url, discord_ids, slack_ids)
        store = await open_store(url)
        audience = Audience(store)
        bots: list[Bot] = []
        try:
            # A moderator opened the dialogue's Q&A, unmoderated, for good: it takes
            # questions before the session starts (13:00), at any instance's time.
            await set_state(store, "dialogue", "open", None, SIMULATE_FROM, moderated=False)
            # Slack posts are made at once but answered late, so the kill catches some
            # that went through without the bot knowing: nobody may get them twice.
            slack_fake.answer_delays["chat.postMessage"] = 0.2
            for name in ("a", "b"):
                environment = on(url, tmp_path / name / "bot.sqlite") | bot_env(
                    tmp_path / name / "bot.sqlite", discord=discord_fake, slack=slack_fake
                )
                proc = await run_bot(
                    environment, "--simulate-from", SIMULATE_FROM.isoformat(), "--speed", "1"
                )
                bots.append(Bot(name, proc))
            await asyncio.gather(*(b.started() for b in bots))
            for b in bots:  # each has joined the cluster by the time its web server listens
                await b.said(r"cluster: \w+ leads|serves; another instance leads", 10)
            leaders = [b for b in bots if b.leads()]
            assert len(leaders) == 1, [b.lines for b in bots]
            leader = leaders[0]
            survivor = next(b for b in bots if b is not leader)
            print(f"started in {loop.time() - began:.2f} s; {leader.name} leads")

            # Phones ask and vote on both instances while the reminders go out.
            await audience.round(leader, "before, on the leader")
            await audience.round(survivor, "before, on the other")
            await wait_until(
                lambda: (
                    len(discord_dms(discord_fake, guild)) >= 40 and len(slack_dms(slack_fake)) >= 40
                ),
                30,
            )
            live_at_kill = discord_fake.connected
            log_at = len(survivor.lines)  # its "leads" may come while the kill is reaped
            leader.proc.send_signal(signal.SIGKILL)  # kill -9: no goodbye
            await leader.stop(signal.SIGKILL)
            killed = loop.time()
            assert leader.proc.returncode == -signal.SIGKILL
            before = len(discord_dms(discord_fake, guild)), len(slack_dms(slack_fake))
            assert max(before) < PEOPLE, "the kill came too late to prove anything"
            identified = identifies(discord_fake)

            # An announcement scheduled after the kill, as `forum-bot announce --at`
            # leaves it (and its signal): only the survivor's planner can send it.
            due = SIMULATE_FROM + timedelta(seconds=killed - survivor.spawned + 2)
            await ann.create(
                store, ANNOUNCEMENT, ("all",), due, ann.SCHEDULED, "test", "test", SIMULATE_FROM
            )
            assert survivor.proc.pid is not None
            os.kill(survivor.proc.pid, signal.SIGUSR1)
            # Phones go on asking on the survivor while it takes over.
            leading_before = survivor.leads()
            await audience.round(survivor, "during the failover")
            await audience.move(survivor, list(range(ROUND)))  # the dead one's phones
            await survivor.said(r"cluster: \w+ leads", TAKEOVER, start=log_at)
            took = loop.time() - killed
            print(f"takeover: the survivor leads {took:.2f} s after the kill")
            assert took < TAKEOVER, took
            await audience.round(survivor, "after the failover")

            # Every reminder exactly once, and the outbox empty: the dead instance's claims
            # went back to the queue (after its 15-s lease) and were settled.
            async def outbox_busy() -> int:
                row = await store.fetchone(
                    "SELECT COUNT(*) FROM outbox WHERE status IN ('pending', 'sending')"
                )
                assert row is not None
                return int(row[0])

            ann_channel = next(
                c for c in guild if discord_fake.channels[c]["name"] == "announcements"
            )

            def announced(n: int = 1) -> bool:
                """The announcement is in both announcements channels, `n` times."""
                on_discord = discord_fake.channel_messages(ann_channel)
                on_slack = slack_fake.messages_in(slack_id("announcements"))
                return (
                    sum(ANNOUNCEMENT in str(m) for m in on_discord) == n
                    and sum(ANNOUNCEMENT in str(m) for m in on_slack) == n
                )

            try:
                await wait_until(
                    lambda: (
                        len(discord_dms(discord_fake, guild)) == PEOPLE
                        and len(slack_dms(slack_fake)) == PEOPLE
                        and announced()
                    ),
                    30,
                )
            except TimeoutError:
                left = await store.fetchall(
                    "SELECT platform, status, COUNT(*) FROM outbox GROUP BY 1, 2 ORDER BY 1, 2"
                )
                raise AssertionError(
                    f"{len(discord_dms(discord_fake, guild))} Discord and "
                    f"{len(slack_dms(slack_fake))} Slack DMs, announced: {announced()}; "
                    f"outbox: {[tuple(r) for r in left]}\n" + "".join(survivor.lines[-20:])
                ) from None
            async with asyncio.timeout(20):
                while await outbox_busy():  # noqa: ASYNC110 - nothing tells of it; a bounded poll
                    await asyncio.sleep(0.1)
            settled = loop.time() - killed
            # The dead leader's socket closed with it: one gateway session lives on.
            await wait_until(lambda: discord_fake.connected <= 1, 5)
            gateways = discord_fake.connected, identifies(discord_fake)
            await survivor.stop(signal.SIGTERM)
            assert survivor.proc.returncode == 0, "".join(survivor.lines[-30:])

            d, s = discord_dms(discord_fake, guild), slack_dms(slack_fake)
            print(
                f"at the kill: {before[0]} Discord + {before[1]} Slack DMs; all "
                f"{len(d)} + {len(s)} settled {settled:.1f} s after it; phones' requests "
                f"{dict(audience.sent)}, questions {len(audience.asked)}; survivor led "
                f"{'before' if leading_before else 'after'} the failover's questions"
            )
            assert len(d) == PEOPLE and set(d.values()) == {1}, d.most_common(3)
            assert len(s) == PEOPLE and set(s.values()) == {1}, s.most_common(3)
            # The announcement, due after the kill, went out once on each platform.
            assert announced(1)

            # The dialogue's reminder once in each channel it goes to, the same ones on
            # both platforms; and nothing posted twice in any channel.
            def named(channel_id: str) -> str:
                return str(discord_fake.channels[channel_id]["name"])

            posts = {named(c): discord_fake.channel_messages(c) for c in guild}
            slack_posts = {name: slack_fake.messages_in(slack_id(name)) for name in CHANNELS}
            reminded = Counter(n for n, ms in posts.items() for m in ms if REMINDER in str(m))
            slack_reminded = Counter(
                n for n, ms in slack_posts.items() for m in ms if REMINDER in str(m)
            )
            print(f"reminder posts: {dict(reminded)} on Discord, {dict(slack_reminded)} on Slack")
            assert reminded and set(reminded.values()) == {1}
            assert slack_reminded == reminded
            for ms in posts.values():
                said = Counter(json.dumps([m["content"], m.get("embeds")]) for m in ms)
                assert set(said.values()) <= {1}, said.most_common(2)
            for slack_ms in slack_posts.values():
                slack_said = Counter(json.dumps([m.text, m.blocks]) for m in slack_ms)
                assert set(slack_said.values()) <= {1}, slack_said.most_common(2)

            # Every acknowledged question kept once; each one's votes its distinct voters.
            rows = await store.fetchall(
                "SELECT q.body, q.votes, (SELECT COUNT(*) FROM question_votes v "
                "WHERE v.question_id = q.id) FROM questions q WHERE q.session_id = ?",
                ("dialogue",),
            )
            kept = Counter(r[0] for r in rows)
            assert sorted(kept) == sorted(audience.asked) and set(kept.values()) == {1}
            for body, votes, voters in rows:
                expected = len(audience.voters.get(body, set()))
                assert votes == voters == expected, (body, votes, voters, expected)

            # Last, as it needs the lead's change (the gateway on the leader alone): one
            # gateway before the kill, the leader's; the survivor identified after it; one
            # live session at the end (counted before the survivor was stopped).
            print(
                f"gateway: {live_at_kill} live before the kill, {identified} IDENTIFY before it, "
                f"{gateways[1] - identified} after it, {gateways[0]} live at the end"
            )
            assert live_at_kill == 1, "followers hold a gateway too"
            assert gateways[1] == identified + 1, "the survivor did not identify after the kill"
            assert gateways[0] == 1
        finally:
            await audience.close()
            for b in bots:
                with contextlib.suppress(TimeoutError):
                    await b.stop(signal.SIGKILL)
            await store.close()
    await postgres.recycle(url)
    print(f"whole test: {loop.time() - began:.1f} s")
