"""Private history belongs to accounts: the core with a real store, accounts set directly.

A client's `account` is set here as the login code sets it; the e2e tests do
it over the wire. The attacks: a guest taking bob's nick reads none of bob's
conversations, bob logged in from another nick reads them all, and a third
account reads none.
"""

from __future__ import annotations

import sqlite3

from server_core.fakes import Peer, register
from server_core.test_history_wiring import Store

from .helpers import answer

MODERN = "message-tags server-time batch echo-message draft/chathistory"
EVERYTHING = "TARGETS timestamp=2000-01-01T00:00:00.000Z timestamp=2100-01-01T00:00:00.000Z 50"


def logged_in(peer: Peer, account: str) -> Peer:
    peer.client.account = account
    return peer


def ask(files: Store, peer: Peer, query: str) -> list[str]:
    """CHATHISTORY `query`'s answer: message texts, or TARGETS' names."""
    lines = answer(files, peer, f"CHATHISTORY {query}")
    if query.startswith("TARGETS"):
        return [m.params[1] for m in lines if m.command == "CHATHISTORY"]
    return [m.params[-1] for m in lines if m.command in ("PRIVMSG", "NOTICE")]


def test_private_history_follows_the_accounts_not_the_nicks(files: Store) -> None:
    core = files.core()
    alice = logged_in(register(core, "alice", caps=MODERN), "Alice")
    bob = logged_in(register(core, "bob", caps=MODERN), "bob")
    alice.send("PRIVMSG bob :one")
    bob.send("PRIVMSG alice :two")
    files.commit()
    assert ask(files, alice, "LATEST bob * 10") == ["one", "two"]
    assert ask(files, bob, "LATEST alice * 10") == ["one", "two"]
    assert ask(files, bob, "LATEST * * 10") == ["one", "two"]

    bob.send("QUIT :bye")
    files.commit()
    guest = register(core, "bob", caps=MODERN, port=40001)
    for query in ("LATEST bob * 10", "LATEST alice * 10", "LATEST * * 10"):
        assert ask(files, guest, query) == [], query
    assert ask(files, guest, EVERYTHING) == []
    # bob is offline: alice's TARGETS names him by account.
    assert ask(files, alice, EVERYTHING) == ["bob"]
    # The nick's holder is a guest: "bob" reads as the account, which alice shares.
    assert ask(files, alice, "LATEST bob * 10") == ["one", "two"]

    robert = logged_in(register(core, "robert", caps=MODERN, port=40002), "BOB")
    assert ask(files, robert, "LATEST alice * 10") == ["one", "two"]
    assert ask(files, robert, "BEFORE * timestamp=2100-01-01T00:00:00.000Z 10") == ["one", "two"]
    assert ask(files, robert, EVERYTHING) == ["alice"]
    assert ask(files, alice, EVERYTHING) == ["robert"]
    assert ask(files, alice, "LATEST robert * 1") == ["two"]

    carol = logged_in(register(core, "carol", caps=MODERN, port=40003), "carol")
    for query in ("LATEST alice * 10", "LATEST bob * 10", "LATEST robert * 10", "LATEST * * 10"):
        assert ask(files, carol, query) == [], query
    assert ask(files, carol, EVERYTHING) == []


def test_a_guest_on_either_side_makes_a_conversation_nobody_reads(files: Store) -> None:
    core = files.core()
    alice = logged_in(register(core, "alice", caps=MODERN), "alice")
    guest = register(core, "guest", caps=MODERN)
    alice.send("PRIVMSG guest :to a guest")
    guest.send("PRIVMSG alice :from a guest")
    files.commit()
    for peer, other in ((alice, "guest"), (guest, "alice")):
        assert ask(files, peer, f"LATEST {other} * 10") == []
        assert ask(files, peer, "LATEST * * 10") == []
        assert ask(files, peer, EVERYTHING) == []
    # Stored (resends are checked against it) under nick-marked keys, with
    # each sender's account as it was.
    with sqlite3.connect(files.path) as conn:
        rows = conn.execute(
            "SELECT key, account FROM messages JOIN conversations ON conv_id = conversations.id "
            "WHERE command = 'PRIVMSG'"
        ).fetchall()
    assert sorted(rows, key=str) == [(":alice :guest", "alice"), (":alice :guest", None)]


def test_a_message_to_oneself_is_ones_own(files: Store) -> None:
    core = files.core()
    alice = logged_in(register(core, "alice", caps=MODERN), "alice")
    alice.send("PRIVMSG alice :note to self")
    files.commit()
    assert ask(files, alice, "LATEST alice * 10") == ["note to self"]
    assert ask(files, alice, EVERYTHING) == ["alice"]
