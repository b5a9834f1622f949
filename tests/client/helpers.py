"""Test helpers for client sessions: an event collector and a scripted IRC server."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any, Self, TypeVar

from tui_chat.client.events import ConnectionStateChanged, ConnState, Event, Registered
from tui_chat.client.session import ClientSession, ConnectOptions

E = TypeVar("E", bound=Event)

# Upper bound for any single wait on the network in these tests.
WAIT = 10.0


class Collector:
    """Records every event of a session; tests await the ones they expect."""

    def __init__(self) -> None:
        self.events: list[Event] = []
        self._changed = asyncio.Condition()

    def __call__(self, event: Event) -> None:
        self.events.append(event)
        asyncio.get_running_loop().create_task(self._notify())

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    def of(self, kind: type[E], where: Callable[[E], bool] = lambda _e: True) -> list[E]:
        return [e for e in self.events if isinstance(e, kind) and where(e)]

    async def wait(
        self, kind: type[E], where: Callable[[E], bool] = lambda _e: True, timeout: float = WAIT
    ) -> E:
        """The first event of `kind` matching `where`, waiting for it if needed."""
        await self.wait_until(lambda: bool(self.of(kind, where)), timeout)
        return self.of(kind, where)[0]

    async def wait_until(self, condition: Callable[[], bool], timeout: float = WAIT) -> None:
        """Wait until `condition()` holds, checking again after every event."""
        async with asyncio.timeout(timeout), self._changed:
            await self._changed.wait_for(condition)

    async def wait_state(self, state: ConnState, timeout: float = WAIT) -> ConnectionStateChanged:
        return await self.wait(ConnectionStateChanged, lambda e: e.state is state, timeout)


@dataclass
class RunningSession:
    session: ClientSession
    events: Collector
    task: asyncio.Task[None]
    # The scripted server it talks to, when there is one.
    server: FakeServer | None = None

    async def stop(self) -> None:
        if not self.task.done():
            await self.session.quit("bye")
        async with asyncio.timeout(WAIT):
            await self.task


@contextlib.asynccontextmanager
async def running(options: ConnectOptions) -> Any:
    """A ClientSession running in a task; quit and awaited on exit."""
    events = Collector()
    session = ClientSession(options, events)
    running_session = RunningSession(session, events, asyncio.create_task(session.run()))
    try:
        yield running_session
    finally:
        await running_session.stop()


@dataclass
class FakeConnection:
    """One client connection to the scripted server."""

    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    lines: list[str] = field(default_factory=list)

    async def expect(self, prefix: str, timeout: float = WAIT) -> str:
        """Read lines until one starts with `prefix`; return it."""
        async with asyncio.timeout(timeout):
            while True:
                raw = await self.reader.readline()
                if not raw:
                    raise ConnectionError(f"closed while waiting for {prefix!r}")
                line = raw.decode().rstrip("\r\n")
                self.lines.append(line)
                if line.startswith(prefix):
                    return line

    async def send(self, *lines: str) -> None:
        for line in lines:
            self.writer.write(line.encode() + b"\r\n")
        await self.writer.drain()

    async def register(self, nick: str = "me", caps: str | None = None) -> None:
        """Play a plain registration: optional CAP LS/ACK, 001, end of MOTD."""
        await self.expect("CAP LS")
        await self.expect("USER")
        if caps is None:
            await self.send("421 * CAP :Unknown command")
        else:
            await self.send(f"CAP * LS :{caps}")
            if caps:
                req = await self.expect("CAP REQ")
                await self.send(f"CAP * ACK :{req.partition(':')[2] or req.split()[-1]}")
            await self.expect("CAP END")
        await self.send(
            f":fake.server 001 {nick} :Welcome",
            f":fake.server 005 {nick} PREFIX=(qov)~@+ NETWORK=FakeNet :are supported",
            f":fake.server 422 {nick} :No MOTD",
        )

    def close(self) -> None:
        self.writer.close()


class LocalListener:
    """A listening socket on 127.0.0.1:0; subclasses handle each connection in `_accept`.

    Leaving the `async with` closes it and every writer kept in `_writers`.
    """

    def __init__(self) -> None:
        self._server: asyncio.Server | None = None
        self._writers: list[asyncio.StreamWriter] = []
        self.port = 0

    async def __aenter__(self) -> Self:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()
        for writer in self._writers:
            writer.close()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        raise NotImplementedError


class FakeServer(LocalListener):
    """A listening socket on 127.0.0.1:0 whose connections a test scripts by hand."""

    def __init__(self) -> None:
        super().__init__()
        self.connections: asyncio.Queue[FakeConnection] = asyncio.Queue()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.append(writer)
        await self.connections.put(FakeConnection(reader, writer))

    async def next_connection(self, timeout: float = WAIT) -> FakeConnection:
        async with asyncio.timeout(timeout):
            return await self.connections.get()

    def options(self, nick: str = "me", **overrides: Any) -> ConnectOptions:
        # Nobody reads the QUIT here, so the session need not wait for a close.
        overrides.setdefault("quit_timeout", 0.1)
        return ConnectOptions("127.0.0.1", self.port, nick, **overrides)


@contextlib.asynccontextmanager
async def registered(
    nick: str = "me", caps: str | None = None, **options: Any
) -> AsyncIterator[tuple[FakeConnection, RunningSession]]:
    """A session registered on a scripted server, with the server's end of the link."""
    async with FakeServer() as server, running(server.options(nick, **options)) as run:
        conn = await server.next_connection()
        await conn.register(nick, caps)
        await run.events.wait(Registered)
        run.server = server
        yield conn, run
