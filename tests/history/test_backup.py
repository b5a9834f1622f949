"""The backup recipe of docs/history.md works while the writer is busy."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import threading
from pathlib import Path

import pytest

from tui_chat.server.history import History, HistoryRequest, StoreStatus, parse_request

from .helpers import BASE_MS, LOBBY, record, store_all


def test_online_backup_while_writing_holds_every_message_committed_before_it(
    history: History, tmp_path: Path
) -> None:
    store_all(history, LOBBY, [record(f"before{i}", BASE_MS + i) for i in range(500)])
    stop = threading.Event()

    def keep_writing() -> None:
        n = 0
        while not stop.is_set():
            history.writer.submit(LOBBY, record(f"during{n}", BASE_MS + 1000 + n))
            n += 1
            if n % 100 == 0:
                history.writer.flush(10)

    writer = threading.Thread(target=keep_writing)
    writer.start()
    try:
        source = sqlite3.connect(history.db.path)  # type: ignore[arg-type]
        target = sqlite3.connect(tmp_path / "backup.sqlite3")
        source.backup(target)
        source.close()
        target.close()
    finally:
        stop.set()
        writer.join(10)

    with History.open(tmp_path / "backup.sqlite3") as restored:
        request = parse_request(
            ["AFTER", "#lobby", "timestamp=1970-01-01T00:00:00.000Z", "100"], 100
        )
        assert isinstance(request, HistoryRequest)
        first_page = restored.reader.fetch(LOBBY, request).result(timeout=10)
        assert [r.msgid for r in first_page] == [f"before{i}" for i in range(100)]
        # The restored copy takes new messages.
        assert store_all(restored, LOBBY, [record("after", BASE_MS + 10**6)])[0].status is (
            StoreStatus.STORED
        )
    conn = sqlite3.connect(tmp_path / "backup.sqlite3")
    ids = {row[0] for row in conn.execute("SELECT msgid FROM messages")}
    conn.close()
    assert {f"before{i}" for i in range(500)} <= ids


@pytest.mark.skipif(shutil.which("sqlite3") is None, reason="the sqlite3 command is not installed")
def test_the_sqlite3_command_backs_up_a_running_store(history: History, tmp_path: Path) -> None:
    store_all(history, LOBBY, [record(f"cli{i}", BASE_MS + i) for i in range(50)])
    backup = tmp_path / "cli-backup.sqlite3"
    done = subprocess.run(
        ["sqlite3", str(history.db.path), f".backup {backup}"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 0, done.stderr
    conn = sqlite3.connect(backup)
    count = conn.execute("SELECT COUNT(*) FROM messages").fetchone()[0]
    conn.close()
    assert count == 50
