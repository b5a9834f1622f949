"""tui-chat: a terminal chat room that speaks IRC."""

__version__ = "0.1.0"
