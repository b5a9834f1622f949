"""What a client session knows: its nick, the connection, rooms and members.

Plain objects without I/O. The session mutates them as lines arrive; the UI
may read them at any time from the session's thread. Rooms and members are
keyed by their case-folded names (the server's CASEMAPPING), so `#Lobby`
and `#lobby` are one room; use `SessionState.room()` and
`SessionState.member()` to look names up as the user typed them.
"""

from __future__ import annotations

from collections import deque
from dataclasses import InitVar, dataclass, field, replace

from tui_chat.client.events import ConnState, Member
from tui_chat.client.ignores import ignored_by
from tui_chat.client.isupport import Isupport
from tui_chat.client.pending import PENDING_LIMIT, PendingMessages
from tui_chat.irc.masks import join_hostmask

__all__ = [
    "LEFT_MEMBERS_KEPT",
    "SEEN_MSGIDS_PER_TARGET",
    "RecentIds",
    "RoomState",
    "SessionState",
    "change_prefix",
    "ranked_prefixes",
]

# Message ids remembered per room or conversation, so a message that comes
# both live and in a history reply is shown once.
SEEN_MSGIDS_PER_TARGET = 1000
# People remembered after they parted, quit or were kicked (the most recent
# ones), so /ban and /unban of someone who just left still know the host
# and account to name.
LEFT_MEMBERS_KEPT = 200


class RecentIds:
    """The last `limit` ids added, with O(1) membership."""

    def __init__(self, limit: int = SEEN_MSGIDS_PER_TARGET) -> None:
        self._order: deque[str] = deque()
        self._ids: set[str] = set()
        self._limit = limit

    def add(self, msgid: str) -> bool:
        """Remember `msgid`; False if it was already known."""
        if msgid in self._ids:
            return False
        self._ids.add(msgid)
        self._order.append(msgid)
        if len(self._order) > self._limit:
            self._ids.discard(self._order.popleft())
        return True


def ranked_prefixes(symbols: str, order: str) -> str:
    """`symbols` in the server's rank order (highest first), unknown ones dropped."""
    return "".join(s for s in order if s in symbols)


def change_prefix(current: str, symbol: str, adding: bool, order: str) -> str:
    """Add or remove one prefix symbol, keeping them in rank order."""
    symbols = current + symbol if adding else current.replace(symbol, "")
    return ranked_prefixes(symbols, order)


@dataclass
class RoomState:
    name: str
    topic: str = ""
    topic_set_by: str | None = None
    # Case-folded nick -> Member.
    members: dict[str, Member] = field(default_factory=dict)
    # False once we were kicked or the connection dropped: the room is kept
    # (its window stays) but has no members and is not re-joined by itself.
    joined: bool = True

    def leave(self) -> None:
        """We are no longer in the room: nobody is known to be in it."""
        self.joined = False
        self.members = {}

    def enter(self) -> bool:
        """We (re)joined: forget what the last stay knew; True if a topic was forgotten.

        Servers send no topic on join when there is none, so an old one would
        otherwise stay shown after it was cleared, or after the server restarted.
        """
        had_topic = bool(self.topic)
        self.joined = True
        self.members = {}
        self.topic, self.topic_set_by = "", None
        return had_topic

    def sorted_members(self, rank_order: str) -> tuple[Member, ...]:
        """Members by rank (ops first), then by nick, as a user list shows them."""

        def rank(member: Member) -> tuple[int, str]:
            top = member.prefixes[:1]
            known = bool(top) and top in rank_order
            return (rank_order.index(top) if known else len(rank_order), member.nick.lower())

        return tuple(sorted(self.members.values(), key=rank))


@dataclass
class SessionState:
    nick: str
    conn_state: ConnState = ConnState.DISCONNECTED
    lag_ms: float | None = None
    caps: set[str] = field(default_factory=set)
    isupport: Isupport = field(default_factory=Isupport)
    # Case-folded room name -> RoomState, including rooms we were kicked
    # from or lost with the connection (`joined` False) until we part them.
    rooms: dict[str, RoomState] = field(default_factory=dict)
    server: str | None = None
    # Our own `nick!user@host` as the server shows it, once seen.
    userhost: str | None = None
    away_message: str | None = None
    # The account we are logged in to (900/901, REGISTER SUCCESS), None when not.
    account: str | None = None
    # Capability name -> value of what the server offers (e.g. "sasl": "PLAIN,SCRAM-SHA-256").
    offered_caps: dict[str, str] = field(default_factory=dict)
    # Folded nicks we asked for with NICK since the last change of our nick:
    # a change to any other is the server's doing (a guest rename).
    nicks_asked: set[str] = field(default_factory=set)
    # Folded room or nick -> msgid of the newest live message seen there; kept
    # across reconnects so history can fill exactly the gap.
    last_msgids: dict[str, str] = field(default_factory=dict)
    # Folded room or nick -> ids of the messages already delivered there.
    seen_msgids: dict[str, RecentIds] = field(default_factory=dict)
    # `nick!user@host` masks and `~a:account` entries (client/ignores.py)
    # whose messages, notices and invites are dropped.
    ignored: list[str] = field(default_factory=list)
    # Folded nick -> the Member as last seen in a room, for people who left it
    # (the newest LEFT_MEMBERS_KEPT, oldest first).
    left_members: dict[str, Member] = field(default_factory=dict)
    # A refused SCRAM login was tried again with PLAIN: once per session, so a
    # wrong password costs two failed logins once, not on every attempt.
    plain_fallback_tried: bool = False
    # Most unconfirmed messages kept in `pending`.
    pending_limit: InitVar[int] = PENDING_LIMIT
    # Our messages not yet echoed back; kept across reconnects to be resent.
    pending: PendingMessages = field(init=False)

    def __post_init__(self, pending_limit: int) -> None:
        self.pending = PendingMessages(self.fold, pending_limit)

    @property
    def network(self) -> str | None:
        return self.isupport.network

    def fold(self, name: str) -> str:
        return self.isupport.casefold(name)

    def is_me(self, nick: str | None) -> bool:
        return nick is not None and self.fold(nick) == self.fold(self.nick)

    def first_sight(self, target: str, msgid: str) -> bool:
        """Record that `msgid` reached `target`; False if it had already."""
        return self.seen_msgids.setdefault(self.fold(target), RecentIds()).add(msgid)

    def is_ignored(self, source: str) -> bool:
        if not self.ignored:
            return False
        full = source if "!" in source else join_hostmask(source, "*", "*")
        return ignored_by(self.ignored, full, self.account_of(full.partition("!")[0]), self.fold)

    def account_of(self, nick: str) -> str | None:
        """The account `nick` is logged in to, as a room we share with them shows it."""
        folded = self.fold(nick)
        for room in self.rooms.values():
            member = room.members.get(folded)
            if member is not None and member.account:
                return member.account
        return None

    def room(self, name: str) -> RoomState | None:
        return self.rooms.get(self.fold(name))

    def add_room(self, name: str) -> RoomState:
        return self.rooms.setdefault(self.fold(name), RoomState(name))

    def remove_room(self, name: str) -> RoomState | None:
        return self.rooms.pop(self.fold(name), None)

    def joined_rooms(self) -> list[RoomState]:
        return [room for room in self.rooms.values() if room.joined]

    def leave_all_rooms(self) -> None:
        """The connection is gone: every room is left, but remembered with its topic."""
        for room in self.rooms.values():
            room.leave()

    def member(self, room: RoomState, nick: str) -> Member | None:
        return room.members.get(self.fold(nick))

    def put_member(self, room: RoomState, member: Member) -> None:
        room.members[self.fold(member.nick)] = member

    def remove_member(self, room: RoomState, nick: str) -> Member | None:
        folded = self.fold(nick)
        member = room.members.pop(folded, None)
        if member is not None:
            self.left_members.pop(folded, None)
            self.left_members[folded] = member
            if len(self.left_members) > LEFT_MEMBERS_KEPT:
                del self.left_members[next(iter(self.left_members))]
        return member

    def rooms_with(self, nick: str) -> list[RoomState]:
        folded = self.fold(nick)
        return [room for room in self.rooms.values() if folded in room.members]

    def update_member_everywhere(self, nick: str, **changes: object) -> list[RoomState]:
        """Apply field changes to `nick` in every room; return the rooms touched."""
        touched = self.rooms_with(nick)
        folded = self.fold(nick)
        for room in touched:
            room.members[folded] = replace(room.members[folded], **changes)  # type: ignore[arg-type]
        return touched

    def rename_member(self, old: str, new: str) -> list[RoomState]:
        touched = self.rooms_with(old)
        old_folded = self.fold(old)
        for room in touched:
            member = room.members.pop(old_folded)
            room.members[self.fold(new)] = replace(member, nick=new)
        return touched
