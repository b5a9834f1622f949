"""The IRCv3 server-time stamp: `2026-01-02T03:04:05.678Z`, UTC, milliseconds.

One format for the `time` tag the server stamps, the timestamps history
stores and CHATHISTORY's `timestamp=` selectors, read and written here
only (ircv3.net/specs/extensions/server-time).
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

__all__ = ["format_time", "iso_time", "milliseconds", "parse_time"]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MILLISECOND = timedelta(milliseconds=1)


def format_time(ms: int) -> str:
    """The stamp of `ms` milliseconds since the Unix epoch."""
    # time.strftime on a struct_time is about twice as fast as datetime's,
    # and the server stamps every message it relays.
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ms // 1000)) + f".{ms % 1000:03d}Z"


def iso_time(seconds: float) -> str:
    """The stamp of a `time.time()` value."""
    return format_time(int(seconds * 1000))


def milliseconds(when: datetime) -> int:
    """Milliseconds since the epoch of `when`; a naive datetime is taken as UTC."""
    aware = when if when.tzinfo else when.replace(tzinfo=UTC)
    return (aware - _EPOCH) // _MILLISECOND


def parse_time(text: str) -> int:
    """Milliseconds since the epoch of a stamp; ValueError for anything else.

    The `Z` is required: a stamp without a zone would be read in no
    particular one.
    """
    if not text.endswith("Z"):
        raise ValueError(f"not a UTC server-time stamp: {text!r}")
    return milliseconds(datetime.fromisoformat(text))
