"""One window's message log: a capped `RichLog` that does not yank a reader back down.

Only the visible rows are drawn (RichLog is a line-API widget) and the entries
kept are capped at `max_lines` (the `scrollback_lines` setting), so a room with
10,000 messages or a burst of hundreds per second costs a bounded amount of
memory. A change of width wraps the kept entries again. While the reader is
scrolled up, new lines are appended without moving the view and counted in
`unseen`; scrolling back to the end clears the count. Scrolling up to the
top posts `ReachedTop`, and `prepend` puts an older page above the kept
entries without moving the text under the reader.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence

from textual.events import Resize
from textual.geometry import Size
from textual.message import Message
from textual.widgets import RichLog

from tui_chat.config import DEFAULT_SCROLLBACK_LINES
from tui_chat.tui.widgets.message_lines import ChatLine

__all__ = ["ROW_TRIM_SLACK", "ChatLog"]

# Entries drawn beyond the cap before their rows are dropped, as a fraction
# of the cap: rows go in batches, not one list copy per line once full.
ROW_TRIM_SLACK = 0.1


class ChatLog(RichLog):
    class UnseenChanged(Message):
        """The number of lines below the view changed (0: the reader is at the end)."""

        def __init__(self, log: ChatLog, unseen: int) -> None:
            super().__init__()
            self.log = log
            self.unseen = unseen

    class ReachedTop(Message):
        """The reader scrolled to the oldest entry kept: time for an older page."""

        def __init__(self, log: ChatLog) -> None:
            super().__init__()
            self.log = log

    def __init__(self, window_key: str, max_lines: int = DEFAULT_SCROLLBACK_LINES) -> None:
        # RichLog's own max_lines counts rows, not messages, and copies every
        # row on each write once full: the cap is kept here instead.
        super().__init__(max_lines=None, min_width=1, wrap=True, markup=False, auto_scroll=False)
        self.window_key = window_key
        self.unseen = 0
        # True while the view sits at the end and should follow new lines.
        self.following = True
        # The entries themselves, so a new width can wrap them again (RichLog
        # keeps only rows rendered at the old width). Also what a log that was
        # never shown holds until it knows its width.
        self._entries: deque[ChatLine] = deque(maxlen=max_lines)
        # The width the rows were rendered at; 0 until the log is first shown.
        self._width = 0
        # Entries added while hidden (another window shown), drawn when shown:
        # a hidden log has no width, and RichLog would render one cell per row.
        self._unwritten = 0
        # Entries were put above while hidden: all are drawn again when shown.
        self._stale = False
        # Rows of each entry drawn, oldest first, to drop an entry's rows with it.
        self._rows: deque[int] = deque()
        self._row_slack = max(1, int(max_lines * ROW_TRIM_SLACK))
        # One scroll to the end per refresh, however many lines came.
        self._end_pending = False

    def add(self, line: ChatLine) -> None:
        self._entries.append(line)
        if not self._width:
            return
        if not self.size.width:
            self._unwritten = min(self._unwritten + 1, len(self._entries))
            if not self.following:
                self._set_unseen(self.unseen + 1)
            return
        if self.following:
            self._put([line])
            self._end_soon()
            return
        self._write_held_still([line])
        self._set_unseen(self.unseen + 1)

    def _put(self, lines: Sequence[ChatLine]) -> None:
        """Draw entries at the end; past the cap (plus slack) drop the oldest rows."""
        for line in lines:
            before = len(self.lines)
            self.write(line, scroll_end=False)
            self._rows.append(len(self.lines) - before)
        excess = len(self._rows) - len(self._entries)
        if excess > self._row_slack:
            dropped = sum(self._rows.popleft() for _ in range(excess))
            del self.lines[:dropped]
            # RichLog caches rows by absolute number: the offset keeps them right.
            self._start_line += dropped
            self.virtual_size = Size(self.virtual_size.width, len(self.lines))
            self.refresh()

    def replace(self, old: ChatLine, new: ChatLine) -> bool:
        """Draw `new` where `old` is (a pending line confirmed); False if `old` is gone."""
        last = len(self._entries) - 1
        index = next((i for i in range(last, -1, -1) if self._entries[i] is old), None)
        if index is None:
            return False
        self._entries[index] = new
        if not self._width:
            return True
        if self._unwritten or not self.size.width:
            self._stale = True
            return True
        # Only the entries from `old` on are drawn again: usually one or two.
        tail = list(self._entries)[index:]
        rows = sum(self._rows.pop() for _ in tail)
        del self.lines[len(self.lines) - rows :]
        self._line_cache.clear()
        self._put(tail)
        self.refresh()
        if self.following:
            self._end_soon()
        return True

    def _end_soon(self) -> None:
        if not self._end_pending:
            self._end_pending = True
            self.call_after_refresh(self._to_end)

    def _to_end(self) -> None:
        self._end_pending = False
        if self.following:
            self.scroll_end(animate=False, immediate=True)

    def _write_held_still(self, lines: Sequence[ChatLine]) -> None:
        # Rows trimmed off the top (scrollback cap) would slide the text under
        # a reader who scrolled up; move the view by as much to hold it still.
        first_row = self._start_line
        self._put(lines)
        trimmed = self._start_line - first_row
        if trimmed:
            self.scroll_to(y=max(0, self.scroll_y - trimmed), animate=False, immediate=True)

    def clear(self) -> ChatLog:
        self._entries.clear()
        self._rows.clear()
        self._unwritten = 0
        self._set_unseen(0)
        super().clear()
        return self

    def plain_lines(self) -> list[str]:
        """The plain text of every kept entry, oldest first."""
        return [line.plain for line in self._entries]

    def on_resize(self, event: Resize) -> None:
        super().on_resize(event)
        width = self.scrollable_content_region.width
        if width and (width != self._width or self._stale):
            self._width = width
            self._rewrap()
        elif width and self._unwritten:
            held = list(self._entries)[-self._unwritten :]
            self._unwritten = 0
            if self.following:
                self._put(held)
                self.scroll_end(animate=False, immediate=True)
            else:
                self._write_held_still(held)

    def _rewrap(self) -> None:
        """Render every entry again at the current width (first show, resize)."""
        self._unwritten = 0
        self._stale = False
        RichLog.clear(self)
        self._rows.clear()
        self._put(self._entries)
        if self.following:
            self.scroll_end(animate=False, immediate=True)

    def prepend(self, lines: Sequence[ChatLine]) -> int:
        """Put older entries above the kept ones, as many as the cap leaves room for.

        The newest of `lines` are kept when not all fit. The text under the
        reader stays where it is. Returns how many were put in.
        """
        cap = self._entries.maxlen
        room = len(lines) if cap is None else max(0, cap - len(self._entries))
        taken = list(lines[len(lines) - room :]) if room else []
        if not taken:
            return 0
        self._entries.extendleft(reversed(taken))
        if not self._width or not self.size.width:
            self._stale = bool(self._width)
            return len(taken)
        rows, y = len(self.lines), self.scroll_y
        following = self.following
        self._rewrap()
        if not following:
            self.scroll_to(y=y + len(self.lines) - rows, animate=False, immediate=True)
        return len(taken)

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        if new_value <= 0 < old_value:
            self.post_message(self.ReachedTop(self))
        self.following = new_value >= self.max_scroll_y
        if self.following:
            self._set_unseen(0)

    def jump_to_end(self) -> None:
        self.following = True
        self._set_unseen(0)
        self.scroll_end(animate=False)

    def _set_unseen(self, count: int) -> None:
        if count != self.unseen:
            self.unseen = count
            self.post_message(self.UnseenChanged(self, count))
