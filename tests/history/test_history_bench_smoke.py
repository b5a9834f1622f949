"""A tiny run of benchmarks/history_bench.py, so the benchmark never rots."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
RUN_TIMEOUT_S = 50


def test_history_benchmark_runs_and_reports_every_figure(tmp_path: Path) -> None:
    done = subprocess.run(
        [
            sys.executable,
            "benchmarks/history_bench.py",
            "--messages",
            "2000",
            "--queries",
            "5",
            "--latency-seconds",
            "0.1",
            "--dir",
            str(tmp_path),
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT_S,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["messages"] == 2000
    assert result["fill"]["messages_per_s"] > 0
    assert result["db_bytes"] > 0
    assert set(result["queries"]) >= {"LATEST *", "BEFORE msgid", "AFTER msgid", "AROUND msgid"}
    for stats in result["commit_latency"].values():
        assert stats["not_stored"] == 0
        assert 0 < stats["p50_ms"] <= stats["p99_ms"]
