"""`tui-chat serve` as a real subprocess: start, announce, chat log, SIGTERM."""

from __future__ import annotations

import asyncio
import re
import signal
import socket
import ssl
import subprocess
import sys
from pathlib import Path

import pytest

from e2e.ircpeer import DEFAULT_TIMEOUT, IrcPeer, match
from tui_chat.server.tls import ensure_self_signed

READY = re.compile(r"listening on (\S+):(\d+)")
ANNOUNCE_END = b"Ctrl+C stops"


async def start_serve(
    *args: str,
) -> tuple[asyncio.subprocess.Process, tuple[str, int], list[str]]:
    """Start `tui-chat serve 127.0.0.1 0 *args`; the first address and the announcement."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tui_chat",
        "serve",
        "127.0.0.1",
        "0",
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
