"""Tab completion for the chat input: a small state machine over (text, cursor).

Pure logic, no Textual. The app keeps one `Completer` per input box:

    completer = Completer()
    # on Tab (backward=True for Shift+Tab):
    result = completer.complete(text, cursor, nicks=speakers.ordered(members),
                                rooms=joined_rooms, commands=command_names())
    if result: input.value, input.cursor_position = result
    # on any other key:
    completer.reset()

What gets completed is the word that ends at the cursor:

* `/wh` at the start of the line -> commands (`/whois `);
* `#lo` -> rooms (`#lobby `);
* anything else -> nicks; at the start of the line the nick gets ": " (`bob: `),
  elsewhere a space.

Matching is a case-insensitive prefix match (IRC rfc1459 case folding). The
candidates keep the order they were given in, so pass nicks recent speakers
first: `RecentSpeakers.ordered(members)` does that (then alphabetical). Pressing
Tab again replaces the inserted word with the next candidate, wrapping around.
If the text or cursor is not what the last completion produced (the user typed
in between without a reset), completion starts afresh, so a missed `reset()`
does no harm. `complete` returns None when there is nothing to complete.

Keep one `RecentSpeakers` per room: call `spoke(nick)` for every message,
`renamed(old, new)` on nick changes. Besides ordering completion it answers
`spoke_within(nick, settings.quiet_minutes * 60)` for `hide_events = "quiet"`:
hide the join/part/quit of someone for whom it is False.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from tui_chat.irc.casemap import CHANNEL_PREFIXES, casefold

__all__ = [
    "MAX_RECENT_SPEAKERS",
    "NICK_SUFFIX_AT_START",
    "Completer",
    "RecentSpeakers",
]

# What follows a nick completed at the start of the line: the IRC way to address someone.
NICK_SUFFIX_AT_START = ": "
# How many recent speakers a room remembers for ordering nick completion.
MAX_RECENT_SPEAKERS = 100


class RecentSpeakers:
    """Who spoke last in one room: orders nick completion, and tells the
    `hide_events = "quiet"` setting who has been silent for a while.

    Times come from `time.monotonic` unless given (tests pass their own).
    """

    def __init__(self, limit: int = MAX_RECENT_SPEAKERS) -> None:
        self._limit = limit
        # casefolded nick -> when they last spoke; the newest speaker is last.
        self._last: OrderedDict[str, float] = OrderedDict()

    def spoke(self, nick: str, at: float | None = None) -> None:
        key = casefold(nick)
        self._last.pop(key, None)
        self._last[key] = time.monotonic() if at is None else at
        while len(self._last) > self._limit:
            self._last.popitem(last=False)

    def spoke_within(self, nick: str, seconds: float, now: float | None = None) -> bool:
        """True if `nick` spoke in the last `seconds` (and is still remembered)."""
        when = self._last.get(casefold(nick))
        if when is None:
            return False
        return (time.monotonic() if now is None else now) - when <= seconds

    def renamed(self, old: str, new: str) -> None:
        """Keep a speaker's place and time across a nick change."""
        old_key = casefold(old)
        if old_key not in self._last:
            return
        new_key = casefold(new)
        self._last = OrderedDict(
            (new_key if key == old_key else key, when) for key, when in self._last.items()
        )

    def ordered(self, members: Iterable[str]) -> list[str]:
        """`members` with the recent speakers first (newest first), the rest alphabetical."""
        present = {casefold(nick): nick for nick in members}
        recent = [present[key] for key in reversed(self._last) if key in present]
        seen = {casefold(nick) for nick in recent}
        rest = sorted((nick for key, nick in present.items() if key not in seen), key=casefold)
        return recent + rest


@dataclass(slots=True)
class _Cycle:
    """An ongoing completion: what to restore around the word and where we are."""

    before: str
    after: str
    candidates: list[str]
    suffix: str
    index: int
    produced: tuple[str, int]


class Completer:
    def __init__(self) -> None:
        self._cycle: _Cycle | None = None

    def reset(self) -> None:
        self._cycle = None

    def complete(
        self,
        text: str,
        cursor: int,
        *,
        nicks: Sequence[str] = (),
        rooms: Sequence[str] = (),
        commands: Sequence[str] = (),
        backward: bool = False,
    ) -> tuple[str, int] | None:
        """The next completion of the word before `cursor`, as (new_text, new_cursor)."""
        cycle = self._cycle
        if cycle is None or cycle.produced != (text, cursor):
            cycle = self._start(text, cursor, nicks, rooms, commands)
            if cycle is None:
                self._cycle = None
                return None
            if backward:
                cycle.index = len(cycle.candidates) - 1
        else:
            step = -1 if backward else 1
            cycle.index = (cycle.index + step) % len(cycle.candidates)
        word = cycle.candidates[cycle.index]
        new_text = f"{cycle.before}{word}{cycle.suffix}{cycle.after}"
        new_cursor = len(cycle.before) + len(word) + len(cycle.suffix)
        cycle.produced = (new_text, new_cursor)
        self._cycle = cycle
        return cycle.produced

    @staticmethod
    def _start(
        text: str,
        cursor: int,
        nicks: Sequence[str],
        rooms: Sequence[str],
        commands: Sequence[str],
    ) -> _Cycle | None:
        cursor = max(0, min(cursor, len(text)))
        start = cursor
        while start > 0 and not text[start - 1].isspace():
            start -= 1
        word = text[start:cursor]
        at_line_start = not text[:start].strip()
        if word.startswith("/") and at_line_start:
            pool = [f"/{name}" for name in commands]
            suffix = " "
        elif word[:1] in CHANNEL_PREFIXES and word:
            pool = list(rooms)
            suffix = " "
        else:
            pool = list(nicks)
            suffix = NICK_SUFFIX_AT_START if at_line_start else " "
        after = text[cursor:]
        # Do not double the space that is already there after the word.
        if after.startswith(" ") and suffix.endswith(" "):
            suffix = suffix[:-1]
        prefix = casefold(word)
        candidates = [item for item in pool if casefold(item).startswith(prefix)]
        if not candidates:
            return None
        return _Cycle(text[:start], after, candidates, suffix, 0, ("", -1))
