"""Markdown tables of a results file (JSON lines from `run.py suite` or single runs)."""

from __future__ import annotations

import json
import statistics
from pathlib import Path
from typing import Any

__all__ = ["latest_rows", "markdown_tables", "median_row", "result_groups"]

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
# Per scenario: the column whose spread over repeats is worth a `range` column.
_HEADLINE: dict[str, str] = {
    "fanout": "server_cpu_us_per_delivery",
    "idle": "server_rss_per_conn_kb",
    "churn": "server_cpu_us_per_connection",
}


Row = dict[str, Any]


def _case_key(row: Row) -> tuple[str, str, object]:
    scenario = row["scenario"]
    return scenario, row["server"], row.get(_TABLES[scenario][0], str(row.get("args")))


def result_groups(results: Path) -> list[list[Row]]:
    """Every scenario row, grouped by (scenario, server, case): the latest run's results.

    A `suite --repeat N` run writes `"repeat": 1..N` for each case, so a row with
    repeat > 1 joins its case's group from the same suite (the same machine line
    before it); any other row starts a new group and replaces the old one, so a
    file appended to by several runs still shows only the latest.
    """
    groups: dict[tuple[str, str, object], tuple[int, list[Row]]] = {}
    suite = 0
    for line in results.read_text().splitlines():
        row = json.loads(line)
        if row.get("scenario") == "machine":
            suite += 1
        if row.get("scenario") not in _TABLES:
            continue
        key = _case_key(row)
        if row.get("repeat", 1) > 1 and key in groups and groups[key][0] == suite:
            groups[key][1].append(row)
        else:
            groups[key] = (suite, [row])
    return [rows for _, rows in groups.values()]


def latest_rows(results: Path) -> list[Row]:
    """Every scenario row, the last one winning for each (scenario, server, case)."""
    return [group[-1] for group in result_groups(results)]


def _numbers(group: list[Row], key: str) -> list[float]:
    # bool is an int, but a flag has no median; null (no measurement) is left out.
    return [
        v for r in group if isinstance(v := r.get(key), int | float) and not isinstance(v, bool)
    ]


def median_row(group: list[Row]) -> Row:
    """The group's last row with each numeric field replaced by its median over the group."""
    merged = dict(group[-1])
    for key in {k for r in group for k in r}:
        numbers = _numbers(group, key)
        if numbers:
            merged[key] = statistics.median(numbers)
    return merged


def _cell(value: object) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, str):
        return value[:60].replace("|", "/")
    return f"{value:,}" if isinstance(value, int) else f"{value:g}"


def _spread(group: list[Row], key: str) -> str:
    numbers = _numbers(group, key)
    return f"{_cell(min(numbers))}-{_cell(max(numbers))}" if numbers else ""


def _header(case_key: str, titles: list[str]) -> list[str]:
    return [
        "| " + " | ".join([case_key, "server", *titles]) + " |",
        "|" + " --- |" * (len(titles) + 2),
    ]


def _table(scenario: str, groups: list[list[Row]]) -> list[str]:
    """One scenario's table; `runs` and `range` columns only when some case ran more than once."""
    case_key, columns = _TABLES[scenario]
    headline = _HEADLINE[scenario]
    repeated = any(len(g) > 1 for g in groups)
    titles = [t for _, t in columns]
    at = [key for key, _ in columns].index(headline) + 1  # `range` goes right after it
    if repeated:
        titles = ["runs", *titles[:at], "range", *titles[at:]]
    lines = _header(case_key, titles)
    rows = sorted(
        ((median_row(g), g) for g in groups),
        key=lambda p: (str(p[0].get(case_key)), p[0]["server"]),
    )
    for row, group in rows:
        if "error" in row:
            cells = [_cell(row["error"])] + [""] * (len(columns) - 1)
        else:
            cells = [_cell(row.get(key)) for key, _ in columns]
        if repeated:
            spread = "" if "error" in row else _spread(group, headline)
            cells = [str(len(group)), *cells[:at], spread, *cells[at:]]
        lines.append("| " + " | ".join([_cell(row.get(case_key)), row["server"], *cells]) + " |")
    return lines


def markdown_tables(results: Path) -> str:
    """One table per scenario; a case run several times shows its medians."""
    groups = result_groups(results)
    out: list[str] = []
    for scenario in _TABLES:
        mine = [g for g in groups if g[-1]["scenario"] == scenario]
        if mine:
            out += [f"### {scenario}\n", *_table(scenario, mine), ""]
    return "\n".join(out)
