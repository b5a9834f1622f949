"""AWAY, ISON, USERHOST, SETNAME, OPER and KILL."""

from __future__ import annotations

from .fakes import drain, make_core, register


def test_away_replies_notify_and_rpl_away_on_privmsg() -> None:
    core = make_core()
    alice = register(core, "alice", caps="away-notify")
    bob = register(core, "bob")
    alice.take()
    bob.send("AWAY :lunch")
    assert bob.commands() == ["306"]
    assert [(m.command, m.params) for m in alice.take()] == [("AWAY", ["lunch"])]
    alice.send("PRIVMSG bob :there?", "USERHOST bob alice")
    replies = alice.take()
    assert (replies[0].command, replies[0].params[1:]) == ("301", ["bob", "lunch"])
    assert replies[1].params[-1] == "bob=-~bob@127.0.0.1 alice=+~alice@127.0.0.1"
    bob.take()
    bob.send("AWAY")
    assert bob.commands() == ["305"]
    assert [(m.command, m.params) for m in alice.take()] == [("AWAY", [])]


def test_away_user_joining_is_announced_to_away_notify() -> None:
    core = make_core(default_room=None)
    alice = register(core, "alice", caps="away-notify")
    bob = register(core, "bob")
    alice.send("JOIN #x")
    bob.send("AWAY :gone", "JOIN #x")
    alice.take()
    assert [m.command for m in alice.take()] == []
    bob.send("PART #x", "JOIN #x")
    assert [m.command for m in alice.take()] == ["PART", "JOIN", "AWAY"]


def test_ison() -> None:
    core = make_core()
    alice = register(core, "alice")
    register(core, "bob")
    alice.send("ISON bob ghost ALICE")
    assert alice.take()[0].params[-1] == "bob alice"


def test_setname_is_announced_to_setname_clients() -> None:
    core = make_core()
    alice = register(core, "alice", caps="setname")
    bob = register(core, "bob", caps="setname standard-replies")
    carol = register(core, "carol")
    alice.take()
    bob.send("SETNAME :Robert Tables")
    assert [m.params for m in alice.take()] == [["Robert Tables"]]
    assert [m.params for m in bob.take()] == [["Robert Tables"]]
    assert carol.take() == []
    bob.send("SETNAME :" + "x" * 300)
    fail = bob.take()[0]
    assert (fail.command, fail.params[:2]) == ("FAIL", ["SETNAME", "INVALID_REALNAME"])


def test_oper_gets_ops_everywhere_and_can_kill() -> None:
    core = make_core(operators={"host": "pw"})
    alice = register(core, "alice")
    bob = register(core, "bob")
    alice.take()
    bob.send("KILL alice :no", "OPER nobody pw", "OPER host wrong")
    assert bob.commands() == ["481", "491", "464"]
    bob.send("OPER host pw")
    replies = bob.take()
    assert [m.command for m in replies] == ["381", "MODE", "MODE"]
    assert replies[2].params == ["#lobby", "+o", "bob"]
    assert alice.take()[0].params == ["#lobby", "+o", "bob"]
    bob.send("JOIN #new")
    alice.send("JOIN #new")
    drain(core)
    bob.send("KILL ghost :x", "KILL alice :spam")
    assert bob.commands()[0] == "401"
    assert alice.transport.closed
    got = alice.take()
    assert got[0].command == "KILL"
    assert got[-1].command == "ERROR"
    assert core.find_client("alice") is None


def test_oper_joining_later_gets_op() -> None:
    core = make_core(operators={"host": "pw"}, default_room=None)
    alice = register(core, "alice")
    alice.send("JOIN #room")
    bob = register(core, "bob")
    bob.send("OPER host pw", "JOIN #room")
    assert core.find_channel("#room").is_op(bob.client)  # type: ignore[union-attr]
