"""The server's network side: asyncio transports feeding the sans-IO core.

Each accepted connection gets one `CoreProtocol`, a thin bridge that hands the
transport and every chunk of received bytes straight to the core; framing,
parsing and replies all happen there. The asyncio transport itself is what
the core writes to (`write`, `close`, `get_write_buffer_size`), so the hot
path adds no Python object per line between the socket and the core.

A `Listener` owns the listening sockets of one core, the core's once-a-second
`tick()` timer and the graceful shutdown. It attaches its loop's `call_soon`
and `call_later` to the core, which coalesces each client's writes of one
loop iteration into one and releases flood-held input on time. `listen()` may be called several
times: plain TCP today, a TLS socket by passing an `ssl.SSLContext`; a
WebSocket endpoint would be another protocol class handing decoded frames to
the same core.
"""

from __future__ import annotations

import asyncio
import errno
import logging
import socket
import ssl
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, cast

if TYPE_CHECKING:
    from tui_chat.server.core import Client, ServerCore

__all__ = [
    "LISTEN_BACKLOG",
    "SHUTDOWN_GRACE",
    "TICK_INTERVAL",
    "CoreProtocol",
    "Endpoint",
    "Listener",
    "ServerStartError",
    "TlsCoreProtocol",
]

log = logging.getLogger("tui_chat.server")

# Seconds between calls to the core's tick() (ping, registration and
# ping timeouts are checked there). Listener(tick_interval=...) changes it.
TICK_INTERVAL = 1.0
# Seconds clients get to receive the final ERROR line on shutdown before
# their sockets are aborted. Listener(shutdown_grace=...) changes it.
SHUTDOWN_GRACE = 2.0
# Pending connections the kernel queues before accept(); a burst of joins
# on a busy room should not be refused. Listener(backlog=...) changes it.
LISTEN_BACKLOG = 1024


@dataclass(frozen=True, slots=True)
class Endpoint:
    """One listening socket: where, and whether it speaks TLS."""

    host: str
    port: int
    ssl_context: ssl.SSLContext | None = None


class ServerStartError(Exception):
    """The server could not start; the message is one line a person can act on."""


def describe_bind_error(exc: OSError, host: str, port: int) -> str:
    """One readable line for a failure to bind `host:port`."""
    where = f"{host}:{port}"
    if isinstance(exc, socket.gaierror):
        return f"cannot resolve host {host!r}: {exc.strerror}"
    if exc.errno == errno.EADDRINUSE:
        return f"port {port} is already in use on {host} (pick another port, or 0 for a free one)"
    if exc.errno == errno.EACCES:
        hint = " (ports below 1024 need root)" if 0 < port < 1024 else ""
        return f"permission denied listening on {where}{hint}"
    if exc.errno == errno.EADDRNOTAVAIL:
        return f"address {host} is not an address of this machine"
    return f"cannot listen on {where}: {exc.strerror or exc}"


def _lost_reason(exc: Exception | None) -> str:
    # A client that hung up while we wrote to it (one that sent QUIT and
    # closed, say) closed the connection: no error to report.
    if exc is None or isinstance(exc, BrokenPipeError | ConnectionResetError):
        return "Connection closed"
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return f"Connection error: {exc}"


class CoreProtocol(asyncio.Protocol):
    """One connection: hands its transport and bytes to the core, nothing more.

    One per connection, so it keeps only what differs between connections
    (the TLS flag is the class's: `TlsCoreProtocol`).
    """

    __slots__ = ("_client", "_owner", "_transport")
    tls: ClassVar[bool] = False

    def __init__(self, owner: Listener) -> None:
        self._owner = owner
        self._client: Client | None = None
        self._transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports quack like asyncio.Transport without subclassing it.
        transport = cast(asyncio.Transport, transport)
        self._transport = transport
        self._owner.live[self] = None
        peer = transport.get_extra_info("peername")
        host, port = (peer[0], peer[1]) if isinstance(peer, tuple) else ("unknown", 0)
        try:
            self._client = self._owner.core.connection_made(transport, host, port, tls=self.tls)
        except Exception:
            self._fail("connection_made")

    def data_received(self, data: bytes) -> None:
        if self._client is None:
            return
        try:
            self._owner.core.data_received(self._client, data)
        except Exception:
            # A core bug must cost one connection, never the server.
            self._fail("data_received")

    def eof_received(self) -> bool:
        # Returning False closes our side too: IRC has no half-closed sessions.
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        client, self._client = self._client, None
        if client is not None:
            try:
                self._owner.core.connection_lost(client, _lost_reason(exc))
            except Exception:
                log.exception("server core failed in connection_lost")
        self._owner.forget(self)

    def abort(self) -> None:
        if self._transport is not None:
            self._transport.abort()

    def close(self) -> None:
        if self._transport is not None:
            self._transport.close()

    def _fail(self, where: str) -> None:
        log.exception("server core failed in %s; dropping the connection", where)
        self.abort()


class TlsCoreProtocol(CoreProtocol):
    """A connection on a TLS listening socket."""

    __slots__ = ()
    tls = True


class Listener:
    """The listening sockets, tick timer and shutdown of one server core."""

    def __init__(
        self,
        core: ServerCore,
        *,
        tick_interval: float = TICK_INTERVAL,
        shutdown_grace: float = SHUTDOWN_GRACE,
        backlog: int = LISTEN_BACKLOG,
    ) -> None:
        self.core = core
        # Connections not yet lost; a dict for its smaller table (see ServerCore.clients).
        self.live: dict[CoreProtocol, None] = {}
        self._tick_interval = tick_interval
        self._shutdown_grace = shutdown_grace
        self._backlog = backlog
        self._servers: list[asyncio.AbstractServer] = []
        self._all_gone: asyncio.Event | None = None
        self._tick_handle: asyncio.TimerHandle | None = None
        self._closed = False

    @property
    def connection_count(self) -> int:
        return len(self.live)

    def forget(self, protocol: CoreProtocol) -> None:
        self.live.pop(protocol, None)
        if not self.live and self._all_gone is not None:
            self._all_gone.set()

    async def listen(
        self, host: str, port: int, *, ssl_context: ssl.SSLContext | None = None
    ) -> tuple[str, int]:
        """Start accepting on `host:port`; returns the address actually bound.

        Raises `ServerStartError` with a readable message if binding fails.
        """
        loop = asyncio.get_running_loop()
        tls = ssl_context is not None
        protocol = TlsCoreProtocol if tls else CoreProtocol
        try:
            server = await loop.create_server(
                lambda: protocol(self),
                host,
                port,
                ssl=ssl_context,
                ssl_handshake_timeout=self.core.config.tls_handshake_timeout if tls else None,
                backlog=self._backlog,
                reuse_address=True,
            )
        except OSError as exc:
            raise ServerStartError(describe_bind_error(exc, host, port)) from exc
        self._servers.append(server)
        bound: Any = server.sockets[0].getsockname()
        address = (str(bound[0]), int(bound[1]))
        log.debug("listening on %s:%d%s", address[0], address[1], " (TLS)" if tls else "")
        if self._tick_handle is None:
            self.core.attach_loop(loop.call_soon, loop.call_later)
            self._tick_handle = loop.call_later(self._tick_interval, self._tick)
        return address

    def _tick(self) -> None:
        loop = asyncio.get_running_loop()
        self._tick_handle = loop.call_later(self._tick_interval, self._tick)
        try:
            self.core.tick()
        except Exception:
            log.exception("server core failed in tick")

    async def close(self, reason: str = "Server shutting down") -> None:
        """Stop accepting, send everyone an ERROR via the core, close all sockets.

        Clients get `shutdown_grace` seconds to drain their final lines; the
        rest are aborted. Calling it again does nothing.
        """
        if self._closed:
            return
        self._closed = True
        if self._tick_handle is not None:
            self._tick_handle.cancel()
        for server in self._servers:
            server.close()
        try:
            self.core.shutdown(reason)
        except Exception:
            log.exception("server core failed in shutdown")
        self._all_gone = asyncio.Event()
        if self.live:
            # The core closes every transport it knows; this also covers any it
            # never registered, and close() flushes what is buffered first.
            for protocol in list(self.live):
                protocol.close()
            await self._wait_all_gone()
        for server in self._servers:
            await server.wait_closed()
        log.debug("server stopped")

    async def _wait_all_gone(self) -> None:
        if await self._all_gone_within(self._shutdown_grace):
            return
        log.warning("%d connections did not close in time; aborting them", len(self.live))
        for protocol in list(self.live):
            protocol.abort()
        # abort() runs connection_lost soon, on this loop; wait for it so the
        # core forgets those clients before the loop ends.
        if not await self._all_gone_within(self._shutdown_grace):
            log.error("%d connections still open after abort", len(self.live))

    async def _all_gone_within(self, seconds: float) -> bool:
        assert self._all_gone is not None
        try:
            async with asyncio.timeout(seconds):
                await self._all_gone.wait()
        except TimeoutError:
            return False
        return True
