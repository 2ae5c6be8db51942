"""The caller's address behind trusted proxies: the rightmost entry of X-Forwarded-For that no trusted proxy wrote,
and only when the connection itself comes from a trusted proxy."""

from __future__ import annotations

import pytest

from server.config import load_settings, trusted_networks
from server.lib.http import client_address, is_loopback

LOOPBACK = trusted_networks("127.0.0.1,::1")
WITH_LAN_PROXIES = trusted_networks("127.0.0.1, 10.0.0.0/8")


@pytest.mark.parametrize(
    ("peer", "forwarded_for", "trusted", "expected"),
    [
        ("203.0.113.5", "", LOOPBACK, "203.0.113.5"),
        ("203.0.113.5", "198.51.100.1", LOOPBACK, "203.0.113.5"),  # an untrusted peer's header is not read
        ("127.0.0.1", "", LOOPBACK, "127.0.0.1"),
        ("127.0.0.1", "198.51.100.1", LOOPBACK, "198.51.100.1"),
        ("::1", "198.51.100.1", LOOPBACK, "198.51.100.1"),
        ("127.0.0.1", "6.6.6.6, 198.51.100.1", LOOPBACK, "198.51.100.1"),  # the caller wrote 6.6.6.6
        ("127.0.0.1", "6.6.6.6, 198.51.100.1, 10.1.2.3", WITH_LAN_PROXIES, "198.51.100.1"),
        ("127.0.0.1", "6.6.6.6, 198.51.100.1, 10.1.2.3", LOOPBACK, "10.1.2.3"),
        ("127.0.0.1", "10.9.9.9, 10.1.2.3", WITH_LAN_PROXIES, "10.9.9.9"),  # all trusted: the furthest known
        ("127.0.0.1", "unknown", LOOPBACK, "unknown"),
        ("127.0.0.1", " , ", LOOPBACK, "127.0.0.1"),
        (None, "198.51.100.1", LOOPBACK, "unknown"),
    ],
)
def test_the_client_is_the_rightmost_address_no_trusted_proxy_wrote(peer, forwarded_for, trusted, expected):
    assert client_address(peer, forwarded_for, trusted) == expected


def test_trusted_proxies_are_a_setting_with_loopback_by_default(monkeypatch, tmp_path):
    monkeypatch.delenv("SIDAK_TRUSTED_PROXIES", raising=False)
    assert load_settings(data_dir=tmp_path).trusted_proxies == LOOPBACK

    monkeypatch.setenv("SIDAK_TRUSTED_PROXIES", "127.0.0.1, 10.0.0.0/8")
    assert load_settings(data_dir=tmp_path).trusted_proxies == WITH_LAN_PROXIES

    monkeypatch.setenv("SIDAK_TRUSTED_PROXIES", "")
    assert load_settings(data_dir=tmp_path).trusted_proxies == ()


def test_a_misspelt_trusted_proxy_stops_the_start_naming_it(monkeypatch, tmp_path):
    monkeypatch.setenv("SIDAK_TRUSTED_PROXIES", "127.0.0.1,localhost")

    with pytest.raises(ValueError, match="'localhost'"):
        load_settings(data_dir=tmp_path)


@pytest.mark.parametrize(
    ("address", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.8.9.10", True),
        ("::1", True),
        ("::ffff:127.0.0.1", True),  # an IPv4 caller as a dual-stack socket reports it
        ("::ffff:10.0.0.7", False),
        ("10.0.0.7", False),
        ("testclient", False),
        ("", False),
    ],
)
def test_only_the_machine_itself_is_loopback(address, loopback):
    assert is_loopback(address) is loopback
