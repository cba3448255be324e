"""Joining a session's Q&A from a phone: the audience page's address, its short form for
a screen, and the same address as a QR code.

The codes come from segno (a maintained QR library), imported at the first one drawn: a
bot that never shows a presenter screen or answers /qa-screen never loads it.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING
from urllib.parse import quote, urlsplit

if TYPE_CHECKING:
    import segno

# Medium error correction: a code on a projector, photographed at an angle from the back
# of a hall, still reads with some of it washed out or covered.
_ERROR = "m"
# The quiet zone the standard asks for around a code, in modules.
_BORDER = 4
# Modules to pixels in a PNG: a version-3 code is about 600 px wide, sharp on a slide.
PNG_SCALE = 16
# Beyond this a code is too dense to read from afar (and an address this long is a
# mistake): refused rather than drawn.
MAX_URL = 300


class TooLong(ValueError):
    """The address is longer than a readable code holds."""


def join_url(base: str, session_id: str) -> str:
    """The audience page of `session_id` under the web server's public address."""
    return f"{base.rstrip('/')}/q/{quote(session_id, safe='')}"


def short_url(url: str) -> str:
    """The address as people type it from a screen: host and path, no scheme."""
    parts = urlsplit(url)
    return f"{parts.netloc}{parts.path}".rstrip("/")


def leads_to_itself(url: str) -> bool:
    """Whether a phone opening `url` would reach itself rather than the bot (127.0.0.1,
    localhost, 0.0.0.0): the address the bot listens at, not one people reach it at."""
    import ipaddress

    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_unspecified


def _code(url: str) -> segno.QRCode:
    if not url or len(url) > MAX_URL:
        raise TooLong(url[:60])
    import segno

    # Never a Micro QR: not every phone's camera reads those.
    return segno.make(url, error=_ERROR, micro=False)


@lru_cache(maxsize=32)
def qr_png(url: str, scale: int = PNG_SCALE) -> bytes:
    """`url` as a black-on-white PNG QR code (for slides and chat)."""
    import io

    out = io.BytesIO()
    _code(url).save(out, kind="png", scale=scale, border=_BORDER)
    return out.getvalue()


@lru_cache(maxsize=32)
def qr_svg(url: str) -> bytes:
    """`url` as an SVG QR code sized by its page (a viewBox, no width or height), on a
    white square with its quiet zone, so it reads on the presenter screen's dark page."""
    import io

    out = io.BytesIO()
    _code(url).save(
        out,
        kind="svg",
        scale=1,
        border=_BORDER,
        omitsize=True,
        xmldecl=False,
        svgclass=None,
        lineclass=None,
        dark="#000",
        light="#fff",
    )
    return out.getvalue()
