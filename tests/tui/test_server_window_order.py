"""The server window tells the connection in the order it happened.

Found by hand: the MOTD was written above "Connected." and the welcome,
because the session says connected only once the MOTD has ended.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from textual.pilot import Pilot

from tui_chat.client.events import ConnectionStateChanged, ConnState, Registered, ServerInfo
from tui_chat.client.session import ClientSession, ConnectOptions
from tui_chat.config import Settings
from tui_chat.server.config import ServerConfig
from tui_chat.server.thread import ServerThread
from tui_chat.tui.app import ChatApp

from .fakes import make_app
from .test_end_to_end import SIZE, until
from .test_reconnect import free_port

MOTD = "be kind"


def order(lines: list[str], *texts: str) -> list[int]:
    """The index of the first line holding each text (a missing one raises)."""
    return [next(i for i, line in enumerate(lines) if text in line) for text in texts]


async def register_with_motd(app: ChatApp, nick: str) -> None:
    await app.apply_event(ConnectionStateChanged(ConnState.CONNECTING, "Connecting"))
    await app.apply_event(ConnectionStateChanged(ConnState.REGISTERING, "Registering"))
    await app.apply_event(ServerInfo(f"- {MOTD}", code="372"))
    await app.apply_event(ConnectionStateChanged(ConnState.CONNECTED, "Connected"))
    await app.apply_event(Registered(nick, "chat.example"))


async def test_connected_then_welcome_then_motd() -> None:
    app = make_app()
    async with app.run_test(size=SIZE):
        await register_with_motd(app, "alice")
        connected, welcome, motd = order(app.log_lines(), "Connected.", "Welcome to", MOTD)
        assert connected < welcome < motd


async def test_a_reconnect_as_the_same_nick_still_shows_the_motd_after_reconnected() -> None:
    app = make_app()
    async with app.run_test(size=SIZE):
        await register_with_motd(app, "alice")
        await app.apply_event(ConnectionStateChanged(ConnState.RECONNECTING, "reset", 1))
        await register_with_motd(app, "alice")
        lines = app.log_lines()
        reconnected = order(lines, "Reconnected")[0]
        assert sum(MOTD in line for line in lines[reconnected:]) == 1


async def test_a_motd_before_a_refusal_is_still_shown_before_the_error() -> None:
    app = make_app()
    async with app.run_test(size=SIZE):
        await app.apply_event(ServerInfo(f"- {MOTD}", code="372"))
        await app.apply_event(ConnectionStateChanged(ConnState.DISCONNECTED, "banned", fatal=True))
        motd, error = order(app.log_lines(), MOTD, "Disconnected: banned")
        assert motd < error


@asynccontextmanager
async def on_own_server(
    config: ServerConfig, rooms: tuple[str, ...] = ()
) -> AsyncIterator[tuple[ChatApp, Pilot[None]]]:
    """The app as alice on a fresh server of ours; the server stops afterwards."""
    port = free_port()
    server = ServerThread(config, "127.0.0.1", port)
    server.start()
    options = ConnectOptions("127.0.0.1", port, "alice", rooms=rooms)
    app = ChatApp(
        Settings(bell_on_mention=False),
        server_label=f"127.0.0.1:{port}",
        nick="alice",
        session_factory=lambda _nick, on_event: ClientSession(options, on_event),
    )
    try:
        async with app.run_test(size=SIZE) as pilot:
            yield app, pilot
            await pilot.press("ctrl+q")
    finally:
        await asyncio.to_thread(server.stop)


async def test_a_real_server_log_reads_connected_welcome_motd() -> None:
    async with on_own_server(ServerConfig(motd=[MOTD])) as (app, pilot):
        await until(pilot, lambda: any(MOTD in line for line in app.log_lines()))
        connected, welcome, motd = order(app.log_lines(), "Connected.", "Welcome to", MOTD)
        assert connected < welcome < motd
