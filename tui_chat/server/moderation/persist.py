"""Bans and room owners in the store: `server_bans`, `channel_lists` (v4), `channel_access` (v8).

Writes run in the history writer's transactions (`writer.apply`), never on
the event loop; `load` runs once at start-up, before the server serves.
Times are stored in milliseconds like the rest of the store; `expires_ms`
is NULL for an entry that never expires.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from tui_chat.server.moderation.entries import ListEntry
from tui_chat.server.moderation.server_bans import ServerBan

__all__ = [
    "AccessRow",
    "ListRow",
    "Saved",
    "ServerBanRow",
    "delete_access",
    "delete_account_access",
    "delete_list_entry",
    "delete_server_ban",
    "load",
    "save_access",
    "save_list_entry",
    "save_server_ban",
]


@dataclass(frozen=True, slots=True)
class ListRow:
    channel: str  # folded channel name
    mode: str
    mask: str
    set_by: str
    set_at: float
    expires: float | None


@dataclass(frozen=True, slots=True)
class ServerBanRow:
    kind: str
    target: str
    reason: str
    set_by: str
    set_at: float
    expires: float | None


@dataclass(frozen=True, slots=True)
class AccessRow:
    channel: str  # folded channel name
    account: str  # folded account name
    role: str  # access.FOUNDER or access.OP


@dataclass(frozen=True, slots=True)
class Saved:
    lists: list[ListRow]
    server_bans: list[ServerBanRow]
    access: list[AccessRow]


def _ms(t: float | None) -> int | None:
    return None if t is None else int(t * 1000)


def _seconds(ms: int | None) -> float | None:
    return None if ms is None else ms / 1000


def load(conn: sqlite3.Connection) -> Saved:
    lists = [
        ListRow(channel, mode, mask, set_by, set_at / 1000, _seconds(expires))
        for channel, mode, mask, set_by, set_at, expires in conn.execute(
            "SELECT channel, mode, mask, set_by, set_at_ms, expires_ms FROM channel_lists "
            "ORDER BY channel, mode, set_at_ms"
        )
    ]
    bans = [
        ServerBanRow(kind, mask, reason, set_by, set_at / 1000, _seconds(expires))
        for kind, mask, reason, set_by, set_at, expires in conn.execute(
            "SELECT kind, mask, reason, set_by, set_at_ms, expires_ms FROM server_bans "
            "ORDER BY set_at_ms"
        )
    ]
    access = [
        AccessRow(*row)
        for row in conn.execute(
            "SELECT channel, account, role FROM channel_access ORDER BY channel"
        )
    ]
    return Saved(lists, bans, access)


def save_list_entry(conn: sqlite3.Connection, channel: str, mode: str, entry: ListEntry) -> None:
    conn.execute(
        "INSERT OR REPLACE INTO channel_lists (channel, mode, mask, set_by, set_at_ms, expires_ms) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        (channel, mode, entry.mask, entry.set_by, _ms(entry.set_at), _ms(entry.expires)),
    )


def delete_list_entry(conn: sqlite3.Connection, channel: str, mode: str, mask: str) -> None:
    conn.execute(
        "DELETE FROM channel_lists WHERE channel = ? AND mode = ? AND mask = ?",
        (channel, mode, mask),
    )


def save_server_ban(conn: sqlite3.Connection, ban: ServerBan) -> None:
    conn.execute(
        "INSERT OR REPLACE INTO server_bans (kind, mask, reason, set_by, set_at_ms, expires_ms) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        (ban.kind.value, ban.target, ban.reason, ban.set_by, _ms(ban.set_at), _ms(ban.expires)),
    )


def delete_server_ban(conn: sqlite3.Connection, kind: str, target: str) -> None:
    conn.execute("DELETE FROM server_bans WHERE kind = ? AND mask = ?", (kind, target))


def save_access(conn: sqlite3.Connection, channel: str, account: str, role: str) -> None:
    conn.execute(
        "INSERT OR REPLACE INTO channel_access (channel, account, role) VALUES (?, ?, ?)",
        (channel, account, role),
    )


def delete_access(conn: sqlite3.Connection, channel: str, account: str) -> None:
    conn.execute("DELETE FROM channel_access WHERE channel = ? AND account = ?", (channel, account))


def delete_account_access(conn: sqlite3.Connection, account: str) -> None:
    conn.execute("DELETE FROM channel_access WHERE account = ?", (account,))
