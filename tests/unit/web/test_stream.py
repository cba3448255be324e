"""The live-stream broadcaster over HTTP on 127.0.0.1: one build per update for every
viewer, the same bytes to all, Last-Event-ID, the cap on streams and its 503, and a
viewer that stops reading dropped without holding the others."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import aiohttp
from aiohttp import web

from bot.qa.hub import Hub, Topics
from bot.web.stream import Broadcaster, Seats

SESSION = "s1"


class View:
    """A build that counts its calls and gives back whatever `payload` is now."""

    def __init__(self, payload: bytes) -> None:
        self.payload = payload
        self.calls = 0
        self.built = asyncio.Event()

    async def build(self, session_id: str) -> bytes:
        assert session_id == SESSION
        self.calls += 1
        self.built.set()
        return self.payload


class WatchedSeats(Seats):
    """Seats that say when one is given back (a stream has ended on the server)."""

    def __init__(self, limit: int) -> None:
        super().__init__(limit)
        self.released = asyncio.Event()

    def release(self) -> None:
        super().release()
        self.released.set()


@asynccontextmanager
async def serving(broadcaster: Broadcaster) -> AsyncIterator[str]:
    """An aiohttp server with the broadcaster's stream and state, on a free port."""

    async def events(request: web.Request) -> web.StreamResponse:
        return await broadcaster.serve(request, SESSION, f"/{SESSION}/state")

    async def state(request: web.Request) -> web.Response:
        return await broadcaster.state(SESSION)

    app = web.Application()
    app.router.add_get(f"/{SESSION}/events", events)
    app.router.add_get(f"/{SESSION}/state", state)
    runner = web.AppRunner(app, shutdown_timeout=0.5)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    try:
        yield f"http://127.0.0.1:{runner.addresses[0][1]}/{SESSION}"
    finally:
        await broadcaster.close()
        await runner.cleanup()


async def next_event(response: aiohttp.ClientResponse) -> tuple[str, bytes]:
    """The next event of a stream: its id and its data (comment lines skipped)."""
    event_id, data = "", list[bytes]()
    while line := await response.content.readline():
        line = line.rstrip(b"\n")
        if not line:
            if data:
                return event_id, b"\n".join(data)
            continue
        name, _, value = line.partition(b": ")
        if name == b"id":
            event_id = value.decode()
        elif name == b"data":
            data.append(value)
    raise AssertionError("the stream ended")


async def test_one_build_per_update_and_the_same_bytes_for_every_viewer() -> None:
    hub, view = Hub(), View(b'{"n":0}')
    broadcaster = Broadcaster(hub, view.build, Seats(100), rate=1000)
    async with serving(broadcaster) as url, aiohttp.ClientSession() as http:
        streams = [await http.get(f"{url}/events") for _ in range(20)]
        assert all(s.headers["Content-Type"].startswith("text/event-stream") for s in streams)
        first = {await next_event(s) for s in streams}
        assert len(first) == 1 and next(iter(first))[1] == b'{"n":0}'
        assert view.calls == 1 and broadcaster.viewers == 20
        view.payload = b'{"n":1}'
        for _ in range(50):  # a burst: one update
            hub.publish(SESSION)
        second = {await next_event(s) for s in streams}
        assert len(second) == 1
        (event_id, data), (old_id, _) = next(iter(second)), next(iter(first))
        assert data == b'{"n":1}' and event_id != old_id
        assert view.calls == 2
        # A change that leaves the view as it was (a vote outside the top ten) sends
        # nothing: the next event anyone reads is the next real change.
        view.built.clear()
        hub.publish(SESSION)
        await view.built.wait()
        view.payload = b'{"n":2}'
        hub.publish(SESSION)
        third = {await next_event(s) for s in streams}
        assert len(third) == 1 and next(iter(third))[1] == b'{"n":2}'
        assert view.calls == 4
        for s in streams:
            s.close()


async def test_a_reconnecting_viewer_gets_the_state_only_when_it_lacks_it() -> None:
    hub, view = Hub(), View(b'{"n":0}')
    broadcaster = Broadcaster(hub, view.build, Seats(100), rate=1000)
    async with (
        serving(broadcaster) as url,
        aiohttp.ClientSession() as http,
        http.get(f"{url}/events") as keeper,  # keeps the session's stream alive
    ):
        seen, data = await next_event(keeper)
        assert data == b'{"n":0}'
        async with http.get(f"{url}/events", headers={"Last-Event-ID": seen}) as back:
            # It has the current state: nothing now, the next change when it comes.
            view.payload = b'{"n":1}'
            hub.publish(SESSION)
            event_id, data = await next_event(back)
            assert data == b'{"n":1}' and event_id != seen
        for stale in (seen, "someone-else-7", "x" * 300):  # from before, or forged
            async with http.get(f"{url}/events", headers={"Last-Event-ID": stale}) as late:
                assert (await next_event(late))[1] == b'{"n":1}'


async def test_past_the_cap_a_viewer_is_told_to_poll() -> None:
    hub, view = Hub(), View(b'{"n":0}')
    seats = WatchedSeats(2)
    broadcaster = Broadcaster(hub, view.build, seats, rate=1000)
    async with serving(broadcaster) as url, aiohttp.ClientSession() as http:
        one = await http.get(f"{url}/events")
        two = await http.get(f"{url}/events")
        await next_event(one)
        await next_event(two)
        async with http.get(f"{url}/events") as refused:
            assert refused.status == 503
            assert refused.headers["Retry-After"] == "30"
            body = await refused.json()
            assert body == {"ok": False, "error": "too many viewers", "poll": f"/{SESSION}/state"}
        assert seats.taken == 2
        async with http.get(f"{url}/state") as polled:
            assert polled.status == 200 and polled.content_type == "application/json"
            assert await polled.json() == {"n": 0}
        # The first viewer leaves: found at the next write, and its seat is free again.
        one.close()
        view.payload = b'{"n":1}'
        hub.publish(SESSION)
        assert (await next_event(two))[1] == b'{"n":1}'
        async with asyncio.timeout(10):
            await seats.released.wait()
        assert seats.taken == 1
        async with http.get(f"{url}/events") as admitted:
            assert admitted.status == 200
            assert json.loads((await next_event(admitted))[1]) == {"n": 1}
        two.close()


async def test_a_viewer_that_stops_reading_is_dropped_without_holding_the_others() -> None:
    hub, view = Hub(), View(b"{}")
    seats = WatchedSeats(10)
    broadcaster = Broadcaster(hub, view.build, seats, rate=1000, write_timeout=0.5)
    pad = b"x" * 256 * 1024  # a few frames fill any socket buffer
    async with serving(broadcaster) as url, aiohttp.ClientSession() as http:
        fast = await http.get(f"{url}/events")
        await next_event(fast)
        # A client that asks for the stream and never reads a byte of it.
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.setblocking(False)
        host, port = url.split("//")[1].split("/")[0].split(":")
        await asyncio.get_running_loop().sock_connect(sock, (host, int(port)))
        await asyncio.get_running_loop().sock_sendall(
            sock, f"GET /{SESSION}/events HTTP/1.1\r\nHost: {host}\r\n\r\n".encode()
        )
        try:
            for n in range(1, 41):  # some 10 MB: the stalled one's buffers are long full
                view.payload = b'{"n":%d,"pad":"%s"}' % (n, pad)
                hub.publish(SESSION)
                assert json.loads((await next_event(fast))[1])["n"] == n
            async with asyncio.timeout(10):
                await seats.released.wait()
            assert seats.taken == 1
            view.payload = b'{"n":0}'
            hub.publish(SESSION)
            assert (await next_event(fast))[1] == b'{"n":0}'
        finally:
            sock.close()
            fast.close()


async def test_a_failing_build_is_retried_and_the_stream_lives_on() -> None:
    hub = Hub()
    calls = 0

    async def build(session_id: str) -> bytes:
        nonlocal calls
        calls += 1
        if calls == 2:
            raise OSError("database gone")
        return b'{"n":%d}' % calls

    broadcaster = Broadcaster(hub, build, Seats(10), rate=1000, retry=0.0)
    async with (
        serving(broadcaster) as url,
        aiohttp.ClientSession() as http,
        http.get(f"{url}/events") as stream,
    ):
        assert (await next_event(stream))[1] == b'{"n":1}'
        hub.publish(SESSION)  # this build fails (logged); the next change is built
        hub.publish(SESSION)
        assert (await next_event(stream))[1] == b'{"n":3}'


async def test_a_quiet_stream_is_rebuilt_and_kept_alive_with_a_comment() -> None:
    """After a quiet spell the state is built again (the clock may have opened or closed
    the Q&A) and, unchanged, only a comment line goes out: proxies keep the connection."""
    hub, view = Hub(), View(b'{"n":0}')
    broadcaster = Broadcaster(hub, view.build, Seats(10), rate=1000, keepalive=0.05)
    async with (
        serving(broadcaster) as url,
        aiohttp.ClientSession() as http,
        http.get(f"{url}/events") as stream,
    ):
        assert (await next_event(stream))[1] == b'{"n":0}'
        lines = []
        while (line := await stream.content.readline()) != b": keepalive\n":
            lines.append(line)
        assert lines in ([], [b"\n"]) and view.calls >= 2
        view.payload = b'{"n":1}'  # the clock closed the Q&A: no change was published
        assert (await next_event(stream))[1] == b'{"n":1}'


async def test_a_view_over_topics_of_two_hubs_moves_with_either() -> None:
    """The presenter screen's stream follows a session's questions and its polls (and
    the event's) as one key: a publish on any of them is one more update, a publish of
    another session's topics none."""
    questions, polls = Hub(), Hub()
    topics = Topics(
        (questions, lambda s: (s,)),
        (polls, lambda s: (f"polls:{s}", "polls:event")),
    )
    assert topics.version(SESSION) == 0
    assert not await topics.wait(SESSION, 0, 0.01)  # nothing moved: it times out
    view = View(b'{"n":0}')
    broadcaster = Broadcaster(topics, view.build, Seats(10), rate=1000)
    async with (
        serving(broadcaster) as url,
        aiohttp.ClientSession() as http,
        http.get(f"{url}/events") as stream,
        asyncio.timeout(10),
    ):
        assert (await next_event(stream))[1] == b'{"n":0}'
        for n, (hub, topic) in enumerate(
            [(questions, SESSION), (polls, f"polls:{SESSION}"), (polls, "polls:event")], 1
        ):
            polls.publish("polls:s2")  # another session's polls: not this view's
            questions.publish("s2")
            view.payload = b'{"n":%d}' % n
            hub.publish(topic)
            assert (await next_event(stream))[1] == view.payload
        assert topics.version(SESSION) == 3
        assert view.calls == 4
        stream.close()
