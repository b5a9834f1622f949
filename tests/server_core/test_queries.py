"""WHO (with WHOX), WHOIS, WHOWAS, and the server information commands."""

from __future__ import annotations

from .fakes import Peer, drain, lobby_op, make_core, register


def test_who_channel_and_nick() -> None:
    core = make_core()
    alice = lobby_op(register(core, "alice"))
    register(core, "bob")
    alice.send("AWAY :out", "WHO #lobby")
    replies = [m for m in alice.take() if m.command in ("352", "315")]
    assert [m.params[1:7] for m in replies[:2]] == [
        ["#lobby", "~alice", "127.0.0.1", "tui-chat.local", "alice", "G@"],
        ["#lobby", "~bob", "127.0.0.1", "tui-chat.local", "bob", "H"],
    ]
    assert replies[0].params[-1] == "0 alice Person"
    assert replies[-1].params[1] == "#lobby"


def test_whox_fields_and_token() -> None:
    core = make_core()
    alice = lobby_op(register(core, "alice"))
    alice.send("WHO #lobby %tcnfr,42")
    reply = alice.take()[0]
    assert (reply.command, reply.params) == (
        "354",
        ["alice", "42", "#lobby", "alice", "H@", "alice Person"],
    )


def test_who_mask_hides_invisible_strangers() -> None:
    core = make_core(default_room=None)
    alice = register(core, "alice")
    bob = register(core, "bob")
    bob.send("MODE bob +i")
    alice.send("WHO b*")
    assert alice.commands() == ["315"]
    alice.send("WHO *")
    assert [m.params[5] for m in alice.take() if m.command == "352"] == ["alice"]


def test_whois() -> None:
    core = make_core(operators={"o": "p"})
    alice = register(core, "alice")
    bob = register(core, "bob")
    bob.send("OPER o p", "AWAY :away")
    drain(core)
    alice.send("WHOIS bob", "WHOIS ghost")
    codes = alice.commands()
    assert codes == ["311", "319", "312", "301", "313", "317", "318", "401", "318"]


def test_whowas() -> None:
    core = make_core()
    alice = register(core, "alice")
    bob = register(core, "bob")
    bob.send("QUIT")
    alice.take()
    alice.send("WHOWAS bob", "WHOWAS ghost")
    replies = alice.take()
    assert [m.command for m in replies] == ["314", "312", "369", "406", "369"]
    assert replies[0].params[1:5] == ["bob", "~bob", "127.0.0.1", "*"]


def test_server_information_commands() -> None:
    core = make_core(motd=["line one"])
    alice = register(core, "alice")
    alice.send("MOTD", "LUSERS", "VERSION", "TIME", "INFO")
    codes = alice.commands()
    assert codes[:3] == ["375", "372", "376"]
    for code in (
        "251",
        "252",
        "253",
        "254",
        "255",
        "265",
        "266",
        "351",
        "005",
        "391",
        "371",
        "374",
    ):
        assert code in codes


def test_lusers_counts_follow_registrations_modes_and_departures() -> None:
    core = make_core(operators={"o": "p"})
    alice = register(core, "alice")
    bob = register(core, "bob")
    register(core, "carol").send("MODE carol +i")
    bob.send("OPER o p")
    Peer(core).send("NICK pending")
    bob.send("QUIT")
    alice.send("LUSERS")
    replies = {m.command: m.params for m in alice.take()}
    assert replies["251"][-1] == "There are 1 users and 1 invisible on 1 servers"
    assert replies["252"][1] == "0"
    assert replies["253"][1] == "1"
    assert replies["255"][-1] == "I have 2 clients and 0 servers"
