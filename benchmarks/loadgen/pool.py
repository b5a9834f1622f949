"""Opening and registering many connections with a bounded burst."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field

from benchmarks.loadgen.wire import BenchConnection, DeliverySink, nick_for, open_connection

__all__ = [
    "CONNECT_CONCURRENCY",
    "REGISTER_TIMEOUT_S",
    "Pool",
    "close_all",
    "connect_many",
    "for_each",
]

# Registrations in flight at once. Servers accept connections from a listen
# backlog (miniircd's is 5) and answer registration in bursts; an unbounded
# burst measures SYN retries, not the server. Override with --connect-concurrency.
CONNECT_CONCURRENCY = 8
# How long one connection may take from connect() to the 001 welcome.
REGISTER_TIMEOUT_S = 20.0


@dataclass
class Pool:
    """The connections that registered, and what went wrong with the rest."""

    connections: list[BenchConnection] = field(default_factory=list)
    failures: int = 0
    first_error: str | None = None

    def record_failure(self, error: BaseException) -> None:
        self.failures += 1
        if self.first_error is None:
            self.first_error = f"{type(error).__name__}: {error}"[:200]


async def connect_many(
    host: str,
    port: int,
    indices: range,
    *,
    prefix: str = "b",
    sink: DeliverySink | None = None,
    concurrency: int = CONNECT_CONCURRENCY,
) -> Pool:
    """Connect and register one client per index (nick `prefix` + index), a few at a time."""
    pool = Pool()
    gate = asyncio.Semaphore(concurrency)

    async def one(index: int) -> None:
        conn = BenchConnection(nick_for(prefix, index), sink)
        async with gate:
            try:
                async with asyncio.timeout(REGISTER_TIMEOUT_S):
                    await open_connection(host, port, conn)
                    await conn.register()
            except (OSError, TimeoutError, RuntimeError) as error:
                conn.close()
                pool.record_failure(error)
                return
        pool.connections.append(conn)

    await asyncio.gather(*(one(i) for i in indices))
    return pool


async def for_each(
    connections: Iterable[BenchConnection],
    step: str,
    action: Callable[[BenchConnection], Awaitable[object]],
    *,
    concurrency: int = CONNECT_CONCURRENCY,
    timeout_s: float = REGISTER_TIMEOUT_S,
) -> None:
    """Await `action(conn)` for every connection, `concurrency` at a time."""
    gate = asyncio.Semaphore(concurrency)

    async def one(conn: BenchConnection) -> None:
        async with gate, asyncio.timeout(timeout_s):
            await action(conn)

    try:
        await asyncio.gather(*(one(c) for c in connections))
    except (TimeoutError, RuntimeError) as error:
        raise RuntimeError(f"{step} failed: {type(error).__name__}: {error}") from error


def close_all(connections: Iterable[BenchConnection]) -> None:
    for conn in connections:
        conn.close()
