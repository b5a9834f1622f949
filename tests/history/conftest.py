"""Fixtures for the message store: real SQLite files in tmp dirs."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from server_core.test_history_wiring import Store

from tui_chat.server.history import History, HistoryConfig

from .helpers import Arrivals


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "history.sqlite3"


@pytest.fixture
def open_history(db_path: Path) -> Iterator[Callable[..., History]]:
    """Open History on the test's file (or another path); all closed after the test."""
    opened: list[History] = []

    def open_(path: Path | str = db_path, **config: object) -> History:
        history = History.open(path, HistoryConfig(**config))  # type: ignore[arg-type]
        opened.append(history)
        return history

    yield open_
    for history in opened:
        history.close()


@pytest.fixture
def history(open_history: Callable[..., History]) -> History:
    return open_history()


@pytest.fixture
def files(tmp_path: Path) -> Iterator[Store]:
    """Cores on one history file whose callbacks the test runs (`Store.commit`, `settle`)."""
    made = Store(tmp_path / "history.sqlite3")
    made.callbacks = Arrivals()
    yield made
    made.close()
