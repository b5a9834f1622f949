"""/topic and /list against our own server read as sentences in the room."""

from __future__ import annotations

from tui_chat.server.config import ServerConfig
from tui_chat.tui.app import ChatApp

from .test_end_to_end import until
from .test_server_window_order import on_own_server


def shows(app: ChatApp, room: str, text: str) -> bool:
    return any(line.endswith(text) for line in app.log_lines(room))


async def test_topic_without_one_and_a_one_person_list_entry() -> None:
    async with on_own_server(ServerConfig(), rooms=("#lobby",)) as (app, pilot):
        await until(pilot, lambda: app.current_key == "#lobby")
        await pilot.press(*"/topic", "enter")
        await until(pilot, lambda: shows(app, "#lobby", "No topic is set for #lobby"))
        await pilot.press(*"/list", "enter")
        await until(pilot, lambda: shows(app, "#lobby", "#lobby (1 user)"))
