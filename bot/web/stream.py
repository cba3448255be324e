"""Live streams (server-sent events) whose cost does not grow with their viewers.

One task per (view, session) waits on the Q&A hub (or on `Topics` of several hubs, such as
the presenter screen's questions and polls), keeps to MAX_UPDATES_PER_SECOND,
builds the update once and hands the same bytes to every viewer. Each viewer's own
request writes them out, so a slow viewer falls behind alone; one that takes longer than
WRITE_TIMEOUT to take a frame is dropped. A viewer waits only for the newest frame (a
slot, not a queue): however many updates pass while it is slow, it holds one.

An update whose bytes are the same as the last (a vote on a question outside the top
ten) is not sent at all. Each frame has an `id:` line; a reconnecting browser sends it
back as Last-Event-ID and gets the current state only when it does not already have it.

`Seats` caps the open streams of the whole server (FORUM_BOT_MAX_VIEWERS). Past the cap
a stream is answered 503 with Retry-After and a JSON body ("too many viewers", and the
URL of the view's state), and the page polls that state instead (`state`), which is
built once per change for every poller.
"""

from __future__ import annotations

import asyncio
import logging
import math
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol

from aiohttp import web

log = logging.getLogger(__name__)

# A stream sends at most this many updates per second; a vote storm becomes a few frames.
MAX_UPDATES_PER_SECOND = 5
# Quiet for this long: build the state again anyway (Q&A opens and closes by the clock,
# with no vote to announce it), or send a comment line, which keeps proxies from closing
# the connection and finds viewers that left.
KEEPALIVE_SECONDS = 15.0
# A viewer that has not taken one frame in this long is dropped (its browser reconnects).
WRITE_TIMEOUT = 10.0
MAX_VIEWERS = 5000
# After a failed build (the database busy or gone), the next try waits this much longer.
RETRY_BUILD_SECONDS = 1.0
# How long a refused viewer is asked to wait before trying the stream again.
RETRY_AFTER_SECONDS = 30
_KEEPALIVE = b": keepalive\n\n"
_SSE_HEADERS = {
    "Content-Type": "text/event-stream; charset=utf-8",
    "Cache-Control": "no-cache",
    "X-Accel-Buffering": "no",  # a proxy in front must not hold the stream
}

# What a view shows of a session now, as the bytes of one event's data (JSON).
Build = Callable[[str], Awaitable[bytes]]


class Follows(Protocol):
    """What a view waits on: a version per session that moves at every change (a
    `bot.qa.hub.Hub`, or `Topics` of several)."""

    def version(self, session_id: str) -> int: ...

    async def wait(self, session_id: str, seen: int, seconds: float) -> bool: ...


class Seats:
    """The open streams of every view of one server, under one cap."""

    def __init__(self, limit: int = MAX_VIEWERS) -> None:
        self.limit = limit
        self.taken = 0

    def take(self) -> bool:
        """A seat for one more stream, or False when the server is full."""
        if self.taken >= self.limit:
            return False
        self.taken += 1
        return True

    def release(self) -> None:
        self.taken -= 1


# The server's seats, for any view mounted on it: `Broadcaster(hub, build, app[SEATS])`.
SEATS = web.AppKey("seats", Seats)


class _Viewer:
    """One open stream: the newest frame it has not written yet."""

    __slots__ = ("frame", "ready")

    def __init__(self) -> None:
        self.frame: bytes | None = None
        self.ready = asyncio.Event()

    def offer(self, frame: bytes) -> None:
        self.frame = frame  # an older one not yet written is simply replaced
        self.ready.set()

    def poke(self) -> None:
        """A keep-alive, unless a frame is waiting (which does as well)."""
        if self.frame is None:
            self.frame = _KEEPALIVE
            self.ready.set()


class _Channel:
    """One session's stream of one view: its viewers and its last frame."""

    def __init__(self) -> None:
        self.viewers: set[_Viewer] = set()
        self.version = -1  # the hub's version the last frame was built at
        self.payload: bytes | None = None
        self.frame: bytes | None = None
        self.event_id = ""
        self.stale = False
        self.task: asyncio.Task[None] | None = None


@dataclass
class _Built:
    """A state built at one hub version, shared by everyone who asks while it is current."""

    version: int
    at: float
    future: asyncio.Future[bytes]


class Broadcaster:
    """One view's live stream (and polled state) of every session, over a `Build`."""

    def __init__(
        self,
        hub: Follows,
        build: Build,
        seats: Seats,
        *,
        rate: float = MAX_UPDATES_PER_SECOND,
        keepalive: float = KEEPALIVE_SECONDS,
        write_timeout: float = WRITE_TIMEOUT,
        retry: float = RETRY_BUILD_SECONDS,
    ) -> None:
        self.hub = hub
        self.build = build
        self.seats = seats
        self.rate = rate
        self.keepalive = keepalive
        self.write_timeout = write_timeout
        self.retry = retry
        # Frame ids are "<this process>-<n>": after a restart the hub's versions start
        # again, so a browser's Last-Event-ID from before never matches a new frame.
        self._epoch = secrets.token_hex(4)
        self._frames = 0
        self._channels: dict[str, _Channel] = {}
        self._built: dict[str, _Built] = {}

    @property
    def viewers(self) -> int:
        """Streams open on this view now."""
        return sum(len(c.viewers) for c in self._channels.values())

    # -- the state, built once per update -----------------------------------------------

    async def _current(self, session_id: str) -> tuple[int, bytes]:
        """The session's state and the hub version it was built at: the last one built
        while it is still current, else a new build, shared by everyone asking meanwhile."""
        loop = asyncio.get_running_loop()
        version = self.hub.version(session_id)
        now = loop.time()
        built = self._built.get(session_id)
        if built is None or not _usable(built, version, now - built.at, self.keepalive):
            # The version is read before the build: a change during it moves it on.
            built = _Built(version, now, asyncio.ensure_future(self.build(session_id)))
            built.future.add_done_callback(_retrieve)
            self._built[session_id] = built
        return built.version, await asyncio.shield(built.future)

    async def state(self, session_id: str) -> web.Response:
        """The view's state as JSON, for pages that poll instead of streaming: built once
        per change, whatever the number of pollers."""
        _, payload = await self._current(session_id)
        return web.Response(
            body=payload,
            content_type="application/json",
            charset="utf-8",
            headers={"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"},
        )

    # -- streams ---------------------------------------------------------------------------

    async def serve(
        self, request: web.Request, session_id: str, poll: str = ""
    ) -> web.StreamResponse:
        """Stream a session's view to one viewer until it leaves, or refuse it (503 and
        `poll`, the state's URL) when every seat is taken."""
        if not self.seats.take():
            return web.json_response(
                {"ok": False, "error": "too many viewers", "poll": poll},
                status=503,
                headers={"Retry-After": str(RETRY_AFTER_SECONDS), "Cache-Control": "no-store"},
            )
        viewer = _Viewer()
        channel: _Channel | None = None
        response = web.StreamResponse(headers=_SSE_HEADERS)
        try:
            await response.prepare(request)
            channel = self._channel(session_id)
            if channel.frame is not None and not (
                request.headers.get("Last-Event-ID") == channel.event_id
                and channel.version == self.hub.version(session_id)
            ):
                viewer.offer(channel.frame)
            channel.viewers.add(viewer)
            while True:
                await viewer.ready.wait()
                viewer.ready.clear()
                frame, viewer.frame = viewer.frame, None
                if frame is not None:
                    async with asyncio.timeout(self.write_timeout):
                        await response.write(frame)
        except TimeoutError:
            # It stopped reading: drop it now rather than let its buffer grow.
            log.info(
                "a viewer of %s took no frame for %g s: dropped", session_id, self.write_timeout
            )
            if request.transport is not None:
                request.transport.abort()
        except ConnectionError:
            pass  # it left
        finally:
            if channel is not None:
                channel.viewers.discard(viewer)
            self.seats.release()
        return response

    def _channel(self, session_id: str) -> _Channel:
        channel = self._channels.get(session_id)
        if channel is None or channel.task is None or channel.task.done():
            channel = _Channel()
            self._channels[session_id] = channel
            channel.task = asyncio.create_task(
                self._run(session_id, channel), name=f"stream {session_id}"
            )
        return channel

    async def _run(self, session_id: str, channel: _Channel) -> None:
        """Build each update once, as often as the rate allows, and offer it to every
        viewer; end when the last viewer has gone."""
        loop = asyncio.get_running_loop()
        last = -math.inf
        try:
            while channel.viewers:
                if channel.stale or channel.version != self.hub.version(session_id):
                    # Coalesce bursts: a vote storm becomes a handful of frames.
                    gap = last + 1 / self.rate - loop.time()
                    if gap > 0:
                        await asyncio.sleep(gap)
                    last = loop.time()
                    try:
                        version, payload = await self._current(session_id)
                    except Exception:
                        log.exception("cannot build the live state of %s", session_id)
                        channel.stale = True
                        last += self.retry  # not again at once: it may fail for a while
                    else:
                        self._publish(channel, version, payload)
                if not await self.hub.wait(session_id, channel.version, self.keepalive):
                    channel.stale = True
        finally:
            if self._channels.get(session_id) is channel:
                del self._channels[session_id]

    def _publish(self, channel: _Channel, version: int, payload: bytes) -> None:
        quiet = channel.stale
        channel.version, channel.stale = version, False
        if payload == channel.payload:
            # Nothing a viewer sees changed: after a quiet spell, only a keep-alive.
            if quiet:
                for viewer in channel.viewers:
                    viewer.poke()
        else:
            self._frames += 1
            channel.event_id = f"{self._epoch}-{self._frames}"
            channel.payload = payload
            # JSON has no raw line breaks; anything else is split into data lines.
            data = payload.replace(b"\r\n", b"\n").replace(b"\r", b"\n").replace(b"\n", b"\ndata: ")
            frame = channel.frame = b"id: %s\ndata: %s\n\n" % (channel.event_id.encode(), data)
            for viewer in channel.viewers:
                viewer.offer(frame)

    async def close(self) -> None:
        """Stop every stream's task (the server is shutting down)."""
        tasks = [c.task for c in self._channels.values() if c.task is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._channels.clear()


def _usable(built: _Built, version: int, age: float, keepalive: float) -> bool:
    """Whether a state built before may be served now: it did not fail, the session has
    not changed since, and it is younger than a keep-alive (the clock opens and closes
    Q&A with no change to announce it)."""
    future = built.future
    if future.done() and (future.cancelled() or future.exception() is not None):
        return False
    return built.version == version and age < keepalive


def _retrieve(future: asyncio.Future[bytes]) -> None:
    """A failed build reaches whoever waits for it; with nobody left, it is not an
    'exception never retrieved'."""
    if not future.cancelled():
        future.exception()
