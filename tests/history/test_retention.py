"""Retention: by age and by count per conversation, in small chunks, run by the writer.

Messages and events have limits of their own: events never evict a message.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from pathlib import Path

from server_core.fakes import register
from server_core.test_history_wiring import Store

from tui_chat.server.history import Conversation, History, HistoryConfig, HistoryRecord
from tui_chat.server.history.queries import CHAT_COMMANDS, fetch, parse_request
from tui_chat.server.history.retention import RetentionSweeper
from tui_chat.server.history.store import CHAT_ROWS, EVENT_ROWS, Database, connect

from .helpers import BASE_MS, LOBBY, answer, record, store_all

DAY_MS = 86_400_000
OTHER = Conversation.channel("#other")
NO_RETENTION = {
    "retention_max_age_days": 0,
    "retention_max_per_target": 0,
    "retention_event_max_age_days": 0,
    "retention_max_events_per_target": 0,
}
MESSAGES_ONLY = {"retention_event_max_age_days": 0, "retention_max_events_per_target": 0}


def count(path: Path, conversation: Conversation) -> int:
    conn = connect(Database(path), readonly=True)
    try:
        return conn.execute(
            "SELECT COUNT(*) FROM messages JOIN conversations c ON c.id = conv_id WHERE c.key = ?",
            (conversation.key,),
        ).fetchone()[0]
    finally:
        conn.close()


def msgids(path: Path, command: str | None = None) -> list[str]:
    """The stored msgids (of `command` only, if given), oldest first."""
    conn = connect(Database(path), readonly=True)
    try:
        rows = conn.execute(
            "SELECT msgid FROM messages WHERE ? IS NULL OR command = ? ORDER BY time_ms, seq",
            (command, command),
        ).fetchall()
    finally:
        conn.close()
    return [msgid for (msgid,) in rows]


def event(msgid: str, time_ms: int, nick: str = "cyc0") -> HistoryRecord:
    return HistoryRecord(msgid, time_ms, "NICK", f"{nick}!c@host", "#lobby", None, params=("x",))


def fill(path: Path, lobby: int, other: int, spacing_ms: int) -> None:
    with History.open(path, HistoryConfig(**NO_RETENTION)) as h:
        store_all(h, LOBBY, [record(f"l{i}", BASE_MS + i * spacing_ms) for i in range(lobby)])
        store_all(
            h,
            OTHER,
            [record(f"o{i}", BASE_MS + i * spacing_ms, target="#other") for i in range(other)],
        )


def sweep(
    path: Path,
    config: HistoryConfig,
    now_ms: int,
    trace: Callable[[str], None] | None = None,
) -> int:
    """Run one whole sweep; the number of steps it took. `trace` sees each statement."""
    sweeper = RetentionSweeper(config, clock=lambda: now_ms / 1000)
    conn = connect(Database(path))
    conn.set_trace_callback(trace)
    steps = 0
    try:
        while sweeper.seconds_until_due() == 0.0:
            sweeper.step(conn)
            steps += 1
    finally:
        conn.close()
    return steps


def test_count_cap_keeps_the_newest_per_conversation_in_chunks(db_path: Path) -> None:
    fill(db_path, lobby=100, other=10, spacing_ms=1)
    config = HistoryConfig(
        retention_max_age_days=0,
        retention_max_per_target=30,
        retention_chunk_rows=7,
        retention_scan_rows=4,
        **MESSAGES_ONLY,
    )
    steps = sweep(db_path, config, BASE_MS + 1000)
    assert count(db_path, LOBBY) == 30
    assert count(db_path, OTHER) == 10
    # Walking 30 entries 4 at a time, then 70 rows at 7 per step: split up.
    assert steps >= 8 + 10
    conn = connect(Database(db_path), readonly=True)
    oldest = conn.execute("SELECT MIN(msgid) FROM messages WHERE msgid LIKE 'l%'").fetchone()[0]
    conn.close()
    assert oldest == "l70"


def test_age_limit_drops_old_messages_everywhere(db_path: Path) -> None:
    fill(db_path, lobby=10, other=10, spacing_ms=DAY_MS // 4)
    config = HistoryConfig(retention_max_age_days=1, retention_max_per_target=0, **MESSAGES_ONLY)
    # Now is 3 days after the first message: those older than 2 days go.
    sweep(db_path, config, BASE_MS + 3 * DAY_MS)
    # Kept: the messages at 2.0 and 2.25 days, not older than the cut-off.
    assert count(db_path, LOBBY) == 2
    assert count(db_path, OTHER) == 2


def test_nothing_is_deleted_when_retention_is_off(db_path: Path) -> None:
    fill(db_path, lobby=20, other=0, spacing_ms=1)
    config = HistoryConfig(**NO_RETENTION)
    assert sweep(db_path, config, BASE_MS + 100 * DAY_MS) == 0
    assert count(db_path, LOBBY) == 20


def test_the_writer_sweeps_between_batches(db_path: Path) -> None:
    now = [time.time()]
    config = HistoryConfig(
        retention_max_age_days=0,
        retention_max_per_target=10,
        retention_chunk_rows=5,
        retention_interval_seconds=3600,
    )
    with History.open(db_path, config, clock=lambda: now[0]) as history:
        store_all(history, LOBBY, [record(f"w{i}", BASE_MS + i) for i in range(60)])
        now[0] += 3600
        deadline = time.monotonic() + 10
        while count(db_path, LOBBY) > 10 and time.monotonic() < deadline:
            # Each batch lets the writer take another retention step.
            assert history.writer.flush(10)
        assert count(db_path, LOBBY) == 10
        # The step's tally is updated just after its commit: one more batch
        # orders this read after it.
        assert history.writer.flush(10)
        assert history.writer.retention.deleted == 50


def test_a_nick_storm_never_evicts_a_message(files: Store) -> None:
    """QA F24: one member flipping nicks pushed every message of the room out."""
    core = files.core(retention_max_per_target=200, retention_max_events_per_target=50)
    talker = register(core, "talker")
    cycler = register(core, "cycler")
    for n in range(5):
        talker.send(f"PRIVMSG #lobby :important message {n}")
    for n in range(245):
        cycler.send(f"NICK cyc{n % 2}")
    files.commit()
    assert len(msgids(files.path, "NICK")) == 245
    said = msgids(files.path, "PRIVMSG")
    everything = msgids(files.path)

    sweep(files.path, files.opened[0].config, 1_700_000_001_000)
    assert msgids(files.path, "PRIVMSG") == said
    # The newest 50 events stay (the 245 NICKs were the newest rows).
    assert msgids(files.path, "NICK") == everything[-50:]
    classic = register(core, "classic", caps="batch draft/chathistory")
    lines = answer(files, classic, "CHATHISTORY LATEST #lobby * 100")
    texts = [m.params[1] for m in lines if m.command == "PRIVMSG"]
    assert texts == [f"important message {n}" for n in range(5)]


def test_messages_and_events_each_keep_their_newest(db_path: Path) -> None:
    with History.open(db_path, HistoryConfig(**NO_RETENTION)) as h:
        rows: list[HistoryRecord] = []
        for i in range(100):
            rows.append(record(f"m{i:03}", BASE_MS + 4 * i))
            rows += [event(f"e{i:03}{k}", BASE_MS + 4 * i + 1 + k) for k in range(3)]
        store_all(h, LOBBY, rows)
    config = HistoryConfig(
        retention_max_age_days=0,
        retention_max_per_target=30,
        retention_event_max_age_days=0,
        retention_max_events_per_target=20,
        retention_chunk_rows=7,
        retention_scan_rows=4,
    )
    sweep(db_path, config, BASE_MS)
    assert msgids(db_path, "PRIVMSG") == [f"m{i:03}" for i in range(70, 100)]
    newest_events = [f"e{i:03}{k}" for i in range(100) for k in range(3)][-20:]
    assert msgids(db_path, "NICK") == newest_events


def test_events_age_faster_than_messages(db_path: Path) -> None:
    with History.open(db_path, HistoryConfig(**NO_RETENTION)) as h:
        store_all(h, LOBBY, [record(f"m{d}", BASE_MS + d * DAY_MS) for d in range(10)])
        store_all(h, LOBBY, [event(f"e{d}", BASE_MS + d * DAY_MS + 1) for d in range(10)])
    config = HistoryConfig(
        retention_max_age_days=7,
        retention_max_per_target=0,
        retention_event_max_age_days=2,
        retention_max_events_per_target=0,
    )
    sweep(db_path, config, BASE_MS + 10 * DAY_MS)
    # Messages younger than 7 days, events younger than 2 (each exactly at
    # its cut-off is kept: the age is a lower bound).
    assert msgids(db_path, "PRIVMSG") == [f"m{d}" for d in range(3, 10)]
    assert msgids(db_path, "NICK") == ["e8", "e9"]


def test_the_sweep_and_message_pages_walk_their_own_index(db_path: Path) -> None:
    """EXPLAIN QUERY PLAN of every statement a sweep runs, and of a page of messages."""
    with History.open(db_path, HistoryConfig(**NO_RETENTION)) as h:
        store_all(h, LOBBY, [record(f"m{i}", BASE_MS + 2 * i) for i in range(50)])
        store_all(h, LOBBY, [event(f"e{i}", BASE_MS + 2 * i + 1) for i in range(50)])
    statements: list[str] = []
    config = HistoryConfig(
        retention_max_age_days=1,
        retention_max_per_target=10,
        retention_event_max_age_days=1,
        retention_max_events_per_target=10,
    )
    sweep(db_path, config, BASE_MS, statements.append)
    on_messages = [s for s in statements if "FROM messages" in s]
    assert len(on_messages) >= 4  # a walk and a delete per kind
    conn = connect(Database(db_path), readonly=True)
    try:
        for statement in on_messages:
            assert_uses_kind_index(conn, statement)
        page = parse_request(["LATEST", "#lobby", "*", "5"], 100)
        conn.set_trace_callback(statements.append)
        statements.clear()
        assert [r.msgid for r in fetch(conn, LOBBY, page, CHAT_COMMANDS)] == [
            f"m{i}" for i in range(45, 50)
        ]
        (select,) = [s for s in statements if "FROM messages" in s]
        conn.set_trace_callback(None)
        assert "messages_chat" in plan(conn, select)
    finally:
        conn.close()


def plan(conn: sqlite3.Connection, statement: str) -> str:
    rows = conn.execute(f"EXPLAIN QUERY PLAN {statement}").fetchall()
    return " | ".join(str(row[-1]) for row in rows)


def assert_uses_kind_index(conn: sqlite3.Connection, statement: str) -> None:
    steps = plan(conn, statement)
    assert "messages_chat" in steps or "messages_events" in steps, (statement, steps)
    assert "SCAN" not in steps, (statement, steps)


def test_the_kinds_split_rows_as_clients_are_served(db_path: Path) -> None:
    """CHAT_ROWS is what a client without event-playback gets; EVENT_ROWS all the rest."""
    commands = ("PRIVMSG", "NOTICE", "TOPIC", "JOIN", "PART", "KICK", "QUIT", "NICK", "MODE")
    with History.open(db_path, HistoryConfig(**NO_RETENTION)) as h:
        store_all(h, LOBBY, [record(c, BASE_MS + i, command=c) for i, c in enumerate(commands)])
    conn = connect(Database(db_path), readonly=True)
    try:
        chat, events = (
            {c for (c,) in conn.execute(f"SELECT command FROM messages WHERE {rows}")}
            for rows in (CHAT_ROWS, EVENT_ROWS)
        )
    finally:
        conn.close()
    assert chat == set(CHAT_COMMANDS)
    assert events == set(commands) - chat
