"""The writer thread: group commit, results on the event loop, idempotency keys."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from tui_chat.server.history import (
    Conversation,
    History,
    HistoryConfig,
    HistoryRequest,
    StoreResult,
    StoreStatus,
    parse_request,
)
from tui_chat.server.history.writer import OVERLOADED

from .helpers import BASE_MS, LOBBY, record, store_all

OpenHistory = Callable[..., History]
TIMEOUT = 10.0


def test_many_messages_share_few_commits(history: History) -> None:
    results = store_all(history, LOBBY, [record(f"b{i}", BASE_MS + i) for i in range(2000)])
    assert [r.status for r in results] == [StoreStatus.STORED] * 2000
    assert [r.msgid for r in results] == [f"b{i}" for i in range(2000)]
    # 2000 writes submitted faster than a commit syncs: far fewer batches.
    assert history.writer.batches < 200


def test_batches_never_exceed_the_configured_size(open_history: OpenHistory) -> None:
    history = open_history(batch_max_messages=10)
    gate = threading.Event()
    # Hold the writer inside the first batch's callback so the rest queue up.
    history.writer.submit(LOBBY, record("first", BASE_MS), lambda _r: gate.wait(TIMEOUT))
    for i in range(95):
        history.writer.submit(LOBBY, record(f"n{i}", BASE_MS + 1 + i))
    gate.set()
    assert history.writer.flush(TIMEOUT)
    # 97 writes (the flush marker included), nearly all queued at once: with no
    # cap they would take two or three batches, with a cap of 10 at least ten.
    assert history.writer.batches >= 10


async def test_results_arrive_on_the_event_loop(db_path: Path) -> None:
    loop = asyncio.get_running_loop()
    history = History.open(db_path, deliver=loop.call_soon_threadsafe)
    try:
        futures = []
        for i in range(50):
            future: asyncio.Future[tuple[StoreResult, threading.Thread]] = loop.create_future()

            def done(result: StoreResult, future: asyncio.Future = future) -> None:  # type: ignore[type-arg]
                future.set_result((result, threading.current_thread()))

            history.writer.submit(LOBBY, record(f"e{i}", BASE_MS + i), done)
            futures.append(future)
        async with asyncio.timeout(TIMEOUT):
            outcomes = await asyncio.gather(*futures)
        assert [result.msgid for result, _ in outcomes] == [f"e{i}" for i in range(50)]
        assert {thread for _, thread in outcomes} == {threading.current_thread()}
        # flush on the loop thread itself must not wait for the loop.
        history.writer.submit(LOBBY, record("last", BASE_MS + 99), lambda _r: None)
        assert history.writer.flush(TIMEOUT)
    finally:
        await asyncio.to_thread(history.close)


def test_a_resent_message_is_a_duplicate_of_the_first(history: History) -> None:
    first = store_all(history, LOBBY, [record("orig", BASE_MS)], idempotency_key="k1")
    again = store_all(history, LOBBY, [record("resent", BASE_MS + 5)], idempotency_key="k1")
    assert first == [StoreResult(StoreStatus.STORED, "orig")]
    # The resend is told what was stored: the first copy's msgid, time and words.
    assert again == [
        StoreResult(StoreStatus.DUPLICATE, "orig", time_ms=BASE_MS, text="text of orig")
    ]


def test_duplicates_inside_one_batch_are_caught_too(history: History) -> None:
    results = store_all(
        history, LOBBY, [record("one", BASE_MS), record("two", BASE_MS + 1)], idempotency_key="k"
    )
    assert results == [
        StoreResult(StoreStatus.STORED, "one"),
        StoreResult(StoreStatus.DUPLICATE, "one", time_ms=BASE_MS, text="text of one"),
    ]


def test_idempotency_keys_are_per_sender_and_conversation(history: History) -> None:
    other_room = Conversation.channel("#other")
    results = [
        *store_all(history, LOBBY, [record("a", BASE_MS)], idempotency_key="k"),
        # Same nick in another case: the same sender.
        *store_all(history, LOBBY, [record("A", BASE_MS, source="ALICE!x@y")], idempotency_key="k"),
        *store_all(history, LOBBY, [record("b", BASE_MS, source="bob!b@h")], idempotency_key="k"),
        *store_all(
            history, other_room, [record("c", BASE_MS, target="#other")], idempotency_key="k"
        ),
        # An account identifies the sender whatever its nick.
        *store_all(history, LOBBY, [record("d", BASE_MS, account="acct")], idempotency_key="k"),
        *store_all(
            history,
            LOBBY,
            [record("e", BASE_MS, source="zed!z@z", account="acct")],
            idempotency_key="k",
        ),
    ]
    assert [(r.status.value, r.msgid) for r in results] == [
        ("stored", "a"),
        ("duplicate", "a"),
        ("stored", "b"),
        ("stored", "c"),
        ("stored", "d"),
        ("duplicate", "d"),
    ]


def test_a_reused_msgid_fails_alone_without_sinking_its_batch(history: History) -> None:
    results = store_all(
        history,
        LOBBY,
        [record("same", BASE_MS), record("same", BASE_MS + 1), record("ok", BASE_MS)],
    )
    assert [r.status for r in results] == [
        StoreStatus.STORED,
        StoreStatus.FAILED,
        StoreStatus.STORED,
    ]


def test_a_failing_callback_does_not_stop_the_writer(history: History) -> None:
    def explode(_result: StoreResult) -> None:
        raise RuntimeError("callback bug")

    history.writer.submit(LOBBY, record("x", BASE_MS), explode)
    assert store_all(history, LOBBY, [record("y", BASE_MS + 1)])[0].status is StoreStatus.STORED


def test_normal_synchronous_mode_is_available(open_history: OpenHistory) -> None:
    history = open_history(synchronous="NORMAL")
    assert store_all(history, LOBBY, [record("n", BASE_MS)])[0].status is StoreStatus.STORED
    assert isinstance(history.config, HistoryConfig)


def test_a_write_that_raises_fails_alone_and_the_writer_goes_on(history: History) -> None:
    unstorable = record("bad", BASE_MS, tags={"+x": object()})  # type: ignore[dict-item]
    results = store_all(
        history, LOBBY, [record("ok1", BASE_MS), unstorable, record("ok2", BASE_MS)]
    )
    assert [r.status for r in results] == [
        StoreStatus.STORED,
        StoreStatus.FAILED,
        StoreStatus.STORED,
    ]
    assert store_all(history, LOBBY, [record("later", BASE_MS)])[0].status is StoreStatus.STORED


def test_one_batch_of_many_records_keeps_each_result_and_the_order(
    history: History, db_path: Path
) -> None:
    gate = threading.Event()
    # Hold the writer in the first batch's callback, so that all the rest,
    # more records than one INSERT statement takes, form one batch.
    history.writer.submit(LOBBY, record("first", BASE_MS), lambda _r: gate.wait(TIMEOUT))
    results: list[StoreResult] = []
    submitted = []
    for i in range(600):
        if i == 300:
            item, key = record("first", BASE_MS), None  # a msgid already stored
        elif i == 450:
            item, key = record("bad", BASE_MS, tags={"+x": object()}), None  # type: ignore[dict-item]
        else:
            # Every tenth record is a resend of the record before it.
            item, key = record(f"m{i}", BASE_MS + i), f"k{i - (i % 10 == 9)}"
        submitted.append(item.msgid)
        history.writer.submit(LOBBY, item, results.append, idempotency_key=key)
    batches_before = history.writer.batches
    gate.set()
    assert history.writer.flush(TIMEOUT)
    assert history.writer.batches - batches_before <= 3

    statuses = [r.status for r in results]
    expected = [
        StoreStatus.FAILED
        if i in (300, 450)
        else StoreStatus.DUPLICATE
        if i % 10 == 9
        else StoreStatus.STORED
        for i in range(600)
    ]
    assert statuses == expected
    # A resend is answered with the msgid of the copy that was stored.
    assert [r.msgid for r in results[8:10]] == ["m8", "m8"]
    with sqlite3.connect(db_path) as conn:
        stored = [row[0] for row in conn.execute("SELECT msgid FROM messages ORDER BY seq")]
    assert stored == ["first"] + [
        msgid
        for msgid, status in zip(submitted, expected, strict=True)
        if status is StoreStatus.STORED
    ]


def test_a_batch_fails_whole_when_the_database_refuses_it(open_history: OpenHistory) -> None:
    history = open_history(busy_timeout_ms=50)
    store_all(history, LOBBY, [record("first", BASE_MS)])
    # Another connection holding the write lock past the busy timeout: the batch
    # cannot begin, every write in it is reported FAILED, and the writer
    # recovers once the lock is gone.
    blocker = sqlite3.connect(history.db.path, timeout=0)  # type: ignore[arg-type]
    blocker.execute("BEGIN IMMEDIATE")
    results = store_all(history, LOBBY, [record("blocked1", BASE_MS), record("blocked2", BASE_MS)])
    assert {r.status for r in results} == {StoreStatus.FAILED}
    blocker.rollback()
    blocker.close()
    assert store_all(history, LOBBY, [record("after", BASE_MS)])[0].status is StoreStatus.STORED


def test_submitting_after_close_is_an_error(history: History) -> None:
    history.close()
    with pytest.raises(RuntimeError, match="closed"):
        history.writer.submit(LOBBY, record("late", BASE_MS))


def test_events_after_pending_keep_their_place_behind_stored_messages(history: History) -> None:
    seen: list[str] = []
    for i in range(300):
        history.writer.submit(LOBBY, record(f"o{i}", BASE_MS + i), lambda r: seen.append(r.msgid))
        if i % 100 == 99:
            history.writer.after_pending(lambda i=i: seen.append(f"event after o{i}"))
    assert history.writer.flush(TIMEOUT)
    expected: list[str] = []
    for i in range(300):
        expected.append(f"o{i}")
        if i % 100 == 99:
            expected.append(f"event after o{i}")
    assert seen == expected


def test_readers_see_whole_batches_while_the_writer_runs(history: History) -> None:
    total = 3000
    done = threading.Event()

    def write() -> None:
        for i in range(total):
            history.writer.submit(LOBBY, record(f"c{i:05d}", BASE_MS + i))
        history.writer.flush(TIMEOUT)
        done.set()

    threading.Thread(target=write).start()
    request = parse_request(["LATEST", "#lobby", "*", "50"], 50)
    assert isinstance(request, HistoryRequest)
    looks = 0
    while not done.is_set() or looks < 3:
        got = [r.msgid for r in history.reader.fetch(LOBBY, request).result(timeout=TIMEOUT)]
        if got:
            # Always the newest messages, contiguous: no gap, no half batch.
            last = int(got[-1][1:])
            assert got == [f"c{i:05d}" for i in range(max(0, last - 49), last + 1)]
        looks += 1
    assert done.wait(TIMEOUT)


def test_past_the_pending_limit_messages_are_refused_not_queued(open_history: OpenHistory) -> None:
    history = open_history(max_pending_writes=10)
    gate = threading.Event()
    results: list[StoreResult] = []
    # Hold the writer so that everything after the first write queues up.
    history.writer.submit(LOBBY, record("held", BASE_MS), lambda _r: gate.wait(TIMEOUT))
    for i in range(30):
        history.writer.submit(LOBBY, record(f"q{i}", BASE_MS + 1 + i), results.append)
    refused = [r for r in results if r.status is StoreStatus.FAILED]
    assert len(refused) >= 30 - 10
    assert {r.error for r in refused} == {OVERLOADED}
    gate.set()
    assert history.writer.flush(TIMEOUT)
    stored = [r for r in results if r.status is StoreStatus.STORED]
    assert len(stored) + len(refused) == 30
    assert 0 < len(stored) <= 10


def test_apply_runs_a_change_in_a_batch_and_reports_after_commit(history: History) -> None:
    results: list[StoreResult] = []
    done = threading.Semaphore(0)

    def add_ban(conn: sqlite3.Connection) -> None:
        conn.execute(
            "INSERT INTO server_bans (kind, mask, reason, set_by, set_at_ms) "
            "VALUES ('address', '192.0.2.0/24', 'spam', 'op', 1)"
        )

    def then(result: StoreResult) -> None:
        results.append(result)
        done.release()

    history.writer.apply(add_ban, then)
    history.writer.apply(add_ban, then)
    assert done.acquire(timeout=TIMEOUT) and done.acquire(timeout=TIMEOUT)
    assert results[0].status is StoreStatus.STORED
    # The same primary key twice: the second write fails alone, with the error.
    assert results[1].status is StoreStatus.FAILED
    assert "UNIQUE" in results[1].error
