"""Asking the server for history (IRCv3 `draft/chathistory`), sans-IO.

On joining a room the session asks for its latest messages; after a
reconnect it asks only for what came after the last message it saw, so the
gap is filled without repeats. Older pages are fetched on demand (BEFORE).
Replies arrive in a `chathistory` batch and become ordinary
`MessageReceived` events with `is_history=True`, then one
`HistoryBatchEnded`.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from tui_chat.client.isupport import Isupport
from tui_chat.irc.message import Message
from tui_chat.irc.numbers import parse_decimal
from tui_chat.irc.servertime import format_time, milliseconds

__all__ = [
    "HISTORY_CAPS",
    "HISTORY_ON_JOIN",
    "HISTORY_PAGE",
    "PRIVATE_HISTORY_WINDOW",
    "PRIVATE_TARGETS_LIMIT",
    "TARGETS_BATCH_TYPE",
    "before_request",
    "history_enabled",
    "latest_request",
    "targets_request",
]

# The work-in-progress name servers use today, and the name it will have.
HISTORY_CAPS = frozenset({"draft/chathistory", "chathistory"})
# Messages fetched when entering a room (ConnectOptions.history_on_join; 0 = none).
HISTORY_ON_JOIN = 50
# Messages per older page the UI asks for by default.
HISTORY_PAGE = 100
# On connecting while logged in, private conversations with a message this
# recent are opened with their latest messages (CHATHISTORY TARGETS)...
PRIVATE_HISTORY_WINDOW = timedelta(days=7)
# ...at most this many of them, the most recent first.
PRIVATE_TARGETS_LIMIT = 20
# The batch a TARGETS reply comes in.
TARGETS_BATCH_TYPE = "draft/chathistory-targets"


def history_enabled(caps: set[str]) -> bool:
    return not HISTORY_CAPS.isdisjoint(caps)


def _limit(wanted: int, isupport: Isupport) -> int:
    """`wanted`, but no more than the server's ISUPPORT CHATHISTORY (0 = no maximum)."""
    raw = isupport.tokens.get("CHATHISTORY", "")
    server_max = parse_decimal(raw) or 0
    return min(wanted, server_max) if server_max > 0 else wanted


def _timestamp(when: datetime) -> str:
    return "timestamp=" + format_time(milliseconds(when))


def latest_request(target: str, after_msgid: str | None, limit: int, isupport: Isupport) -> Message:
    """CHATHISTORY LATEST: the newest messages, or only those after `after_msgid`."""
    bound = f"msgid={after_msgid}" if after_msgid else "*"
    return Message("CHATHISTORY", ["LATEST", target, bound, str(_limit(limit, isupport))])


def targets_request(since: datetime, until: datetime, limit: int) -> Message:
    """CHATHISTORY TARGETS: the conversations with a message between the two times."""
    return Message("CHATHISTORY", ["TARGETS", _timestamp(since), _timestamp(until), str(limit)])


def before_request(target: str, before: str | datetime, limit: int, isupport: Isupport) -> Message:
    """CHATHISTORY BEFORE a msgid or a time: one older page."""
    bound = _timestamp(before) if isinstance(before, datetime) else f"msgid={before}"
    return Message("CHATHISTORY", ["BEFORE", target, bound, str(_limit(limit, isupport))])
