"""A burst of messages neither freezes the keyboard nor breaks the scrollback cap.

Measured by the TUI benchmark (benchmarks/tui_burst.py): with one Textual
message per session event, keys typed during a 10,000-message burst were
answered after 2-4 s; and the cap, handed to RichLog, counted screen rows, so
wrapped messages left only a third of the promised scrollback.
"""

from __future__ import annotations

from textual import events

from tui_chat.client.events import MessageReceived
from tui_chat.config import Settings
from tui_chat.tui.widgets.chat_input import ChatInput

from .fakes import SessionBox, make_app
from .test_end_to_end import SIZE, until
from .test_pilot import in_lobby, session_of

BURST = 20_000


async def test_a_key_typed_during_a_burst_is_handled_before_the_burst_ends() -> None:
    box = SessionBox()
    app = make_app(factory=box)
    async with app.run_test(size=SIZE) as pilot:
        await in_lobby(app)
        await pilot.pause()
        on_event = session_of(box).on_event
        for number in range(BURST):
            on_event(MessageReceived("#lobby", "bob", f"burst {number}"))
        app.post_message(events.Key("x", "x"))
        chat_input = app.query_one(ChatInput)

        def shown_last() -> bool:
            return app.log_lines("#lobby")[-1].endswith(f"burst {BURST - 1}")

        await until(pilot, lambda: chat_input.value == "x")
        assert not shown_last()
        await until(pilot, shown_last)


async def test_the_cap_counts_messages_however_many_rows_they_wrap_to() -> None:
    app = make_app(settings=Settings(bell_on_mention=False, scrollback_lines=100))
    async with app.run_test(size=SIZE) as pilot:
        await in_lobby(app)
        await pilot.pause()
        for number in range(150):
            await app.apply_event(MessageReceived("#lobby", "bob", f"long {number} " + "w " * 60))
        await pilot.pause()
        log = app._logs["#lobby"]
        rows = [strip.text for strip in log.lines]
        shown = {row.split()[4] for row in rows if "│ long " in row}
        # Every kept message is drawn; the oldest beyond the cap (plus slack) are gone.
        assert {str(n) for n in range(50, 150)} <= shown <= {str(n) for n in range(40, 150)}
        assert len(app.log_lines("#lobby")) == 100
