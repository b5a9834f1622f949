"""`tui-chat host` as a real process in a pseudo-terminal: it serves, and Ctrl+Q ends it all."""

from __future__ import annotations

import os
import pty
import re
import select
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

# Seconds for the app to start and draw, and then to exit after Ctrl+Q.
START_WAIT = 30.0
EXIT_WAIT = 15.0
CTRL_Q = b"\x11"
# Shown in the status line and the rooms list once the app has connected.
_ADDRESS = re.compile(rb"127\.0\.0\.1:(\d+)")

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="needs a pty")


def read_until(fd: int, pattern: re.Pattern[bytes], deadline: float) -> re.Match[bytes]:
    seen = b""
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], max(0.0, deadline - time.monotonic()))
        if not ready:
            break
        try:
            chunk = os.read(fd, 65536)
        except OSError:  # the child closed the terminal
            break
        seen += chunk
        match = pattern.search(seen)
        if match:
            return match
    raise AssertionError(f"never saw {pattern.pattern!r}; last output: {seen[-400:]!r}")


def exit_code(process: subprocess.Popen[bytes], fd: int, deadline: float) -> int | None:
    """Wait for the process, reading its screen meanwhile: a full pty would block its exit."""
    while process.poll() is None and time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.1)
        if ready:
            try:
                os.read(fd, 65536)
            except OSError:
                break
    return process.wait(timeout=max(0.1, deadline - time.monotonic()))


def test_host_serves_friends_and_ctrl_q_stops_everything(tmp_path: Path) -> None:
    env = dict(os.environ, TUI_CHAT_CONFIG=str(tmp_path / "settings.toml"), TERM="xterm-256color")
    env.update(COLUMNS="100", LINES="30")
    history = tmp_path / "history.sqlite3"
    leader, follower = pty.openpty()
    command = [sys.executable, "-m", "tui_chat", "host", "127.0.0.1", "0", "--nick", "hostess"]
    command += ["--db", str(history)]
    process = subprocess.Popen(
        command, stdin=follower, stdout=follower, stderr=follower, env=env, start_new_session=True
    )
    os.close(follower)
    try:
        port = int(read_until(leader, _ADDRESS, time.monotonic() + START_WAIT).group(1))
        # The server is up: a plain IRC client can register and lands in #lobby.
        with socket.create_connection(("127.0.0.1", port), timeout=START_WAIT) as friend:
            friend.sendall(b"NICK friend\r\nUSER friend 0 * :Friend\r\n")
            greeting = b""
            while b"JOIN" not in greeting:
                greeting += friend.recv(4096)
                assert greeting, "the server closed the connection"
            # Answered only after the message before it was handled, so stored.
            friend.sendall(b"PRIVMSG #lobby :remember me\r\nPING :stored\r\n")
            while b"stored" not in greeting:
                greeting += friend.recv(4096)
        read_until(leader, re.compile(rb"\[connected\]"), time.monotonic() + START_WAIT)
        os.write(leader, CTRL_Q)
        assert exit_code(process, leader, time.monotonic() + EXIT_WAIT) == 0
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        os.close(leader)
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", port)) != 0
    # --db: the room's history went to the file asked for.
    with sqlite3.connect(history) as db:
        said = db.execute("SELECT text FROM messages WHERE command = 'PRIVMSG'").fetchall()
        assert said == [("remember me",)]
