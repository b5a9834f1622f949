"""Numbers in IRC parameters: ASCII decimal digits only, and bounded.

`str.isdigit()` also accepts "²" or "٣" (which `int()` refuses or reads as
3), so a handler that trusts it crashes or stores a surprise. Every
parameter that must be a count goes through `parse_decimal`.
"""

from __future__ import annotations

__all__ = ["INT32_MAX", "parse_decimal"]

# The largest count any parameter may carry: what other IRC software reads
# into a 32-bit integer, so a value we accept is one they accept too.
INT32_MAX = 2**31 - 1
_DIGITS = frozenset("0123456789")


def parse_decimal(text: str, maximum: int = INT32_MAX) -> int | None:
    """`text` as a non-negative integer, or None unless it is 1+ ASCII digits up to `maximum`."""
    if not text or len(text) > len(str(maximum)) or not _DIGITS.issuperset(text):
        return None
    value = int(text)
    return value if value <= maximum else None
