"""Logs: one line per event on stderr, and no secret ever written."""

from __future__ import annotations

import logging

import pytest

from bot.logs import RedactSecrets, setup_logging


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
