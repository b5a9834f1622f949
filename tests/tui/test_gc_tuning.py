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

# CPython's own thresholds; other tests in this process may have changed them.
CPYTHON_THRESHOLDS = (700, 10, 10)


@pytest.fixture
def collector_restored() -> Iterator[None]:
    """CPython's settings, nothing frozen, during the test; as they were after it."""
    thresholds = gc.get_threshold()
    gc.unfreeze()
    gc.set_threshold(*CPYTHON_THRESHOLDS)
    yield
    gc.unfreeze()
    gc.set_threshold(*thresholds)


async def test_a_real_run_freezes_start_up_and_collects_young_objects_less_often(
    collector_restored: None,
) -> None:
    app = ChatApp(
        Settings(bell_on_mention=False),
        server_label="chat.example:3131",
        nick="alice",
        session_factory=SessionBox(),
        clock=lambda: FIXED_NOW,
        tune_gc=True,
    )
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: gc.get_freeze_count() > 0)
        assert gc.get_threshold() == (GC_YOUNG_THRESHOLD, *CPYTHON_THRESHOLDS[1:])
        # The app's own widgets are among what was frozen.
        assert gc.get_freeze_count() > 10_000


async def test_an_app_built_without_asking_leaves_the_collector_alone(
    collector_restored: None,
) -> None:
    app = make_app(factory=SessionBox())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.pause()
        assert gc.get_threshold() == CPYTHON_THRESHOLDS and gc.get_freeze_count() == 0
