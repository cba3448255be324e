"""A lean HTTP/1.1 client for one origin: small requests over kept-alive connections.

Discord's interaction callback is the one request whose latency a participant feels, and
under a burst of commands aiohttp's client spent about as much of the bot's CPU per
callback as the command itself (its session, request, payload and response objects,
timers and tracing hooks: ~0.3 ms each). This client writes a request as one buffer and
reads the answer with a small parser: status line, headers, then a body framed by
`Content-Length`, chunked transfer coding or the end of the connection.

It is deliberately small: no proxies (callers fall back to aiohttp when one is set), no
cookies, no redirects, no compression (it never asks for any), no `Expect: 100-continue`.
A connection goes back to the pool only when its answer was read whole and it may stay
open; a request that fails on a reused connection before any byte of an answer arrived is
sent once more on a new one, as browsers and aiohttp do, since the server most likely
closed that connection while it was idle.
"""

from __future__ import annotations

import asyncio
import enum
import ssl as ssl_module
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import cast
from urllib.parse import urlsplit

# Heads larger than this are refused: nobody's answer to a small POST needs more.
MAX_HEAD = 64 * 1024
MAX_BODY = 8 * 1024 * 1024


class _Step(enum.Enum):
    """Where a chunked body's reader is."""

    SIZE = 1
    DATA = 2
    CRLF = 3
    TRAILERS = 4


class HTTPError(ConnectionError):
    """The connection failed or the answer could not be read."""


@dataclass
class Response:
    """An answer: status, headers with lower-case names, and the whole body."""

    status: int
    reason: str
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""


class _Connection(asyncio.Protocol):
    """One connection; it reads one answer at a time."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.closed = False
        self._buffer = bytearray()
        self._waiter: asyncio.Future[Response] | None = None
        self._no_body = False
        self._response: Response | None = None
        self._keep_alive = True
        self._length: int | None = None  # bytes of body still to read; None: chunked/to EOF
        self._chunked = False
        self._body = bytearray()
        self._chunk_step = _Step.SIZE
        self._chunk_left = 0  # bytes of the current chunk still to read
        self.received_any = False

    # asyncio callbacks
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
        except HTTPError as exc:
            self._fail(exc)

    def eof_received(self) -> bool | None:
        return False  # close the transport; connection_lost settles the waiter

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if self._waiter is None or self._waiter.done():
            return
        if self._response is not None and self._length is None and not self._chunked:
            self._finish(keep_alive=False)  # a body framed by the end of the connection
            return
        self._fail(HTTPError(f"connection closed before the answer was complete: {exc}"))

    # the exchange
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
        self.closed = True
        if self.transport is not None:
            self.transport.close()
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
        response.body = bytes(self._body)
        self._response, self._waiter = None, None
        self._body = bytearray()
        self._length, self._chunked, self._chunk_step = None, False, _Step.SIZE
        if not keep_alive or self._buffer:  # extra bytes after an answer: do not reuse
            self.closed = True
            if self.transport is not None:
                self.transport.close()
        if not waiter.done():
            waiter.set_result(response)

    def _parse(self) -> None:
        if self._response is None and not self._head():
            return
        if self._chunked:
            self._chunks()
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
            end = self._buffer.find(b"\r\n\r\n")
            if end < 0:
                if len(self._buffer) > MAX_HEAD:
                    raise HTTPError("answer's head too large")
                return False
            head = bytes(self._buffer[:end]).decode("latin-1")
            del self._buffer[: end + 4]
            status_line, *lines = head.split("\r\n")
            version, _, rest = status_line.partition(" ")
            code, _, reason = rest.partition(" ")
            if not version.startswith("HTTP/1.") or not code.isdigit() or len(code) != 3:
                raise HTTPError(f"not an HTTP/1.x answer: {status_line[:80]!r}")
            status = int(code)
            if 100 <= status < 200:  # an interim answer (100 Continue): the real one follows
                continue
            headers: dict[str, str] = {}
            for line in lines:
                name, sep, value = line.partition(":")
                if not sep:
                    raise HTTPError(f"malformed header line {line[:80]!r}")
                key = name.strip().lower()
                value = value.strip()
                headers[key] = f"{headers[key]}, {value}" if key in headers else value
            break
        self._response = Response(status, reason, headers)
        connection = headers.get("connection", "").lower()
        self._keep_alive = version == "HTTP/1.1" and "close" not in connection
        if self._no_body or status in (204, 304):
            self._length = 0
        elif "chunked" in headers.get("transfer-encoding", "").lower():
            self._chunked = True
        elif "content-length" in headers:
            try:
                self._length = int(headers["content-length"])
            except ValueError as exc:
                raise HTTPError("malformed Content-Length") from exc
            if not 0 <= self._length <= MAX_BODY:
                raise HTTPError("answer too large")
        else:
            self._length, self._keep_alive = None, False
        if self._length == 0:
            self._finish(self._keep_alive)
            return False
        return True

    def _chunks(self) -> None:
        buf = self._buffer
        while True:
            if self._chunk_step is _Step.SIZE:
                end = buf.find(b"\r\n")
                if end < 0:
                    if len(buf) > 1024:
                        raise HTTPError("malformed chunk size")
                    return
                size = bytes(buf[:end]).split(b";", 1)[0].strip()
                del buf[: end + 2]
                try:
                    self._chunk_left = int(size, 16)
                except ValueError as exc:
                    raise HTTPError("malformed chunk size") from exc
                if self._chunk_left < 0 or len(self._body) + self._chunk_left > MAX_BODY:
                    raise HTTPError("answer too large")
                self._chunk_step = _Step.DATA if self._chunk_left else _Step.TRAILERS
            elif self._chunk_step is _Step.DATA:
                take = min(self._chunk_left, len(buf))
                self._body += buf[:take]
                del buf[:take]
                self._chunk_left -= take
                if self._chunk_left:
                    return
                self._chunk_step = _Step.CRLF
            elif self._chunk_step is _Step.CRLF:  # the line break after a chunk's data
                if len(buf) < 2:
                    return
                if bytes(buf[:2]) != b"\r\n":
                    raise HTTPError("malformed chunk")
                del buf[:2]
                self._chunk_step = _Step.SIZE
            else:  # trailer lines, up to an empty one that ends the answer
                end = buf.find(b"\r\n")
                if end < 0:
                    if len(buf) > MAX_HEAD:
                        raise HTTPError("answer's trailers too large")
                    return
                empty = end == 0
                del buf[: end + 2]
                if empty:
                    self._finish(self._keep_alive)
                    return


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
        self._host_header = self.host if default_port else f"{self.host}:{self.port}"
        if ":" in self.host and not default_port:  # an IPv6 literal keeps its brackets
            self._host_header = f"[{self.host}]:{self.port}"
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
    ) -> Response:
        """Send one request to `base_url`'s path + `path`; the whole answer comes back."""
        head = [f"{method} {self.prefix}{path} HTTP/1.1\r\n", self._fixed]
        for name, value in (headers or {}).items():
            if "\r" in value or "\n" in value or "\r" in name or "\n" in name:
                raise ValueError(f"header {name!r} holds a line break")
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
                # The server most likely closed the idle connection: once more, on a new one.
                conn, _ = await self._acquire(fresh=True)
                response = await self._exchange(conn, data, method == "HEAD")
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
            raise HTTPError(f"cannot connect to {self._host_header}: {exc}") from exc
        self.opened += 1
        return conn, False

    async def close(self) -> None:
        """Close every idle connection."""
        while self._idle:
            self._idle.pop().close()
