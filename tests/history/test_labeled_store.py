"""labeled-response with store then relay: the answer waits for the commit and carries the label.

The core with a real store; the test runs the store's callbacks, so it sees
that nothing (no ACK either) reaches the sender before its message is
committed.
"""

from __future__ import annotations

from server_core.fakes import register
from server_core.test_history_wiring import Store

from tui_chat.irc.message import Message

from .helpers import settle

LABELED = "labeled-response batch message-tags server-time"
ECHO = f"{LABELED} echo-message"


def batch_of(lines: list[Message]) -> tuple[Message, list[Message], Message]:
    """A reply that is one batch: its start, what is in it, its end."""
    start, *inside, end = lines
    ref = start.params[0][1:]
    assert (start.command, end.command, end.params) == ("BATCH", "BATCH", [f"-{ref}"])
    assert all(m.tags.get("batch") == ref for m in inside)
    return start, inside, end


def test_the_echo_waits_for_the_commit_and_carries_the_label(files: Store) -> None:
    core = files.core()
    alice = register(core, "alice", caps=ECHO)
    bob = register(core, "bob", caps=LABELED)
    alice.send("@label=m1 PRIVMSG #lobby :stored first")
    assert alice.take() == [] and bob.take() == []
    files.commit()
    (echo,) = alice.take()
    assert (echo.command, echo.params[-1], echo.tags["label"]) == ("PRIVMSG", "stored first", "m1")
    (delivered,) = bob.take()
    assert "label" not in delivered.tags
    assert delivered.tags["msgid"] == echo.tags["msgid"]


def test_without_echo_the_ack_waits_for_the_commit(files: Store) -> None:
    core = files.core()
    alice = register(core, "alice", caps=LABELED)
    alice.send("@label=a1 PRIVMSG #lobby :hi", "@label=a2 PRIVMSG alice :note to self")
    assert alice.take() == []
    files.commit()
    lines = alice.take()
    # To oneself without echo-message the copy is a delivery: never labeled.
    assert [(m.command, m.tags.get("label")) for m in lines] == [
        ("ACK", "a1"),
        ("PRIVMSG", None),
        ("ACK", "a2"),
    ]


def test_several_targets_and_an_error_make_one_labeled_batch(files: Store) -> None:
    core = files.core()
    alice = register(core, "alice", caps=ECHO)
    register(core, "bob")
    alice.send("@label=b1 PRIVMSG #lobby,nobody,bob :to all")
    assert alice.take() == []
    files.commit()
    start, inside, _ = batch_of(alice.take())
    assert start.params[1] == "labeled-response" and start.tags["label"] == "b1"
    assert [(m.command, m.params[0]) for m in inside] == [
        ("401", "alice"),
        ("PRIVMSG", "#lobby"),
        ("PRIVMSG", "bob"),
    ]


def test_a_refused_message_answers_with_a_labeled_fail(files: Store) -> None:
    core = files.core(max_pending_writes=0)
    alice = register(core, "alice", caps=f"{ECHO} standard-replies")
    alice.send("@label=f1 PRIVMSG #lobby :no room")
    files.commit()
    (fail,) = alice.take()
    assert fail.command == "FAIL" and fail.params[:2] == ["PRIVMSG", "MESSAGE_NOT_STORED"]
    assert fail.tags["label"] == "f1"


def test_a_resend_is_answered_by_its_labeled_echo(files: Store) -> None:
    core = files.core()
    alice = register(core, "alice", caps=ECHO)
    alice.send(
        "@label=r1;+tui-chat/idem=k PRIVMSG #lobby :once",
        "@label=r2;+tui-chat/idem=k PRIVMSG #lobby :once",
    )
    files.commit()
    first, again = alice.take()
    assert (first.tags["label"], again.tags["label"]) == ("r1", "r2")
    assert first.tags["msgid"] == again.tags["msgid"]


def test_a_labeled_topic_is_answered_by_the_topic_line(files: Store) -> None:
    core = files.core()
    alice = register(core, "alice", caps=LABELED)
    alice.send("JOIN #den")
    alice.take()
    alice.send("@label=t1 TOPIC #den :fresh")
    assert alice.take() == []
    files.commit()
    (topic,) = alice.take()
    assert (topic.command, topic.tags["label"]) == ("TOPIC", "t1")


def test_a_labeled_chathistory_labels_its_own_batch(files: Store) -> None:
    core = files.core()
    alice = register(core, "alice", caps=f"{ECHO} draft/chathistory")
    alice.send("PRIVMSG #lobby :one", "PRIVMSG #lobby :two")
    files.commit()
    alice.take()
    alice.send("@label=h1 CHATHISTORY LATEST #lobby * 10")
    settle(files, core)
    start, inside, _ = batch_of(alice.take())
    assert start.params[1:] == ["chathistory", "#lobby"] and start.tags["label"] == "h1"
    assert [m.params[-1] for m in inside] == ["one", "two"]
    alice.send("@label=h2 CHATHISTORY LATEST #elsewhere * 10")
    settle(files, core)
    (fail,) = alice.take()
    assert (fail.command, fail.params[1], fail.tags["label"]) == ("FAIL", "INVALID_TARGET", "h2")
