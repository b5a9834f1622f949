"""What the password prompt looks like: masked boxes, and the consent an open link needs."""

from __future__ import annotations

from textual.pilot import Pilot

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
