"""Hostmasks (`nick!user@host`) and the glob masks that match them (bans).

A mask uses `*` (any run, also empty) and `?` (exactly one character); every
other character is literal, `\\` included, because `\\` is legal in nicks.
Matching is case-insensitive under the casemapping we advertise (rfc1459).

The matcher is the linear-backtracking wildcard algorithm, not a regex: a
hostile ban mask like `*a*a*a*a*b` cannot make it take exponential time.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from tui_chat.irc.casemap import casefold

__all__ = [
    "Hostmask",
    "canonical_mask",
    "join_hostmask",
    "match_mask",
    "split_hostmask",
]


class Hostmask(NamedTuple):
    """The parts of a source; a missing part is ""."""

    nick: str
    user: str
    host: str


def split_hostmask(source: str) -> Hostmask:
    """Split `nick!user@host`; tolerant of missing parts (`nick@host`, `nick!user`)."""
    # Neither nick nor user may hold an "@", so the first one starts the host.
    nick_user, _, host = source.partition("@")
    nick, _, user = nick_user.partition("!")
    return Hostmask(nick, user, host)


def join_hostmask(nick: str, user: str, host: str) -> str:
    return f"{nick}!{user}@{host}"


def canonical_mask(mask: str) -> str:
    """Complete a partial ban mask to `nick!user@host`, as servers store bans.

    `nick` -> `nick!*@*`, `user@host` -> `*!user@host`, `nick!user` -> `nick!user@*`.
    """
    nick_user, at, host = mask.partition("@")
    nick, bang, user = nick_user.partition("!")
    if not bang and at:
        # "user@host": the part before "@" is the user, not a nick.
        nick, user = "*", nick
    return join_hostmask(nick or "*", user or "*", host or "*")


def match_mask(mask: str, target: str, fold: Callable[[str], str] = casefold) -> bool:
    """Whether `target` matches the glob `mask`, compared after `fold`."""
    pattern = fold(mask)
    text = fold(target)
    p = t = 0
    # Where the last "*" was and which text position it is currently eating
    # up to: on a mismatch we let that star take one more character.
    star_p = -1
    star_t = 0
    n_pattern = len(pattern)
    n_text = len(text)
    while t < n_text:
        if p < n_pattern and (pattern[p] == "?" or pattern[p] == text[t]):
            p += 1
            t += 1
        elif p < n_pattern and pattern[p] == "*":
            star_p = p
            star_t = t
            p += 1
        elif star_p >= 0:
            p = star_p + 1
            star_t += 1
            t = star_t
        else:
            return False
    while p < n_pattern and pattern[p] == "*":
        p += 1
    return p == n_pattern
