"""Flood control and per-address connection limits, as plain objects (no I/O).

`TokenBucket` is the rate limiter both use: `burst` tokens at once, then
`rate` more per second. `FloodGate` is one client's input throttle (fakelag,
as ergo calls it): a line that finds no token waits in the gate's backlog
instead of being dropped, and the core stops reading from the client until
the backlog has drained. `AddressBook` counts, per address, the open
connections and the new ones within a window.

Addresses in a trusted network (`ServerConfig.flood_exempt`) get neither a
gate nor an address entry. `parse_networks` turns the CIDR strings into
`ipaddress` networks and raises `ValueError` for a bad one, so a typo fails at
start, not silently.
"""

from __future__ import annotations

import ipaddress
from collections import deque
from collections.abc import Iterable

from tui_chat.irc.hostname import peer_ip

__all__ = [
    "AddressBook",
    "FloodGate",
    "Network",
    "TokenBucket",
    "address_key",
    "is_exempt",
    "parse_networks",
]

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class TokenBucket:
    """Up to `burst` tokens; one more every 1 / `rate` seconds."""

    __slots__ = ("burst", "rate", "stamp", "tokens")

    def __init__(self, burst: float, rate: float, now: float) -> None:
        self.burst = burst
        self.rate = rate
        self.tokens = burst
        self.stamp = now

    def _refill(self, now: float) -> None:
        # max(): a clock stepping backwards must not drain the bucket.
        elapsed = max(0.0, now - self.stamp)
        self.tokens = min(self.burst, self.tokens + elapsed * self.rate)
        self.stamp = now

    def take(self, now: float) -> bool:
        """Spend one token if there is one."""
        self._refill(now)
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return True
        return False

    def wait(self, now: float) -> float:
        """Seconds until the next token; 0 if one is there."""
        self._refill(now)
        return max(0.0, (1.0 - self.tokens) / self.rate) if self.rate > 0 else float("inf")

    def full(self, now: float) -> bool:
        self._refill(now)
        return self.tokens >= self.burst


class FloodGate:
    """One client's input throttle: its token bucket and the lines held back."""

    __slots__ = ("backlog", "bucket", "paused", "scheduled")

    def __init__(self, burst: int, rate: float, now: float) -> None:
        self.bucket = TokenBucket(burst, rate, now)
        self.backlog: deque[bytes] = deque()
        # Whether the core told the transport to stop reading.
        self.paused = False
        # Whether a release is already waiting on the scheduler.
        self.scheduled = False


def parse_networks(cidrs: Iterable[str]) -> list[Network]:
    """`["127.0.0.0/8", "::1"]` -> networks; ValueError names a bad entry."""
    networks: list[Network] = []
    for cidr in cidrs:
        try:
            networks.append(ipaddress.ip_network(cidr.strip(), strict=False))
        except ValueError as exc:
            raise ValueError(f"not an address or network (CIDR): {cidr!r}") from exc
    return networks


def is_exempt(host: str, networks: Iterable[Network]) -> bool:
    """Whether `host` lies in a trusted network; a host that is no IP address
    (a Unix socket's "unknown") is local, hence trusted."""
    ip = peer_ip(host)
    return ip is None or any(ip in net for net in networks)


def address_key(host: str, ipv6_prefix: int) -> str:
    """What per-address limits count by: the IPv4 address, or the IPv6 /`ipv6_prefix`
    network (one home or VPS gets a whole /64, so one address per host is meaningless)."""
    ip = peer_ip(host)
    if isinstance(ip, ipaddress.IPv6Address):
        return str(ipaddress.ip_network(f"{ip}/{ipv6_prefix}", strict=False))
    return str(ip) if ip is not None else host


class AddressBook:
    """Open connections and recent new connections per address key."""

    __slots__ = ("_max_open", "_open", "_rate", "_recent", "_window_max")

    def __init__(self, max_open: int, window_max: int, window: float) -> None:
        self._max_open = max_open
        self._window_max = window_max
        self._rate = window_max / window if window > 0 else 0.0
        self._open: dict[str, int] = {}
        self._recent: dict[str, TokenBucket] = {}

    def admit(self, key: str, now: float) -> str | None:
        """Count a new connection from `key`; the reason to refuse it, or None."""
        if self._open.get(key, 0) >= self._max_open:
            return "Too many connections from your address"
        bucket = self._recent.get(key)
        if bucket is None:
            bucket = self._recent[key] = TokenBucket(self._window_max, self._rate, now)
        if not bucket.take(now):
            return "Too many new connections from your address; wait a while"
        self._open[key] = self._open.get(key, 0) + 1
        return None

    def release(self, key: str) -> None:
        left = self._open.get(key, 0) - 1
        if left > 0:
            self._open[key] = left
        else:
            self._open.pop(key, None)

    def prune(self, now: float) -> None:
        """Forget addresses with nothing open whose allowance has refilled."""
        for key in [k for k, b in self._recent.items() if k not in self._open and b.full(now)]:
            del self._recent[key]

    def clear(self) -> None:
        self._open.clear()
        self._recent.clear()

    def __len__(self) -> int:
        """Addresses remembered (for tests that memory stays bounded)."""
        return len(self._recent)
