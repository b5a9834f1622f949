"""Keys typed faster than the app handles them: each line is sent once, nothing typed is lost.

Found by the client engineer in tmux: one send-keys with several Enters sent
the same line two or three times. The box was emptied by the app's handler,
which ran after the Input had already turned every queued Enter into a
submission of the same text; and a line typed before that handler ran was
wiped by it.
"""

from __future__ import annotations

from textual import events

from tui_chat.tui.widgets.chat_input import ChatInput

from .fakes import SessionBox, make_app
from .test_end_to_end import SIZE
from .test_pilot import in_lobby, session_of


def keys(text: str) -> list[events.Key]:
    named = {"\r": "enter"}
    return [events.Key(named.get(char, char), char) for char in text]


async def test_queued_enters_send_each_line_once_and_keep_what_follows() -> None:
    box = SessionBox()
    app = make_app(factory=box)
    async with app.run_test(size=SIZE) as pilot:
        await in_lobby(app)
        chat_input = app.query_one(ChatInput)
        # All queued at once, as a terminal delivers a burst: no pause in between.
        for key in keys("one\r\r\rtwo\rthr"):
            app.post_message(key)
        await pilot.pause()
        await pilot.pause()
        sent = [call[2] for call in session_of(box).calls if call[0] == "send_message"]
        assert sent == ["one", "two"]
        assert chat_input.value == "thr"
        await pilot.press("up")
        assert chat_input.value == "two"


async def test_tab_completes_the_text_typed_just_before_it() -> None:
    # Found by QA over tmux: "al" Tab sent together gave "alice: al", because
    # the priority Tab binding ran before the Input had typed the "al".
    app = make_app(factory=SessionBox())
    async with app.run_test(size=SIZE) as pilot:
        await in_lobby(app)
        chat_input = app.query_one(ChatInput)
        for key in [*keys("hi al"), events.Key("tab", "\t")]:
            app.post_message(key)
        await pilot.pause()
        await pilot.pause()
        assert chat_input.value == "hi alice "
        # Every key the box binds keeps its place in a burst (Ctrl+U clears first).
        for key in [events.Key("ctrl+u", None), *keys("al"), events.Key("tab", "\t")]:
            app.post_message(key)
        await pilot.pause()
        await pilot.pause()
        assert chat_input.value == "alice: "
