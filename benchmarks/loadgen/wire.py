"""One benchmark IRC connection: just enough client to register, join and read.

The load generator must cost far less per line than the server it measures,
so a connection never parses IRC lines. It splits the stream on LF and looks
at bytes: a PING gets its PONG, one awaited token (a numeric, a PONG) settles
a future, and a benchmark message (`BENCH_MARK` in the text) is handed to a
`DeliverySink` with its sequence number and send timestamp cut out by `find`.
"""

from __future__ import annotations

import asyncio
import time
from typing import Protocol, cast

__all__ = [
    "BENCH_MARK",
    "BenchConnection",
    "ConnectionFailed",
    "DeliverySink",
    "bench_text",
    "nick_for",
    "open_connection",
]

# Starts the text of every timed message: " :" then a tilde, which no server
# reply puts right after a parameter separator, so a find() on it is exact.
BENCH_MARK = b" :~T"
_MARK_LEN = len(BENCH_MARK)
# Lines a server sends us that mean this connection is not going to work.
_FATAL_PREFIXES = (b"ERROR ",)
_FATAL_NUMERICS = (b" 432 ", b" 433 ", b" 436 ", b" 465 ")


class ConnectionFailed(RuntimeError):
    """The server refused, closed or rejected this connection."""


class DeliverySink(Protocol):
    """Receives every benchmark message a connection reads."""

    def delivered(self, seq: int, sent_ns: int, received_ns: int) -> None: ...


def nick_for(prefix: str, index: int) -> str:
    """A short unique nick: servers such as ngircd cap nicks at 9 characters."""
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        index, rem = divmod(index, 36)
        out = digits[rem] + out
        if index == 0:
            return prefix + out


def bench_text(seq: int, sent_ns: int, padding: bytes) -> bytes:
    """The trailing parameter of a timed message, `~T<seq>.<ns>. <padding>`.

    The space makes the text a trailing parameter that every server must send
    with its leading ':' (one without spaces may legally go without it).
    """
    return b"~T%d.%d. %s" % (seq, sent_ns, padding)


class BenchConnection(asyncio.Protocol):
    """A registered-or-registering client connection driven by the scenarios."""

    __slots__ = (
        "_buffer",
        "_sink",
        "_waiter",
        "_waiter_token",
        "closed",
        "nick",
        "transport",
    )

    def __init__(self, nick: str, sink: DeliverySink | None = None) -> None:
        self.nick = nick
        self._sink = sink
        self._buffer = b""
        self._waiter: asyncio.Future[bytes] | None = None
        self._waiter_token = b""
        self.transport: asyncio.Transport | None = None
        self.closed: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    # asyncio.Protocol -------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports implement asyncio.Transport without subclassing it.
        self.transport = cast(asyncio.Transport, transport)

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.closed.done():
            self.closed.set_result(None)
        self._fail(ConnectionFailed(f"{self.nick}: connection closed ({exc or 'EOF'})"))

    def data_received(self, data: bytes) -> None:
        lines = (self._buffer + data).split(b"\n")
        self._buffer = lines.pop()
        # One clock read per read(): lines that arrived together share it.
        now = time.monotonic_ns()
        sink = self._sink
        for line in lines:
            if sink is not None:
                at = line.find(BENCH_MARK)
                if at >= 0:
                    start = at + _MARK_LEN
                    dot = line.index(b".", start)
                    sink.delivered(
                        int(line[start:dot]), int(line[dot + 1 : line.index(b".", dot + 1)]), now
                    )
                    continue
            # The command is the first word, or the second after a ":source".
            command_at = line.find(b" ") + 1 if line[:1] == b":" else 0
            if line.startswith(b"PING ", command_at):
                self.send(b"PONG " + line[command_at + 5 :].rstrip(b"\r"))
            elif self._waiter is not None:
                self._check_waiter(line)

    # Driving the connection ------------------------------------------

    def send(self, line: bytes) -> None:
        assert self.transport is not None
        self.transport.write(line + b"\r\n")

    def expect(self, token: bytes) -> asyncio.Future[bytes]:
        """A future for the next line containing `token` (one waiter at a time)."""
        future: asyncio.Future[bytes] = asyncio.get_running_loop().create_future()
        if self.closed.done():
            future.set_exception(ConnectionFailed(f"{self.nick}: connection closed"))
            return future
        self._waiter, self._waiter_token = future, token
        return future

    async def register(self) -> None:
        welcome = self.expect(b" 001 ")
        self.send(b"NICK %s\r\nUSER %s 0 * :bench" % (self.nick.encode(), self.nick.encode()))
        await welcome

    async def join(self, channel: str) -> None:
        end_of_names = self.expect(b" 366 ")
        self.send(b"JOIN " + channel.encode())
        await end_of_names

    async def ping_barrier(self, token: str) -> None:
        """Wait until the server has answered everything sent before this PING."""
        pong = self.expect(token.encode())
        self.send(b"PING :" + token.encode())
        await pong

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()

    # Internals ---------------------------------------------------------

    def _check_waiter(self, line: bytes) -> None:
        if self._waiter is not None and self._waiter.done():  # cancelled by a timeout
            self._waiter = None
        elif self._waiter_token in line:
            self._settle().set_result(line)
        elif line.startswith(_FATAL_PREFIXES) or any(n in line for n in _FATAL_NUMERICS):
            self._settle().set_exception(ConnectionFailed(f"{self.nick}: {line!r}"))

    def _settle(self) -> asyncio.Future[bytes]:
        waiter = self._waiter
        assert waiter is not None
        self._waiter = None
        return waiter

    def _fail(self, error: Exception) -> None:
        if self._waiter is not None and not self._waiter.done():
            self._settle().set_exception(error)


async def open_connection(host: str, port: int, conn: BenchConnection) -> BenchConnection:
    """Connect `conn` to the server; the caller registers it."""
    await asyncio.get_running_loop().create_connection(lambda: conn, host, port)
    return conn
