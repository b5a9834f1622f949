"""One window's message log: kept entries, drawn only where the reader looks.

A Line API widget (`ScrollView` + `render_line`). The log keeps `ChatLine`
entries, capped at `max_lines` (the `scrollback_lines` setting), and for
each one only the row it starts at, at the current width: counting an
entry's rows is Rich's word wrap without building any text
(`ChatLine.height`). Rows are drawn when a frame shows them, and the
entries drawn last are cached for the next frames. So a burst of 10,000
messages costs a row count each, a resize counts rows again instead of
drawing every entry, and memory holds entries, not screens of rendered text.

While the reader is scrolled up, new lines are added without moving the
view and counted in `unseen`; scrolling back to the end clears the count.
Scrolling up to the top posts `ReachedTop`, and `prepend` puts an older page
above the kept entries without moving the text under the reader.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import deque
from collections.abc import Sequence
from typing import ClassVar, overload

from rich.segment import Segment
from textual.cache import LRUCache
from textual.events import Resize
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from tui_chat.config import DEFAULT_SCROLLBACK_LINES
from tui_chat.tui.widgets.message_lines import ChatLine

__all__ = ["DRAWN_ENTRIES_CACHED", "ChatLog", "LogRows"]

# Entries whose drawn rows are kept for the next frames: a few screens' worth,
# so scrolling back and forth over the same page draws nothing again.
DRAWN_ENTRIES_CACHED = 512


class LogRows(Sequence[Strip]):
    """Every row of a log at its current width, drawn when asked for (tests, debugging)."""

    def __init__(self, log: ChatLog) -> None:
        self._log = log

    def __len__(self) -> int:
        return self._log.row_count

    @overload
    def __getitem__(self, index: int) -> Strip: ...
    @overload
    def __getitem__(self, index: slice) -> list[Strip]: ...
    def __getitem__(self, index: int | slice) -> Strip | list[Strip]:
        if isinstance(index, slice):
            return [self._log.row(y) for y in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(index)
        return self._log.row(index)


class ChatLog(ScrollView, can_focus=True):
    DEFAULT_CSS: ClassVar[str] = """
    ChatLog {
        background: $surface;
        color: $foreground;
        overflow-y: scroll;
        overflow-x: hidden;
        &:focus {
            background-tint: $foreground 5%;
        }
    }
    """

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
        super().__init__()
        self.window_key = window_key
        self.unseen = 0
        # True while the view sits at the end and should follow new lines.
        self.following = True
        self._entries: deque[ChatLine] = deque(maxlen=max_lines)
        # The row each entry starts at, in rows counted since the log began
        # (older pages go below zero), so dropping the oldest entry changes
        # no other entry's number. `_end` is the row after the newest entry.
        self._tops: deque[int] = deque(maxlen=max_lines)
        self._end = 0
        # The width rows are counted at; 0 until the log is first shown. A
        # hidden log (another window shown) keeps counting at its last width.
        self._width = 0
        # Entries drawn at `_width` lately, by id() (ChatLine holds Text, so
        # it has no hash); the entry itself is kept to tell a reused id.
        self._drawn: LRUCache[int, tuple[ChatLine, list[Strip]]] = LRUCache(DRAWN_ENTRIES_CACHED)
        # Rows dropped off the top by the cap since the view last moved.
        self._trimmed = 0
        # The scroll position and size follow the entries once per batch.
        self._sync_pending = False
        self.lines = LogRows(self)

    # ------------------------------------------------------------ entries

    def add(self, line: ChatLine) -> None:
        if len(self._entries) == self._entries.maxlen:
            self._trimmed += self._height_at(0)
        self._entries.append(line)
        self._tops.append(self._end)
        self._end += self._rows_of(line)
        if not self.following:
            self._set_unseen(self.unseen + 1)
        self._sync_soon()

    def replace(self, old: ChatLine, new: ChatLine) -> bool:
        """Draw `new` where `old` is (a pending line confirmed); False if `old` is gone."""
        last = len(self._entries) - 1
        index = next((i for i in range(last, -1, -1) if self._entries[i] is old), None)
        if index is None:
            return False
        self._entries[index] = new
        # Usually the newest entry or close to it: only the ones after it move.
        moved = self._rows_of(new) - self._height_at(index)
        for later in range(index + 1, len(self._tops)):
            self._tops[later] += moved
        self._end += moved
        self._sync_soon()
        return True

    def prepend(self, lines: Sequence[ChatLine]) -> int:
        """Put older entries above the kept ones, as many as the cap leaves room for.

        The newest of `lines` are kept when not all fit. The text under the
        reader stays where it is. Returns how many were put in.
        """
        cap = self._entries.maxlen
        room = len(lines) if cap is None else max(0, cap - len(self._entries))
        taken = list(lines[len(lines) - room :]) if room else []
        top = self._tops[0] if self._tops else self._end
        for line in reversed(taken):
            top -= self._rows_of(line)
            self._entries.appendleft(line)
            self._tops.appendleft(top)
        if taken and not self.following:
            # Rows above the view push it down by as much: the text stays put.
            added = (self._tops[len(taken)] if len(taken) < len(self._tops) else self._end) - top
            self._trimmed -= added
        self._sync_soon()
        return len(taken)

    def clear(self) -> ChatLog:
        self._entries.clear()
        self._tops.clear()
        self._drawn.clear()
        self._trimmed = 0
        self._set_unseen(0)
        self.following = True
        self._sync_soon()
        return self

    def plain_lines(self) -> list[str]:
        """The plain text of every kept entry, oldest first."""
        return [line.plain for line in self._entries]

    # ------------------------------------------------------------ rows

    @property
    def row_count(self) -> int:
        return self._end - self._tops[0] if self._tops else 0

    def _rows_of(self, line: ChatLine) -> int:
        # Before the log is first shown rows are not counted: on_resize does it.
        return line.height(self._width) if self._width else 1

    def _height_at(self, index: int) -> int:
        after = self._tops[index + 1] if index + 1 < len(self._tops) else self._end
        return after - self._tops[index]

    def _recount(self) -> None:
        """Count every entry's rows again at the current width."""
        self._drawn.clear()
        self._tops.clear()
        row = 0
        for line in self._entries:
            self._tops.append(row)
            row += self._rows_of(line)
        self._end = row

    def row(self, y: int) -> Strip:
        """Row `y` of the log (0: the oldest kept entry's first row), unstyled."""
        absolute = self._tops[0] + y
        index = bisect_right(self._tops, absolute) - 1
        line = self._entries[index]
        drawn = self._drawn.get(id(line))
        if drawn is None or drawn[0] is not line:
            drawn = line, self._draw(line, self._height_at(index))
            self._drawn[id(line)] = drawn
        return drawn[1][absolute - self._tops[index]]

    def _draw(self, line: ChatLine, height: int) -> list[Strip]:
        width = self._width
        console = self.app.console
        segments = console.render(line, console.options.update_width(width))
        strips = [Strip(row) for row in Segment.split_lines(segments)]
        # The count and the drawing agree (ChatLine.height is Rich's own
        # wrap); should they ever not, the count wins.
        return (strips + [Strip.blank(width)] * height)[:height]

    def render_line(self, y: int) -> Strip:
        row = round(self.scroll_y) + y
        width = self.scrollable_content_region.width
        style = self.rich_style
        # Between a resize and on_resize the rows of the old width are cropped.
        if row >= self.row_count or not self._width:
            return Strip.blank(width, style).apply_style(style)
        return self.row(row).crop_extend(0, width, style).apply_style(style)

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._drawn.clear()

    def get_content_width(self, container: Size, viewport: Size) -> int:
        return container.width

    # ------------------------------------------------------------ the view

    def _sync_soon(self) -> None:
        # Once per batch of lines, before the next frame: sizing and scrolling
        # per line cost as much as counting its rows.
        if not self._sync_pending:
            self._sync_pending = True
            self.call_later(self._sync)

    def _sync(self) -> None:
        self._sync_pending = False
        self.virtual_size = Size(self._width, self.row_count)
        trimmed, self._trimmed = self._trimmed, 0
        if self.following:
            # Not while hidden or before the first layout: past the end of a
            # log with no height, the view would spring back to the top when
            # shown, which reads as the reader scrolling there (ReachedTop).
            if self.size.height:
                self.scroll_end(animate=False, immediate=True, x_axis=False)
        elif trimmed:
            # Rows dropped above the view (or put there) would slide the text
            # under a reader who scrolled up: move the view by as much.
            self.scroll_to(y=max(0, self.scroll_y - trimmed), animate=False, immediate=True)
        self.refresh()

    def on_resize(self, event: Resize) -> None:
        width = self.scrollable_content_region.width
        if not width or width == self._width:
            self._sync_soon()
            return
        # The entry at the top of the view stays at the top.
        anchor = None
        if self._width and self._tops and not self.following:
            first = self._tops[0] + round(self.scroll_y)
            index = bisect_right(self._tops, first) - 1
            anchor = (index, first - self._tops[index])
        self._width = width
        self._recount()
        self.virtual_size = Size(width, self.row_count)
        if anchor is not None:
            index, offset = anchor
            y = self._tops[index] - self._tops[0] + min(offset, self._height_at(index) - 1)
            self.scroll_to(y=y, animate=False, immediate=True)
        elif self.following:
            self.scroll_end(animate=False, immediate=True, x_axis=False)
        self.refresh()

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        # An emptied log springs back to the top too, but has nothing to page back from.
        if new_value <= 0 < old_value and self.row_count:
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
