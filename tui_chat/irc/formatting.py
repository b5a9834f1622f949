"""IRC formatting codes -> styled spans, and stripping them.

Follows modern.ircdocs.horse/formatting: toggles for bold (0x02), italic
(0x1D), underline (0x1F), strikethrough (0x1E), monospace (0x11) and
reverse (0x16); reset (0x0F); colour (0x03) as `FG[,BG]` with one or two
decimal digits each, indexes 0-98 into the mIRC palette and 99 meaning "the
default colour"; hex colour (0x04) as `RRGGBB[,RRGGBB]`. A colour code with
no digits resets both colours; a comma not followed by a digit is text.
Nothing needs closing: an unterminated code styles the rest of the text.

Colours come out as "#rrggbb" (the spec's palette), so the TUI can hand
`Style.rich_style()` straight to rich without this module importing it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

__all__ = [
    "BOLD",
    "COLOUR",
    "DEFAULT_COLOUR",
    "HEX_COLOUR",
    "ITALIC",
    "MONOSPACE",
    "PALETTE",
    "PLAIN",
    "RESET",
    "REVERSE",
    "STRIKETHROUGH",
    "UNDERLINE",
    "Span",
    "Style",
    "colour_hex",
    "parse_formatting",
    "strip_formatting",
]

BOLD = "\x02"
COLOUR = "\x03"
HEX_COLOUR = "\x04"
RESET = "\x0f"
MONOSPACE = "\x11"
REVERSE = "\x16"
ITALIC = "\x1d"
STRIKETHROUGH = "\x1e"
UNDERLINE = "\x1f"

# Colour index meaning "the client's default", not a palette entry.
DEFAULT_COLOUR = 99

# The spec's RGB value for each colour index 0-98: the 16 classic mIRC
# colours, then the 83 extended ones (hue ramps, then greys).
_PALETTE_RGB = (
    "ffffff 000000 00007f 009300 ff0000 7f0000 9c009c fc7f00 "
    "ffff00 00fc00 009393 00ffff 0000fc ff00ff 7f7f7f d2d2d2 "
    "470000 472100 474700 324700 004700 00472c 004747 002747 "
    "000047 2e0047 470047 47002a 740000 743a00 747400 517400 "
    "007400 007449 007474 004074 000074 4b0074 740074 740045 "
    "b50000 b56300 b5b500 7db500 00b500 00b571 00b5b5 0063b5 "
    "0000b5 7500b5 b500b5 b5006b ff0000 ff8c00 ffff00 b2ff00 "
    "00ff00 00ffa0 00ffff 008cff 0000ff a500ff ff00ff ff0098 "
    "ff5959 ffb459 ffff71 cfff60 6fff6f 65ffc9 6dffff 59b4ff "
    "5959ff c459ff ff66ff ff59bc ff9c9c ffd39c ffff9c e2ff9c "
    "9cff9c 9cffdb 9cffff 9cd3ff 9c9cff dc9cff ff9cff ff94d3 "
    "000000 131313 282828 363636 4d4d4d 656565 818181 9f9f9f "
    "bcbcbc e2e2e2 ffffff"
)
PALETTE: tuple[str, ...] = tuple("#" + rgb for rgb in _PALETTE_RGB.split())

# One alternative per code; colour digits are taken greedily (two if there).
_CODE = re.compile(
    r"\x03(?:([0-9]{1,2})(?:,([0-9]{1,2}))?)?"
    r"|\x04(?:([0-9A-Fa-f]{6})(?:,([0-9A-Fa-f]{6}))?)?"
    r"|[\x02\x0f\x11\x16\x1d\x1e\x1f]"
)
_TOGGLES = {
    BOLD: "bold",
    ITALIC: "italic",
    UNDERLINE: "underline",
    STRIKETHROUGH: "strikethrough",
    MONOSPACE: "monospace",
    REVERSE: "reverse",
}


def colour_hex(index: int) -> str | None:
    """The "#rrggbb" of a colour index; None for 99 (default) or out of range."""
    return PALETTE[index] if 0 <= index < len(PALETTE) else None


@dataclass(frozen=True, slots=True)
class Style:
    bold: bool = False
    italic: bool = False
    underline: bool = False
    strikethrough: bool = False
    monospace: bool = False
    reverse: bool = False
    fg: str | None = None
    bg: str | None = None

    def rich_style(self) -> str:
        """A rich style definition, e.g. "bold #ff0000 on #000000" ("" if plain).

        Monospace is left out: every terminal cell already is.
        """
        words = [
            word
            for flag, word in (
                (self.bold, "bold"),
                (self.italic, "italic"),
                (self.underline, "underline"),
                (self.strikethrough, "strike"),
                (self.reverse, "reverse"),
            )
            if flag
        ]
        if self.fg:
            words.append(self.fg)
        if self.bg:
            words += ["on", self.bg]
        return " ".join(words)


PLAIN = Style()


@dataclass(frozen=True, slots=True)
class Span:
    text: str
    style: Style = PLAIN


def _apply(style: Style, match: re.Match[str]) -> Style:
    code = match.group()[0]
    if code == RESET:
        return PLAIN
    if code in _TOGGLES:
        name = _TOGGLES[code]
        return replace(style, **{name: not getattr(style, name)})
    if code == COLOUR:
        fg, bg = match.group(1), match.group(2)
        if fg is None:
            return replace(style, fg=None, bg=None)
        if bg is None:
            return replace(style, fg=colour_hex(int(fg)))
        return replace(style, fg=colour_hex(int(fg)), bg=colour_hex(int(bg)))
    fg, bg = match.group(3), match.group(4)
    if fg is None:
        return replace(style, fg=None, bg=None)
    if bg is None:
        return replace(style, fg="#" + fg.lower())
    return replace(style, fg="#" + fg.lower(), bg="#" + bg.lower())


def parse_formatting(text: str) -> list[Span]:
    """Split `text` into spans of one style each; codes are consumed.

    Adjacent runs with the same style are merged and empty runs dropped, so
    plain text gives exactly one span and "" gives none.
    """
    spans: list[Span] = []
    style = PLAIN
    pos = 0

    def emit(chunk: str) -> None:
        if not chunk:
            return
        if spans and spans[-1].style == style:
            spans[-1] = Span(spans[-1].text + chunk, style)
        else:
            spans.append(Span(chunk, style))

    for match in _CODE.finditer(text):
        emit(text[pos : match.start()])
        style = _apply(style, match)
        pos = match.end()
    emit(text[pos:])
    return spans


def strip_formatting(text: str) -> str:
    """`text` without any formatting codes (colour digits included)."""
    return _CODE.sub("", text)
