"""Helpers for the message store tests."""

from __future__ import annotations

from tui_chat.server.history import Conversation, History, HistoryRecord, StoreResult

# Far from "now", so default retention by age never touches test data.
BASE_MS = 4_000_000_000_000
FLUSH_TIMEOUT = 10.0
LOBBY = Conversation.channel("#lobby")


def record(
    msgid: str,
    time_ms: int,
    *,
    source: str = "alice!a@host",
    target: str = "#lobby",
    text: str | None = None,
    command: str = "PRIVMSG",
    account: str | None = None,
    tags: dict[str, str] | None = None,
) -> HistoryRecord:
    return HistoryRecord(
        msgid,
        time_ms,
        command,
        source,
        target,
        f"text of {msgid}" if text is None else text,
        account,
        tags or {},
    )


def store_all(
    history: History, conversation: Conversation, records: list[HistoryRecord], **kw: str
) -> list[StoreResult]:
    """Submit `records` and wait until all are committed; their results in order."""
    results: list[StoreResult] = []
    for item in records:
        history.writer.submit(conversation, item, results.append, **kw)
    assert history.writer.flush(FLUSH_TIMEOUT)
    return results
