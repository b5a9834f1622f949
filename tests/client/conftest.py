"""Real IRC servers for the client session tests: ours, and ones nobody here wrote.

PyPI's miniircd always runs (it is a dev dependency); Debian's ngircd and
InspIRCd run where installed and their tests are skipped elsewhere.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import sys
from collections.abc import AsyncIterator, Callable, Coroutine
from pathlib import Path
from typing import Any

import pytest

from .helpers import WAIT

MINIIRCD = Path(sys.executable).with_name("miniircd")
NGIRCD = shutil.which("ngircd")
INSPIRCD = shutil.which("inspircd")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class ServerProcess:
    """A server program run until it prints `ready`; its output is drained meanwhile."""

    def __init__(self, argv: list[str], ready: bytes, env: dict[str, str] | None = None) -> None:
        self._argv = argv
        self._ready = ready
        self._env = env
        self._process: asyncio.subprocess.Process | None = None
        self._drain: asyncio.Task[bytes] | None = None

    async def start(self) -> None:
        self._process = await asyncio.create_subprocess_exec(
            *self._argv,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            env=self._env,
        )
        output = self._process.stdout
        assert output is not None
        async with asyncio.timeout(WAIT):
            while self._ready not in await output.readline():
                if output.at_eof():
                    raise RuntimeError(f"{self._argv[0]} exited before it was ready")
        # A chatty server must never block on a full pipe.
        self._drain = asyncio.create_task(output.read())

    async def stop(self) -> None:
        if self._process is None:
            return
        if self._process.returncode is None:
            self._process.kill()
        async with asyncio.timeout(WAIT):
            await self._process.wait()
            if self._drain is not None:
                await self._drain
        self._process = None


class Miniircd(ServerProcess):
    """miniircd on 127.0.0.1; stop() and start() again keep the port."""

    def __init__(self, *extra_args: str) -> None:
        self.port = free_port()
        args = ["--listen", "127.0.0.1", "--ports", str(self.port), "--verbose", *extra_args]
        if os.geteuid() == 0:
            # miniircd refuses to run as root unless told which user to be.
            args += ["--setuid", "root"]
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        super().__init__([str(MINIIRCD), *args], b"Listening on port", env)


@pytest.fixture
async def miniircd_factory() -> AsyncIterator[Callable[..., Coroutine[Any, Any, Miniircd]]]:
    servers: list[Miniircd] = []

    async def start(*extra_args: str) -> Miniircd:
        server = Miniircd(*extra_args)
        servers.append(server)
        await server.start()
        return server

    yield start
    for server in servers:
        await server.stop()


@pytest.fixture
async def miniircd(miniircd_factory: Callable[..., Coroutine[Any, Any, Miniircd]]) -> Miniircd:
    return await miniircd_factory()


@pytest.fixture
async def our_server() -> AsyncIterator[tuple[str, int]]:
    """tui-chat's own server on a thread, with #lobby and an operator login `host`/`pw`."""
    from tui_chat.server.config import ServerConfig
    from tui_chat.server.thread import ServerThread

    server = ServerThread(ServerConfig(operators={"host": "pw"}), "127.0.0.1", 0)
    address = await asyncio.to_thread(server.start)
    yield address
    await asyncio.to_thread(server.stop)


NGIRCD_CONF = """[Global]
    Name = irc.test.local
    Info = tui-chat client tests
    Listen = 127.0.0.1
    Ports = {port}
    MotdPhrase = hello from ngircd
[Options]
    PAM = no
    Ident = no
    DNS = no
"""

INSPIRCD_CONF = """<server name="insp.test.local" description="client tests" network="InspNet">
<admin name="test" nick="test" email="test@test.local">
<bind address="127.0.0.1" port="{port}" type="clients">
<connect allow="*" timeout="60" pingfreq="120" sendq="262144" recvq="8192" localmax="100"
         globalmax="100" useident="no" resolvehostnames="no">
<files motd="{folder}/motd">
<pid file="{folder}/inspircd.pid">
<log method="file" type="* -USERINPUT -USEROUTPUT" level="default" target="{folder}/log.txt">
{modules}"""
# cap and ircv3 carry CAP itself; the rest are the capabilities the client asks for.
INSPIRCD_MODULES = (
    "cap ircv3 ircv3_echomessage ircv3_servertime ircv3_msgid ircv3_batch ircv3_capnotify "
    "ircv3_ctctags ircv3_invitenotify ircv3_labeledresponse namesx uhnames setname"
)


async def _config_server(
    tmp_path: Path, binary: str | None, package: str, conf: str, argv: list[str], ready: bytes
) -> AsyncIterator[int]:
    if binary is None:
        pytest.skip(f"{package} is not installed (Debian package {package})")
    port = free_port()
    config = tmp_path / "server.conf"
    modules = "".join(f'<module name="{name}">\n' for name in INSPIRCD_MODULES.split())
    config.write_text(conf.format(port=port, folder=tmp_path, modules=modules))
    (tmp_path / "motd").write_text(f"hello from {package}\n")
    # Both servers may drop privileges, and must still read their files.
    tmp_path.chmod(0o755)
    for path in tmp_path.iterdir():
        path.chmod(0o644)
    server = ServerProcess([binary, *argv, str(config)], ready)
    await server.start()
    yield port
    await server.stop()


@pytest.fixture
async def ngircd(tmp_path: Path) -> AsyncIterator[int]:
    """Debian's ngircd in the foreground on a free port; the port is yielded."""
    async for port in _config_server(
        tmp_path, NGIRCD, "ngircd", NGIRCD_CONF, ["-n", "-f"], b"ready"
    ):
        yield port


@pytest.fixture
async def inspircd(tmp_path: Path) -> AsyncIterator[int]:
    """Debian's InspIRCd 3 with its IRCv3 modules, in the foreground; the port is yielded."""
    argv = (
        ["--nofork", "--runasroot", "--config"] if os.geteuid() == 0 else ["--nofork", "--config"]
    )
    async for port in _config_server(
        tmp_path, INSPIRCD, "inspircd", INSPIRCD_CONF, argv, b"is now running"
    ):
        yield port
