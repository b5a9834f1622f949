"""Failed-login limits: per address (or IPv6 network) and per account.

A key (an address, or an account) with `max_events` failed logins within
the last `window` seconds is locked: further attempts are refused at once,
without hashing a password, until the oldest failure leaves the window.
Refusing costs nothing, so a lock-out holds no worker and no timer.

The address limit is lower than the account limit on purpose: a guesser on
one address is stopped before it can lock the account. A guesser with many
addresses can lock the account, but not against its owner: an address that
logged in to the account before (`known`) is held only to its own address
limit (docs/security.md, Accounts).
"""

from __future__ import annotations

from collections import deque

__all__ = ["LoginThrottle", "RateWindow"]


class RateWindow:
    """Event times (failed logins, new accounts) per key within a sliding window."""

    def __init__(self, max_events: int, window: float) -> None:
        self.max_events = max_events
        self.window = window
        self._events: dict[str, deque[float]] = {}

    def retry_after(self, key: str, now: float) -> float:
        """Seconds until `key` may try again; 0 when it may now."""
        times = self._events.get(key)
        if times is None:
            return 0.0
        while times and times[0] <= now - self.window:
            times.popleft()
        if not times:
            del self._events[key]
            return 0.0
        if len(times) < self.max_events:
            return 0.0
        return times[0] + self.window - now

    def record(self, key: str, now: float) -> None:
        times = self._events.setdefault(key, deque(maxlen=self.max_events))
        times.append(now)

    def prune(self, now: float) -> None:
        for key in [k for k, t in self._events.items() if t[-1] <= now - self.window]:
            del self._events[key]

    def __len__(self) -> int:
        return len(self._events)


class LoginThrottle:
    def __init__(self, per_address: int, per_account: int, window: float) -> None:
        self.addresses = RateWindow(per_address, window)
        self.accounts = RateWindow(per_account, window)

    def retry_after(self, address: str, account: str, now: float, *, known: bool = False) -> float:
        """Seconds until `address` may try `account` again; `known`: it logged in to it before."""
        if known:
            return self.addresses.retry_after(address, now)
        return max(
            self.addresses.retry_after(address, now), self.accounts.retry_after(account, now)
        )

    def fail(self, address: str, account: str, now: float) -> None:
        self.addresses.record(address, now)
        self.accounts.record(account, now)

    def prune(self, now: float) -> None:
        self.addresses.prune(now)
        self.accounts.prune(now)
