"""Idle: hold N registered connections and see what they cost the server.

Reports server RSS per connection (VmRSS growth from before the first
connect to the end of the idle window, divided by N), the time to register
them all with a bounded burst, and the server's CPU while they sit idle.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

from benchmarks.loadgen.pool import CONNECT_CONCURRENCY, close_all, connect_many
from benchmarks.servers import ProcessProbe, cpu_us_per

__all__ = ["IDLE_WINDOW_S", "IdleConfig", "run_idle"]

# How long the connections sit idle while the server's CPU is measured.
IDLE_WINDOW_S = 3.0


@dataclass(frozen=True)
class IdleConfig:
    clients: int = 1000
    idle_seconds: float = IDLE_WINDOW_S
    connect_concurrency: int = CONNECT_CONCURRENCY


async def run_idle(
    host: str, port: int, probe: ProcessProbe, config: IdleConfig
) -> dict[str, object]:
    rss_before = probe.rss_bytes()
    cpu_at_start = probe.cpu_seconds()
    started = time.monotonic()
    pool = await connect_many(
        host, port, range(config.clients), concurrency=config.connect_concurrency
    )
    register_s = time.monotonic() - started
    try:
        cpu_before = probe.cpu_seconds()
        register_cpu = cpu_before - cpu_at_start
        await asyncio.sleep(config.idle_seconds)
        idle_cpu = probe.cpu_seconds() - cpu_before
        rss_after = probe.rss_bytes()
    finally:
        close_all(pool.connections)

    held = len(pool.connections)
    return {
        "clients": config.clients,
        "registered": held,
        "failed": pool.failures,
        "first_error": pool.first_error,
        "register_all_s": round(register_s, 3),
        "registrations_per_s": round(held / register_s, 1) if register_s else None,
        "server_cpu_us_per_registration": cpu_us_per(register_cpu, held, digits=1),
        "server_rss_before_kb": rss_before // 1024,
        "server_rss_after_kb": rss_after // 1024,
        # With failures the server may have died or shed clients: no honest figure.
        "server_rss_per_conn_kb": (
            round((rss_after - rss_before) / held / 1024, 2) if held and not pool.failures else None
        ),
        "idle_seconds": config.idle_seconds,
        "idle_cpu_percent": round(idle_cpu * 100 / config.idle_seconds, 2),
    }
