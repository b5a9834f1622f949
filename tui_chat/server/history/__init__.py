"""The message store behind CHATHISTORY: SQLite, written off the event loop.

    history = History.open(path_or_None_or_":memory:", HistoryConfig(),
                           deliver=loop.call_soon_threadsafe)
    history.writer.submit(conversation, record, on_done)   # relay in on_done
    future = history.reader.fetch(conversation, request)   # CHATHISTORY
    history.close()

See docs/history.md for what is stored, for how long and who may read it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from tui_chat.irc.servertime import format_time, parse_time
from tui_chat.server.history.config import HistoryConfig
from tui_chat.server.history.queries import (
    CHAT_COMMANDS,
    ChatHistoryError,
    HistoryRequest,
    TargetsRequest,
    parse_request,
)
from tui_chat.server.history.reader import HistoryReader
from tui_chat.server.history.records import (
    ChannelState,
    Conversation,
    HistoryRecord,
    StoreResult,
    StoreStatus,
    TargetSummary,
)
from tui_chat.server.history.replay import history_batch, targets_batch
from tui_chat.server.history.store import Database
from tui_chat.server.history.writer import Deliver, HistoryWriter, OnStored, run_now

__all__ = [
    "CHAT_COMMANDS",
    "ChannelState",
    "ChatHistoryError",
    "Conversation",
    "History",
    "HistoryConfig",
    "HistoryRecord",
    "HistoryRequest",
    "OnStored",
    "StoreResult",
    "StoreStatus",
    "TargetSummary",
    "TargetsRequest",
    "format_time",
    "history_batch",
    "parse_request",
    "parse_time",
    "targets_batch",
]


class History:
    """One database's writer thread and reader pool, opened and closed together."""

    def __init__(self, writer: HistoryWriter, reader: HistoryReader, db: Database) -> None:
        self.writer = writer
        self.reader = reader
        self.db = db

    @classmethod
    def open(
        cls,
        path: str | Path | None = None,
        config: HistoryConfig | None = None,
        *,
        deliver: Deliver = run_now,
        clock: Callable[[], float] = time.time,
    ) -> History:
        """`path`: a file, ":memory:", or None for the platform data dir."""
        config = config or HistoryConfig()
        db = Database(path)
        writer = HistoryWriter(db, config, deliver=deliver, clock=clock)
        return cls(writer, HistoryReader(db, config.read_threads, config.busy_timeout_ms), db)

    @property
    def config(self) -> HistoryConfig:
        return self.writer.config

    def close(self) -> None:
        """Stop reading, commit what is queued, close. Idempotent."""
        self.reader.close()
        self.writer.close()

    def __enter__(self) -> History:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()
