"""A third-party client (the PyPI `irc` package) drives the server: none of our
client code is involved on that side."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from irc.client import Event, ServerConnection
from irc.client_aio import AioConnection, AioReactor

from e2e.conftest import Address, Connect
from e2e.ircpeer import DEFAULT_TIMEOUT


class LibraryClient:
    """An `irc` AioReactor connection whose events land in a queue."""

    def __init__(self) -> None:
        self.reactor = AioReactor(loop=asyncio.get_running_loop())
        self.events: asyncio.Queue[Event] = asyncio.Queue()
        self.reactor.add_global_handler("all_events", self._record)
        self.conn: AioConnection = self.reactor.server()

    def _record(self, connection: ServerConnection, event: Event) -> None:
        self.events.put_nowait(event)

    async def event(self, kind: str, where: Callable[[Event], bool] = lambda e: True) -> Event:
        async with asyncio.timeout(DEFAULT_TIMEOUT):
            while True:
                event = await self.events.get()
                if event.type == kind and where(event):
                    return event


async def test_irc_library_client_registers_chats_and_quits(
    connect: Connect, lobby: Address
) -> None:
    lib = LibraryClient()
    await lib.conn.connect(lobby[0], lobby[1], "libuser", username="lib", ircname="Library User")
    await lib.event("welcome")
    await lib.event("join", lambda e: e.source.nick == "libuser" and e.target == "#lobby")
    # The library read our ISUPPORT.
    assert lib.conn.features.network == "tui-chat"
    assert dict(lib.conn.features.prefix) == {"@": "o", "+": "v"}

    bob = await connect(lobby, "bob")
    await lib.event("join", lambda e: e.source.nick == "bob")
    await bob.send("PRIVMSG #lobby :hello library")
    heard = await lib.event("pubmsg")
    assert heard.source.nick == "bob" and heard.arguments == ["hello library"]

    lib.conn.privmsg("#lobby", "hello raw socket")
    lib.conn.privmsg("bob", "psst")
    public = await bob.expect(lambda m: m.command == "PRIVMSG" and m.param(0) == "#lobby")
    assert public.nick == "libuser" and public.params[-1] == "hello raw socket"
    private = await bob.expect(lambda m: m.command == "PRIVMSG" and m.param(0) == "bob")
    assert private.params[-1] == "psst"

    lib.conn.action("#lobby", "waves")
    action = await bob.expect("PRIVMSG")
    assert action.params[-1] == "\x01ACTION waves\x01"

    lib.conn.nick("libuser2")
    renamed = await bob.expect("NICK")
    assert renamed.nick == "libuser" and renamed.params == ["libuser2"]

    lib.conn.join("#dev")
    await lib.event("join", lambda e: e.target == "#dev")
    lib.conn.topic("#dev", "set by a library")
    topic = await lib.event("topic")
    assert topic.arguments[-1] == "set by a library"

    lib.conn.nick("bob")
    taken = await lib.event("nicknameinuse")
    assert "bob" in taken.arguments

    lib.conn.quit("library done")
    quit_ = await bob.expect("QUIT")
    assert quit_.nick == "libuser2" and "library done" in quit_.params[-1]
    await lib.event("disconnect")
