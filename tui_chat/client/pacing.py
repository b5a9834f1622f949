"""Pacing of what the user sends, so servers' flood protection never kicks us.

Most servers let a client send a short burst and then about one line per
interval (irssi and WeeChat pace the same way). A token bucket does exactly
that: `burst` lines go out at once, then one more each `interval` seconds.
"""

from __future__ import annotations

import time
from collections.abc import Callable

__all__ = ["SEND_BURST", "SEND_INTERVAL", "SendPacer"]

# Lines that may leave at once before pacing starts.
SEND_BURST = 5
# Seconds between paced lines; 0 turns pacing off.
SEND_INTERVAL = 0.5


class SendPacer:
    """A token bucket; `reserve()` says how long to wait before the next line."""

    def __init__(
        self,
        burst: int = SEND_BURST,
        interval: float = SEND_INTERVAL,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._burst = max(1, burst)
        self._interval = interval
        self._clock = clock
        self._tokens = float(self._burst)
        self._last = clock()

    def reserve(self) -> float:
        """Take a slot for one line; return the seconds to wait before sending it.

        Slots are handed out in call order, so lines reserved one after
        another leave in that order even when their senders run concurrently.
        """
        if self._interval <= 0:
            return 0.0
        now = self._clock()
        self._tokens = min(self._burst, self._tokens + (now - self._last) / self._interval)
        self._last = now
        self._tokens -= 1
        return max(0.0, -self._tokens * self._interval)
