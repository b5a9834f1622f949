"""ISUPPORT (RPL_ISUPPORT, 005) tokens: build them for a server, read them for a client.

A token is `NAME`, `NAME=value` or `-NAME` (withdrawn). A server sends them in
several 005 lines of at most `TOKENS_PER_LINE` tokens each, as the modern IRC
docs recommend, so no line nears the 512-byte limit.
"""

from __future__ import annotations

__all__ = ["TOKENS_PER_LINE", "format_tokens", "parse_tokens", "split_lines"]

# modern.ircdocs.horse: "servers SHOULD send no more than 13 tokens" per 005 line.
TOKENS_PER_LINE = 13

_ESCAPED = {"\\": "\\x5C", " ": "\\x20", "=": "\\x3D"}


def _escape(value: str) -> str:
    return "".join(_ESCAPED.get(ch, ch) for ch in value)


def _unescape(value: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(value):
        if value.startswith("\\x", i) and i + 4 <= len(value):
            try:
                out.append(chr(int(value[i + 2 : i + 4], 16)))
                i += 4
                continue
            except ValueError:
                pass
        out.append(value[i])
        i += 1
    return "".join(out)


def format_tokens(tokens: dict[str, str | None]) -> list[str]:
    """`{"NICKLEN": "30", "UTF8ONLY": None}` -> `["NICKLEN=30", "UTF8ONLY"]`."""
    return [name if value is None else f"{name}={_escape(value)}" for name, value in tokens.items()]


def split_lines(tokens: list[str], per_line: int = TOKENS_PER_LINE) -> list[list[str]]:
    return [tokens[i : i + per_line] for i in range(0, len(tokens), per_line)]


def parse_tokens(params: list[str]) -> dict[str, str | None]:
    """The tokens of one 005 line's middle parameters (without nick and trailing text).

    A withdrawn token (`-NAME`) maps to None under the key `-NAME`, so a
    client merging several lines can drop `NAME` when it sees it.
    """
    tokens: dict[str, str | None] = {}
    for raw in params:
        name, sep, value = raw.partition("=")
        if name:
            tokens[name] = _unescape(value) if sep else None
    return tokens
