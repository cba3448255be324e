"""Machine translation for live Q&A (a moderator's "Translate" on a question): DeepL or
NAVER's Papago behind `bot.core.ports.MachineTranslator`, or none.

Nothing here is needed to run the bot: `provider(settings)` builds the one that
FORUM_BOT_TRANSLATE names, importing its client library only then. Language codes are
ours ("en", "ko", ...); each provider maps them to its service's."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.core.ports import MachineTranslator
    from bot.settings import Settings

# A service's language code as ours: its primary subtag ("EN-US" and "en" are "en").
_CODE = re.compile(r"^([A-Za-z]{2,3})(?:[-_][A-Za-z0-9]{1,8})*$")


@dataclass(frozen=True)
class Translated:
    """A translation, and the language the service found the text in (our code, or None
    when it does not say)."""

    text: str
    source: str | None


class TranslationFailed(Exception):
    """A translation that did not happen. Its text is a short reason fit for a moderator
    and the log ("timed out after 8 s", "quota used up (456)"): never a key, never what
    the service answered."""


def provider(settings: Settings) -> MachineTranslator | None:
    """The translation service FORUM_BOT_TRANSLATE names, or None when it names none.
    `Settings` has already refused a name without its keys."""
    name = settings.translate
    if not name:
        return None
    timeout = settings.translate_timeout
    if name == "deepl" and settings.deepl_auth_key is not None:
        from bot.translation.deepl import DeepL

        return DeepL(
            settings.deepl_auth_key.get_secret_value().strip(),
            server_url=settings.deepl_server_url or None,
            timeout=timeout,
        )
    if name == "papago" and settings.papago_client_secret is not None:
        from bot.translation.papago import Papago

        return Papago(
            settings.papago_client_id,
            settings.papago_client_secret.get_secret_value().strip(),
            url=settings.papago_url,
            timeout=timeout,
        )
    raise ValueError(f"no translation service {name!r} with its keys")


def wanted(text: str, limit: int, service: str) -> str:
    """`text` if a service can take it (not blank, at most `limit` characters), else
    TranslationFailed saying why, before anything is sent."""
    if not isinstance(text, str) or not text.strip():
        raise TranslationFailed("nothing to translate")
    if len(text) > limit:
        raise TranslationFailed(f"too long for {service} ({limit:,} characters at most)")
    return text


def service_code(codes: dict[str, str], ours: str | None, service: str) -> str:
    """Our language code as the service's (`codes` maps ours to its), else
    TranslationFailed naming ours (cut short: it may come from anywhere)."""
    found = codes.get(ours or "")
    if found is None:
        raise TranslationFailed(f"{service} has no language {str(ours)[:12]!r}")
    return found


def our_code(code: object) -> str | None:
    """A service's language code ("KO", "zh-CN") as ours ("ko", "zh"); None when it is
    no language code ("auto", empty, or not a text at all)."""
    found = _CODE.match(code) if isinstance(code, str) else None
    return found.group(1).lower() if found else None


def timed_out(seconds: float) -> TranslationFailed:
    """The failure of a call that took longer than its `seconds`."""
    return TranslationFailed(f"timed out after {seconds:g} s")
