"""The chat log on its own: rows counted for every entry, drawn only where the reader looks."""

from __future__ import annotations

import asyncio
from datetime import datetime

from rich.segment import Segment
from textual.app import App, ComposeResult
from textual.events import Resize
from textual.geometry import Size
from textual.message import Message
from textual.pilot import Pilot
from textual.strip import Strip

from tui_chat.client.events import MessageReceived
from tui_chat.tui.app import ChatApp
from tui_chat.tui.widgets.chat_input import ChatInput
from tui_chat.tui.widgets.chat_log import ChatLog
from tui_chat.tui.widgets.message_lines import ChatLine, LineStyler

from .fakes import SessionBox, make_app
from .test_end_to_end import SIZE as APP_SIZE
from .test_end_to_end import WAIT, until
from .test_pilot import in_lobby, session_of

WHEN = datetime(2026, 11, 24, 9, 30)
STYLER = LineStyler("%H:%M")
# Columns and rows of the test terminal; the log has all of it.
SIZE = (80, 12)


def said(number: int, words: int = 30) -> ChatLine:
    return STYLER.message(WHEN, "bob", " ".join(["line", str(number), *["word"] * words, "end"]))


class LogApp(App[None]):
    def __init__(self, max_lines: int = 1000) -> None:
        super().__init__()
        self.log_widget = ChatLog("#room", max_lines=max_lines)

    def compose(self) -> ComposeResult:
        yield self.log_widget


def varied(count: int) -> list[ChatLine]:
    """`count` lines of 2 to 41 words: most wrap, by different numbers of rows."""
    return [said(number, number % 40) for number in range(count)]


def fill(log: ChatLog, lines: list[ChatLine]) -> list[ChatLine]:
    for line in lines:
        log.add(line)
    return lines


def top_row(log: ChatLog) -> str:
    return log.lines[round(log.scroll_y)].text


def reading(log: ChatLog) -> str:
    """Which line the row at the top of the view belongs to ("line 12")."""
    return " ".join(top_row(log).split("│ ")[1].split()[:2])


async def narrowed(app: App[None], log: ChatLog, width: int) -> None:
    """Resize the terminal to `width` columns; back as soon as the log has its new width.

    Not a pilot pause: those last long enough to count every row.
    """
    app.post_message(Resize(Size(width, SIZE[1]), Size(width, SIZE[1])))
    async with asyncio.timeout(WAIT):
        # The log took its new width (on_resize), not only the screen's layout.
        while log.virtual_size.width >= width:
            await asyncio.sleep(0)


def draw(app: App[None], line: ChatLine, width: int) -> list[Strip]:
    """`line` drawn on its own, as Rich draws it `width` cells wide."""
    segments = app.console.render(line, app.console.options.update_width(width))
    return [Strip(row) for row in Segment.split_lines(segments)]


def screen_rows(log: ChatLog) -> list[str]:
    first = round(log.scroll_y)
    return [strip.text for strip in log.lines[first : first + log.size.height]]


async def test_every_entry_is_counted_but_only_the_screen_is_drawn() -> None:
    app = LogApp(max_lines=5000)
    async with app.run_test(size=SIZE) as pilot:
        log = app.log_widget
        lines = fill(log, varied(3000))
        await pilot.pause()
        width = log.scrollable_content_region.width
        assert log.row_count == sum(line.height(width) for line in lines)
        assert log.scroll_y == log.max_scroll_y
        assert screen_rows(log)[-1].rstrip().endswith("word end")
        assert "line 2999 " in "".join(screen_rows(log))
        # Drawn: the entries on screen, not the 3,000 kept.
        assert 0 < len(log._drawn) <= log.size.height


async def test_a_resize_wraps_again_and_the_end_stays_in_view() -> None:
    app = LogApp()
    async with app.run_test(size=SIZE) as pilot:
        log = app.log_widget
        lines = [said(number) for number in range(200)]
        for line in lines:
            log.add(line)
        await pilot.pause()
        rows_wide = log.row_count
        await pilot.resize_terminal(50, SIZE[1])
        await pilot.pause()
        width = log.scrollable_content_region.width
        assert log.row_count == sum(line.height(width) for line in lines) > rows_wide
        assert all(len(strip.text.rstrip()) <= width for strip in log.lines)
        assert log.following and log.scroll_y == log.max_scroll_y
        assert screen_rows(log)[-1].rstrip().endswith("word end")


async def test_a_resize_keeps_the_line_being_read_at_the_top() -> None:
    app = LogApp()
    async with app.run_test(size=SIZE) as pilot:
        log = app.log_widget
        for number in range(200):
            log.add(said(number))
        await pilot.pause()
        log.scroll_to(y=log.max_scroll_y // 2, animate=False, immediate=True)
        await pilot.pause()
        read = reading(log)
        assert read.startswith("line ") and not log.following
        for width in (50, 100, 80):
            await pilot.resize_terminal(width, SIZE[1])
            await pilot.pause()
            # The entry's first row, as its rows begin anew at each width.
            assert reading(log) == read, width
        log.add(said(1000))
        await pilot.pause()
        assert log.unseen == 1 and reading(log) == read


async def test_the_cap_drops_the_oldest_entries_with_their_rows() -> None:
    app = LogApp(max_lines=50)
    async with app.run_test(size=SIZE) as pilot:
        log = app.log_widget
        for number in range(120):
            log.add(said(number, number % 7))
        await pilot.pause()
        assert [line.split("│ ")[1].split()[1] for line in log.plain_lines()] == [
            str(number) for number in range(70, 120)
        ]
        assert log.lines[0].text.split("│ ")[1].startswith("line 70 ")
        width = log.scrollable_content_region.width
        assert log.row_count == sum(said(n, n % 7).height(width) for n in range(70, 120))


async def test_clear_empties_the_log_and_follows_new_lines_again() -> None:
    app = LogApp()
    posted: list[Message] = []
    async with app.run_test(size=SIZE, message_hook=posted.append) as pilot:
        log = app.log_widget
        for number in range(100):
            log.add(said(number))
        await pilot.pause()
        log.scroll_to(y=log.max_scroll_y - 20, animate=False, immediate=True)
        log.add(said(100))
        await pilot.pause()
        assert log.unseen == 1
        log.clear()
        await pilot.pause()
        assert log.row_count == 0 and log.plain_lines() == [] and log.unseen == 0
        # Emptied is not scrolled to the top: no older page is asked for.
        assert not [message for message in posted if isinstance(message, ChatLog.ReachedTop)]
        assert all(not row.strip() for row in screen_rows(log))
        log.add(said(7, 2))
        await pilot.pause()
        assert log.lines[0].text.rstrip().endswith("line 7 word word end")
        assert log.following and log.unseen == 0


async def test_a_replaced_line_moves_only_the_lines_after_it() -> None:
    app = LogApp()
    async with app.run_test(size=SIZE) as pilot:
        log = app.log_widget
        short = said(1, 0)
        log.add(short)
        log.add(said(2, 0))
        await pilot.pause()
        assert log.replace(short, said(1, 60))
        await pilot.pause()
        width = log.scrollable_content_region.width
        assert log.row_count == said(1, 60).height(width) + 1 > 2
        assert log.lines[-1].text.rstrip().endswith("line 2 end")
        assert not log.replace(short, said(3))


async def test_a_resize_of_a_long_log_draws_the_end_at_once_and_counts_the_rest_after() -> None:
    app = LogApp(max_lines=5000)
    async with app.run_test(size=SIZE) as pilot:
        log = app.log_widget
        lines = fill(log, varied(5000))
        await pilot.pause()
        await narrowed(app, log, 50)
        width = log.scrollable_content_region.width
        # The first frame at the new width: the newest entries, wrapped anew.
        assert not log.settled
        assert screen_rows(log)[-1].rstrip().endswith(lines[-1].body.plain[-12:])
        assert all(len(row.rstrip()) <= width for row in screen_rows(log))
        await until(pilot, lambda: log.settled)
        assert log.row_count == sum(line.height(width) for line in lines)
        assert log.following and log.scroll_y == log.max_scroll_y


async def test_a_reader_far_up_keeps_their_line_while_the_rest_is_counted() -> None:
    app = LogApp(max_lines=5000)
    async with app.run_test(size=SIZE) as pilot:
        log = app.log_widget
        fill(log, varied(5000))
        await pilot.pause()
        log.scroll_to(y=log.max_scroll_y * 3 // 4, animate=False, immediate=True)
        await pilot.pause()
        read = reading(log)
        await pilot.resize_terminal(50, SIZE[1])
        await until(pilot, lambda: log.settled)
        await pilot.pause()
        assert reading(log) == read


async def test_scrolling_up_to_entries_not_counted_yet_counts_them_first() -> None:
    app = LogApp(max_lines=5000)
    async with app.run_test(size=SIZE) as pilot:
        log = app.log_widget
        fill(log, varied(5000))
        await pilot.pause()
        await narrowed(app, log, 50)
        assert not log.settled
        log.scroll_home(animate=False, immediate=True)
        assert log.settled
        await pilot.pause()
        width = log.scrollable_content_region.width
        first = varied(3)
        expected = [strip.text for line in first for strip in draw(app, line, width)]
        # The full log's first line says older messages are not kept.
        head = log._layout.height(0)
        assert "not kept" in screen_rows(log)[0]
        assert screen_rows(log)[head : head + len(expected)] == expected


async def bob_said_in_the_lobby(app: ChatApp, pilot: Pilot[None], text: str) -> ChatLog:
    await in_lobby(app)
    await app.apply_event(MessageReceived("#lobby", "bob", text))
    await pilot.pause()
    return app._logs["#lobby"]


def place_of(log: ChatLog, text: str) -> tuple[int, int]:
    """Where `text` is on screen, as an offset in the log widget (its padding included)."""
    row = next(y for y, strip in enumerate(log.lines) if text in strip.text)
    # +1: the log's left padding.
    return log.lines[row].text.index(text) + 1, row - round(log.scroll_y)


async def test_a_nick_drawn_by_the_log_is_still_clickable() -> None:
    app = make_app()
    async with app.run_test(size=APP_SIZE) as pilot:
        log = await bob_said_in_the_lobby(app, pilot, "click my name")
        await pilot.click(log, offset=place_of(log, "bob"))
        await until(pilot, lambda: app.current_key == "bob")


async def test_rows_dragged_over_with_the_mouse_are_the_selected_text() -> None:
    app = LogApp()
    async with app.run_test(size=SIZE) as pilot:
        log = app.log_widget
        for number in range(100):
            log.add(said(number, 1))
        await pilot.pause()
        top = round(log.scroll_y)
        first, third = screen_rows(log)[0], screen_rows(log)[2]
        start = first.index("line")
        await pilot.mouse_down(log, offset=(start, 0))
        await pilot.hover(log, offset=(start + 6, 2))
        await pilot.mouse_up(log, offset=(start + 6, 2))
        await pilot.pause()
        assert app.screen.get_selected_text() == "\n".join(
            # The cell under the pointer is selected too.
            (first[start:], screen_rows(log)[1], third[: start + 7])
        )
        assert log.text_selection is not None and log.text_selection.start.y == top
        # Drawn highlighted, from the start of the selection on.
        chosen = app.screen.get_component_rich_style("screen--selection").bgcolor
        segments = list(log.render_line(0))
        assert not any(s.style and s.style.bgcolor == chosen for s in segments[:1])
        assert any(s.style and s.style.bgcolor == chosen and "line" in s.text for s in segments)


async def test_ctrl_c_copies_what_was_selected_in_the_log() -> None:
    app = make_app()
    async with app.run_test(size=APP_SIZE) as pilot:
        log = await bob_said_in_the_lobby(app, pilot, "copy this please")
        column, y = place_of(log, "copy this")
        await pilot.mouse_down(log, offset=(column, y))
        await pilot.hover(log, offset=(column + 8, y))
        await pilot.mouse_up(log, offset=(column + 8, y))
        await pilot.press("ctrl+c")
        await pilot.pause()
        assert app.clipboard == "copy this"


async def test_typing_after_a_click_in_the_log_still_goes_to_the_input() -> None:
    # QA F27: one click in the log took the keyboard away from the input.
    box = SessionBox()
    app = make_app(factory=box)
    async with app.run_test(size=APP_SIZE) as pilot:
        log = await bob_said_in_the_lobby(app, pilot, "some text to click on")
        await pilot.click(log, offset=place_of(log, "text to"))
        await pilot.press(*"still typing", "enter")
        await until(
            pilot, lambda: ("send_message", "#lobby", "still typing") in session_of(box).calls
        )
        assert app.focused is app.query_one(ChatInput)
