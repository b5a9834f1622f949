"""Where each entry of a chat log starts, in rows at one width, counted without drawing.

Plain data, no widgets: `ChatLog` draws from it. Entries are capped (the
oldest go first). Each entry's rows are counted with `ChatLine.height`
(Rich's own word wrap, no text built), about 12 µs for a line that wraps.
After a width change only the entries the reader sees are counted at once;
the older ones keep their rows at the old width, as an estimate, until
`count_stale` reaches them, newest first, a slice at a time.

Rows are numbered since the log began, older pages below zero, so dropping
the oldest entry or adding a new one changes no other entry's number.

A full log may have a head: a first line that is no message (it says older
ones are not kept) and stays on top while the cap drops messages under it.
"""

from __future__ import annotations

import time
from bisect import bisect_right
from collections import deque
from collections.abc import Sequence

from tui_chat.tui.widgets.message_lines import ChatLine

__all__ = ["RowLayout"]


class RowLayout:
    def __init__(self, max_entries: int | None) -> None:
        # The cap counts messages: a head is kept on top of them.
        self.cap = max_entries
        self.entries: deque[ChatLine] = deque()
        # The row each entry starts at; `_end` is the row after the newest.
        self._tops: deque[int] = deque()
        self._end = 0
        # True while entries[0] is the head, not a message.
        self.headed = False
        # Columns rows are counted at; 0 (one row each) until the log is shown.
        self.width = 0
        # The oldest `stale` entries have rows counted at an earlier width.
        self.stale = 0

    @property
    def row_count(self) -> int:
        return self._end - self._tops[0] if self._tops else 0

    def top(self, index: int) -> int:
        """The row entry `index` starts at (or the row count, past the newest).

        Row 0 is the oldest entry's first row.
        """
        return self._start(index) - self._tops[0] if self._tops else 0

    def _start(self, index: int) -> int:
        return self._tops[index] if index < len(self._tops) else self._end

    def height(self, index: int) -> int:
        return self._start(index + 1) - self._tops[index]

    def index_at(self, row: int) -> int:
        """The entry row `row` belongs to."""
        return bisect_right(self._tops, self._tops[0] + row) - 1

    def _rows_of(self, line: ChatLine) -> int:
        return line.height(self.width) if self.width else 1

    @property
    def full(self) -> bool:
        return self.cap is not None and len(self.entries) - self.headed >= self.cap

    def append(self, line: ChatLine) -> int:
        """Add the newest entry; returns the rows the cap dropped off the top."""
        dropped = 0
        if self.full:
            dropped = self._drop_oldest()
        self.entries.append(line)
        self._tops.append(self._end)
        self._end += self._rows_of(line)
        return dropped

    def _drop_oldest(self) -> int:
        """Drop the oldest message (under the head, if any); the rows it took."""
        oldest = int(self.headed)
        dropped = self.height(oldest)
        if self.stale > oldest:
            self.stale -= 1
        if self.headed:
            # The head moves down onto the next message, as tall as it was.
            head_rows = self.height(0)
            del self.entries[1]
            del self._tops[1]
            self._tops[0] = self._start(1) - head_rows
        else:
            self.entries.popleft()
            self._tops.popleft()
        return dropped

    def put_head(self, line: ChatLine) -> int:
        """Put `line` on top as the head (once); the rows added above the messages."""
        if self.headed:
            return 0
        self.headed = True
        return self.prepend([line], room=1)

    def replace(self, old: ChatLine, new: ChatLine) -> int | None:
        """Put `new` where `old` is; its index, or None if `old` is gone."""
        last = len(self.entries) - 1
        index = next((i for i in range(last, -1, -1) if self.entries[i] is old), None)
        if index is None:
            return None
        moved = self._rows_of(new) - self.height(index)
        self.entries[index] = new
        # Usually the newest entry or close to it: only the ones after it move.
        for later in range(index + 1, len(self._tops)):
            self._tops[later] += moved
        self._end += moved
        return index

    def prepend(self, lines: Sequence[ChatLine], room: int | None = None) -> int:
        """Put older entries above, as many as the cap leaves room for; the rows added."""
        if room is None:
            room = len(lines) if self.cap is None else max(0, self.cap - len(self.entries))
        taken = lines[len(lines) - room :] if room else []
        start = self._tops[0] if self._tops else self._end
        top = start
        for line in reversed(taken):
            top -= self._rows_of(line)
            self.entries.appendleft(line)
            self._tops.appendleft(top)
        self.stale += len(taken) if self.stale else 0
        return start - top

    def clear(self) -> None:
        self.entries.clear()
        self._tops.clear()
        self.stale = 0
        self.headed = False

    def set_width(self, width: int, keep: int) -> None:
        """Count rows at `width` from entry `keep` to the newest; older ones go stale."""
        self.width = width
        self.stale = keep
        tops = list(self._tops)
        row = tops[keep] if tops else self._end
        for index in range(keep, len(tops)):
            tops[index] = row
            row += self._rows_of(self.entries[index])
        self._end = row
        self._tops = deque(tops)

    def count_stale(self, seconds: float | None = None) -> int:
        """Count stale entries at the width, newest first, for at most `seconds` (None: all).

        Returns the rows this added above the entries counted before (fewer
        if negative): the text after them moved down by as much.
        """
        if not self.stale:
            return 0
        deadline = None if seconds is None else time.perf_counter() + seconds
        tops, entries = list(self._tops), list(self.entries)
        counted = self.stale
        top = old_top = self._start(counted)
        while counted and (deadline is None or time.perf_counter() < deadline):
            counted -= 1
            old_top = tops[counted]
            top -= self._rows_of(entries[counted])
            tops[counted] = top
        # The entries still stale keep their heights, moved up to meet the counted ones.
        shift = top - old_top
        for index in range(counted):
            tops[index] += shift
        self._tops = deque(tops)
        self.stale = counted
        return -shift
