"""Getting around the log: submitting goes to the end, Home to the top, a full log says so."""

from __future__ import annotations

from textual import events

from tui_chat.client.events import HistoryBatchEnded, MessageReceived, ServerInfo
from tui_chat.config import Settings
from tui_chat.tui.app import ChatApp
from tui_chat.tui.paste import PASTE_MAX_LINES
from tui_chat.tui.screens.help import KEYS
from tui_chat.tui.widgets.chat_input import ChatInput
from tui_chat.tui.widgets.chat_log import ChatLog

from .fakes import SessionBox, make_app
from .test_end_to_end import until
from .test_pilot import SIZE, fill_lobby, in_lobby, session_of


async def scrolled_up_lobby(app: ChatApp, pilot: object, count: int = 200) -> ChatLog:
    await in_lobby(app)
    await fill_lobby(app, count)
    log = app._logs["#lobby"]
    await until(pilot, lambda: log.row_count >= count and log.scroll_y == log.max_scroll_y)
    await pilot.press("pageup", "pageup", "pageup")  # type: ignore[attr-defined]
    await until(pilot, lambda: not log.following)
    return log


def at_end(log: ChatLog) -> bool:
    return log.following and log.scroll_y == log.max_scroll_y and log.unseen == 0


def newest_on_screen(log: ChatLog, text: str) -> bool:
    first = round(log.scroll_y)
    rows = [strip.text for strip in log.lines[first : first + log.size.height]]
    return any(text in row for row in rows)


async def test_a_message_sent_while_scrolled_up_brings_the_view_to_the_end() -> None:
    box = SessionBox()
    app = make_app(factory=box)
    async with app.run_test(size=SIZE) as pilot:
        log = await scrolled_up_lobby(app, pilot)
        await pilot.press(*"a message while scrolled", "enter")
        await until(pilot, lambda: at_end(log))
        assert ("send_message", "#lobby", "a message while scrolled") in session_of(box).calls
        assert not app.query_one("#unseen").display


async def test_the_answer_to_a_command_run_while_scrolled_up_is_in_view() -> None:
    box = SessionBox()
    app = make_app(factory=box)
    async with app.run_test(size=SIZE) as pilot:
        log = await scrolled_up_lobby(app, pilot)
        await pilot.press(*"/whois irene", "enter")
        await app.apply_event(ServerInfo("irene is irene@10.0.0.9 (Irene)", "311"))
        await until(pilot, lambda: newest_on_screen(log, "irene is irene@10.0.0.9"))
        assert at_end(log)


async def test_a_refused_paste_is_explained_where_the_reader_looks() -> None:
    app = make_app(factory=SessionBox())
    async with app.run_test(size=SIZE) as pilot:
        log = await scrolled_up_lobby(app, pilot)
        too_many = PASTE_MAX_LINES + 1
        app.query_one(ChatInput).post_message(events.Paste("\n".join("x" * too_many)))
        await until(pilot, lambda: newest_on_screen(log, f"That paste has {too_many} lines"))
        assert at_end(log)


async def test_home_in_an_empty_input_goes_to_the_top_and_asks_for_older_messages() -> None:
    box = SessionBox()
    app = make_app(factory=box)
    async with app.run_test(size=SIZE) as pilot:
        await in_lobby(app)
        await fill_lobby(app, 200)
        log = app._logs["#lobby"]
        await until(pilot, lambda: log.scroll_y == log.max_scroll_y > 0)
        await pilot.press("home")
        await until(pilot, lambda: log.scroll_y == 0)
        assert log.lines[0].text.rstrip().endswith("line 0")
        await until(pilot, lambda: any(c[0] == "fetch_history" for c in session_of(box).calls))
        await pilot.press("end")
        await until(pilot, lambda: at_end(log))


async def test_home_with_text_typed_moves_the_cursor_first() -> None:
    app = make_app(factory=SessionBox())
    async with app.run_test(size=SIZE) as pilot:
        await in_lobby(app)
        await fill_lobby(app, 200)
        log = app._logs["#lobby"]
        await until(pilot, lambda: log.scroll_y == log.max_scroll_y > 0)
        await pilot.press(*"draft", "home")
        await pilot.pause()
        box = app.query_one(ChatInput)
        assert box.cursor_position == 0 and box.value == "draft"
        assert at_end(log)
        # Already at the start of the line: the second Home is for the log.
        await pilot.press("home")
        await until(pilot, lambda: log.scroll_y == 0)
        assert box.value == "draft"


def test_the_help_screen_names_home_end_and_copying() -> None:
    keys = dict(KEYS)
    assert "oldest" in keys["Home"] and "newest" in keys["End"]
    assert "copies" in keys["drag, then Ctrl+C"]


CAP = 50


async def test_a_full_log_says_at_its_top_that_older_messages_are_not_kept() -> None:
    box = SessionBox()
    app = make_app(factory=box, settings=Settings(bell_on_mention=False, scrollback_lines=CAP))
    async with app.run_test(size=SIZE) as pilot:
        await in_lobby(app)
        await fill_lobby(app, CAP + 10)
        log = app._logs["#lobby"]
        await until(pilot, lambda: log.scroll_y == log.max_scroll_y > 0)
        await pilot.press("home")
        await until(pilot, lambda: log.scroll_y == 0)
        await pilot.press("pageup")
        await pilot.pause()
        limit = f"Older messages are not kept in this window (limit {CAP:,})"
        assert "Older messages are not kept" in log.lines[0].text
        assert app.log_lines("#lobby")[0].endswith(limit)
        # Nothing asked of the server: there is no room to put a page.
        assert not [c for c in session_of(box).calls if c[0] == "fetch_history"]
        # The marker is no message: the newest CAP messages are all still kept.
        lines = app.log_lines("#lobby")
        assert [line.rsplit(" ", 1)[1] for line in lines[1:]] == [str(n) for n in range(10, 60)]
        # New lines keep the cap and the marker stays on top.
        await fill_lobby(app, 5)
        await pilot.pause()
        assert limit in app.log_lines("#lobby")[0] and len(app.log_lines("#lobby")) == CAP + 1
        app.clear()
        await pilot.pause()
        assert app.log_lines("#lobby") == []


async def test_a_page_that_fills_the_log_leaves_the_marker_for_the_next_time_up() -> None:
    box = SessionBox()
    app = make_app(factory=box, settings=Settings(bell_on_mention=False, scrollback_lines=CAP))
    async with app.run_test(size=SIZE) as pilot:
        await in_lobby(app)
        await fill_lobby(app, CAP - 5)
        log = app._logs["#lobby"]
        await until(pilot, lambda: log.scroll_y == log.max_scroll_y > 0)
        await pilot.press("home")
        await until(pilot, lambda: any(c[0] == "fetch_history" for c in session_of(box).calls))
        for number in range(20):
            await app.apply_event(
                MessageReceived("#lobby", "bob", f"old {number}", is_history=True)
            )
        await app.apply_event(HistoryBatchEnded("#lobby", 20))
        await pilot.pause()
        assert len(app.log_lines("#lobby")) == CAP
        log.scroll_home(animate=False, immediate=True)
        await pilot.press("pageup")
        await until(pilot, lambda: "not kept" in log.lines[0].text)
        assert len([c for c in session_of(box).calls if c[0] == "fetch_history"]) == 1
