"""Quick runs of the TUI benchmarks (tiny N) so they never rot.

Each runs `python -m benchmarks.tui_burst` or `python -m benchmarks.startup`
as its own process, exactly as a person would.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
# App start, a few hundred messages and teardown; far above the ~2 s one takes.
RUN_TIMEOUT_S = 40


def run_module(*args: str, succeeds: bool = True) -> subprocess.CompletedProcess[str]:
    """`python -m ARGS` from the repository root; asserts its exit status."""
    command = [sys.executable, "-m", *args]
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=RUN_TIMEOUT_S)
    assert (done.returncode == 0) is succeeds, done.stderr[-3000:]
    return done


def run_json(*args: str) -> dict[str, Any]:
    """The one JSON line a benchmark prints."""
    (line,) = run_module(*args).stdout.splitlines()
    result = json.loads(line)
    assert isinstance(result, dict)
    return result


def test_burst_shows_every_message_and_times_every_key() -> None:
    result = run_json("benchmarks.tui_burst", "burst", "--messages", "300")
    assert result["log_entries"] == 300
    assert 0 < result["post_s"] <= result["displayed_s"]
    assert result["keys_posted"] > 0 and result["keys_seen"] == result["keys_posted"]
    assert 0 <= result["key_latency_p50_ms"] <= result["key_latency_max_ms"]
    assert result["rss_after_kb"] > 0 and result["python_blocks_after"] > 0


def test_scrollback_cap_bounds_the_kept_entries() -> None:
    result = run_json(
        "benchmarks.tui_burst", "burst", "--messages", "400", "--scrollback", "100", "--chunk", "50"
    )
    assert result["log_entries"] == 100
    assert result["chunk"] == 50


def test_sustained_rate_sends_rate_times_seconds() -> None:
    result = run_json("benchmarks.tui_burst", "sustained", "--rate", "200", "--seconds", "0.5")
    assert result["messages"] == 100
    assert result["send_s"] >= 0.4
    assert result["keys_seen"] == result["keys_posted"] > 0


def test_scroll_moves_by_pages_and_reaches_both_ends() -> None:
    result = run_json("benchmarks.tui_burst", "scroll", "--lines", "300", "--presses", "2")
    assert result["log_entries"] == 300
    assert result["rows_moved_up"] == 2 * result["page_rows"]
    assert result["home_reached_top"] and result["end_reached_bottom"]
    assert isinstance(result["oldest_reachable_seq"], int)
    assert result["page_up"]["max_ms"] > 0 and result["end_ms"] > 0


def test_resize_times_each_resize_and_ends_at_the_newest_line() -> None:
    result = run_json("benchmarks.tui_burst", "resize", "--lines", "300", "--times", "2")
    assert result["lines"] == 300 and result["resizes"] == 2
    assert result["narrower"][0] < result["size"][0]
    assert 0 < result["resize"]["median_ms"] <= result["resize"]["max_ms"]
    assert result["newest_shown_after"] is True


def test_startup_times_help_and_a_first_frame_in_a_terminal() -> None:
    result = run_json("benchmarks.startup", "--runs", "1", "--frame-runs", "1")
    assert 0 < result["help"]["median_s"] < RUN_TIMEOUT_S
    assert 0 < result["first_frame"]["median_s"] < RUN_TIMEOUT_S
    assert result["quit_to_exit"]["median_s"] > 0


def test_nothing_to_send_is_refused() -> None:
    done = run_module("benchmarks.tui_burst", "burst", "--messages", "0", succeeds=False)
    assert "--messages" in done.stderr
