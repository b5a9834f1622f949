"""Every limit of the message store, with its default and how to change it.

Each constant is the default of the `HistoryConfig` field of the same name in
lower case (`CHATHISTORY_LIMIT` -> `config.chathistory_limit`); change one by
passing that field, e.g. `HistoryConfig(retention_max_age_days=30)`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

# Most messages one CHATHISTORY command returns; advertised as the
# CHATHISTORY ISUPPORT token. Larger requests are cut to it.
CHATHISTORY_LIMIT = 100
# Room messages replayed on JOIN to a client that did not negotiate
# draft/chathistory (one that did asks itself); 0 turns the replay off.
JOIN_REPLAY_MESSAGES = 20
# Rooms whose last JOIN_REPLAY_MESSAGES stored messages are also kept in
# memory, so a join replay is answered without a read on the store's thread
# pool (the least recently written room is dropped first); 0 always reads.
REPLAY_CACHE_ROOMS = 1000
# Most writes committed in one transaction (group commit). Whatever queued
# up while the previous commit was syncing goes into the next one, up to this.
BATCH_MAX_MESSAGES = 1000
# Writes queued and not yet committed, at most. Past it (a disk far slower
# than the traffic) a message is refused (StoreStatus.FAILED) at once rather
# than queued, so the server's memory stays bounded.
MAX_PENDING_WRITES = 50_000
# How long the writer waits for more writes after the first of a batch.
# 0 commits at once: under load batches form by themselves while the previous
# commit syncs, and a lone message pays no extra latency.
BATCH_LINGER_SECONDS = 0.0
# FULL syncs the WAL on every commit, so a message survives power loss once
# committed; NORMAL survives a killed process but may lose the last commits
# on power loss. The promise "a message any client received is stored" needs FULL.
SYNCHRONOUS: Literal["FULL", "NORMAL"] = "FULL"
# Keep channel events (JOIN, PART, KICK, QUIT, NICK, MODE) for
# draft/event-playback (about 70 bytes each on disk); False stores messages
# and topics only. Events have their own retention limits below.
KEEP_EVENTS = True
# Messages (PRIVMSG, NOTICE) older than this are deleted; 0 keeps them forever.
RETENTION_MAX_AGE_DAYS = 365
# Newest messages (PRIVMSG, NOTICE) kept per channel or private conversation;
# 0 means no cap. Events never count towards it, so one member cycling nicks
# or a flapping connection cannot push a room's messages out.
RETENTION_MAX_PER_TARGET = 100_000
# Events (JOIN, PART, KICK, QUIT, NICK, MODE, TOPIC) older than this are
# deleted; 0 keeps them forever. Shorter than messages': playback of who came
# and went matters for days, what was said for longer.
RETENTION_EVENT_MAX_AGE_DAYS = 30
# Newest events kept per channel; 0 means no cap. It bounds what a storm of
# events costs (a NICK flip every half second fills it in under 2 hours, at
# about 0.7 MB per room), and such a storm only pushes out older events.
RETENTION_MAX_EVENTS_PER_TARGET = 10_000
# Rows one retention step deletes in its own short transaction, so a sweep
# never holds up message writes for more than a few milliseconds.
RETENTION_CHUNK_ROWS = 500
# Index entries one retention step walks while looking for the oldest message
# (or event) a conversation keeps under its cap (about a millisecond).
RETENTION_SCAN_ROWS = 2_000
# Seconds between retention sweeps.
RETENTION_INTERVAL_SECONDS = 60.0
# Threads (each with its own read connection) answering CHATHISTORY.
READ_THREADS = 2
# How long a connection waits for a lock another process holds (a backup, a
# sqlite3 shell) before the batch fails, in milliseconds.
BUSY_TIMEOUT_MS = 5000


@dataclass(frozen=True)
class HistoryConfig:
    chathistory_limit: int = CHATHISTORY_LIMIT
    join_replay_messages: int = JOIN_REPLAY_MESSAGES
    replay_cache_rooms: int = REPLAY_CACHE_ROOMS
    batch_max_messages: int = BATCH_MAX_MESSAGES
    max_pending_writes: int = MAX_PENDING_WRITES
    batch_linger_seconds: float = BATCH_LINGER_SECONDS
    synchronous: Literal["FULL", "NORMAL"] = SYNCHRONOUS
    keep_events: bool = KEEP_EVENTS
    retention_max_age_days: float = RETENTION_MAX_AGE_DAYS
    retention_max_per_target: int = RETENTION_MAX_PER_TARGET
    retention_event_max_age_days: float = RETENTION_EVENT_MAX_AGE_DAYS
    retention_max_events_per_target: int = RETENTION_MAX_EVENTS_PER_TARGET
    retention_chunk_rows: int = RETENTION_CHUNK_ROWS
    retention_scan_rows: int = RETENTION_SCAN_ROWS
    retention_interval_seconds: float = RETENTION_INTERVAL_SECONDS
    read_threads: int = READ_THREADS
    busy_timeout_ms: int = BUSY_TIMEOUT_MS
