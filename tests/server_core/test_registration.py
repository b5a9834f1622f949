"""Registration: CAP negotiation, NICK/USER, PASS, the welcome burst, timeouts."""

from __future__ import annotations

import logging

import pytest

from .fakes import Clock, Peer, make_core, register


def test_burst_has_welcome_isupport_lusers_motd_and_default_room() -> None:
    core = make_core()
    peer = Peer(core)
    peer.send("NICK alice", "USER alice 0 * :Alice")
    msgs = peer.take()
    commands = [m.command for m in msgs]
    for code in ("001", "002", "003", "004", "005", "251", "375", "372", "376", "JOIN", "353"):
        assert code in commands
    isupport = " ".join(" ".join(m.params[1:-1]) for m in msgs if m.command == "005")
    for token in ("CASEMAPPING=rfc1459", "CHANTYPES=#&", "PREFIX=(ov)@+", "UTF8ONLY", "NICKLEN=30"):
        assert token in isupport.split()
    names = next(m for m in msgs if m.command == "353")
    # First in the default room, yet no op: the room is the server's.
    assert names.params[-1] == "alice"


def test_no_default_room_and_no_motd() -> None:
    core = make_core(default_room=None, motd=[])
    peer = Peer(core)
    peer.send("NICK alice", "USER alice 0 * :Alice")
    commands = peer.commands()
    assert "422" in commands
    assert "JOIN" not in commands


def test_cap_negotiation_holds_registration_until_end() -> None:
    core = make_core()
    peer = Peer(core)
    peer.send("CAP LS 302", "NICK alice", "USER alice 0 * :Alice")
    assert not peer.client.registered
    peer.send("CAP REQ :server-time nonsense")
    nak = [m for m in peer.take() if m.command == "CAP"]
    assert nak[-1].params[1] == "NAK"
    peer.send("CAP REQ :server-time echo-message", "CAP LIST")
    caps_msgs = [m for m in peer.take() if m.command == "CAP"]
    assert caps_msgs[0].params[1] == "ACK"
    assert set(caps_msgs[1].params[2].split()) == {"server-time", "echo-message", "cap-notify"}
    peer.send("CAP END")
    assert peer.client.registered
    assert all("time" in m.tags for m in peer.take())


def test_nick_errors_before_and_after_registration() -> None:
    core = make_core()
    register(core, "alice")
    peer = Peer(core)
    peer.send("NICK", "NICK 1bad", "NICK ALICE", "NICK bob", "USER bob 0 * :Bob")
    commands = peer.commands()
    assert commands[:3] == ["431", "432", "433"]
    assert peer.client.registered


def test_nick_change_seen_by_channel_members_and_old_nick_freed() -> None:
    core = make_core()
    alice = register(core, "alice")
    bob = register(core, "bob")
    alice.take()
    bob.send("NICK robert")
    seen = alice.take()
    assert [(m.command, m.source, m.params) for m in seen] == [
        ("NICK", "bob!~bob@127.0.0.1", ["robert"])
    ]
    assert bob.take()[0].command == "NICK"
    carol = Peer(core)
    carol.send("NICK bob", "USER c 0 * :C")
    assert carol.client.registered


def test_commands_before_registration_get_451() -> None:
    core = make_core()
    peer = Peer(core)
    peer.send("JOIN #x", "PRIVMSG #lobby :hi", "FROB")
    assert peer.commands() == ["451", "451", "451"]


def test_server_password() -> None:
    core = make_core(password="sesame")
    good = Peer(core)
    good.send("PASS sesame", "NICK alice", "USER a 0 * :A")
    assert good.client.registered
    bad = Peer(core)
    bad.send("PASS wrong", "NICK bob", "USER b 0 * :B")
    assert "464" in bad.commands()
    assert bad.transport.closed
    assert not bad.client.registered


def test_ping_pong_both_ways_and_ping_timeout() -> None:
    clock = Clock()
    core = make_core(clock)
    alice = register(core, "alice")
    bob = register(core, "bob")
    alice.send("PING :abc")
    pong = alice.take()[-1]
    assert (pong.command, pong.params) == ("PONG", ["tui-chat.local", "abc"])
    clock.now += 61
    core.tick()
    assert alice.commands() == ["PING"]
    alice.send("PONG :tui-chat.local")
    clock.now += 60
    core.tick()
    assert not alice.client.gone
    assert bob.transport.closed
    quit_msg = alice.take()[-1]
    assert quit_msg.command == "QUIT"
    assert quit_msg.params[0].startswith("Ping timeout")


def test_registration_timeout() -> None:
    clock = Clock()
    core = make_core(clock)
    peer = Peer(core)
    peer.send("NICK slow")
    clock.now += 31
    core.tick()
    assert peer.transport.closed
    assert peer.take()[-1].command == "ERROR"
    assert "slow" not in core.nicks


def test_quit_is_announced_once_and_connection_lost_after_is_harmless() -> None:
    core = make_core()
    alice = register(core, "alice")
    bob = register(core, "bob")
    alice.take()
    bob.send("QUIT :bye now")
    assert bob.transport.closed
    assert bob.take()[-1].command == "ERROR"
    core.connection_lost(bob.client, "reset")
    quits = alice.take()
    assert [(m.command, m.params) for m in quits] == [("QUIT", ["Quit: bye now"])]
    assert core.find_client("bob") is None
    assert core.whowas.lookup("bob")


def test_shutdown_sends_error_and_closes_all() -> None:
    core = make_core()
    peers = [register(core, n) for n in ("a1", "b2")]
    core.shutdown("bye")
    for peer in peers:
        last = peer.take()[-1]
        assert (last.command, last.params) == ("ERROR", ["bye"])
        assert peer.transport.closed


def test_log_lines_for_the_serve_console(caplog: pytest.LogCaptureFixture) -> None:
    core = make_core()
    with caplog.at_level(logging.INFO, logger="tui_chat.server"):
        alice = register(core, "alice")
        alice.send("PRIVMSG #lobby :hi there", "NICK alicia", "PART #lobby", "QUIT :bye")
    lines = [r.getMessage() for r in caplog.records]
    for expected in (
        "join #lobby alice",
        "<#lobby> alice: hi there",
        "nick alice -> alicia",
        "part #lobby alicia",
        "quit alicia: Quit: bye",
    ):
        assert expected in lines
    assert any(line.startswith("connect 127.0.0.1") for line in lines)
    assert any(line.startswith("disconnect alicia") for line in lines)


def test_unregistered_connection_lost_frees_its_nick() -> None:
    core = make_core()
    peer = Peer(core)
    peer.send("NICK early")
    core.connection_lost(peer.client)
    assert "early" not in core.nicks
    assert peer.client not in core.clients


@pytest.mark.parametrize("bad", [{"default_room": "lobby"}, {"server_name": "a b"}])
def test_config_refuses_values_that_would_break_every_client(bad: dict[str, str]) -> None:
    with pytest.raises(ValueError):
        make_core(**bad)


def test_username_keeps_only_characters_safe_in_a_hostmask() -> None:
    core = make_core()
    odd = Peer(core)
    odd.send("NICK odd", "USER a@b!c 0 * :Odd")
    assert odd.client.source == "odd!~abc@127.0.0.1"
    empty = Peer(core)
    empty.send("NICK empty", "USER @@@ 0 * :")
    assert empty.client.source == "empty!~user@127.0.0.1"
    assert empty.client.realname == "empty"
