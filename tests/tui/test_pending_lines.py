"""Your message shows at once, dimmed, and the server's copy takes its place."""

from __future__ import annotations

from tui_chat.client.events import ErrorReply, MessagePending, MessageReceived
from tui_chat.client.pending import IDEM_TAG
from tui_chat.tui.widgets.chat_log import ChatLog

from .fakes import make_app
from .test_end_to_end import SIZE
from .test_pilot import in_lobby


def dimmed(log: ChatLog, text: str) -> bool:
    row = next(strip for strip in log.lines if strip.text.rstrip().endswith(text))
    return any(seg.style is not None and seg.style.dim for seg in row if text in seg.text)


async def test_a_pending_line_is_replaced_by_its_confirmation_in_place() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await in_lobby(app)
        await pilot.pause()
        await app.apply_event(MessagePending("#lobby", "on its way", "k1"))
        await app.apply_event(MessageReceived("#lobby", "bob", "meanwhile"))
        await pilot.pause()
        log = app._logs["#lobby"]
        assert dimmed(log, "on its way")
        echo = MessageReceived("#lobby", "alice", "on its way", is_self=True, tags={IDEM_TAG: "k1"})
        await app.apply_event(echo)
        await pilot.pause()
        lines = app.log_lines("#lobby")
        assert [line.rsplit("│ ", 1)[1] for line in lines] == ["on its way", "meanwhile"]
        assert not dimmed(log, "on its way")
        assert len([s for s in log.lines if s.text.strip()]) == 2


async def test_a_refused_message_is_forgotten_and_said() -> None:
    app = make_app()
    async with app.run_test(size=SIZE):
        await in_lobby(app)
        await app.apply_event(MessagePending("#lobby", "nope", "k2"))
        await app.apply_event(ErrorReply("Cannot send to #lobby", target="#lobby", key="k2"))
        assert app._pending == {}
        assert app.log_lines("#lobby")[-1].endswith("Cannot send to #lobby")
