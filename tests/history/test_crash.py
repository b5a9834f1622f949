"""SIGKILL mid-traffic: every msgid reported committed is in the store after restart."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import sys
from pathlib import Path

from tui_chat.server.history import History

CHILD = Path(__file__).with_name("crash_writer.py")
# Committed messages to see before the kill; the child keeps writing meanwhile.
BEFORE_KILL = 3000
TIMEOUT = 30.0


async def test_sigkill_loses_no_committed_message(db_path: Path) -> None:
    root = Path(__file__).resolve().parents[2]
    child = await asyncio.create_subprocess_exec(
        sys.executable,
        str(CHILD),
        str(db_path),
        stdout=asyncio.subprocess.PIPE,
        cwd=root,
        env={**os.environ, "PYTHONPATH": str(root)},
    )
    assert child.stdout is not None
    printed: list[str] = []
    try:
        async with asyncio.timeout(TIMEOUT):
            while len(printed) < BEFORE_KILL:
                line = await child.stdout.readline()
                assert line, "the writer child exited early"
                printed.append(line.decode().strip())
    finally:
        child.send_signal(signal.SIGKILL)
    async with asyncio.timeout(TIMEOUT):
        rest, _ = await child.communicate()
    assert child.returncode == -signal.SIGKILL
    printed += [line for line in rest.decode().splitlines() if line]

    # The restarted server opens the file (recovering the WAL) before anyone reads.
    History.open(db_path).close()
    stored = _all_msgids(db_path)
    missing = set(printed) - stored
    assert not missing, f"{len(missing)} committed messages lost, e.g. {sorted(missing)[:5]}"
    assert len(printed) >= BEFORE_KILL


def _all_msgids(path: Path) -> set[str]:
    conn = sqlite3.connect(path)
    try:
        return {row[0] for row in conn.execute("SELECT msgid FROM messages")}
    finally:
        conn.close()
