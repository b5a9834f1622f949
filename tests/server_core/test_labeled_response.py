"""labeled-response: one reply labeled, several in a batch, none acknowledged."""

from __future__ import annotations

from .fakes import make_core, register


def test_single_reply_carries_the_label() -> None:
    core = make_core()
    alice = register(core, "alice", caps="labeled-response batch")
    alice.send("@label=abc PING x")
    [pong] = alice.take()
    assert (pong.command, pong.tags) == ("PONG", {"label": "abc"})


def test_several_replies_come_in_a_labeled_batch() -> None:
    core = make_core()
    alice = register(core, "alice", caps="labeled-response batch")
    alice.send("@label=n1 NAMES #lobby")
    msgs = alice.take()
    assert msgs[0].command == "BATCH"
    assert msgs[0].tags == {"label": "n1"}
    ref = msgs[0].params[0][1:]
    assert msgs[0].params[1] == "labeled-response"
    assert [m.tags.get("batch") for m in msgs[1:-1]] == [ref, ref]
    assert (msgs[-1].command, msgs[-1].params) == ("BATCH", [f"-{ref}"])


def test_no_reply_is_acknowledged_and_echo_is_labeled() -> None:
    core = make_core()
    alice = register(core, "alice", caps="labeled-response batch echo-message")
    bob = register(core, "bob")
    alice.take()
    alice.send("@label=q PONG x", "@label=m PRIVMSG #lobby :hi")
    ack, echo = alice.take()
    assert (ack.command, ack.tags) == ("ACK", {"label": "q"})
    assert (echo.command, echo.tags["label"]) == ("PRIVMSG", "m")
    assert bob.take()[0].tags == {}


def test_label_ignored_without_labeled_response_and_batch() -> None:
    core = make_core()
    alice = register(core, "alice")
    bob = register(core, "bob", caps="labeled-response")
    for peer in (alice, bob):
        peer.send("@label=abc PING x")
        assert peer.take()[0].tags == {}
