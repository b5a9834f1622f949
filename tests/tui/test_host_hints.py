"""What `tui-chat host` tells the host: where friends connect, and where the app connects."""

from __future__ import annotations

import ipaddress

import pytest
from textual.widgets import ContentSwitcher

from tui_chat.cli import _how_friends_join, _local_address_of, lan_address
from tui_chat.client.events import Registered, ServerInfo
from tui_chat.tui.widgets.chat_log import ChatLog

from .fakes import make_app
from .test_pilot import in_lobby


def test_the_lan_address_is_a_real_non_loopback_ipv4_or_nothing() -> None:
    address = lan_address()
    if address is not None:
        parsed = ipaddress.IPv4Address(address)
        assert not parsed.is_loopback and not parsed.is_unspecified


def test_a_machine_without_ipv4_has_no_lan_address(monkeypatch: pytest.MonkeyPatch) -> None:
    import socket

    def no_ipv4(*args: object, **kwargs: object) -> socket.socket:
        raise OSError("Address family not supported by protocol")

    monkeypatch.setattr(socket, "socket", no_ipv4)
    assert lan_address() is None


def test_listening_everywhere_names_this_machines_address(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("tui_chat.cli.lan_address", lambda: "192.168.1.20")
    assert _how_friends_join("0.0.0.0", 3131)[-1].strip() == "tui-chat join 192.168.1.20 3131"


def test_loopback_hosting_says_only_this_machine_and_how_to_open_up() -> None:
    lines = _how_friends_join("127.0.0.1", 4000)
    assert "only this machine" in lines[0]
    assert lines[-1] == "tui-chat host 0.0.0.0 4000"


@pytest.mark.parametrize(
    ("bound", "reach"),
    [("0.0.0.0", "127.0.0.1"), ("::", "::1"), ("192.168.1.20", "192.168.1.20")],
)
def test_the_app_reaches_its_own_server(bound: str, reach: str) -> None:
    assert _local_address_of(bound) == reach


# The longest dotted IPv4 address and port, the worst case for the hint's width.
WIDEST_HINT = ("255.255.255.255", 65535)


@pytest.mark.parametrize("bound", ["0.0.0.0", "127.0.0.1"])
async def test_at_80x24_the_hint_command_and_operator_line_stay_on_one_row(
    monkeypatch: pytest.MonkeyPatch, bound: str
) -> None:
    address, port = WIDEST_HINT
    monkeypatch.setattr("tui_chat.cli.lan_address", lambda: address)
    banner = _how_friends_join(bound, port)
    app = make_app(banner=banner)
    async with app.run_test(size=(80, 24)) as pilot:
        await app.apply_event(Registered("alice", "chat.example"))
        await in_lobby(app)
        await app.apply_event(ServerInfo("You are now an IRC operator", code="381"))
        await pilot.pause()
        log = app.query_one("#logs", ContentSwitcher).visible_content
        assert isinstance(log, ChatLog)
        rows = [strip.text for strip in log.lines]
        for wanted in (banner[-1], "You are now an IRC operator"):
            assert any(wanted in row for row in rows), rows
