"""The rooms list on the left: rooms and private conversations with unread counts."""

from __future__ import annotations

from collections.abc import Iterable

from rich.text import Text
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from tui_chat.tui.widgets.message_lines import visible
from tui_chat.tui.widgets.windows import Window, WindowKind

__all__ = ["RoomList"]


class RoomList(OptionList):
    """One option per window; the option id is the window key.

    Selecting (click or Enter) posts `OptionList.OptionSelected`, which the app
    turns into a window switch.
    """

    DEFAULT_CSS = """
    RoomList { width: 22; }
    """

    def show(self, windows: Iterable[Window], current_key: str) -> None:
        """Redraw every entry; cheap, because a person is in a handful of windows."""
        options = [Option(self._label(window), id=f"w:{window.key}") for window in windows]
        self.set_options(options)
        for index, option in enumerate(options):
            if option.id == f"w:{current_key}":
                self.highlighted = index

    @staticmethod
    def key_of(option_id: str | None) -> str | None:
        return option_id[2:] if option_id and option_id.startswith("w:") else None

    @staticmethod
    def _label(window: Window) -> Text:
        prefix = {WindowKind.SERVER: "", WindowKind.ROOM: "", WindowKind.QUERY: "@ "}[window.kind]
        style = "" if window.active else "dim strike"
        if window.mentioned:
            style = "bold reverse"
        elif window.unread:
            style = "bold"
        label = Text(prefix + visible(window.name), style=style, no_wrap=True, overflow="ellipsis")
        if window.unread:
            label.append(f" {window.unread}", style="bold reverse" if window.mentioned else "dim")
        return label
