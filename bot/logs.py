"""Logging: stderr, one line per event, secrets never written."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterable


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
    for noisy in ("aiosqlite", "asyncio", "aiohttp.access", "discord", "slack_bolt", "apscheduler"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))


class _OneLine(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return super().format(record).replace("\n", " | ")
