"""Server-wide bans (UBAN): by address or network, by hostmask, by account.

What a target is follows ergo's UBAN: anything with `!` or `@` is a
hostmask (completed as channel bans are), anything that parses as an IP
address or CIDR network is an address ban, the rest is an account name.

An address ban refuses a connection right after accept, before it says
anything; a hostmask ban refuses a registration; an account ban a login.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from tui_chat.irc.casemap import casefold, valid_nick
from tui_chat.irc.hostname import Address, peer_ip
from tui_chat.server.limits import MASK_LEN
from tui_chat.server.moderation.entries import ListEntry, Subject, make_entry, mask_key

if TYPE_CHECKING:
    from tui_chat.server.state import Client

__all__ = ["BanKind", "ServerBan", "ServerBans", "Target", "parse_target"]

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class BanKind(StrEnum):
    ADDRESS = "address"
    MASK = "mask"
    ACCOUNT = "account"


@dataclass(slots=True, eq=False)
class ServerBan:
    kind: BanKind
    target: str  # as shown: "10.0.0.0/8", "*!*@evil.example", "mallory"
    reason: str
    set_by: str
    set_at: float
    expires: float | None
    # What matches: a network for an address ban, else a compiled entry
    # (a hostmask glob, or `~a:<account>`).
    network: Network | None
    entry: ListEntry | None

    @classmethod
    def on(
        cls, target: Target, reason: str, set_by: str, set_at: float, expires: float | None
    ) -> ServerBan:
        return cls(
            target.kind, target.shown, reason, set_by, set_at, expires, target.network, target.entry
        )

    @property
    def key(self) -> tuple[BanKind, str]:
        return key_of(self.kind, self.target)

    def matches(self, client: Client) -> bool:
        if self.network is not None:
            address = peer_ip(client.host)
            return address is not None and address in self.network
        return self.entry is not None and self.entry.matches(Subject.of(client))


def key_of(kind: BanKind, target: str) -> tuple[BanKind, str]:
    """What tells two bans apart: the same target in any case is one ban."""
    return kind, casefold(target)


@dataclass(slots=True, frozen=True)
class Target:
    kind: BanKind
    shown: str  # "10.0.0.0/8", "*!*@evil.example", "mallory"
    network: Network | None
    entry: ListEntry | None


def parse_target(text: str, max_len: int = MASK_LEN) -> Target | None:
    """What a UBAN target names, or None when it is none of the three.

    An account is a nick-like name, so a malformed address (`10.0.0.0/33`,
    `300.1.1.1`) is None, never taken for an account that bans nobody.
    """
    if "!" in text or "@" in text:
        key = mask_key(text, max_len)
        if key is None or key[2]:
            return None
        entry = ListEntry(key[0], "", 0.0, None, key[1], False)
        return Target(BanKind.MASK, entry.mask, None, entry)
    try:
        network = ipaddress.ip_network(text, strict=False)
    except ValueError:
        network = None
    if network is not None:
        if network.prefixlen == network.max_prefixlen:
            return Target(BanKind.ADDRESS, str(network.network_address), network, None)
        return Target(BanKind.ADDRESS, str(network), network, None)
    entry = make_entry(f"~a:{text}", "", 0.0, None)
    if entry is None or not valid_nick(text, max_len):
        return None
    return Target(BanKind.ACCOUNT, text, None, entry)


class ServerBans:
    """The server's bans by (kind, key); a few thousand at most, so scans are fine."""

    def __init__(self) -> None:
        self._bans: dict[tuple[BanKind, str], ServerBan] = {}
        self._addresses: list[ServerBan] = []

    def __len__(self) -> int:
        return len(self._bans)

    def listing(self) -> list[ServerBan]:
        """Oldest first."""
        return sorted(self._bans.values(), key=lambda b: b.set_at)

    def get(self, kind: BanKind, target: str) -> ServerBan | None:
        return self._bans.get(key_of(kind, target))

    def add(self, ban: ServerBan) -> ServerBan | None:
        """Add or replace; the ban replaced, if any."""
        old = self._bans.get(ban.key)
        self._bans[ban.key] = ban
        self._addresses = [b for b in self._bans.values() if b.network is not None]
        return old

    def remove(self, ban: ServerBan) -> bool:
        if self._bans.get(ban.key) is not ban:
            return False
        del self._bans[ban.key]
        self._addresses = [b for b in self._bans.values() if b.network is not None]
        return True

    def for_address(self, address: Address | None) -> ServerBan | None:
        if address is None:
            return None
        for ban in self._addresses:
            network = ban.network
            if network is not None and address in network:
                return ban
        return None

    def for_subject(self, subject: Subject) -> ServerBan | None:
        """A hostmask or account ban matching `subject`."""
        for ban in self._bans.values():
            if ban.entry is not None and ban.entry.matches(subject):
                return ban
        return None
