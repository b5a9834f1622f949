"""The input box: Up/Down history, Tab completion, multi-line paste handed to the app."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import cache
from typing import ClassVar

from textual import events
from textual.binding import Binding, BindingsMap, BindingType
from textual.message import Message
from textual.widgets import Input

from tui_chat.tui.commands import is_secret
from tui_chat.tui.completion import Completer
from tui_chat.tui.input_history import InputHistory

__all__ = ["ChatInput", "CompletionSource"]


class CompletionSource:
    """What Tab may insert, asked for at the moment Tab is pressed."""

    def __init__(
        self,
        nicks: Callable[[], Sequence[str]],
        rooms: Callable[[], Sequence[str]],
        commands: Callable[[], Sequence[str]],
    ) -> None:
        self.nicks = nicks
        self.rooms = rooms
        self.commands = commands


class ChatInput(Input):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("tab", "complete(False)", "Complete", show=False),
        Binding("shift+tab", "complete(True)", "Complete back", show=False),
        Binding("up", "history_previous", "Previous line", show=False),
        Binding("down", "history_next", "Next line", show=False),
    ]

    class MultiLinePaste(Message):
        """Text with line breaks was pasted; the app decides how to send it."""

        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    class JumpToEnd(Message):
        """End pressed with the cursor already at the end: show the newest messages."""

    class JumpToStart(Message):
        """Home pressed with the cursor already at the start: show the oldest messages kept."""

    def __init__(self, source: CompletionSource, history: InputHistory, **kwargs: object) -> None:
        super().__init__(placeholder="Type a message, or /help", **kwargs)  # type: ignore[arg-type]
        self.source = source
        self.history = history
        self._completer = Completer()

    def action_complete(self, backward: bool) -> None:
        result = self._completer.complete(
            self.value,
            self.cursor_position,
            nicks=self.source.nicks(),
            rooms=self.source.rooms(),
            commands=self.source.commands(),
            backward=backward,
        )
        if result is not None:
            self.value, self.cursor_position = result

    def action_history_previous(self) -> None:
        text = self.history.previous(self.value)
        if text is not None:
            self._show(text)

    def action_history_next(self) -> None:
        text = self.history.next()
        if text is not None:
            self._show(text)

    def action_home(self, select: bool = False) -> None:
        if not select and self.cursor_position == 0:
            self.post_message(self.JumpToStart())
        super().action_home(select)

    def action_end(self, select: bool = False) -> None:
        if not select and self.cursor_position == len(self.value):
            self.post_message(self.JumpToEnd())
        super().action_end(select)

    def _show(self, text: str) -> None:
        self.value = text
        self.cursor_position = len(text)

    async def _on_key(self, event: events.Key) -> None:
        if event.key not in ("tab", "shift+tab"):
            self._completer.reset()
        bindings = self._bindings.key_to_bindings.get(event.key)
        # The box's own keys (Enter, Tab, Ctrl+U...) run here, in the order
        # keys arrived. As bindings they ran after the rest of a burst (a
        # fast typist, tmux send-keys, SSH) was typed in: one line went out
        # once per Enter, Tab completed the text before the burst. One the
        # box skips (Ctrl+C with nothing selected in it) goes on to the
        # screen's binding: copying what is selected in the log.
        if (
            bindings
            and event.key in _own_keys()
            and await self.app.run_action(bindings[0].action, self)
        ):
            event.stop()
            event.prevent_default()
            return
        await super()._on_key(event)

    async def action_submit(self) -> None:
        """Hand the line to the app and empty the box at once, before the next key."""
        text = self.value
        self.value = ""
        if not is_secret(text):
            self.history.add(text)
        self.post_message(self.Submitted(self, text))

    def _on_paste(self, event: events.Paste) -> None:
        if "\n" in event.text.strip("\r\n") or "\r" in event.text.strip("\r\n"):
            event.stop()
            event.prevent_default()
            self.post_message(self.MultiLinePaste(event.text))
            return
        super()._on_paste(event)


@cache
def _own_keys() -> frozenset[str]:
    """Keys the box binds itself; scrolling and app keys bubble on as usual."""
    return frozenset(BindingsMap([*Input.BINDINGS, *ChatInput.BINDINGS]).key_to_bindings)
