"""ISUPPORT tokens: formatting, escaping, line splitting, reading back."""

from __future__ import annotations

from tui_chat.irc.isupport import TOKENS_PER_LINE, format_tokens, parse_tokens, split_lines


def test_tokens_round_trip_with_escaped_values() -> None:
    tokens: dict[str, str | None] = {"NETWORK": "my net=1", "UTF8ONLY": None, "NICKLEN": "30"}
    formatted = format_tokens(tokens)
    assert formatted == ["NETWORK=my\\x20net\\x3D1", "UTF8ONLY", "NICKLEN=30"]
    assert all(" " not in token for token in formatted)
    assert parse_tokens(formatted) == tokens


def test_withdrawn_token_and_line_split() -> None:
    assert parse_tokens(["-WHOX", "EXCEPTS="]) == {"-WHOX": None, "EXCEPTS": ""}
    lines = split_lines([f"T{i}" for i in range(30)])
    assert [len(line) for line in lines] == [TOKENS_PER_LINE, TOKENS_PER_LINE, 4]
