"""What happens to you reads as about you (QA findings, P2/P3)."""

from __future__ import annotations

from tui_chat.client.events import (
    AwayChanged,
    ConnectionStateChanged,
    ConnState,
    GuestRenamed,
    MessageReceived,
    ModeChanged,
    NickChanged,
    Registered,
)
from tui_chat.tui.screens.password_prompt import PasswordPrompt
from tui_chat.tui.widgets.status_line import StatusLine

from .fakes import make_app
from .test_end_to_end import SIZE
from .test_pilot import in_lobby


async def test_your_away_state_shows_once_and_in_the_status_line() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await app.apply_event(Registered("alice", "chat.example"))
        await in_lobby(app)
        await app.apply_event(AwayChanged("alice", "lunch"))
        await app.apply_event(AwayChanged("Alice", "lunch"))
        await pilot.pause()
        assert "[away]" in app.query_one(StatusLine).render().plain
        await app.apply_event(AwayChanged("alice", None))
        await pilot.pause()
        assert "[away]" not in app.query_one(StatusLine).render().plain
        lines = app.log_lines("#lobby")
        assert sum("You are marked as away: lunch" in line for line in lines) == 1
        assert lines[-1].endswith("You are back.")


async def test_your_own_nick_change_and_user_modes_are_said_to_you() -> None:
    app = make_app()
    async with app.run_test(size=SIZE):
        await app.apply_event(Registered("alice", "chat.example"))
        await in_lobby(app)
        await app.apply_event(NickChanged("alice", "alys", rooms=("#lobby",), is_self=True))
        await app.apply_event(ModeChanged("alys", "alys", "+o"))
        assert app.log_lines("#lobby")[-1].endswith("You are now known as alys")
        assert app.log_lines()[-1].endswith("Your user modes: +o")


async def test_replayed_history_is_dimmed_unlike_live_chat() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await in_lobby(app)
        await pilot.pause()
        await app.apply_event(MessageReceived("#lobby", "bob", "from before", is_history=True))
        await app.apply_event(MessageReceived("#lobby", "bob", "just now"))
        await pilot.pause()
        log = app._logs["#lobby"]
        old, new = log.lines[-2], log.lines[-1]
        assert old.text.endswith("from before") and new.text.endswith("just now")
        assert any(seg.style and seg.style.dim for seg in old if "from before" in seg.text)
        assert not any(seg.style and seg.style.dim for seg in new if "just now" in seg.text)


async def test_keep_the_guest_name_is_not_asked_again_after_a_reconnect() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await app.apply_event(GuestRenamed("jay", "Guest1"))
        # A second rename while the prompt is open (a reconnect) asks nothing more.
        await app.apply_event(GuestRenamed("jay", "Guest2"))
        await pilot.pause()
        assert sum(isinstance(screen, PasswordPrompt) for screen in app.screen_stack) == 1
        await pilot.press("escape")  # Keep Guest1
        await app.apply_event(GuestRenamed("jay", "Guest3"))
        await pilot.pause()
        assert not isinstance(app.screen, PasswordPrompt)
        assert app.log_lines()[-1].endswith("/login jay to take it back.")
        await app.apply_event(Registered("Guest3", "chat.example"))
        await pilot.press(*"/register hunter22", "enter")
        await pilot.pause()
        assert app.log_lines()[-1].endswith("then /register keeps that name yours.")


async def test_an_account_other_than_the_nick_is_named_apart_from_the_tick() -> None:
    app = make_app()
    async with app.run_test(size=SIZE):
        await app.apply_event(Registered("jay_", "chat.example", account="jay"))
        assert " jay_ ✓ jay " in app.query_one(StatusLine).render().plain


async def test_a_reason_ending_in_a_period_gets_no_second_one() -> None:
    app = make_app()
    async with app.run_test(size=SIZE):
        done = ConnectionStateChanged(ConnState.DISCONNECTED, "and connect again.", fatal=True)
        await app.apply_event(done)
        assert app.log_lines()[-1].endswith("and connect again. Ctrl+Q to quit.")
