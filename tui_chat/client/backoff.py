"""How long to wait before the next reconnect attempt."""

from __future__ import annotations

import random

__all__ = ["backoff_delay"]


def backoff_delay(
    attempt: int, base: float, maximum: float, rand: random.Random | None = None
) -> float:
    """Exponential backoff with "equal jitter": half fixed, half random.

    Attempt 0 waits between base/2 and base, attempt n up to base * 2**n,
    capped at `maximum`. The random half keeps a room full of clients from
    all reconnecting in the same instant after a server restart.
    """
    ceiling = min(maximum, base * 2 ** min(attempt, 32))
    half = ceiling / 2
    return half + (rand or random).uniform(0, half)
