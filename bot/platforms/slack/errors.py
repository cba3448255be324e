"""What Slack said when a call failed, read from whatever came back.

Slack answers JSON (`{"ok": false, "error": "..."}`), but a proxy, a load balancer or an
outage answers HTML or text, and a dropped connection answers nothing: slack_sdk then
raises `SlackApiError` whose `response.data` is a `str`, or aiohttp's own errors. Every
call site reads a failure through `slack_problem`, so none of them can trip over the
shape of the answer (an `AttributeError` there once turned every slash command into a
500 while `usergroups.list` answered text).
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from slack_sdk.errors import SlackApiError, SlackRequestError

_SHOWN = 120  # characters of a non-JSON answer worth a log line


@dataclass(frozen=True)
class SlackProblem:
    """A failed call: Slack's error code (empty when there is none) and a one-line text."""

    code: str
    text: str

    def __str__(self) -> str:
        return self.text


def _one_line(value: object) -> str:
    text = value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
    text = " ".join(text.split())
    return text if len(text) <= _SHOWN else text[: _SHOWN - 1] + "…"


def _from_data(data: object, status: int | None) -> SlackProblem:
    where = f"HTTP {status}" if status else "Slack"
    if isinstance(data, Mapping):
        code = data.get("error")
        if isinstance(code, str) and code:
            return SlackProblem(code, f"{where}: {code}")
        return SlackProblem("", f"{where}: {_one_line(dict(data))}")
    if data is None or data in ("", b""):
        return SlackProblem("", f"{where}: an empty answer")
    return SlackProblem("", f"{where}: not Slack's JSON: {_one_line(data)}")


def slack_problem(problem: Any) -> SlackProblem:
    """Slack's error from an exception, a response object, a dict or a text."""
    if isinstance(problem, SlackApiError):
        response = problem.response
        data = getattr(response, "data", response)
        status = getattr(response, "status_code", None)
        return _from_data(data, status if isinstance(status, int) else None)
    if isinstance(problem, SlackRequestError):
        # slack_sdk's own: e.g. files_upload_v2's upload URL answered other than 200.
        return SlackProblem("", f"request failed: {_one_line(problem) or 'no detail'}")
    if isinstance(problem, asyncio.TimeoutError):
        return SlackProblem("", "no answer in time")
    if isinstance(problem, BaseException):
        # aiohttp's ClientError (a dropped connection, a refused one) and the like.
        detail = _one_line(problem) or "no detail"
        return SlackProblem("", f"no answer ({type(problem).__name__}: {detail})")
    status = getattr(problem, "status", None) or getattr(problem, "status_code", None)
    data = getattr(problem, "data", problem)
    return _from_data(data, status if isinstance(status, int) else None)
