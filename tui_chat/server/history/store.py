"""The SQLite file: where it lives, how it is opened, and its schema migrations.

The schema version is `PRAGMA user_version`: migration N (counting from 1)
brings a database from version N-1 to N. Opening a database applies the
missing ones in order, each in its own transaction, so a file of any earlier
version, or an empty one, ends up current. Never edit a released migration;
append a new one.

Ordering: within a conversation messages are ordered by (time_ms, seq), seq
being the insertion order; that order is total, so paging by msgid never
skips or repeats a message even when two share a millisecond.
"""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Literal

from platformdirs import user_data_dir

from tui_chat.server.history.config import BUSY_TIMEOUT_MS

__all__ = [
    "CHAT_ROWS",
    "DEFAULT_FILENAME",
    "EVENT_ROWS",
    "MEMORY",
    "MIGRATIONS",
    "PER_PORT_FILENAME",
    "Database",
    "connect",
    "default_history_db",
    "migrate",
    "schema_version",
]

MEMORY = ":memory:"
DEFAULT_FILENAME = "history.sqlite3"
# A server's default file, one per listening port: two servers on one machine
# never share rooms, while a `host` and a `serve` on the same port at
# different times are the same room and share it. `--db` overrides it.
PER_PORT_FILENAME = "history-{port}.sqlite3"


def default_history_db(port: int) -> str:
    """The history file of a server on `port` when none is given (for serve and host).

    Port 0 (a free port picked at random, so a restart is another server)
    keeps its history in memory.
    """
    if port == 0:
        return MEMORY
    return str(Path(user_data_dir("tui-chat")) / PER_PORT_FILENAME.format(port=port))


_V1_MESSAGES = """
CREATE TABLE conversations (
    id INTEGER PRIMARY KEY,
    key TEXT NOT NULL UNIQUE,
    party_a TEXT,
    party_b TEXT
);
CREATE INDEX conversations_party_a ON conversations (party_a) WHERE party_a IS NOT NULL;
CREATE INDEX conversations_party_b ON conversations (party_b) WHERE party_b IS NOT NULL;
CREATE TABLE messages (
    seq INTEGER PRIMARY KEY,
    msgid TEXT NOT NULL UNIQUE,
    conv_id INTEGER NOT NULL REFERENCES conversations (id),
    time_ms INTEGER NOT NULL,
    command TEXT NOT NULL,
    source TEXT NOT NULL,
    account TEXT,
    target TEXT NOT NULL,
    text TEXT,
    tags TEXT,
    idem TEXT
);
CREATE INDEX messages_by_time ON messages (conv_id, time_ms, seq);
CREATE UNIQUE INDEX messages_by_idem ON messages (conv_id, idem) WHERE idem IS NOT NULL;
"""

_V2_CHANNELS = """
CREATE TABLE channels (
    key TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    topic TEXT NOT NULL,
    topic_setter TEXT NOT NULL,
    topic_time_ms INTEGER NOT NULL,
    modes TEXT NOT NULL
) WITHOUT ROWID;
"""

# Accounts (tui_chat/server/accounts): `key` is the casefolded name.
# `password` is the scrypt verifier; `scram` the SCRAM-SHA-256 one, or NULL
# when SCRAM is off (docs/security.md says why it is opt-in).
_V3_ACCOUNTS = """
CREATE TABLE accounts (
    key TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    password TEXT NOT NULL,
    scram TEXT,
    email TEXT,
    created_ms INTEGER NOT NULL
) WITHOUT ROWID;
"""

# Moderation that survives a restart: server-wide bans (`kind`: address,
# mask or account) and channel list modes (b ban, q quiet...), each with an
# optional expiry.
_V4_MODERATION = """
CREATE TABLE server_bans (
    kind TEXT NOT NULL,
    mask TEXT NOT NULL,
    reason TEXT NOT NULL,
    set_by TEXT NOT NULL,
    set_at_ms INTEGER NOT NULL,
    expires_ms INTEGER,
    PRIMARY KEY (kind, mask)
) WITHOUT ROWID;
CREATE TABLE channel_lists (
    channel TEXT NOT NULL,
    mode TEXT NOT NULL,
    mask TEXT NOT NULL,
    set_by TEXT NOT NULL,
    set_at_ms INTEGER NOT NULL,
    expires_ms INTEGER,
    PRIMARY KEY (channel, mode, mask)
) WITHOUT ROWID;
"""


# Private history becomes accounts' (handlers/chathistory.py): a party is a
# folded account, or ":" + folded nick for a guest. Conversations filed under
# bare folded nicks (as the first releases did) would now
# belong to the account of that name: they are deleted, not handed over.
_V5_PRIVATE_BY_ACCOUNT = """
DELETE FROM messages WHERE conv_id IN (
    SELECT id FROM conversations
    WHERE party_a IS NOT NULL AND NOT (party_a LIKE ':%' AND party_b LIKE ':%')
);
DELETE FROM conversations
WHERE party_a IS NOT NULL AND NOT (party_a LIKE ':%' AND party_b LIKE ':%');
"""


# draft/event-playback: an event's parameters (JSON list), for those whose
# line is not `<target> :<text>`.
_V6_EVENT_PARAMS = """
ALTER TABLE messages ADD COLUMN params TEXT;
"""


# Retention keeps messages and events apart (events never evict a message):
# each kind walks and deletes along its own index. The planner uses a partial
# index only for a query holding its WHERE term verbatim: CHAT_ROWS and
# EVENT_ROWS below must stay these texts.
_V7_KIND_INDEXES = """
CREATE INDEX messages_chat ON messages (conv_id, time_ms, seq)
    WHERE command IN ('PRIVMSG', 'NOTICE');
CREATE INDEX messages_events ON messages (conv_id, time_ms, seq)
    WHERE command NOT IN ('PRIVMSG', 'NOTICE');
"""
# The rows a client without draft/event-playback is sent (queries.CHAT_COMMANDS)
# and the rest (channel events, TOPIC), as SQL the v7 indexes answer.
CHAT_ROWS = "command IN ('PRIVMSG', 'NOTICE')"
EVENT_ROWS = "command NOT IN ('PRIVMSG', 'NOTICE')"


# Who runs a room once it emptied (server/moderation/access.py): its founder's
# account and the accounts made op, all folded; `role` is 'founder' or 'op'.
_V8_CHANNEL_ACCESS = """
CREATE TABLE channel_access (
    channel TEXT NOT NULL,
    account TEXT NOT NULL,
    role TEXT NOT NULL,
    PRIMARY KEY (channel, account)
) WITHOUT ROWID;
"""


def _script(sql: str) -> Callable[[sqlite3.Connection], None]:
    def apply(conn: sqlite3.Connection) -> None:
        for statement in sql.split(";"):
            if statement.strip():
                conn.execute(statement)

    return apply


# Index i takes the schema from version i to i + 1. Append only.
MIGRATIONS: list[Callable[[sqlite3.Connection], None]] = [
    _script(_V1_MESSAGES),
    _script(_V2_CHANNELS),
    _script(_V3_ACCOUNTS),
    _script(_V4_MODERATION),
    _script(_V5_PRIVATE_BY_ACCOUNT),
    _script(_V6_EVENT_PARAMS),
    _script(_V7_KIND_INDEXES),
    _script(_V8_CHANNEL_ACCESS),
]


def schema_version(conn: sqlite3.Connection) -> int:
    version: int = conn.execute("PRAGMA user_version").fetchone()[0]
    return version


def migrate(
    conn: sqlite3.Connection,
    migrations: list[Callable[[sqlite3.Connection], None]] = MIGRATIONS,
) -> int:
    """Apply the migrations `conn` lacks; returns the version it ends at.

    A database newer than this code is refused rather than misread.
    """
    version = schema_version(conn)
    if version > len(migrations):
        raise RuntimeError(
            f"history database is schema version {version}, newer than this "
            f"tui-chat understands ({len(migrations)})"
        )
    for target, step in enumerate(migrations[version:], start=version + 1):
        # executescript would commit on its own; explicit BEGIN keeps each
        # step and its version bump one transaction.
        conn.execute("BEGIN IMMEDIATE")
        try:
            step(conn)
            conn.execute(f"PRAGMA user_version = {target:d}")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
    return len(migrations)


class Database:
    """Where the history lives: a file path, or a private in-memory database.

    `None` means the platform data dir (`user_data_dir("tui-chat")`). Every
    `connect()` of an in-memory `Database` reaches the same data (a named
    shared-cache database), which lives while a connection to it is open.
    """

    def __init__(self, path: str | Path | None = None) -> None:
        if path is None:
            path = Path(user_data_dir("tui-chat")) / DEFAULT_FILENAME
        self.memory = str(path) == MEMORY
        if self.memory:
            self.uri = f"file:tui-chat-history-{uuid.uuid4().hex}?mode=memory&cache=shared"
            self.path: Path | None = None
        else:
            self.path = Path(path)
            self.uri = self.path.resolve().as_uri()

    def __repr__(self) -> str:
        return f"Database({MEMORY if self.path is None else str(self.path)!r})"


def connect(
    db: Database,
    *,
    readonly: bool = False,
    synchronous: Literal["FULL", "NORMAL"] = "FULL",
    busy_timeout_ms: int = BUSY_TIMEOUT_MS,
) -> sqlite3.Connection:
    """A connection in autocommit mode (transactions are explicit), WAL journal."""
    if db.path is not None and not readonly:
        db.path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(
        db.uri,
        uri=True,
        isolation_level=None,
        check_same_thread=False,
        timeout=busy_timeout_ms / 1000,
    )
    try:
        if db.memory:
            # Shared-cache tables lock per table; readers would otherwise fail
            # with SQLITE_LOCKED while the writer holds a transaction.
            conn.execute("PRAGMA read_uncommitted = 1")
        elif not readonly:
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute(f"PRAGMA synchronous = {synchronous}")
        if readonly:
            conn.execute("PRAGMA query_only = 1")
    except BaseException:
        conn.close()  # e.g. the file is not a database
        raise
    return conn
