"""Where a log's entries start in rows: counted at once, or after a resize a slice at a time."""

from __future__ import annotations

from datetime import datetime

from tui_chat.tui.widgets.log_layout import RowLayout
from tui_chat.tui.widgets.message_lines import ChatLine, LineStyler, undated

STYLER = LineStyler("%H:%M")
WHEN = datetime(2026, 11, 24, 9, 30)


def said(number: int) -> ChatLine:
    return STYLER.message(WHEN, "bob", " ".join(["line", str(number), *["word"] * (number % 40)]))


def layout_of(count: int, width: int, cap: int | None = None) -> RowLayout:
    layout = RowLayout(cap)
    layout.width = width
    for number in range(count):
        layout.append(said(number))
    return layout


def rows(layout: RowLayout) -> list[tuple[int, int]]:
    """(first row, rows) of every entry."""
    return [(layout.top(i), layout.height(i)) for i in range(len(layout.entries))]


def test_rows_follow_each_entrys_wrapped_height() -> None:
    layout = layout_of(100, 80)
    heights = [said(n).height(80) for n in range(100)]
    assert rows(layout) == [(sum(heights[:i]), heights[i]) for i in range(100)]
    assert layout.row_count == sum(heights)
    assert all(layout.index_at(layout.top(i) + layout.height(i) - 1) == i for i in range(100))


def test_the_cap_drops_the_oldest_and_says_how_many_rows_went() -> None:
    layout = layout_of(10, 80, cap=10)
    first = layout.height(0)
    assert layout.append(said(10)) == first
    assert layout.entries[0].plain.split("│ ")[1].startswith("line 1 ")
    assert layout.top(0) == 0 and layout.row_count == sum(said(n).height(80) for n in range(1, 11))


def test_a_head_stays_on_top_of_the_capped_messages() -> None:
    layout = layout_of(10, 40, cap=10)
    head = undated("Older messages are not kept " * 3, layout.entries[0])
    assert layout.full and layout.put_head(head) == head.height(40) > 1
    assert layout.put_head(head) == 0
    for number in range(10, 25):
        assert layout.append(said(number)) == said(number - 10).height(40)
    assert layout.full and len(layout.entries) == 11 and layout.entries[0] is head
    heights = [head.height(40), *(said(n).height(40) for n in range(15, 25))]
    assert rows(layout) == [(sum(heights[:i]), heights[i]) for i in range(11)]
    assert layout.prepend([said(0)]) == 0
    layout.clear()
    assert not layout.headed and not layout.full


def test_a_new_width_counts_the_newest_now_and_the_rest_in_slices() -> None:
    layout = layout_of(3000, 100)
    layout.set_width(50, keep=2990)
    assert layout.stale == 2990
    # The counted ones are right at once, where the reader looks.
    assert [layout.height(i) for i in range(2990, 3000)] == [
        said(n).height(50) for n in range(2990, 3000)
    ]
    added = 0
    slices = 0
    while layout.stale:
        added += layout.count_stale(0.001)
        slices += 1
    assert slices > 1
    fresh = layout_of(3000, 50)
    assert rows(layout) == rows(fresh)
    # What was counted first moved down by the rows put above it.
    assert layout.top(2990) == fresh.top(2990)
    assert added == fresh.top(2990) - layout_of(2990, 100).row_count


def test_entries_added_dropped_and_prepended_while_counting_end_up_right() -> None:
    layout = layout_of(500, 100, cap=500)
    layout.set_width(60, keep=480)
    layout.count_stale(0.0)
    for number in range(500, 520):
        layout.append(said(number))
    assert layout.stale <= 460
    while layout.stale:
        layout.count_stale(0.0005)
    expected = RowLayout(500)
    expected.width = 60
    for number in range(20, 520):
        expected.append(said(number))
    assert rows(layout) == rows(expected)


def test_a_page_put_above_while_counting_is_counted_too() -> None:
    layout = layout_of(50, 100, cap=200)
    layout.set_width(40, keep=45)
    older = [said(n) for n in range(1000, 1010)]
    added = layout.prepend(older)
    assert added == sum(line.height(40) for line in older)
    assert layout.stale == 55
    layout.count_stale()
    fresh = RowLayout(200)
    fresh.width = 40
    for line in [*older, *(said(n) for n in range(50))]:
        fresh.append(line)
    assert rows(layout) == rows(fresh)


def test_replacing_a_line_moves_only_the_ones_after_it() -> None:
    layout = layout_of(20, 80)
    before = rows(layout)
    old = layout.entries[15]
    assert layout.replace(old, said(39)) == 15
    moved = said(39).height(80) - old.height(80)
    assert rows(layout)[:15] == before[:15]
    assert [top for top, _ in rows(layout)[16:]] == [top + moved for top, _ in before[16:]]
    assert layout.replace(old, said(1)) is None
