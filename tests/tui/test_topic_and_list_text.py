"""/topic and /list against our own server read as sentences in the room."""

from __future__ import annotations

import asyncio

from tui_chat.client.session import ClientSession, ConnectOptions
from tui_chat.config import Settings
from tui_chat.server.config import ServerConfig
from tui_chat.server.thread import ServerThread
from tui_chat.tui.app import ChatApp

from .test_end_to_end import SIZE, until
from .test_reconnect import free_port


def shows(app: ChatApp, room: str, text: str) -> bool:
    return any(line.endswith(text) for line in app.log_lines(room))


async def test_topic_without_one_and_a_one_person_list_entry() -> None:
    port = free_port()
    server = ServerThread(ServerConfig(), "127.0.0.1", port)
    server.start()
    options = ConnectOptions("127.0.0.1", port, "alice", rooms=("#lobby",))
    app = ChatApp(
        Settings(bell_on_mention=False),
        server_label=f"127.0.0.1:{port}",
        nick="alice",
        session_factory=lambda _nick, on_event: ClientSession(options, on_event),
    )
    try:
        async with app.run_test(size=SIZE) as pilot:
            await until(pilot, lambda: app.current_key == "#lobby")
            await pilot.press(*"/topic", "enter")
            await until(pilot, lambda: shows(app, "#lobby", "No topic is set for #lobby"))
            await pilot.press(*"/list", "enter")
            await until(pilot, lambda: shows(app, "#lobby", "#lobby (1 user)"))
            await pilot.press("ctrl+q")
    finally:
        await asyncio.to_thread(server.stop)
