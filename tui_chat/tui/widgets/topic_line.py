"""The topic line above the log: the window's name and topic on one row."""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widgets import Static

from tui_chat.tui.widgets.message_lines import irc_text, visible

__all__ = ["TopicLine"]


class TopicLine(Static):
    window_name: reactive[str] = reactive("")
    topic: reactive[str] = reactive("")

    def render(self) -> Text:
        line = Text(no_wrap=True, overflow="ellipsis")
        line.append(f" {visible(self.window_name)} ", style="bold")
        line.append_text(irc_text(self.topic, "italic"))
        return line
