"""The help screen (F1, /help): every command and every key."""

from __future__ import annotations

from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from tui_chat.tui.commands import COMMANDS

__all__ = ["KEYS", "HelpScreen"]

# Keys the chat screen answers to, as shown in the help screen and docs/usage.md.
KEYS: tuple[tuple[str, str], ...] = (
    ("Ctrl+N / Alt+Down", "next window"),
    ("Ctrl+P / Alt+Up", "previous window"),
    ("Alt+A", "next window with unread messages"),
    ("Tab / Shift+Tab", "complete nick, #room or /command"),
    ("Up / Down", "input history"),
    ("PageUp / PageDown", "scroll the log; PageUp at the top loads older messages"),
    ("Home", "jump to the oldest message kept; older ones load from there"),
    ("End", "jump to the newest message"),
    ("F1", "this help"),
    ("F2", "command palette: themes, screenshots"),
    ("Ctrl+Q", "quit"),
    ("click", "a room to switch, a nick to talk privately, a link to open it"),
    ("drag, then Ctrl+C", "select text in the log; Ctrl+C copies it"),
)


def _commands_table() -> Table:
    # Shares of the width: one very long usage line must not squeeze every help text.
    table = Table(box=None, show_header=False, padding=(0, 1), expand=True)
    table.add_column(style="bold", ratio=2)
    table.add_column(ratio=3)
    for command in COMMANDS.values():
        aliases = ", ".join(f"/{alias}" for alias in command.aliases)
        detail = Text(command.help)
        if aliases:
            detail.append(f"  ({aliases})", style="dim")
        # Text, not a str: Rich would read "[#room]" as markup and drop it.
        table.add_row(Text(command.usage_line), detail)
    return table


def _keys_table() -> Table:
    table = Table(box=None, show_header=False, padding=(0, 1))
    table.add_column(style="bold", no_wrap=True)
    table.add_column()
    for key, what in KEYS:
        table.add_row(key, what)
    return table


class HelpScreen(ModalScreen[None]):
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll {
        width: 90%; max-width: 110; height: 90%;
        border: round $accent; background: $surface; padding: 0 1;
    }
    HelpScreen .title { text-style: bold; color: $accent; margin-top: 1; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [("escape,q,f1", "dismiss", "Close")]

    def compose(self) -> ComposeResult:
        with VerticalScroll() as scroll:
            scroll.border_title = "Help: Esc to close"
            yield Static("Keys", classes="title")
            yield Static(_keys_table())
            yield Static("Commands (type // to send a line starting with /)", classes="title")
            yield Static(_commands_table())
