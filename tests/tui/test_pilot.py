"""The app driven by Pilot: typing, commands, windows, completion, unread counts, paste, quit."""

from __future__ import annotations

import asyncio
import time

from textual import events

from tui_chat.client.events import (
    ConnectionStateChanged,
    ConnState,
    Member,
    MembersChanged,
    MessageReceived,
    NickChanged,
    SelfJoined,
    SelfKicked,
    UserJoined,
    UserParted,
)
from tui_chat.config import Settings
from tui_chat.tui.app import ChatApp
from tui_chat.tui.screens.confirm import ConfirmScreen
from tui_chat.tui.screens.name_prompt import NamePromptScreen
from tui_chat.tui.widgets.chat_input import ChatInput
from tui_chat.tui.widgets.chat_log import ChatLog
from tui_chat.tui.widgets.room_list import RoomList
from tui_chat.tui.widgets.status_line import StatusLine
from tui_chat.tui.widgets.user_list import UserList

from .fakes import RecordingSession, SessionBox, make_app

SIZE = (100, 30)


async def in_lobby(app: ChatApp) -> None:
    await app.apply_event(SelfJoined("#lobby"))
    await app.apply_event(
        MembersChanged("#lobby", (Member("alice", "@"), Member("bob"), Member("carol")))
    )


async def fill_lobby(app: ChatApp, count: int) -> None:
    for number in range(count):
        await app.apply_event(MessageReceived("#lobby", "bob", f"line {number}"))


def session_of(box: SessionBox) -> RecordingSession:
    assert box.session is not None
    return box.session


async def test_typing_sends_a_message_to_the_current_room() -> None:
    box = SessionBox()
    app = make_app(factory=box)
    async with app.run_test(size=SIZE) as pilot:
        await in_lobby(app)
        await pilot.press(*"hello there", "enter")
        await pilot.pause()
        assert ("send_message", "#lobby", "hello there") in session_of(box).calls
        assert app.query_one(ChatInput).value == ""


async def test_commands_reach_the_session_and_mistakes_are_explained() -> None:
    box = SessionBox()
    app = make_app(factory=box)
    async with app.run_test(size=SIZE) as pilot:
        await in_lobby(app)
        for line in ("/join #dev", "/me waves", "/frobnicate"):
            await pilot.press(*line, "enter")
        await pilot.pause()
        calls = session_of(box).calls
        assert ("join", "#dev", None) in calls
        assert ("send_action", "#lobby", "waves") in calls
        assert any("Unknown command /frobnicate" in line for line in app.log_lines("#lobby"))


async def test_text_in_the_server_window_is_refused_with_a_hint() -> None:
    box = SessionBox()
    app = make_app(factory=box)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(*"hi", "enter")
        await pilot.pause()
        assert not [c for c in session_of(box).calls if c[0] == "send_message"]
        assert any("server window" in line for line in app.log_lines(""))


async def test_switching_windows_with_keys_and_clicks() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await app.apply_event(SelfJoined("#dev"))
        await in_lobby(app)
        assert app.current_key == "#lobby"
        await pilot.press("ctrl+p")
        assert app.current_key == "#dev"
        await pilot.press("alt+up")
        assert app.current_key == ""
        await pilot.press("ctrl+n", "ctrl+n")
        assert app.current_key == "#lobby"
        # Rows of the rooms list: server window, #dev, #lobby.
        await pilot.click(RoomList, offset=(2, 1))
        await pilot.pause()
        assert app.current_key == "#dev"


async def test_tab_completes_nicks_then_cycles() -> None:
    app = make_app(factory=SessionBox())
    async with app.run_test(size=SIZE) as pilot:
        await in_lobby(app)
        await pilot.press("c", "tab")
        assert app.query_one(ChatInput).value == "carol: "
        await pilot.press("backspace", "backspace", "backspace", "backspace", "backspace")
        await pilot.press("backspace", "backspace", "/", "j", "o", "tab")
        assert app.query_one(ChatInput).value == "/join "


async def test_unread_counts_mentions_and_next_unread() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await app.apply_event(SelfJoined("#dev"))
        await app.apply_event(SelfJoined("#quiet"))
        await in_lobby(app)
        await app.apply_event(MessageReceived("#dev", "bob", "one"))
        await app.apply_event(MessageReceived("#dev", "bob", "alice: two", mentions_me=True))
        await app.apply_event(MessageReceived("#lobby", "bob", "seen here"))
        dev = app.windows.get("#dev")
        assert dev is not None and (dev.unread, dev.mentioned) == (2, True)
        assert app.windows.get("#lobby").unread == 0  # type: ignore[union-attr]
        await pilot.pause()
        labels = [str(option.prompt) for option in app.query_one(RoomList).options]
        assert "#dev 2" in labels
        await pilot.press("alt+a")
        assert app.current_key == "#dev"
        assert (dev.unread, dev.mentioned) == (0, False)


async def test_mention_rings_the_bell_when_the_setting_says_so() -> None:
    rings: list[int] = []
    for bell in (True, False):
        app = make_app(settings=Settings(bell_on_mention=bell))
        app.bell = lambda: rings.append(1)  # type: ignore[method-assign]
        async with app.run_test(size=SIZE):
            await in_lobby(app)
            await app.apply_event(MessageReceived("#lobby", "bob", "hey alice", mentions_me=True))
            await app.apply_event(MessageReceived("#lobby", "bob", "no ping here"))
    assert rings == [1]


async def test_scrolled_up_view_stays_put_and_counts_new_lines() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await in_lobby(app)
        await fill_lobby(app, 200)
        await pilot.pause()
        log = app._logs["#lobby"]
        assert log.scroll_y == log.max_scroll_y
        await pilot.press("pageup", "pageup")
        await pilot.pause()
        held = log.scroll_y
        assert held < log.max_scroll_y
        for number in range(3):
            await app.apply_event(MessageReceived("#lobby", "bob", f"new {number}"))
        await pilot.pause()
        assert log.scroll_y == held
        marker = app.query_one("#unseen")
        assert marker.display and "3 new" in str(marker.render())
        await pilot.press("end")
        await pilot.pause()
        assert log.scroll_y == log.max_scroll_y
        assert not marker.display


async def test_name_prompt_insists_on_a_valid_nick_then_connects() -> None:
    box = SessionBox()
    app = make_app(nick=None, factory=box)
    async with app.run_test(size=SIZE) as pilot:
        assert isinstance(app.screen, NamePromptScreen)
        await pilot.press(*"9 lives", "enter")
        assert isinstance(app.screen, NamePromptScreen)
        assert box.session is None
        for _ in range(7):
            await pilot.press("backspace")
        await pilot.press(*"zoe", "enter")
        await pilot.pause()
        assert not isinstance(app.screen, NamePromptScreen)
        assert session_of(box).nick == "zoe"
        assert app.query_one(StatusLine).nick == "zoe"


async def test_long_paste_asks_first_then_sends_every_line() -> None:
    box = SessionBox()
    settings = Settings(bell_on_mention=False, paste_confirm_lines=3, paste_lines_per_second=200)
    app = make_app(factory=box, settings=settings)
    async with app.run_test(size=SIZE) as pilot:
        await in_lobby(app)
        app.query_one(ChatInput).post_message(events.Paste("a\nb\n\nc\nd\ne\n"))
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        assert "Send 5 lines to #lobby" in app.screen.question
        await pilot.press("y")

        def sent() -> list[str]:
            return [c[2] for c in session_of(box).calls if c[0] == "send_message"]

        async with asyncio.timeout(5):
            while len(sent()) < 5:
                await pilot.pause(0.01)
        assert sent() == ["a", "b", "c", "d", "e"]


async def test_history_brings_back_the_previous_line() -> None:
    app = make_app(factory=SessionBox())
    async with app.run_test(size=SIZE) as pilot:
        await in_lobby(app)
        await pilot.press(*"first", "enter", *"draft", "up")
        assert app.query_one(ChatInput).value == "first"
        await pilot.press("down")
        assert app.query_one(ChatInput).value == "draft"


async def test_reconnecting_state_is_visible_with_a_countdown() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await in_lobby(app)
        await app.apply_event(
            ConnectionStateChanged(ConnState.RECONNECTING, "connection reset", retry_in=30)
        )
        await pilot.pause()
        status = str(app.query_one(StatusLine).render())
        assert "reconnecting in 30 s" in status
        assert any("Connection lost: connection reset" in line for line in app.log_lines("#lobby"))


async def test_ctrl_q_says_goodbye_to_the_server_and_exits() -> None:
    box = SessionBox()
    app = make_app(factory=box)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+q")
        await pilot.pause()
    assert ("quit", "") in session_of(box).calls
    assert app.return_code == 0


async def test_ten_thousand_messages_stay_capped_and_input_keeps_working() -> None:
    scrollback = 1000
    box = SessionBox()
    app = make_app(
        factory=box, settings=Settings(bell_on_mention=False, scrollback_lines=scrollback)
    )
    async with app.run_test(size=SIZE) as pilot:
        await in_lobby(app)
        session = session_of(box)
        started = time.perf_counter()
        # The session's own path: on_event posts a message per event, all queued at once.
        for number in range(5_000):
            session.on_event(MessageReceived("#lobby", "bob", f"message number {number}"))
            session.on_event(MessageReceived("#other", "bot", f"elsewhere {number}"))
        await pilot.press(*"still here", "enter")
        await pilot.pause()
        elapsed = time.perf_counter() - started
        lines = app.log_lines("#lobby")
        assert len(lines) <= scrollback
        assert lines[-1].endswith("message number 4999")
        assert len(app.log_lines("#other")) <= scrollback
        assert ("send_message", "#lobby", "still here") in session.calls
        # Generous bound for 2 shared cores; measured ~1.5 s here.
        assert elapsed < 30


async def test_how_to_join_banner_shows_in_the_server_window_and_first_room() -> None:
    banner = ("Friends join with:", "    tui-chat join 10.0.0.5 3131")
    app = make_app(banner=banner)
    async with app.run_test(size=SIZE):
        await in_lobby(app)
        await app.apply_event(SelfJoined("#dev"))
        for window, expected in (("", True), ("#lobby", True), ("#dev", False)):
            shown = any("tui-chat join 10.0.0.5 3131" in line for line in app.log_lines(window))
            assert shown is expected, window


async def test_irc_formatting_codes_become_styles_not_garbage() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await in_lobby(app)
        await app.apply_event(
            MessageReceived("#lobby", "bob", "\x02bold\x02 and \x0304,01red\x03 done")
        )
        await pilot.pause()
        assert app.log_lines("#lobby")[-1].endswith("bob │ bold and red done")
        strip = app._logs["#lobby"].lines[-1]
        styles = {segment.text: segment.style for segment in strip if segment.text.strip()}
        assert styles["bold"].bold
        assert styles["red"].color.triplet.hex == "#ff0000"  # type: ignore[union-attr]


async def test_a_full_scrollback_does_not_slide_text_under_a_reader() -> None:
    app = make_app(settings=Settings(bell_on_mention=False, scrollback_lines=100))
    async with app.run_test(size=SIZE) as pilot:
        await in_lobby(app)
        for number in range(100):
            await app.apply_event(MessageReceived("#lobby", "bob", f"old {number}"))
        await pilot.pause()
        log = app._logs["#lobby"]
        await pilot.press("pageup")
        await pilot.pause()
        top_line = log.lines[int(log.scroll_y)].text
        for number in range(15):
            await app.apply_event(MessageReceived("#lobby", "bob", f"new {number}"))
        await pilot.pause()
        # The oldest entries go with their rows: the cap is the whole log.
        assert len(log.lines) == 100
        assert log.lines[int(log.scroll_y)].text == top_line


async def test_a_never_shown_window_keeps_only_the_scrollback() -> None:
    app = make_app(settings=Settings(bell_on_mention=False, scrollback_lines=50))
    async with app.run_test(size=SIZE) as pilot:
        await app.apply_event(SelfJoined("#busy"))
        await in_lobby(app)
        for number in range(500):
            await app.apply_event(MessageReceived("#busy", "bot", f"spam {number}"))
        assert app.windows.get("#busy").unread == 500  # type: ignore[union-attr]
        lines = app.log_lines("#busy")
        assert len(lines) <= 50 and lines[-1].endswith("spam 499")
        app.switch_to("#busy")
        await pilot.pause()
        assert app.log_lines("#busy")[-1].endswith("spam 499")


async def test_clicking_a_member_opens_a_private_conversation() -> None:
    box = SessionBox()
    app = make_app(factory=box)
    async with app.run_test(size=SIZE) as pilot:
        await in_lobby(app)
        await pilot.pause()
        # Member rows: @alice, bob, carol (the first row is under the title border).
        await pilot.click(UserList, offset=(3, 2))
        await pilot.pause()
        assert app.current_key == "bob"
        await pilot.press(*"hi", "enter")
        await pilot.pause()
        assert ("send_message", "bob", "hi") in session_of(box).calls


async def test_a_private_window_follows_its_partners_new_nick() -> None:
    app = make_app()
    async with app.run_test(size=SIZE):
        await in_lobby(app)
        await app.apply_event(MessageReceived("bob", "bob", "psst", is_private=True))
        await app.apply_event(NickChanged("bob", "robert", rooms=("#lobby",)))
        assert app.windows.get("bob") is None
        assert app.log_lines("robert")[-1].endswith("bob is now known as robert")


async def test_quiet_mode_hides_comings_and_goings_of_the_silent() -> None:
    app = make_app(settings=Settings(bell_on_mention=False, hide_events="quiet"))
    async with app.run_test(size=SIZE):
        await in_lobby(app)
        await app.apply_event(UserJoined("#lobby", "lurker"))
        await app.apply_event(MessageReceived("#lobby", "talker", "hi"))
        await app.apply_event(UserParted("#lobby", "lurker"))
        await app.apply_event(UserParted("#lobby", "talker"))
        text = "\n".join(app.log_lines("#lobby"))
        assert "lurker" not in text
        assert "talker left" in text


async def test_the_theme_comes_from_the_settings() -> None:
    app = make_app(settings=Settings(theme="nord"))
    async with app.run_test(size=SIZE):
        assert app.theme == "nord"


async def test_replayed_history_is_shown_but_neither_counted_nor_rung() -> None:
    rings: list[int] = []
    app = make_app(settings=Settings(bell_on_mention=True))
    app.bell = lambda: rings.append(1)  # type: ignore[method-assign]
    async with app.run_test(size=SIZE):
        await app.apply_event(SelfJoined("#old"))
        await in_lobby(app)
        await app.apply_event(
            MessageReceived("#old", "bob", "alice: earlier", mentions_me=True, is_history=True)
        )
        old = app.windows.get("#old")
        assert old is not None and (old.unread, old.mentioned) == (0, False)
        assert app.log_lines("#old")[-1].endswith("bob │ alice: earlier")
        assert rings == []


async def test_being_kicked_is_said_plainly_and_the_room_greys_out() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await in_lobby(app)
        await app.apply_event(SelfKicked("#lobby", "carol", "too loud"))
        await pilot.pause()
        assert app.log_lines("#lobby")[-1].endswith("carol kicked you out (too loud).")
        lobby = app.windows.get("#lobby")
        assert lobby is not None and not lobby.active
        label = app.query_one(RoomList).get_option("w:#lobby").prompt
        assert "strike" in str(label.style)  # type: ignore[union-attr]
        # Out of the room, its member list is no longer ours to show.
        users = app.query_one(UserList)
        assert users.option_count == 0 and not users.border_title


async def test_a_wider_terminal_wraps_the_log_again() -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await in_lobby(app)
        await app.apply_event(MessageReceived("#lobby", "bob", "word " * 40))
        await pilot.pause()
        log = app._logs["#lobby"]
        narrow_rows = len(log.lines)
        await pilot.resize_terminal(160, 24)
        await pilot.pause()
        assert 1 < len(log.lines) < narrow_rows
        assert all(strip.cell_length <= log.scrollable_content_region.width for strip in log.lines)


async def test_f2_opens_the_command_palette_for_themes() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f2")
        await pilot.pause()
        assert type(app.screen).__name__ == "CommandPalette"


async def test_rejoining_after_a_reconnect_leaves_the_reader_where_they_are() -> None:
    app = make_app()
    async with app.run_test(size=SIZE):
        await app.apply_event(SelfJoined("#dev"))
        await in_lobby(app)
        assert app.current_key == "#lobby"
        await app.apply_event(ConnectionStateChanged(ConnState.RECONNECTING, "reset", retry_in=1))
        await app.apply_event(ConnectionStateChanged(ConnState.CONNECTED))
        await app.apply_event(SelfJoined("#lobby"))
        await app.apply_event(SelfJoined("#dev"))
        assert app.current_key == "#lobby"
        await app.apply_event(SelfKicked("#dev", "op"))
        await app.apply_event(SelfJoined("#dev"))
        assert app.current_key == "#dev"


async def test_a_new_conversation_waits_in_the_list_without_covering_the_room() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await in_lobby(app)
        await app.apply_event(MessageReceived("bob", "bob", "psst", is_private=True))
        await pilot.pause()
        shown = [log.window_key for log in app.query(ChatLog) if log.display]
        assert shown == ["#lobby"]
        assert app.windows.get("bob").mentioned  # type: ignore[union-attr]
