"""`tune_gc`: what `tui-chat serve` does to the cyclic GC once it started."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from tui_chat.server.config import ServerConfig
from tui_chat.server.gc_tuning import tune_gc
from tui_chat.server.limits import GC_THRESHOLD


@pytest.fixture
def collector_restored() -> Iterator[None]:
    """Nothing frozen during the test; the collector as it was after it."""
    thresholds = gc.get_threshold()
    gc.unfreeze()
    yield
    gc.unfreeze()
    gc.set_threshold(*thresholds)


def test_freezes_start_up_objects_and_raises_the_threshold(collector_restored: None) -> None:
    _, middle, oldest = gc.get_threshold()
    assert gc.get_freeze_count() == 0
    tune_gc(ServerConfig().gc_threshold)
    assert gc.get_threshold() == (GC_THRESHOLD, middle, oldest)
    assert gc.get_freeze_count() > 0


def test_zero_keeps_python_defaults(collector_restored: None) -> None:
    before = gc.get_threshold()
    tune_gc(0)
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0
