"""The look of single log lines: stable nick colours, clickable nicks and links, wrapping."""

from __future__ import annotations

from datetime import datetime
from random import Random

import pytest
from rich.console import Console
from rich.segment import Segment

from tui_chat.tui.widgets.message_lines import (
    NARROW_LOG_WIDTH,
    NARROW_NICK_COLUMN_WIDTH,
    NICK_COLUMN_WIDTH,
    NICK_PALETTE,
    LineStyler,
    irc_text,
    nick_colour,
)

WHEN = datetime(2026, 11, 24, 9, 30)


def test_a_nick_keeps_its_colour_whatever_its_case() -> None:
    assert nick_colour("Bob") == nick_colour("bob") == nick_colour("BOB")
    assert nick_colour("bob") in NICK_PALETTE
    assert len({nick_colour(f"user{n}") for n in range(200)}) == len(NICK_PALETTE)


def test_links_and_nicks_carry_click_actions() -> None:
    line = LineStyler("%H:%M").message(WHEN, "bob", "see www.example.org/x, ok")
    clicks = {
        line.prefix.plain[span.start : span.end]: span.style.meta["@click"]  # type: ignore[union-attr]
        for span in line.prefix.spans
        if not isinstance(span.style, str) and "@click" in span.style.meta
    }
    assert clicks == {"bob": "app.query('bob')"}
    links = [
        (line.body.plain[span.start : span.end], span.style.meta["@click"])  # type: ignore[union-attr]
        for span in line.body.spans
        if not isinstance(span.style, str) and "@click" in span.style.meta
    ]
    assert links == [("www.example.org/x", "app.open_link('https://www.example.org/x')")]


def test_long_nicks_are_cut_to_the_column() -> None:
    line = LineStyler("%H:%M").message(WHEN, "a_very_long_nickname", "hi")
    assert line.plain == f"09:30 {'a_very_long_nickname'[: NICK_COLUMN_WIDTH - 1]}+ │ hi"


@pytest.mark.parametrize(
    ("width", "column"),
    [(NARROW_LOG_WIDTH - 1, NARROW_NICK_COLUMN_WIDTH), (NARROW_LOG_WIDTH, NICK_COLUMN_WIDTH)],
)
def test_wrapped_rows_are_indented_under_the_text(width: int, column: int) -> None:
    console = Console(width=width, color_system=None)
    line = LineStyler("%H:%M").message(WHEN, "bob", "word " * 30)
    with console.capture() as capture:
        console.print(line)
    rows = capture.get().splitlines()
    indent = len("09:30 ") + column + len(" │ ")
    assert rows[0] == "09:30 " + "bob".rjust(column) + " │ " + rows[0][indent:]
    assert len(rows) > 1
    assert all(row.startswith(" " * indent) and row[indent] != " " for row in rows[1:])


def test_a_narrow_log_cuts_long_nicks_to_its_narrower_column() -> None:
    console = Console(width=NARROW_LOG_WIDTH - 1, color_system=None)
    with console.capture() as capture:
        console.print(LineStyler("%H:%M").message(WHEN, "a_very_long_nickname", "hi"))
    cut = "a_very_long_nickname"[: NARROW_NICK_COLUMN_WIDTH - 1]
    assert capture.get().rstrip() == f"09:30 {cut}+ │ hi"


def test_formatting_codes_never_reach_the_screen() -> None:
    assert irc_text("\x0312,4blue\x0f \x1ditalic\x1d").plain == "blue italic"


# Pieces of the texts the row count is checked with: wide characters, words
# longer than a row, runs of spaces, formatting codes, a tab, a newline.
TEXT_PIECES = (
    "a",
    "bb",
    "ccc ",
    " ",
    "   ",
    "長",
    "😀",
    "x" * 30,
    "www.example.org/x ",
    "\x02b\x02",
    "\t",
    "é",
    "\n",
)


def test_counted_rows_are_the_rows_drawn_at_every_width() -> None:
    """ChatLine.height must agree with drawing: the log lays out by it and draws only some."""
    random = Random(6)
    styler = LineStyler("%H:%M")
    console = Console(width=200, color_system="truecolor")
    for _ in range(1500):
        text = "".join(random.choice(TEXT_PIECES) for _ in range(random.randint(0, 40)))
        nick = random.choice(("bob", "a_very_long_nickname", "長長長長長長", "x"))
        kind = random.choice((styler.message, styler.action, styler.notice))
        line = random.choice((kind(WHEN, nick, text), styler.error(WHEN, text)))
        width = random.randint(1, 130)
        drawn = list(Segment.split_lines(console.render(line, console.options.update_width(width))))
        assert line.height(width) == len(drawn), (text, nick, width)
