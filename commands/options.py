"""Options several commands share, declared once."""

from __future__ import annotations

from bot.core.registry import Option
from bot.i18n import L


def session_option(required: bool = True, *, current: bool = False) -> Option:
    """The session a command is about, typed as its id or title (with autocomplete);
    `current` says it defaults to the one taking questions now."""
    described = (
        L("Which session (default: the one in Q&A now)", "세션 (기본: 지금 질의응답 중인 세션)")
        if current
        else L("Session id or title", "세션 ID 또는 제목")
    )
    return Option("session", described, required=required, autocomplete="session", name_ko="세션")
