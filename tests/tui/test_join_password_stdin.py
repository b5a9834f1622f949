"""`echo pw | tui-chat join --password-stdin` in a real terminal: the keyboard still works."""

from __future__ import annotations

import fcntl
import os
import pty
import re
import signal
import socket
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest

from tui_chat.server.config import ServerConfig
from tui_chat.server.thread import ServerThread

from .test_host_process import CTRL_Q, EXIT_WAIT, START_WAIT, exit_code, read_until

PASSWORD = "Readerpass1"

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="needs a pty")


def _controlling_terminal() -> None:
    """In the child: its own session with the pty (already its stdout) as controlling terminal."""
    os.setsid()
    fcntl.ioctl(1, termios.TIOCSCTTY, 0)


def _read_until(peer: socket.socket, wanted: bytes, seen: bytes = b"") -> bytes:
    while wanted not in seen:
        chunk = peer.recv(4096)
        assert chunk, f"the server closed the connection; last: {seen[-300:]!r}"
        seen += chunk
    return seen


def _watcher_owning_reader(address: tuple[str, int]) -> socket.socket:
    """A raw client that registers the account `reader`, then sits in #lobby as `watcher`."""
    peer = socket.create_connection(address, timeout=START_WAIT)
    peer.sendall(
        b"CAP LS 302\r\nNICK reader\r\nUSER reader 0 * :r\r\n"
        b"CAP REQ :draft/account-registration\r\n"
        + f"REGISTER * * :{PASSWORD}\r\n".encode()
        + b"CAP END\r\n"
    )
    seen = _read_until(peer, b"REGISTER SUCCESS")
    peer.sendall(b"NICK watcher\r\nJOIN #lobby\r\n")
    _read_until(peer, b"JOIN", seen.partition(b"REGISTER SUCCESS")[2])
    return peer


def test_a_piped_password_logs_in_and_the_keyboard_types_and_quits(tmp_path: Path) -> None:
    server = ServerThread(
        ServerConfig(history_db=str(tmp_path / "history.sqlite3")), "127.0.0.1", 0
    )
    address = server.start()
    env = dict(os.environ, TUI_CHAT_CONFIG=str(tmp_path / "settings.toml"), TERM="xterm-256color")
    env.update(COLUMNS="100", LINES="30")
    leader, follower = pty.openpty()
    process = None
    try:
        watcher = _watcher_owning_reader(address)
        command = [sys.executable, "-m", "tui_chat", "join", address[0], str(address[1])]
        command += ["--nick", "reader", "--account", "reader", "--password-stdin"]
        process = subprocess.Popen(
            command,
            stdin=subprocess.PIPE,
            stdout=follower,
            stderr=follower,
            env=env,
            preexec_fn=_controlling_terminal,
        )
        os.close(follower)
        assert process.stdin is not None
        process.stdin.write(f"{PASSWORD}\n".encode())
        process.stdin.close()
        read_until(leader, re.compile(rb"\[connected\]"), time.monotonic() + START_WAIT)
        os.write(leader, b"typed on the keyboard\r")
        with watcher:
            _read_until(watcher, b"PRIVMSG #lobby :typed on the keyboard")
            watcher.sendall(b"WHOIS reader\r\n")
            # 330: reader is logged in to the account reader (the piped password worked).
            _read_until(watcher, b" 330 watcher reader reader ")
        os.write(leader, CTRL_Q)
        assert exit_code(process, leader, time.monotonic() + EXIT_WAIT) == 0
    finally:
        if process is not None and process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        os.close(leader)
        server.stop()


def test_a_piped_password_without_any_terminal_is_refused_with_a_sentence(tmp_path: Path) -> None:
    env = dict(os.environ, TUI_CHAT_CONFIG=str(tmp_path / "settings.toml"))
    command = [sys.executable, "-m", "tui_chat", "join", "127.0.0.1", "1", "--nick", "reader"]
    done = subprocess.run(
        [*command, "--account", "reader", "--password-stdin"],
        input=f"{PASSWORD}\n".encode(),
        capture_output=True,
        env=env,
        start_new_session=True,  # no controlling terminal: /dev/tty cannot open
        timeout=START_WAIT,
    )
    assert done.returncode == 2
    assert done.stderr.decode().strip() == (
        "tui-chat: error: --password-stdin needs a terminal for the chat itself, and there is none"
    )
