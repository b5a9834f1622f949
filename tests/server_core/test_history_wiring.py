"""The core with a real message store (a SQLite file), its callbacks run by the test.

`deliver` collects the store's callbacks instead of hopping to a loop, so a
test sees exactly what happens before and after a commit.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tui_chat.server.config import ServerConfig
from tui_chat.server.core import ServerCore
from tui_chat.server.handlers.chathistory import ServerHistory
from tui_chat.server.history import History, HistoryConfig

from .fakes import Clock, lobby_op, register

# Seconds a test waits for the writer thread to commit.
FLUSH_TIMEOUT = 10.0


class Store:
    """One history file; cores made on it, and their pending callbacks."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.callbacks: list[Callable[[], None]] = []
        self.opened: list[History] = []

    def core(self, **history: Any) -> ServerCore:
        store = History.open(self.path, HistoryConfig(**history), deliver=self.callbacks.append)
        self.opened.append(store)
        saved = store.reader.load_channels().result(timeout=FLUSH_TIMEOUT)
        server = ServerHistory(store, saved, self.callbacks.append)
        return ServerCore(ServerConfig(), clock=Clock(), history=server)

    def commit(self) -> None:
        """Wait for every submitted write, then run the callbacks (the loop's turn)."""
        for store in self.opened:
            assert store.writer.flush(FLUSH_TIMEOUT)
        while self.callbacks:
            self.callbacks.pop(0)()

    def close(self) -> None:
        for store in self.opened:
            store.close()


@pytest.fixture
def files(tmp_path: Path) -> Iterator[Store]:
    made = Store(tmp_path / "history.sqlite3")
    yield made
    made.close()


def test_message_relayed_only_after_its_commit(files: Store) -> None:
    core = files.core()
    alice = register(core, "alice", caps="message-tags server-time echo-message")
    bob = register(core, "bob", caps="message-tags server-time")
    alice.send("PRIVMSG #lobby :stored first")
    assert bob.take() == [] and alice.take() == []
    for store in files.opened:
        assert store.writer.flush(FLUSH_TIMEOUT)
    with sqlite3.connect(files.path) as conn:
        (msgid, time_ms) = conn.execute(
            "SELECT msgid, time_ms FROM messages WHERE command = 'PRIVMSG'"
        ).fetchone()
    assert bob.take() == []
    files.commit()
    (got,) = bob.take()
    assert got.params == ["#lobby", "stored first"] and got.tags["msgid"] == msgid
    assert got.tags["time"] == "2023-11-14T22:13:20.000Z" and time_ms == 1_700_000_000_000
    assert [m.tags["msgid"] for m in alice.take()] == [msgid]


def test_part_waits_for_the_words_before_it(files: Store) -> None:
    core = files.core()
    alice = register(core, "alice")
    bob = register(core, "bob")
    alice.send("PRIVMSG #lobby :last words", "PART #lobby :bye")
    assert bob.take() == []
    files.commit()
    assert [m.command for m in bob.take()] == ["PRIVMSG", "PART"]


def test_quit_waits_for_the_words_before_it(files: Store) -> None:
    core = files.core()
    alice = register(core, "alice")
    bob = register(core, "bob")
    alice.send("PRIVMSG #lobby :bye all", "QUIT :gone")
    assert bob.take() == []
    files.commit()
    assert [m.command for m in bob.take()] == ["PRIVMSG", "QUIT"]


def test_refused_write_is_not_relayed(files: Store) -> None:
    core = files.core(max_pending_writes=0)
    alice = register(core, "alice", caps="standard-replies")
    bob = register(core, "bob")
    alice.send("PRIVMSG #lobby :no room", "PRIVMSG bob :nor here")
    files.commit()
    fails = [m.params[:3] for m in alice.take() if m.command == "FAIL"]
    assert fails == [
        ["PRIVMSG", "MESSAGE_NOT_STORED", "#lobby"],
        ["PRIVMSG", "MESSAGE_NOT_STORED", "bob"],
    ]
    assert bob.take() == []


def test_topic_and_modes_come_back_in_a_new_core(files: Store) -> None:
    core = files.core()
    alice = lobby_op(register(core, "alice"))
    alice.send("TOPIC #lobby :kept", "MODE #lobby +sk-t door", "MODE #lobby +l 9")
    files.commit()
    files.close()
    files.opened.clear()
    again = files.core()
    bob = register(again, "bob")
    # The saved key holds for the first joiner too (QA F30): bob needs it.
    assert again.find_channel("#lobby") is None
    bob.send("JOIN #lobby door")
    bob.take()
    channel = again.find_channel("#lobby")
    assert channel is not None
    assert (channel.topic, channel.topic_by.split("!")[0]) == ("kept", "alice")
    assert (channel.modes, channel.key, channel.limit) == ({"n", "s"}, "door", 9)
    bob.send("TOPIC #lobby")
    assert [m.params[-1] for m in bob.take() if m.command == "332"] == ["kept"]


def test_resend_key_delivers_once_and_empty_key_is_no_key(files: Store) -> None:
    core = files.core()
    alice = register(core, "alice", caps="message-tags echo-message")
    bob = register(core, "bob", caps="message-tags")
    keyed = "@+tui-chat/idem=k1 PRIVMSG #lobby :once"
    alice.send(
        keyed, keyed, "@+tui-chat/idem= PRIVMSG #lobby :a", "@+tui-chat/idem= PRIVMSG #lobby :b"
    )
    files.commit()
    assert [m.params[-1] for m in bob.take()] == ["once", "a", "b"]
    echoes = alice.take()
    assert [m.params[-1] for m in echoes] == ["once", "once", "a", "b"]
    assert echoes[0].tags["msgid"] == echoes[1].tags["msgid"]


def test_part_with_nothing_in_flight_needs_no_commit(files: Store) -> None:
    core = files.core()
    alice = register(core, "alice")
    bob = register(core, "bob")
    (store,) = files.opened
    assert store.writer.flush(FLUSH_TIMEOUT)
    batches = store.writer.batches
    alice.send("PART #lobby :bye")
    assert [m.command for m in bob.take()] == ["PART"]
    assert store.writer.flush(FLUSH_TIMEOUT)
    # Only flush()'s own marker went through the writer: no round trip for the PART.
    assert store.writer.batches == batches + 1


def test_waits_keep_their_order_behind_each_message(files: Store) -> None:
    core = files.core()
    alice = register(core, "alice")
    bob = register(core, "bob")
    carol = register(core, "carol")
    bob.send("JOIN #side")
    carol.send("JOIN #side")
    bob.take()
    alice.send("PRIVMSG #lobby :first", "PART #lobby :one")
    carol.send("PRIVMSG #side :second", "PART #side :two")
    assert bob.take() == []
    files.commit()
    said = [(m.command, m.params[-1]) for m in bob.take()]
    assert said == [("PRIVMSG", "first"), ("PART", "one"), ("PRIVMSG", "second"), ("PART", "two")]
