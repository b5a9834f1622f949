"""Retention: old messages go, a chunk at a time, on the writer thread.

A sweep visits every conversation once. For each it fixes a cut-off point
(older than `retention_max_age_days`, or beyond the newest
`retention_max_per_target`), then deletes up to `retention_chunk_rows` rows
below it per step, each step its own short transaction. The writer runs one
step between message batches, so a sweep over millions of rows never holds
up a message for more than one chunk's delete. Messages arriving during a
sweep are newer than any cut-off, so a cut-off found once stays valid.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable

from tui_chat.server.history.config import HistoryConfig

__all__ = ["RetentionSweeper"]

_DAY_MS = 86_400_000


class RetentionSweeper:
    def __init__(self, config: HistoryConfig, clock: Callable[[], float] = time.time) -> None:
        self._max_age_ms = int(config.retention_max_age_days * _DAY_MS)
        self._max_per_target = config.retention_max_per_target
        self._chunk = config.retention_chunk_rows
        self._interval = config.retention_interval_seconds
        self._clock = clock
        self._next_sweep = clock()
        # The sweep in progress: conversations still to visit, and the
        # current one's cut-off once found.
        self._pending: list[int] = []
        self._cutoff: tuple[int, int] | None = None
        self.deleted = 0  # rows deleted since start, for tests and logs

    @property
    def enabled(self) -> bool:
        return self._max_age_ms > 0 or self._max_per_target > 0

    def seconds_until_due(self) -> float | None:
        """How long the writer may sleep before the next step; None: never due."""
        if not self.enabled:
            return None
        if self._pending:
            return 0.0
        return max(0.0, self._next_sweep - self._clock())

    def step(self, conn: sqlite3.Connection) -> None:
        """One bounded piece of work; call when `seconds_until_due()` is 0."""
        if not self._pending:
            rows = conn.execute("SELECT id FROM conversations ORDER BY id DESC").fetchall()
            self._pending = [conv for (conv,) in rows]
            self._next_sweep = self._clock() + self._interval
            if not self._pending:
                return
        conv = self._pending[-1]
        if self._cutoff is None:
            self._cutoff = self._find_cutoff(conn, conv)
        deleted = 0
        if self._cutoff is not None:
            conn.execute("BEGIN IMMEDIATE")
            try:
                deleted = conn.execute(
                    "DELETE FROM messages WHERE seq IN (SELECT seq FROM messages "
                    "WHERE conv_id = ? AND (time_ms, seq) < (?, ?) ORDER BY time_ms, seq LIMIT ?)",
                    (conv, *self._cutoff, self._chunk),
                ).rowcount
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
            self.deleted += deleted
        if deleted < self._chunk:
            self._pending.pop()
            self._cutoff = None

    def _find_cutoff(self, conn: sqlite3.Connection, conv: int) -> tuple[int, int] | None:
        """Messages strictly below this point go; None when nothing does."""
        cutoffs: list[tuple[int, int]] = []
        if self._max_age_ms > 0:
            cutoffs.append((int(self._clock() * 1000) - self._max_age_ms, 0))
        if self._max_per_target > 0:
            row = conn.execute(
                "SELECT time_ms, seq FROM messages WHERE conv_id = ? "
                "ORDER BY time_ms DESC, seq DESC LIMIT 1 OFFSET ?",
                (conv, self._max_per_target),
            ).fetchone()
            if row is not None:
                cutoffs.append((row[0], row[1] + 1))
        return max(cutoffs) if cutoffs else None
