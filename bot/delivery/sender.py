"""Draining the outbox: one sender per platform, within its limits, retrying what can be.

Scheduled work never calls an adapter: it queues deliveries (bot/storage/outbox.py), and the
platform's sender here takes them in order, at most `concurrency` at a time, and records
each outcome. A delivery caught mid-send by a crash is sent again after the restart with
the same key, which the adapter uses to avoid a duplicate (a Discord nonce; on Slack, a
look at the channel's recent messages for the key).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
from datetime import timedelta

from bot.core.clock import Clock, SystemClock
from bot.core.model import UserRef
from bot.platforms.base import Adapter, DeliveryError
from bot.storage import Store
from bot.storage.instances import LEASE
from bot.storage.outbox import (
    OutboxRow,
    claim_due,
    mark_failed,
    mark_retry,
    mark_sent,
    next_due,
    recover,
)

log = logging.getLogger(__name__)


class Sender:
    """Delivers one platform's queued messages through its adapter."""

    def __init__(
        self,
        store: Store,
        adapter: Adapter,
        clock: Clock,
        *,
        concurrency: int = 8,
        max_attempts: int = 8,
        retry_seconds: float = 5.0,
        claimer: str | None = None,
    ) -> None:
        self.store = store
        self.adapter = adapter
        self.platform = adapter.name
        self.clock = clock
        self.concurrency = concurrency
        self.max_attempts = max_attempts
        self.retry_seconds = retry_seconds  # after the store failed, real seconds
        # This instance's id when several share the database (bot/cluster.py): its claims
        # carry it, and at start only dead instances' claims are taken back.
        self.claimer = claimer
        self._wake = asyncio.Event()
        self._slots = asyncio.Semaphore(concurrency)
        self._task: asyncio.Task[None] | None = None
        self.sent = 0
        self.failed = 0
        self._inflight = 0
        self._idle = asyncio.Event()
        self._idle.set()
        # How long the loop waits unless woken, in real seconds (inf: until woken).
        self.sleeping_for: float | None = None

    def wake(self) -> None:
        """Something was queued: look now (the sender polls nothing)."""
        self._wake.set()

    async def start(self) -> None:
        """Requeue what a crash interrupted, then drain in the background."""
        # Heartbeats are in real time, whatever a rehearsal's clock does.
        alive_since = None if self.claimer is None else SystemClock().now() - LEASE
        recovered = await recover(self.store, self.platform, alive_since)
        if recovered:
            log.info(
                "%s: %d deliveries interrupted by a stop are queued again", self.platform, recovered
            )
        self._task = asyncio.create_task(self._run(), name=f"sender-{self.platform}")

    async def stop(self) -> None:
        """Stop taking deliveries; one in flight finishes or is recovered at next start."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        while True:
            # Cleared before looking, so a wake() during the look is not lost.
            self._wake.clear()
            wait: float | None
            try:
                busy = await self.drain_once()
                wait = 0.0 if busy else await self._until_next_due()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("%s: the sender failed; trying again shortly", self.platform)
                wait = self.retry_seconds
            self.sleeping_for = math.inf if wait is None else wait
            if wait != 0.0:
                # Until woken (something queued), or the next retry's time; with nothing
                # queued, nothing wakes the sender. asyncio.timeout, not wait_for: on
                # Python 3.11 wait_for can swallow a cancel that arrives as the wait
                # ends, and stop() would wait forever.
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(wait):
                        await self._wake.wait()

    async def _until_next_due(self) -> float | None:
        """Real seconds until the next queued delivery (a retry) is due; None: none is
        queued, or the clock is stopped."""
        at = await next_due(self.store, self.platform)
        if at is None:
            return None
        ahead = (at - self.clock.now()).total_seconds()
        if ahead <= 0:
            return 0.0  # came due while the claim ran: look again now
        wall = self.clock.wall_seconds(ahead)
        return None if math.isinf(wall) else wall

    async def drain_once(self) -> int:
        """Deliver what is due now; returns how many deliveries were attempted."""
        rows = await claim_due(
            self.store, self.platform, self.clock.now(), self.concurrency * 4, self.claimer
        )
        if rows:
            await asyncio.gather(*(self._deliver(row) for row in rows))
        return len(rows)

    async def drain(self) -> int:
        """Deliver until nothing is due and nothing is in flight (tests and the shell)."""
        total = 0
        while True:
            while count := await self.drain_once():
                total += count
            if self._idle.is_set():
                return total
            # The background loop holds deliveries of its own: once they end, look again
            # (one that failed is due again at once when the clock is stopped).
            await self._idle.wait()

    async def _deliver(self, row: OutboxRow) -> None:
        self._inflight += 1
        self._idle.clear()
        try:
            await self._deliver_one(row)
        finally:
            self._inflight -= 1
            if not self._inflight:
                self._idle.set()

    async def _deliver_one(self, row: OutboxRow) -> None:
        async with self._slots:
            first = row.attempts == 1
            try:
                if row.target_kind == "dm":
                    user = UserRef(self.platform, row.target)
                    sent = await self.adapter.dm(user, row.reply, key=row.key, first_attempt=first)
                else:
                    sent = await self.adapter.post(
                        row.target, row.reply, key=row.key, first_attempt=first
                    )
            except DeliveryError as exc:
                await self._failed(row, str(exc), permanent=exc.permanent)
                return
            except Exception as exc:
                # Timeouts, dropped connections, 5xx past the client's own retries.
                await self._failed(row, f"{type(exc).__name__}: {exc}", permanent=False)
                return
            await mark_sent(self.store, row.id, self.clock.now(), sent.channel_id, sent.message_id)
            self.sent += 1

    async def _failed(self, row: OutboxRow, error: str, *, permanent: bool) -> None:
        if permanent or row.attempts >= self.max_attempts:
            await mark_failed(self.store, row.id, error)
            self.failed += 1
            log.warning("%s: gave up %s to %s: %s", self.platform, row.key, row.target, error)
            return
        # Back-off is for the platform, in real seconds; the queue runs on the bot's clock,
        # which a rehearsal runs faster (and tests stop).
        real = min(300, 2**row.attempts)
        delay = timedelta(seconds=real * getattr(self.clock, "speed", 1.0))
        await mark_retry(self.store, row.id, self.clock.now() + delay, error)
        log.info("%s: %s failed (%s); retrying in %s s", self.platform, row.key, error, real)
