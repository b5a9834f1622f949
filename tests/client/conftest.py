"""A real third-party IRC server (PyPI miniircd) for the client session tests."""

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


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Miniircd:
    """One miniircd process on 127.0.0.1; restartable on the same port."""

    def __init__(self, *extra_args: str) -> None:
        self.port = free_port()
        self._extra = extra_args
        self._process: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        args = ["--listen", "127.0.0.1", "--ports", str(self.port), "--verbose", *self._extra]
        if os.geteuid() == 0:
            # miniircd refuses to run as root unless told which user to be.
            args += ["--setuid", "root"]
        self._process = await asyncio.create_subprocess_exec(
            str(MINIIRCD),
            *args,
            stdout=asyncio.subprocess.PIPE,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        assert self._process.stdout is not None
        async with asyncio.timeout(WAIT):
            while b"Listening on port" not in await self._process.stdout.readline():
                if self._process.returncode is not None:
                    raise RuntimeError("miniircd exited at start")

    async def stop(self) -> None:
        if self._process is not None and self._process.returncode is None:
            self._process.kill()
            async with asyncio.timeout(WAIT):
                await self._process.wait()
        self._process = None


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


NGIRCD = shutil.which("ngircd")
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


@pytest.fixture
async def ngircd(tmp_path: Path) -> AsyncIterator[int]:
    """Debian's ngircd in the foreground on a free port; the port is yielded."""
    if NGIRCD is None:
        pytest.skip("ngircd is not installed (Debian package ngircd)")
    port = free_port()
    conf = tmp_path / "ngircd.conf"
    conf.write_text(NGIRCD_CONF.format(port=port))
    # ngircd drops privileges to `nobody`, which must be able to read its config.
    tmp_path.chmod(0o755)
    conf.chmod(0o644)
    process = await asyncio.create_subprocess_exec(
        NGIRCD,
        "-n",
        "-f",
        str(conf),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    assert process.stdout is not None
    async with asyncio.timeout(WAIT):
        while b"ready" not in await process.stdout.readline():
            if process.returncode is not None:
                raise RuntimeError("ngircd exited at start")
    yield port
    process.kill()
    async with asyncio.timeout(WAIT):
        await process.wait()
