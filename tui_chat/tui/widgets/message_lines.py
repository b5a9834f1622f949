"""How one line of the message log looks: timestamp, coloured nick, text.

Pure Rich, no widgets: the app builds a `ChatLine` per event with `LineStyler`
and writes it into the window's log. Nick colours are stable (a hash of the
case-folded nick picks a palette entry), so "bob" is the same colour in
every room and after every restart. URLs become clickable (`@click` meta runs
the app's `open_link` action; the `link` style gives terminals that support
OSC 8 a native hyperlink too); clicking a nick opens a private conversation.
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass
from datetime import datetime

from rich._wrap import divide_line
from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, RenderResult
from rich.style import Style
from rich.text import Text

from tui_chat.irc.casemap import casefold
from tui_chat.irc.formatting import parse_formatting, strip_formatting

__all__ = [
    "EVENT_MARK",
    "GAP_MARK",
    "JOIN_MARK",
    "LEAVE_MARK",
    "MAX_COMBINING_MARKS",
    "NARROW_LOG_WIDTH",
    "NARROW_NICK_COLUMN_WIDTH",
    "NICK_COLUMN_WIDTH",
    "NICK_PALETTE",
    "ChatLine",
    "LineStyler",
    "Palette",
    "irc_text",
    "nick_colour",
    "undated",
    "visible",
    "wrapped_rows",
]

# Colours that read on both dark and light backgrounds; a nick keeps its colour forever.
NICK_PALETTE: tuple[str, ...] = (
    "#e06c75",
    "#d19a66",
    "#98c379",
    "#56b6c2",
    "#61afef",
    "#c678dd",
    "#e5a50a",
    "#2ec27e",
    "#3584e4",
    "#f66151",
    "#9141ac",
    "#26a269",
)

# Cells of the right-aligned nick column; longer nicks are cut with a "+".
NICK_COLUMN_WIDTH = 10
# A log narrower than this (80x24 with both side lists) narrows the nick
# column to NARROW_NICK_COLUMN_WIDTH, so a line such as the host's
# "tui-chat join <address> <port>" still fits on one row.
NARROW_LOG_WIDTH = 60
NARROW_NICK_COLUMN_WIDTH = 7
# A body narrower than this gets no hanging indent: the whole line flows.
MIN_BODY_WIDTH = 16
# What the nick column shows for events: someone came, someone went, anything else.
JOIN_MARK = "-->"
LEAVE_MARK = "<--"
EVENT_MARK = "--"
# The nick column where a reconnect left a hole in the conversation.
GAP_MARK = "~~"
# Between the nick column and the body.
RULE = " │ "

# What a terminal would obey rather than show (C0 controls, DEL, C1 controls:
# clear the screen, retitle it, move the cursor) as visible stand-ins: the
# Unicode control pictures, a space for a tab, U+FFFD for the C1 codes.
# Characters that reorder or hide text are named instead ("<U+202E>"): bidi
# overrides and isolates would show someone's words in another order
# (Trojan Source), zero-width spaces, marks and line separators make
# invisible text. ZWJ and ZWNJ stay: emoji sequences and scripts need them.
# IRC formatting codes are consumed before this, by parse_formatting.
_HIDDEN_CHARACTERS = (
    *range(0x202A, 0x202F),
    *range(0x2066, 0x206A),
    0x200B,
    0x200E,
    0x200F,
    0x2028,
    0x2029,
    0xFEFF,
)
_CONTROL_PICTURES = (
    {code: chr(0x2400 + code) for code in range(0x20)}
    | {ord("\t"): " ", 0x7F: "\u2421"}
    | {code: "\ufffd" for code in range(0x80, 0xA0)}
    | {code: f"<U+{code:04X}>" for code in _HIDDEN_CHARACTERS}
)
# Combining marks kept on one character: more stack over the rows around it
# ("Zalgo" text); real scripts use two or three.
MAX_COMBINING_MARKS = 4
_COMBINING_MARK = "[\u0300-\u036f\u0483-\u0489\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]"
_COMBINING_RUN = re.compile(f"({_COMBINING_MARK}{{{MAX_COMBINING_MARKS}}}){_COMBINING_MARK}+")

_URL = re.compile(r"\b(?:https?://|www\.)[^\s<>\"']+[^\s<>\"'.,;:!?)\]}]")


def visible(text: str) -> str:
    """`text` with every control character shown, none left for the terminal to act on.

    Also no hidden reordering or invisible characters, and at most
    MAX_COMBINING_MARKS combining marks on one character.
    """
    return _COMBINING_RUN.sub(r"\1", text.translate(_CONTROL_PICTURES))


def irc_text(text: str, base: Style | str = "") -> Text:
    """IRC formatting codes rendered as styles, URLs made clickable."""
    body = Text(style=base)
    for span in parse_formatting(text):
        body.append(visible(span.text), style=span.style.rich_style() or None)
    for match in _URL.finditer(body.plain):
        url = match.group()
        target = url if "://" in url else f"https://{url}"
        link = Style(underline=True, link=target, meta={"@click": f"app.open_link({target!r})"})
        body.stylize(link, match.start(), match.end())
    return body


def wrapped_rows(plain: str, width: int) -> int:
    """Rows Rich's word wrap (`Text.wrap`, fold) makes of `plain` in `width` cells.

    The same `divide_line` Rich wraps with, without building the rows: a
    log counts every entry's rows but draws only the few on screen.
    """
    return sum(
        1 if cell_len(part) <= width else len(divide_line(part, width, fold=True)) + 1
        for part in plain.split("\n")
    )


def nick_colour(nick: str) -> str:
    """The palette colour of `nick`; crc32 because Python's hash() changes per process."""
    return NICK_PALETTE[zlib.crc32(casefold(nick).encode()) % len(NICK_PALETTE)]


@dataclass(frozen=True, slots=True)
class Palette:
    """Theme colours the log uses, taken from the running Textual theme."""

    dim: str = "dim"
    mention: str = "#ffb000"
    error: str = "#ff5f5f"
    accent: str = "#5fafff"


@dataclass(frozen=True, slots=True)
class ChatLine:
    """One log entry: a timestamp, a nick column and a body.

    The column is aligned when drawn, as wide as the log allows. Body rows
    that wrap are indented under the body, so the nick column stays clear as
    in WeeChat; in a log too narrow for that the line simply flows.
    """

    stamp: Text
    column: Text
    body: Text
    column_width: int = NICK_COLUMN_WIDTH
    # Style of the column's cut mark and of the rule after it.
    rule_style: str = "dim"

    @property
    def prefix(self) -> Text:
        """Timestamp and nick column at full width."""
        return self.prefix_for(self.column_width)

    @property
    def plain(self) -> str:
        return self.prefix.plain + self.body.plain

    def faded(self) -> ChatLine:
        """The line dimmed under its own styles: said before (replayed history)."""
        self.body.stylize_before(Style(dim=True))
        return self

    def prefix_for(self, column_width: int) -> Text:
        column = self.column
        if column.cell_len > column_width:
            column = column[: column_width - 1]
            column.append("+", style=self.rule_style)
        prefix = self.stamp.copy()
        prefix.append(" " * (column_width - column.cell_len))
        prefix.append_text(column)
        prefix.append(RULE, style=self.rule_style)
        return prefix

    def _column_width_at(self, width: int) -> int:
        if width < NARROW_LOG_WIDTH:
            return min(self.column_width, NARROW_NICK_COLUMN_WIDTH)
        return self.column_width

    def height(self, width: int) -> int:
        """Rows the line takes in a log `width` cells wide, without drawing it."""
        column_width = self._column_width_at(width)
        if self.column.cell_len > column_width:
            indent = self.prefix_for(column_width).cell_len
        else:
            indent = self.stamp.cell_len + column_width + cell_len(RULE)
        if width - indent < MIN_BODY_WIDTH:
            return wrapped_rows(self.prefix_for(column_width).plain + self.body.plain, width)
        return wrapped_rows(self.body.plain, width - indent)

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        prefix = self.prefix_for(self._column_width_at(options.max_width))
        indent = prefix.cell_len
        room = options.max_width - indent
        if room < MIN_BODY_WIDTH:
            yield Text.assemble(prefix, self.body)
            return
        pad = Text(" " * indent)
        rows = self.body.wrap(console, room) or [Text()]
        for number, row in enumerate(rows):
            yield Text.assemble(prefix if number == 0 else pad, row)


def undated(text: str, under: ChatLine) -> ChatLine:
    """A dim note about the log itself, with no time, its columns lined up with `under`."""
    stamp = Text(" " * under.stamp.cell_len)
    column = Text(EVENT_MARK, style=under.rule_style)
    body = Text(text, style=f"{under.rule_style} italic")
    return ChatLine(stamp, column, body, under.column_width, under.rule_style)


class LineStyler:
    """Builds the `ChatLine` of every kind of log entry."""

    def __init__(
        self,
        timestamp_format: str,
        palette: Palette | None = None,
        nick_column: int = NICK_COLUMN_WIDTH,
    ) -> None:
        self.timestamp_format = timestamp_format
        self.palette = palette or Palette()
        self.nick_column = nick_column

    def _line(self, when: datetime | None, column: Text, body: Text) -> ChatLine:
        moment = (when or datetime.now()).astimezone()
        stamp = Text(moment.strftime(self.timestamp_format) + " ", style=self.palette.dim)
        return ChatLine(stamp, column, body, self.nick_column, self.palette.dim)

    def nick(self, nick: str, *, bold: bool = True) -> Text:
        style = Style(color=nick_colour(nick), bold=bold, meta={"@click": f"app.query({nick!r})"})
        return Text(visible(nick), style=style)

    def message(
        self,
        when: datetime | None,
        sender: str,
        text: str,
        *,
        mention: bool = False,
        own: bool = False,
    ) -> ChatLine:
        return self._line(
            when, self.nick(sender, bold=not own), self._said(irc_text(text), mention)
        )

    def action(
        self, when: datetime | None, sender: str, text: str, *, mention: bool = False
    ) -> ChatLine:
        body = Text.assemble(self.nick(sender), " ")
        body.append_text(irc_text(text, Style(italic=True)))
        return self._line(when, Text("*", style=self.palette.accent), self._said(body, mention))

    def notice(self, when: datetime | None, sender: str, text: str) -> ChatLine:
        column = Text.assemble("-", self.nick(sender), "-")
        return self._line(when, column, irc_text(text))

    def _said(self, body: Text, mention: bool) -> Text:
        if mention:
            # Under the text's own styles, so IRC colours stay readable.
            body.stylize_before(Style(bgcolor=self.palette.mention, color="black"))
        return body

    def event(self, when: datetime | None, text: str, mark: str = EVENT_MARK) -> ChatLine:
        """A quiet one-line event: `mark` is JOIN_MARK, LEAVE_MARK or EVENT_MARK."""
        style = f"{self.palette.dim} italic"
        column = Text(mark, style=self.palette.dim)
        return self._line(when, column, Text(visible(strip_formatting(text)), style=style))

    def info(self, when: datetime | None, text: str) -> ChatLine:
        return self._line(when, Text(EVENT_MARK, style=self.palette.accent), irc_text(text))

    def gap(self, when: datetime | None, text: str) -> ChatLine:
        """A rule across the log where the conversation has a hole (a reconnect)."""
        style = Style(color=self.palette.accent, italic=True)
        return self._line(when, Text(GAP_MARK, style=style), Text(f"── {text} ──", style=style))

    def error(self, when: datetime | None, text: str) -> ChatLine:
        style = Style(color=self.palette.error, bold=True)
        return self._line(when, Text("!!", style=style), Text(visible(text), style=style))
