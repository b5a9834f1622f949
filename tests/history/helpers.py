"""Helpers for the message store tests."""

from __future__ import annotations

import threading
from collections.abc import Callable

from server_core.fakes import Peer
from server_core.test_history_wiring import Store

from tui_chat.irc.message import Message
from tui_chat.server.core import ServerCore
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


class Arrivals(list[Callable[[], None]]):
    """A core's pending store callbacks, with a signal when one arrives from another thread."""

    def __init__(self) -> None:
        super().__init__()
        self.arrived = threading.Event()

    def append(self, callback: Callable[[], None]) -> None:
        super().append(callback)
        self.arrived.set()


def answer(files: Store, peer: Peer, line: str) -> list[Message]:
    """What `peer` gets for `line` once everything before is committed (no FAIL allowed)."""
    files.commit()
    peer.take()  # what was relayed before
    peer.send(line)
    settle(files, peer.core)
    lines = peer.take()
    assert not [m for m in lines if m.command == "FAIL"], lines
    return lines


def settle(files: Store, core: ServerCore) -> None:
    """Commit and run callbacks until no CHATHISTORY read of `core` is still running."""
    arrivals = files.callbacks
    assert isinstance(arrivals, Arrivals)
    history = core.history
    assert history is not None
    files.commit()
    while history.replies:  # reads still running on the reader pool
        assert arrivals.arrived.wait(FLUSH_TIMEOUT)
        arrivals.arrived.clear()
        files.commit()
