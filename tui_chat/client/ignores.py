"""What /ignore keeps: `nick!user@host` globs, and accounts written `~a:name`.

An account entry hides a logged-in person whatever nick or address they use;
a mask hides whoever it matches. `~a:` is our server's account extban, so an
entry reads like the ban list; solanum's `$a:` is accepted when typed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from tui_chat.irc.masks import canonical_mask, match_mask

__all__ = ["ACCOUNT_PREFIX", "ignore_entry", "ignored_by", "nick_entry"]

ACCOUNT_PREFIX = "~a:"
_ACCOUNT_PREFIXES = (ACCOUNT_PREFIX, "$a:")


def ignore_entry(text: str) -> str:
    """`text` as an entry: `~a:account`, or a mask completed to `nick!user@host`."""
    for prefix in _ACCOUNT_PREFIXES:
        if text.startswith(prefix) and len(text) > len(prefix):
            return ACCOUNT_PREFIX + text[len(prefix) :]
    return canonical_mask(text)


def nick_entry(nick: str) -> str:
    """The entry ignoring whoever uses `nick`; it follows that person's nick changes."""
    return f"{nick}!*@*"


def ignored_by(
    entries: Iterable[str], source: str, account: str | None, fold: Callable[[str], str]
) -> bool:
    """Whether `source` (nick!user@host), logged in to `account` if known, is ignored."""
    for entry in entries:
        if entry.startswith(ACCOUNT_PREFIX):
            if account is not None and fold(entry[len(ACCOUNT_PREFIX) :]) == fold(account):
                return True
        elif match_mask(entry, source, fold):
            return True
    return False
