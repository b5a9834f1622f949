"""The floor under churn, idle and fanout: uvloop with the least a server could do.

    python benchmarks/floor.py PORT        # then, from another shell:
    python -m benchmarks.run churn --address 127.0.0.1:PORT --pid <its pid>
    python -m benchmarks.run idle --clients 10000 --address 127.0.0.1:PORT --pid <its pid>

Or simply `python -m benchmarks.run churn --server floor` (also `idle`, `fanout`).

Not an IRC server: a protocol object per connection that frames lines and
answers the load generator's steps with canned bytes (001 after USER, a JOIN
echo with NAMES after JOIN, PONG, ERROR and close after QUIT), and writes a
PRIVMSG to a room to the room's other members, one `write` each. No parsing
beyond the command word, no checks, no history, no logging. What a connection
or a delivery costs here (accept, reads, writes, close, uvloop's transport;
the kernel's TCP work) is what any server on uvloop pays before its first
line of IRC; docs/benchmarks.md compares ours with it.
"""

from __future__ import annotations

import asyncio
import sys

from tui_chat.server.listener import LISTEN_BACKLOG
from tui_chat.server.thread import new_event_loop

__all__ = ["FloorProtocol", "serve"]

_WELCOME = b":floor 001 %s :Welcome\r\n"
_JOINED = b":%s!~u@127.0.0.1 JOIN %s\r\n:floor 353 %s = %s :%s\r\n:floor 366 %s %s :End\r\n"
_SAID = b":%s!~u@127.0.0.1 PRIVMSG %s\r\n"

# Room name as sent -> its members, in joining order.
_rooms: dict[bytes, dict[FloorProtocol, None]] = {}


class FloorProtocol(asyncio.Protocol):
    """One connection: answer each expected line with canned bytes."""

    __slots__ = ("_buffer", "_nick", "_rooms", "_transport")

    def __init__(self) -> None:
        self._buffer = b""
        self._nick = b"*"
        self._rooms: list[bytes] = []
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
                _rooms.setdefault(rest, {})[self] = None
                self._rooms.append(rest)
            elif command == b"PRIVMSG":
                room = rest.partition(b" ")[0]
                data = _SAID % (self._nick, rest)
                for member in _rooms.get(room, ()):
                    if member is not self and member._transport is not None:
                        member._transport.write(data)
            elif command == b"PING":
                transport.write(b"PONG floor " + rest + b"\r\n")
            elif command == b"QUIT":
                transport.write(b"ERROR :Closing Link\r\n")
                transport.close()
                return

    def eof_received(self) -> bool:
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        self._transport = None
        for room in self._rooms:
            members = _rooms.get(room)
            if members is not None:
                members.pop(self, None)
                if not members:
                    del _rooms[room]


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
