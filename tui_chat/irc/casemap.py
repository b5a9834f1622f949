"""Case folding and validation of nicks and channel names.

We advertise CASEMAPPING=rfc1459: ASCII letters fold to lower case and
`[]\\~` fold to `{}|^`, so `Foo[1]` and `foo{1}` are the same nick.
"""

from __future__ import annotations

__all__ = [
    "CHANNEL_PREFIXES",
    "MAX_CHANNEL_LENGTH",
    "MAX_NICK_LENGTH",
    "casefold",
    "is_channel",
    "valid_channel",
    "valid_nick",
]

MAX_NICK_LENGTH = 30
MAX_CHANNEL_LENGTH = 50
CHANNEL_PREFIXES = "#&"

_RFC1459 = str.maketrans(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZ[]\\~",
    "abcdefghijklmnopqrstuvwxyz{}|^",
)
_NICK_FIRST = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz[]\\`_^{|}")
_NICK_REST = _NICK_FIRST | frozenset("0123456789-")
_CHANNEL_FORBIDDEN = frozenset(" ,\x07\r\n\0")


def casefold(name: str) -> str:
    """The rfc1459 case-folded form of a nick or channel name."""
    return name.translate(_RFC1459)


def is_channel(target: str) -> bool:
    return bool(target) and target[0] in CHANNEL_PREFIXES


def valid_nick(nick: str, max_length: int = MAX_NICK_LENGTH) -> bool:
    """Nick rules of RFC 2812 (letters, digits, `-` and `[]\\`_^{|}`)."""
    if not nick or len(nick) > max_length:
        return False
    if nick[0] not in _NICK_FIRST:
        return False
    return all(ch in _NICK_REST for ch in nick[1:])


def valid_channel(name: str, max_length: int = MAX_CHANNEL_LENGTH) -> bool:
    if len(name) < 2 or len(name) > max_length or not is_channel(name):
        return False
    return not _CHANNEL_FORBIDDEN.intersection(name)
