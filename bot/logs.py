"""Logging: stderr, one line per event, secrets never written."""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Callable, Iterable
from datetime import timedelta


class RedactSecrets(logging.Filter):
    """Replaces every known secret value in a log record with a marker."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        # Short values would redact innocent text; real tokens are long.
        self._secrets = sorted({s for s in secrets if len(s) >= 6}, key=len, reverse=True)

    def filter(self, record: logging.LogRecord) -> bool:
        if not self._secrets:
            return True
        message = record.getMessage()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        redacted = message
        exc_text = record.exc_text or ""
        for secret in self._secrets:
            redacted = redacted.replace(secret, "[redacted]")
            exc_text = exc_text.replace(secret, "[redacted]")
        record.msg, record.args = redacted, None
        record.exc_text = exc_text or None
        return True


def setup_logging(level: str, secrets: Iterable[str]) -> None:
    """Send log lines to stderr, newlines escaped so each event stays one line."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_OneLine("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactSecrets(secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper() if level.upper() in logging.getLevelNamesMapping() else "INFO")
    # Library chatter at INFO is not an event of ours.
    # deepl logs every request it makes at INFO.
    for noisy in ("aiosqlite", "asyncio", "aiohttp.access", "discord", "slack_bolt", "deepl"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))


class _OneLine(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return super().format(record).replace("\n", " | ")


class Throttled:
    """At most `limit` lines a `window` of seconds for one kind of event, then a count.

    A stranger can send forged requests as fast as the network allows; each deserves a
    line, but a flood of them must not fill the disk or bury the lines that matter.
    """

    def __init__(
        self,
        logger: logging.Logger,
        *,
        limit: int = 10,
        window: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._log = logger
        self._limit = limit
        self._window = window
        self._clock = clock
        self._started = -window
        self._count = 0
        self._suppressed = 0

    def warning(self, message: str, *args: object) -> None:
        """Log `message` unless this window's lines are used up; count it if so."""
        now = self._clock()
        if now - self._started >= self._window:
            if self._suppressed:
                self._log.warning(
                    "%d more like this in the last %.0f s were not logged",
                    self._suppressed,
                    self._window,
                )
            self._started, self._count, self._suppressed = now, 0, 0
        if self._count < self._limit:
            self._count += 1
            self._log.warning(message, *args)
        else:
            self._suppressed += 1


def duration(delta: timedelta) -> str:
    """A duration as people say it, its two largest units: '3 h 5 min', '300 d 54 min',
    '45 s' (a timedelta prints '300 days, 0:54:04.749744')."""
    sign, delta = ("-", -delta) if delta < timedelta(0) else ("", delta)
    if delta < timedelta(seconds=1):
        return f"{sign}{delta // timedelta(milliseconds=1)} ms" if delta else "0 s"
    seconds = int(delta.total_seconds())
    parts = [
        (seconds // 86400, "d"),
        (seconds // 3600 % 24, "h"),
        (seconds // 60 % 60, "min"),
        (seconds % 60, "s"),
    ]
    shown = [f"{n} {unit}" for n, unit in parts if n][:2]
    return sign + " ".join(shown)
