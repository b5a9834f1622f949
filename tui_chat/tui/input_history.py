"""Up/Down input history, per window or global, keeping the line being typed.

Pure logic, no Textual. One `InputHistory` holds the lines sent from one
window (or from all of them):

    history = InputHistory()
    history.add(line)                      # after the user sent `line`
    # Up:   text = history.previous(input.value); if text is not None: input.value = text
    # Down: text = history.next();               if text is not None: input.value = text

The first Up remembers the unsent text (the draft); Down past the newest entry
gives the draft back and stops browsing. Empty lines and a line equal to the
previous entry are not stored; the oldest entries go once `max_entries`
(default `MAX_HISTORY_ENTRIES`, the `input_history_size` setting) is reached.
`previous` at the oldest entry and `next` when not browsing return None, so
the input stays as it is.

`HistoryBook(per_window=True)` hands out one history per window name (case
folded, so `#Lobby` and `#lobby` share); with `per_window=False` every window
gets the same one.
"""

from __future__ import annotations

from collections import deque

from tui_chat.irc.casemap import casefold

__all__ = ["MAX_HISTORY_ENTRIES", "HistoryBook", "InputHistory"]

MAX_HISTORY_ENTRIES = 500


class InputHistory:
    def __init__(self, max_entries: int = MAX_HISTORY_ENTRIES) -> None:
        if max_entries < 1:
            raise ValueError("max_entries must be at least 1")
        self._entries: deque[str] = deque(maxlen=max_entries)
        # Position while browsing: index into _entries; None when not browsing.
        self._position: int | None = None
        self._draft = ""

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def entries(self) -> list[str]:
        """Oldest first."""
        return list(self._entries)

    @property
    def browsing(self) -> bool:
        return self._position is not None

    def add(self, line: str) -> None:
        """Remember a sent line and stop browsing."""
        self.reset()
        if line.strip() and (not self._entries or self._entries[-1] != line):
            self._entries.append(line)

    def reset(self) -> None:
        """Stop browsing; the next Up starts from the newest entry again."""
        self._position = None
        self._draft = ""

    def previous(self, current_text: str) -> str | None:
        """The entry before the shown one (Up); None at the oldest or when empty."""
        if not self._entries:
            return None
        if self._position is None:
            self._draft = current_text
            self._position = len(self._entries) - 1
        elif self._position == 0:
            return None
        else:
            self._position -= 1
        return self._entries[self._position]

    def next(self) -> str | None:
        """The entry after the shown one (Down); the draft after the newest; None if idle."""
        if self._position is None:
            return None
        if self._position >= len(self._entries) - 1:
            draft = self._draft
            self.reset()
            return draft
        self._position += 1
        return self._entries[self._position]


class HistoryBook:
    """Histories by window; one shared history when `per_window` is False."""

    def __init__(self, per_window: bool = True, max_entries: int = MAX_HISTORY_ENTRIES) -> None:
        self._per_window = per_window
        self._max_entries = max_entries
        self._shared = InputHistory(max_entries)
        self._by_window: dict[str, InputHistory] = {}

    def for_window(self, window: str | None) -> InputHistory:
        """The history of `window` (a room, a nick, or None for the server window)."""
        if not self._per_window:
            return self._shared
        key = casefold(window) if window is not None else ""
        history = self._by_window.get(key)
        if history is None:
            history = self._by_window[key] = InputHistory(self._max_entries)
        return history

    def forget(self, window: str) -> None:
        """Drop a closed window's history (per-window mode only)."""
        self._by_window.pop(casefold(window), None)
