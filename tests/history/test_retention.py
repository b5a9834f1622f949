"""Retention: by age and by count per conversation, in small chunks, run by the writer."""

from __future__ import annotations

import time
from pathlib import Path

from tui_chat.server.history import Conversation, History, HistoryConfig
from tui_chat.server.history.retention import RetentionSweeper
from tui_chat.server.history.store import Database, connect

from .helpers import BASE_MS, LOBBY, record, store_all

DAY_MS = 86_400_000
OTHER = Conversation.channel("#other")


def count(path: Path, conversation: Conversation) -> int:
    conn = connect(Database(path), readonly=True)
    try:
        return conn.execute(
            "SELECT COUNT(*) FROM messages JOIN conversations c ON c.id = conv_id WHERE c.key = ?",
            (conversation.key,),
        ).fetchone()[0]
    finally:
        conn.close()


def fill(path: Path, lobby: int, other: int, spacing_ms: int) -> None:
    with History.open(
        path, HistoryConfig(retention_max_age_days=0, retention_max_per_target=0)
    ) as h:
        store_all(h, LOBBY, [record(f"l{i}", BASE_MS + i * spacing_ms) for i in range(lobby)])
        store_all(
            h,
            OTHER,
            [record(f"o{i}", BASE_MS + i * spacing_ms, target="#other") for i in range(other)],
        )


def sweep(path: Path, config: HistoryConfig, now_ms: int) -> int:
    """Run one whole sweep; the number of steps it took."""
    sweeper = RetentionSweeper(config, clock=lambda: now_ms / 1000)
    conn = connect(Database(path))
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
    config = HistoryConfig(retention_max_age_days=1, retention_max_per_target=0)
    # Now is 3 days after the first message: those older than 2 days go.
    sweep(db_path, config, BASE_MS + 3 * DAY_MS)
    # Kept: the messages at 2.0 and 2.25 days, not older than the cut-off.
    assert count(db_path, LOBBY) == 2
    assert count(db_path, OTHER) == 2


def test_nothing_is_deleted_when_retention_is_off(db_path: Path) -> None:
    fill(db_path, lobby=20, other=0, spacing_ms=1)
    config = HistoryConfig(retention_max_age_days=0, retention_max_per_target=0)
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
