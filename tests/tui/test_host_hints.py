"""What `tui-chat host` tells the host: where friends connect, and where the app connects."""

from __future__ import annotations

import ipaddress

import pytest

from tui_chat.cli import _how_friends_join, _local_address_of, lan_address


def test_the_lan_address_is_a_real_non_loopback_ipv4_or_nothing() -> None:
    address = lan_address()
    if address is not None:
        parsed = ipaddress.IPv4Address(address)
        assert not parsed.is_loopback and not parsed.is_unspecified


def test_listening_everywhere_names_this_machines_address(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("tui_chat.cli.lan_address", lambda: "192.168.1.20")
    assert _how_friends_join("0.0.0.0", 3131)[-1].strip() == "tui-chat join 192.168.1.20 3131"


def test_loopback_hosting_says_only_this_machine_and_how_to_open_up() -> None:
    lines = _how_friends_join("127.0.0.1", 4000)
    assert "only this machine" in lines[0]
    assert "tui-chat host 0.0.0.0 4000" in lines[1]


@pytest.mark.parametrize(
    ("bound", "reach"),
    [("0.0.0.0", "127.0.0.1"), ("::", "::1"), ("192.168.1.20", "192.168.1.20")],
)
def test_the_app_reaches_its_own_server(bound: str, reach: str) -> None:
    assert _local_address_of(bound) == reach
