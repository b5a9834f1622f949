"""The cyclic garbage collector tuned for a long-running process.

Start-up objects (modules, the CLI, the handlers, Textual's widgets) live as
long as the process: frozen, full collections no longer walk them. A higher
young-generation threshold makes collections rare, as the server (and the
app) free nearly everything by reference counting. Process-wide: `serve`
calls it with `ServerConfig.gc_threshold` once the server is up, the app
(`tui_chat.tui.gc_tuning`) with its own threshold.
"""

from __future__ import annotations

import gc

__all__ = ["tune_gc"]


def tune_gc(threshold: int) -> None:
    """Collect start-up's garbage, freeze what is left, then collect young objects
    every `threshold` new ones; 0 leaves CPython's defaults alone."""
    if threshold <= 0:
        return
    gc.collect()
    gc.freeze()
    _, middle, oldest = gc.get_threshold()
    gc.set_threshold(threshold, middle, oldest)
