"""Lines that arrive in a window while another is shown are drawn at the log's width.

Found by hand in tmux: after a /nick (one line in every room) or any message
in a room not being read, that room showed its new lines one character per
row: a hidden log has no width, and RichLog rendered at its minimum of 1.
"""

from __future__ import annotations

from tui_chat.client.events import MessageReceived, NickChanged, SelfJoined
from tui_chat.tui.app import ChatApp
from tui_chat.tui.widgets.chat_log import ChatLog

from .fakes import SessionBox, make_app
from .test_end_to_end import SIZE
from .test_pilot import fill_lobby, in_lobby, session_of


def rows_of(app: ChatApp, key: str) -> list[str]:
    log = next(log for log in app.query(ChatLog) if log.window_key == key)
    return [strip.text.rstrip() for strip in log.lines]


async def test_a_room_written_to_while_hidden_reads_normally_when_shown_again() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await in_lobby(app)
        await pilot.pause()
        await app.apply_event(SelfJoined("#dev"))
        await pilot.pause()
        assert app.current_key == "#dev"
        await app.apply_event(MessageReceived("#lobby", "bob", "said while you were away"))
        await app.apply_event(NickChanged("alice", "alys", rooms=("#lobby",), is_self=True))
        await pilot.pause()
        app.switch_to("#lobby")
        await pilot.pause()
        rows = rows_of(app, "#lobby")
        assert rows[-2].endswith("bob │ said while you were away"), rows
        assert rows[-1].endswith("You are now known as alys"), rows
        assert app.log_lines("#lobby")[-1].endswith("You are now known as alys")


async def test_a_hidden_log_scrolled_up_still_counts_what_arrived() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await in_lobby(app)
        await fill_lobby(app, 60)
        await pilot.pause()
        await pilot.press("pageup")
        await pilot.pause()
        await app.apply_event(SelfJoined("#dev"))
        await pilot.pause()
        await app.apply_event(MessageReceived("#lobby", "bob", "news"))
        app.switch_to("#lobby")
        await pilot.pause()
        log = next(log for log in app.query(ChatLog) if log.window_key == "#lobby")
        assert log.unseen == 1
        assert rows_of(app, "#lobby")[-1].endswith("bob │ news")


async def test_a_short_log_shown_for_the_first_time_asks_for_no_older_page() -> None:
    """Found in tmux: a log written to before its first layout was scrolled past its end.

    Shown, it sprang back to the top, which read as the reader scrolling up
    there, and a room with three lines asked the server for older history.
    """
    box = SessionBox()
    app = make_app(factory=box)
    async with app.run_test(size=SIZE) as pilot:
        await app.apply_event(SelfJoined("#dev"))
        for number in range(3):
            await app.apply_event(MessageReceived("#dev", "bob", f"hidden {number}"))
        await pilot.pause()
        assert rows_of(app, "#dev")[-1].endswith("bob │ hidden 2")
        assert not [call for call in session_of(box).calls if call[0] == "fetch_history"]
