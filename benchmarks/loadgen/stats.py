"""Summaries of latency samples, in microseconds."""

from __future__ import annotations

import math
from collections.abc import Sequence

__all__ = ["latency_summary", "percentile"]


def percentile(sorted_values: Sequence[int], fraction: float) -> int:
    """Nearest-rank percentile of values already sorted ascending."""
    if not sorted_values:
        raise ValueError("no samples")
    rank = max(1, math.ceil(len(sorted_values) * fraction))
    return sorted_values[rank - 1]


def latency_summary(samples_ns: Sequence[int]) -> dict[str, float | None]:
    """p50/p99/max in milliseconds (None when nothing was delivered)."""
    if not samples_ns:
        return {"latency_p50_ms": None, "latency_p99_ms": None, "latency_max_ms": None}
    ordered = sorted(samples_ns)
    return {
        "latency_p50_ms": round(percentile(ordered, 0.50) / 1e6, 3),
        "latency_p99_ms": round(percentile(ordered, 0.99) / 1e6, 3),
        "latency_max_ms": round(ordered[-1] / 1e6, 3),
    }
