"""A real run settles the garbage collector once the app is up; tests' apps leave it alone."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from tui_chat.config import Settings
from tui_chat.tui.app import ChatApp
from tui_chat.tui.gc_tuning import GC_YOUNG_THRESHOLD

from .fakes import FIXED_NOW, SessionBox, make_app
from .test_end_to_end import until
from .test_pilot import SIZE


@pytest.fixture
def collector_restored() -> Iterator[None]:
    thresholds = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*thresholds)


async def test_a_real_run_freezes_start_up_and_collects_young_objects_less_often(
    collector_restored: None,
) -> None:
    gc.unfreeze()
    app = ChatApp(
        Settings(bell_on_mention=False),
        server_label="chat.example:3131",
        nick="alice",
        session_factory=SessionBox(),
        clock=lambda: FIXED_NOW,
        tune_gc=True,
    )
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: gc.get_threshold()[0] == GC_YOUNG_THRESHOLD)
        # The app's own widgets are among what was frozen.
        assert gc.get_freeze_count() > 10_000


async def test_an_app_built_without_asking_leaves_the_collector_alone(
    collector_restored: None,
) -> None:
    gc.unfreeze()
    before = gc.get_threshold()
    app = make_app(factory=SessionBox())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.pause()
        assert gc.get_threshold() == before and gc.get_freeze_count() == 0
