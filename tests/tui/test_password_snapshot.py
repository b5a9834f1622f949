"""What the password prompt looks like: masked boxes, and the consent an open link needs."""

from __future__ import annotations

import pytest
from textual import events
from textual.pilot import Pilot
from textual.widgets import Input

from tui_chat.tui.screens.password_prompt import PasswordAnswer, PasswordPrompt

from .fakes import SessionBox, lively_room, make_app
from .test_snapshots import WIDE, feeding


def test_register_prompt_on_an_unencrypted_link(snap_compare) -> None:  # type: ignore[no-untyped-def]
    box = SessionBox()

    async def run_before(pilot: Pilot) -> None:
        await feeding(lively_room())(pilot)
        assert box.session is not None
        box.session.password_is_private = False  # type: ignore[attr-defined]
        await pilot.press(*"/register", "enter")
        await pilot.press(*"hunter22", "enter", *"hunter2")
        await pilot.pause()

    assert snap_compare(make_app(factory=box), terminal_size=WIDE, run_before=run_before)


@pytest.mark.parametrize("between", ["enter", "tab"])
async def test_keys_typed_fast_behind_a_move_go_to_the_next_box(between: str) -> None:
    # tmux send-keys "pw" Enter "pw" Enter (or Tab between): the whole burst
    # reached the first box.
    app = make_app(factory=SessionBox())
    answers: list[PasswordAnswer | None] = []
    async with app.run_test(size=WIDE) as pilot:
        prompt = PasswordPrompt("Register alice", "", account="alice", confirm=True)
        app.push_screen(prompt, answers.append)
        await pilot.pause()
        first = prompt.query_one("#password", Input)
        for key in [*"sesame-1", between, *"sesame-1", "enter"]:
            first.post_message(events.Key(key, key if len(key) == 1 else None))
        await pilot.pause(0.2)
    assert answers == [PasswordAnswer("alice", "sesame-1")]
