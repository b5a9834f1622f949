"""Fanout: N clients in one room, S of them sending at a fixed total rate.

Every message carries its sequence number and send time (CLOCK_MONOTONIC, so
it holds across processes on this machine). Every member but the sender
should receive it once; the scenario counts deliveries per sequence number,
so both losses and duplicates show.

The measured window runs from the first send until every expected delivery
arrived or `DRAIN_TIMEOUT_S` after the last send, whichever comes first; the
server's CPU time is read at both ends of it.
"""

from __future__ import annotations

import asyncio
import time
from array import array
from dataclasses import dataclass

from benchmarks.loadgen.pool import CONNECT_CONCURRENCY, close_all, connect_many, for_each
from benchmarks.loadgen.stats import latency_summary
from benchmarks.loadgen.wire import BenchConnection, bench_text
from benchmarks.servers import ProcessProbe, cpu_us_per

__all__ = ["DRAIN_TIMEOUT_S", "FanoutConfig", "run_fanout"]

# After the last send, how long stragglers may take before they count as lost.
DRAIN_TIMEOUT_S = 5.0
CHANNEL = "#bench"


@dataclass(frozen=True)
class FanoutConfig:
    clients: int = 200
    senders: int = 20
    rate: float = 200.0  # messages per second, all senders together
    seconds: float = 15.0
    text_bytes: int = 60  # length of each message's text, a typical chat line
    connect_concurrency: int = CONNECT_CONCURRENCY

    def __post_init__(self) -> None:
        if not 0 < self.senders <= self.clients:
            raise ValueError(f"need 0 < senders <= clients, got {self.senders} and {self.clients}")
        if self.rate <= 0 or self.seconds <= 0:
            raise ValueError("rate and seconds must be positive")

    @property
    def messages(self) -> int:
        return max(1, round(self.rate * self.seconds))


class DeliveryRecorder:
    """Counts deliveries per sequence number and keeps every latency sample."""

    __slots__ = ("_all_in", "counts", "expected", "latencies_ns", "received")

    def __init__(self, messages: int) -> None:
        self.counts = array("I", bytes(4 * messages))
        self.latencies_ns: list[int] = []
        self.received = 0
        self.expected = -1  # unknown until the last message is sent
        self._all_in = asyncio.Event()

    def delivered(self, seq: int, sent_ns: int, received_ns: int) -> None:
        self.counts[seq] += 1
        self.latencies_ns.append(received_ns - sent_ns)
        self.received += 1
        if self.received == self.expected:
            self._all_in.set()

    async def wait_all(self, expected: int, timeout_s: float) -> None:
        self.expected = expected
        if self.received >= expected:
            return
        try:
            async with asyncio.timeout(timeout_s):
                await self._all_in.wait()
        except TimeoutError:
            pass  # what is missing is reported as lost

    def lost_and_duplicated(self, per_message: int) -> tuple[int, int]:
        lost = sum(per_message - c for c in self.counts if c < per_message)
        duplicated = sum(c - per_message for c in self.counts if c > per_message)
        return lost, duplicated


async def _send_at_rate(senders: list[BenchConnection], config: FanoutConfig) -> None:
    """Send `config.messages` messages on a fixed schedule, round-robin over senders."""
    loop = asyncio.get_running_loop()
    interval = 1.0 / config.rate
    # Words, as people type them; the ~T header takes about 25 bytes.
    padding = (b"lorem ipsum " * (config.text_bytes // 12 + 1))[: max(1, config.text_bytes - 25)]
    prefix = f"PRIVMSG {CHANNEL} :".encode()
    start = loop.time()
    for seq in range(config.messages):
        delay = start + seq * interval - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        senders[seq % len(senders)].send(prefix + bench_text(seq, time.monotonic_ns(), padding))


async def run_fanout(
    host: str, port: int, probe: ProcessProbe, config: FanoutConfig
) -> dict[str, object]:
    recorder = DeliveryRecorder(config.messages)
    pool = await connect_many(
        host, port, config.clients, sink=recorder, concurrency=config.connect_concurrency
    )
    try:
        if pool.failures:
            raise RuntimeError(f"{pool.failures} clients failed to register: {pool.first_error}")
        conns = pool.connections
        await for_each(conns, "join", lambda c: c.join(CHANNEL), concurrency=50)
        # Every member has seen every join before the clock starts.
        await for_each(conns, "barrier", lambda c: c.ping_barrier("bench-ready"))

        cpu_before = probe.cpu_seconds()
        started = time.monotonic()
        await _send_at_rate(conns[: config.senders], config)
        per_message = config.clients - 1
        await recorder.wait_all(config.messages * per_message, DRAIN_TIMEOUT_S)
        window = time.monotonic() - started
        cpu_used = probe.cpu_seconds() - cpu_before
    finally:
        close_all(pool.connections)

    lost, duplicated = recorder.lost_and_duplicated(per_message)
    deliveries = recorder.received
    return {
        "clients": config.clients,
        "senders": config.senders,
        "rate": config.rate,
        "seconds": config.seconds,
        "messages_sent": config.messages,
        "deliveries": deliveries,
        "lost": lost,
        "duplicated": duplicated,
        "window_s": round(window, 3),
        "deliveries_per_s": round(deliveries / window, 1),
        **latency_summary(recorder.latencies_ns),
        "server_cpu_s": round(cpu_used, 3),
        "server_cpu_us_per_delivery": cpu_us_per(cpu_used, deliveries),
    }
