"""A window's past, loaded a page at a time as the reader scrolls to the top.

The app asks the session for the page BEFORE the oldest message shown (its
msgid, or its server time where the server gives no msgids). The replies
come as history messages and then a HistoryBatchEnded; while a page is on
its way they are held here, and put above the log all at once so the view
does not jump. A page shorter than asked for means there is nothing older.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from tui_chat.tui.widgets.message_lines import ChatLine

__all__ = ["PAGE_TIMEOUT", "OlderPages"]

# Seconds a page may take before scrolling to the top asks again (a server
# that never answers must not stop the reader from trying later).
PAGE_TIMEOUT = 15.0


def _before(a: datetime, b: datetime) -> bool:
    # Server times are aware, a server without server-time gives none at all;
    # a mix cannot be ordered, and then the first one seen stays.
    if (a.tzinfo is None) != (b.tzinfo is None):
        return False
    return a < b


@dataclass(slots=True)
class OlderPages:
    # The BEFORE bound for the next page: a msgid, else a server time.
    oldest: str | datetime | None = None
    oldest_time: datetime | None = None
    # time.monotonic() when the page on its way was asked for.
    asked_at: float | None = None
    # True once a page came back short: the server has nothing older.
    exhausted: bool = False
    page: list[ChatLine] = field(default_factory=list)

    def saw(self, msgid: str | None, when: datetime | None) -> None:
        """A message was shown (or held for the page): is it the oldest so far?"""
        if when is None and msgid is None:
            return
        if self.oldest is None or (
            when is not None and self.oldest_time is not None and _before(when, self.oldest_time)
        ):
            self.oldest = msgid or when
            self.oldest_time = when

    def loading(self, now: float) -> bool:
        return self.asked_at is not None and now - self.asked_at < PAGE_TIMEOUT

    def ask(self, now: float) -> None:
        self.asked_at = now
        self.page.clear()

    def finish(self, count: int, asked_for: int) -> list[ChatLine]:
        """The page is complete: its lines, oldest first, to go above the log."""
        self.asked_at = None
        self.exhausted = count < asked_for
        lines, self.page = self.page, []
        return lines

    def give_up(self) -> None:
        """The server cannot page (an error reply): stop asking it."""
        self.asked_at = None
        self.exhausted = True
        self.page.clear()
