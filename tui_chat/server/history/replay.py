"""Stored messages back as IRC lines: a CHATHISTORY batch, or a join replay.

Sans-IO, like the core: it builds `Message`s and leaves writing to the caller.
Each line carries what the recipient's capabilities ask for: `time`
(server-time) with the stored stamp, `msgid` and the stored client-only tags
(message-tags), and `batch` when the recipient negotiated batch.
"""

from __future__ import annotations

from collections.abc import Iterable

from tui_chat.irc.message import Message
from tui_chat.irc.servertime import format_time
from tui_chat.server.history.records import HistoryRecord, TargetSummary

__all__ = ["BATCH_TYPE", "TARGETS_BATCH_TYPE", "history_batch", "history_message", "targets_batch"]

BATCH_TYPE = "chathistory"
TARGETS_BATCH_TYPE = "draft/chathistory-targets"


def history_message(
    record: HistoryRecord,
    *,
    batch_id: str | None = None,
    server_time: bool = True,
    message_tags: bool = True,
) -> Message:
    """One stored message as it was relayed, tagged for the recipient."""
    tags: dict[str, str] = {}
    if batch_id is not None:
        tags["batch"] = batch_id
    if server_time:
        tags["time"] = format_time(record.time_ms)
    if message_tags:
        tags["msgid"] = record.msgid
        tags.update(record.tags)
    if record.params is not None:  # an event (draft/event-playback)
        params = list(record.params)
    elif record.text is None:
        params = [record.target]
    else:
        params = [record.target, record.text]
    return Message(record.command, params, record.source, tags)


def history_batch(
    records: Iterable[HistoryRecord],
    target: str,
    server_name: str,
    *,
    batch_id: str | None,
    server_time: bool = True,
    message_tags: bool = True,
) -> list[Message]:
    """The reply to a CHATHISTORY, or a join replay.

    With a `batch_id` (the recipient negotiated batch): `BATCH +id
    chathistory <target>`, the messages, `BATCH -id`, even when there are
    none, so the client is not left waiting. Without, just the messages.
    """
    lines = [
        history_message(
            record, batch_id=batch_id, server_time=server_time, message_tags=message_tags
        )
        for record in records
    ]
    if batch_id is None:
        return lines
    return _framed(lines, batch_id, server_name, [BATCH_TYPE, target])


def targets_batch(
    summaries: Iterable[TargetSummary], server_name: str, *, batch_id: str
) -> list[Message]:
    """The reply to CHATHISTORY TARGETS: one `CHATHISTORY TARGETS <target> <time>` each."""
    lines = [
        Message(
            "CHATHISTORY",
            ["TARGETS", summary.target, format_time(summary.latest_ms)],
            server_name,
            {"batch": batch_id},
        )
        for summary in summaries
    ]
    return _framed(lines, batch_id, server_name, [TARGETS_BATCH_TYPE])


def _framed(
    lines: list[Message], batch_id: str, server_name: str, kind: list[str]
) -> list[Message]:
    opening = Message("BATCH", [f"+{batch_id}", *kind], server_name)
    return [opening, *lines, Message("BATCH", [f"-{batch_id}"], server_name)]
