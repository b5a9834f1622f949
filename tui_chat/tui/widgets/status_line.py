"""The status line at the bottom: server, nick, connection state and lag."""

from __future__ import annotations

import math
import time

from rich.text import Text
from textual.reactive import reactive
from textual.timer import Timer
from textual.widgets import Static

from tui_chat.client.events import ConnState
from tui_chat.tui.widgets.message_lines import visible

__all__ = ["StatusLine"]

_STATE_STYLE = {
    ConnState.CONNECTING: "yellow",
    ConnState.REGISTERING: "yellow",
    ConnState.CONNECTED: "green",
    ConnState.RECONNECTING: "bold yellow",
    ConnState.DISCONNECTED: "bold red",
}


class StatusLine(Static):
    server: reactive[str] = reactive("")
    nick: reactive[str] = reactive("")
    state: reactive[ConnState] = reactive(ConnState.CONNECTING)
    detail: reactive[str] = reactive("")
    lag_ms: reactive[float | None] = reactive(None)
    # True while a PING waits for its answer: lag_ms is a lower bound, climbing.
    lag_unanswered: reactive[bool] = reactive(False)
    away: reactive[bool] = reactive(False)
    # The account we are logged in to; "" when not logged in.
    account: reactive[str] = reactive("")
    # Seconds until the next connection attempt, counted down by the app.
    retry_in: reactive[int | None] = reactive(None)

    def __init__(self, **kwargs: str) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._deadline = 0.0
        # Owned here, not by the App, so it cannot fire during the App's teardown.
        self._timer: Timer | None = None

    def count_down(self, seconds: float | None) -> None:
        """Show "reconnecting in N s" counting down from `seconds`; None hides it."""
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        if seconds is None:
            self.retry_in = None
            return
        self._deadline = time.monotonic() + seconds
        self.retry_in = math.ceil(seconds)
        self._timer = self.set_interval(1.0, self._tick)

    def _tick(self) -> None:
        left = max(0, math.ceil(self._deadline - time.monotonic()))
        self.retry_in = left
        if left == 0 and self._timer is not None:
            self._timer.stop()
            self._timer = None

    def render(self) -> Text:
        line = Text(no_wrap=True, overflow="ellipsis")
        line.append(f" {visible(self.nick) or '?'} ", style="bold reverse")
        if self.account:
            same = self.account.lower() == self.nick.lower()
            line.append("✓" if same else f"✓ {visible(self.account)}", style="green")
        if self.away:
            line.append(" [away]", style="dim")
        line.append(f" {visible(self.server)} ")
        state = self.state.value
        if self.state is ConnState.RECONNECTING and self.retry_in is not None:
            state = f"reconnecting in {self.retry_in} s"
        elif self.state is ConnState.DISCONNECTED:
            state = "disconnected"
        line.append(f"[{state}]", style=_STATE_STYLE[self.state])
        if self.detail and self.state is not ConnState.CONNECTED:
            line.append(f" {visible(self.detail)}", style="italic")
        if self.lag_ms is not None and self.state is ConnState.CONNECTED:
            lag = f"{self.lag_ms:.0f} ms" if self.lag_ms < 1000 else f"{self.lag_ms / 1000:.0f} s"
            if self.lag_unanswered:
                line.append(f"  lag {lag}?", style="bold yellow")
            else:
                line.append(f"  lag {lag}", style="dim")
        return line
