"""Up/Down history: browsing, the kept draft, the size cap, per-window books."""

from __future__ import annotations

import pytest

from tui_chat.tui.input_history import HistoryBook, InputHistory


def filled(*lines: str, max_entries: int = 10) -> InputHistory:
    history = InputHistory(max_entries)
    for line in lines:
        history.add(line)
    return history


def test_up_walks_back_and_stops_at_the_oldest() -> None:
    history = filled("one", "two", "three")
    assert [history.previous("draft") for _ in range(4)] == ["three", "two", "one", None]
    assert history.browsing


def test_down_walks_forward_and_gives_the_draft_back() -> None:
    history = filled("one", "two")
    assert history.previous("half-typed") == "two"
    assert history.previous("ignored while browsing") == "one"
    assert history.next() == "two"
    assert history.next() == "half-typed"
    assert not history.browsing
    assert history.next() is None


def test_empty_history_keeps_the_input() -> None:
    history = InputHistory()
    assert history.previous("typing") is None
    assert history.next() is None
    assert not history.browsing


def test_blank_and_repeated_lines_are_not_stored() -> None:
    history = filled("a", "a", "  ", "", "b", "a")
    assert history.entries == ["a", "b", "a"]


def test_sending_while_browsing_starts_fresh_next_time() -> None:
    history = filled("one", "two")
    history.previous("")
    history.previous("")
    history.add("one again")
    assert history.previous("new draft") == "one again"
    assert history.next() == "new draft"


def test_cap_drops_the_oldest() -> None:
    history = filled(*[f"line {i}" for i in range(15)], max_entries=10)
    assert len(history) == 10
    assert history.entries[0] == "line 5"
    assert history.entries[-1] == "line 14"


def test_cap_must_be_positive() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        InputHistory(0)


def test_book_per_window_is_case_insensitive_and_separate() -> None:
    book = HistoryBook(per_window=True)
    book.for_window("#Lobby").add("hi lobby")
    book.for_window("bob").add("hi bob")
    assert book.for_window("#lobby").entries == ["hi lobby"]
    assert book.for_window("BOB").entries == ["hi bob"]
    assert book.for_window(None).entries == []
    book.forget("#LOBBY")
    assert book.for_window("#lobby").entries == []


def test_book_global_shares_one_history() -> None:
    book = HistoryBook(per_window=False, max_entries=2)
    book.for_window("#a").add("1")
    book.for_window("b").add("2")
    book.for_window(None).add("3")
    assert book.for_window("#z").entries == ["2", "3"]
