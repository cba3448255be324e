"""Who is on the other end of a web page, without accounts: a device cookie, the forms'
CSRF tokens bound to it, and a request budget per network address.

A device is a random id in a signed cookie (HttpOnly, SameSite=Lax, Secure over https).
The signature is a keyed hash under the bot's secret (`Keys.tag`), so a cookie that was
made up or changed is simply a new device: it cannot take over someone else's votes or
questions. A form's CSRF token is the same kind of hash of the device id and the form's
purpose; a page from another site can neither read it nor make it.
"""

from __future__ import annotations

import hmac
import ipaddress
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass

from aiohttp import web

from bot.qa.identity import Keys
from bot.settings.environment import LOOPBACK, Networks

COOKIE = "device"
# Only the audience's pages read it; the rest of the site never receives it.
COOKIE_PATH = "/q"
COOKIE_DAYS = 180
# 18 random bytes: 24 URL-safe characters, never guessed.
_ID_BYTES = 18
_ID_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


@dataclass(frozen=True)
class Device:
    """One browser: its id, and whether this request is its first (no valid cookie)."""

    id: str
    new: bool = False


class Devices:
    """Device cookies and CSRF tokens under one secret."""

    def __init__(self, keys: Keys) -> None:
        self._keys = keys

    def identify(self, request: web.Request) -> Device:
        """The device of a valid cookie, else a new one (a forged cookie is a stranger)."""
        value = request.cookies.get(COOKIE, "")
        device_id, _, tag = value.partition(".")
        if (
            len(device_id) == 24
            and set(device_id) <= _ID_CHARS
            and tag.isascii()  # a stray byte in a cookie is a stranger, not an error
            and hmac.compare_digest(tag.encode(), self._keys.tag("device", device_id).encode())
        ):
            return Device(device_id)
        return Device(secrets.token_urlsafe(_ID_BYTES), new=True)

    def remember(self, request: web.Request, response: web.StreamResponse, device: Device) -> None:
        """Give a new device its cookie with this response."""
        if not device.new:
            return
        response.set_cookie(
            COOKIE,
            f"{device.id}.{self._keys.tag('device', device.id)}",
            max_age=COOKIE_DAYS * 86400,
            path=COOKIE_PATH,
            httponly=True,
            samesite="Lax",
            secure=is_https(request),
        )

    def csrf(self, device: Device, purpose: str = "q") -> str:
        """The token a form of this device carries."""
        return self._keys.tag(f"csrf:{purpose}", device.id)

    def csrf_ok(self, device: Device, given: str, purpose: str = "q") -> bool:
        """Whether `given` is this device's token (a new device has none yet)."""
        if device.new or not given or not given.isascii():
            return False
        return hmac.compare_digest(given.encode(), self.csrf(device, purpose).encode())


def is_https(request: web.Request) -> bool:
    """Whether the reader came over https: directly, or through a proxy on this machine
    that says so (a client lying about it only makes its own cookie stricter)."""
    if request.secure:
        return True
    return request.headers.get("X-Forwarded-Proto", "").strip().lower() == "https"


def client_address(request: web.Request, proxies: Networks = LOOPBACK) -> str:
    """The reader's network address. Behind a reverse proxy (TLS, see the README) every
    request comes from the proxy, which names the client as the last entry of
    X-Forwarded-For; only a proxy in `proxies` is believed (this machine's, unless
    FORUM_BOT_TRUSTED_PROXIES names others, such as Docker's bridge)."""
    remote = request.remote or ""
    forwarded = request.headers.get("X-Forwarded-For", "")
    if forwarded and _within(remote, proxies):
        last = forwarded[-100:].split(",")[-1].strip()
        try:
            return _bucket(ipaddress.ip_address(last))
        except ValueError:
            pass
    try:
        return _bucket(ipaddress.ip_address(remote))
    except ValueError:
        return remote


def _bucket(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str:
    """What counts as one address for the budget: an IPv4 address, or an IPv6 /64 (one
    network hands each of its hosts, or one host, any address in its /64)."""
    if address.version == 6 and address.ipv4_mapped is None:
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    mapped = getattr(address, "ipv4_mapped", None)
    return str(mapped or address)


def _within(address: str, networks: Networks) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    ip = getattr(ip, "ipv4_mapped", None) or ip
    return any(ip in network for network in networks)


class AddressBudget:
    """A token bucket per network address: `per_minute` requests a minute, in bursts of as
    many. Venue Wi-Fi puts a whole hall behind one address, so it is generous (300 people
    voting at once are not slowed); it stops a script, not a crowd.

    Only addresses that spent something are kept, and full buckets are dropped when the
    table grows, so a scan of many addresses cannot fill memory.
    """

    MAX_ADDRESSES = 50_000

    def __init__(self, per_minute: int, now: Callable[[], float] = time.monotonic) -> None:
        self.capacity = float(per_minute)
        self.rate = per_minute / 60.0
        self._now = now
        self._buckets: dict[str, tuple[float, float]] = {}  # address -> (tokens, at)

    def take(self, address: str) -> bool:
        """Spend one request of `address`'s budget; False when it has none left."""
        now = self._now()
        tokens, at = self._buckets.get(address, (self.capacity, now))
        tokens = min(self.capacity, tokens + (now - at) * self.rate)
        if tokens < 1.0:
            self._buckets[address] = (tokens, now)
            return False
        if len(self._buckets) >= self.MAX_ADDRESSES and address not in self._buckets:
            self._forget_full(now)
        self._buckets[address] = (tokens - 1.0, now)
        return True

    def _forget_full(self, now: float) -> None:
        full = [
            a
            for a, (tokens, at) in self._buckets.items()
            if tokens + (now - at) * self.rate >= self.capacity
        ]
        for a in full:
            del self._buckets[a]
        if len(self._buckets) >= self.MAX_ADDRESSES:
            self._buckets.clear()  # a flood of addresses: start everyone afresh
