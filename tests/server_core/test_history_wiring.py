"""The core with a real message store (a SQLite file), its callbacks run by the test.

`deliver` collects the store's callbacks instead of hopping to a loop, so a
test sees exactly what happens before and after a commit.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tui_chat.server.config import ServerConfig
from tui_chat.server.core import ServerCore
from tui_chat.server.handlers.chathistory import ServerHistory
from tui_chat.server.history import History, HistoryConfig

from .fakes import Clock, Peer, lobby_op, register
from .test_write_coalescing import Loop

# Seconds a test waits for the writer thread to commit.
FLUSH_TIMEOUT = 10.0


class Store:
    """One history file; cores made on it, and their pending callbacks."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.callbacks: list[Callable[[], None]] = []
        self.opened: list[History] = []
        self._arrived = threading.Condition()

    def deliver(self, callback: Callable[[], None]) -> None:
        """The loop's `call_soon_threadsafe`, as seen by the store's threads."""
        with self._arrived:
            self.callbacks.append(callback)
            self._arrived.notify_all()

    def core(self, **history: Any) -> ServerCore:
        store = History.open(self.path, HistoryConfig(**history), deliver=self.deliver)
        self.opened.append(store)
        saved = store.reader.load_channels().result(timeout=FLUSH_TIMEOUT)
        server = ServerHistory(store, saved, self.deliver)
        return ServerCore(ServerConfig(), clock=Clock(), history=server)

    def answered(self, core: ServerCore) -> None:
        """Commit, then run callbacks until every history read of `core` is answered."""
        self.commit()
        assert core.history is not None
        while core.history.replies:
            with self._arrived:
                assert self._arrived.wait_for(lambda: self.callbacks, FLUSH_TIMEOUT)
            self.commit()

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


def test_a_resend_is_echoed_as_the_copy_that_was_stored(files: Store) -> None:
    core = files.core()
    clock = core.clock
    assert isinstance(clock, Clock)
    alice = register(core, "alice", caps="message-tags echo-message server-time")
    bob = register(core, "bob", caps="message-tags server-time")
    alice.send("@+tui-chat/idem=k1 PRIVMSG #lobby :original")
    files.commit()
    (first,) = alice.take()
    clock.now += 90
    # A client that edited its words before resending under the same key.
    alice.send("@+tui-chat/idem=k1 PRIVMSG #lobby :edited")
    files.commit()
    (again,) = alice.take()
    assert again.tags["msgid"] == first.tags["msgid"]
    assert again.tags["time"] == first.tags["time"]
    assert again.params == ["#lobby", "original"]
    assert [m.params[-1] for m in bob.take()] == ["original"]


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


def _replay_on_joining(
    core: ServerCore, nick: str, files: Store | None
) -> list[tuple[str, str, str]]:
    """(msgid, time, text) of each message a new user is replayed on entering #lobby.

    Without `files`, only what arrives before the store's thread answers anything.
    """
    peer = Peer(core)
    peer.send("CAP LS 302", "CAP REQ :message-tags server-time")
    peer.send(f"NICK {nick}", f"USER {nick} 0 * :{nick}", "CAP END")
    if files is not None:
        files.answered(core)
    return [
        (m.tags["msgid"], m.tags["time"], m.params[1])
        for m in peer.take()
        if m.command == "PRIVMSG"
    ]


# The fake clock is in 2023: with the default retention a store opened now
# would sweep those messages away at once.
FOREVER: dict[str, Any] = {"retention_max_age_days": 0}


def _later(core: ServerCore, seconds: float) -> ServerCore:
    assert isinstance(core.clock, Clock)
    core.clock.now += seconds
    return core


def _lobby_heard(files: Store, texts: Iterable[str], **history: Any) -> ServerCore:
    """A core whose #lobby heard `texts` from alice, all committed, a second ago."""
    core = files.core(**history)
    register(core, "alice").send(*(f"PRIVMSG #lobby :{text}" for text in texts))
    files.commit()
    return _later(core, 1)


def test_join_replay_from_memory_is_what_the_store_returns(files: Store) -> None:
    core = _lobby_heard(files, (f"before {i}" for i in range(25)), **FOREVER)
    from_memory = _replay_on_joining(core, "bob", None)
    assert [text for _, _, text in from_memory] == [f"before {i}" for i in range(5, 25)]
    uncached = _later(files.core(replay_cache_rooms=0, **FOREVER), 1)
    assert _replay_on_joining(uncached, "carol", None) == []
    assert _replay_on_joining(uncached, "dave", files) == from_memory


def test_join_replay_reads_the_store_until_memory_has_enough(files: Store) -> None:
    _lobby_heard(files, (f"old {i}" for i in range(25)), **FOREVER)
    # A restarted server remembers nothing yet: three new messages are not enough.
    again = files.core(**FOREVER)
    bob = register(again, "bob")
    bob.send("PRIVMSG #lobby :new 0", "PRIVMSG #lobby :new 1", "PRIVMSG #lobby :new 2")
    files.commit()
    texts = [text for _, _, text in _replay_on_joining(_later(again, 1), "carol", files)]
    assert texts == [f"old {i}" for i in range(8, 25)] + ["new 0", "new 1", "new 2"]


def test_join_replay_never_from_memory_past_the_retention_age(files: Store) -> None:
    core = _lobby_heard(files, (f"stale {i}" for i in range(25)), retention_max_age_days=1)
    _later(core, 2 * 86_400)
    # The store may have deleted them by now: only the store can say.
    assert _replay_on_joining(core, "bob", None) == []


def test_writes_wait_for_the_end_of_the_loop_iteration_in_order(files: Store) -> None:
    core = files.core()
    loop = Loop()
    core.attach_loop(loop.call_soon, loop.call_later)
    alice = register(core, "alice")
    alice.send("PRIVMSG #lobby :one", "PRIVMSG #lobby :two", "PART #lobby :bye")
    (store,) = files.opened
    assert store.writer.flush(FLUSH_TIMEOUT)

    def stored() -> list[str]:
        with sqlite3.connect(files.path) as conn:
            rows = conn.execute("SELECT command, text FROM messages ORDER BY time_ms, seq")
            return [f"{command} {text or ''}".strip() for command, text in rows]

    assert stored() == []
    loop.run()
    files.commit()
    assert stored() == ["JOIN", "PRIVMSG one", "PRIVMSG two", "PART"]
