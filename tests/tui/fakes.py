"""A session that records what the app asks of it, and a scripted lively room."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime
from typing import Any

from tui_chat.client.events import (
    ConnectionStateChanged,
    ConnState,
    Event,
    Member,
    MembersChanged,
    MessageKind,
    MessageReceived,
    ModeChanged,
    NickChanged,
    Registered,
    SelfJoined,
    TopicChanged,
    UserJoined,
    UserParted,
    UserQuit,
)
from tui_chat.config import Settings
from tui_chat.tui.app import ChatApp

# Every timestamp in the snapshots: they must not change from run to run.
FIXED_NOW = datetime(2026, 11, 24, 9, 30)


def at(minute: int) -> datetime:
    return FIXED_NOW.replace(minute=minute)


class FakeState:
    def __init__(self) -> None:
        self.rooms: dict[str, Any] = {}


class RecordingSession:
    """Stands in for ClientSession: awaited actions land in `calls`; run() waits for quit()."""

    def __init__(self, nick: str, on_event: Callable[[Event], None]) -> None:
        self.nick = nick
        self.on_event = on_event
        self.calls: list[tuple[Any, ...]] = []
        self.state = FakeState()
        self._quit = asyncio.Event()

    async def run(self) -> None:
        self.on_event(Registered(self.nick, "irc.test"))
        await self._quit.wait()

    async def quit(self, message: str = "") -> None:
        self.calls.append(("quit", message))
        self._quit.set()

    def __getattr__(self, name: str) -> Any:
        async def action(*args: Any) -> None:
            self.calls.append((name, *args))

        return action


class SessionBox:
    """A session_factory that keeps the session it built, for the test to inspect."""

    def __init__(self) -> None:
        self.session: RecordingSession | None = None

    def __call__(self, nick: str, on_event: Callable[[Event], None]) -> RecordingSession:
        self.session = RecordingSession(nick, on_event)
        return self.session


def make_app(
    nick: str | None = "alice",
    factory: SessionBox | None = None,
    settings: Settings | None = None,
    banner: tuple[str, ...] = (),
) -> ChatApp:
    return ChatApp(
        settings or Settings(bell_on_mention=False),
        server_label="chat.example:3131",
        nick=nick,
        session_factory=factory,
        banner=banner,
        clock=lambda: FIXED_NOW,
    )


LOBBY_MEMBERS = (
    Member("alice", "@"),
    Member("bob", "+"),
    Member("carol"),
    Member("dave", away=True),
    Member("erin"),
)


def lively_room() -> list[Event]:
    """#lobby with several people, events, an action, a URL and a mention; #dev with unread."""
    return [
        Registered("alice", "chat.example"),
        ConnectionStateChanged(ConnState.CONNECTED),
        SelfJoined("#dev"),
        MembersChanged("#dev", (Member("alice", "@"), Member("bob"))),
        SelfJoined("#lobby"),
        TopicChanged("#lobby", "Friday game night: bring snacks | https://example.org/rules"),
        MembersChanged("#lobby", LOBBY_MEMBERS),
        UserJoined("#lobby", "bob", time=at(0)),
        MessageReceived("#lobby", "bob", "evening all!", time=at(1)),
        MessageReceived(
            "#lobby", "carol", "hi bob, rules are at https://example.org/rules", time=at(2)
        ),
        MessageReceived("#lobby", "bob", "grabs the dice", kind=MessageKind.ACTION, time=at(3)),
        UserJoined("#lobby", "erin", userhost="erin@10.0.0.7", time=at(4)),
        NickChanged("erin", "erin_", rooms=("#lobby",), time=at(5)),
        NickChanged("erin_", "erin", rooms=("#lobby",), time=at(5)),
        MessageReceived("#lobby", "alice", "welcome erin", is_self=True, time=at(6)),
        MessageReceived(
            "#lobby", "carol", "alice: can you set the topic?", mentions_me=True, time=at(7)
        ),
        ModeChanged("#lobby", "alice", "+v", ("bob",), time=at(8)),
        UserParted("#lobby", "frank", "dinner", time=at(9)),
        UserQuit("gina", "Connection closed", rooms=("#lobby",), time=at(10)),
        MessageReceived("#dev", "bob", "build is green", time=at(11)),
        MessageReceived("#dev", "bob", "alice: ship it?", mentions_me=True, time=at(12)),
    ]
