"""MODE on users and channels: queries, changes, lists, errors."""

from __future__ import annotations

from .fakes import lobby_op, make_core, register


def test_user_mode_invisible_and_errors() -> None:
    core = make_core()
    alice = register(core, "alice")
    register(core, "bob")
    alice.take()
    alice.send("MODE alice +i", "MODE alice", "MODE bob +i", "MODE alice +z", "MODE ghost")
    replies = alice.take()
    assert [(m.command, m.params[-1]) for m in replies] == [
        ("MODE", "+i"),
        ("221", "+i"),
        ("502", "Cant change mode for other users"),
        ("501", "Unknown MODE flag"),
        ("401", "No such nick/channel"),
    ]
    alice.send("MODE alice +o")
    assert alice.take() == []


def test_channel_mode_query_shows_key_to_members_only() -> None:
    core = make_core()
    alice = lobby_op(register(core, "alice"))
    bob = register(core, "bob", port=2)
    alice.send("MODE #lobby +kl key 10")
    alice.take()
    alice.send("MODE #lobby")
    reply = alice.take()
    assert (reply[0].command, reply[0].params[1:]) == ("324", ["#lobby", "+ntkl", "key", "10"])
    assert reply[1].command == "329"
    bob.send("PART #lobby")
    bob.take()
    bob.send("MODE #lobby")
    assert bob.take()[0].params[1:] == ["#lobby", "+ntkl", "*", "10"]


def test_changes_are_announced_once_and_folded() -> None:
    core = make_core()
    alice = lobby_op(register(core, "alice"))
    bob = register(core, "bob")
    alice.take()
    alice.send("MODE #lobby +ovm-t bob bob")
    [line] = bob.take()
    assert line.params == ["#lobby", "+ovm-t", "bob", "bob"]
    alice.take()
    alice.send("MODE #lobby +m")
    assert alice.take() == []


def test_non_op_gets_482_and_bad_params_get_errors() -> None:
    core = make_core()
    alice = lobby_op(register(core, "alice"))
    bob = register(core, "bob")
    alice.take()
    bob.send("MODE #lobby +m")
    assert bob.commands() == ["482"]
    alice.send("MODE #lobby +l nope", "MODE #lobby +o ghost", "MODE #lobby +z", "MODE #ghost +m")
    assert alice.commands() == ["696", "401", "472", "403"]
    carol = register(core, "carol")
    carol.send("PART #lobby")
    alice.take()
    alice.send("MODE #lobby +v carol", "MODE #lobby +k :has space")
    assert alice.commands() == ["441", "525"]


def test_ban_list_add_query_remove_and_limit() -> None:
    core = make_core(maxlist=2)
    alice = lobby_op(register(core, "alice"))
    alice.send("MODE #lobby +bb bad!*@* *!*@10.0.0.*", "MODE #lobby +b third")
    replies = alice.take()
    assert replies[0].params == ["#lobby", "+bb", "bad!*@*", "*!*@10.0.0.*"]
    assert replies[1].command == "478"
    alice.send("MODE #lobby b")
    listed = alice.take()
    assert [m.params[2] for m in listed if m.command == "367"] == ["bad!*@*", "*!*@10.0.0.*"]
    assert listed[-1].command == "368"
    alice.send("MODE #lobby -b bad!*@*")
    assert alice.take()[0].params == ["#lobby", "-b", "bad!*@*"]


def test_modes_with_params_are_capped_per_command() -> None:
    core = make_core(modes=2)
    alice = lobby_op(register(core, "alice"))
    for nick in ("b1", "b2", "b3"):
        register(core, nick)
    alice.take()
    alice.send("MODE #lobby +vvv b1 b2 b3")
    assert alice.take()[0].params == ["#lobby", "+vv", "b1", "b2"]
