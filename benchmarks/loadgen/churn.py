"""Churn: connect, register, join, say one line, quit, in a loop.

`concurrency` workers loop until the time or count bound is reached, each in
a room of its own, so the work per cycle does not grow with the number of
cycles in flight (a shared room would make every join and quit a broadcast to
all of them). Reports completed connections per second and the server's CPU
per connection.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from dataclasses import dataclass

from benchmarks.loadgen.pool import Pool
from benchmarks.loadgen.wire import BenchConnection, nick_for, open_connection
from benchmarks.servers import ProcessProbe, cpu_us_per

__all__ = ["MAX_ERRORS", "SETTLE_TIMEOUT_S", "STEP_TIMEOUT_S", "ChurnConfig", "run_churn"]

# One whole cycle (connect to closed socket) may take this long.
STEP_TIMEOUT_S = 10.0
# After the last cycle, how long the server may go on working off what the
# cycles left it (e.g. history writes still queued) before the CPU reading
# is taken anyway; it counts towards the cycles' cost.
SETTLE_TIMEOUT_S = 10.0
# The server has settled when its CPU time stops growing for this long.
SETTLE_QUIET_S = 0.2
# Stop early once this many cycles failed: the server is refusing us.
MAX_ERRORS = 50


@dataclass(frozen=True)
class ChurnConfig:
    seconds: float = 5.0
    concurrency: int = 32  # cycles in flight
    # Each cycle leaves a TIME_WAIT socket on loopback for 60 s; stay well
    # inside the ~28,000 ephemeral ports so later runs are not starved.
    max_connections: int = 20_000


async def _cycle(host: str, port: int, nick: str, channel: str) -> None:
    conn = BenchConnection(nick)
    try:
        async with asyncio.timeout(STEP_TIMEOUT_S):
            await open_connection(host, port, conn)
            await conn.register()
            await conn.join(channel)
            conn.send(b"PRIVMSG " + channel.encode() + b" :one line and goodbye")
            conn.send(b"QUIT :bye")
            await conn.closed  # the server closes after QUIT
    finally:
        conn.close()


async def _settle(probe: ProcessProbe) -> float:
    """Wait until the server's CPU time stops growing; the seconds it took.

    A server that defers work (our history writer) would otherwise have part
    of the cycles' cost fall outside the reading.
    """
    started = time.monotonic()
    last = probe.cpu_seconds()
    while time.monotonic() - started < SETTLE_TIMEOUT_S:
        await asyncio.sleep(SETTLE_QUIET_S)
        now = probe.cpu_seconds()
        if now == last:
            break
        last = now
    return time.monotonic() - started


async def run_churn(
    host: str, port: int, probe: ProcessProbe, config: ChurnConfig
) -> dict[str, object]:
    numbers = itertools.count()
    outcome = Pool()
    done = 0
    deadline = time.monotonic() + config.seconds

    async def worker(channel: str) -> None:
        nonlocal done
        while time.monotonic() < deadline and outcome.failures < MAX_ERRORS:
            index = next(numbers)
            if index >= config.max_connections:
                return
            try:
                await _cycle(host, port, nick_for("c", index), channel)
                done += 1
            except (OSError, TimeoutError, RuntimeError) as error:
                outcome.record_failure(error)

    cpu_before = probe.cpu_seconds()
    started = time.monotonic()
    try:
        await asyncio.gather(*(worker(f"#churn{n}") for n in range(config.concurrency)))
    finally:
        elapsed = time.monotonic() - started
        settle_s = await _settle(probe)
        cpu_used = probe.cpu_seconds() - cpu_before
    return {
        "seconds": config.seconds,
        "concurrency": config.concurrency,
        "connections": done,
        "failed": outcome.failures,
        "first_error": outcome.first_error,
        "elapsed_s": round(elapsed, 3),
        "connections_per_s": round(done / elapsed, 1),
        "settle_s": round(settle_s, 2),
        "server_cpu_s": round(cpu_used, 3),
        "server_cpu_us_per_connection": cpu_us_per(cpu_used, done, digits=1),
    }
