"""The refusal every layer may raise to tell a person what went wrong, in their language."""

from __future__ import annotations

from typing import Any


class UserError(Exception):
    """A refusal or mistake to tell the user, as message `key` with `params`."""

    def __init__(self, key: str, **params: Any) -> None:
        super().__init__(key)
        self.key = key
        self.params = params
