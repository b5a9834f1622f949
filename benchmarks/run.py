"""Run one benchmark scenario against one server and print one JSON line.

    python -m benchmarks.run fanout --server ours --clients 200 --senders 20 --rate 200
    python -m benchmarks.run idle --server ngircd --clients 10000
    python -m benchmarks.run churn --server inspircd --seconds 10
    python -m benchmarks.run suite --out benchmarks/results/run.jsonl   # the issue's matrix
    python -m benchmarks.run suite --repeat 3 --out ...                 # 3 times, round-robin
    python -m benchmarks.run table benchmarks/results/run.jsonl        # Markdown tables
    python -m benchmarks.run plot benchmarks/results/run.jsonl docs/benchmarks.png

`--server` starts a fresh server of that kind on a free loopback port (see
`benchmarks/servers.py`); `--address HOST:PORT --pid PID` measures a server
you started yourself instead. Run from the repository root.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from benchmarks.loadgen.churn import ChurnConfig, run_churn
from benchmarks.loadgen.fanout import FanoutConfig, run_fanout
from benchmarks.loadgen.idle import IdleConfig, run_idle
from benchmarks.loadgen.pool import CONNECT_CONCURRENCY
from benchmarks.loadgen.report import markdown_tables
from benchmarks.loadgen.runtime import raise_fd_limit, run
from benchmarks.servers import (
    SERVER_KINDS,
    ProcessProbe,
    RunningServer,
    available_servers,
    running_server,
)

Scenario = Callable[[str, int, ProcessProbe], Awaitable[dict[str, object]]]

# The cases issue 6 asks for, run in this order by `suite`.
SUITE: list[tuple[str, list[str]]] = [
    ("fanout", ["--clients", "200", "--senders", "20", "--rate", "200", "--seconds", "15"]),
    ("fanout", ["--clients", "1000", "--senders", "50", "--rate", "50", "--seconds", "15"]),
    ("idle", ["--clients", "1000"]),
    ("idle", ["--clients", "5000"]),
    ("idle", ["--clients", "10000"]),
    ("churn", ["--seconds", "5"]),
]
# `suite --repeat` default: the whole matrix once.
SUITE_REPEAT = 1
# Churn keeps this many registration bursts' worth of cycles in flight.
CHURN_BURSTS = 4
# A whole scenario, setup included, may not run longer than this.
SCENARIO_TIMEOUT_S = 300.0


def _parser() -> argparse.ArgumentParser:
    cli = argparse.ArgumentParser(
        prog="python -m benchmarks.run",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = cli.add_subparsers(dest="scenario", required=True)

    def scenario(name: str, help_text: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text)
        p.add_argument("--server", choices=sorted(SERVER_KINDS), help="server kind to start")
        p.add_argument("--address", help="HOST:PORT of a server already running")
        p.add_argument("--pid", type=int, help="its process id, for CPU and memory")
        p.add_argument(
            "--connect-concurrency",
            type=int,
            help=f"registrations in flight (default: {CONNECT_CONCURRENCY}, or the server's own)",
        )
        return p

    fan = scenario("fanout", "N clients in one room, S senders at R msg/s")
    fan.add_argument("--clients", type=int, default=FanoutConfig.clients)
    fan.add_argument("--senders", type=int, default=FanoutConfig.senders)
    fan.add_argument("--rate", type=float, default=FanoutConfig.rate)
    fan.add_argument("--seconds", type=float, default=FanoutConfig.seconds)
    fan.add_argument("--text-bytes", type=int, default=FanoutConfig.text_bytes)
    fan.add_argument(
        "--workers",
        type=int,
        default=FanoutConfig.workers,
        help="load generator processes sharing the clients",
    )

    idle = scenario("idle", "N registered idle connections")
    idle.add_argument("--clients", type=int, default=IdleConfig.clients)
    idle.add_argument("--idle-seconds", type=float, default=IdleConfig.idle_seconds)

    churn = scenario("churn", "connect, register, join, say, quit in a loop")
    churn.add_argument("--seconds", type=float, default=ChurnConfig.seconds)
    churn.add_argument(
        "--concurrency",
        type=int,
        help=f"cycles in flight (default: {CHURN_BURSTS} x the registration burst)",
    )
    churn.add_argument("--max-connections", type=int, default=ChurnConfig.max_connections)

    suite = sub.add_parser("suite", help="the issue's cases against every installed server")
    suite.add_argument("--servers", help="comma-separated kinds (default: all installed)")
    suite.add_argument("--out", type=Path, required=True, help="JSON lines file to append to")
    suite.add_argument(
        "--repeat",
        type=_at_least_one,
        default=SUITE_REPEAT,
        help="run every case this many times, servers round-robin; `table` and `plot` "
        f"show medians (default: {SUITE_REPEAT})",
    )

    table = sub.add_parser("table", help="Markdown tables of a results file")
    table.add_argument("results", type=Path)

    plot = sub.add_parser("plot", help="PNG of CPU per delivery and p99 against clients")
    plot.add_argument("results", type=Path)
    plot.add_argument("png", type=Path)
    return cli


def _at_least_one(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def suite_plan(
    cases: list[tuple[str, list[str]]], kinds: list[str], repeat: int
) -> list[tuple[tuple[str, list[str]], str, int]]:
    """(case, server kind, repetition from 1) in run order.

    The repetitions of a case run back to back and the server order rotates each
    time, so a drift of the machine (other VMs, CPU frequency) over a few minutes
    spreads over every server instead of landing on whichever always runs first.
    """
    plan: list[tuple[tuple[str, list[str]], str, int]] = []
    for case in cases:
        for rep in range(1, repeat + 1):
            shift = (rep - 1) % len(kinds) if kinds else 0
            plan += [(case, kind, rep) for kind in kinds[shift:] + kinds[:shift]]
    return plan


def _scenario(args: argparse.Namespace, server: RunningServer) -> tuple[Scenario, int]:
    """The scenario coroutine factory and how many sockets it needs."""
    concurrency = args.connect_concurrency or server.registration_burst or CONNECT_CONCURRENCY
    if args.scenario == "fanout":
        fan = FanoutConfig(
            clients=args.clients,
            senders=args.senders,
            rate=args.rate,
            seconds=args.seconds,
            text_bytes=args.text_bytes,
            connect_concurrency=concurrency,
            workers=args.workers,
        )
        return (lambda h, p, probe: run_fanout(h, p, probe, fan)), fan.clients
    if args.scenario == "idle":
        idle = IdleConfig(args.clients, args.idle_seconds, concurrency)
        return (lambda h, p, probe: run_idle(h, p, probe, idle)), idle.clients
    churn = ChurnConfig(
        args.seconds, args.concurrency or CHURN_BURSTS * concurrency, args.max_connections
    )
    return (lambda h, p, probe: run_churn(h, p, probe, churn)), churn.concurrency + 1


@contextmanager
def _target(args: argparse.Namespace) -> Iterator[RunningServer]:
    if args.address:
        if args.pid is None:
            raise SystemExit("--address needs --pid (the server's process id)")
        host, _, port = args.address.rpartition(":")
        yield RunningServer("external", "unknown", host, int(port), ProcessProbe(args.pid))
        return
    kind = args.server or ("ours" if "ours" in available_servers() else "miniircd")
    with running_server(kind) as server:
        yield server


def run_one(args: argparse.Namespace) -> dict[str, Any]:
    with _target(args) as server:
        scenario, sockets = _scenario(args, server)
        raise_fd_limit(sockets)

        async def bounded() -> dict[str, object]:
            async with asyncio.timeout(SCENARIO_TIMEOUT_S):
                return await scenario(server.host, server.port, server.probe)

        started = time.time()
        results = run(bounded())
    return {
        "scenario": args.scenario,
        "server": server.kind,
        "server_version": server.version,
        "started_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(started)),
        **results,
    }


def _suite(args: argparse.Namespace) -> None:
    kinds = args.servers.split(",") if args.servers else available_servers()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    machine = {
        "scenario": "machine",
        "cpu": _cpu_model(),
        "cores": _cores(),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "git_head": _git_head(),
        "loadavg_at_start": Path("/proc/loadavg").read_text().split()[:3],
    }
    with args.out.open("a") as out:
        out.write(json.dumps(machine) + "\n")
    for (name, extra), kind, rep in suite_plan(SUITE, kinds, args.repeat):
        result = _suite_case(name, extra, kind)
        line = json.dumps({**result, "repeat": rep} if args.repeat > 1 else result)
        print(line, flush=True)
        with args.out.open("a") as out:
            out.write(line + "\n")


def _suite_case(name: str, extra: list[str], kind: str) -> dict[str, Any]:
    """One case as its own process: its result, or an error line if it printed none."""
    argv = [sys.executable, "-m", "benchmarks.run", name, "--server", kind, *extra]
    done = subprocess.run(argv, capture_output=True, text=True)
    last = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""
    try:
        result = json.loads(last)
    except json.JSONDecodeError:
        result = None
    if isinstance(result, dict):
        return result
    error = done.stderr.strip().splitlines()[-1] if done.stderr.strip() else last or "?"
    return {"scenario": name, "server": kind, "args": extra, "error": error}


def _cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def _git_head() -> str:
    done = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    return done.stdout.strip() or "unknown"


def _cores() -> int:
    return os.cpu_count() or 0


def main(argv: list[str] | None = None) -> None:
    args = _parser().parse_args(argv)
    if args.scenario == "suite":
        _suite(args)
    elif args.scenario == "table":
        print(markdown_tables(args.results))
    elif args.scenario == "plot":
        from benchmarks.loadgen.plot import plot_results

        plot_results(args.results, args.png)
    else:
        print(json.dumps(run_one(args)), flush=True)


if __name__ == "__main__":
    main()
