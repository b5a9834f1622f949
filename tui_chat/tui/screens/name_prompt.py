"""The first screen when no nick is known: "Your name"."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label

from tui_chat.irc.casemap import MAX_NICK_LENGTH, valid_nick

__all__ = ["NamePromptScreen"]


class NamePromptScreen(ModalScreen[str]):
    """Dismissed with a valid nick; Escape or Ctrl+Q quits the app instead."""

    DEFAULT_CSS = """
    NamePromptScreen > Vertical { width: 50; }
    NamePromptScreen #why { color: $error; height: auto; }
    NamePromptScreen #hint { color: $text-muted; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [("escape", "app.quit", "Quit")]

    def __init__(self, where: str) -> None:
        super().__init__(classes="dialog")
        self.where = where

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(f"Joining {self.where}", id="hint", markup=False)
            yield Label("Your name")
            yield Input(placeholder="e.g. alice", max_length=MAX_NICK_LENGTH, id="nick")
            yield Label("", id="why")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        nick = event.value.strip()
        if valid_nick(nick):
            self.dismiss(nick)
            return
        reason = (
            "Type a name first."
            if not nick
            else "Use letters, digits and - _ [ ] { } \\ ` ^ |, no spaces,"
            " not starting with a digit or -."
        )
        self.query_one("#why", Label).update(reason)
