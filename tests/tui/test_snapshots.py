"""What the screen looks like, compared with the SVGs in __snapshots__/.

Events are fed straight into the app (no network) with fixed times, so every
run draws the same screen. Refresh with `pytest tests/tui --snapshot-update`
and look at the SVGs before committing.
"""

from __future__ import annotations

from collections.abc import Iterable

from textual.pilot import Pilot

from tui_chat.client.events import (
    ConnectionStateChanged,
    ConnState,
    Event,
    MessageKind,
    MessageReceived,
)

from .fakes import SessionBox, at, lively_room, make_app

WIDE = (110, 30)
SMALL = (80, 24)


def feeding(events: Iterable[Event], then_show: str | None = "#lobby"):  # type: ignore[no-untyped-def]
    events = list(events)

    async def run_before(pilot: Pilot) -> None:
        app = pilot.app
        for event in events:
            await app.apply_event(event)  # type: ignore[attr-defined]
        if then_show is not None:
            app.switch_to(then_show)  # type: ignore[attr-defined]
        await pilot.pause()

    return run_before


def test_name_prompt(snap_compare) -> None:  # type: ignore[no-untyped-def]
    app = make_app(nick=None, factory=SessionBox())
    assert snap_compare(app, terminal_size=WIDE)


def test_lively_room(snap_compare) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(make_app(), terminal_size=WIDE, run_before=feeding(lively_room()))


def test_private_conversation(snap_compare) -> None:  # type: ignore[no-untyped-def]
    private = [
        MessageReceived(
            "bob", "bob", "psst, are you coming tonight?", is_private=True, time=at(20)
        ),
        MessageReceived(
            "bob", "alice", "yes! bringing crisps", is_self=True, is_private=True, time=at(21)
        ),
        MessageReceived(
            "bob", "bob", "dances", kind=MessageKind.ACTION, is_private=True, time=at(22)
        ),
    ]
    events = [*lively_room(), *private]
    assert snap_compare(make_app(), terminal_size=WIDE, run_before=feeding(events, "bob"))


def test_help_screen(snap_compare) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(make_app(), terminal_size=WIDE, press=["f1"])


def test_connection_lost(snap_compare) -> None:  # type: ignore[no-untyped-def]
    lost = ConnectionStateChanged(
        ConnState.DISCONNECTED, "Connection refused by chat.example:3131", fatal=True
    )
    events = [*lively_room(), lost]
    assert snap_compare(make_app(), terminal_size=WIDE, run_before=feeding(events))


def test_small_terminal(snap_compare) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(make_app(), terminal_size=SMALL, run_before=feeding(lively_room()))
