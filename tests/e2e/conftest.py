"""Fixtures for end-to-end tests: real servers on 127.0.0.1 port 0, real sockets."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator
from typing import Any

import pytest

from e2e.ircpeer import IrcPeer
from tui_chat.server.config import ServerConfig
from tui_chat.server.listener import TICK_INTERVAL
from tui_chat.server.thread import ServerThread

Address = tuple[str, int]
StartServer = Callable[..., Address]
Connect = Callable[..., Awaitable[IrcPeer]]


@pytest.fixture
def start_server() -> Iterator[StartServer]:
    """Start a ServerThread with the given ServerConfig fields; stopped after the test."""
    servers: list[ServerThread] = []

    def start(*, tick_interval: float = TICK_INTERVAL, **fields: Any) -> Address:
        server = ServerThread(ServerConfig(**fields), "127.0.0.1", 0, tick_interval=tick_interval)
        servers.append(server)
        return server.start()

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def lobby(start_server: StartServer) -> Address:
    """A server with the default #lobby room, as `tui-chat serve` runs it."""
    return start_server()


@pytest.fixture
def plain(start_server: StartServer) -> Address:
    """A plain IRC server: no default room."""
    return start_server(default_room=None)


@pytest.fixture
async def connect() -> AsyncIterator[Connect]:
    """connect(address) -> IrcPeer; connect(address, "nick", caps=[...]) registers too."""
    peers: list[IrcPeer] = []

    async def open_peer(
        address: Address, nick: str | None = None, caps: Iterable[str] = ()
    ) -> IrcPeer:
        peer = await IrcPeer.connect(address)
        peers.append(peer)
        if nick is not None:
            await peer.register(nick, caps=caps)
        return peer

    yield open_peer
    for peer in peers:
        await peer.close()
