"""The listener on the test's own event loop: core failures and shutdown edge cases."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

from e2e.ircpeer import IrcPeer, match
from tui_chat.server.config import ServerConfig
from tui_chat.server.core import ServerCore, Transport
from tui_chat.server.listener import Listener
from tui_chat.server.state import Client

# Bytes a client that never reads leaves queued on the server: far beyond
# what the kernel's socket buffers on loopback absorb.
UNREAD_BYTES = 32 * 1024 * 1024


class FaultyCore(ServerCore):
    """A real core with a bug: any line containing BOOM raises."""

    def data_received(self, client: Client, data: bytes) -> None:
        if b"BOOM" in data:
            raise RuntimeError("a bug in the core")
        super().data_received(client, data)


class FloodingCore(ServerCore):
    """A real core that greets every new connection with far too much data."""

    def connection_made(
        self, transport: Transport, host: str, port: int, *, tls: bool = False
    ) -> Client:
        client = super().connection_made(transport, host, port, tls=tls)
        transport.write(b"NOTICE * :" + b"x" * UNREAD_BYTES + b"\r\n")
        return client


Address = tuple[str, int]
Serve = Callable[..., Awaitable[tuple[Listener, Address]]]


@pytest.fixture
async def serving() -> AsyncIterator[Serve]:
    """serving(core, **Listener options) -> (listener, address); closed after the test."""
    listeners: list[Listener] = []

    async def start(core: ServerCore, **options: Any) -> tuple[Listener, Address]:
        listener = Listener(core, **options)
        listeners.append(listener)
        return listener, await listener.listen("127.0.0.1", 0)

    yield start
    for listener in listeners:
        await listener.close()


async def test_a_core_failure_costs_one_connection(serving: Serve) -> None:
    core = FaultyCore(ServerConfig())
    listener, address = await serving(core)
    alice = await IrcPeer.connect(address)
    await alice.register("alice")
    bob = await IrcPeer.connect(address)
    await bob.register("bob")
    await alice.expect(match("JOIN", "bob"))

    await bob.send("PRIVMSG #lobby :BOOM")
    await bob.closed()
    # The core heard about the loss: bob's QUIT reached alice, his nick is free.
    await alice.expect(match("QUIT", "bob"))
    await alice.send("PRIVMSG #lobby :still fine")
    assert listener.connection_count == 1
    again = await IrcPeer.connect(address)
    await again.register("bob")
    await again.close()
    await alice.close()


async def test_close_aborts_a_client_that_never_reads(serving: Serve) -> None:
    core = FloodingCore(ServerConfig(max_sendq=UNREAD_BYTES * 2))
    grace = 0.3
    listener, address = await serving(core, shutdown_grace=grace)
    reader, writer = await asyncio.open_connection(*address)
    # Make sure the server accepted us before closing.
    async with asyncio.timeout(5):
        await reader.readexactly(1)
    assert listener.connection_count == 1

    started = time.monotonic()
    async with asyncio.timeout(5):
        await listener.close()
    took = time.monotonic() - started

    assert grace <= took < grace + 2
    assert listener.connection_count == 0
    assert not core.clients
    writer.close()


async def test_close_twice_is_harmless(serving: Serve) -> None:
    listener, address = await serving(ServerCore(ServerConfig()))
    peer = await IrcPeer.connect(address)
    await peer.register("alice")
    await listener.close()
    assert (await peer.closed())[-1].command == "ERROR"
    await listener.close()
    with pytest.raises(ConnectionRefusedError):
        await IrcPeer.connect(address)
    await peer.close()
