"""Churn: connect, register, join, say one line, quit, in a loop.

`concurrency` workers loop until the time or count bound is reached; one
watcher sits in the room so every join, message and quit is really delivered.
Reports completed connections per second and the server's CPU per connection.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from dataclasses import dataclass

from benchmarks.loadgen.pool import Pool
from benchmarks.loadgen.wire import BenchConnection, nick_for, open_connection
from benchmarks.servers import ProcessProbe, cpu_us_per

__all__ = ["MAX_ERRORS", "STEP_TIMEOUT_S", "ChurnConfig", "run_churn"]

# One whole cycle (connect to closed socket) may take this long.
STEP_TIMEOUT_S = 10.0
# Stop early once this many cycles failed: the server is refusing us.
MAX_ERRORS = 50
CHANNEL = "#churn"


@dataclass(frozen=True)
class ChurnConfig:
    seconds: float = 5.0
    # Cycles in flight: enough to keep a server busy even when it answers a
    # registration only on its next timer tick (InspIRCd: about once a second).
    concurrency: int = 32
    # Each cycle leaves a TIME_WAIT socket on loopback for 60 s; stay well
    # inside the ~28,000 ephemeral ports so later runs are not starved.
    max_connections: int = 20_000


async def _cycle(host: str, port: int, nick: str) -> None:
    conn = BenchConnection(nick)
    try:
        async with asyncio.timeout(STEP_TIMEOUT_S):
            await open_connection(host, port, conn)
            await conn.register()
            await conn.join(CHANNEL)
            conn.send(b"PRIVMSG " + CHANNEL.encode() + b" :one line and goodbye")
            conn.send(b"QUIT :bye")
            await conn.closed  # the server closes after QUIT
    finally:
        conn.close()


async def run_churn(
    host: str, port: int, probe: ProcessProbe, config: ChurnConfig
) -> dict[str, object]:
    watcher = BenchConnection("watcher")
    await open_connection(host, port, watcher)
    await watcher.register()
    await watcher.join(CHANNEL)

    numbers = itertools.count()
    outcome = Pool()
    done = 0
    deadline = time.monotonic() + config.seconds

    async def worker() -> None:
        nonlocal done
        while time.monotonic() < deadline and outcome.failures < MAX_ERRORS:
            index = next(numbers)
            if index >= config.max_connections:
                return
            try:
                await _cycle(host, port, nick_for("c", index))
                done += 1
            except (OSError, TimeoutError, RuntimeError) as error:
                outcome.record_failure(error)

    cpu_before = probe.cpu_seconds()
    started = time.monotonic()
    try:
        await asyncio.gather(*(worker() for _ in range(config.concurrency)))
    finally:
        elapsed = time.monotonic() - started
        cpu_used = probe.cpu_seconds() - cpu_before
        watcher.close()
    return {
        "seconds": config.seconds,
        "concurrency": config.concurrency,
        "connections": done,
        "failed": outcome.failures,
        "first_error": outcome.first_error,
        "elapsed_s": round(elapsed, 3),
        "connections_per_s": round(done / elapsed, 1),
        "server_cpu_s": round(cpu_used, 3),
        "server_cpu_us_per_connection": cpu_us_per(cpu_used, done, digits=1),
    }
