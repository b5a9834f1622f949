"""Retention: old messages and events go, a little at a time, on the writer thread.

Messages (PRIVMSG, NOTICE) and events (JOIN, PART, KICK, QUIT, NICK, MODE,
TOPIC) are kept apart: each kind has its own cap per conversation and its own
age, and counts only itself, so no number of events ever evicts a message.

A sweep visits every conversation once, each kind in turn. For each it first
finds a cut-off point: older than the kind's age limit, or beyond its newest
`cap` rows. Finding the latter means walking that many entries of the kind's
index back from the newest, which it does `retention_scan_rows` at a time.
Then it deletes up to `retention_chunk_rows` rows of that kind below the
cut-off per step, each step its own short transaction. The writer runs one
step between message batches, so a sweep over millions of rows never holds up
a message for longer than one small step (about a millisecond). Rows
arriving during a sweep are newer than any cut-off, so a cut-off found once
stays valid; they are counted at the next sweep.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass

from tui_chat.server.history.config import HistoryConfig
from tui_chat.server.history.store import CHAT_ROWS, EVENT_ROWS

__all__ = ["RetentionSweeper"]

_DAY_MS = 86_400_000
_Point = tuple[int, int]  # (time_ms, seq), as in queries


@dataclass(frozen=True, slots=True)
class _Kind:
    """One kind of row and its limits; `rows` is SQL a partial index answers."""

    rows: str
    max_age_ms: int
    max_per_target: int


class RetentionSweeper:
    def __init__(self, config: HistoryConfig, clock: Callable[[], float] = time.time) -> None:
        kinds = (
            _Kind(
                CHAT_ROWS,
                int(config.retention_max_age_days * _DAY_MS),
                config.retention_max_per_target,
            ),
            _Kind(
                EVENT_ROWS,
                int(config.retention_event_max_age_days * _DAY_MS),
                config.retention_max_events_per_target,
            ),
        )
        self._kinds = tuple(k for k in kinds if k.max_age_ms > 0 or k.max_per_target > 0)
        self._chunk = config.retention_chunk_rows
        self._scan = config.retention_scan_rows
        self._interval = config.retention_interval_seconds
        self._clock = clock
        self._next_sweep = clock()
        # The sweep in progress: (conversation, kind) pairs still to visit (the
        # current one last), how far the count walk got, and the cut-off once known.
        self._pending: list[tuple[int, _Kind]] = []
        self._walked = 0
        self._walk_from: _Point | None = None
        self._cutoff: _Point | None = None
        self._cutoff_known = False
        self.deleted = 0  # rows deleted since start, for tests and logs

    @property
    def enabled(self) -> bool:
        return bool(self._kinds)

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
            self._pending = [(conv, kind) for (conv,) in rows for kind in reversed(self._kinds)]
            self._next_sweep = self._clock() + self._interval
            return
        conv, kind = self._pending[-1]
        if not self._cutoff_known:
            self._walk(conn, conv, kind)
            return
        deleted = 0
        if self._cutoff is not None:
            conn.execute("BEGIN IMMEDIATE")
            try:
                deleted = conn.execute(
                    "DELETE FROM messages WHERE seq IN (SELECT seq FROM messages "
                    f"WHERE conv_id = ? AND {kind.rows} AND (time_ms, seq) < (?, ?) "
                    "ORDER BY time_ms, seq LIMIT ?)",
                    (conv, *self._cutoff, self._chunk),
                ).rowcount
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
            self.deleted += deleted
        if deleted < self._chunk:
            self._next_target()

    def _walk(self, conn: sqlite3.Connection, conv: int, kind: _Kind) -> None:
        """Advance the search for the cut-off by at most `retention_scan_rows` entries."""
        by_count: _Point | None = None
        if kind.max_per_target > 0:
            skip = min(self._scan, kind.max_per_target - self._walked)
            sql = f"SELECT time_ms, seq FROM messages WHERE conv_id = ? AND {kind.rows}"
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
                if self._walked < kind.max_per_target:
                    return  # more to walk, next step
                # The newest `max` are kept; this is the oldest of them.
                by_count = self._walk_from
        cutoffs = [] if by_count is None else [by_count]
        if kind.max_age_ms > 0:
            cutoffs.append((int(self._clock() * 1000) - kind.max_age_ms, 0))
        self._cutoff = max(cutoffs) if cutoffs else None
        self._cutoff_known = True

    def _next_target(self) -> None:
        self._pending.pop()
        self._walked = 0
        self._walk_from = None
        self._cutoff = None
        self._cutoff_known = False
