"""`tui-chat serve` as a real subprocess: start, announce, chat log, SIGTERM."""

from __future__ import annotations

import asyncio
import re
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from e2e.ircpeer import DEFAULT_TIMEOUT, IrcPeer

READY = re.compile(rb"listening on (\S+):(\d+)")


async def start_serve(*args: str) -> tuple[asyncio.subprocess.Process, tuple[str, int]]:
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
    async with asyncio.timeout(15):
        line = await proc.stdout.readline()
    found = READY.search(line)
    assert found, f"no address announced: {line!r}"
    return proc, (found.group(1).decode(), int(found.group(2)))


async def finish(proc: asyncio.subprocess.Process) -> tuple[int, str]:
    async with asyncio.timeout(15):
        _, err = await proc.communicate()
    assert proc.returncode is not None
    return proc.returncode, err.decode()


async def test_serve_announces_port_logs_chat_and_stops_on_sigterm() -> None:
    proc, address = await start_serve()
    try:
        alice = await IrcPeer.connect(address)
        await alice.register("alice")
        await alice.expect(lambda m: m.command == "JOIN" and m.nick == "alice")
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
    proc, _ = await start_serve("--quiet")
    proc.send_signal(signal.SIGINT)
    code, log = await finish(proc)
    assert code == 0
    assert "Traceback" not in log


async def test_no_room_and_custom_room(tmp_path: Path) -> None:
    motd = tmp_path / "motd.txt"
    motd.write_text("Be kind.\nHave fun.\n", encoding="utf-8")
    proc, address = await start_serve(
        "--room", "dev", "--name", "box.test", "--motd-file", str(motd)
    )
    try:
        bob = await IrcPeer.connect(address)
        burst = await bob.register("bob")
        assert burst[0].source == "box.test"
        assert [m.params[-1] for m in burst if m.command == "372"] == ["- Be kind.", "- Have fun."]
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
