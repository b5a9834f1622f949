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
above the kept entries without moving the text under the reader. A log that
holds its cap has no room for a page: its first line says so instead.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import ClassVar, overload

from rich.segment import Segment
from textual import work
from textual.cache import LRUCache
from textual.events import Resize
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.selection import Selection
from textual.strip import Strip

from tui_chat.config import DEFAULT_SCROLLBACK_LINES
from tui_chat.tui.widgets.log_layout import RowLayout
from tui_chat.tui.widgets.message_lines import ChatLine, undated

__all__ = ["COUNT_SLICE_SECONDS", "DRAWN_ENTRIES_CACHED", "ChatLog", "LogRows"]

# Entries whose drawn rows are kept for the next frames: a few screens' worth,
# so scrolling back and forth over the same page draws nothing again.
DRAWN_ENTRIES_CACHED = 512

# One drawn row: its segments and its width in cells. Kept as segments, not
# as a Strip: a Strip holds seven caches of its own and keeps every Strip
# derived from it in a frame (cropped, styled, given offsets), about 40
# objects per row for the garbage collector to walk through, again and again.
_DrawnRow = tuple[tuple[Segment, ...], int]
# Seconds of counting rows at a new width between keys and frames: 5,000
# entries that wrap take about 60 ms to count, 100,000 about 1.2 s.
COUNT_SLICE_SECONDS = 0.004


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


# Never focused: a click in the log (to follow a link, to select text) must
# not take the keyboard from the input. The mouse wheel, PageUp/PageDown and
# Home/End from the input scroll it; Ctrl+C copies its selection all the same.
class ChatLog(ScrollView, can_focus=False):
    DEFAULT_CSS: ClassVar[str] = """
    ChatLog {
        background: $surface;
        color: $foreground;
        overflow-y: scroll;
        overflow-x: hidden;
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
        # Rows are counted at the width the log was last shown at: a hidden
        # log (another window shown) most likely comes back at that width.
        self._layout = RowLayout(max_lines)
        # Entries drawn at `_width` lately, by id() (ChatLine holds Text, so
        # it has no hash); the entry itself is kept to tell a reused id.
        self._drawn: LRUCache[int, tuple[ChatLine, list[_DrawnRow]]] = LRUCache(
            DRAWN_ENTRIES_CACHED
        )
        # Rows taken off above the view (the cap) or put there (older pages,
        # counting at a new width) since the view last moved.
        self._trimmed = 0
        # The scroll position and size follow the entries once per batch.
        self._sync_pending = False
        self.lines = LogRows(self)

    # ------------------------------------------------------------ entries

    def add(self, line: ChatLine) -> None:
        self._trimmed += self._layout.append(line)
        if not self.following:
            self._set_unseen(self.unseen + 1)
        self._sync_soon()

    def replace(self, old: ChatLine, new: ChatLine) -> bool:
        """Draw `new` where `old` is (a pending line confirmed); False if `old` is gone."""
        if self._layout.replace(old, new) is None:
            return False
        self._sync_soon()
        return True

    def prepend(self, lines: Sequence[ChatLine]) -> int:
        """Put older entries above the kept ones, as many as the cap leaves room for.

        The newest of `lines` are kept when not all fit. The text under the
        reader stays where it is. Returns how many were put in.
        """
        kept = len(self._layout.entries)
        self._trimmed -= self._layout.prepend(lines)
        self._sync_soon()
        return len(self._layout.entries) - kept

    def older_page_fits(self) -> bool:
        """Whether an older page has room above the kept entries.

        When it has not (the log holds its cap), the first line says that
        older messages are not kept here.
        """
        layout = self._layout
        if not layout.full:
            return True
        if layout.entries and not layout.headed:
            text = f"Older messages are not kept in this window (limit {layout.cap:,})"
            # Shown where the reader is, at the top: the view does not follow
            # the text down as it does for a page.
            layout.put_head(undated(text, layout.entries[0]))
            self._sync_soon()
        return False

    def clear(self) -> ChatLog:
        self._layout.clear()
        self._drawn.clear()
        self._trimmed = 0
        self._set_unseen(0)
        self.following = True
        self._sync_soon()
        return self

    def plain_lines(self) -> list[str]:
        """The plain text of every kept entry, oldest first."""
        return [line.plain for line in self._layout.entries]

    # ------------------------------------------------------------ rows

    @property
    def row_count(self) -> int:
        return self._layout.row_count

    @property
    def settled(self) -> bool:
        """Every entry's rows are counted at the current width (a resize is done)."""
        return not self._layout.stale

    def row(self, y: int) -> Strip:
        """Row `y` of the log (0: the oldest kept entry's first row), unstyled."""
        layout = self._layout
        index = layout.index_at(y)
        line = layout.entries[index]
        drawn = self._drawn.get(id(line))
        if drawn is None or drawn[0] is not line:
            drawn = line, self._draw(line, layout.height(index))
            self._drawn[id(line)] = drawn
        segments, cells = drawn[1][y - layout.top(index)]
        # A new Strip each time: what a frame derives from it dies with it.
        return Strip(segments, cells)

    def _draw(self, line: ChatLine, height: int) -> list[_DrawnRow]:
        width = self._layout.width
        console = self.app.console
        segments = console.render(line, console.options.update_width(width))
        rows = [(tuple(row), Segment.get_line_length(row)) for row in Segment.split_lines(segments)]
        # The count and the drawing agree (ChatLine.height is Rich's own
        # wrap) except for an entry still counted at an earlier width.
        blank = ((Segment(" " * width),), width)
        return (rows + [blank] * height)[:height]

    def render_line(self, y: int) -> Strip:
        row = round(self.scroll_y) + y
        width = self.scrollable_content_region.width
        style = self.rich_style
        # Between a resize and on_resize the rows of the old width are cropped.
        if row >= self.row_count or not self._layout.width:
            return Strip.blank(width, style).apply_style(style)
        strip = self.row(row).crop_extend(0, width, style)
        selection = self.text_selection
        span = selection.get_span(row) if selection is not None else None
        if span is not None:
            start, end = span
            before, chosen, after = strip.divide((start, width if end == -1 else end, width))
            chosen = chosen.apply_style(self.screen.get_component_rich_style("screen--selection"))
            strip = Strip.join((before, chosen, after))
        # Offsets tell a mouse selection which row and column it is on.
        return strip.apply_style(style).apply_offsets(0, row)

    def get_selection(self, selection: Selection) -> tuple[str, str] | None:
        """The text of the rows selected with the mouse (Ctrl+C copies it)."""
        first = selection.start.y if selection.start is not None else 0
        last = selection.end.y if selection.end is not None else self.row_count - 1
        rows = [self.row(y).text for y in range(first, min(last + 1, self.row_count))]
        # Rows above the selection stay empty: only what was selected is drawn.
        return selection.extract("\n" * first + "\n".join(rows)), "\n"

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
        self.virtual_size = Size(self._layout.width, self.row_count)
        trimmed, self._trimmed = self._trimmed, 0
        if self.following:
            # Not while hidden or before the first layout: past the end of a
            # log with no height, the view would spring back to the top when
            # shown, which reads as the reader scrolling there (ReachedTop).
            if self.size.height:
                self.scroll_end(animate=False, immediate=True, x_axis=False)
        elif trimmed:
            # Rows taken off or put above the view would slide the text under
            # a reader who scrolled up: move the view by as much.
            self.scroll_to(y=max(0, self.scroll_y - trimmed), animate=False, immediate=True)
        self.refresh()

    def on_resize(self, event: Resize) -> None:
        width = self.scrollable_content_region.width
        layout = self._layout
        if not width or width == layout.width:
            self._sync_soon()
            return
        # Counted at once: from a screen above the view to the newest entry
        # (scrolling up to the rest before it is counted counts it then).
        # The entry at the top of the view stays at the top.
        anchor = None
        keep = len(layout.entries)
        wanted = 2 * self.size.height
        if layout.width and layout.entries and not self.following:
            index = layout.index_at(round(self.scroll_y))
            anchor = index, round(self.scroll_y) - layout.top(index)
            keep, wanted = index, self.size.height
        while keep and wanted > 0:
            keep -= 1
            wanted -= layout.entries[keep].height(width)
        self._drawn.clear()
        layout.set_width(width, keep)
        self.virtual_size = Size(width, self.row_count)
        if anchor is not None:
            index, offset = anchor
            y = layout.top(index) + min(offset, layout.height(index) - 1)
            self.scroll_to(y=y, animate=False, immediate=True)
        elif self.following:
            self.scroll_end(animate=False, immediate=True, x_axis=False)
        self.refresh()
        if layout.stale:
            self._count_older()

    @work(exclusive=True, group="count rows")
    async def _count_older(self) -> None:
        """Count the rows of the entries above the view at the new width, a slice at a time."""
        while self._layout.stale:
            self._trimmed -= self._layout.count_stale(COUNT_SLICE_SECONDS)
            self._sync_soon()
            # Keys and frames between slices.
            await asyncio.sleep(0)

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        layout = self._layout
        if layout.stale and round(new_value) - self.size.height < layout.top(layout.stale):
            # Scrolled up to entries not counted at this width yet: count them
            # all now, and keep the text in view where it is unless the view
            # went past the counted ones (Home, the scroll bar) and so has no
            # place to keep.
            reading = layout.index_at(round(new_value)) >= layout.stale
            added = layout.count_stale()
            self._sync_soon()
            if reading and added:
                self.scroll_to(y=new_value + added, animate=False, immediate=True)
                return
        # Only the reader's own way up: a view put back inside a log that
        # shrank or grew taller (emptied, shown after being hidden) comes
        # from past the end, and is no reason to ask for an older page.
        if new_value <= 0 < old_value <= self.max_scroll_y and self.older_page_fits():
            self.post_message(self.ReachedTop(self))
        self.following = new_value >= self.max_scroll_y
        if self.following:
            self._set_unseen(0)

    def jump_to_end(self) -> None:
        self.following = True
        self._set_unseen(0)
        self.scroll_end(animate=False)

    def jump_to_start(self) -> None:
        """Show the oldest entry kept; scrolling there asks for an older page as usual."""
        self.scroll_home(animate=False, immediate=True)

    def _set_unseen(self, count: int) -> None:
        if count != self.unseen:
            self.unseen = count
            self.post_message(self.UnseenChanged(self, count))
