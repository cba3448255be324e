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
import ssl
import subprocess
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import discord
import pytest
import uvloop

from bot.adapters.discord_adapter import send_callback
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
async def serve(script: Script, tls: ssl.SSLContext | None = None) -> AsyncIterator[Server]:
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

    server = await asyncio.start_server(handle, "127.0.0.1", 0, ssl=tls)
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


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1, made by the openssl command."""
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-keyout",
            str(key),
            "-out",
            str(cert),
            "-days",
            "1",
            "-subj",
            "/CN=test",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


def test_requests_over_tls_reuse_one_connection_and_check_the_certificate(
    run: Runner, certificate: tuple[Path, Path]
) -> None:
    """Discord is reached over TLS: the pool verifies the server's certificate against
    the context it is given (the system's by default) and keeps the connection."""
    cert, key = certificate
    server_side = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_side.load_cert_chain(cert, key)

    async def main() -> None:
        async with serve(lambda n, _: (ok(b"%d" % n), False), tls=server_side) as server:
            base = f"https://127.0.0.1:{server.port}/api/v10"
            trusting = Http1Pool(
                base, user_agent="t", ssl_context=ssl.create_default_context(cafile=cert)
            )
            got = [(await trusting.request("POST", "/x", b"{}")).body for _ in range(2)]
            await trusting.close()
            stranger = Http1Pool(base, user_agent="t")  # the system's roots: not this one
            with pytest.raises(HTTPError, match="certificate verify failed") as refused:
                await stranger.request("POST", "/x", b"{}")
            assert not refused.value.sent
        assert got == [b"1", b"2"] and trusting.opened == 1 and server.connections == 1
        assert len(server.requests) == 2  # the stranger sent nothing

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
    answer comes back) is sent once more on a new one: a GET always, a POST only when
    the caller can tell a repeat (`resend_if_stale`), since the server may have read it."""
    answers = {
        1: (ok(b"1"), False),
        2: ([], True),
        3: (ok(b"3"), False),
        4: ([], True),
        5: (ok(b"5"), False),
        6: ([], True),
        7: (ok(b"7"), False),
    }

    async def main() -> None:
        async with serve(lambda n, _: answers[n]) as server:
            pool = pool_for(server)
            assert (await pool.request("POST", "/x", b"{}")).body == b"1"
            # The server takes request 2 and closes without a word: sent again as 3.
            third = await pool.request("POST", "/x", b"{}", resend_if_stale=True)
            assert (third.body, third.resent) == (b"3", True)
            fifth = await pool.request("GET", "/x")  # 4 met the same fate
            assert (fifth.body, fifth.resent) == (b"5", True)
            with pytest.raises(HTTPError) as failed:  # 6: a POST is not sent twice unasked
                await pool.request("POST", "/x", b"{}")
            assert failed.value.sent
            assert (await pool.request("POST", "/x", b"{}")).body == b"7"
            await pool.close()
        assert len(server.requests) == 7 and pool.opened == server.connections == 4

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
        with pytest.raises(ValueError, match="cannot be sent"):
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


H = "POST /x HTTP/1.1\r\nHost: x\r\n"
BAD_REQUESTS = [
    ("not HTTP", b"GARBAGE\r\n\r\n", "400"),
    ("HTTP/2", b"POST /x HTTP/2.0\r\nHost: x\r\n\r\n", "505"),
    ("no slash", b"POST x HTTP/1.1\r\nHost: x\r\n\r\n", "400"),
    ("method not a token", "GéT /x HTTP/1.1\r\nHost: x\r\n\r\n".encode(), "400"),
    ("no Host", b"POST /x HTTP/1.1\r\nContent-Length: 0\r\n\r\n", "400"),
    ("space before colon", b"POST /x HTTP/1.1\r\nHost : x\r\n\r\n", "400"),
    ("NUL in a name", f"{H}Content-Length\x00: 5\r\n\r\nhello".encode(), "400"),
    ("NUL in a value", f"{H}X-A: a\x00b\r\n\r\n".encode(), "400"),
    ("vertical tab", f"{H}Transfer-Encoding: \x0bchunked\r\n\r\n".encode(), "400"),
    ("bare LF", b"POST /x HTTP/1.1\nHost: x\nContent-Length: 5\n\nhello", "400"),
    ("LF in a value", f"{H}X: y\nContent-Length: 5\r\n\r\nhello".encode(), "400"),
    ("folded line", f"{H}X-A: a\r\n b\r\n\r\n".encode(), "400"),
    ("two lengths", f"{H}Content-Length: 1\r\nContent-Length: 2\r\n\r\n".encode(), "400"),
    ("negative length", f"{H}Content-Length: -1\r\n\r\n".encode(), "400"),
    ("superscript two", f"{H}Content-Length: \xb2\r\n\r\n".encode("latin-1"), "400"),
    ("5,000 digits", f"{H}Content-Length: {'9' * 5000}\r\n\r\n".encode(), "400"),
    ("too long", f"{H}Content-Length: 999999999\r\n\r\n".encode(), "413"),
    (
        "both framings",
        f"{H}Transfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n".encode(),
        "400",
    ),
    ("chunked in 1.0", b"POST /x HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", "400"),
    ("gzip", f"{H}Transfer-Encoding: gzip\r\n\r\n".encode(), "501"),
    ("chunk size", f"{H}Transfer-Encoding: chunked\r\n\r\nzz\r\n".encode(), "400"),
    ("huge head", f"{H}X: {'a' * 20_000}\r\n\r\n".encode(), "431"),
]


@pytest.mark.parametrize(
    ("raw", "status"), [(r, s) for _, r, s in BAD_REQUESTS], ids=[i for i, _, _ in BAD_REQUESTS]
)
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


def test_server_sends_no_body_to_head_nor_with_204(run: Runner) -> None:
    async def handler(request: Request) -> HTTPReply:
        if request.path == "/empty":
            return HTTPReply(204, b"ignored")
        return HTTPReply(405, b"Method Not Allowed", {"Allow": "POST"})

    async def main() -> None:
        async with server_with(handler) as (_, port):
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(b"HEAD /x HTTP/1.1\r\nHost: x\r\n\r\n" + post("/empty", b""))
            head = await reader.readuntil(b"\r\n\r\n")
            empty = await reader.readuntil(b"\r\n\r\n")
            writer.write(post("/after", b""))  # the connection is still in step
            after = await read_answer(reader)
            writer.close()
        assert head.startswith(b"HTTP/1.1 405 ") and b"Content-Length: 18\r\n" in head
        assert empty.startswith(b"HTTP/1.1 204 ") and b"Content-Length" not in empty
        assert after[2] == b"Method Not Allowed"

    run(main())


def test_server_answers_500_for_a_reply_it_cannot_send(run: Runner) -> None:
    async def handler(request: Request) -> HTTPReply:
        if request.path == "/bad":
            return HTTPReply(200, b"x", {"X-Name": "한국어"})  # not latin-1: cannot be sent
        if request.path == "/split":
            return HTTPReply(200, b"x", {"X-A": "a\r\nSet-Cookie: b"})
        return HTTPReply(200, b"fine")

    async def main() -> None:
        async with server_with(handler) as (_, port):
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(post("/bad", b"") + post("/split", b"") + post("/ok", b""))
            answers = [await read_answer(reader) for _ in range(3)]
            writer.close()
        assert [a[0].split(" ")[1] for a in answers] == ["500", "500", "200"]
        assert all("set-cookie" not in a[1] for a in answers)

    run(main())


def test_server_skips_empty_lines_and_answers_what_came_before_a_half_close(
    run: Runner,
) -> None:
    async def main() -> None:
        async with server_with(echo_handler) as (_, port):
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(b"\r\n\r\n" + post("/one", b"1") + post("/two", b"2"))
            writer.write_eof()  # the client is done sending: both still get their answer
            first, second = await read_answer(reader), await read_answer(reader)
            assert await reader.read() == b""
            writer.close()
        assert (first[2], second[2]) == (b"POST /one ? |1", b"POST /two ? |2")

    run(main())


def test_server_bounds_what_a_client_that_never_reads_can_make_it_hold(run: Runner) -> None:
    """Pipelined requests from a client that reads no answer: the server stops reading
    (its input stays about one request's worth) and drops the connection after its idle
    timeout, answers unsent."""

    async def big(request: Request) -> HTTPReply:
        return HTTPReply(200, b"x" * 65536)  # fills the socket's buffers in a few answers

    async def main() -> None:
        async with server_with(big, max_body=1000, idle_timeout=0.3) as (server, port):
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(post("/first", b""))
            await read_answer(reader)
            (conn,) = server._connections
            lost = asyncio.get_running_loop().create_future()
            seen = conn.connection_lost

            def watch(exc: Exception | None) -> None:
                seen(exc)
                if not lost.done():
                    lost.set_result(exc)

            conn.connection_lost = watch  # type: ignore[method-assign]
            request = post("/x", b"") * 1000  # 45 KB of pipelined requests per write
            most, sent = 0, 0
            with contextlib.suppress(ConnectionError):
                while not lost.done() and sent < 200_000_000:
                    writer.write(request)
                    sent += len(request)
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(writer.drain(), 0.1)
                    most = max(most, len(conn._buffer))
            await asyncio.wait_for(lost, 5)  # dropped by its idle timeout
            writer.transport.abort()
        assert most <= server.buffer_limit + (1 << 20)  # plus one socket read at most
        assert sent < 100_000_000  # it stopped reading long before that
        assert not server._connections

    run(main())


def test_server_stops_reading_while_a_busy_handler_has_a_request_waiting(run: Runner) -> None:
    release = asyncio.Event()

    async def handler(request: Request) -> HTTPReply:
        await release.wait()
        return HTTPReply(200)

    async def main() -> None:
        async with server_with(handler, max_body=1000) as (server, port):
            _, writer = await asyncio.open_connection("127.0.0.1", port)
            sent = 0
            while sent < 50_000_000:
                writer.write(post("/x", b"") * 1000)
                sent += 45_000
                try:
                    await asyncio.wait_for(writer.drain(), 0.1)
                except TimeoutError:
                    break  # the server stopped reading
            (conn,) = server._connections
            assert len(conn._buffer) <= server.buffer_limit + (1 << 20)
            assert sent < 50_000_000
            release.set()
            writer.transport.abort()

    run(main())


def test_server_caps_connections_and_close_cancels_late_handlers(run: Runner) -> None:
    started: list[str] = []
    entered = asyncio.Event()

    async def handler(request: Request) -> HTTPReply:
        started.append(request.path)
        entered.set()
        await asyncio.Event().wait()  # never answers
        return HTTPReply(200)

    async def main() -> None:
        server = Http1Server(handler, max_connections=2)
        port = await server.start("127.0.0.1", 0)
        streams = [await asyncio.open_connection("127.0.0.1", port) for _ in range(3)]
        streams[0][1].write(post("/a", b"") + post("/b", b""))  # /b waits behind /a
        assert await streams[2][0].read() == b""  # the third is over the cap: closed
        await asyncio.wait_for(entered.wait(), 5)
        await server.close(grace=0.1)  # /a is cancelled after the grace; /b never starts
        assert started == ["/a"] and not server._tasks
        for reader, writer in streams[:2]:
            assert await reader.read() == b""
            writer.close()

    run(main())


def test_discord_callback_repeat_refused_as_acknowledged_counts_as_delivered(
    run: Runner,
) -> None:
    """The callback reached Discord but the connection dropped before the answer: sent
    again, Discord refuses it with 40060, which means the first one arrived."""
    refused = b'{"message": "Interaction has already been acknowledged.", "code": 40060}'
    answers = {
        1: ([], True),  # read, then the connection drops without an answer
        2: ([], False),  # set below: the refusal of the repeat
        **{n: ([], True) for n in range(3, 7)},
    }

    async def main() -> None:
        answers[2] = ([ok(refused)[0].replace(b"200 OK", b"400 Bad Request")], False)
        async with serve(lambda n, _: answers[n]) as server:
            pool = pool_for(server)
            await send_callback(pool, 1, "tok/en", {"type": 4, "data": {"content": "hi"}})
            assert [r.split(b" ")[1] for r in server.requests] == [
                b"/api/v10/interactions/1/tok%2Fen/callback"
            ] * 2
            with pytest.raises(discord.HTTPException, match="no answer"):
                # Dropped: on the kept-alive connection, then on a new one (the pool's
                # resend), then twice more (the callback's retries); then it gives up.
                await send_callback(pool, 2, "t", {"type": 4})
            await pool.close()
        assert len(server.requests) == 6

    run(main())
