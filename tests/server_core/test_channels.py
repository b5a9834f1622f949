"""JOIN, PART, NAMES, TOPIC, KICK, INVITE, LIST and the channel modes they obey."""

from __future__ import annotations

from .fakes import Peer, drain, lobby_op, make_core, register


def test_join_several_with_keys_and_join_zero() -> None:
    core = make_core(default_room=None)
    alice = register(core, "alice")
    bob = register(core, "bob")
    alice.send("JOIN #a,#b", "MODE #b +k sekrit")
    alice.take()
    bob.send("JOIN #a,#b,#c x,nope")
    got = bob.take()
    assert [m.params[0] for m in got if m.command == "JOIN"] == ["#a", "#c"]
    assert [m.command for m in got if m.command == "475"] == ["475"]
    bob.send("JOIN #b sekrit")
    assert "JOIN" in bob.commands()
    bob.send("JOIN 0")
    parts = [m.params[0] for m in bob.take() if m.command == "PART"]
    assert sorted(parts) == ["#a", "#b", "#c"]
    assert core.find_channel("#c") is None


def test_join_errors() -> None:
    core = make_core(default_room=None, chanlimit=1)
    alice = register(core, "alice")
    alice.send("JOIN nochan", "JOIN #" + "x" * 60, "JOIN #ok", "JOIN #ok2")
    assert [c for c in alice.commands() if c.isdigit() and c > "400"] == ["403", "403", "405"]


def test_first_joiner_is_op_and_names_prefixes() -> None:
    core = make_core()
    alice = register(core, "alice")
    bob = register(core, "bob", caps="multi-prefix userhost-in-names")
    # The default room is the server's: alice, first in it, is no op there.
    alice.send("MODE #lobby +v alice")
    assert alice.commands() == ["482"]
    alice.send("JOIN #mine", "MODE #mine +v alice")
    bob.send("JOIN #mine", "NAMES #mine")
    names = [m for m in bob.take() if m.command == "353"][-1].params[-1].split()
    assert names == ["@+alice!~alice@127.0.0.1", "bob!~bob@127.0.0.1"]
    alice.take()
    alice.send("NAMES #mine")
    assert next(m for m in alice.take() if m.command == "353").params[-1] == "@alice bob"
    alice.send("NAMES #lobby")
    assert next(m for m in alice.take() if m.command == "353").params[-1] == "alice bob"


def test_extended_join_carries_realname() -> None:
    core = make_core()
    alice = register(core, "alice", caps="extended-join")
    bob = Peer(core)
    bob.send("NICK bob", "USER bob 0 * :bob Person")
    joins = [m for m in alice.take() if m.command == "JOIN"]
    assert joins[0].params == ["#lobby", "*", "bob Person"]


def test_part_with_reason_and_errors() -> None:
    core = make_core()
    alice = register(core, "alice")
    bob = register(core, "bob")
    alice.take()
    bob.send("PART #lobby :see you", "PART #lobby", "PART #ghost")
    assert [m.params for m in alice.take()] == [["#lobby", "see you"]]
    assert bob.commands() == ["PART", "442", "403"]


def test_topic_set_query_and_protection() -> None:
    core = make_core()
    alice = lobby_op(register(core, "alice"))
    bob = register(core, "bob")
    alice.send("TOPIC #lobby :Welcome all")
    bob.take()
    bob.send("TOPIC #lobby", "TOPIC #lobby :mine now")
    replies = bob.take()
    assert [m.command for m in replies] == ["332", "333", "482"]
    assert replies[0].params[-1] == "Welcome all"
    alice.send("MODE #lobby -t")
    bob.send("TOPIC #lobby :mine now")
    assert [m.params for m in alice.take() if m.command == "TOPIC"][-1] == ["#lobby", "mine now"]
    carol = Peer(core)
    carol.send("NICK carol", "USER carol 0 * :Carol")
    burst = carol.take()
    assert [m.params[-1] for m in burst if m.command == "332"] == ["mine now"]


def test_kick_enforced() -> None:
    core = make_core()
    alice = lobby_op(register(core, "alice"))
    bob = register(core, "bob")
    carol = register(core, "carol")
    alice.take()
    bob.take()
    bob.send("KICK #lobby carol")
    assert bob.commands() == ["482"]
    alice.send("KICK #lobby bob :behave", "KICK #lobby nobody", "KICK #ghost bob")
    replies = alice.take()
    assert [(m.command, m.params) for m in replies if m.command == "KICK"] == [
        ("KICK", ["#lobby", "bob", "behave"])
    ]
    assert [m.command for m in replies if m.command != "KICK"] == ["441", "403"]
    assert core.find_channel("#lobby") is not None
    assert "#lobby" not in bob.client.channels
    assert carol.take()[-1].command == "KICK"
    assert bob.take()[-1].command == "KICK"
    bob.send("PRIVMSG #lobby :let me in")
    assert bob.commands() == ["404"]


def test_invite_only_invite_and_invite_notify() -> None:
    core = make_core(default_room=None)
    alice = register(core, "alice")
    helper = register(core, "helper", caps="invite-notify")
    bob = register(core, "bob")
    alice.send("JOIN #club")
    helper.send("JOIN #club")
    alice.send("MODE #club +i")
    alice.send("MODE #club +o helper")
    bob.send("JOIN #club")
    assert bob.commands() == ["473"]
    alice.take()
    helper.take()
    alice.send("INVITE bob #club", "INVITE bob #club")
    assert [m.command for m in alice.take()] == ["341", "341"]
    invite = bob.take()[0]
    assert (invite.command, invite.params) == ("INVITE", ["bob", "#club"])
    assert [m.command for m in helper.take()] == ["INVITE", "INVITE"]
    bob.send("JOIN #club")
    assert "JOIN" in bob.commands()
    alice.take()
    alice.send("INVITE bob #club", "INVITE ghost #club", "INVITE bob #ghost")
    assert alice.commands() == ["443", "401", "403"]


def test_ban_limit_moderated_secret() -> None:
    core = make_core(default_room=None)
    alice = register(core, "alice")
    bob = register(core, "bob")
    carol = register(core, "carol")
    alice.send("JOIN #room", "MODE #room +b bob", "MODE #room +l 2")
    bob.send("JOIN #room")
    assert bob.commands() == ["474"]
    carol.send("JOIN #room")
    dave = register(core, "dave")
    dave.send("JOIN #room")
    assert dave.commands() == ["471"]
    alice.send("MODE #room +m")
    carol.take()
    carol.send("PRIVMSG #room :hi")
    assert carol.commands() == ["404"]
    alice.send("MODE #room +v carol")
    carol.send("PRIVMSG #room :now I can")
    alice.take()
    carol.take()
    alice.send("MODE #room +s")
    dave.send("LIST", "NAMES #room", "WHO #room")
    replies = dave.take()
    assert [m.command for m in replies] == ["321", "323", "366", "315"]
    carol.send("LIST")
    lst = [m.params for m in carol.take() if m.command == "322"]
    assert lst == [["carol", "#room", "2", ""]]


def test_no_external_messages() -> None:
    core = make_core(default_room=None)
    alice = register(core, "alice")
    bob = register(core, "bob")
    alice.send("JOIN #room")
    bob.send("PRIVMSG #room :from outside")
    assert bob.commands() == ["404"]
    alice.send("MODE #room -n")
    alice.take()
    bob.send("PRIVMSG #room :from outside")
    assert alice.take()[0].params == ["#room", "from outside"]


def test_names_of_a_big_room_is_split_into_lines_within_the_limit() -> None:
    core = make_core()
    peers = [register(core, f"user{i:03d}", caps="userhost-in-names") for i in range(120)]
    last = peers[-1]
    last.send("NAMES #lobby")
    lines = [chunk for chunk in last.transport.chunks if b" 353 " in chunk]
    assert len(lines) > 1
    assert all(len(line) <= 512 for line in lines)
    names = [n for m in last.take() if m.command == "353" for n in m.params[-1].split()]
    assert len(names) == 120
    assert names[0] == "user000!~user000@127.0.0.1"


def test_invite_notify_reaches_every_member_of_an_open_channel() -> None:
    core = make_core()
    alice = register(core, "alice")
    watcher = register(core, "watcher", caps="invite-notify")
    bob = register(core, "bob")
    bob.send("PART #lobby")
    drain(core)
    alice.send("INVITE bob #lobby", "CAP FROB")
    assert [(m.command, m.params) for m in watcher.take()] == [("INVITE", ["bob", "#lobby"])]
    assert [m.command for m in alice.take()] == ["341", "410"]
