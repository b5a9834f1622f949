"""The garbage collector's settings for the process a chat app runs in.

Under a steady stream of messages (500 a second) the keys stalled for 150 to
500 ms now and then, and each stall was one of CPython's garbage
collections: a full one walks every live object the collector tracks
(Textual's 60,000 from start-up among them), a middle one every object that
lived through a few young collections (the log's newest entries, what the
last frames drew). So, once the app is up:

- what start-up built is frozen (`gc.freeze`): it lives as long as the app,
  and no collection walks it again;
- young collections run every GC_YOUNG_THRESHOLD new objects instead of
  CPython's 700, so most of a message's short-lived objects (its event, the
  Textual messages about it) are gone by then instead of being promoted,
  and full collections come rarely.

docs/benchmarks.md has the measurements. Tests build many apps in one
process and leave the collector alone; `tui-chat host` and `join` ask for it.
"""

from __future__ import annotations

from tui_chat.server.gc_tuning import tune_gc

__all__ = ["GC_YOUNG_THRESHOLD", "settle_after_start"]

# New tracked objects between two young collections (CPython's default: 700).
# 10,000 is about 2 ms of collecting each time, against stalls of 100 ms+.
GC_YOUNG_THRESHOLD = 10_000


def settle_after_start() -> None:
    """Freeze what start-up built and collect young objects less often."""
    # Garbage made during start-up is collected first, not frozen forever.
    tune_gc(GC_YOUNG_THRESHOLD)
