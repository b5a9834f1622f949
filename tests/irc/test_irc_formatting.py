"""IRC formatting codes: real-world strings -> styled spans, and stripping."""

from __future__ import annotations

from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.style import Style as RichStyle
from rich.text import Text

from tui_chat.irc.formatting import (
    DEFAULT_COLOUR,
    PALETTE,
    PLAIN,
    Span,
    Style,
    colour_hex,
    parse_formatting,
    strip_formatting,
)

# (input, [(text, rich style)]) as mIRC, WeeChat, irssi and bots send them.
TABLE: list[tuple[str, list[tuple[str, str]]]] = [
    ("", []),
    ("plain text", [("plain text", "")]),
    ("\x02bold\x02 normal", [("bold", "bold"), (" normal", "")]),
    ("\x02never closed", [("never closed", "bold")]),
    ("\x0304red\x03 plain", [("red", "#ff0000"), (" plain", "")]),
    ("\x034red", [("red", "#ff0000")]),
    ("\x0304,01red on black", [("red on black", "#ff0000 on #000000")]),
    ("\x034,1x", [("x", "#ff0000 on #000000")]),
    ("\x0312345", [("345", "#0000fc")]),  # two digits at most
    ("\x031,text", [(",text", "#000000")]),  # comma without digit is text
    ("\x03,05text", [(",05text", "")]),  # no fg: the code resets, rest is text
    ("\x0304,02a\x0309b", [("a", "#ff0000 on #00007f"), ("b", "#00fc00 on #00007f")]),
    ("\x0304,02a\x03b", [("a", "#ff0000 on #00007f"), ("b", "")]),
    ("\x0399,99default", [("default", "")]),
    ("\x0304,99x", [("x", "#ff0000")]),
    ("\x0352x\x0398y", [("x", "#ff0000"), ("y", "#ffffff")]),  # 99-colour palette
    ("\x02\x1d\x1fbiu\x0f plain", [("biu", "bold italic underline"), (" plain", "")]),
    ("\x0304,01\x02x\x0fy", [("x", "bold #ff0000 on #000000"), ("y", "")]),
    ("\x16rev\x16 back", [("rev", "reverse"), (" back", "")]),
    ("\x0304,01\x16x", [("x", "reverse #ff0000 on #000000")]),
    ("\x1estrike\x1e", [("strike", "strike")]),
    ("\x11mono\x11", [("mono", "")]),
    ("\x04FF8800orange\x04 plain", [("orange", "#ff8800"), (" plain", "")]),
    ("\x04ff0000,00ff00x", [("x", "#ff0000 on #00ff00")]),
    ("\x04zz", [("zz", "")]),
    ("\x04ff00x", [("ff00x", "")]),  # fewer than six hex digits: reset + text
    ("text\x03", [("text", "")]),
    ("\x0300,01", []),
    ("a\x02\x02b", [("ab", "")]),  # double toggle: merged, no empty span
    (
        "\x1f\x0301underlined \x02both",
        [("underlined ", "underline #000000"), ("both", "bold underline #000000")],
    ),
]


@pytest.mark.parametrize(("raw", "expected"), TABLE, ids=[repr(raw) for raw, _ in TABLE])
def test_real_world_strings(raw: str, expected: list[tuple[str, str]]) -> None:
    spans = parse_formatting(raw)
    assert [(span.text, span.style.rich_style()) for span in spans] == expected
    assert strip_formatting(raw) == "".join(text for text, _ in expected)


def test_monospace_is_kept_on_the_style() -> None:
    assert parse_formatting("\x11x") == [Span("x", Style(monospace=True))]


def test_mirc_palette() -> None:
    assert len(PALETTE) == DEFAULT_COLOUR == 99
    assert PALETTE[:4] == ("#ffffff", "#000000", "#00007f", "#009300")
    assert PALETTE[15] == "#d2d2d2"
    assert PALETTE[16] == "#470000"
    assert PALETTE[28] == "#740000"
    assert PALETTE[88] == "#000000"
    assert PALETTE[98] == "#ffffff"
    assert colour_hex(DEFAULT_COLOUR) is None
    assert colour_hex(-1) is None
    assert all(len(rgb) == 7 and int(rgb[1:], 16) >= 0 for rgb in PALETTE)


def test_rich_accepts_every_style() -> None:
    style = Style(True, True, True, True, True, True, "#ff0000", "#00ff00")
    parsed = RichStyle.parse(style.rich_style())
    assert (parsed.bold, parsed.italic, parsed.underline, parsed.strike, parsed.reverse) == (
        (True,) * 5
    )
    assert parsed.color is not None and parsed.color.name == "#ff0000"
    text = Text.assemble(*((s.text, s.style.rich_style()) for s in parse_formatting("\x0304x")))
    assert text.plain == "x"
    assert PLAIN.rich_style() == ""


@settings(max_examples=300, deadline=None)
@given(st.text(st.sampled_from([*"\x02\x03\x04\x0f\x11\x16\x1d\x1e\x1f0159,aF "])))
def test_spans_hold_exactly_the_stripped_text(raw: str) -> None:
    spans = parse_formatting(raw)
    assert "".join(span.text for span in spans) == strip_formatting(raw)
    assert all(span.text for span in spans)
    assert all(a.style != b.style for a, b in pairwise(spans))
    for span in spans:
        RichStyle.parse(span.style.rich_style())
