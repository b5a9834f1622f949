"""Channels' topics and modes, kept so a restarted server has its rooms back.

The writer thread calls `save` and `forget` inside its batches, in order with
the messages; the core calls `load_all` once at start-up, before serving.
"""

from __future__ import annotations

import json
import sqlite3

from tui_chat.server.history.records import ChannelState

__all__ = ["forget", "load_all", "save"]


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


def forget(conn: sqlite3.Connection, key: str) -> None:
    conn.execute("DELETE FROM channels WHERE key = ?", (key,))


def load_all(conn: sqlite3.Connection) -> list[ChannelState]:
    rows = conn.execute(
        "SELECT name, topic, topic_setter, topic_time_ms, modes FROM channels ORDER BY key"
    ).fetchall()
    return [
        ChannelState(name, topic, setter, time_ms, json.loads(modes))
        for name, topic, setter, time_ms, modes in rows
    ]
