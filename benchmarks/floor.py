"""The floor under churn and idle: uvloop with the least a server could do per connection.

    python benchmarks/floor.py PORT        # then, from another shell:
    python -m benchmarks.run churn --address 127.0.0.1:PORT --pid <its pid>
    python -m benchmarks.run idle --clients 10000 --address 127.0.0.1:PORT --pid <its pid>

Or simply `python -m benchmarks.run churn --server floor`.

Not an IRC server: a protocol object per connection that frames lines and
answers the load generator's steps with canned bytes (001 after USER, a JOIN
echo with NAMES after JOIN, PONG, ERROR and close after QUIT) and nothing
else. No parsing, no state, no history, no logging. What a connection costs
here (accept, reads, writes, close, uvloop's transport) is what any server on
uvloop pays before its first line of IRC; docs/benchmarks.md compares ours
with it.
"""

from __future__ import annotations

import asyncio
import sys

from tui_chat.server.listener import LISTEN_BACKLOG
from tui_chat.server.thread import new_event_loop

__all__ = ["FloorProtocol", "serve"]

_WELCOME = b":floor 001 %s :Welcome\r\n"
_JOINED = b":%s!~u@127.0.0.1 JOIN %s\r\n:floor 353 %s = %s :%s\r\n:floor 366 %s %s :End\r\n"


class FloorProtocol(asyncio.Protocol):
    """One connection: answer each expected line with canned bytes."""

    __slots__ = ("_buffer", "_nick", "_transport")

    def __init__(self) -> None:
        self._buffer = b""
        self._nick = b"*"
        self._transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        transport = self._transport
        assert transport is not None
        *lines, self._buffer = (self._buffer + data).split(b"\n")
        for line in lines:
            command, _, rest = line.rstrip(b"\r").partition(b" ")
            if command == b"NICK":
                self._nick = rest
            elif command == b"USER":
                transport.write(_WELCOME % self._nick)
            elif command == b"JOIN":
                nick = self._nick
                transport.write(_JOINED % (nick, rest, nick, rest, nick, nick, rest))
            elif command == b"PING":
                transport.write(b"PONG floor " + rest + b"\r\n")
            elif command == b"QUIT":
                transport.write(b"ERROR :Closing Link\r\n")
                transport.close()
                return

    def eof_received(self) -> bool:
        return False


async def serve(port: int) -> None:
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        FloorProtocol, "127.0.0.1", port, backlog=LISTEN_BACKLOG, reuse_address=True
    )
    async with server:
        await server.serve_forever()


def main() -> None:
    # Run as a script by `benchmarks.servers` (from a temp dir): only the
    # installed tui_chat is importable, hence its loop factory (uvloop).
    with asyncio.Runner(loop_factory=new_event_loop) as runner:
        runner.run(serve(int(sys.argv[1])))


if __name__ == "__main__":
    main()
