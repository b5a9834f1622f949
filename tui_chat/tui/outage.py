"""What the log says about a lost connection: once when it goes, once when it is back.

The session retries with backoff and reports every failed attempt; written
down each time, a ten-second outage filled the room with error lines.
`Outage` remembers when the connection went and which rooms were open, so
the app writes "Connection lost" once per window, "Reconnected" once, and
one gap mark in each of those rooms as it is rejoined. The countdown between
attempts belongs to the status line alone.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

__all__ = ["GAP_TIME_FORMAT", "Gap", "Outage"]

# Clock times of a gap's ends: seconds matter for an outage of a few seconds.
GAP_TIME_FORMAT = "%H:%M:%S"


@dataclass(frozen=True, slots=True)
class Gap:
    """From when the connection was lost until it was registered again."""

    start: datetime
    end: datetime

    @property
    def length(self) -> str:
        seconds = max(0, round((self.end - self.start).total_seconds()))
        minutes, seconds = divmod(seconds, 60)
        if not minutes:
            return f"{seconds} s"
        return f"{minutes} min {seconds} s" if seconds else f"{minutes} min"

    @property
    def mark(self) -> str:
        """The line a rejoined room shows where its conversation has a hole."""
        start, end = (t.strftime(GAP_TIME_FORMAT) for t in (self.start, self.end))
        return f"Rejoined: offline {start} to {end} ({self.length})"


class Outage:
    """The connection's ups and downs as the log should tell them."""

    def __init__(self) -> None:
        self._lost_at: datetime | None = None
        self._gap: Gap | None = None
        # Keys of the rooms open when the connection went, not yet marked.
        self._unmarked: set[str] = set()

    def lost(self, now: datetime, open_rooms: Iterable[str]) -> bool:
        """A reconnect is pending; True only for the first report of this outage."""
        if self._lost_at is not None:
            return False
        self._lost_at = now
        self._gap = None
        self._unmarked = set(open_rooms)
        return True

    def back(self, now: datetime) -> Gap | None:
        """Registered again: the gap that just closed, or None after no outage."""
        if self._lost_at is None:
            return None
        self._gap = Gap(self._lost_at, now)
        self._lost_at = None
        return self._gap

    def rejoined(self, room_key: str) -> Gap | None:
        """The gap to mark in a room that was open when the connection went, once."""
        if self._gap is None or room_key not in self._unmarked:
            return None
        self._unmarked.discard(room_key)
        return self._gap

    def over(self) -> None:
        """The session gave up for good: no reconnect will close this gap."""
        self._lost_at = None
        self._gap = None
        self._unmarked.clear()
