"""Devices without accounts: the signed cookie, CSRF tokens, the client's address and the
per-address budget."""

from __future__ import annotations

import ipaddress

import pytest
from aiohttp import web
from aiohttp.test_utils import make_mocked_request
from pydantic import ValidationError

from bot.qa.identity import Keys
from bot.settings import Settings
from bot.settings.environment import networks
from bot.web.device import COOKIE, AddressBudget, Devices, client_address

KEYS = Keys(b"k" * 32)


def _request(remote: str = "127.0.0.1", **headers: str) -> web.Request:
    return make_mocked_request("GET", "/q/dialogue", headers=headers).clone(remote=remote)


def test_a_signed_cookie_is_the_same_device_and_anything_else_a_new_one() -> None:
    devices = Devices(KEYS)
    made = devices.identify(_request())
    assert made.new and len(made.id) == 24
    signed = f"{made.id}.{KEYS.tag('device', made.id)}"
    again = devices.identify(_request(Cookie=f"{COOKIE}={signed}"))
    assert again.id == made.id and not again.new
    other_secret = Devices(Keys(b"o" * 32))
    assert other_secret.identify(_request(Cookie=f"{COOKIE}={signed}")).new
    for forged in (made.id, f"{made.id}.", f"{made.id[:-1]}!.{signed.partition('.')[2]}", "a.b"):
        assert devices.identify(_request(Cookie=f"{COOKIE}={forged}")).new, forged


def test_csrf_tokens_belong_to_one_device_and_purpose() -> None:
    devices = Devices(KEYS)
    one = devices.identify(_request(Cookie=f"{COOKIE}=x"))
    assert not devices.csrf_ok(one, devices.csrf(one))  # a new device has no token yet
    signed = f"{one.id}.{KEYS.tag('device', one.id)}"
    known = devices.identify(_request(Cookie=f"{COOKIE}={signed}"))
    token = devices.csrf(known)
    assert devices.csrf_ok(known, token)
    assert not devices.csrf_ok(known, devices.csrf(known, "other"))
    assert not devices.csrf_ok(known, "") and not devices.csrf_ok(known, token.upper())
    assert token != KEYS.tag("device", known.id)  # the cookie's tag is not a token


@pytest.mark.parametrize(
    ("remote", "forwarded", "address"),
    [
        ("198.51.100.4", "", "198.51.100.4"),
        ("198.51.100.4", "203.0.113.9", "198.51.100.4"),  # only a proxy here may say
        ("127.0.0.1", "203.0.113.9", "203.0.113.9"),
        ("127.0.0.1", "10.0.0.1, 203.0.113.9", "203.0.113.9"),  # the proxy's own entry
        ("::1", "2001:db8::1", "2001:db8::/64"),  # one network's /64 counts as one
        ("2001:db8::5", "", "2001:db8::/64"),
        ("::ffff:198.51.100.4", "", "198.51.100.4"),
        ("127.0.0.1", "not an address", "127.0.0.1"),
    ],
)
def test_the_client_s_address(remote: str, forwarded: str, address: str) -> None:
    headers = {"X-Forwarded-For": forwarded} if forwarded else {}
    assert client_address(_request(remote, **headers)) == address


def test_the_budget_refills_by_the_minute_and_forgets_full_buckets() -> None:
    now = [0.0]
    budget = AddressBudget(6, lambda: now[0])
    assert all(budget.take("a") for _ in range(6))
    assert not budget.take("a") and budget.take("b")
    now[0] += 10.0  # a sixth of a minute: one back
    assert budget.take("a") and not budget.take("a")
    budget.MAX_ADDRESSES = 2
    now[0] += 60.0
    budget.take("c")  # every older bucket is full again by now: dropped
    assert set(budget._buckets) == {"c"}


def test_a_proxy_named_in_the_settings_names_the_client() -> None:
    """FORUM_BOT_TRUSTED_PROXIES: behind Docker, a proxy on the host reaches the bot from
    the bridge's gateway, not from 127.0.0.1; named, its X-Forwarded-For is believed (and
    then only its: a client's own header from elsewhere is not)."""
    bridge = networks("172.16.0.0/12, 10.1.2.3")
    behind = _request("172.17.0.1", **{"X-Forwarded-For": "203.0.113.9"})
    assert client_address(behind) == "172.17.0.1"  # not trusted by default
    assert client_address(behind, bridge) == "203.0.113.9"
    assert client_address(_request("10.1.2.3", **{"X-Forwarded-For": "198.51.100.7"}), bridge) == (
        "198.51.100.7"
    )
    outside = _request("198.51.100.4", **{"X-Forwarded-For": "203.0.113.9"})
    assert client_address(outside, bridge) == "198.51.100.4"
    # Loopback is no longer trusted once others are named instead.
    assert client_address(_request("127.0.0.1", **{"X-Forwarded-For": "203.0.113.9"}), bridge) == (
        "127.0.0.1"
    )


def test_trusted_proxies_that_are_not_addresses_are_refused_at_start(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert networks("") == networks(" , ") == networks("127.0.0.0/8, ::1")
    monkeypatch.setenv("FORUM_BOT_TRUSTED_PROXIES", "172.17.0.1, proxy.example.org")
    with pytest.raises(ValidationError, match=r"'proxy\.example\.org' is not an address"):
        Settings()
    monkeypatch.setenv("FORUM_BOT_TRUSTED_PROXIES", "172.17.0.0/16")
    assert networks(Settings().trusted_proxies) == (ipaddress.ip_network("172.17.0.0/16"),)
