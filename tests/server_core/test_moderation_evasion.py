"""Server bans that a banned user could step around: a later NICK (QA F31), a guest login (F28)."""

from __future__ import annotations

from tui_chat.server.core import ServerCore

from .fakes import Peer, drain, register
from .test_moderation_server_bans import _notices, _oper_core


def _from(core: ServerCore, host: str, nick: str, port: int) -> Peer:
    """A registered peer connected from `host`."""
    peer = Peer(core, host=host, port=port)
    peer.send(f"NICK {nick}", f"USER {nick} 0 * :{nick}")
    assert peer.client.registered, peer.take()
    drain(core)
    return peer


def test_nick_into_a_banned_mask_is_refused_with_the_reason() -> None:
    core, admin = _oper_core()
    admin.send("UBAN ADD badnick!*@* DURATION 1h REASON impersonation")
    good = register(core, "goodnick", port=2)
    good.send("NICK badnick", "NICK BADNICK", "NICK other")
    lines = good.take()
    assert [(m.command, m.params[1:2]) for m in lines[:2]] == [
        ("432", ["badnick"]),
        ("432", ["BADNICK"]),
    ]
    assert lines[0].params[-1] == "Nickname banned from this server: impersonation (expires in 1h)"
    assert [m.command for m in lines[2:]] == ["NICK"] and core.find_client("other") is good.client
    # A ban on a nick pattern only refuses the names it matches.
    admin.send("UBAN ADD troll*!*@*")
    good.send("NICK trollface", "NICK troll")
    assert [m.command for m in good.take()] == ["432", "432"]
    assert not good.transport.closed and good.client.nick == "other"


def test_account_ban_also_bans_the_addresses_it_is_connected_from() -> None:
    core, admin = _oper_core()
    evil = _from(core, "127.0.70.1", "evil1", 2)
    core.set_account(evil.client, "evil1")
    twin = _from(core, "::ffff:127.0.70.1", "evil2", 3)
    core.set_account(twin.client, "Evil1")
    bystander = _from(core, "127.0.80.1", "bystander", 4)
    admin.send("UBAN ADD evil1 DURATION 1d REASON bye")
    assert _notices(admin) == [
        "Server ban on account evil1 for 1d: bye",
        "Also banned evil1's address 127.0.70.1 for 1d (UBAN DEL 127.0.70.1 lifts it)",
        "Disconnected 2 matching connection(s)",
    ]
    assert evil.transport.closed and twin.transport.closed and not bystander.transport.closed
    # Back as a guest from the same address: refused at connect.
    assert Peer(core, host="127.0.70.1", port=5).transport.closed
    admin.send("UBAN LIST")
    listed = _notices(admin)
    assert listed[0].startswith("account evil1: bye") and listed[1].startswith("address 127.0.70.1")
    admin.send("UBAN DEL 127.0.70.1")
    assert not Peer(core, host="127.0.70.1", port=6).transport.closed


def test_account_ban_tells_what_it_did_not_ban() -> None:
    core, admin = _oper_core()
    admin.send("UBAN ADD ghost")
    assert _notices(admin)[1:] == [
        "ghost is not connected: logins to it are refused, guests are not affected"
    ]
    # Logged in from the operator's own address: that one is not banned.
    near = register(core, "near", port=2)
    core.set_account(near.client, "near")
    admin.send("UBAN ADD near")
    assert _notices(admin)[1:] == [
        "Not banning 127.0.0.1, near's address: it is yours",
        "Disconnected 1 matching connection(s)",
    ]
    assert not admin.transport.closed
    admin.send("UBAN INFO 127.0.0.1")
    assert [m.params[1] for m in admin.take() if m.command == "FAIL"] == ["NOT_FOUND"]
