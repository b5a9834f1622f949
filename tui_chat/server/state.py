"""The server's state as plain objects: clients, channels, memberships, WHOWAS.

No I/O here. The core and the handlers mutate these objects; `__slots__`
keeps the per-client and per-channel cost small, since a server holds
thousands of them.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import TYPE_CHECKING

from tui_chat.irc.casemap import casefold

if TYPE_CHECKING:
    from tui_chat.server.core import Transport
    from tui_chat.server.flood import FloodGate
    from tui_chat.server.moderation.entries import ListEntry

# Prefix modes from highest to lowest rank, with their NAMES symbol.
PREFIXES = (("o", "@"), ("v", "+"))
# Channel modes by ISUPPORT CHANMODES class: list, always a parameter,
# a parameter when set, never a parameter.
# List modes: b ban, e ban exception, q quiet (tui_chat/server/moderation).
LIST_MODES = "beq"
PARAM_MODES = "k"
SET_PARAM_MODES = "l"
FLAG_MODES = "imnst"
USER_MODES = "io"
NO_FLAGS: frozenset[str] = frozenset()


class _NoChannels(dict[str, "Channel"]):
    """The channel map of every client in no channel: shared, so never filled.

    An empty dict per idle client costs 64 bytes; joining gives the client a
    dict of its own (`Client.joined`). Filling this one by mistake raises
    instead of putting every such client in the channel.
    """

    __slots__ = ()

    def __setitem__(self, key: str, value: Channel) -> None:
        raise TypeError("a client's first channel goes in through Client.joined")

    def setdefault(self, key: str, default: Channel | None = None) -> Channel:  # type: ignore[override]
        raise TypeError("a client's first channel goes in through Client.joined")

    def update(self, *args: object, **kwargs: object) -> None:
        raise TypeError("a client's first channel goes in through Client.joined")


NO_CHANNELS: dict[str, Channel] = _NoChannels()


class Client:
    """One connection, registered or not."""

    __slots__ = (
        "account",
        "address_key",
        "away",
        "buffer",
        "cap_negotiating",
        "cap_version",
        "caps",
        "channels",
        "connected_at",
        "discarding",
        "flood",
        "folded",
        "form",
        "gone",
        "host",
        "last_activity",
        "last_message",
        "modes",
        "nick",
        "outbox",
        "pass_ok",
        "pending",
        "pending_size",
        "ping_sent",
        "port",
        "realname",
        "registered",
        "tls",
        "transport",
        "user",
    )

    def __init__(self, transport: Transport, host: str, port: int, tls: bool, now: float) -> None:
        self.transport = transport
        self.host = host
        self.port = port
        self.tls = tls
        self.nick = "*"
        self.folded = ""
        self.user = ""
        self.realname = ""
        self.registered = False
        self.pass_ok = False
        self.cap_negotiating = False
        self.cap_version = 0
        # Frozen and shared while empty: most clients never change them, and a
        # set per client would cost hundreds of bytes on a server of thousands.
        self.caps: frozenset[str] = NO_FLAGS
        self.form = 0
        self.modes: frozenset[str] = NO_FLAGS
        self.away: str | None = None
        # Folded name -> channel; the shared NO_CHANNELS while in none.
        self.channels: dict[str, Channel] = NO_CHANNELS
        # Bytes received after the last LF.
        self.buffer = b""
        self.discarding = False
        self.connected_at = now
        self.last_activity = now
        self.last_message = now
        self.ping_sent = False
        self.gone = False
        # While a labeled command runs, replies to this client collect here.
        self.outbox: list[bytes] | None = None
        # Lines written this loop iteration, sent in one transport write at its
        # end (ServerCore.flush); None when nothing waits. `pending_size` is
        # their byte count, which the send-queue limit includes.
        self.pending: list[bytes] | None = None
        self.pending_size = 0
        # Input throttle; None for a trusted address (no flood control).
        self.flood: FloodGate | None = None
        # What per-address connection limits count this client under; None
        # for a trusted address.
        self.address_key: str | None = None
        # The account this connection is logged in to (as registered, not
        # folded); None when not logged in.
        self.account: str | None = None

    def joined(self, channel: Channel) -> None:
        """Record a membership (the channel's side is the caller's)."""
        if self.channels is NO_CHANNELS:
            self.channels = {}
        self.channels[channel.folded] = channel

    def parted(self, folded: str) -> None:
        """Forget a membership; the last one gives back the client's own dict."""
        channels = self.channels
        channels.pop(folded, None)
        if not channels:
            self.channels = NO_CHANNELS

    @property
    def source(self) -> str:
        return f"{self.nick}!{self.user}@{self.host}"

    @property
    def is_oper(self) -> bool:
        return "o" in self.modes

    def __repr__(self) -> str:
        return f"<Client {self.nick} {self.host}:{self.port}>"


class Channel:
    """One channel: members with their prefix modes, topic, modes, lists."""

    __slots__ = (
        "created",
        "folded",
        "invites",
        "key",
        "limit",
        "lists",
        "members",
        "modes",
        "name",
        "topic",
        "topic_by",
        "topic_time",
    )

    def __init__(self, name: str, now: float) -> None:
        self.name = name
        self.folded = casefold(name)
        self.created = now
        # member -> its prefix modes ("o", "v", "ov"...)
        self.members: dict[Client, str] = {}
        self.modes: set[str] = {"n", "t"}
        self.key: str | None = None
        self.limit: int | None = None
        self.topic = ""
        self.topic_by = ""
        self.topic_time = 0.0
        # List mode letter -> its entries; the server's moderation registry
        # hands a new channel its saved lists (moderation.Moderation.lists_for).
        self.lists: dict[str, list[ListEntry]] = {mode: [] for mode in LIST_MODES}
        # Folded nicks invited past +i; spent on join.
        self.invites: set[str] = set()

    def is_op(self, client: Client) -> bool:
        return "o" in self.members.get(client, "")

    def can_speak(self, client: Client) -> bool:
        return bool(self.members.get(client, ""))

    def prefix(self, client: Client, multi: bool) -> str:
        modes = self.members.get(client, "")
        symbols = [symbol for mode, symbol in PREFIXES if mode in modes]
        if not multi:
            symbols = symbols[:1]
        return "".join(symbols)

    def mode_string(self, show_key: bool) -> tuple[str, list[str]]:
        letters = "".join(sorted(self.modes))
        params: list[str] = []
        if self.key is not None:
            letters += "k"
            params.append(self.key if show_key else "*")
        if self.limit is not None:
            letters += "l"
            params.append(str(self.limit))
        return "+" + letters, params


@dataclass(frozen=True, slots=True)
class WhowasEntry:
    nick: str
    user: str
    host: str
    realname: str
    server: str
    when: float


class Whowas:
    """The last `size` departures, newest first on lookup."""

    __slots__ = ("_entries",)

    def __init__(self, size: int) -> None:
        self._entries: deque[WhowasEntry] = deque(maxlen=size)

    def add(self, entry: WhowasEntry) -> None:
        self._entries.append(entry)

    def lookup(self, nick: str, count: int = 0) -> list[WhowasEntry]:
        folded = casefold(nick)
        found = [e for e in reversed(self._entries) if casefold(e.nick) == folded]
        return found[:count] if count > 0 else found
