"""Channel list entries (+b, +e, +q) compiled once, when they are set.

A mask is either a hostmask glob (`nick!user@host`, completed like other
servers do: `bob` -> `bob!*@*`) or the account extban `~a:<account>`
(UnrealIRCd's letter syntax; ISUPPORT `EXTBAN=~,a`), which matches whoever
is logged in to a matching account whatever nick or host they use. The
account part is a glob too: `~a:*` matches every logged-in user.

The glob is case-folded and split into its nick, user and host parts when
the entry is made, so a check folds and splits only the client's side,
once, however many entries it is tested against, and the usual masks
(`*!*@host`, `nick!*@*`) cost a string comparison or two rather than a
glob walk.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from tui_chat.irc.casemap import casefold
from tui_chat.irc.masks import canonical_mask, match_mask, split_hostmask
from tui_chat.server.limits import MASK_LEN

if TYPE_CHECKING:
    from tui_chat.server.state import Client

__all__ = [
    "ACCOUNT_EXTBAN",
    "EXTBAN_PREFIX",
    "ListEntry",
    "Subject",
    "first_match",
    "make_entry",
    "mask_key",
]

EXTBAN_PREFIX = "~"
# `~a:<account glob>`: matches the logged-in account.
ACCOUNT_EXTBAN = "a"
_ACCOUNT_PREFIX = f"{EXTBAN_PREFIX}{ACCOUNT_EXTBAN}:"
# Characters no mask may hold: a space or comma would break the MODE line it
# travels in, control characters (CTCP, formatting, DEL) have no place in one.
_FORBIDDEN = frozenset(" ,\x7f") | frozenset(map(chr, range(32)))


def _same(text: str) -> str:
    return text


# How one part of a hostmask is matched: anything, equal text, or a glob walk.
ANY, LITERAL, GLOB = 0, 1, 2
Part = tuple[int, str]


def _compile_part(pattern: str) -> Part:
    if pattern == "*":
        return ANY, ""
    return (GLOB if "*" in pattern or "?" in pattern else LITERAL), pattern


def _compile(pattern: str) -> tuple[Part, ...]:
    """A folded `nick!user@host` glob as one matcher per part."""
    return tuple(_compile_part(part) for part in split_hostmask(pattern))


@dataclass(slots=True, eq=False)
class ListEntry:
    """One entry of a channel list; identity matters (expiry finds it by `is`)."""

    mask: str  # as shown in MODE lines and lists
    set_by: str
    set_at: float
    expires: float | None  # epoch seconds, None for never
    pattern: str  # the folded glob
    by_account: bool
    parts: tuple[Part, ...] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.parts = () if self.by_account else _compile(self.pattern)

    def matches(self, subject: Subject) -> bool:
        if self.by_account:
            return subject.account is not None and match_mask(self.pattern, subject.account, _same)
        # Neither a nick nor a user holds "!" or "@", nor a host "@": matching
        # part by part is matching the whole `nick!user@host` glob.
        for (kind, pattern), text in zip(self.parts, subject.parts, strict=True):
            if kind == LITERAL:
                if pattern != text:
                    return False
            elif kind == GLOB and not match_mask(pattern, text, _same):
                return False
        return True


@dataclass(slots=True, frozen=True)
class Subject:
    """A client as list entries see it, folded once per check."""

    source: str
    account: str | None
    parts: tuple[str, str, str] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        nick, user, host = split_hostmask(self.source)
        object.__setattr__(self, "parts", (nick, user, host))

    @classmethod
    def of(cls, client: Client) -> Subject:
        account = casefold(client.account) if client.account is not None else None
        return cls(casefold(client.source), account)


def mask_key(raw: str, max_len: int = MASK_LEN) -> tuple[str, str, bool] | None:
    """(mask as shown, folded pattern, by account) for a mask as typed, or None if invalid.

    Invalid: empty, a control character, space or comma, an unknown extban,
    or longer than `max_len` once completed.
    """
    if not raw or raw[0] == ":" or len(raw) > max_len or any(ch in _FORBIDDEN for ch in raw):
        return None
    if raw[:3].lower() == _ACCOUNT_PREFIX:
        name = raw[3:]
        if not name or "!" in name or "@" in name:
            return None
        return _ACCOUNT_PREFIX + name, casefold(name), True
    if raw[0] == EXTBAN_PREFIX:
        # An extban type we do not have: refuse rather than store a mask
        # that can never match.
        return None
    mask = canonical_mask(raw)
    if len(mask) > max_len:
        return None
    return mask, casefold(mask), False


def make_entry(raw: str, set_by: str, set_at: float, expires: float | None) -> ListEntry | None:
    key = mask_key(raw)
    if key is None:
        return None
    mask, pattern, by_account = key
    return ListEntry(mask, set_by, set_at, expires, pattern, by_account)


def first_match(entries: list[ListEntry], subject: Subject) -> ListEntry | None:
    for entry in entries:
        if entry.matches(subject):
            return entry
    return None
