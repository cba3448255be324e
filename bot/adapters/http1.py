"""A lean HTTP/1.1 client and server: small messages over kept-alive connections.

Under a burst of commands the bot's own CPU decides how soon the last one is answered, and
aiohttp spent as much of it per request as the command itself: on Discord for each
interaction callback the bot sends (its session, request, payload and response objects,
timers and tracing hooks), on Slack for each slash command it receives (a task, request
and response objects, a stream writer per answer). What both need is narrow: small bodies,
known peers, no cookies, redirects or compression. So a request or answer is written as
one buffer, and read with a small parser: start line, headers, then a body framed by
`Content-Length`, chunked transfer coding or (answers only) the end of the connection.

`Http1Pool` (client): keeps connections to one origin alive; a connection goes back to
the pool only when its answer was read whole and it may stay open; a request that fails
on a reused connection before any byte of an answer arrived is sent once more on a new
one, as browsers and aiohttp do (the server most likely closed it while it was idle).
No proxies: callers needing one use aiohttp.

`Http1Server` (server): answers requests one at a time per connection, in order
(pipelined requests wait their turn), with limits on the head and body sizes and on the
time a request may take to arrive; a malformed request gets 400 (or 413, 431, 501) and
the connection is closed. It serves Slack's POSTs behind whatever terminates TLS.
"""

from __future__ import annotations

import asyncio
import enum
import logging
import re
import ssl as ssl_module
from collections import deque
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import cast
from urllib.parse import urlsplit

log = logging.getLogger(__name__)

# Heads larger than this are refused: no answer to or request for a small POST needs more.
MAX_HEAD = 16 * 1024
MAX_BODY = 8 * 1024 * 1024


class HTTPError(ConnectionError):
    """The connection failed, or a message on it could not be read.

    `status` is what a server answers a request it could not read; `sent` says whether a
    client's request may have reached the server (False: it certainly did not)."""

    def __init__(self, reason: str, status: int = 400, *, sent: bool = True) -> None:
        super().__init__(reason)
        self.status = status
        self.sent = sent


@dataclass
class Response:
    """An answer: status, headers with lower-case names, and the whole body."""

    status: int
    reason: str
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    # Sent twice: the first time on a kept-alive connection the server had closed, which
    # it may or may not have read (see `Http1Pool.request`).
    resent: bool = False


# RFC 9110's token: what a method or a header name may be made of.
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
# What a header value may not hold: control characters other than horizontal tab.
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")


def _take_head(buffer: bytearray) -> tuple[str, dict[str, str]] | None:
    """Cut a message's head (start line and headers) off `buffer` once it is whole.

    Strict where lenience lets a proxy and this parser disagree on where a message ends
    (request smuggling): lines end in CRLF, header names are tokens right before the
    colon, values hold no control characters, and folded lines are refused.
    """
    end = buffer.find(b"\r\n\r\n")
    if end < 0 or end > MAX_HEAD:
        if len(buffer) > MAX_HEAD:
            raise HTTPError("head too large", 431)
        if b"\n\n" in buffer:  # a head ended by bare line feeds, that CRLF CRLF never ends
            raise HTTPError("lines must end in CRLF")
        return None
    head = bytes(buffer[:end]).decode("latin-1")
    del buffer[: end + 4]
    start, *lines = head.split("\r\n")
    bare = head.replace("\r\n", "")
    if "\n" in bare or "\r" in bare:
        raise HTTPError("lines must end in CRLF")
    headers: dict[str, str] = {}
    for line in lines:
        name, sep, value = line.partition(":")
        if not sep or not _TOKEN.fullmatch(name):
            raise HTTPError(f"malformed header line {line[:80]!r}")
        if _CONTROL.search(value):
            raise HTTPError(f"control character in header {name[:40]!r}")
        key = name.lower()
        value = value.strip(" \t")
        headers[key] = f"{headers[key]}, {value}" if key in headers else value
    return start, headers


def _content_length(headers: dict[str, str], limit: int) -> int:
    value = headers["content-length"]
    # ASCII digits only ("²" is a digit to str.isdigit), and few of them ("5, 5" from
    # two headers is refused as well).
    if not (value.isascii() and value.isdigit() and len(value) <= 18):
        raise HTTPError("malformed Content-Length")
    length = int(value)
    if length > limit:
        raise HTTPError("body too large", 413)
    return length


class _Step(enum.Enum):
    SIZE = 1
    DATA = 2
    CRLF = 3
    TRAILERS = 4


class _Chunked:
    """Decodes a body in chunked transfer coding from whatever bytes have arrived."""

    def __init__(self, limit: int) -> None:
        self.body = bytearray()
        self._limit = limit
        self._step = _Step.SIZE
        self._left = 0  # bytes of the current chunk still to read

    def feed(self, buf: bytearray) -> bool:
        """Consume what `buf` holds of the body; True once the body is whole."""
        while True:
            if self._step is _Step.SIZE:
                end = buf.find(b"\r\n")
                if end < 0:
                    if len(buf) > 1024:
                        raise HTTPError("malformed chunk size")
                    return False
                size = bytes(buf[:end]).split(b";", 1)[0].strip()
                del buf[: end + 2]
                if not size or any(c not in b"0123456789abcdefABCDEF" for c in size):
                    raise HTTPError("malformed chunk size")
                self._left = int(size, 16)
                if len(self.body) + self._left > self._limit:
                    raise HTTPError("body too large", 413)
                self._step = _Step.DATA if self._left else _Step.TRAILERS
            elif self._step is _Step.DATA:
                take = min(self._left, len(buf))
                self.body += buf[:take]
                del buf[:take]
                self._left -= take
                if self._left:
                    return False
                self._step = _Step.CRLF
            elif self._step is _Step.CRLF:  # the line break after a chunk's data
                if len(buf) < 2:
                    return False
                if bytes(buf[:2]) != b"\r\n":
                    raise HTTPError("malformed chunk")
                del buf[:2]
                self._step = _Step.SIZE
            else:  # trailer lines, up to an empty one that ends the body
                end = buf.find(b"\r\n")
                if end < 0:
                    if len(buf) > MAX_HEAD:
                        raise HTTPError("trailers too large", 431)
                    return False
                del buf[: end + 2]
                if end == 0:
                    return True


# ---- client ---------------------------------------------------------------------------


class _Connection(asyncio.Protocol):
    """One client connection; it reads one answer at a time."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.closed = False
        self.received_any = False
        self._buffer = bytearray()
        self._waiter: asyncio.Future[Response] | None = None
        self._no_body = False
        self._response: Response | None = None
        self._keep_alive = True
        self._length: int | None = None  # body bytes still to read; None: chunked or to EOF
        self._chunked: _Chunked | None = None
        self._body = bytearray()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports are not subclasses of asyncio.Transport, but behave as one.
        self.transport = cast(asyncio.Transport, transport)

    def data_received(self, data: bytes) -> None:
        if self._waiter is None:  # bytes nobody asked for: the connection is not usable
            self.close()
            return
        self.received_any = True
        self._buffer += data
        try:
            self._parse()
        except (HTTPError, ValueError) as exc:  # ValueError: e.g. a chunk size int() refuses
            self._fail(exc if isinstance(exc, HTTPError) else HTTPError(str(exc)))

    def eof_received(self) -> bool | None:
        return False  # close the transport; connection_lost settles the waiter

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if self._waiter is None or self._waiter.done():
            return
        if self._response is not None and self._length is None and self._chunked is None:
            self._finish(keep_alive=False)  # a body framed by the end of the connection
            return
        self._fail(HTTPError(f"connection closed before the answer was complete: {exc}"))

    def send(self, request: bytes, no_body: bool) -> asyncio.Future[Response]:
        """Write one request; the future gets its answer."""
        assert self.transport is not None and self._waiter is None
        self._waiter = asyncio.get_running_loop().create_future()
        self._no_body = no_body
        self.received_any = False
        self.transport.write(request)
        return self._waiter

    def close(self) -> None:
        """Close now; a pending answer fails."""
        self._fail(HTTPError("connection closed"))

    def _fail(self, exc: Exception) -> None:
        waiter, self._waiter = self._waiter, None
        self.closed = True
        if self.transport is not None:
            self.transport.close()
        if waiter is not None and not waiter.done():
            waiter.set_exception(exc)

    def _finish(self, keep_alive: bool) -> None:
        response, waiter = self._response, self._waiter
        assert response is not None and waiter is not None
        response.body = bytes(self._chunked.body if self._chunked else self._body)
        self._response, self._waiter = None, None
        self._body, self._length, self._chunked = bytearray(), None, None
        if not keep_alive or self._buffer:  # bytes after an answer: do not reuse
            self.closed = True
            if self.transport is not None:
                self.transport.close()
        if not waiter.done():
            waiter.set_result(response)

    def _parse(self) -> None:
        if self._response is None and not self._head():
            return
        if self._chunked is not None:
            if self._chunked.feed(self._buffer):
                self._finish(self._keep_alive)
        elif self._length is not None:
            take = min(self._length, len(self._buffer))
            self._body += self._buffer[:take]
            del self._buffer[:take]
            self._length -= take
            if self._length == 0:
                self._finish(self._keep_alive)
        else:  # to the end of the connection: connection_lost finishes it
            self._body += self._buffer
            self._buffer.clear()
            if len(self._body) > MAX_BODY:
                raise HTTPError("answer too large")

    def _head(self) -> bool:
        """Read the status line and headers once whole; False while incomplete."""
        while True:
            taken = _take_head(self._buffer)
            if taken is None:
                return False
            status_line, headers = taken
            version, _, rest = status_line.partition(" ")
            code, _, reason = rest.partition(" ")
            if not version.startswith("HTTP/1.") or not code.isdigit() or len(code) != 3:
                raise HTTPError(f"not an HTTP/1.x answer: {status_line[:80]!r}")
            status = int(code)
            if not 100 <= status < 200:  # an interim answer (100 Continue): the real one follows
                break
        self._response = Response(status, reason, headers)
        self._keep_alive = (
            version == "HTTP/1.1" and "close" not in headers.get("connection", "").lower()
        )
        if self._no_body or status in (204, 304):
            self._length = 0
        elif "chunked" in headers.get("transfer-encoding", "").lower():
            self._chunked = _Chunked(MAX_BODY)
        elif "content-length" in headers:
            self._length = _content_length(headers, MAX_BODY)
        else:
            self._length, self._keep_alive = None, False
        if self._length == 0:
            self._finish(self._keep_alive)
            return False
        return True


class Http1Pool:
    """Kept-alive connections to the origin of `base_url` (http or https)."""

    def __init__(
        self,
        base_url: str,
        *,
        user_agent: str,
        timeout: float = 10.0,
        max_idle: int = 128,
        ssl_context: ssl_module.SSLContext | None = None,
    ) -> None:
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"not an http(s) URL: {base_url!r}")
        self.host = parts.hostname
        self.tls = parts.scheme == "https"
        self.port = parts.port or (443 if self.tls else 80)
        default_port = self.port == (443 if self.tls else 80)
        host = f"[{self.host}]" if ":" in self.host else self.host  # IPv6 keeps its brackets
        self._host_header = host if default_port else f"{host}:{self.port}"
        self.prefix = parts.path.rstrip("/")
        self.timeout = timeout
        self.max_idle = max_idle
        self._ssl = (ssl_context or ssl_module.create_default_context()) if self.tls else None
        self._fixed = f"Host: {self._host_header}\r\nUser-Agent: {user_agent}\r\n"
        self._idle: deque[_Connection] = deque()
        self.opened = 0  # connections opened so far (benchmarks print it)

    async def request(
        self,
        method: str,
        path: str,
        body: bytes = b"",
        headers: Mapping[str, str] | None = None,
        *,
        resend_if_stale: bool = False,
    ) -> Response:
        """Send one request to `base_url`'s path + `path`; the whole answer comes back.

        A request that met a kept-alive connection the server had closed (no byte of an
        answer came back) is sent again on a new one when its method is idempotent, or
        with `resend_if_stale` when the caller can tell a repeat from a first delivery."""
        head = [f"{method} {self.prefix}{path} HTTP/1.1\r\n", self._fixed]
        for name, value in (headers or {}).items():
            if not _TOKEN.fullmatch(name) or _CONTROL.search(value):
                raise ValueError(f"header {name[:40]!r} cannot be sent")
            head.append(f"{name}: {value}\r\n")
        if body or method in ("POST", "PUT", "PATCH"):
            head.append(f"Content-Length: {len(body)}\r\n")
        head.append("\r\n")
        data = "".join(head).encode("latin-1") + body
        async with asyncio.timeout(self.timeout):
            conn, reused = await self._acquire()
            try:
                response = await self._exchange(conn, data, method == "HEAD")
            except HTTPError:
                if not reused or conn.received_any:
                    raise
                if not (resend_if_stale or method in ("GET", "HEAD", "PUT", "DELETE", "OPTIONS")):
                    raise
                # The server most likely closed the idle connection: once more, on a new one.
                conn, _ = await self._acquire(fresh=True)
                response = await self._exchange(conn, data, method == "HEAD")
                response.resent = True
        return response

    async def _exchange(self, conn: _Connection, data: bytes, no_body: bool) -> Response:
        try:
            response = await conn.send(data, no_body)
        except BaseException:
            conn.close()
            raise
        if not conn.closed and len(self._idle) < self.max_idle:
            self._idle.append(conn)
        elif not conn.closed:
            conn.close()
        return response

    async def _acquire(self, fresh: bool = False) -> tuple[_Connection, bool]:
        while self._idle and not fresh:
            conn = self._idle.pop()  # the most recently used is the likeliest still open
            if not conn.closed and conn.transport is not None and not conn.transport.is_closing():
                return conn, True
        loop = asyncio.get_running_loop()
        try:
            _, conn = await loop.create_connection(
                _Connection,
                self.host,
                self.port,
                ssl=self._ssl,
                server_hostname=self.host if self.tls else None,
            )
        except OSError as exc:
            raise HTTPError(f"cannot connect to {self._host_header}: {exc}", sent=False) from exc
        self.opened += 1
        return conn, False

    async def close(self) -> None:
        """Close every idle connection."""
        while self._idle:
            self._idle.pop().close()


# ---- server ---------------------------------------------------------------------------


@dataclass
class Request:
    """A request as received: headers with lower-case names, the whole body."""

    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Reply:
    """What a handler answers; the server adds Content-Length and Connection."""

    status: int
    body: bytes = b""
    headers: Mapping[str, str] = field(default_factory=dict)


Handler = Callable[[Request], Awaitable[Reply]]


class _ServerConnection(asyncio.Protocol):
    """One connection to the server: requests read, handled and answered in order.

    What arrives while a handler runs waits in the buffer (pipelining); reading pauses
    when that buffer holds more than one whole request could, and while the client does
    not read its answers (`pause_writing`), so one connection cannot fill the memory.
    """

    def __init__(self, server: Http1Server) -> None:
        self.server = server
        self.transport: asyncio.Transport | None = None
        self._buffer = bytearray()
        self._request: Request | None = None  # head read, body still arriving
        self._length = 0
        self._chunked: _Chunked | None = None
        self._keep_alive = True
        self._busy = False  # a handler is running: what arrives waits
        self._reading = False  # part of a request has arrived (its read timeout runs)
        self._closing = False
        self._eof = False  # the client half-closed: answer what came, then close
        self._write_paused = False
        self._read_paused = False
        self._timer: asyncio.TimerHandle | None = None

    # asyncio callbacks
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)
        if len(self.server._connections) >= self.server.max_connections or self.server.closing:
            self.transport.abort()
            return
        self.server._connections.add(self)
        self._arm(self.server.idle_timeout)

    def connection_lost(self, exc: Exception | None) -> None:
        self._closing = True
        self._disarm()
        self.server._connections.discard(self)

    def data_received(self, data: bytes) -> None:
        if self._closing:
            return
        self._buffer += data
        if len(self._buffer) > self.server.buffer_limit:
            self._pause_reading()
        if not self._busy and not self._write_paused:
            self._advance()

    def eof_received(self) -> bool | None:
        self._eof = True
        if not self._busy and not self._write_paused:
            self._advance()
        return True  # keep the transport open for the answers still to write

    def pause_writing(self) -> None:
        # The client does not read its answers: read and handle nothing more until it does,
        # and give it a while to catch up.
        self._write_paused = True
        self._pause_reading()
        self._arm(self.server.idle_timeout)

    def resume_writing(self) -> None:
        self._write_paused = False
        self._disarm()
        if not self._busy:
            self._advance()

    # state
    @property
    def idle(self) -> bool:
        """Between requests, with nothing of the next one yet."""
        return not self._busy and self._request is None and not self._buffer

    def close(self) -> None:
        """Close once what was written is sent."""
        self._closing = True
        self._disarm()
        if self.transport is not None:
            self.transport.close()

    def abort(self) -> None:
        """Close now, dropping what was not sent (timeouts: a client not reading)."""
        self._closing = True
        self._disarm()
        if self.transport is not None:
            self.transport.abort()

    def _arm(self, seconds: float) -> None:
        self._disarm()
        self._timer = asyncio.get_running_loop().call_later(seconds, self.abort)

    def _disarm(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _pause_reading(self) -> None:
        if not self._read_paused and self.transport is not None:
            self._read_paused = True
            self.transport.pause_reading()

    def _resume_reading(self) -> None:
        if (
            self._read_paused
            and self.transport is not None
            and not self._write_paused
            and len(self._buffer) <= self.server.buffer_limit // 2
        ):
            self._read_paused = False
            self.transport.resume_reading()

    # requests
    def _advance(self) -> None:
        """Read as far as the buffer allows; start the handler once a request is whole."""
        if self._closing:
            return
        try:
            request = self._read()
        except (HTTPError, ValueError) as exc:
            status = exc.status if isinstance(exc, HTTPError) else 400
            log.info("http: refused a request (%d): %s", status, exc)
            self._send(_serialise(Reply(status, _phrase(status).encode())), close=True)
            return
        if request is None:
            if self._eof or self.server.closing:
                self.close()  # nothing whole is left to answer
            elif self._buffer or self._request is not None:
                if not self._reading:  # a request begun must arrive whole in time
                    self._reading = True
                    self._arm(self.server.read_timeout)
            else:
                self._arm(self.server.idle_timeout)
            self._resume_reading()
            return
        self._reading = False
        self._busy = True
        self._disarm()
        task = asyncio.get_running_loop().create_task(self._handle(request))
        self.server._tasks.add(task)
        task.add_done_callback(self.server._tasks.discard)

    def _read(self) -> Request | None:
        if self._request is None:
            while self._buffer[:2] == b"\r\n":  # empty lines before a request are allowed
                del self._buffer[:2]
            taken = _take_head(self._buffer)
            if taken is None:
                return None
            self._request = self._start(*taken)
        request = self._request
        if self._chunked is not None:
            if not self._chunked.feed(self._buffer):
                return None
            request.body = bytes(self._chunked.body)
        else:
            if len(self._buffer) < self._length:
                return None
            request.body = bytes(self._buffer[: self._length])
            del self._buffer[: self._length]
        self._request, self._chunked, self._length = None, None, 0
        return request

    def _start(self, line: str, headers: dict[str, str]) -> Request:
        """A request's head read: check it and learn how its body is framed."""
        parts = line.split(" ")
        if len(parts) != 3 or not _TOKEN.fullmatch(parts[0]) or not parts[1].startswith("/"):
            raise HTTPError(f"malformed request line {line[:80]!r}")
        method, target, version = parts
        if version not in ("HTTP/1.1", "HTTP/1.0"):
            raise HTTPError("HTTP/1.x only", 505 if version.startswith("HTTP/") else 400)
        if version == "HTTP/1.1" and "host" not in headers:
            raise HTTPError("no Host header")
        connection = headers.get("connection", "").lower()
        self._keep_alive = (
            "close" not in connection if version == "HTTP/1.1" else "keep-alive" in connection
        )
        coding = headers.get("transfer-encoding")
        if coding is not None:
            # Both framings at once is how requests are smuggled past a proxy.
            if "content-length" in headers or version == "HTTP/1.0":
                raise HTTPError("conflicting message framing")
            if coding.lower() != "chunked":
                raise HTTPError(f"transfer coding {coding[:40]!r}", 501)
            self._chunked = _Chunked(self.server.max_body)
        elif "content-length" in headers:
            self._length = _content_length(headers, self.server.max_body)
        else:
            self._length = 0
        expect = headers.get("expect", "").lower() == "100-continue"
        if expect and version == "HTTP/1.1" and (self._length or self._chunked):
            assert self.transport is not None
            self.transport.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        path, _, query = target.partition("?")
        return Request(method, path, query, headers, b"")

    async def _handle(self, request: Request) -> None:
        try:
            reply: Reply | None = await self.server.handler(request)
        except Exception:
            log.exception("http: the handler failed on %s %s", request.method, request.path)
            reply = None
        # Decided after the handler: the server may have begun closing meanwhile.
        close = not self._keep_alive or self.server.closing
        try:
            data = _serialise(reply or _ERROR, head_only=request.method == "HEAD", close=close)
        except ValueError:  # a header that cannot be sent (UnicodeError is a ValueError)
            log.exception("http: the reply to %s %s cannot be sent", request.method, request.path)
            data = _serialise(_ERROR, close=close)
        self._busy = False
        self._send(data, close=close)
        if not self._closing and not self._write_paused:
            self._advance()

    def _send(self, data: bytes, *, close: bool) -> None:
        if self.transport is None or self.transport.is_closing():
            return
        self.transport.write(data)
        if close:
            self.close()


_ERROR = Reply(500, b"Internal Server Error")


def _serialise(reply: Reply, *, head_only: bool = False, close: bool = True) -> bytes:
    """A reply as bytes; raises ValueError for a header that cannot be sent."""
    status = reply.status
    no_body = status < 200 or status in (204, 304)
    head = [f"HTTP/1.1 {status} {_phrase(status)}\r\n"]
    for name, value in reply.headers.items():
        if not _TOKEN.fullmatch(name) or _CONTROL.search(value):
            raise ValueError(f"header {name[:40]!r} cannot be sent")
        if name.lower() not in ("content-length", "connection", "transfer-encoding"):
            head.append(f"{name}: {value}\r\n")
    if not no_body:
        head.append(f"Content-Length: {len(reply.body)}\r\n")
    if close:
        head.append("Connection: close\r\n")
    head.append("\r\n")
    data = "".join(head).encode("latin-1")  # a value outside latin-1 raises UnicodeError
    return data if head_only or no_body else data + reply.body


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"


class Http1Server:
    """Serves `handler` on a host and port; `start` says which port it got."""

    def __init__(
        self,
        handler: Handler,
        *,
        max_body: int = 1024 * 1024,
        read_timeout: float = 15.0,
        idle_timeout: float = 75.0,
        max_connections: int = 1024,
    ) -> None:
        self.handler = handler
        self.max_body = max_body
        self.read_timeout = read_timeout
        self.idle_timeout = idle_timeout
        self.max_connections = max_connections
        # What one connection may hold unhandled: about one whole request.
        self.buffer_limit = MAX_HEAD + max_body + 64 * 1024
        self.closing = False
        self._server: asyncio.Server | None = None
        self._connections: set[_ServerConnection] = set()
        self._tasks: set[asyncio.Task[None]] = set()

    async def start(self, host: str, port: int) -> int:
        """Listen; raises OSError when the address cannot be had."""
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(
            lambda: _ServerConnection(self), host, port, reuse_address=True
        )
        return int(self._server.sockets[0].getsockname()[1])

    async def close(self, grace: float = 1.0) -> None:
        """Stop listening and starting handlers; let those under way answer for up to
        `grace` seconds, then cancel what is left and close every connection."""
        self.closing = True
        if self._server is not None:
            self._server.close()
        for conn in list(self._connections):
            if conn.idle:
                conn.close()
        if self._tasks:
            _, late = await asyncio.wait(set(self._tasks), timeout=grace)
            for task in late:
                task.cancel()
            await asyncio.gather(*late, return_exceptions=True)
        for conn in list(self._connections):
            conn.abort()
        if self._server is not None:
            await self._server.wait_closed()
            self._server = None
