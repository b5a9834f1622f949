"""Text from the network never drives the terminal.

Found by hand: a history replay of "\\x1b]0;pwned\\x07\\x1b[2Jgone" (a line
another test had sent) retitled and cleared the tmux pane, and the whole
screen was garbage until restart. Every control character a peer can put in
a message, topic, nick, room name or ERROR text is shown as a visible
picture instead.
"""

from __future__ import annotations

import re

from rich.text import Text
from textual.widgets import Label, OptionList

from tui_chat.client.events import (
    ConnectionStateChanged,
    ConnState,
    Member,
    MembersChanged,
    MessageKind,
    MessageReceived,
    Registered,
    SelfJoined,
    TopicChanged,
    UserJoined,
)
from tui_chat.tui.screens.confirm import ConfirmScreen
from tui_chat.tui.widgets.chat_log import ChatLog
from tui_chat.tui.widgets.message_lines import MAX_COMBINING_MARKS, visible
from tui_chat.tui.widgets.status_line import StatusLine
from tui_chat.tui.widgets.topic_line import TopicLine

from .fakes import make_app
from .test_end_to_end import SIZE

ATTACK = "\x1b]0;pwned\x07\x1b[2Jgone\x9b31m\x7f\r\n"
# What a terminal would act on: C0 controls, DEL and C1 controls.
CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")


def test_control_characters_become_pictures() -> None:
    assert visible(ATTACK) == "␛]0;pwned␇␛[2Jgone\ufffd31m␡␍␊"
    assert visible("tab\there") == "tab here"
    assert visible("plain ünïcode ✓") == "plain ünïcode ✓"


def texts_on_screen(app: object) -> list[str]:
    from tui_chat.tui.app import ChatApp

    assert isinstance(app, ChatApp)
    shown = [strip.text for log in app.query(ChatLog) for strip in log.lines]
    shown += [app.query_one(w).render().plain for w in (TopicLine, StatusLine)]  # type: ignore[union-attr]
    for option_list in app.query(OptionList):
        for index in range(option_list.option_count):
            prompt = option_list.get_option_at_index(index).prompt
            shown.append(prompt.plain if isinstance(prompt, Text) else str(prompt))
    return shown


async def test_hostile_text_anywhere_on_screen_is_made_harmless() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await app.apply_event(Registered("alice", "chat.example"))
        await app.apply_event(SelfJoined("#lobby"))
        evil_nick = f"mal{ATTACK}lory"
        events = [
            MembersChanged("#lobby", (Member("alice", "@"), Member(evil_nick))),
            TopicChanged("#lobby", f"topic {ATTACK}", set_by=evil_nick, changed_now=True),
            UserJoined("#lobby", evil_nick, userhost=ATTACK),
            MessageReceived("#lobby", evil_nick, f"hello {ATTACK}"),
            MessageReceived("#lobby", evil_nick, ATTACK, kind=MessageKind.ACTION),
            MessageReceived("#lobby", evil_nick, ATTACK, kind=MessageKind.NOTICE),
            MessageReceived(evil_nick, evil_nick, ATTACK, is_private=True),
            ConnectionStateChanged(ConnState.RECONNECTING, f"ERROR {ATTACK}", retry_in=5),
        ]
        for event in events:
            await app.apply_event(event)
        await pilot.pause()
        shown = texts_on_screen(app)
        assert any("pwned" in text for text in shown)
        assert [text for text in shown if CONTROL.search(text)] == []


async def test_a_room_name_that_looks_like_markup_is_shown_as_it_is() -> None:
    # Channel names may hold brackets: asking about a paste into one must not
    # crash on bad markup (or turn it into a live link).
    room = "#x[/bold][@click=app.quit]y[/]"
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        app.push_screen(ConfirmScreen(f"Send 3 lines to {room}?"))
        await pilot.pause()
        label = app.screen.query_one(Label)
        assert room in str(label.render())


def test_text_that_reorders_or_hides_itself_is_shown_by_name() -> None:
    # QA F20: a bidi override made "evil" read backwards in a bidi terminal.
    assert visible("rtl \u202eevil\u202c end") == "rtl <U+202E>evil<U+202C> end"
    assert visible("a\u2066b\u2069\u200b\u200f\u2028\ufeffc") == (
        "a<U+2066>b<U+2069><U+200B><U+200F><U+2028><U+FEFF>c"
    )
    # Joiners make one emoji of several, and belong to some scripts.
    assert visible("👨\u200d👩\u200d👧 \u200c") == "👨\u200d👩\u200d👧 \u200c"


def test_a_pile_of_combining_marks_is_cut_short() -> None:
    zalgo = "e" + "\u0301" * 50 + " x"
    assert visible(zalgo) == "e" + "\u0301" * MAX_COMBINING_MARKS + " x"
    assert visible("re\u0301sume\u0301") == "re\u0301sume\u0301"
