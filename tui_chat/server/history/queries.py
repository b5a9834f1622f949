"""CHATHISTORY: parse the command's parameters, and answer it from the store.

Follows IRCv3 `draft/chathistory` (ircv3.net/specs/extensions/chathistory):

    CHATHISTORY LATEST  <target> <* | msgid=X | timestamp=T> <limit>
    CHATHISTORY BEFORE  <target> <msgid=X | timestamp=T> <limit>
    CHATHISTORY AFTER   <target> <msgid=X | timestamp=T> <limit>
    CHATHISTORY AROUND  <target> <msgid=X | timestamp=T> <limit>
    CHATHISTORY BETWEEN <target> <selector> <selector> <limit>
    CHATHISTORY TARGETS <timestamp=T> <timestamp=T> <limit>

Every bound is exclusive; BETWEEN runs forwards or backwards in time as its
selectors are ordered and counts its limit from the first one; AROUND gives
up to limit/2 messages before the selected point and fills the rest from the
point on (a msgid's own message included). Results are always in ascending
order, the order being (time_ms, seq), which is total. A limit above the
server's (the ISUPPORT value) is cut to it.

An msgid that is not in the queried conversation (never sent, removed by
retention, or belonging to another conversation) is a MESSAGE_ERROR rather
than an empty batch, so a client filling a gap knows to fall back to a
timestamp instead of concluding nothing was said. It does not reveal whether
the msgid exists elsewhere.

Permissions are the caller's `Conversation`: the core decides who may read a
channel, and a private conversation is only reachable by its two parties.
The functions here run on a read connection, off the event loop.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from tui_chat.irc.servertime import parse_time
from tui_chat.server.history.records import Conversation, HistoryRecord, TargetSummary
from tui_chat.server.history.store import CHAT_ROWS

__all__ = [
    "CHAT_COMMANDS",
    "ChatHistoryError",
    "HistoryRequest",
    "Selector",
    "TargetsRequest",
    "fetch",
    "fetch_all_private",
    "fetch_targets",
    "parse_request",
]

# What a client without draft/event-playback may be sent in a history batch.
CHAT_COMMANDS = ("PRIVMSG", "NOTICE")
SUBCOMMANDS = ("LATEST", "BEFORE", "AFTER", "AROUND", "BETWEEN", "TARGETS")
# The cut applied when the server sets no maximum (0): SQLite's LIMIT takes
# at most a 64-bit integer, and no conversation holds this many messages.
_NO_MAX_LIMIT = 2**31 - 1
# Largest seq SQLite hands out; a timestamp used as a lower bound sorts after
# every message of its millisecond.
_MAX_SEQ = 2**63 - 1


class ChatHistoryError(Exception):
    """A CHATHISTORY the server answers with `FAIL CHATHISTORY <code> <context...> :<text>`."""

    def __init__(self, code: str, context: Sequence[str], text: str) -> None:
        # Context echoes client input; each piece must stay one middle
        # parameter of the FAIL line, so anything that would not is "*".
        self.context = tuple(
            piece if piece and " " not in piece and not piece.startswith(":") else "*"
            for piece in context
        )
        super().__init__(f"{code} {' '.join(self.context)}: {text}")
        self.code = code
        self.text = text


@dataclass(frozen=True, slots=True)
class Selector:
    kind: Literal["*", "msgid", "timestamp"]
    value: str = ""  # the msgid
    time_ms: int = 0  # the timestamp


@dataclass(frozen=True, slots=True)
class HistoryRequest:
    subcommand: str  # LATEST, BEFORE, AFTER, AROUND or BETWEEN
    target: str
    first: Selector
    second: Selector | None  # BETWEEN's end
    limit: int


@dataclass(frozen=True, slots=True)
class TargetsRequest:
    start_ms: int
    end_ms: int
    limit: int


def parse_request(params: Sequence[str], max_limit: int) -> HistoryRequest | TargetsRequest:
    """The request in CHATHISTORY's parameters; ChatHistoryError when malformed."""
    if not params:
        raise ChatHistoryError("INVALID_PARAMS", ["*"], "Insufficient parameters")
    sub = params[0].upper()
    if sub not in SUBCOMMANDS:
        raise ChatHistoryError("INVALID_PARAMS", [params[0]], "Unknown command")
    wanted = 5 if sub == "BETWEEN" else 4
    if len(params) < wanted:
        raise ChatHistoryError("INVALID_PARAMS", [sub], "Insufficient parameters")
    if len(params) > wanted:
        raise ChatHistoryError("INVALID_PARAMS", [sub], "Too many parameters")
    limit = _limit(sub, params[-1], max_limit)
    if sub == "TARGETS":
        start, end = (_selector(sub, p, timestamps_only=True) for p in params[1:3])
        return TargetsRequest(start.time_ms, end.time_ms, limit)
    first = _selector(sub, params[2], star=sub == "LATEST")
    second = _selector(sub, params[3]) if sub == "BETWEEN" else None
    return HistoryRequest(sub, params[1], first, second, limit)


def _limit(sub: str, text: str, max_limit: int) -> int:
    # isascii: str.isdigit also accepts digits int() refuses, such as "²".
    digits = text.lstrip("0")
    if not (text.isascii() and text.isdigit()) or not digits:
        raise ChatHistoryError("INVALID_PARAMS", [sub, text], "Invalid limit")
    # int() refuses over 4300 digits; anything this long is over any cap.
    limit = int(digits) if len(digits) <= len(str(_NO_MAX_LIMIT)) else _NO_MAX_LIMIT
    return min(limit, max_limit if max_limit > 0 else _NO_MAX_LIMIT)


def _selector(
    sub: str, text: str, *, star: bool = False, timestamps_only: bool = False
) -> Selector:
    if text == "*" and star:
        return Selector("*")
    kind, sep, value = text.partition("=")
    if not sep or kind not in ("msgid", "timestamp") or (timestamps_only and kind != "timestamp"):
        raise ChatHistoryError("INVALID_MSGREFTYPE", [sub, text], "Unsupported message reference")
    if kind == "msgid":
        if not value:
            raise ChatHistoryError("INVALID_PARAMS", [sub, text], "Invalid msgid")
        return Selector("msgid", value=value)
    try:
        return Selector("timestamp", time_ms=parse_time(value))
    except ValueError:
        raise ChatHistoryError("INVALID_PARAMS", [sub, text], "Invalid timestamp") from None


# -- answering ------------------------------------------------------------

_COLUMNS = "msgid, time_ms, command, source, target, text, account, tags, params"
_Point = tuple[int, int]  # (time_ms, seq)


def fetch(
    conn: sqlite3.Connection,
    conversation: Conversation,
    request: HistoryRequest,
    commands: Collection[str] | None = None,
) -> list[HistoryRecord]:
    """The messages `request` selects from `conversation`, oldest first.

    `commands` keeps only those kinds (e.g. `CHAT_COMMANDS` for a client
    without draft/event-playback) and the limit counts only them; any stored
    message, of whatever kind, may still serve as a msgid selector.
    """
    row = conn.execute("SELECT id FROM conversations WHERE key = ?", (conversation.key,)).fetchone()
    if row is None:
        return []
    return _answer(_Scan(conn, (row[0],), *_kinds(commands)), request)


def fetch_all_private(
    conn: sqlite3.Connection,
    identity: str,
    request: HistoryRequest,
    commands: Collection[str] | None = None,
) -> list[HistoryRecord]:
    """The target `*`: `request` over all private conversations `identity` is a party of.

    Slower than one conversation's (the rows of every conversation within the
    bounds are merged), which is fine for the handful of private
    conversations a person has.
    """
    rows = conn.execute(
        "SELECT id FROM conversations WHERE party_a = ? OR party_b = ?", (identity, identity)
    ).fetchall()
    if not rows:
        return []
    return _answer(_Scan(conn, tuple(conv for (conv,) in rows), *_kinds(commands)), request)


def _kinds(commands: Collection[str] | None) -> tuple[str, tuple[str, ...]]:
    """SQL keeping only `commands` (all for None), and its parameters.

    Messages alone are asked as CHAT_ROWS, which their own index answers: a
    page of them is a seek plus `limit` steps however many events lie between.
    """
    if commands is None:
        return "", ()
    if set(commands) == set(CHAT_COMMANDS):
        return f" AND {CHAT_ROWS}", ()
    return f" AND command IN ({','.join('?' * len(commands))})", tuple(commands)


def _answer(scan: _Scan, request: HistoryRequest) -> list[HistoryRecord]:
    sub, limit = request.subcommand, request.limit
    if request.first.kind == "*":
        return scan.newest(None, None, limit)
    before, after = scan.bounds(request, request.first)
    if sub == "LATEST":
        return scan.newest(after, None, limit)
    if sub == "BEFORE":
        return scan.newest(None, before, limit)
    if sub == "AFTER":
        return scan.oldest(after, None, limit)
    if sub == "AROUND":
        earlier = scan.newest(None, before, limit // 2)
        from_point = (before[0], before[1] - 1)
        return earlier + scan.oldest(from_point, None, limit - len(earlier))
    assert request.second is not None
    end_before, end_after = scan.bounds(request, request.second)
    if before < end_before:
        return scan.oldest(after, end_before, limit)
    return scan.newest(end_after, before, limit)


@dataclass(frozen=True, slots=True)
class _Scan:
    """Reads of the messages of some conversations (usually one), of the wanted kinds."""

    conn: sqlite3.Connection
    convs: tuple[int, ...]
    kinds_sql: str  # from _kinds
    kinds: tuple[str, ...]

    def _in(self) -> str:
        # One id plans as `conv_id = ?`: the index gives the order, no sort.
        return f"conv_id IN ({','.join('?' * len(self.convs))})"

    def bounds(self, request: HistoryRequest, selector: Selector) -> tuple[_Point, _Point]:
        """The selector as exclusive bounds: (upper, lower) = (nothing at or after, at or before).

        A msgid is one message's position for both; a timestamp is its whole
        millisecond, so that BEFORE and AFTER the same stamp never overlap.
        """
        if selector.kind == "timestamp":
            return (selector.time_ms, 0), (selector.time_ms, _MAX_SEQ)
        row = self.conn.execute(
            f"SELECT time_ms, seq FROM messages WHERE msgid = ? AND {self._in()}",
            (selector.value, *self.convs),
        ).fetchone()
        if row is None:
            raise ChatHistoryError(
                "MESSAGE_ERROR",
                [request.subcommand, request.target, f"msgid={selector.value}"],
                "Unknown msgid",
            )
        point = (row[0], row[1])
        return point, point

    def oldest(self, lower: _Point | None, upper: _Point | None, limit: int) -> list[HistoryRecord]:
        """The first `limit` messages strictly between the bounds."""
        return self._select(lower, upper, limit, newest=False)

    def newest(self, lower: _Point | None, upper: _Point | None, limit: int) -> list[HistoryRecord]:
        """The last `limit` messages strictly between the bounds, oldest first."""
        return self._select(lower, upper, limit, newest=True)

    def _select(
        self, lower: _Point | None, upper: _Point | None, limit: int, *, newest: bool
    ) -> list[HistoryRecord]:
        sql = f"SELECT {_COLUMNS} FROM messages WHERE {self._in()}"
        params: list[object] = list(self.convs)
        if lower is not None:
            sql += " AND (time_ms, seq) > (?, ?)"
            params += lower
        if upper is not None:
            sql += " AND (time_ms, seq) < (?, ?)"
            params += upper
        sql += self.kinds_sql
        params += self.kinds
        # Walking the index from the end nearest the wanted messages keeps
        # every query a seek plus `limit` steps, whatever the table's size.
        sql += (
            " ORDER BY time_ms DESC, seq DESC LIMIT ?"
            if newest
            else " ORDER BY time_ms, seq LIMIT ?"
        )
        rows = self.conn.execute(sql, (*params, limit)).fetchall()
        if newest:
            rows.reverse()
        return [_record(row) for row in rows]


def _record(row: tuple[object, ...]) -> HistoryRecord:
    msgid, time_ms, command, source, target, text, account, tags, params = row
    return HistoryRecord(
        msgid=str(msgid),
        time_ms=int(time_ms),  # type: ignore[call-overload]
        command=str(command),
        source=str(source),
        target=str(target),
        text=None if text is None else str(text),
        account=None if account is None else str(account),
        tags=json.loads(str(tags)) if tags is not None else {},
        params=None if params is None else tuple(json.loads(str(params))),
    )


def fetch_targets(
    conn: sqlite3.Connection,
    identity: str | None,
    channel_keys: Iterable[str],
    request: TargetsRequest,
    commands: Collection[str] | None = None,
) -> list[TargetSummary]:
    """TARGETS: the conversations `identity` may read with a message between the stamps.

    `channel_keys` are the folded names of the channels the reader may see
    (the core's decision); private conversations are those `identity` is a
    party of, none for None (SQL's `party_a = NULL` matches no row). Each
    target comes with its latest message in the range (of the `commands`
    kinds, if given), ordered by that time, oldest first, at most
    `request.limit` of them.
    """
    low, high = sorted((request.start_ms, request.end_ms))
    kinds_sql, kinds = _kinds(commands)
    keys = list(channel_keys)
    marks = ",".join("?" * len(keys))
    rows = conn.execute(
        "SELECT id, key, party_a, party_b FROM conversations "
        f"WHERE party_a = ? OR party_b = ? OR key IN ({marks})",
        (identity, identity, *keys),
    ).fetchall()
    found: list[TargetSummary] = []
    for conv, key, party_a, party_b in rows:
        latest = conn.execute(
            "SELECT time_ms FROM messages WHERE conv_id = ? AND time_ms > ? AND time_ms < ? "
            f"{kinds_sql} ORDER BY time_ms DESC LIMIT 1",
            (conv, low, high, *kinds),
        ).fetchone()
        if latest is None:
            continue
        name = key if party_a is None else (party_b if party_a == identity else party_a)
        found.append(TargetSummary(name, latest[0]))
    found.sort(key=lambda summary: (summary.latest_ms, summary.target))
    return found[: request.limit]
