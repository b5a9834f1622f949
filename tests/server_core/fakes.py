"""In-memory stand-ins for the listener: transports that collect bytes, a settable clock."""

from __future__ import annotations

from weakref import WeakKeyDictionary

from tui_chat.irc.message import Message, parse
from tui_chat.server.config import ServerConfig
from tui_chat.server.core import ServerCore
from tui_chat.server.state import Client


class FakeTransport:
    def __init__(self) -> None:
        self.chunks: list[bytes] = []
        self.closed = False
        self.buffered = 0

    def write(self, data: bytes) -> None:
        self.chunks.append(data)

    def close(self) -> None:
        self.closed = True

    def get_write_buffer_size(self) -> int:
        return self.buffered


class Clock:
    def __init__(self, now: float = 1_700_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


_PEERS: WeakKeyDictionary[ServerCore, list[Peer]] = WeakKeyDictionary()


class Peer:
    """One fake connection: send lines in, read parsed messages out."""

    def __init__(self, core: ServerCore, host: str = "127.0.0.1", port: int = 40000) -> None:
        self.core = core
        self.transport = FakeTransport()
        self.client: Client = core.connection_made(self.transport, host, port)
        self._read = 0
        _PEERS.setdefault(core, []).append(self)

    def send(self, *lines: str) -> None:
        for line in lines:
            self.core.data_received(self.client, line.encode() + b"\r\n")

    def raw(self, data: bytes) -> None:
        self.core.data_received(self.client, data)

    def take(self) -> list[Message]:
        """Messages received since the last take."""
        data = b"".join(self.transport.chunks[self._read :])
        self._read = len(self.transport.chunks)
        return [parse(line.decode("utf-8")) for line in data.split(b"\r\n") if line]

    def commands(self) -> list[str]:
        return [m.command for m in self.take()]


def make_core(clock: Clock | None = None, **config: object) -> ServerCore:
    return ServerCore(ServerConfig(**config), clock=clock or Clock())  # type: ignore[arg-type]


def drain(core: ServerCore) -> None:
    """Forget what every peer of `core` has received so far."""
    for peer in _PEERS.get(core, []):
        peer.take()


def register(core: ServerCore, nick: str, *, caps: str = "", port: int = 40000) -> Peer:
    """A registered peer; everyone's pending messages (the burst, its JOIN) are drained."""
    peer = Peer(core, port=port)
    if caps:
        peer.send("CAP LS 302", f"CAP REQ :{caps}")
    peer.send(f"NICK {nick}", f"USER {nick.lower()} 0 * :{nick} Person")
    if caps:
        peer.send("CAP END")
    assert peer.client.registered, peer.take()
    drain(core)
    return peer


def lobby_op(peer: Peer, room: str = "#lobby") -> Peer:
    """`peer` with +o in the server's default room, as OPER gives the host.

    Nobody gets op there by joining first; the tests of what an op may do
    there start from one.
    """
    channel = peer.core.find_channel(room)
    assert channel is not None and peer.client in channel.members
    channel.members[peer.client] = "o"
    return peer
