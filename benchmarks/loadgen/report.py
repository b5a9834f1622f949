"""Markdown tables of a results file (JSON lines from `run.py suite` or single runs)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

__all__ = ["latest_rows", "markdown_tables"]

# Per scenario: the parameter that tells its cases apart, and the columns shown.
_TABLES: dict[str, tuple[str, list[tuple[str, str]]]] = {
    "fanout": (
        "clients",
        [
            ("server_cpu_us_per_delivery", "CPU µs/delivery"),
            ("server_user_us_per_delivery", "user µs"),
            ("server_sys_us_per_delivery", "sys µs"),
            ("deliveries_per_s", "deliveries/s"),
            ("latency_p50_ms", "p50 ms"),
            ("latency_p99_ms", "p99 ms"),
            ("latency_max_ms", "max ms"),
            ("lost", "lost"),
        ],
    ),
    "idle": (
        "clients",
        [
            ("registered", "held"),
            ("register_all_s", "register all s"),
            ("server_cpu_us_per_registration", "CPU µs/registration"),
            ("server_rss_per_conn_kb", "RSS KB/conn"),
            ("idle_cpu_percent", "idle CPU %"),
            ("first_error", "error"),
        ],
    ),
    "churn": (
        "concurrency",
        [
            ("connections", "connections"),
            ("connections_per_s", "conn/s"),
            ("server_cpu_us_per_connection", "CPU µs/conn"),
            ("failed", "failed"),
        ],
    ),
}


def latest_rows(results: Path) -> list[dict[str, Any]]:
    """Every scenario row, the last one winning for each (scenario, server, case)."""
    rows: dict[tuple[str, str, object], dict[str, Any]] = {}
    for line in results.read_text().splitlines():
        row = json.loads(line)
        scenario = row.get("scenario")
        if scenario in _TABLES:
            case = row.get(_TABLES[scenario][0], str(row.get("args")))
            rows[(scenario, row["server"], case)] = row
    return list(rows.values())


def _cell(value: object) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, str):
        return value[:60].replace("|", "/")
    return f"{value:,}" if isinstance(value, int) else f"{value:g}"


def markdown_tables(results: Path) -> str:
    rows = latest_rows(results)
    out: list[str] = []
    for scenario, (case_key, columns) in _TABLES.items():
        mine = [r for r in rows if r["scenario"] == scenario]
        if not mine:
            continue
        mine.sort(key=lambda r: (str(r.get(case_key)), r["server"]))
        out.append(f"### {scenario}\n")
        out.append("| " + " | ".join([case_key, "server", *(t for _, t in columns)]) + " |")
        out.append("|" + " --- |" * (len(columns) + 2))
        for r in mine:
            if "error" in r:
                cells = [_cell(r["error"])] + [""] * (len(columns) - 1)
            else:
                cells = [_cell(r.get(key)) for key, _ in columns]
            out.append("| " + " | ".join([_cell(r.get(case_key)), r["server"], *cells]) + " |")
        out.append("")
    return "\n".join(out)
