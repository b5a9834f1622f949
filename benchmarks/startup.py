"""Start-up benchmark of issue 6: `tui-chat --help` and the app's first frame.

    python -m benchmarks.startup            # both, one JSON line
    python -m benchmarks.startup --runs 10 --frame-runs 5

`--help`: wall time of `tui-chat --help` as its own process (the venv's
console script, as a person runs it), after one warm-up run so the files are
in the page cache; median, min and max of `--runs`.

First frame: a fresh `tui-chat serve` listens on a free loopback port;
`tui-chat join 127.0.0.1 PORT --nick bench` starts under a pseudo-terminal of
`--size`, as in a real terminal emulator. The clock starts just before the
process is spawned and stops when the terminal output holds the first drawn
screen: the status line's server label (`127.0.0.1:PORT`), which only a
composed, rendered frame contains (the command line itself is not echoed
to the terminal). Then Ctrl+Q quits it, and the time to exit is reported too.
"""

from __future__ import annotations

import argparse
import fcntl
import json
import os
import pty
import select
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
from pathlib import Path
from typing import Any

from benchmarks.servers import running_server

# The console script next to this interpreter, i.e. the project's venv.
TUI_CHAT = Path(sys.executable).with_name("tui-chat")
# Timed `--help` runs (after one warm-up); --runs changes it.
HELP_RUNS = 10
# Timed first frames; --frame-runs changes it.
FRAME_RUNS = 5
# Terminal of the first-frame runs (columns, rows); --size changes it.
TERMINAL_SIZE = (120, 40)
# A run that has not drawn or exited within this long counts as a failure.
FRAME_TIMEOUT_S = 20.0
EXIT_TIMEOUT_S = 10.0
# Ctrl+Q: the app's quit key.
QUIT_KEY = b"\x11"
READ_BYTES = 65536


def help_times(runs: int) -> list[float]:
    """Seconds per `tui-chat --help`, warm-up excluded."""
    times = []
    for run in range(runs + 1):
        started = time.perf_counter()
        subprocess.run([str(TUI_CHAT), "--help"], capture_output=True, check=True)
        if run:
            times.append(time.perf_counter() - started)
    return times


def read_until(fd: int, marker: bytes, deadline: float) -> bytes:
    """Everything the terminal received up to and including `marker`."""
    seen = b""
    while marker not in seen:
        left = deadline - time.perf_counter()
        if left <= 0:
            raise TimeoutError(f"{marker!r} never appeared; last output {seen[-300:]!r}")
        ready, _, _ = select.select([fd], [], [], left)
        if ready:
            try:
                seen += os.read(fd, READ_BYTES)
            except OSError as exc:  # EIO: the child closed the terminal
                raise RuntimeError(f"app exited before drawing: {seen[-300:]!r}") from exc
    return seen


def drain(fd: int) -> None:
    """Keep reading so the app never blocks on a full terminal buffer."""
    while select.select([fd], [], [], 0)[0]:
        try:
            if not os.read(fd, READ_BYTES):
                return
        except OSError:
            return


def first_frame(port: int, size: tuple[int, int], config_dir: Path) -> tuple[float, float]:
    """(seconds to the first frame, seconds from Ctrl+Q to exit) of one `tui-chat join`."""
    primary, secondary = pty.openpty()
    columns, rows = size
    fcntl.ioctl(secondary, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
    env = {
        **os.environ,
        "TERM": "xterm-256color",
        "COLUMNS": str(columns),
        "LINES": str(rows),
        # An empty settings file of our own, so the user's settings play no part.
        "TUI_CHAT_CONFIG": str(config_dir / "settings.toml"),
    }
    argv = [str(TUI_CHAT), "join", "127.0.0.1", str(port), "--nick", "bench"]
    started = time.perf_counter()
    process = subprocess.Popen(
        argv, stdin=secondary, stdout=secondary, stderr=secondary, env=env, start_new_session=True
    )
    os.close(secondary)
    try:
        label = f"127.0.0.1:{port}".encode()
        read_until(primary, label, started + FRAME_TIMEOUT_S)
        drawn = time.perf_counter() - started
        asked = time.perf_counter()
        os.write(primary, QUIT_KEY)
        deadline = asked + EXIT_TIMEOUT_S
        while process.poll() is None and time.perf_counter() < deadline:
            drain(primary)
            time.sleep(0.01)
        if process.poll() is None:
            raise TimeoutError(f"the app did not exit within {EXIT_TIMEOUT_S} s of Ctrl+Q")
        return drawn, time.perf_counter() - asked
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        os.close(primary)


def summary(samples: list[float]) -> dict[str, float]:
    return {
        "median_s": round(statistics.median(samples), 4),
        "min_s": round(min(samples), 4),
        "max_s": round(max(samples), 4),
    }


def measure(runs: int, frame_runs: int, size: tuple[int, int]) -> dict[str, Any]:
    frames: list[float] = []
    exits: list[float] = []
    with running_server("ours") as server, tempfile.TemporaryDirectory() as tmp:
        for _ in range(frame_runs):
            drawn, exited = first_frame(server.port, size, Path(tmp))
            frames.append(drawn)
            exits.append(exited)
    return {
        "scenario": "tui_startup",
        "help_runs": runs,
        "help": summary(help_times(runs)),
        "frame_runs": frame_runs,
        "terminal": list(size),
        "first_frame": summary(frames),
        "quit_to_exit": summary(exits),
    }


def size_arg(text: str) -> tuple[int, int]:
    columns, _, rows = text.partition("x")
    return int(columns), int(rows)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.startup", description=__doc__)
    parser.add_argument("--runs", type=int, default=HELP_RUNS, help="timed --help runs")
    parser.add_argument("--frame-runs", type=int, default=FRAME_RUNS, help="timed first frames")
    parser.add_argument("--size", type=size_arg, default=TERMINAL_SIZE, help="COLUMNSxROWS")
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    if args.runs < 1 or args.frame_runs < 1:
        parser.error("--runs and --frame-runs must be at least 1")
    print(json.dumps(measure(args.runs, args.frame_runs, args.size)), flush=True)


if __name__ == "__main__":
    main()
