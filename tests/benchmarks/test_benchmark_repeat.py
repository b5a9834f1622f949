"""`suite --repeat N`: the round-robin run order, and medians in `table` and `plot`.

No servers are started: the plan is a pure function, the suite's case runner is
replaced by a fake, and the tables are built from hand-written result lines.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from benchmarks import run
from benchmarks.loadgen.plot import fanout_points
from benchmarks.loadgen.report import markdown_tables

FANOUT_200 = ("fanout", ["--clients", "200"])
IDLE_1000 = ("idle", ["--clients", "1000"])
MACHINE = {"scenario": "machine", "cpu": "test", "cores": 2}


def fanout(server: str, cpu: float | None, p99: float, repeat: int | None = None) -> dict[str, Any]:
    row: dict[str, Any] = {
        "scenario": "fanout",
        "server": server,
        "clients": 200,
        "server_cpu_us_per_delivery": cpu,
        "server_user_us_per_delivery": 1.0,
        "server_sys_us_per_delivery": 3.0,
        "deliveries_per_s": 39000.0,
        "latency_p50_ms": 1.0,
        "latency_p99_ms": p99,
        "latency_max_ms": 30.0,
        "lost": 0,
    }
    return row if repeat is None else {**row, "repeat": repeat}


def write(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def table_lines(results: Path, server: str) -> list[list[str]]:
    """The table's header cells and the cells of `server`'s rows."""
    lines = [line for line in markdown_tables(results).splitlines() if line.startswith("| ")]
    cells = [[c.strip() for c in line.strip("|").split("|")] for line in lines]
    return [cells[0], *(c for c in cells[1:] if c[1] == server)]


def test_plan_runs_each_case_n_times_rotating_the_server_order() -> None:
    plan = run.suite_plan([FANOUT_200, IDLE_1000], ["a", "b"], 2)
    assert [(case[0], kind, rep) for case, kind, rep in plan] == [
        ("fanout", "a", 1),
        ("fanout", "b", 1),
        ("fanout", "b", 2),
        ("fanout", "a", 2),
        ("idle", "a", 1),
        ("idle", "b", 1),
        ("idle", "b", 2),
        ("idle", "a", 2),
    ]


def test_plan_without_repeat_is_the_old_order() -> None:
    plan = run.suite_plan([FANOUT_200, IDLE_1000], ["a", "b", "c"], 1)
    assert [(case, kind) for case, kind, _ in plan] == [
        (FANOUT_200, "a"),
        (FANOUT_200, "b"),
        (FANOUT_200, "c"),
        (IDLE_1000, "a"),
        (IDLE_1000, "b"),
        (IDLE_1000, "c"),
    ]
    assert {rep for _, _, rep in plan} == {1}


@pytest.mark.parametrize("bad", ["0", "-1", "two"])
def test_repeat_below_one_is_refused(bad: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        run.main(["suite", "--out", "/nonexistent/never-written.jsonl", "--repeat", bad])
    assert exited.value.code == 2
    assert "--repeat" in capsys.readouterr().err


def test_suite_tags_each_line_with_its_repetition(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    ran: list[tuple[str, str]] = []

    def fake_case(name: str, extra: list[str], kind: str) -> dict[str, Any]:
        ran.append((name, kind))
        return {"scenario": name, "server": kind, "clients": int(extra[1])}

    monkeypatch.setattr(run, "SUITE", [FANOUT_200])
    monkeypatch.setattr(run, "_suite_case", fake_case)
    out = tmp_path / "results.jsonl"
    run.main(["suite", "--servers", "a,b", "--repeat", "2", "--out", str(out)])

    assert ran == [("fanout", "a"), ("fanout", "b"), ("fanout", "b"), ("fanout", "a")]
    written = [json.loads(line) for line in out.read_text().splitlines()]
    assert written[0]["scenario"] == "machine"
    assert [(r["server"], r["repeat"]) for r in written[1:]] == [
        ("a", 1),
        ("b", 1),
        ("b", 2),
        ("a", 2),
    ]
    printed = capsys.readouterr().out.splitlines()
    assert [json.loads(line) for line in printed] == written[1:]


def test_table_shows_medians_runs_and_the_headline_range(tmp_path: Path) -> None:
    results = write(
        tmp_path / "r.jsonl",
        [
            MACHINE,
            fanout("ours", 5.0, 6.0, repeat=1),
            fanout("other", 4.0, 30.0, repeat=1),
            fanout("other", None, 31.0, repeat=2),  # no CPU reading: left out of the median
            fanout("ours", 4.0, 9.0, repeat=2),
            fanout("ours", 7.0, 7.0, repeat=3),
            fanout("other", 6.0, 35.0, repeat=3),
        ],
    )
    header, ours = table_lines(results, "ours")
    assert header[:5] == ["clients", "server", "runs", "CPU µs/delivery", "range"]
    row = dict(zip(header, ours, strict=True))
    assert row["runs"] == "3"
    assert row["CPU µs/delivery"] == "5"
    assert row["range"] == "4-7"
    assert row["p99 ms"] == "7"
    other = dict(zip(header, table_lines(results, "other")[1], strict=True))
    assert other["runs"] == "3"
    assert other["CPU µs/delivery"] == "5"  # median of 4 and 6
    assert other["range"] == "4-6"
    assert other["p99 ms"] == "31"


def test_single_results_render_without_the_new_columns(tmp_path: Path) -> None:
    results = write(tmp_path / "r.jsonl", [MACHINE, fanout("ours", 5.0, 6.0)])
    header, ours = table_lines(results, "ours")
    assert "runs" not in header and "range" not in header
    assert ours[:3] == ["200", "ours", "5"]


def test_a_later_run_replaces_an_earlier_repeated_one(tmp_path: Path) -> None:
    results = write(
        tmp_path / "r.jsonl",
        [
            MACHINE,
            fanout("ours", 5.0, 6.0, repeat=1),
            fanout("ours", 9.0, 6.0, repeat=2),
            MACHINE,
            fanout("ours", 3.0, 6.0, repeat=1),
            fanout("ours", 4.0, 6.0, repeat=2),
        ],
    )
    header, ours = table_lines(results, "ours")
    row = dict(zip(header, ours, strict=True))
    assert (row["runs"], row["CPU µs/delivery"], row["range"]) == ("2", "3.5", "3-4")


def test_error_lines_still_show_their_error(tmp_path: Path) -> None:
    error = {
        "scenario": "idle",
        "server": "miniircd",
        "args": ["--clients", "5000"],
        "error": "ConnectionFailed: too many",
    }
    results = write(
        tmp_path / "r.jsonl",
        [MACHINE, {**error, "repeat": 1}, {**error, "repeat": 2}, fanout("ours", 5.0, 6.0)],
    )
    text = markdown_tables(results)
    assert "| miniircd | 2 | ConnectionFailed: too many |" in text
    single = write(tmp_path / "s.jsonl", [MACHINE, error])
    assert "| miniircd | ConnectionFailed: too many |" in markdown_tables(single)


def test_plot_points_are_the_medians(tmp_path: Path) -> None:
    results = write(
        tmp_path / "r.jsonl",
        [
            MACHINE,
            fanout("ours", 5.0, 6.0, repeat=1),
            fanout("ours", 4.0, 9.0, repeat=2),
            fanout("ours", 7.0, 7.0, repeat=3),
        ],
    )
    assert fanout_points(results) == {"ours": {200: (5.0, 7.0)}}
