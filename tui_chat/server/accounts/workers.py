"""A small bounded pool for password hashing, off the event loop.

At most `workers` hashes run at once (each takes ~60 ms and 32 MiB), and at
most `max_queued` wait: past that, `run` refuses at once and the caller
tells the client to try again, so a crowd of guessers can neither eat every
core nor grow an unbounded queue. Results come back through `deliver`
(the loop's `call_soon_threadsafe`), so callbacks run on the loop thread.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

__all__ = ["Deliver", "KdfPool"]

log = logging.getLogger("tui_chat.server")

T = TypeVar("T")
Deliver = Callable[[Callable[[], None]], object]


class KdfPool:
    def __init__(self, workers: int, max_queued: int, deliver: Deliver) -> None:
        self._pool = ThreadPoolExecutor(max(1, workers), thread_name_prefix="tui-chat-kdf")
        self._max_queued = max_queued
        self._deliver = deliver
        # Submitted and not yet reported back; only touched on the loop thread.
        self.in_flight = 0

    def run(self, work: Callable[[], T], done: Callable[[T | None], None]) -> bool:
        """Run `work` on a worker, then `done(result)` on the loop; False when full.

        `done(None)` when `work` raised (logged): the caller still hears back.
        """
        if self.in_flight >= self._max_queued:
            return False
        self.in_flight += 1

        def on_loop(future: Future[T]) -> None:
            self.in_flight -= 1
            error = future.exception()
            if error is not None:
                log.error("accounts: password hashing failed: %s", error)
                done(None)
                return
            done(future.result())

        def finished(future: Future[T]) -> None:
            # RuntimeError: the loop closed, the server is stopping.
            with contextlib.suppress(RuntimeError):
                self._deliver(lambda: on_loop(future))

        self._pool.submit(work).add_done_callback(finished)
        return True

    def close(self) -> None:
        """Drop queued work; a hash already running ends on its own (its result is dropped)."""
        self._pool.shutdown(wait=False, cancel_futures=True)
