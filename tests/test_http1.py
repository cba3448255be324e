"""The lean HTTP/1.1 client and server (bot/adapters/http1.py) on 127.0.0.1.

The client meets a scripted server: it reads each request whole and answers with bytes
the test chose, written in the pieces the test chose, so framing, reuse and failures are
exercised byte by byte. The server meets raw streams writing what a test chose, well
formed or not.
Each test runs on asyncio's own loop and on uvloop, which `forum-bot run` uses.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

import pytest
import uvloop

from bot.adapters.http1 import Http1Pool, Http1Server, HTTPError, Request
from bot.adapters.http1 import Reply as HTTPReply

# What the server does with one request: a list of byte pieces to write, then whether to
# close the connection afterwards; None: never answer.
Script = Callable[[int, bytes], tuple[list[bytes], bool] | None]


@dataclass
class Server:
    """Requests as received, and how many connections were accepted."""

    port: int = 0
    requests: list[bytes] = field(default_factory=list)
    connections: int = 0
    writers: list[asyncio.StreamWriter] = field(default_factory=list)


@contextlib.asynccontextmanager
async def serve(script: Script) -> AsyncIterator[Server]:
    state = Server()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        state.connections += 1
        state.writers.append(writer)
        try:
            while True:
                try:
                    head = await reader.readuntil(b"\r\n\r\n")
                except (asyncio.IncompleteReadError, ConnectionError):
                    return
                length = 0
                for line in head.split(b"\r\n"):
                    if line.lower().startswith(b"content-length:"):
                        length = int(line.split(b":")[1])
                request = head + await reader.readexactly(length)
                state.requests.append(request)
                answer = script(len(state.requests), request)
                if answer is None:
                    await asyncio.Event().wait()  # hold the connection, never answer
                    return
                pieces, close = answer
                for piece in pieces:
                    writer.write(piece)
                    await writer.drain()
                    await asyncio.sleep(0)  # one piece per read on the client, often
                if close:
                    return
        finally:
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    state.port = server.sockets[0].getsockname()[1]
    try:
        yield state
    finally:
        for writer in state.writers:
            writer.close()
        server.close()


def ok(body: bytes = b"", *extra: str) -> list[bytes]:
    head = "HTTP/1.1 200 OK\r\n" + "".join(f"{h}\r\n" for h in extra)
    return [f"{head}Content-Length: {len(body)}\r\n\r\n".encode() + body]


@pytest.fixture(params=["asyncio", "uvloop"])
def run(request: pytest.FixtureRequest) -> Callable[[Coroutine[Any, Any, None]], None]:
    """Run a test's coroutine on the loop of this parameter."""
    if request.param == "uvloop":
        return uvloop.run
    return asyncio.run


def pool_for(server: Server, **options: Any) -> Http1Pool:
    return Http1Pool(f"http://127.0.0.1:{server.port}/api/v10", user_agent="test/1", **options)


Runner = Callable[[Coroutine[Any, Any, None]], None]


def test_requests_reuse_one_connection_and_are_written_whole(run: Runner) -> None:
    async def main() -> None:
        async with serve(lambda n, _: (ok(b'{"n": %d}' % n), False)) as server:
            pool = pool_for(server)
            first = await pool.request("POST", "/a/b", b'{"x":1}', {"Content-Type": "x/y"})
            second = await pool.request("POST", "/a/c", b"")
            await pool.close()
        assert (first.status, first.reason, first.body) == (200, "OK", b'{"n": 1}')
        assert second.body == b'{"n": 2}'
        assert server.connections == 1 and pool.opened == 1
        head, _, body = server.requests[0].partition(b"\r\n\r\n")
        lines = head.decode().split("\r\n")
        assert lines[0] == "POST /api/v10/a/b HTTP/1.1"
        assert set(lines[1:]) == {
            f"Host: 127.0.0.1:{server.port}",
            "User-Agent: test/1",
            "Content-Type: x/y",
            "Content-Length: 7",
        }
        assert body == b'{"x":1}'
        assert b"Content-Length: 0\r\n" in server.requests[1]

    run(main())


def test_a_chunked_answer_read_byte_by_byte(run: Runner) -> None:
    raw = (
        b"HTTP/1.1 400 Bad Request\r\nTransfer-Encoding: chunked\r\nX-A: 1\r\nx-a: 2\r\n\r\n"
        b"5;ext=1\r\nhello\r\n1\r\n \r\nA\r\n0123456789\r\n0\r\nX-Trailer: t\r\n\r\n"
    )

    async def main() -> None:
        pieces = [raw[i : i + 1] for i in range(len(raw))]
        async with serve(lambda n, _: ([*pieces], False)) as server:
            pool = pool_for(server)
            for _ in range(2):  # the connection is still usable after a chunked body
                answer = await pool.request("POST", "/x", b"{}")
                assert (answer.status, answer.body) == (400, b"hello 0123456789")
                assert answer.headers["x-a"] == "1, 2"
            await pool.close()
        assert pool.opened == 1

    run(main())


def test_framing_by_length_interim_answers_and_no_body_statuses(run: Runner) -> None:
    answers = {
        1: [
            b"HTTP/1.1 100 Continue\r\n\r\n",
            b"HTTP/1.1 201 Created\r\nContent-Length: 4\r\n",
            b"\r\nab",
            b"cd",
        ],
        2: [b"HTTP/1.1 204 No Content\r\n\r\n"],
        3: [b"HTTP/1.1 304 Not Modified\r\nContent-Length: 99\r\n\r\n"],
    }

    async def main() -> None:
        async with serve(lambda n, _: (answers[n], False)) as server:
            pool = pool_for(server)
            got = [await pool.request("POST", "/x", b"{}") for _ in range(3)]
            await pool.close()
        assert [(a.status, a.body) for a in got] == [(201, b"abcd"), (204, b""), (304, b"")]
        assert pool.opened == 1

    run(main())


def test_connection_close_and_a_body_to_the_end_of_the_connection(run: Runner) -> None:
    answers = {
        1: ([b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nhi"], True),
        2: ([b"HTTP/1.1 200 OK\r\n\r\nuntil ", b"the end"], True),
        3: ([b"HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\n!"], False),
        4: (ok(b"fine"), False),
    }

    async def main() -> None:
        async with serve(lambda n, _: answers[n]) as server:
            pool = pool_for(server)
            got = [(await pool.request("POST", "/x", b"{}")).body for _ in range(4)]
            await pool.close()
        assert got == [b"hi", b"until the end", b"!", b"fine"]
        assert server.connections == pool.opened == 4  # none of the first three is reused

    run(main())


def test_an_idle_connection_the_server_closed_is_replaced(run: Runner) -> None:
    """A request that meets a connection the server closed while idle (no byte of an
    answer comes back) is sent once more, on a new connection."""
    answers = {1: (ok(b"1"), False), 2: ([], True), 3: (ok(b"3"), False), 4: (ok(b"4"), False)}

    async def main() -> None:
        async with serve(lambda n, _: answers[n]) as server:
            pool = pool_for(server)
            assert (await pool.request("POST", "/x", b"{}")).body == b"1"
            # The server takes request 2 and closes without a word: sent again as 3.
            assert (await pool.request("POST", "/x", b"{}")).body == b"3"
            assert pool.opened == 2
            # Now the idle one goes: skipped if the client saw it go, else sent again.
            server.writers[-1].close()
            assert (await pool.request("POST", "/x", b"{}")).body == b"4"
            await pool.close()
        assert pool.opened == server.connections == 3 and len(server.requests) == 4

    run(main())


def test_a_connection_lost_mid_answer_fails_and_is_not_sent_again(run: Runner) -> None:
    async def main() -> None:
        partial = [b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc"]
        async with serve(lambda n, _: (partial, True)) as server:
            pool = pool_for(server)
            with pytest.raises(HTTPError, match="before the answer was complete"):
                await pool.request("POST", "/x", b"{}")
            await pool.close()
        assert len(server.requests) == 1

    run(main())


def test_malformed_answers_fail_with_a_reason(run: Runner) -> None:
    answers = {
        1: [b"SPDY/3 200 OK\r\n\r\n"],
        2: [b"HTTP/1.1 200 OK\r\nno colon here\r\n\r\n"],
        3: [b"HTTP/1.1 200 OK\r\nContent-Length: ten\r\n\r\n"],
        4: [b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"],
        5: [b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabXY"],
    }
    reasons = ["not an HTTP/1.x", "malformed header", "Content-Length", "chunk size", "chunk"]

    async def main() -> None:
        async with serve(lambda n, _: (answers[n], False)) as server:
            pool = pool_for(server)
            for reason in reasons:
                with pytest.raises(HTTPError, match=reason):
                    await pool.request("POST", "/x", b"{}")
            await pool.close()
        assert pool.opened == 5  # a connection that failed is never reused

    run(main())


def test_no_answer_times_out_and_the_connection_is_dropped(run: Runner) -> None:
    async def main() -> None:
        async with serve(lambda n, _: None if n == 1 else (ok(b"later"), False)) as server:
            pool = pool_for(server, timeout=0.2)
            with pytest.raises(TimeoutError):
                await pool.request("POST", "/x", b"{}")
            assert (await pool.request("POST", "/x", b"{}")).body == b"later"
            await pool.close()
        assert pool.opened == 2

    run(main())


def test_many_at_once_each_gets_its_own_answer(run: Runner) -> None:
    def echo(n: int, request: bytes) -> tuple[list[bytes], bool]:
        path = request.split(b" ")[1]
        return ok(path), False

    async def main() -> None:
        async with serve(echo) as server:
            pool = pool_for(server, max_idle=8)
            paths = [f"/item/{i}" for i in range(50)]
            got = await asyncio.gather(*(pool.request("POST", p, b"{}") for p in paths))
            kept = len(pool._idle)
            again = await asyncio.gather(*(pool.request("POST", p, b"{}") for p in paths[:8]))
            await pool.close()
        assert [a.body.decode() for a in got] == [f"/api/v10{p}" for p in paths]
        assert [a.body.decode() for a in again] == [f"/api/v10{p}" for p in paths[:8]]
        assert kept == 8  # the rest were closed, not hoarded
        assert pool.opened == server.connections <= 50  # the second round reused the eight

    run(main())


def test_header_injection_and_bad_urls_are_refused() -> None:
    with pytest.raises(ValueError, match="not an http"):
        Http1Pool("ftp://example.com/", user_agent="t")

    async def main() -> None:
        pool = Http1Pool("http://127.0.0.1:9/", user_agent="t")
        with pytest.raises(ValueError, match="line break"):
            await pool.request("POST", "/x", b"", {"X-Evil": "a\r\nHost: b"})
        assert pool.opened == 0

    asyncio.run(main())


def test_an_unreachable_origin_is_an_http_error() -> None:
    async def main() -> None:
        with contextlib.closing(socket.socket()) as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]  # bound, not listening: connections are refused
            pool = Http1Pool(f"http://127.0.0.1:{port}", user_agent="t")
            with pytest.raises(HTTPError, match="cannot connect"):
                await pool.request("POST", "/x", b"{}")

    asyncio.run(main())


# ---- the server -----------------------------------------------------------------------


@contextlib.asynccontextmanager
async def server_with(
    handler: Callable[[Request], Awaitable[HTTPReply]], **options: Any
) -> AsyncIterator[tuple[Http1Server, int]]:
    server = Http1Server(handler, **options)
    port = await server.start("127.0.0.1", 0)
    try:
        yield server, port
    finally:
        await server.close(grace=1.0)


async def echo_handler(request: Request) -> HTTPReply:
    text = f"{request.method} {request.path} ?{request.query} {request.headers.get('x-n', '')}"
    return HTTPReply(200, text.encode() + b"|" + request.body, {"Content-Type": "text/plain"})


async def read_answer(reader: asyncio.StreamReader) -> tuple[str, dict[str, str], bytes]:
    """One answer off the stream: status line, headers, Content-Length body."""
    head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
    status, *lines = head[:-4].split("\r\n")
    headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines)}
    body = await reader.readexactly(int(headers.get("content-length", "0")))
    return status, headers, body


def post(path: str, body: bytes, *extra: str) -> bytes:
    head = f"POST {path} HTTP/1.1\r\nHost: x\r\n" + "".join(f"{h}\r\n" for h in extra)
    return f"{head}Content-Length: {len(body)}\r\n\r\n".encode() + body


def test_server_answers_in_order_on_one_kept_alive_connection(run: Runner) -> None:
    running, most = 0, 0

    async def handler(request: Request) -> HTTPReply:
        nonlocal running, most
        running += 1
        most = max(most, running)
        await asyncio.sleep(0)  # let a pipelined request arrive meanwhile
        running -= 1
        return await echo_handler(request)

    async def main() -> None:
        async with server_with(handler) as (_, port):
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            # Three requests in one write (pipelined), the middle one byte by byte after.
            writer.write(post("/a?x=1", b"one", "X-N: 1") + post("/b", b"two", "x-n: 2"))
            third = post("/c", b"three")
            for i in range(len(third)):
                writer.write(third[i : i + 1])
            answers = [await read_answer(reader) for _ in range(3)]
            writer.close()
        assert [a[0] for a in answers] == ["HTTP/1.1 200 OK"] * 3
        assert [a[2] for a in answers] == [
            b"POST /a ?x=1 1|one",
            b"POST /b ? 2|two",
            b"POST /c ? |three",
        ]
        assert answers[0][1]["content-type"] == "text/plain" and "connection" not in answers[0][1]
        assert most == 1  # one request at a time per connection

    run(main())


def test_server_reads_chunked_bodies_and_answers_expect_continue(run: Runner) -> None:
    async def main() -> None:
        async with server_with(echo_handler) as (_, port):
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(
                b"POST /up HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
                b"Expect: 100-continue\r\n\r\n"
            )
            assert await reader.readuntil(b"\r\n\r\n") == b"HTTP/1.1 100 Continue\r\n\r\n"
            writer.write(b"3\r\nabc\r\n2;x=y\r\nde\r\n0\r\n\r\n")
            status, _, body = await read_answer(reader)
            writer.close()
        assert (status, body) == ("HTTP/1.1 200 OK", b"POST /up ? |abcde")

    run(main())


BAD_REQUESTS = [
    (b"GARBAGE\r\n\r\n", "400"),
    (b"POST /x HTTP/2.0\r\nHost: x\r\n\r\n", "505"),
    (b"POST x HTTP/1.1\r\nHost: x\r\n\r\n", "400"),
    (b"POST /x HTTP/1.1\r\nHost : x\r\n\r\n", "400"),
    (b"POST /x HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", "400"),
    (b"POST /x HTTP/1.1\r\nContent-Length: -1\r\n\r\n", "400"),
    (b"POST /x HTTP/1.1\r\nContent-Length: 999999999\r\n\r\n", "413"),
    (b"POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n", "400"),
    (b"POST /x HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n", "501"),
    (b"POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", "400"),
    (b"POST /x HTTP/1.1\r\nX: " + b"a" * 20_000 + b"\r\n\r\n", "431"),
]


@pytest.mark.parametrize(("raw", "status"), BAD_REQUESTS, ids=[s for _, s in BAD_REQUESTS])
def test_server_refuses_what_it_cannot_read_and_closes(
    run: Runner, raw: bytes, status: str
) -> None:
    seen: list[Request] = []

    async def handler(request: Request) -> HTTPReply:
        seen.append(request)
        return HTTPReply(200)

    async def main() -> None:
        async with server_with(handler, max_body=1000) as (_, port):
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(raw)
            answer, headers, _ = await read_answer(reader)
            assert await reader.read() == b""  # then the server closes the connection
            writer.close()
        assert answer.split(" ")[1] == status and headers["connection"] == "close"
        assert seen == []  # the handler never saw it

    run(main())


def test_server_closes_a_request_that_trickles_in(run: Runner) -> None:
    async def main() -> None:
        async with server_with(echo_handler, read_timeout=0.2) as (_, port):
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            loop = asyncio.get_running_loop()
            started = loop.time()
            with contextlib.suppress(ConnectionError):
                for byte in b"POST /x HTTP/1.1\r\nHost: x\r\n":  # never finished
                    writer.write(bytes([byte]))
                    if reader.at_eof():
                        break
                    await asyncio.sleep(0.02)  # the client's trickle, not a wait for the server
            assert await reader.read() == b""
            writer.close()
            # Closed by the read timeout from the first byte, not kept open by the trickle.
            assert loop.time() - started < 1.0

    run(main())


def test_server_answers_500_when_the_handler_fails_and_goes_on(
    run: Runner, caplog: pytest.LogCaptureFixture
) -> None:
    async def handler(request: Request) -> HTTPReply:
        if request.path == "/boom":
            raise RuntimeError("boom")
        return await echo_handler(request)

    async def main() -> None:
        async with server_with(handler) as (_, port):
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(post("/boom", b"") + post("/fine", b"ok"))
            first, second = await read_answer(reader), await read_answer(reader)
            writer.close()
        assert first[0] == "HTTP/1.1 500 Internal Server Error"
        assert second[0] == "HTTP/1.1 200 OK"

    with caplog.at_level("ERROR", logger="bot.adapters.http1"):
        run(main())
    assert "the handler failed on POST /boom" in caplog.text


def test_server_honours_connection_close_and_http_1_0(run: Runner) -> None:
    async def main() -> None:
        async with server_with(echo_handler) as (_, port):
            for raw in (
                post("/x", b"", "Connection: close"),
                b"POST /x HTTP/1.0\r\nContent-Length: 0\r\n\r\n",
            ):
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
                writer.write(raw)
                status, headers, _ = await read_answer(reader)
                assert status == "HTTP/1.1 200 OK" and headers["connection"] == "close"
                assert await reader.read() == b""
                writer.close()

    run(main())


def test_server_close_lets_a_handler_under_way_answer(run: Runner) -> None:
    entered, release = asyncio.Event(), asyncio.Event()

    async def handler(request: Request) -> HTTPReply:
        entered.set()
        await release.wait()
        return HTTPReply(200, b"done")

    async def main() -> None:
        server = Http1Server(handler)
        port = await server.start("127.0.0.1", 0)
        busy_reader, busy = await asyncio.open_connection("127.0.0.1", port)
        idle_reader, idle = await asyncio.open_connection("127.0.0.1", port)
        busy.write(post("/slow", b""))
        await entered.wait()
        closing = asyncio.create_task(server.close(grace=5))
        assert await idle_reader.read() == b""  # the idle connection goes at once
        release.set()
        assert (await read_answer(busy_reader))[2] == b"done"
        await closing
        assert await busy_reader.read() == b""
        busy.close()
        idle.close()

    run(main())
