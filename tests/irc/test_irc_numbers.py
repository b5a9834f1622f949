"""parse_decimal: ASCII digits only, bounded."""

from __future__ import annotations

import pytest

from tui_chat.irc.numbers import INT32_MAX, parse_decimal


@pytest.mark.parametrize(
    ("text", "value"),
    [("0", 0), ("7", 7), ("007", 7), ("302", 302), (str(INT32_MAX), INT32_MAX)],
)
def test_ascii_decimals_are_read(text: str, value: int) -> None:
    assert parse_decimal(text) == value


@pytest.mark.parametrize(
    "text", ["", "²", "٣", "1²", "-1", "+1", " 1", "1.0", "0x10", str(INT32_MAX + 1), "9" * 40]
)
def test_anything_else_is_none(text: str) -> None:
    assert parse_decimal(text) is None


def test_a_smaller_maximum() -> None:
    assert parse_decimal("999", 999) == 999
    assert parse_decimal("1000", 999) is None
