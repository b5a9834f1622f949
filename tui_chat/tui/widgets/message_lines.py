"""How one line of the message log looks: timestamp, coloured nick, text.

Pure Rich, no widgets: the app builds a `Text` per event with `LineStyler`
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

from rich.style import Style
from rich.text import Text

from tui_chat.irc.casemap import casefold
from tui_chat.irc.formatting import parse_formatting, strip_formatting

__all__ = ["NICK_PALETTE", "LineStyler", "Palette", "irc_text", "nick_colour"]

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

_URL = re.compile(r"\b(?:https?://|www\.)[^\s<>\"']+[^\s<>\"'.,;:!?)\]}]")


def irc_text(text: str, base: Style | str = "") -> Text:
    """IRC formatting codes rendered as styles, URLs made clickable."""
    body = Text(style=base)
    for span in parse_formatting(text):
        body.append(span.text, style=span.style.rich_style() or None)
    for match in _URL.finditer(body.plain):
        url = match.group()
        target = url if "://" in url else f"https://{url}"
        link = Style(underline=True, link=target, meta={"@click": f"app.open_link({target!r})"})
        body.stylize(link, match.start(), match.end())
    return body


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


class LineStyler:
    """Builds the Rich `Text` of every kind of log line."""

    def __init__(self, timestamp_format: str, palette: Palette | None = None) -> None:
        self.timestamp_format = timestamp_format
        self.palette = palette or Palette()

    def _stamp(self, when: datetime | None) -> Text:
        moment = (when or datetime.now()).astimezone()
        return Text(moment.strftime(self.timestamp_format) + " ", style=self.palette.dim)

    def nick(self, nick: str, *, bold: bool = True) -> Text:
        style = Style(color=nick_colour(nick), bold=bold, meta={"@click": f"app.query({nick!r})"})
        return Text(nick, style=style)

    def message(
        self,
        when: datetime | None,
        sender: str,
        text: str,
        *,
        mention: bool = False,
        own: bool = False,
    ) -> Text:
        line = self._stamp(when)
        line.append_text(self.nick(sender, bold=not own))
        line.append(" ")
        return self._with_body(line, irc_text(text), mention)

    def action(
        self, when: datetime | None, sender: str, text: str, *, mention: bool = False
    ) -> Text:
        line = self._stamp(when)
        line.append("* ", style=self.palette.accent)
        line.append_text(self.nick(sender))
        line.append(" ")
        return self._with_body(line, irc_text(text, Style(italic=True)), mention)

    def notice(self, when: datetime | None, sender: str, text: str) -> Text:
        line = self._stamp(when)
        line.append("-")
        line.append_text(self.nick(sender))
        line.append("- ")
        return self._with_body(line, irc_text(text), mention=False)

    def _with_body(self, line: Text, body: Text, mention: bool) -> Text:
        if mention:
            # Under the text's own styles, so IRC colours stay readable.
            body.stylize_before(Style(bgcolor=self.palette.mention, color="black"))
        line.append_text(body)
        return line

    def event(self, when: datetime | None, text: str) -> Text:
        """A quiet one-line event: joins, parts, quits, nick changes, modes."""
        line = self._stamp(when)
        line.append("-- " + strip_formatting(text), style=f"{self.palette.dim} italic")
        return line

    def info(self, when: datetime | None, text: str) -> Text:
        line = self._stamp(when)
        line.append_text(irc_text(text))
        return line

    def error(self, when: datetime | None, text: str) -> Text:
        line = self._stamp(when)
        line.append("!! " + text, style=Style(color=self.palette.error, bold=True))
        return line
