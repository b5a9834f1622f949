"""The plain objects the store takes and gives back: no SQL, no threads.

A `Conversation` says where a message belongs: a channel, by its case-folded
name, or a private conversation, by the sorted pair of its two participants'
identities. The pair is the whole permission model for private history: a
reader can only name a private conversation it is a party of, so nobody else
can even address it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum

from tui_chat.irc.casemap import casefold

__all__ = [
    "ChannelState",
    "Conversation",
    "HistoryRecord",
    "StoreResult",
    "StoreStatus",
    "TargetSummary",
]


@dataclass(frozen=True, slots=True)
class Conversation:
    """Where a message is filed. Build one with `channel` or `private`."""

    key: str
    # The two participants' identities (sorted) for a private conversation.
    parties: tuple[str, str] | None = None

    @classmethod
    def channel(cls, name: str, fold: Callable[[str], str] = casefold) -> Conversation:
        """A channel's conversation; ValueError for a name no channel can have.

        Refusing a space keeps a channel key from ever equalling a private pair's.
        """
        if not name or " " in name or "\0" in name:
            raise ValueError(f"not a channel name: {name!r}")
        return cls(fold(name))

    @classmethod
    def private(cls, one: str, other: str) -> Conversation:
        """The conversation of two identities (accounts, or folded nicks without one).

        A space cannot occur in a nick, an account or a channel name, so the
        joined pair never collides with a channel's key, nor with another pair.
        """
        if any(not who or " " in who for who in (one, other)):
            raise ValueError(f"not a nick or account: {one!r}, {other!r}")
        low, high = sorted((one, other))
        return cls(f"{low} {high}", (low, high))


@dataclass(frozen=True, slots=True)
class HistoryRecord:
    """One stored message, as it was relayed."""

    msgid: str
    time_ms: int  # server-time, milliseconds since the Unix epoch, UTC
    command: str  # PRIVMSG, NOTICE, TOPIC, or an event: JOIN, PART, KICK, QUIT, NICK, MODE
    source: str  # nick!user@host
    target: str  # the target parameter as it was relayed
    text: str | None  # the trailing parameter; None for TAGMSG
    account: str | None = None
    # Client-only tags (`+typing`...), relayed with the message.
    tags: dict[str, str] = field(default_factory=dict)
    # An event's parameters as relayed (draft/event-playback: JOIN, PART,
    # KICK, QUIT, NICK, MODE), when they are not `target` and `text`.
    params: tuple[str, ...] | None = None


class StoreStatus(Enum):
    STORED = "stored"
    # The sender's idempotency key was seen before in this conversation:
    # nothing was stored; `StoreResult.msgid` is the first copy's msgid.
    DUPLICATE = "duplicate"
    # The database refused the write (disk full, I/O error...); not stored.
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class StoreResult:
    status: StoreStatus
    msgid: str
    error: str | None = None
    # A DUPLICATE's first copy, as stored: the resend is echoed as that.
    time_ms: int | None = None
    text: str | None = None


@dataclass(frozen=True, slots=True)
class TargetSummary:
    """One line of a CHATHISTORY TARGETS reply."""

    # The channel key, or for a private conversation the other party's identity.
    target: str
    latest_ms: int


@dataclass(frozen=True, slots=True)
class ChannelState:
    """What a channel keeps across restarts."""

    name: str  # as created, e.g. "#Lobby"
    topic: str = ""
    topic_setter: str = ""
    topic_time_ms: int = 0
    # Mode letters to their parameter ("" for flags), e.g. {"n": "", "k": "pw"}.
    modes: dict[str, str] = field(default_factory=dict)
