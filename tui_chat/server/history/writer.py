"""The writer thread: every write to the store, batched, off the event loop.

The core calls `submit(conversation, record, on_done)` and relays the
message only when `on_done` reports it stored: "store, then fan out when
committed". That is what makes the durability promise hold: a message any
client received is already committed (synchronous=FULL: synced to disk).

Group commit: the thread takes everything queued (up to
`batch_max_messages`) into one transaction; while that commit syncs, new
messages queue up and form the next batch. A lone message is committed at
once; under load one sync serves hundreds of messages.

A batch's records go in with a few multi-row INSERTs rather than one each
(`_insert_run`). Every statement releases the GIL while SQLite runs it and
must take it back from a busy event loop after: with one statement per
record, a saturated loop stretched each record to ~80 µs of wall time for
~14 µs of CPU, far behind the traffic, and the queue grew to 40,000 writes
in 3 s of churn (docs/benchmarks.md).

`on_done` callbacks of one batch are handed together to `deliver`, once per
batch: pass the event loop's `call_soon_threadsafe` and they all run on the
loop thread after a single wake-up. The default runs them on the writer
thread itself (for code without a loop).
"""

from __future__ import annotations

import contextlib
import json
import logging
import queue
import sqlite3
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from tui_chat.irc.casemap import casefold
from tui_chat.server.history import channel_state
from tui_chat.server.history.config import HistoryConfig
from tui_chat.server.history.records import (
    ChannelState,
    Conversation,
    HistoryRecord,
    StoreResult,
    StoreStatus,
)
from tui_chat.server.history.retention import RetentionSweeper
from tui_chat.server.history.store import Database, connect, migrate

__all__ = ["OVERLOADED", "Deliver", "HistoryWriter", "OnStored", "run_now"]

log = logging.getLogger("tui_chat.server.history")

OnStored = Callable[[StoreResult], None]
# StoreResult.error of a message refused because too many writes are pending.
OVERLOADED = "history store overloaded"
Deliver = Callable[[Callable[[], None]], object]


def run_now(callbacks: Callable[[], None]) -> None:
    callbacks()


# The columns of a stored record, in the order `_row` gives them.
_COLUMNS = "msgid, conv_id, time_ms, command, source, account, target, text, tags, idem, params"
_ROW = "(" + ", ".join("?" * len(_COLUMNS.split(", "))) + ")"
# Rows in the largest INSERT statement. A run of records goes in as statements
# of 256, 128, ..., 1 rows, so at most 9 distinct texts are ever prepared (and
# kept in the connection's statement cache) and a statement stays far below
# SQLite's 32,766 bound variables.
_MAX_ROWS_PER_INSERT = 256


def _insert_sql(rows: int) -> str:
    return f"INSERT OR IGNORE INTO messages ({_COLUMNS}) VALUES " + ", ".join([_ROW] * rows)


@dataclass(slots=True)
class _Insert:
    """A record to store, with the sender's idempotency key if it gave one."""

    conversation: Conversation
    record: HistoryRecord
    idem: str | None


@dataclass(slots=True)
class _Write:
    # What to do in the transaction: a record to insert (with the batch's
    # other records), or any other change.
    op: _Insert | Callable[[sqlite3.Connection], StoreResult]
    on_done: OnStored | None
    msgid: str = ""
    # Run `on_done` on the writer thread rather than through `deliver`.
    direct: bool = False


_STOP = None


class HistoryWriter:
    """Owns the one read-write connection and the thread that uses it."""

    def __init__(
        self,
        db: Database,
        config: HistoryConfig | None = None,
        *,
        deliver: Deliver = run_now,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.config = config or HistoryConfig()
        # Opened and migrated here, so a bad path or a too-new schema fails
        # the caller at once instead of the thread later.
        self._conn = connect(
            db,
            synchronous=self.config.synchronous,
            busy_timeout_ms=self.config.busy_timeout_ms,
        )
        try:
            migrate(self._conn)
        except BaseException:
            self._conn.close()
            raise
        self._deliver = deliver
        self._queue: queue.SimpleQueue[_Write | None] = queue.SimpleQueue()
        self._conversations: dict[str, int] = {}
        self.retention = RetentionSweeper(self.config, clock)
        self.batches = 0  # committed batches, for tests and the benchmark
        self._closed = False
        # A daemon, so a server that never called close() still exits; that
        # loses nothing anyone was told about, as results follow commits.
        self._thread = threading.Thread(
            target=self._run, name="tui-chat-history-writer", daemon=True
        )
        self._thread.start()

    # -- the core's API (any thread) ------------------------------------------

    def submit(
        self,
        conversation: Conversation,
        record: HistoryRecord,
        on_done: OnStored | None = None,
        *,
        idempotency_key: str | None = None,
    ) -> None:
        """Queue `record`; `on_done` gets its StoreResult once its batch committed.

        With an `idempotency_key` (the client's, e.g. from a client-only tag),
        a second message from the same sender (account, else folded nick) with
        the same key in the same conversation is not stored: its result is
        DUPLICATE with the first copy's msgid, time and text.

        With `max_pending_writes` already queued the record is refused at
        once: `on_done` gets FAILED with error OVERLOADED (through `deliver`).
        """
        if self._queue.qsize() >= self.config.max_pending_writes:
            if on_done is not None:
                refused = StoreResult(StoreStatus.FAILED, record.msgid, OVERLOADED)
                self._deliver(partial(_call_all, [(on_done, refused)]))
            return
        idem = None
        if idempotency_key is not None:
            sender = record.account or casefold(record.source.partition("!")[0])
            idem = f"{sender}\x1f{idempotency_key}"
        self._put(_Write(_Insert(conversation, record, idem), on_done, record.msgid))

    def save_channel(self, state: ChannelState) -> None:
        """Remember a channel's topic and modes (after any change to them)."""
        key = casefold(state.name)
        self._put_change(lambda conn: channel_state.save(conn, key, state))

    def apply(
        self,
        change: Callable[[sqlite3.Connection], None],
        on_done: OnStored | None = None,
    ) -> None:
        """Run `change` in the writer's next transaction; `on_done` once it committed.

        For the store's other tables (accounts, bans): rare writes that must
        not sync the disk on the event loop. `change` reports expected
        outcomes (a name already taken) through its own closure, e.g. from
        `cursor.rowcount` after INSERT OR IGNORE; an exception fails only
        this write (`on_done` gets FAILED with the error).
        """
        self._put(_Write(partial(_change_op, change), on_done))

    def after_pending(self, then: Callable[[], None]) -> None:
        """Call `then` (through `deliver`) once everything submitted before is committed.

        For what is relayed but not stored (JOIN, PART, NICK, QUIT...): sent
        from here it cannot overtake a message that is still being stored, so
        everyone sees "hi" before "alice left". With nothing pending it waits
        for no disk sync (an empty transaction writes nothing).
        """
        self._put(_Write(partial(_change_op, _no_change), lambda _result: then()))

    def flush(self, timeout: float | None = None) -> bool:
        """Block until everything submitted so far is committed; False on timeout."""
        done = threading.Event()
        # Direct: a caller on the event loop thread would otherwise wait for
        # a callback that needs that very loop.
        marker = _Write(partial(_change_op, _no_change), lambda _result: done.set(), direct=True)
        self._put(marker)
        return done.wait(timeout)

    def close(self) -> None:
        """Commit what is queued, stop the thread, close the connection. Idempotent."""
        self._closed = True
        if self._thread.is_alive():
            self._queue.put(_STOP)
            self._thread.join()

    def _put_change(self, change: Callable[[sqlite3.Connection], None]) -> None:
        self._put(_Write(partial(_change_op, change), None))

    def _put(self, write: _Write) -> None:
        if self._closed:
            # Queued after the stop, it would wait forever for its callback.
            raise RuntimeError("the history writer is closed")
        self._queue.put(write)

    # -- the writer thread ----------------------------------------------------

    def _run(self) -> None:
        try:
            while True:
                try:
                    first = self._queue.get(timeout=self.retention.seconds_until_due())
                except queue.Empty:
                    self._retention_step()
                    continue
                if first is _STOP:
                    break
                batch = [first]
                stop = self._fill(batch)
                self._commit(batch)
                if stop:
                    break
                if self.retention.seconds_until_due() == 0.0:
                    self._retention_step()
        finally:
            self._conn.close()

    def _fill(self, batch: list[_Write]) -> bool:
        """Add what is queued to `batch`; True when a stop request was among it."""
        limit = self.config.batch_max_messages
        deadline = time.monotonic() + self.config.batch_linger_seconds
        while len(batch) < limit:
            wait = deadline - time.monotonic()
            try:
                item = self._queue.get(timeout=wait) if wait > 0 else self._queue.get_nowait()
            except queue.Empty:
                return False
            if item is _STOP:
                return True
            batch.append(item)
        return False

    def _commit(self, batch: list[_Write]) -> None:
        conn = self._conn
        try:
            lone = batch[0].op if len(batch) == 1 else None
            if isinstance(lone, _Insert) and lone.conversation.key in self._conversations:
                # One statement is its own transaction: BEGIN and COMMIT would
                # be two more GIL hand-overs for the same sync to disk.
                results = self._insert_chunk([lone])
            else:
                conn.execute("BEGIN IMMEDIATE")
                results = self._apply_all(batch)
                if not conn.in_transaction:
                    # Some errors (disk full, I/O) make SQLite roll the whole
                    # transaction back: then nothing of the batch is stored.
                    raise sqlite3.OperationalError("SQLite rolled the batch back")
                conn.execute("COMMIT")
        except sqlite3.Error as error:
            log.error("history: a batch of %d writes failed: %s", len(batch), error)
            self._rollback()
            # Ids of conversations created in the lost transaction are void.
            self._conversations.clear()
            results = [StoreResult(StoreStatus.FAILED, w.msgid, str(error)) for w in batch]
        self.batches += 1
        callbacks: list[tuple[OnStored, StoreResult]] = []
        direct: list[tuple[OnStored, StoreResult]] = []
        for write, result in zip(batch, results, strict=True):
            if write.on_done is not None:
                (direct if write.direct else callbacks).append((write.on_done, result))
        if callbacks:
            try:
                self._deliver(partial(_call_all, callbacks))
            except RuntimeError as error:
                # The loop closed before the writer: nobody is left to tell.
                log.warning("history: results of a batch undelivered: %s", error)
        # Last, so that with the default `deliver` a flush() returns after
        # the batch's callbacks ran.
        _call_all(direct)

    def _apply_all(self, batch: list[_Write]) -> list[StoreResult]:
        """Each write's result, in order; consecutive records inserted together."""
        results: list[StoreResult] = []
        run: list[_Insert] = []
        for write in batch:
            if isinstance(write.op, _Insert):
                run.append(write.op)
                continue
            if run:
                results += self._insert_run(run)
                run = []
            results.append(self._apply(write.op, write.msgid))
        if run:
            results += self._insert_run(run)
        return results

    def _apply(self, op: Callable[[sqlite3.Connection], StoreResult], msgid: str) -> StoreResult:
        try:
            return op(self._conn)
        except Exception as error:
            # One bad write must not sink the batch nor stop the thread:
            # SQLite undid just that statement.
            log.exception("history: a write failed")
            return StoreResult(StoreStatus.FAILED, msgid, str(error))

    def _insert_run(self, run: list[_Insert]) -> list[StoreResult]:
        """Insert `run` with as few statements as its length allows."""
        results: list[StoreResult] = []
        start = 0
        while start < len(run):
            size = min(_MAX_ROWS_PER_INSERT, 1 << ((len(run) - start).bit_length() - 1))
            results += self._insert_chunk(run[start : start + size])
            start += size
        return results

    def _insert_chunk(self, chunk: list[_Insert]) -> list[StoreResult]:
        conn = self._conn
        try:
            convs = [self._conversation_id(conn, insert.conversation) for insert in chunk]
            params = [
                value
                for insert, conv in zip(chunk, convs, strict=True)
                for value in _row(insert, conv)
            ]
            inserted = conn.execute(_insert_sql(len(chunk)), params).rowcount
        except Exception as error:
            if isinstance(error, sqlite3.Error) and not conn.in_transaction:
                # SQLite rolled the whole batch back (disk full, I/O): record
                # by record, the rest would each commit on their own.
                raise
            if len(chunk) > 1:
                # The statement was undone as a whole: find the bad record
                # alone, so the others are still stored.
                return [result for insert in chunk for result in self._insert_chunk([insert])]
            log.exception("history: a write failed")
            return [StoreResult(StoreStatus.FAILED, chunk[0].record.msgid, str(error))]
        if inserted == len(chunk):
            return [StoreResult(StoreStatus.STORED, insert.record.msgid) for insert in chunk]
        # Some were ignored (a resend, or a msgid already stored). The rows this
        # statement added are the last `inserted` seqs, in the order of its
        # VALUES: INTEGER PRIMARY KEY values are handed out in order, each
        # above the largest so far. Matched in order by (msgid, conversation,
        # key), which a record shares only with a copy that was refused too.
        last = conn.execute("SELECT last_insert_rowid()").fetchone()[0]
        added = deque(
            conn.execute(
                "SELECT msgid, conv_id, idem FROM messages WHERE seq > ? AND seq <= ? ORDER BY seq",
                (last - inserted, last),
            )
            if inserted
            else ()
        )
        results = []
        for insert, conv in zip(chunk, convs, strict=True):
            if added and added[0] == (insert.record.msgid, conv, insert.idem):
                added.popleft()
                results.append(StoreResult(StoreStatus.STORED, insert.record.msgid))
            else:
                results.append(self._not_inserted(conn, insert, conv))
        return results

    @staticmethod
    def _not_inserted(conn: sqlite3.Connection, insert: _Insert, conv: int) -> StoreResult:
        if insert.idem is not None:
            row = conn.execute(
                "SELECT msgid, time_ms, text FROM messages WHERE conv_id = ? AND idem = ?",
                (conv, insert.idem),
            ).fetchone()
            if row is not None:
                return StoreResult(StoreStatus.DUPLICATE, row[0], time_ms=row[1], text=row[2])
        return StoreResult(StoreStatus.FAILED, insert.record.msgid, "msgid already stored")

    def _retention_step(self) -> None:
        try:
            self.retention.step(self._conn)
        except Exception as error:
            log.error("history: retention step failed: %s", error)
            self._rollback()

    def _rollback(self) -> None:
        """End a failed transaction, so the next batch can begin one."""
        if self._conn.in_transaction:
            with contextlib.suppress(sqlite3.Error):
                self._conn.execute("ROLLBACK")

    def _conversation_id(self, conn: sqlite3.Connection, conversation: Conversation) -> int:
        conv = self._conversations.get(conversation.key)
        if conv is None:
            low, high = conversation.parties or (None, None)
            conn.execute(
                "INSERT OR IGNORE INTO conversations (key, party_a, party_b) VALUES (?, ?, ?)",
                (conversation.key, low, high),
            )
            conv = conn.execute(
                "SELECT id FROM conversations WHERE key = ?", (conversation.key,)
            ).fetchone()[0]
            self._conversations[conversation.key] = conv
        return conv


def _row(insert: _Insert, conv: int) -> tuple[object, ...]:
    record = insert.record
    return (
        record.msgid,
        conv,
        record.time_ms,
        record.command,
        record.source,
        record.account,
        record.target,
        record.text,
        json.dumps(record.tags) if record.tags else None,
        insert.idem,
        None if record.params is None else json.dumps(record.params),
    )


def _no_change(_conn: sqlite3.Connection) -> None:
    pass


def _change_op(
    change: Callable[[sqlite3.Connection], None], conn: sqlite3.Connection
) -> StoreResult:
    change(conn)
    return StoreResult(StoreStatus.STORED, "")


def _call_all(callbacks: list[tuple[OnStored, StoreResult]]) -> None:
    for on_done, result in callbacks:
        try:
            on_done(result)
        except Exception:
            # A failing callback is the caller's bug; the others still run.
            log.exception("history: a store callback failed")
