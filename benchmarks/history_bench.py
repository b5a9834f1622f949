"""Benchmark of the message store (issue 4): write throughput, commit latency,
CHATHISTORY latency at a million stored messages, database size per million.

Run from the repository root:

    .venv/bin/python benchmarks/history_bench.py [--messages 1000000] [--dir DIR]

Prints a table, then one JSON line with every figure. The database goes into a
temporary directory (removed afterwards) unless `--dir` is given.

What is measured:
- fill: N messages submitted through the writer thread (synchronous=FULL, group
  commit) with at most `IN_FLIGHT` uncommitted, as the core would: messages/s,
  the mean batch size and the process CPU time per message. 70% go to one
  busy room, the rest to 50 other rooms and 200 private conversations.
- commit latency: submit -> "committed" callback, at a low rate (each message
  its own commit) and a high one (batches form), for FULL and NORMAL.
- queries: LATEST *, BEFORE, AFTER, AROUND, BETWEEN (limit 100) at random
  msgids of the busy room, and TARGETS, each through the reader pool (thread
  hop included): p50 and p99 in milliseconds.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sqlite3
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path

from tui_chat.server.history import (
    Conversation,
    History,
    HistoryConfig,
    HistoryRecord,
    StoreResult,
    StoreStatus,
    format_time,
    parse_request,
)

DEFAULT_MESSAGES = 1_000_000
DEFAULT_QUERIES = 200
# Uncommitted messages at most during the fill, like a core waiting on commits.
IN_FLIGHT = 10_000
ROOMS = 50
PRIVATE_PAIRS = 200
BUSY_SHARE = 0.7
# Messages per second of the two commit-latency runs, and how long each lasts.
LATENCY_RATES = (100, 5000)
DEFAULT_LATENCY_SECONDS = 2.0
QUERY_LIMIT = 100
TIMEOUT_S = 600.0
TEXT = "so I was thinking we could meet at the usual place around eight, ok?"


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def make_record(n: int, now_ms: int, target: str) -> HistoryRecord:
    nick = f"user{n % 997}"
    return HistoryRecord(
        f"5f3a9c1e-{n:x}",
        now_ms,
        "PRIVMSG",
        f"{nick}!{nick}@host{n % 31}.example.org",
        target,
        f"{TEXT} #{n}",
    )


def conversation_of(n: int, rng: random.Random) -> tuple[Conversation, str]:
    pick = rng.random()
    if pick < BUSY_SHARE:
        return Conversation.channel("#busy"), "#busy"
    if pick < BUSY_SHARE + (1 - BUSY_SHARE) / 2:
        room = f"#room{n % ROOMS}"
        return Conversation.channel(room), room
    pair = n % PRIVATE_PAIRS
    return Conversation.private(f"user{pair}", f"user{pair + 1}"), f"user{pair + 1}"


def fill(history: History, count: int, start_ms: int) -> dict[str, float]:
    """Store `count` messages, one per millisecond of simulated time."""
    rng = random.Random(1)
    slots = threading.BoundedSemaphore(IN_FLIGHT)
    done = threading.Event()
    remaining = [count]

    def committed(_result: StoreResult) -> None:
        slots.release()
        remaining[0] -= 1
        if remaining[0] == 0:
            done.set()

    batches_before = history.writer.batches
    cpu_started = time.process_time()
    started = time.perf_counter()
    for n in range(count):
        conversation, target = conversation_of(n, rng)
        slots.acquire()
        history.writer.submit(conversation, make_record(n, start_ms + n, target), committed)
    if not done.wait(TIMEOUT_S):
        raise TimeoutError("fill did not finish")
    elapsed = time.perf_counter() - started
    cpu = time.process_time() - cpu_started
    batches = history.writer.batches - batches_before
    return {
        "messages_per_s": count / elapsed,
        "mean_batch": count / max(1, batches),
        # Both threads, submitting included: what storing costs a server process.
        "cpu_us_per_message": cpu / count * 1e6,
    }


def commit_latency(history: History, rate: int, seconds: float, first: int) -> dict[str, float]:
    """Submit at `rate`/s for `seconds`; submit-to-committed latency in ms."""
    latencies: list[float] = []
    not_stored = [0]
    lock = threading.Lock()
    total = int(rate * seconds)
    done = threading.Event()
    room = Conversation.channel("#latency")

    def committed_at(sent: float) -> Callable[[StoreResult], None]:
        def committed(result: StoreResult) -> None:
            with lock:
                not_stored[0] += result.status is not StoreStatus.STORED
                latencies.append((time.perf_counter() - sent) * 1000)
                if len(latencies) == total:
                    done.set()

        return committed

    start = time.perf_counter()
    for i in range(total):
        due = start + i / rate
        pause = due - time.perf_counter()
        if pause > 0:
            time.sleep(pause)
        record = make_record(first + i, int(time.time() * 1000), "#latency")
        history.writer.submit(room, record, committed_at(time.perf_counter()))
    if not done.wait(TIMEOUT_S):
        raise TimeoutError("latency run did not finish")
    return {
        "p50_ms": percentile(latencies, 0.5),
        "p99_ms": percentile(latencies, 0.99),
        "max_ms": max(latencies),
        "not_stored": not_stored[0],
    }


def timed(run: Callable[[], Future[object]], repeat: int) -> dict[str, float]:
    times: list[float] = []
    for _ in range(repeat):
        start = time.perf_counter()
        run().result(timeout=TIMEOUT_S)
        times.append((time.perf_counter() - start) * 1000)
    return {"p50_ms": percentile(times, 0.5), "p99_ms": percentile(times, 0.99)}


def query_latencies(history: History, path: Path, repeat: int) -> dict[str, dict[str, float]]:
    conn = sqlite3.connect(path)
    busy_ids = [
        row[0]
        for row in conn.execute(
            "SELECT msgid FROM messages WHERE conv_id = "
            "(SELECT id FROM conversations WHERE key = '#busy') ORDER BY random() LIMIT ?",
            (repeat * 2,),
        )
    ]
    first_ms, last_ms = conn.execute("SELECT MIN(time_ms), MAX(time_ms) FROM messages").fetchone()
    conn.close()
    rng = random.Random(2)
    busy = Conversation.channel("#busy")
    limit = str(QUERY_LIMIT)
    cap = history.config.chathistory_limit

    def ask(*params: str) -> Callable[[], Future[object]]:
        def run() -> Future[object]:
            request = parse_request([p() if callable(p) else p for p in params], cap)  # type: ignore[operator]
            return history.reader.fetch(busy, request)  # type: ignore[arg-type, return-value]

        return run

    def some_id() -> str:
        return f"msgid={rng.choice(busy_ids)}"

    def some_time() -> str:
        return f"timestamp={format_time(rng.randint(first_ms, last_ms))}"

    def targets() -> Future[object]:
        request = parse_request(["TARGETS", some_time(), some_time(), limit], cap)
        channels = ["#busy", *(f"#room{i}" for i in range(ROOMS))]
        return history.reader.fetch_targets("user7", channels, request)  # type: ignore[arg-type, return-value]

    return {
        "LATEST *": timed(ask("LATEST", "#busy", "*", limit), repeat),
        "BEFORE msgid": timed(ask("BEFORE", "#busy", some_id, limit), repeat),
        "AFTER msgid": timed(ask("AFTER", "#busy", some_id, limit), repeat),
        "AROUND msgid": timed(ask("AROUND", "#busy", some_id, limit), repeat),
        "BEFORE timestamp": timed(ask("BEFORE", "#busy", some_time, limit), repeat),
        "BETWEEN msgids": timed(ask("BETWEEN", "#busy", some_id, some_id, limit), repeat),
        "TARGETS (51 rooms + DMs)": timed(targets, repeat),
    }


def database_bytes(path: Path) -> int:
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return sum(p.stat().st_size for p in path.parent.glob(path.name + "*"))


def run(messages: int, queries: int, directory: Path, latency_seconds: float) -> dict[str, object]:
    path = directory / "history-bench.sqlite3"
    # No retention during the benchmark: it must not delete what it measures.
    config = HistoryConfig(retention_max_age_days=0, retention_max_per_target=0)
    start_ms = int(time.time() * 1000) - messages
    result: dict[str, object] = {"messages": messages, "sqlite": sqlite3.sqlite_version}
    with History.open(path, config) as history:
        result["fill"] = fill(history, messages, start_ms)
        result["queries"] = query_latencies(history, path, queries)
    size = database_bytes(path)
    result["db_bytes"] = size
    result["db_mb_per_million"] = size / messages * 1_000_000 / 1e6
    latency: dict[str, object] = {}
    next_id = messages  # msgids after the fill's, unique across runs
    for sync in ("FULL", "NORMAL"):
        sync_config = HistoryConfig(
            synchronous=sync,
            retention_max_age_days=0,
            retention_max_per_target=0,  # type: ignore[arg-type]
        )
        with History.open(path, sync_config) as history:
            for rate in LATENCY_RATES:
                latency[f"{sync} {rate}/s"] = commit_latency(
                    history, rate, latency_seconds, next_id
                )
                next_id += int(rate * latency_seconds)
    result["commit_latency"] = latency
    return result


def print_table(result: dict[str, object]) -> None:
    fill_stats = result["fill"]
    assert isinstance(fill_stats, dict)
    print(f"messages stored: {result['messages']:,} (SQLite {result['sqlite']})")
    print(
        f"write throughput: {fill_stats['messages_per_s']:,.0f} msg/s through the writer "
        f"(mean batch {fill_stats['mean_batch']:.0f}), "
        f"{fill_stats['cpu_us_per_message']:.1f} µs CPU per message"
    )
    print(f"database size: {result['db_mb_per_million']:.0f} MB per million messages")
    print("commit latency (submit -> committed):")
    for name, stats in result["commit_latency"].items():  # type: ignore[attr-defined]
        print(f"  {name:<14} p50 {stats['p50_ms']:.2f} ms  p99 {stats['p99_ms']:.2f} ms")
    print(f"CHATHISTORY latency at {result['messages']:,} messages (limit {QUERY_LIMIT}):")
    for name, stats in result["queries"].items():  # type: ignore[attr-defined]
        print(f"  {name:<25} p50 {stats['p50_ms']:.2f} ms  p99 {stats['p99_ms']:.2f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=DEFAULT_MESSAGES)
    parser.add_argument("--queries", type=int, default=DEFAULT_QUERIES)
    parser.add_argument("--latency-seconds", type=float, default=DEFAULT_LATENCY_SECONDS)
    parser.add_argument("--dir", type=Path, help="keep the database here instead of a temp dir")
    args = parser.parse_args()
    if args.dir is not None:
        args.dir.mkdir(parents=True, exist_ok=True)
        result = run(args.messages, args.queries, args.dir, args.latency_seconds)
    else:
        directory = Path(tempfile.mkdtemp(prefix="tui-chat-history-bench-"))
        try:
            result = run(args.messages, args.queries, directory, args.latency_seconds)
        finally:
            shutil.rmtree(directory, ignore_errors=True)
    print_table(result)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
