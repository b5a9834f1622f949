"""`tui-chat serve` as a real subprocess: start, announce, chat log, SIGTERM."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import socket
import ssl
import subprocess
import sys
from pathlib import Path

import pytest

from e2e.ircpeer import DEFAULT_TIMEOUT, IrcPeer, match
from tui_chat.irc.message import Message
from tui_chat.server.limits import MAX_CONNECTIONS_PER_IP
from tui_chat.server.tls import ensure_self_signed

READY = re.compile(r"listening on (\S+):(\d+)")
ANNOUNCE_END = b"Ctrl+C stops"


async def start_serve(
    *args: str, port: int = 0
) -> tuple[asyncio.subprocess.Process, tuple[str, int], list[str]]:
    """Start `tui-chat serve 127.0.0.1 PORT *args`; the first address and the announcement."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tui_chat",
        "serve",
        "127.0.0.1",
        str(port),
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    assert proc.stdout is not None
    lines: list[str] = []
    async with asyncio.timeout(15):
        while not lines or ANNOUNCE_END not in lines[-1].encode():
            line = await proc.stdout.readline()
            assert line, f"serve ended before announcing: {lines}"
            lines.append(line.decode().rstrip("\n"))
    found = READY.search(lines[0])
    assert found, f"no address announced: {lines}"
    return proc, (found.group(1), int(found.group(2))), lines


async def finish(proc: asyncio.subprocess.Process) -> tuple[int, str]:
    async with asyncio.timeout(15):
        _, err = await proc.communicate()
    assert proc.returncode is not None
    return proc.returncode, err.decode()


async def test_serve_announces_port_logs_chat_and_stops_on_sigterm() -> None:
    proc, address, _ = await start_serve()
    try:
        alice = await IrcPeer.connect(address)
        await alice.register("alice")
        await alice.expect(match("JOIN", "alice"))
        await alice.send("PRIVMSG #lobby :hi there", "PRIVMSG #lobby :\x1b]0;pwned\x07\x1b[2Jgone")
        await alice.sync()

        proc.send_signal(signal.SIGTERM)
        last = await alice.closed()
    except BaseException:
        proc.kill()
        raise
    code, log = await finish(proc)

    assert [m for m in last if m.command == "ERROR"], last
    assert code == 0, log
    assert re.search(r"\d\d:\d\d:\d\d <#lobby> alice: hi there", log), log
    # Terminal control sequences from a chat line reach the console escaped.
    assert "\x1b" not in log and "\x07" not in log
    assert "alice: \\x1b]0;pwned\\x07\\x1b[2Jgone" in log
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(address, timeout=DEFAULT_TIMEOUT).close()
    await alice.close()


async def test_sigint_stops_cleanly_too() -> None:
    proc, _, _ = await start_serve("--quiet")
    proc.send_signal(signal.SIGINT)
    code, log = await finish(proc)
    assert code == 0
    assert "Traceback" not in log


async def test_no_room_and_custom_room(tmp_path: Path) -> None:
    motd = tmp_path / "motd.txt"
    motd.write_text("Be kind.\nHave fun.\nnul\0here\n" + "é" * 1000 + "\n", encoding="utf-8")
    proc, address, _ = await start_serve(
        "--room", "dev", "--name", "box.test", "--motd-file", str(motd)
    )
    try:
        bob = await IrcPeer.connect(address)
        burst = await bob.register("bob")
        assert burst[0].source == "box.test"
        motd = [m.params[-1] for m in burst if m.command == "372"]
        assert motd[:3] == ["- Be kind.", "- Have fun.", "- nulhere"]
        # The 2000-byte line arrives split, whole, every piece within IRC's 512 bytes.
        assert "".join(line[2:] for line in motd[3:]) == "é" * 1000
        assert all(len(m.serialize().encode()) <= 510 for m in burst)
        joined = await bob.expect("JOIN")
        assert joined.params[0] == "#dev"
        await bob.close()
    finally:
        proc.send_signal(signal.SIGTERM)
    assert (await finish(proc))[0] == 0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def said_and_stopped(port: int, text: str) -> tuple[str, list[str]]:
    """Serve on `port` without --db, say `text` in #lobby; the History line and what was there."""
    proc, address, lines = await start_serve("--quiet", port=port)
    try:
        peer = await IrcPeer.connect(address)
        await peer.register("alice", caps=["batch", "draft/chathistory"])
        await peer.expect(match("366"))
        await peer.send("CHATHISTORY LATEST #lobby * 10")
        start = await peer.expect("BATCH")
        found: list[Message] = []
        await peer.expect(match("BATCH", None, "-" + start.params[0][1:]), skipped=found)
        await peer.send(f"PRIVMSG #lobby :{text}")
        await peer.sync()
        await peer.close()
    finally:
        proc.send_signal(signal.SIGTERM)
    assert (await finish(proc))[0] == 0
    (history,) = [line for line in lines if line.startswith("History: ")]
    return history.removeprefix("History: "), [m.params[-1] for m in found]


async def test_default_history_file_is_per_port_in_the_data_dir() -> None:
    """Two servers on one machine never share a room's history; one port's restarts do."""
    data_dir = Path(os.environ["XDG_DATA_HOME"]) / "tui-chat"
    first, second = free_port(), free_port()
    path_a, replay = await said_and_stopped(first, "said on A")
    assert path_a == str(data_dir / f"history-{first}.sqlite3") and replay == []
    assert Path(path_a).is_file()
    path_b, replay = await said_and_stopped(second, "said on B")
    assert path_b == str(data_dir / f"history-{second}.sqlite3") and replay == []
    # The same port again is the same room: A's line comes back, B's does not.
    _, replay = await said_and_stopped(first, "A again")
    assert replay == ["said on A"]


async def test_port_zero_keeps_history_in_memory() -> None:
    proc, _, lines = await start_serve()
    proc.send_signal(signal.SIGTERM)
    await finish(proc)
    assert "History: :memory:" in lines


async def test_flood_exempt_none_puts_loopback_under_the_limits() -> None:
    """Loopback is trusted by default; `--flood-exempt none` counts its connections."""
    proc, address, _ = await start_serve("--quiet", "--flood-exempt", "none")
    peers: list[IrcPeer] = []
    try:
        for _ in range(MAX_CONNECTIONS_PER_IP):
            peers.append(await IrcPeer.connect(address))
            await peers[-1].send("PING :alive")
            await peers[-1].expect("PONG")
        one_too_many = await IrcPeer.connect(address)
        last = await one_too_many.closed()
        assert [m for m in last if m.command == "ERROR"], last
    finally:
        proc.send_signal(signal.SIGTERM)
    assert (await finish(proc))[0] == 0


def run_cli(*args: str) -> tuple[int, str]:
    done = subprocess.run(
        [sys.executable, "-m", "tui_chat", "serve", *args],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    return done.returncode, done.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["127.0.0.1", "70000"], "bad port '70000'"),
        (["127.0.0.1", "http"], "bad port 'http'"),
        (["127.0.0.1", "0", "--room", "#a,b"], "bad room name '#a,b'"),
        (["127.0.0.1", "0", "--log-level", "loud"], "bad log level 'loud'"),
        (["127.0.0.1", "0", "--name", "my server"], "bad server name 'my server'"),
        (["192.0.2.1", "0"], "not an address of this machine"),
        (["127.0.0.1", "0", "--flood-exempt", "10.0.0.0/33"], "bad --flood-exempt"),
    ],
)
def test_bad_arguments_are_one_line(args: list[str], message: str) -> None:
    code, err = run_cli(*args)
    assert code != 0
    assert message in err
    assert err.count("\n") == 1 and "Traceback" not in err


def test_port_in_use_is_one_line() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        code, err = run_cli("127.0.0.1", str(port))
    assert code == 1
    assert f"port {port} is already in use" in err
    assert err.count("\n") == 1


async def test_tls_beside_plain_with_given_certificate(tmp_path: Path) -> None:
    cert = ensure_self_signed(tmp_path / "cert.pem", tmp_path / "key.pem")
    proc, plain, lines = await start_serve(
        "--tls-port", "0", "--cert", str(cert.cert_path), "--key", str(cert.key_path)
    )
    try:
        secure_line = next(line for line in lines if line.endswith("(TLS)"))
        found = READY.search(secure_line)
        assert found
        secure = (found.group(1), int(found.group(2)))
        assert f"TLS certificate fingerprint: {cert.fingerprint}" in lines
        assert any(line.endswith(f" {secure[1]} --tls") for line in lines)

        alice = await IrcPeer.connect(
            secure, tls=ssl.create_default_context(cafile=str(cert.cert_path))
        )
        await alice.register("alice")
        bob = await IrcPeer.connect(plain)
        await bob.register("bob")
        await alice.request("WHOIS alice", "671")
        proc.send_signal(signal.SIGTERM)
        for peer in (alice, bob):
            assert (await peer.closed())[-1].command == "ERROR"
    except BaseException:
        proc.kill()
        raise
    assert (await finish(proc))[0] == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--cert", "/nonexistent/cert.pem"], "--cert and --key go together"),
        (["--tls-port", "99999"], "bad port '99999'"),
        (["--cert", "/nonexistent/c.pem", "--key", "/nonexistent/k.pem"], "/nonexistent/c.pem"),
    ],
)
def test_bad_tls_arguments_are_one_line(args: list[str], message: str) -> None:
    code, err = run_cli("127.0.0.1", "0", *args)
    assert code != 0
    assert message in err
    assert err.count("\n") == 1 and "Traceback" not in err
