"""What a client session tells its user interface.

The session turns IRC lines into these plain, immutable events; the TUI
renders them and never sees a raw IRC line. Nothing here imports Textual.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum


class ConnState(Enum):
    CONNECTING = "connecting"
    REGISTERING = "registering"
    CONNECTED = "connected"
    RECONNECTING = "reconnecting"
    DISCONNECTED = "disconnected"


class MessageKind(Enum):
    PRIVMSG = "privmsg"
    NOTICE = "notice"
    ACTION = "action"


@dataclass(frozen=True, slots=True)
class Event:
    """Base of every event; `time` is server-time when the server sent it."""


@dataclass(frozen=True, slots=True)
class ConnectionStateChanged(Event):
    state: ConnState
    detail: str = ""
    # Seconds until the next attempt, while RECONNECTING.
    retry_in: float | None = None
    # True when the session gave up for good (bad password, banned, user quit).
    fatal: bool = False
    # While RECONNECTING: when the server last sent anything (UTC), which is
    # when the outage began; a dead link is only noticed a ping timeout later.
    offline_since: datetime | None = None


@dataclass(frozen=True, slots=True)
class Registered(Event):
    nick: str
    server: str
    network: str | None = None
    # The account we are logged in to (SASL while connecting), if any.
    account: str | None = None
    # Whether the server takes REGISTER (draft/account-registration) and logins (sasl).
    can_register: bool = False
    can_login: bool = False


@dataclass(frozen=True, slots=True)
class AccountChanged(Event):
    """`nick` logged in to `account`, or out (None): 900/901 for us, ACCOUNT for others."""

    nick: str
    account: str | None
    is_self: bool = False


@dataclass(frozen=True, slots=True)
class AccountRegistered(Event):
    """REGISTER (or VERIFY) succeeded: `account` exists, and we are logged in to it,
    unless `needs_verification` (the server's `message` says what to do)."""

    account: str
    message: str = ""
    needs_verification: bool = False


@dataclass(frozen=True, slots=True)
class LoginFailed(Event):
    """A login was refused or could not start; `reason` says why.

    `while_connecting`: it was the login made while connecting (a remembered
    login, or --account); the connection then goes on without it.
    """

    reason: str
    code: str = ""
    while_connecting: bool = False


@dataclass(frozen=True, slots=True)
class GuestRenamed(Event):
    """The server renamed us from `wanted` to `guest` while we were not logged in,
    most likely because `wanted` belongs to an account: logging in takes it back."""

    wanted: str
    guest: str


@dataclass(frozen=True, slots=True)
class LagMeasured(Event):
    """Round trip of our last PING, or how long the current one has waited so far."""

    ms: float
    # True while the PING is still unanswered: `ms` keeps climbing (reported
    # each lag_report_interval) until the answer or the ping timeout.
    unanswered: bool = False


@dataclass(frozen=True, slots=True)
class Member:
    nick: str
    # Highest first, e.g. "@+" with multi-prefix.
    prefixes: str = ""
    away: bool = False
    userhost: str | None = None
    account: str | None = None
    realname: str | None = None


@dataclass(frozen=True, slots=True)
class SelfJoined(Event):
    room: str


@dataclass(frozen=True, slots=True)
class SelfParted(Event):
    room: str
    reason: str = ""


@dataclass(frozen=True, slots=True)
class SelfKicked(Event):
    room: str
    by: str
    reason: str = ""


@dataclass(frozen=True, slots=True)
class MembersChanged(Event):
    """The full member list of `room` after NAMES or any join/part/mode."""

    room: str
    members: tuple[Member, ...]


@dataclass(frozen=True, slots=True)
class UserJoined(Event):
    room: str
    nick: str
    userhost: str | None = None
    account: str | None = None
    realname: str | None = None
    time: datetime | None = None


@dataclass(frozen=True, slots=True)
class UserParted(Event):
    room: str
    nick: str
    reason: str = ""
    time: datetime | None = None


@dataclass(frozen=True, slots=True)
class UserKicked(Event):
    room: str
    nick: str
    by: str
    reason: str = ""
    time: datetime | None = None


@dataclass(frozen=True, slots=True)
class UserQuit(Event):
    nick: str
    reason: str
    # The rooms the user was seen in, so each can show the quit.
    rooms: tuple[str, ...] = ()
    time: datetime | None = None


@dataclass(frozen=True, slots=True)
class NickChanged(Event):
    old: str
    new: str
    rooms: tuple[str, ...] = ()
    is_self: bool = False
    time: datetime | None = None


@dataclass(frozen=True, slots=True)
class MessageReceived(Event):
    """A PRIVMSG, NOTICE or CTCP ACTION.

    `target` is where it belongs in the UI: the room for a channel message,
    the other person's nick for a private one (also for our own echoed
    private messages).
    """

    target: str
    sender: str
    text: str
    kind: MessageKind = MessageKind.PRIVMSG
    time: datetime | None = None
    msgid: str | None = None
    is_self: bool = False
    is_private: bool = False
    mentions_me: bool = False
    tags: dict[str, str] = field(default_factory=dict)
    # Replayed from the server's history (a chathistory batch), not said just now.
    is_history: bool = False


@dataclass(frozen=True, slots=True)
class MessagePending(Event):
    """One of our messages is on its way but not yet confirmed (servers with echo-message).

    Show it dimmed in `target`'s window. The confirmation is the
    MessageReceived with `is_self` whose `tags["+tui-chat/idem"]` equals
    `key` (the server's echo, or the history copy after a reconnect): it comes
    once, carrying the msgid and server time, and should take the pending
    line's place. A pending message outlives reconnects (it is resent with
    the same key); only when the session ends for good are the unconfirmed
    ones reported in one ErrorReply.
    """

    target: str
    text: str
    key: str
    kind: MessageKind = MessageKind.PRIVMSG


@dataclass(frozen=True, slots=True)
class TopicChanged(Event):
    room: str
    topic: str
    set_by: str | None = None
    time: datetime | None = None
    # False for the topic shown on join (332/333), True when someone changed it.
    changed_now: bool = False


@dataclass(frozen=True, slots=True)
class ModeChanged(Event):
    target: str
    by: str
    modes: str
    args: tuple[str, ...] = ()
    time: datetime | None = None


@dataclass(frozen=True, slots=True)
class AwayChanged(Event):
    nick: str
    message: str | None


@dataclass(frozen=True, slots=True)
class Invited(Event):
    room: str
    by: str


@dataclass(frozen=True, slots=True)
class HistoryBatchEnded(Event):
    """A history reply for `target` is complete: it held `count` messages.

    Fewer than asked for means the server has nothing older. Messages already
    delivered (same msgid, live or in an earlier reply) count here but were
    not repeated as MessageReceived.
    """

    target: str
    count: int


@dataclass(frozen=True, slots=True)
class ServerInfo(Event):
    """Informational text for the current window (MOTD, WHOIS, LIST...)."""

    text: str
    code: str = ""


@dataclass(frozen=True, slots=True)
class ErrorReply(Event):
    """An error numeric or FAIL, already turned into a sentence.

    `key` is set when the error refused one of our pending messages
    (MessagePending.key): that message will not be confirmed or resent.
    """

    text: str
    code: str = ""
    target: str | None = None
    key: str | None = None
