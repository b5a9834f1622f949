"""Quick runs of every benchmark scenario (tiny N, about a second) so the harness never rots.

Each runs `python -m benchmarks.run` as its own process, exactly as a person
would, against our server when `tui-chat serve` exists, else miniircd.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
# A smoke run plus server start and stop; far above the ~2 s one takes.
RUN_TIMEOUT_S = 40


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "benchmarks.run", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT_S,
    )


def run_scenario(*args: str) -> dict[str, object]:
    done = run_cli(*args)
    assert done.returncode == 0, done.stderr[-3000:]
    lines = done.stdout.strip().splitlines()
    assert len(lines) == 1, done.stdout
    result = json.loads(lines[0])
    assert isinstance(result, dict)
    return result


def test_fanout_delivers_every_message_to_every_other_member() -> None:
    result = run_scenario(
        "fanout", "--clients", "8", "--senders", "2", "--rate", "40", "--seconds", "1"
    )
    assert result["scenario"] == "fanout"
    assert result["messages_sent"] == 40
    assert result["deliveries"] == 40 * 7
    assert result["lost"] == 0 and result["duplicated"] == 0
    assert 0 < result["latency_p50_ms"] <= result["latency_p99_ms"] <= result["latency_max_ms"]
    assert result["server_cpu_s"] >= 0 and "server_cpu_us_per_delivery" in result


def test_idle_registers_every_connection_and_reads_server_memory() -> None:
    result = run_scenario("idle", "--clients", "40", "--idle-seconds", "0.5")
    assert result["registered"] == 40 and result["failed"] == 0
    assert result["server_rss_after_kb"] > 0
    assert result["register_all_s"] > 0
    assert result["idle_cpu_percent"] >= 0


def test_churn_completes_cycles_without_errors() -> None:
    result = run_scenario("churn", "--seconds", "1", "--concurrency", "4")
    assert result["connections"] > 0 and result["failed"] == 0
    assert result["connections_per_s"] > 0


def test_external_server_needs_its_pid() -> None:
    done = run_cli("idle", "--address", "127.0.0.1:1")
    assert done.returncode != 0
    assert "--pid" in done.stderr


def test_more_senders_than_clients_is_refused() -> None:
    done = run_cli("fanout", "--clients", "2", "--senders", "3", "--seconds", "0.1")
    assert done.returncode != 0
    assert "senders" in done.stderr


def test_the_uvloop_floor_answers_churn_idle_and_fanout() -> None:
    churn = run_scenario("churn", "--server", "floor", "--seconds", "1", "--concurrency", "4")
    assert churn["server"] == "floor" and churn["connections"] > 0 and churn["failed"] == 0
    idle = run_scenario("idle", "--server", "floor", "--clients", "20", "--idle-seconds", "0.2")
    assert idle["registered"] == 20 and idle["failed"] == 0
    fanout = run_scenario(
        "fanout",
        "--server",
        "floor",
        "--clients",
        "6",
        "--senders",
        "2",
        "--rate",
        "20",
        "--seconds",
        "1",
    )
    assert fanout["messages_sent"] == 20
    assert fanout["deliveries"] == 20 * 5 and fanout["lost"] == 0 and fanout["duplicated"] == 0
