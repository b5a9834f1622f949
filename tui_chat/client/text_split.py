"""Cutting outgoing text into pieces that fit one IRC line each.

A server relays `:nick!user@host PRIVMSG target :text` to everyone, and the
whole relayed line must fit in 512 bytes with its CR LF, so the room for
text depends on our own prefix and the target.
"""

from __future__ import annotations

import re

__all__ = ["LINE_LIMIT", "split_text", "text_budget"]

# RFC 1459's line limit in bytes, CR LF included, tags excluded.
LINE_LIMIT = 512
# Hosts can be as long as a DNS name; when we have not yet seen our own
# `user@host`, assume the worst so nothing gets cut by the server.
ASSUMED_USERHOST_BYTES = 1 + 10 + 1 + 63
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
# Never cut text into slivers, even with an absurdly long prefix.
MIN_TEXT_BYTES = 32


def text_budget(prefix: str, command: str, target: str, overhead: int = 0) -> int:
    """Bytes left for text in `:prefix COMMAND target :text\\r\\n`.

    `overhead` is what wraps the text itself, e.g. the CTCP ACTION framing.
    """
    fixed = f":{prefix} {command} {target} :\r\n".encode()
    return max(MIN_TEXT_BYTES, LINE_LIMIT - len(fixed) - overhead)


def _cut(text: str, max_bytes: int) -> tuple[str, str]:
    """The longest head of `text` within `max_bytes` (at a space if possible)."""
    encoded = text.encode("utf-8", "surrogateescape")
    if len(encoded) <= max_bytes:
        return text, ""
    head = encoded[:max_bytes].decode("utf-8", "ignore")
    space = head.rfind(" ")
    # Break at a space unless it would leave a tiny piece behind.
    if space > len(head) // 2:
        return head[:space], text[space + 1 :]
    return head, text[len(head) :]


def split_text(text: str, max_bytes: int) -> list[str]:
    """Lines of `text`, each cut to at most `max_bytes` UTF-8 bytes; empty lines dropped."""
    pieces: list[str] = []
    # Only CR and LF end a line: str.splitlines would also cut at \x1d and
    # \x1e, which are IRC's italics and strikethrough codes.
    for line in _LINE_BREAK.split(text):
        rest = line
        while rest:
            head, rest = _cut(rest, max_bytes)
            if head:
                pieces.append(head)
    return pieces
