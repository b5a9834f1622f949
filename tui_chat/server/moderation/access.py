"""Who runs a room once it has emptied: its founder's account and the accounts made op.

Rooms persist (their topic, modes and lists come back when someone joins
again, after a restart or once they emptied), so "whoever joins first gets
op", plain IRC's rule, would hand a room's bans to whoever walks in first.
Instead, as ergo's registered channels do, a room remembers accounts:

- its founder: the account of a logged-in user who created it;
- its op accounts: logged-in members given +o (taken back by -o).

Those accounts get op on every join and pass the room's +b/+i/+k/+l, as
their room's owners. A room with neither (created by a guest, or the default
room) gives op to its first joiner only if it has nothing to guard: no list
entry and none of +i +k +l +m; otherwise nobody gets op but server
operators. A dropped account loses its roles, so whoever registers its
name later inherits no room. Only with a message store: without one a room ends when it
empties, as in plain IRC, and so does what it remembered.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from tui_chat.irc.casemap import casefold

if TYPE_CHECKING:
    from tui_chat.server.state import Channel

__all__ = ["FOUNDER", "GUARD_MODES", "OP", "RoomAccess", "guarded"]

# Roles as stored in the `channel_access` table.
FOUNDER = "founder"
OP = "op"
# Flag modes that keep someone out or silent: an ownerless room holding one
# gives op to nobody, or whoever came first could lift it.
GUARD_MODES = frozenset("im")


@dataclass(slots=True)
class RoomAccess:
    """A room's founder and op accounts, folded."""

    founder: str | None = None
    ops: set[str] = field(default_factory=set)

    def runs(self, account: str | None) -> bool:
        """Whether a client logged in to `account` is one of the room's owners."""
        if account is None:
            return False
        key = casefold(account)
        return key == self.founder or key in self.ops

    def __bool__(self) -> bool:
        return self.founder is not None or bool(self.ops)


def guarded(channel: Channel) -> bool:
    """Whether `channel` keeps anyone out or quiet: lists, +i, +k, +l or +m."""
    return (
        channel.key is not None
        or channel.limit is not None
        or not GUARD_MODES.isdisjoint(channel.modes)
        or any(channel.lists.values())
    )
