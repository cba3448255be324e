"""Logs: one line per event on stderr, and no secret ever written."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest

from bot.logs import RedactSecrets, duration, setup_logging


def test_secrets_are_redacted_in_messages_args_and_tracebacks(
    capsys: pytest.CaptureFixture[str],
) -> None:
    token = "xoxb-1234567890-abcdefSECRET"
    setup_logging("INFO", [token, "abc"])  # too-short values are not treated as secrets
    log = logging.getLogger("forum-test")
    log.info("connecting with %s", token)
    try:
        raise RuntimeError(f"bad token {token}")
    except RuntimeError:
        log.exception("failed\nover two lines")
    err = capsys.readouterr().err
    assert token not in err
    assert err.count("[redacted]") == 2  # the message, and the exception text
    lines = err.strip().splitlines()
    assert len(lines) == 2  # one line per event, tracebacks included
    assert "failed | over two lines" in lines[1] and "abc" not in err.replace("abcdef", "")
    logging.getLogger().handlers.clear()


def test_filter_without_secrets_passes_records_untouched() -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "hello %s", ("world",), None)
    assert RedactSecrets([]).filter(record)
    assert record.getMessage() == "hello world"


@pytest.mark.parametrize(
    ("delta", "expected"),
    [
        (timedelta(days=300, minutes=54, seconds=4.749744), "300 d 54 min"),
        (timedelta(hours=3, minutes=5, seconds=59), "3 h 5 min"),
        (timedelta(minutes=32), "32 min"),
        (timedelta(minutes=2, seconds=30), "2 min 30 s"),
        (timedelta(seconds=45.4), "45 s"),
        (timedelta(milliseconds=350), "350 ms"),
        (timedelta(0), "0 s"),
        (timedelta(minutes=-5), "-5 min"),
    ],
)
def test_durations_read_as_people_say_them(delta: timedelta, expected: str) -> None:
    assert duration(delta) == expected
