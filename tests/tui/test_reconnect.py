"""A lost connection reads as one line per window, a countdown, and a marked gap.

Found by hand: every failed attempt of a 10 s outage added its own multi-line
"Connection lost" entry to the room, and the MOTD of the new connection was
written into the room being read.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from tui_chat.client.events import (
    ConnectionStateChanged,
    ConnState,
    Event,
    LagMeasured,
    Registered,
    SelfJoined,
    ServerInfo,
)
from tui_chat.client.session import ClientSession, ConnectOptions
from tui_chat.config import Settings
from tui_chat.server.config import ServerConfig
from tui_chat.server.thread import ServerThread
from tui_chat.tui.app import ChatApp
from tui_chat.tui.widgets.status_line import StatusLine

from .fakes import FIXED_NOW, make_app
from .test_end_to_end import SIZE, until
from .test_pilot import in_lobby

REFUSED = "Could not connect to chat.example:3131: connection refused"
MOTD = "- Welcome to tui-chat: be kind"


def count(lines: list[str], text: str) -> int:
    return sum(text in line for line in lines)


async def test_a_long_outage_is_one_line_per_window_and_a_gap_mark_on_rejoin() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await app.apply_event(Registered("alice", "chat.example"))
        await in_lobby(app)
        await app.apply_event(
            ConnectionStateChanged(ConnState.RECONNECTING, "The server closed the connection", 1)
        )
        for retry in (2, 4, 8, 10, 10):
            await app.apply_event(ConnectionStateChanged(ConnState.CONNECTING, "Connecting"))
            await app.apply_event(ConnectionStateChanged(ConnState.RECONNECTING, REFUSED, retry))
        await pilot.pause()
        assert "reconnecting in 10 s" in str(app.query_one(StatusLine).render())

        await app.apply_event(ConnectionStateChanged(ConnState.CONNECTING, "Connecting"))
        await app.apply_event(ConnectionStateChanged(ConnState.REGISTERING, "Registering"))
        await app.apply_event(ServerInfo(MOTD, code="372"))
        await app.apply_event(ConnectionStateChanged(ConnState.CONNECTED, "Connected"))
        await app.apply_event(Registered("alice", "chat.example"))
        await app.apply_event(SelfJoined("#lobby"))
        await pilot.pause()

        lobby, server = app.log_lines("#lobby"), app.log_lines()
        for window in (lobby, server):
            assert count(window, "Connection lost: The server closed the connection") == 1
            assert count(window, "Could not connect") == 0
        assert count(lobby, MOTD) == 0
        assert count(server, MOTD) == 1
        assert count(server, "Reconnected") == 1
        # The fake clock stands still, so the gap is 0 s long, but it is marked.
        assert count(lobby, "offline 09:30:00") == 1
        assert count(server, "Welcome to chat.example") == 1
        assert app.current_key == "#lobby"


async def test_information_asked_for_while_connected_stays_in_the_current_window() -> None:
    app = make_app()
    async with app.run_test(size=SIZE):
        await app.apply_event(Registered("alice", "chat.example"))
        await in_lobby(app)
        await app.apply_event(ServerInfo("bob is in #lobby", code="319"))
        assert count(app.log_lines("#lobby"), "bob is in #lobby") == 1


async def test_the_gap_mark_says_how_long_the_room_was_unseen() -> None:
    now = [FIXED_NOW]
    app = ChatApp(
        Settings(bell_on_mention=False),
        server_label="chat.example:3131",
        nick="alice",
        session_factory=None,
        clock=lambda: now[0],
    )
    async with app.run_test(size=SIZE):
        await in_lobby(app)
        await app.apply_event(ConnectionStateChanged(ConnState.RECONNECTING, "reset", 1))
        now[0] += timedelta(seconds=75)
        await app.apply_event(ConnectionStateChanged(ConnState.CONNECTED, "Connected"))
        await app.apply_event(SelfJoined("#lobby"))
        assert count(app.log_lines("#lobby"), "offline 09:30:00 to 09:31:15 (1 min 15 s)") == 1
        assert count(app.log_lines(), "Reconnected after 1 min 15 s") == 1


def free_port() -> int:
    with socket.socket() as spare:
        spare.bind(("127.0.0.1", 0))
        return int(spare.getsockname()[1])


def started(port: int) -> ServerThread:
    server = ServerThread(ServerConfig(motd=[MOTD[2:]]), "127.0.0.1", port)
    server.start()
    return server


async def test_a_real_server_restart_leaves_a_quiet_log() -> None:
    port = free_port()
    server = started(port)
    options = ConnectOptions(
        "127.0.0.1", port, "alice", rooms=("#lobby",), backoff_base=0.05, backoff_max=0.2
    )
    failures = 0

    def counting(on_event: Callable[[Event], None]) -> Callable[[Event], None]:
        def counted(event: Event) -> None:
            nonlocal failures
            if isinstance(event, ConnectionStateChanged) and event.state is ConnState.RECONNECTING:
                failures += 1
            on_event(event)

        return counted

    app = ChatApp(
        Settings(bell_on_mention=False),
        server_label=f"127.0.0.1:{port}",
        nick="alice",
        session_factory=lambda _nick, on_event: ClientSession(options, counting(on_event)),
    )
    try:
        async with app.run_test(size=SIZE) as pilot:
            await until(pilot, lambda: app.current_key == "#lobby")
            await asyncio.to_thread(server.stop)
            await until(pilot, lambda: failures >= 4)
            server = await asyncio.to_thread(started, port)
            await until(pilot, lambda: count(app.log_lines("#lobby"), "offline") == 1)
            lobby = app.log_lines("#lobby")
            assert count(lobby, "Connection lost") == 1
            assert count(lobby, "Could not connect") == 0
            assert count(lobby, "Welcome to tui-chat") == 0
            assert count(app.log_lines(), "Reconnected") == 1
            await pilot.press("ctrl+q")
    finally:
        server.stop()


async def test_the_gap_starts_when_the_server_was_last_heard() -> None:
    heard = datetime(2026, 11, 24, 9, 29, 20, tzinfo=UTC)
    app = make_app()
    async with app.run_test(size=SIZE):
        await in_lobby(app)
        lost = ConnectionStateChanged(
            ConnState.RECONNECTING, "ping timeout", 1, offline_since=heard
        )
        await app.apply_event(lost)
        await app.apply_event(ConnectionStateChanged(ConnState.CONNECTED, "Connected"))
        await app.apply_event(SelfJoined("#lobby"))
        local = heard.astimezone().strftime("%H:%M:%S")
        assert count(app.log_lines("#lobby"), f"offline {local} to 09:30:00") == 1


async def test_an_unanswered_ping_shows_a_climbing_lag_in_seconds() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await app.apply_event(Registered("alice", "chat.example"))
        await app.apply_event(LagMeasured(12_400, unanswered=True))
        await pilot.pause()
        assert "lag 12 s?" in app.query_one(StatusLine).render().plain
        await app.apply_event(LagMeasured(35))
        await pilot.pause()
        assert app.query_one(StatusLine).render().plain.endswith("lag 35 ms")
