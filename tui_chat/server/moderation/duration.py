"""Durations as people type them: `30s`, `10m`, `2h`, `1d`, `1w`, or `1h30m`.

One parser for every duration the server takes (TBAN, TQUIET, UBAN ...
DURATION) and the client's slash commands, so `10m` means the same
everywhere. A bare number is seconds, as InspIRCd's TBAN reads it.
"""

from __future__ import annotations

import re

__all__ = ["UNITS", "format_duration", "parse_duration"]

# Seconds per unit letter.
UNITS = {"w": 604_800, "d": 86_400, "h": 3_600, "m": 60, "s": 1}
# How many units format_duration shows.
FORMAT_UNITS = 2
_PART = re.compile(r"(\d{1,9})([wdhms])")


def parse_duration(text: str) -> int | None:
    """Whole seconds, or None when `text` is not a positive duration."""
    text = text.strip().lower()
    if text.isdecimal() and len(text) <= 10:
        return int(text) or None
    pos = 0
    total = 0
    seen = ""
    while pos < len(text):
        match = _PART.match(text, pos)
        # Each unit once, largest first: "1h30m", never "30m1h" or "1m1m".
        if match is None or match.group(2) in seen or _after(seen, match.group(2)):
            return None
        seen += match.group(2)
        total += int(match.group(1)) * UNITS[match.group(2)]
        pos = match.end()
    return total or None


def _after(seen: str, unit: str) -> bool:
    order = list(UNITS)
    return bool(seen) and order.index(unit) < order.index(seen[-1])


def format_duration(seconds: float) -> str:
    """`5400` -> `1h30m`: the two largest units, rounded down; at least `1s`.

    Two are plenty for a person ("expires in 1h59m", not "1h59m58s").
    """
    left = max(1, round(seconds))
    parts = []
    for unit, size in UNITS.items():
        if left >= size and len(parts) < FORMAT_UNITS:
            parts.append(f"{left // size}{unit}")
            left %= size
    return "".join(parts)
