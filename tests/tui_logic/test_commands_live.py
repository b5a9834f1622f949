"""Slash commands end to end: `execute` -> real ClientSession -> our server -> another session.

Two sessions on a ServerThread bound to 127.0.0.1 port 0; every expectation is
an event the other side (or the sender) receives, awaited with a timeout.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import pytest

from tui_chat.client import events as ev
from tui_chat.server.config import ServerConfig
from tui_chat.server.thread import ServerThread
from tui_chat.tui.commands import execute

session_module = pytest.importorskip("tui_chat.client.session")

EVENT_TIMEOUT = 5.0


class LivePeer:
    """A real session plus the app side of CommandContext, recording what it is shown."""

    def __init__(self, nick: str, port: int) -> None:
        self.events: list[ev.Event] = []
        self.errors: list[str] = []
        self.current_target: str | None = None
        self._arrived = asyncio.Event()
        options = session_module.ConnectOptions("127.0.0.1", port, nick, reconnect=False)
        self.session = session_module.ClientSession(options, self._on_event)
        self.task = asyncio.create_task(self.session.run())

    def _on_event(self, event: ev.Event) -> None:
        self.events.append(event)
        self._arrived.set()

    async def expect(self, predicate: Callable[[Any], bool]) -> Any:
        """The first event (seen before or arriving later) that satisfies `predicate`."""
        seen = 0
        try:
            async with asyncio.timeout(EVENT_TIMEOUT):
                while True:
                    for event in self.events[seen:]:
                        if predicate(event):
                            self.events.remove(event)
                            return event
                    seen = len(self.events)
                    self._arrived.clear()
                    await self._arrived.wait()
        except TimeoutError:
            raise AssertionError(f"no such event; got {self.events}") from None

    async def run(self, line: str, target: str | None = None) -> None:
        if target is not None:
            self.current_target = target
        await execute(line, self)
        assert self.errors == []

    # CommandContext, the app side
    def show_info(self, text: str) -> None:
        raise AssertionError(f"unexpected info: {text}")

    def show_error(self, text: str) -> None:
        self.errors.append(text)

    def open_query(self, nick: str) -> None:
        self.current_target = nick

    def close_query(self, nick: str) -> None:
        self.current_target = None

    def clear(self) -> None:
        raise AssertionError("unexpected /clear")

    def show_help(self) -> None:
        raise AssertionError("unexpected /help")

    def request_quit(self, message: str) -> None:
        raise AssertionError("unexpected /quit")


@pytest.fixture
def port() -> Iterator[int]:
    server = ServerThread(ServerConfig(default_room=None), "127.0.0.1", 0)
    _, bound = server.start()
    yield bound
    server.stop()


@pytest.fixture
async def pair(port: int) -> AsyncIterator[tuple[LivePeer, LivePeer]]:
    alice, bob = LivePeer("alice", port), LivePeer("bob", port)
    for peer in (alice, bob):
        await peer.expect(lambda e: isinstance(e, ev.Registered))
    yield alice, bob
    for peer in (alice, bob):
        await peer.session.quit("test over")
        async with asyncio.timeout(EVENT_TIMEOUT):
            await peer.task


def is_(event_type: type, /, **fields: object) -> Callable[[Any], bool]:
    return lambda e: (
        isinstance(e, event_type) and all(getattr(e, k) == v for k, v in fields.items())
    )


async def both_in_dev(alice: LivePeer, bob: LivePeer) -> None:
    await alice.run("/join #dev")
    await alice.expect(is_(ev.SelfJoined, room="#dev"))
    await bob.run("/join #dev")
    await alice.expect(is_(ev.UserJoined, room="#dev", nick="bob"))


async def test_room_life_through_slash_commands(pair: tuple[LivePeer, LivePeer]) -> None:
    alice, bob = pair
    await alice.run("/join dev")
    await alice.expect(is_(ev.SelfJoined, room="#dev"))
    await bob.run("/j #dev")
    await bob.expect(is_(ev.SelfJoined, room="#dev"))
    await alice.expect(is_(ev.UserJoined, room="#dev", nick="bob"))

    await alice.run("hello   bob", target="#dev")
    await bob.expect(is_(ev.MessageReceived, target="#dev", sender="alice", text="hello   bob"))
    await alice.run("//slash stays")
    await bob.expect(is_(ev.MessageReceived, text="/slash stays"))
    await alice.run("/me waves")
    await bob.expect(is_(ev.MessageReceived, text="waves", kind=ev.MessageKind.ACTION))

    await alice.run("/topic Release on Friday")
    await bob.expect(is_(ev.TopicChanged, room="#dev", topic="Release on Friday"))

    await alice.run("/kick bob enough for today")
    kicked = await bob.expect(is_(ev.SelfKicked, room="#dev", by="alice"))
    assert kicked.reason == "enough for today"


async def test_member_modes(pair: tuple[LivePeer, LivePeer]) -> None:
    alice, bob = pair
    await both_in_dev(alice, bob)

    await alice.run("/voice bob", target="#dev")
    await bob.expect(is_(ev.ModeChanged, target="#dev", modes="+v", args=("bob",)))
    await alice.run("/op #dev bob")
    await bob.expect(is_(ev.ModeChanged, target="#dev", modes="+o", args=("bob",)))
    await bob.run("/deop alice", target="#dev")
    await alice.expect(is_(ev.ModeChanged, target="#dev", modes="-o", args=("alice",)))
    await bob.run("/mode +m")
    await alice.expect(is_(ev.ModeChanged, target="#dev", modes="+m"))


async def test_ban_by_host_keeps_them_out_until_unban(pair: tuple[LivePeer, LivePeer]) -> None:
    alice, bob = pair
    await both_in_dev(alice, bob)

    await alice.run("/ban bob", target="#dev")
    ban = await alice.expect(is_(ev.ModeChanged, target="#dev", modes="+b"))
    # alice saw bob join, so she knows his host and bans that, not his nick.
    assert ban.args[0] == "*!*@127.0.0.1"
    await alice.run("/kick bob")
    await bob.expect(is_(ev.SelfKicked, room="#dev"))

    await bob.run("/nick bobby")
    await bob.expect(is_(ev.NickChanged, new="bobby", is_self=True))
    await bob.run("/join #dev")
    refused = await bob.expect(lambda e: isinstance(e, ev.ErrorReply) and "#dev" in e.text)
    assert "ban" in refused.text.lower()

    await alice.run("/unban " + ban.args[0])
    await alice.expect(is_(ev.ModeChanged, target="#dev", modes="-b"))
    await bob.run("/join #dev")
    await bob.expect(is_(ev.SelfJoined, room="#dev"))


async def test_private_conversation_and_queries(pair: tuple[LivePeer, LivePeer]) -> None:
    alice, bob = pair
    await alice.run("/query bob are you there?")
    assert alice.current_target == "bob"
    got = await bob.expect(is_(ev.MessageReceived, sender="alice", is_private=True))
    assert (got.target, got.text) == ("alice", "are you there?")
    await bob.run("/msg alice yes")
    await alice.expect(is_(ev.MessageReceived, target="bob", text="yes", is_private=True))
    await alice.run("/close")
    assert alice.current_target is None
    await alice.run("/notice bob psst")
    await bob.expect(is_(ev.MessageReceived, text="psst", kind=ev.MessageKind.NOTICE))
