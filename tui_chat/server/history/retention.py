"""Retention: old messages go, a little at a time, on the writer thread.

A sweep visits every conversation once. For each it first finds a cut-off
point: older than `retention_max_age_days`, or beyond the newest
`retention_max_per_target`. Finding the latter means walking that many
index entries back from the newest, which it does `retention_scan_rows` at a
time. Then it deletes up to `retention_chunk_rows` rows below the cut-off
per step, each step its own short transaction. The writer runs one step
between message batches, so a sweep over millions of rows never holds up a
message for longer than one small step (about a millisecond). Messages
arriving during a sweep are newer than any cut-off, so a cut-off found once
stays valid; they are counted at the next sweep.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable

from tui_chat.server.history.config import HistoryConfig

__all__ = ["RetentionSweeper"]

_DAY_MS = 86_400_000
_Point = tuple[int, int]  # (time_ms, seq), as in queries


class RetentionSweeper:
    def __init__(self, config: HistoryConfig, clock: Callable[[], float] = time.time) -> None:
        self._max_age_ms = int(config.retention_max_age_days * _DAY_MS)
        self._max_per_target = config.retention_max_per_target
        self._chunk = config.retention_chunk_rows
        self._scan = config.retention_scan_rows
        self._interval = config.retention_interval_seconds
        self._clock = clock
        self._next_sweep = clock()
        # The sweep in progress: conversations still to visit (the current
        # one last), how far the count walk got, and the cut-off once known.
        self._pending: list[int] = []
        self._walked = 0
        self._walk_from: _Point | None = None
        self._cutoff: _Point | None = None
        self._cutoff_known = False
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
            return
        conv = self._pending[-1]
        if not self._cutoff_known:
            self._walk(conn, conv)
            return
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
            self._next_conversation()

    def _walk(self, conn: sqlite3.Connection, conv: int) -> None:
        """Advance the search for `conv`'s cut-off by at most `retention_scan_rows` entries."""
        by_count: _Point | None = None
        if self._max_per_target > 0:
            skip = min(self._scan, self._max_per_target - self._walked)
            sql = "SELECT time_ms, seq FROM messages WHERE conv_id = ?"
            args: list[int] = [conv]
            if self._walk_from is not None:
                sql += " AND (time_ms, seq) < (?, ?)"
                args += self._walk_from
            row = conn.execute(
                sql + " ORDER BY time_ms DESC, seq DESC LIMIT 1 OFFSET ?", (*args, skip - 1)
            ).fetchone()
            if row is not None:
                self._walked += skip
                self._walk_from = (row[0], row[1])
                if self._walked < self._max_per_target:
                    return  # more to walk, next step
                # The newest `max` are kept; this is the oldest of them.
                by_count = self._walk_from
        cutoffs = [] if by_count is None else [by_count]
        if self._max_age_ms > 0:
            cutoffs.append((int(self._clock() * 1000) - self._max_age_ms, 0))
        self._cutoff = max(cutoffs) if cutoffs else None
        self._cutoff_known = True

    def _next_conversation(self) -> None:
        self._pending.pop()
        self._walked = 0
        self._walk_from = None
        self._cutoff = None
        self._cutoff_known = False
