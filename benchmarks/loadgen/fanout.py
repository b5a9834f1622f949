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
import multiprocessing
import time
from array import array
from dataclasses import dataclass
from multiprocessing.connection import Connection

from benchmarks.loadgen.pool import CONNECT_CONCURRENCY, close_all, connect_many, for_each
from benchmarks.loadgen.runtime import raise_fd_limit, run
from benchmarks.loadgen.stats import latency_summary
from benchmarks.loadgen.wire import BenchConnection, bench_text
from benchmarks.servers import ProcessProbe, cpu_us_per

__all__ = ["DRAIN_TIMEOUT_S", "LOADGEN_WORKERS", "FanoutConfig", "run_fanout"]

# After the last send, how long stragglers may take before they count as lost.
DRAIN_TIMEOUT_S = 5.0
# How long registering, joining and the barrier may take in a worker.
SETUP_TIMEOUT_S = 120.0
# How many of the slowest messages the result lists, with when they were sent.
SLOWEST_REPORTED = 5
# The first message leaves this long after the start is announced to the workers.
START_LEAD_NS = 200_000_000
# Receiving processes: with one, a message to 1,000 members is read by one
# Python loop socket after socket, and the last reader's latency includes that
# sweep. Two (the cores here) halve it. Override with --workers.
LOADGEN_WORKERS = 2
CHANNEL = "#bench"


@dataclass(frozen=True)
class FanoutConfig:
    clients: int = 200
    senders: int = 20
    rate: float = 200.0  # messages per second, all senders together
    seconds: float = 15.0
    text_bytes: int = 60  # length of each message's text, a typical chat line
    connect_concurrency: int = CONNECT_CONCURRENCY
    workers: int = LOADGEN_WORKERS

    def __post_init__(self) -> None:
        if not 0 < self.senders <= self.clients:
            raise ValueError(f"need 0 < senders <= clients, got {self.senders} and {self.clients}")
        if not 0 < self.workers <= self.clients:
            raise ValueError("need 0 < workers <= clients")
        if self.rate <= 0 or self.seconds <= 0:
            raise ValueError("rate and seconds must be positive")

    @property
    def messages(self) -> int:
        return max(1, round(self.rate * self.seconds))


class DeliveryRecorder:
    """Counts deliveries per sequence number and keeps every latency sample.

    The slowest delivery of each message is kept too, so a stall shows when
    it happened (message `seq` left `seq / rate` seconds into the run).
    """

    __slots__ = ("_all_in", "counts", "expected", "latencies_ns", "received", "slowest_ns")

    def __init__(self, messages: int) -> None:
        self.counts = array("I", bytes(4 * messages))
        self.slowest_ns = array("q", bytes(8 * messages))
        self.latencies_ns: list[int] = []
        self.received = 0
        self.expected = -1  # unknown until the last message is sent
        self._all_in = asyncio.Event()

    def delivered(self, seq: int, sent_ns: int, received_ns: int) -> None:
        self.counts[seq] += 1
        latency = received_ns - sent_ns
        self.latencies_ns.append(latency)
        if latency > self.slowest_ns[seq]:
            self.slowest_ns[seq] = latency
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

    def merge(self, part: WorkerResult) -> None:
        for seq, count in enumerate(part.counts):
            self.counts[seq] += count
            self.slowest_ns[seq] = max(self.slowest_ns[seq], part.slowest_ns[seq])
        self.latencies_ns.extend(part.latencies_ns)
        self.received += part.received

    def slowest_times(self, rate: float, count: int) -> list[tuple[float, float]]:
        """The `count` slowest messages as (seconds into the run, latency ms)."""
        worst = sorted(range(len(self.slowest_ns)), key=self.slowest_ns.__getitem__)[-count:]
        return [(round(seq / rate, 2), round(self.slowest_ns[seq] / 1e6, 1)) for seq in worst[::-1]]

    def lost_and_duplicated(self, per_message: int) -> tuple[int, int]:
        lost = sum(per_message - c for c in self.counts if c < per_message)
        duplicated = sum(c - per_message for c in self.counts if c > per_message)
        return lost, duplicated


async def _send_share(
    senders: dict[int, BenchConnection], config: FanoutConfig, start_ns: int
) -> int:
    """Send this worker's share of the schedule: message `seq` leaves at start + seq/rate
    from sender `seq % config.senders`, if that sender lives here. Returns how many."""
    interval_ns = 1e9 / config.rate
    # Words, as people type them; the ~T header takes about 25 bytes.
    padding = (b"lorem ipsum " * (config.text_bytes // 12 + 1))[: max(1, config.text_bytes - 25)]
    prefix = f"PRIVMSG {CHANNEL} :".encode()
    sent = 0
    for seq in range(config.messages):
        sender = senders.get(seq % config.senders)
        if sender is None:
            continue
        delay_ns = start_ns + seq * interval_ns - time.monotonic_ns()
        if delay_ns > 0:
            await asyncio.sleep(delay_ns / 1e9)
        sender.send(prefix + bench_text(seq, time.monotonic_ns(), padding))
        sent += 1
    return sent


@dataclass
class WorkerResult:
    counts: array[int]
    slowest_ns: array[int]
    latencies_ns: list[int]
    received: int


class _Steps:
    """The worker's end of the coordinator's pipe, awaited without blocking the loop."""

    def __init__(self, pipe: Connection) -> None:
        self._pipe = pipe

    def tell(self, message: object) -> None:
        self._pipe.send(message)

    async def next(self, timeout_s: float) -> object:
        loop = asyncio.get_running_loop()
        return await asyncio.wait_for(loop.run_in_executor(None, self._pipe.recv), timeout_s)


async def _worker(host: str, port: int, config: FanoutConfig, worker: int, steps: _Steps) -> None:
    recorder = DeliveryRecorder(config.messages)
    indices = range(worker, config.clients, config.workers)
    pool = await connect_many(
        host, port, indices, sink=recorder, concurrency=config.connect_concurrency
    )
    try:
        if pool.failures:
            raise RuntimeError(f"{pool.failures} clients failed to register: {pool.first_error}")
        conns = dict(zip(indices, pool.connections, strict=True))
        await for_each(conns.values(), "join", lambda c: c.join(CHANNEL), concurrency=50)
        steps.tell("joined")
        await steps.next(SETUP_TIMEOUT_S)
        # Every member has seen every join (all workers') before the clock starts.
        await for_each(conns.values(), "barrier", lambda c: c.ping_barrier("bench-ready"))
        steps.tell("ready")
        start_ns = await steps.next(SETUP_TIMEOUT_S)
        assert isinstance(start_ns, int)
        own = {i: c for i, c in conns.items() if i < config.senders}
        sent_here = await _send_share(own, config, start_ns)
        # Each message reaches every member but its sender.
        expected = config.messages * len(conns) - sent_here
        schedule_left_s = max(0.0, (start_ns - time.monotonic_ns()) / 1e9 + config.seconds)
        await recorder.wait_all(expected, schedule_left_s + DRAIN_TIMEOUT_S)
        steps.tell(
            WorkerResult(
                recorder.counts, recorder.slowest_ns, recorder.latencies_ns, recorder.received
            )
        )
        # Stay in the room until the coordinator read the CPU: leaving is work too.
        await steps.next(SETUP_TIMEOUT_S)
    finally:
        close_all(pool.connections)


def _worker_main(host: str, port: int, config: FanoutConfig, worker: int, pipe: Connection) -> None:
    raise_fd_limit(config.clients // config.workers + 1)
    steps = _Steps(pipe)
    try:
        run(_worker(host, port, config, worker, steps))
    except Exception as error:
        steps.tell(RuntimeError(f"worker {worker}: {type(error).__name__}: {error}"))


async def run_fanout(
    host: str, port: int, probe: ProcessProbe, config: FanoutConfig
) -> dict[str, object]:
    context = multiprocessing.get_context("spawn")  # never fork a running event loop
    pipes, processes = [], []
    for worker in range(config.workers):
        ours, theirs = context.Pipe()
        process = context.Process(
            target=_worker_main, args=(host, port, config, worker, theirs), daemon=True
        )
        process.start()
        pipes.append(_Steps(ours))
        processes.append(process)

    async def gather_step(timeout_s: float) -> list[object]:
        replies = await asyncio.gather(*(p.next(timeout_s) for p in pipes))
        for reply in replies:
            if isinstance(reply, Exception):
                raise reply
        return replies

    try:
        await gather_step(SETUP_TIMEOUT_S)  # joined
        for pipe in pipes:
            pipe.tell("sync")
        await gather_step(SETUP_TIMEOUT_S)  # ready
        user_before, sys_before = probe.cpu_times()
        start_ns = time.monotonic_ns() + START_LEAD_NS
        for pipe in pipes:
            pipe.tell(start_ns)
        results = await gather_step(config.seconds + DRAIN_TIMEOUT_S + SETUP_TIMEOUT_S)
        window = (time.monotonic_ns() - start_ns) / 1e9
        user_after, sys_after = probe.cpu_times()
        user_used, sys_used = user_after - user_before, sys_after - sys_before
        cpu_used = user_used + sys_used
        for pipe in pipes:
            pipe.tell("close")
    finally:
        for process in processes:
            process.join(SETUP_TIMEOUT_S)
            if process.is_alive():
                process.kill()

    total = DeliveryRecorder(config.messages)
    for part in results:
        assert isinstance(part, WorkerResult)
        total.merge(part)
    lost, duplicated = total.lost_and_duplicated(config.clients - 1)
    deliveries = total.received
    return {
        "clients": config.clients,
        "senders": config.senders,
        "rate": config.rate,
        "seconds": config.seconds,
        "loadgen_workers": config.workers,
        "messages_sent": config.messages,
        "deliveries": deliveries,
        "lost": lost,
        "duplicated": duplicated,
        "window_s": round(window, 3),
        "deliveries_per_s": round(deliveries / window, 1),
        **latency_summary(total.latencies_ns),
        "slowest_at_s": total.slowest_times(config.rate, SLOWEST_REPORTED),
        "server_cpu_s": round(cpu_used, 3),
        "server_cpu_us_per_delivery": cpu_us_per(cpu_used, deliveries),
        "server_user_us_per_delivery": cpu_us_per(user_used, deliveries),
        "server_sys_us_per_delivery": cpu_us_per(sys_used, deliveries),
    }
