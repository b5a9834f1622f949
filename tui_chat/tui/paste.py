"""Multi-line paste: when to ask first, and sending the lines at a pace.

Pure logic, no Textual. Servers disconnect clients that send too fast
("Excess Flood"), and a paste of 40 lines is usually an accident, so:

    policy = PastePolicy()                      # or PastePolicy.from_settings(settings)
    lines = policy.lines(pasted_text)           # blank lines dropped
    if policy.too_long(lines):  show_error(policy.refusal(lines)); return
    if policy.needs_confirmation(lines):  ask the user policy.question(lines, target)
    async for line in policy.paced(lines):      # run it in a worker; cancel to stop
        await session.send_message(target, line)

Pasted lines are messages, never commands: a pasted "/quit" is sent as text.
A paste of one line belongs in the input box and needs none of this.

Pacing is a token bucket: the first `burst` lines go at once, then one line
every 1 / `lines_per_second` seconds, measured from the start, so time spent
sending counts toward the wait. `paced` takes `sleep` and `clock` arguments so
tests can drive it without waiting.
"""

from __future__ import annotations

import asyncio
import math
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass

from tui_chat.config import DEFAULT_PASTE_CONFIRM_LINES, DEFAULT_PASTE_LINES_PER_SECOND, Settings

__all__ = [
    "PASTE_BURST_LINES",
    "PASTE_CONFIRM_LINES",
    "PASTE_LINES_PER_SECOND",
    "PASTE_MAX_LINES",
    "PastePolicy",
]

# A paste of more lines than this asks before sending (setting `paste_confirm_lines`).
PASTE_CONFIRM_LINES = DEFAULT_PASTE_CONFIRM_LINES
# Sustained rate after the burst (setting `paste_lines_per_second`); well under
# the one to two lines per second that common IRC servers tolerate per client.
PASTE_LINES_PER_SECOND = DEFAULT_PASTE_LINES_PER_SECOND
# Lines sent at once before pacing starts: servers allow a short burst.
PASTE_BURST_LINES = 3
# More lines than this are refused: use a paste service and send the link.
PASTE_MAX_LINES = 500

_LINE_BREAK = re.compile(r"\r\n|\r|\n")


@dataclass(frozen=True, slots=True)
class PastePolicy:
    confirm_over: int = PASTE_CONFIRM_LINES
    lines_per_second: float = PASTE_LINES_PER_SECOND
    burst: int = PASTE_BURST_LINES
    max_lines: int = PASTE_MAX_LINES

    def __post_init__(self) -> None:
        if not (math.isfinite(self.lines_per_second) and self.lines_per_second > 0):
            raise ValueError("lines_per_second must be a number above 0")
        if self.burst < 1 or self.confirm_over < 1 or self.max_lines < 1:
            raise ValueError("burst, confirm_over and max_lines must be at least 1")

    @classmethod
    def from_settings(cls, settings: Settings) -> PastePolicy:
        return cls(
            confirm_over=settings.paste_confirm_lines,
            lines_per_second=settings.paste_lines_per_second,
        )

    @staticmethod
    def lines(text: str) -> list[str]:
        """The pasted text as lines to send; blank lines are dropped (IRC cannot send them)."""
        return [line for line in _LINE_BREAK.split(text) if line.strip()]

    def needs_confirmation(self, lines: Sequence[str]) -> bool:
        return len(lines) > self.confirm_over

    def too_long(self, lines: Sequence[str]) -> bool:
        return len(lines) > self.max_lines

    def seconds_to_send(self, count: int) -> float:
        return max(0, count - self.burst) / self.lines_per_second

    def question(self, lines: Sequence[str], target: str) -> str:
        seconds = math.ceil(self.seconds_to_send(len(lines)))
        duration = f", taking about {seconds} s" if seconds else ""
        return f"Send {len(lines)} lines to {target}{duration}?"

    def refusal(self, lines: Sequence[str]) -> str:
        return (
            f"That paste has {len(lines)} lines; at most {self.max_lines} are sent."
            " Share a link to a paste service instead."
        )

    async def paced(
        self,
        lines: Sequence[str],
        *,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> AsyncIterator[str]:
        """Yield `lines` no faster than the policy allows."""
        start = clock()
        interval = 1.0 / self.lines_per_second
        for index, line in enumerate(lines):
            due = start + max(0, index - self.burst + 1) * interval
            wait = due - clock()
            if wait > 0:
                await sleep(wait)
            yield line
