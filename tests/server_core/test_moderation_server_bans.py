"""UBAN: server-wide bans by address, hostmask or account; applied at once and to newcomers."""

from __future__ import annotations

from tui_chat.server.core import ServerCore
from tui_chat.server.moderation import BanKind

from .fakes import Clock, Peer, drain, make_core, register

OPERS = {"operators": {"admin": "pw"}, "ping_interval": 1e9, "ping_timeout": 1e9}


def _oper_core(clock: Clock | None = None) -> tuple[ServerCore, Peer]:
    core = make_core(clock, **OPERS)
    admin = register(core, "admin", caps="standard-replies")
    admin.send("OPER admin pw")
    drain(core)
    return core, admin


def _notices(peer: Peer) -> list[str]:
    return [m.params[-1] for m in peer.take() if m.command in ("NOTICE", "FAIL")]


def test_only_operators_may_uban() -> None:
    core = make_core()
    bob = register(core, "bob")
    bob.send("UBAN LIST", "UBAN ADD 10.0.0.1")
    assert [m.command for m in bob.take()] == ["481", "481"]


def test_mask_ban_disconnects_at_once_with_reason_and_others_see_quit() -> None:
    core, admin = _oper_core()
    mallory = register(core, "mallory", port=2)
    carol = register(core, "carol", port=3)
    admin.send("UBAN ADD *!~mallory@* DURATION 2h REASON spamming links")
    assert _notices(admin) == [
        "Server ban on mask *!~mallory@* for 2h: spamming links",
        "Disconnected 1 matching connection(s)",
    ]
    lines = mallory.take()
    assert [m.command for m in lines] == ["465", "ERROR"]
    text = "Banned from this server: spamming links (expires in 2h)"
    assert lines[0].params[-1] == text
    assert text in lines[1].params[0]
    assert mallory.transport.closed
    [quit_line] = [m for m in carol.take() if m.command == "QUIT"]
    assert quit_line.params == ["Banned: spamming links"]


def test_mask_ban_refuses_registration_and_address_ban_refuses_the_connection() -> None:
    core, admin = _oper_core()
    admin.send("UBAN ADD evil!*@*", "UBAN ADD 10.9.0.0/16 REASON botnet")
    admin.take()
    evil = Peer(core, port=4)
    evil.send("NICK evil", "USER e 0 * :E")
    assert [m.command for m in evil.take()] == ["465", "ERROR"]
    assert not evil.client.registered and evil.transport.closed
    refused = Peer(core, host="10.9.8.7", port=5)
    assert refused.transport.closed
    [error] = refused.take()
    assert error.command == "ERROR" and "botnet (permanent)" in error.params[0]
    assert Peer(core, host="10.10.0.1", port=6).transport.closed is False


def test_account_ban_applies_at_once_and_at_login() -> None:
    core, admin = _oper_core()
    online = register(core, "sock", port=3)
    online.client.account = "MALLORY"
    admin.send("UBAN ADD Mallory")
    assert _notices(admin)[-1] == "Disconnected 1 matching connection(s)"
    assert online.transport.closed
    mallory = register(core, "mal", port=2)
    core.set_account(mallory.client, "mallory")
    assert [m.command for m in mallory.take()] == ["465", "ERROR"]
    assert mallory.transport.closed and core.find_client("mal") is None


def test_del_list_info_and_expiry() -> None:
    clock = Clock()
    core, admin = _oper_core(clock)
    admin.send("UBAN ADD 192.0.2.1 DURATION 10m", "UBAN ADD mallory REASON :sock puppet")
    admin.take()
    clock.now += 60
    admin.send("UBAN LIST", "UBAN INFO 192.0.2.1")
    assert _notices(admin) == [
        "address 192.0.2.1: No reason given (by admin 1m ago, expires in 9m)",
        "account mallory: sock puppet (by admin 1m ago, permanent)",
        "End of UBAN LIST (2 server bans)",
        "address 192.0.2.1: No reason given (by admin 1m ago, expires in 9m)",
    ]
    clock.now += 540
    core.tick()
    assert Peer(core, host="192.0.2.1", port=7).transport.closed is False
    admin.send("UBAN DEL MALLORY", "UBAN DEL mallory", "UBAN LIST")
    assert _notices(admin) == [
        "Removed the server ban on account mallory",
        "No server ban on mallory",
        "End of UBAN LIST (0 server bans)",
    ]


def test_bad_uban_input_gets_fail_and_nobody_is_hurt() -> None:
    core, admin = _oper_core()
    bob = register(core, "bob", port=2)
    admin.send(
        "UBAN ADD #channel",
        "UBAN ADD 10.0.0.1 DURATION forever",
        "UBAN ADD 10.0.0.1 WHEN now",
        "UBAN FROB",
        "UBAN ADD",
        "UBAN ADD *!*@127.0.0.1",
    )
    got = [(m.command, m.params[1]) for m in admin.take()]
    assert got == [
        ("FAIL", "INVALID_TARGET"),
        ("FAIL", "INVALID_DURATION"),
        ("FAIL", "INVALID_PARAMS"),
        ("FAIL", "INVALID_PARAMS"),
        ("FAIL", "INVALID_PARAMS"),
        ("FAIL", "INVALID_TARGET"),
    ]
    assert not bob.transport.closed and len(core.moderation.server_bans) == 0


def test_server_ban_list_is_bounded() -> None:
    core = make_core(max_server_bans=2, **OPERS)
    admin = register(core, "admin", caps="standard-replies")
    admin.send("OPER admin pw", "UBAN ADD a", "UBAN ADD b", "UBAN ADD c", "UBAN ADD B REASON again")
    fails = [m.params[1] for m in admin.take() if m.command == "FAIL"]
    assert fails == ["LIST_FULL"]
    # Replacing a ban needs no room.
    replaced = core.moderation.server_bans.get(BanKind.ACCOUNT, "b")
    assert replaced is not None and replaced.reason == "again"


def test_a_malformed_address_is_refused_not_taken_for_an_account() -> None:
    core, admin = _oper_core()
    bad = ["10.0.0.0/33", "300.1.1.1", "2001:db8::1/129", "10.0.0.0/-1", "1.2.3", "x" * 200]
    admin.send(*(f"UBAN ADD {target}" for target in bad))
    fails = admin.take()
    assert [(m.command, m.params[1]) for m in fails] == [("FAIL", "INVALID_TARGET")] * len(bad)
    assert fails[0].params[-1] == (
        "10.0.0.0/33 is not a valid IP address or network (e.g. 10.0.0.1, 10.0.0.0/8)"
    )
    assert len(core.moderation.server_bans) == 0


def test_an_ipv6_target_written_with_a_leading_zero() -> None:
    _core, admin = _oper_core()
    admin.send("UBAN ADD 0::1 REASON :loopback six", "UBAN DEL 0::1")
    assert _notices(admin) == [
        "Server ban on address ::1 permanently: loopback six",
        "Removed the server ban on address ::1",
    ]
