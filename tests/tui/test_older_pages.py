"""Scrolling to the top of a room loads its older messages, a page at a time."""

from __future__ import annotations

import asyncio
import socket
from datetime import UTC, datetime, timedelta
from pathlib import Path

from textual.pilot import Pilot

from tui_chat.client.events import HistoryBatchEnded, MessageReceived, Registered
from tui_chat.client.history import HISTORY_PAGE
from tui_chat.client.session import ClientSession, ConnectOptions
from tui_chat.config import Settings
from tui_chat.server.config import ServerConfig
from tui_chat.server.thread import ServerThread
from tui_chat.tui.app import ChatApp
from tui_chat.tui.widgets.chat_log import ChatLog

from .fakes import SessionBox, make_app
from .test_end_to_end import SIZE, until
from .test_pilot import in_lobby, session_of

START = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)


def said_at(number: int, *, history: bool = False) -> MessageReceived:
    return MessageReceived(
        "#lobby",
        "bob",
        f"message {number}",
        time=START + timedelta(seconds=number),
        msgid=f"m{number}",
        is_history=history,
    )


def fetches(box: SessionBox) -> list[tuple[object, ...]]:
    return [call for call in session_of(box).calls if call[0] == "fetch_history"]


def top_row(log: ChatLog) -> str:
    return log.lines[round(log.scroll_y)].text


async def scroll_to_top(pilot: Pilot, log: ChatLog) -> None:
    """PageUp until the top, then once more: at the top PageUp asks for a page."""
    while log.scroll_y > 0:
        await pilot.press("pageup")
        await pilot.pause()
    await pilot.press("pageup")
    await pilot.pause()


async def test_pages_go_above_without_moving_the_view_until_the_start() -> None:
    box = SessionBox()
    app = make_app(factory=box)
    async with app.run_test(size=SIZE) as pilot:
        await in_lobby(app)
        for number in range(200, 260):
            await app.apply_event(said_at(number))
        await pilot.pause()
        log = app._logs["#lobby"]
        await scroll_to_top(pilot, log)
        assert fetches(box) == [("fetch_history", "#lobby", "m200", HISTORY_PAGE)]
        reading = top_row(log)

        for number in range(100, 200):
            await app.apply_event(said_at(number, history=True))
        await app.apply_event(HistoryBatchEnded("#lobby", HISTORY_PAGE))
        await pilot.pause()
        lines = app.log_lines("#lobby")
        assert lines[0].endswith("message 100") and lines[-1].endswith("message 259")
        assert len(lines) == 160
        assert top_row(log) == reading

        # The reader keeps going up: the next page starts before m100, and
        # a short page says there is nothing older.
        await scroll_to_top(pilot, log)
        assert fetches(box)[-1] == ("fetch_history", "#lobby", "m100", HISTORY_PAGE)
        for number in range(90, 100):
            await app.apply_event(said_at(number, history=True))
        await app.apply_event(HistoryBatchEnded("#lobby", 10))
        await pilot.pause()
        lines = app.log_lines("#lobby")
        assert "Start of the history" in lines[0]
        assert lines[1].endswith("message 90")
        await pilot.press("pageup", "pageup")
        await pilot.pause()
        assert len(fetches(box)) == 2


async def test_live_history_replay_is_appended_as_before() -> None:
    app = make_app()
    async with app.run_test(size=SIZE):
        await app.apply_event(Registered("alice", "chat.example"))
        await in_lobby(app)
        await app.apply_event(said_at(5, history=True))
        await app.apply_event(HistoryBatchEnded("#lobby", 1))
        await app.apply_event(said_at(6))
        assert [line[-9:] for line in app.log_lines("#lobby")] == ["message 5", "message 6"]


async def test_a_real_server_pages_back_through_what_was_said(tmp_path: Path) -> None:
    config = ServerConfig(history_db=str(tmp_path / "history.sqlite3"))
    server = ServerThread(config, "127.0.0.1", 0)
    _, port = server.start()
    try:
        talker = await asyncio.to_thread(say_lines, port, 180)
        assert talker
        options = ConnectOptions("127.0.0.1", port, "reader", rooms=("#lobby",))
        app = ChatApp(
            Settings(bell_on_mention=False),
            server_label=f"127.0.0.1:{port}",
            nick="reader",
            session_factory=lambda _nick, on_event: ClientSession(options, on_event),
        )
        async with app.run_test(size=SIZE) as pilot:
            await until(pilot, lambda: any("line 179" in x for x in app.log_lines("#lobby")))
            lobby = app.windows.get("#lobby")
            assert lobby is not None
            for _ in range(3):
                await scroll_to_top(pilot, app._logs["#lobby"])
                await until(pilot, lambda: lobby.older.asked_at is None)
            texts = [line for line in app.log_lines("#lobby") if " line " in line]
            assert [int(text.rsplit(" ", 1)[1]) for text in texts] == list(range(180))
            assert "Start of the history" in app.log_lines("#lobby")[0]
            await pilot.press("ctrl+q")
    finally:
        server.stop()


def say_lines(port: int, count: int) -> bool:
    """A plain IRC client says `count` numbered lines in #lobby and waits until they are stored."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as irc:
        irc.sendall(b"NICK talker\r\nUSER talker 0 * :Talker\r\n")
        lines = [f"PRIVMSG #lobby :line {number}\r\n".encode() for number in range(count)]
        irc.sendall(b"".join(lines) + b"PING :done\r\n")
        seen = b""
        while b"PONG" not in seen or b"done" not in seen.split(b"PONG", 1)[1]:
            chunk = irc.recv(65536)
            if not chunk:
                return False
            seen += chunk
        irc.sendall(b"QUIT\r\n")
    return True
