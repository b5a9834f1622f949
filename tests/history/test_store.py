"""The file itself: migrations, restart persistence, channel state, where it lives."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from tui_chat.server.history import (
    ChannelState,
    Conversation,
    History,
    HistoryRequest,
    parse_request,
)
from tui_chat.server.history import store as store_module
from tui_chat.server.history.store import MIGRATIONS, Database, connect, migrate, schema_version

from .helpers import BASE_MS, LOBBY, record, store_all

OpenHistory = Callable[..., History]


def latest(history: History, conversation: Conversation = LOBBY) -> list[str]:
    request = parse_request(["LATEST", "#lobby", "*", "100"], 100)
    assert isinstance(request, HistoryRequest)
    return [r.msgid for r in history.reader.fetch(conversation, request).result(timeout=10)]


def test_an_empty_file_is_migrated_to_the_current_schema(db_path: Path) -> None:
    conn = connect(Database(db_path))
    assert schema_version(conn) == 0
    assert migrate(conn) == len(MIGRATIONS)
    assert schema_version(conn) == len(MIGRATIONS)
    tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"conversations", "messages", "channels"} <= tables
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    # Migrating again is a no-op.
    assert migrate(conn) == len(MIGRATIONS)
    conn.close()


def test_a_version_1_file_keeps_its_messages_and_gains_the_rest(
    db_path: Path, open_history: OpenHistory
) -> None:
    conn = connect(Database(db_path))
    migrate(conn, MIGRATIONS[:1])
    assert schema_version(conn) == 1
    conn.execute("INSERT INTO conversations (id, key) VALUES (1, '#lobby')")
    conn.execute(
        "INSERT INTO messages (msgid, conv_id, time_ms, command, source, target, text) "
        "VALUES ('old', 1, ?, 'PRIVMSG', 'a!a@h', '#lobby', 'from v1')",
        (BASE_MS,),
    )
    conn.close()

    history = open_history()
    assert latest(history) == ["old"]
    history.writer.save_channel(ChannelState("#lobby", topic="new in v2"))
    assert history.writer.flush(10)
    assert history.reader.load_channels().result(timeout=10)[0].topic == "new in v2"


def test_v5_deletes_private_history_filed_under_bare_nicks(
    db_path: Path, open_history: OpenHistory
) -> None:
    """Filed by nick, "alice bob" would read as the accounts alice and bob's: gone."""
    conn = connect(Database(db_path))
    migrate(conn, MIGRATIONS[:4])
    conversations = [
        (1, "#lobby", None, None),
        (2, ":alice :bob", ":alice", ":bob"),
        (3, "alice bob", "alice", "bob"),
    ]
    for conv in conversations:
        conn.execute(
            "INSERT INTO conversations (id, key, party_a, party_b) VALUES (?, ?, ?, ?)", conv
        )
    for msgid, conv_id in (("room", 1), ("guests", 2), ("by-nick", 3)):
        conn.execute(
            "INSERT INTO messages (msgid, conv_id, time_ms, command, source, target, text) "
            "VALUES (?, ?, ?, 'PRIVMSG', 'alice!a@h', '#lobby', 'old')",
            (msgid, conv_id, BASE_MS),
        )
    conn.close()

    again = open_history()
    assert latest(again) == ["room"]
    assert latest(again, Conversation.private(":alice", ":bob")) == ["guests"]
    assert latest(again, Conversation.private("alice", "bob")) == []
    with sqlite3.connect(db_path) as check:
        keys = {key for (key,) in check.execute("SELECT key FROM conversations")}
        msgids = {m for (m,) in check.execute("SELECT msgid FROM messages")}
    assert keys == {"#lobby", ":alice :bob"} and msgids == {"room", "guests"}


def test_a_failed_migration_leaves_the_version_alone(db_path: Path) -> None:
    def broken(conn: sqlite3.Connection) -> None:
        conn.execute("CREATE TABLE half_done (x)")
        conn.execute("THIS IS NOT SQL")

    conn = connect(Database(db_path))
    with pytest.raises(sqlite3.OperationalError):
        migrate(conn, [*MIGRATIONS, broken])
    assert schema_version(conn) == len(MIGRATIONS)
    assert conn.execute("SELECT name FROM sqlite_master WHERE name='half_done'").fetchone() is None
    conn.close()


def test_a_newer_schema_is_refused(db_path: Path, open_history: OpenHistory) -> None:
    conn = connect(Database(db_path))
    conn.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 1}")
    conn.close()
    with pytest.raises(RuntimeError, match="newer"):
        open_history()


def test_messages_and_channels_survive_a_restart(db_path: Path) -> None:
    with History.open(db_path) as first:
        store_all(first, LOBBY, [record(f"r{i}", BASE_MS + i) for i in range(5)])
        first.writer.save_channel(
            ChannelState("#Lobby", "the topic", "alice!a@h", BASE_MS, {"n": "", "k": "pw"})
        )
    with History.open(db_path) as second:
        assert latest(second) == [f"r{i}" for i in range(5)]
        assert second.reader.load_channels().result(timeout=10) == [
            ChannelState("#Lobby", "the topic", "alice!a@h", BASE_MS, {"n": "", "k": "pw"})
        ]
        # New messages continue after the old ones.
        store_all(second, LOBBY, [record("r5", BASE_MS + 5)])
        assert latest(second)[-2:] == ["r4", "r5"]


def test_close_commits_what_is_queued(db_path: Path) -> None:
    history = History.open(db_path)
    for i in range(200):
        history.writer.submit(LOBBY, record(f"q{i}", BASE_MS + i))
    history.close()
    history.close()
    with History.open(db_path) as again:
        assert len(latest(again)) == 100


def test_memory_database_is_shared_by_writer_and_readers(open_history: OpenHistory) -> None:
    history = open_history(":memory:")
    assert history.db.path is None
    store_all(history, LOBBY, [record("m", BASE_MS)])
    assert latest(history) == ["m"]
    # Two in-memory stores are separate.
    assert latest(open_history(":memory:")) == []


def test_default_path_is_in_the_platform_data_dir(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(store_module, "user_data_dir", lambda app: str(tmp_path / app))
    assert Database().path == tmp_path / "tui-chat" / "history.sqlite3"
    with History.open() as history:
        store_all(history, LOBBY, [record("d", BASE_MS)])
    assert (tmp_path / "tui-chat" / "history.sqlite3").is_file()


def test_a_path_with_spaces_and_uri_characters_works(tmp_path: Path) -> None:
    path = tmp_path / "my dir #1?x=y" / "h%20.sqlite3"
    with History.open(path) as history:
        store_all(history, LOBBY, [record("odd", BASE_MS)])
        assert latest(history) == ["odd"]
    assert path.is_file()


def test_a_path_that_cannot_be_a_database_fails_at_open(tmp_path: Path) -> None:
    not_a_dir = tmp_path / "file"
    not_a_dir.write_text("x")
    with pytest.raises(OSError):
        History.open(not_a_dir / "history.sqlite3")
    garbage = tmp_path / "garbage.sqlite3"
    garbage.write_bytes(b"this is not a database" * 100)
    with pytest.raises(sqlite3.DatabaseError):
        History.open(garbage)
