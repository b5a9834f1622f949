"""CHATHISTORY reads on a small pool of threads, each with its own connection.

Every method returns a `concurrent.futures.Future` of plain objects: an
asyncio caller awaits `asyncio.wrap_future(f)`, the sans-IO core adds a done
callback that hops to its loop with `call_soon_threadsafe`. In WAL mode the
readers never wait for the writer, nor it for them.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Collection, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

from tui_chat.server.history import channel_state, queries
from tui_chat.server.history.records import (
    ChannelState,
    Conversation,
    HistoryRecord,
    TargetSummary,
)
from tui_chat.server.history.store import Database, connect

__all__ = ["HistoryReader"]

T = TypeVar("T")


class HistoryReader:
    def __init__(self, db: Database, threads: int, busy_timeout_ms: int) -> None:
        self._db = db
        self._busy_timeout_ms = busy_timeout_ms
        self._pool = ThreadPoolExecutor(threads, thread_name_prefix="tui-chat-history-read")
        self._local = threading.local()
        self._lock = threading.Lock()
        self._connections: list[sqlite3.Connection] = []

    def fetch(
        self,
        conversation: Conversation,
        request: queries.HistoryRequest,
        commands: Collection[str] | None = None,
    ) -> Future[list[HistoryRecord]]:
        """BEFORE/AFTER/LATEST/AROUND/BETWEEN; the future raises ChatHistoryError on a bad msgid.

        `commands`: only these kinds, e.g. `CHAT_COMMANDS` (see `queries.fetch`).
        """
        return self._submit(lambda conn: queries.fetch(conn, conversation, request, commands))

    def fetch_all_private(
        self,
        identity: str,
        request: queries.HistoryRequest,
        commands: Collection[str] | None = None,
    ) -> Future[list[HistoryRecord]]:
        """The target `*`: all private conversations of `identity`."""
        return self._submit(
            lambda conn: queries.fetch_all_private(conn, identity, request, commands)
        )

    def fetch_targets(
        self,
        identity: str | None,
        channel_keys: Iterable[str],
        request: queries.TargetsRequest,
        commands: Collection[str] | None = None,
    ) -> Future[list[TargetSummary]]:
        """TARGETS; `commands`: count only these kinds as a conversation's latest."""
        keys = list(channel_keys)
        return self._submit(
            lambda conn: queries.fetch_targets(conn, identity, keys, request, commands)
        )

    def load_channels(self) -> Future[list[ChannelState]]:
        return self._submit(channel_state.load_all)

    def close(self) -> None:
        self._pool.shutdown(wait=True)
        with self._lock:
            for conn in self._connections:
                conn.close()
            self._connections.clear()

    def _submit(self, work: Callable[[sqlite3.Connection], T]) -> Future[T]:
        return self._pool.submit(lambda: work(self._connection()))

    def _connection(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._local.conn = connect(
                self._db, readonly=True, busy_timeout_ms=self._busy_timeout_ms
            )
            with self._lock:
                self._connections.append(conn)
        return conn
