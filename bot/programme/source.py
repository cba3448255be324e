"""A live agenda source: the event file names a file or an http(s) URL (e.g. pretalx's
`schedule/export/schedule.json`) that the bot reads again on an interval.

URLs are fetched with conditional requests (ETag / If-Modified-Since), so an unchanged
programme costs the conference system a 304; files are compared by content. A source that
fails (unreachable, an error status, a file that does not import) changes nothing: the
bot keeps the last good agenda and says why in the log.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from pathlib import Path
from typing import Any

import aiohttp

from bot.programme.formats import load
from bot.settings import ConfigError, EventConfig, SourceConfig

log = logging.getLogger(__name__)

MAX_BYTES = 20 * 1024 * 1024  # far above any programme; stops a runaway download
TIMEOUT_SECONDS = 30.0


class SourceError(Exception):
    """The source could not be read or imported; the agenda stays as it was."""


class AgendaSource:
    """Reads one source; `poll` returns a new event only when the programme changed."""

    def __init__(self, config: SourceConfig, base: dict[str, Any], folder: Path | None) -> None:
        self.config = config
        self.base = base
        url = config.url
        self.is_url = url.startswith(("http://", "https://"))
        self.path = None if self.is_url else (folder or Path.cwd()) / Path(url).expanduser()
        self._etag: str | None = None
        self._modified: str | None = None
        self._digest: str | None = None
        self.checks = 0
        self.not_modified = 0

    @property
    def name(self) -> str:
        return self.config.url if self.is_url else str(self.path)

    async def poll(self, *, force: bool = False) -> EventConfig | None:
        """The event with the source's current programme, or None when it is unchanged
        (`force` imports it even so). Raises SourceError; nothing changes then."""
        self.checks += 1
        raw = await (self._fetch(force) if self.is_url else self._read())
        if raw is None:
            self.not_modified += 1
            return None
        digest = hashlib.sha256(raw).hexdigest()
        if digest == self._digest and not force:
            self.not_modified += 1
            return None
        try:
            config = await asyncio.to_thread(
                load, raw, self.name, self.config.format, base=self.base
            )
        except ConfigError as exc:
            raise SourceError(exc.report()) from None
        self._digest = digest
        return config

    async def _read(self) -> bytes:
        assert self.path is not None
        try:
            size = self.path.stat().st_size
            if size > MAX_BYTES:
                raise SourceError(f"{self.path}: {size} bytes, more than {MAX_BYTES}")
            return await asyncio.to_thread(self.path.read_bytes)
        except OSError as exc:
            raise SourceError(f"{self.path}: cannot read: {exc.strerror}") from None

    async def _fetch(self, force: bool) -> bytes | None:
        headers = {"Accept": "application/json, application/xml, text/calendar, text/csv, */*"}
        if not force:
            if self._etag:
                headers["If-None-Match"] = self._etag
            if self._modified:
                headers["If-Modified-Since"] = self._modified
        timeout = aiohttp.ClientTimeout(total=TIMEOUT_SECONDS)
        try:
            async with (
                aiohttp.ClientSession(timeout=timeout) as http,
                http.get(self.config.url, headers=headers) as response,
            ):
                if response.status == 304:
                    return None
                if response.status != 200:
                    raise SourceError(f"{self.config.url}: HTTP {response.status}")
                if (response.content_length or 0) > MAX_BYTES:
                    raise SourceError(f"{self.config.url}: larger than {MAX_BYTES} bytes")
                raw = await response.content.read(MAX_BYTES + 1)
                if len(raw) > MAX_BYTES:
                    raise SourceError(f"{self.config.url}: larger than {MAX_BYTES} bytes")
                etag = response.headers.get("ETag")
                modified = response.headers.get("Last-Modified")
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise SourceError(f"{self.config.url}: {type(exc).__name__}: {exc}") from None
        # Remembered only once the body arrived whole; `poll` keeps them even if the
        # import fails, so a broken programme is not fetched again until it changes.
        self._etag, self._modified = etag, modified
        return raw
