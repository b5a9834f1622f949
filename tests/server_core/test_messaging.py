"""PRIVMSG, NOTICE, TAGMSG: targets, errors, tags, echo, the serialize-once hot path."""

from __future__ import annotations

from tui_chat.irc.message import Message

from .fakes import make_core, register


def test_channel_message_reaches_members_but_not_sender() -> None:
    core = make_core()
    alice, bob, carol = (register(core, n) for n in ("alice", "bob", "carol"))
    alice.take()
    bob.take()
    alice.send("PRIVMSG #lobby :hello all")
    for peer in (bob, carol):
        [msg] = peer.take()
        assert (msg.source, msg.params) == ("alice!~alice@127.0.0.1", ["#lobby", "hello all"])
    assert alice.take() == []


def test_same_bytes_object_goes_to_every_recipient_of_a_form() -> None:
    core = make_core()
    tagged = [register(core, f"t{i}", caps="server-time message-tags") for i in range(3)]
    plain = [register(core, f"p{i}") for i in range(3)]
    for peer in tagged + plain:
        peer.take()
    plain[0].send("PRIVMSG #lobby :once")
    tagged_bytes = {id(p.transport.chunks[-1]) for p in tagged}
    plain_bytes = {id(p.transport.chunks[-1]) for p in plain[1:]}
    assert len(tagged_bytes) == 1
    assert len(plain_bytes) == 1
    msg = tagged[0].take()[0]
    assert set(msg.tags) == {"time", "msgid"}
    assert plain[1].take()[0].tags == {}


def test_client_only_tags_are_relayed_to_message_tags_clients_only() -> None:
    core = make_core()
    alice = register(core, "alice", caps="message-tags")
    bob = register(core, "bob", caps="message-tags")
    carol = register(core, "carol")
    alice.take()
    bob.take()
    alice.send("@+draft/reply=abc;server-only=1 PRIVMSG #lobby :tagged")
    assert bob.take()[0].tags["+draft/reply"] == "abc"
    assert "server-only" not in bob.transport.chunks[-1].decode()
    assert carol.take()[0].tags == {}
    alice.send("@+typing=active TAGMSG #lobby")
    assert [(m.command, m.tags.get("+typing")) for m in bob.take()] == [("TAGMSG", "active")]
    assert carol.take() == []


def test_echo_message_and_private_messages() -> None:
    core = make_core()
    alice = register(core, "alice", caps="echo-message")
    bob = register(core, "bob")
    alice.take()
    alice.send("PRIVMSG bob :psst", "PRIVMSG #lobby :loud")
    echoed = alice.take()
    assert [m.params for m in echoed] == [["bob", "psst"], ["#lobby", "loud"]]
    assert [m.params for m in bob.take()] == [["bob", "psst"], ["#lobby", "loud"]]


def test_several_targets_and_errors() -> None:
    core = make_core()
    alice = register(core, "alice")
    bob = register(core, "bob")
    alice.take()
    alice.send("PRIVMSG bob,nobody,#nowhere,#lobby :hi")
    errors = [m.command for m in alice.take()]
    assert errors == ["401", "403"]
    assert len(bob.take()) == 2
    alice.send("PRIVMSG", "PRIVMSG bob", "PRIVMSG a,b,c,d,e :x")
    assert alice.commands() == ["411", "412", "407"]
    alice.send("NOTICE nobody :no error for notices")
    assert alice.take() == []


def test_crlf_cannot_be_injected_into_another_stream() -> None:
    core = make_core()
    alice = register(core, "alice", caps="message-tags")
    bob = register(core, "bob", caps="message-tags")
    bob.take()
    alice.send("@+x=a\\r\\nQUIT PRIVMSG #lobby :hi")
    [line] = bob.transport.chunks[-1:]
    assert line.count(b"\r\n") == 1
    assert bob.take()[0].tags["+x"] == "a\r\nQUIT"


def test_one_message_sent_to_two_clients_gets_time_only_where_asked() -> None:
    core = make_core()
    timed = register(core, "timed", caps="server-time")
    plain = register(core, "plain")
    msg = Message("NOTICE", ["*", "hello"], "tui-chat.local")
    core.send(timed.client, msg)
    core.send(plain.client, msg)
    assert "time" in timed.take()[0].tags
    assert plain.take()[0].tags == {}
