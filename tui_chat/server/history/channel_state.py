"""Channels' topics and modes, kept so a restarted server has its rooms back.

The writer thread calls `save` inside its batches, in order with the
messages; the core calls `load_all` once at start-up, before serving. A saved
room is never deleted: rooms persist (docs/history.md, "Rooms that persist").
"""

from __future__ import annotations

import json
import sqlite3

from tui_chat.server.history.records import ChannelState

__all__ = ["load_all", "save"]


def save(conn: sqlite3.Connection, key: str, state: ChannelState) -> None:
    conn.execute(
        "INSERT OR REPLACE INTO channels (key, name, topic, topic_setter, topic_time_ms, modes) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        (
            key,
            state.name,
            state.topic,
            state.topic_setter,
            state.topic_time_ms,
            json.dumps(state.modes, sort_keys=True),
        ),
    )


def load_all(conn: sqlite3.Connection) -> list[ChannelState]:
    rows = conn.execute(
        "SELECT name, topic, topic_setter, topic_time_ms, modes FROM channels ORDER BY key"
    ).fetchall()
    return [
        ChannelState(name, topic, setter, time_ms, json.loads(modes))
        for name, topic, setter, time_ms, modes in rows
    ]
