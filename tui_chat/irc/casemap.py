"""Case folding and validation of nicks and channel names.

We advertise CASEMAPPING=rfc1459: ASCII letters fold to lower case and
`[]\\~` fold to `{}|^`, so `Foo[1]` and `foo{1}` are the same nick.
`casefolder` gives the folding for whatever CASEMAPPING another server
advertises, for a client talking to it.
"""

from __future__ import annotations

from collections.abc import Callable

__all__ = [
    "CHANNEL_PREFIXES",
    "MAX_CHANNEL_LENGTH",
    "MAX_NICK_LENGTH",
    "NICK_CHARACTERS",
    "casefold",
    "casefolder",
    "is_channel",
    "valid_channel",
    "valid_nick",
]

# Defaults we advertise as NICKLEN and CHANNELLEN; callers pass `max_length`
# to use a configured or another server's value.
MAX_NICK_LENGTH = 30
MAX_CHANNEL_LENGTH = 50
# Our CHANTYPES; a client passes the server's own as `chantypes`.
CHANNEL_PREFIXES = "#&"

_RFC1459 = str.maketrans(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZ[]\\~",
    "abcdefghijklmnopqrstuvwxyz{}|^",
)
_STRICT_RFC1459 = str.maketrans(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZ[]\\",
    "abcdefghijklmnopqrstuvwxyz{}|",
)
_ASCII = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
_NICK_FIRST = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz[]\\`_^{|}")
_NICK_REST = _NICK_FIRST | frozenset("0123456789-")
# Every character a nick may hold (RFC 2812), e.g. to find where a nick ends in text.
NICK_CHARACTERS = "".join(sorted(_NICK_REST))
_CHANNEL_FORBIDDEN = frozenset(" ,\x07\r\n\0")


def casefold(name: str) -> str:
    """The rfc1459 case-folded form of a nick or channel name."""
    return name.translate(_RFC1459)


def casefolder(casemapping: str) -> Callable[[str], str]:
    """The folding function for an ISUPPORT CASEMAPPING value.

    Unknown values fall back to rfc1459, the historical default. The
    PRECIS mappings (rfc7613/rfc8265) are approximated by str.casefold.
    """
    mapping = casemapping.lower()
    if mapping == "ascii":
        return lambda name: name.translate(_ASCII)
    if mapping == "strict-rfc1459":
        return lambda name: name.translate(_STRICT_RFC1459)
    if mapping in ("rfc7613", "rfc8265"):
        return str.casefold
    return casefold


def is_channel(target: str, chantypes: str = CHANNEL_PREFIXES) -> bool:
    """Whether `target` names a channel; pass a server's CHANTYPES for others."""
    return bool(target) and target[0] in chantypes


def valid_nick(nick: str, max_length: int = MAX_NICK_LENGTH) -> bool:
    """Nick rules of RFC 2812 (letters, digits, `-` and `[]\\`_^{|}`)."""
    if not nick or len(nick) > max_length:
        return False
    if nick[0] not in _NICK_FIRST:
        return False
    return all(ch in _NICK_REST for ch in nick[1:])


def valid_channel(
    name: str, max_length: int = MAX_CHANNEL_LENGTH, chantypes: str = CHANNEL_PREFIXES
) -> bool:
    """A channel prefix, then at least one character, none of space, comma or BEL."""
    if len(name) < 2 or len(name) > max_length or not is_channel(name, chantypes):
        return False
    return not _CHANNEL_FORBIDDEN.intersection(name)
