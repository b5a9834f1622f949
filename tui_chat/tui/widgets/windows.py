"""The app's windows: the server window, one per joined room, one per private conversation.

Plain data, no widgets. Each window remembers its topic, members, unread count
and whether something mentioned you; the widgets draw from it. Windows are
looked up by case-folded name, so "#Lobby" and "#lobby" are one window.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import Enum

from tui_chat.client.events import Member
from tui_chat.irc.casemap import casefold, is_channel
from tui_chat.tui.completion import RecentSpeakers
from tui_chat.tui.older_pages import OlderPages

__all__ = ["SERVER_WINDOW", "Window", "WindowKind", "WindowList"]

# The key of the server window, which holds MOTD, errors and replies with no room.
SERVER_WINDOW = ""


class WindowKind(Enum):
    SERVER = "server"
    ROOM = "room"
    QUERY = "query"


@dataclass(slots=True)
class Window:
    name: str
    kind: WindowKind
    topic: str = ""
    members: dict[str, Member] = field(default_factory=dict)
    unread: int = 0
    mentioned: bool = False
    # False after we left or were kicked: the log stays readable, sending is refused.
    active: bool = True
    speakers: RecentSpeakers = field(default_factory=RecentSpeakers)
    older: OlderPages = field(default_factory=OlderPages)

    @property
    def key(self) -> str:
        return casefold(self.name) if self.kind is not WindowKind.SERVER else SERVER_WINDOW

    @property
    def target(self) -> str | None:
        """Where text typed here goes; None for the server window."""
        return None if self.kind is WindowKind.SERVER else self.name

    def set_members(self, members: tuple[Member, ...]) -> None:
        self.members = {casefold(member.nick): member for member in members}


class WindowList:
    """The windows in display order: server window, rooms, then conversations."""

    def __init__(self, server_label: str) -> None:
        self._windows: dict[str, Window] = {SERVER_WINDOW: Window(server_label, WindowKind.SERVER)}

    def __iter__(self) -> Iterator[Window]:
        return iter(self.ordered())

    def __len__(self) -> int:
        return len(self._windows)

    def get(self, name: str) -> Window | None:
        return self._windows.get(casefold(name) if name else SERVER_WINDOW)

    @property
    def server(self) -> Window:
        return self._windows[SERVER_WINDOW]

    def ensure(self, name: str) -> tuple[Window, bool]:
        """The window called `name`, created if missing; True when it is new."""
        window = self.get(name)
        if window is not None:
            return window, False
        kind = WindowKind.ROOM if is_channel(name) else WindowKind.QUERY
        window = Window(name, kind)
        self._windows[window.key] = window
        return window, True

    def remove(self, name: str) -> Window | None:
        key = casefold(name)
        if key == SERVER_WINDOW:
            return None
        return self._windows.pop(key, None)

    def rename(self, old: str, new: str) -> Window | None:
        """A query follows its partner's nick change."""
        window = self._windows.pop(casefold(old), None)
        if window is None:
            return None
        window.name = new
        self._windows[window.key] = window
        return window

    def ordered(self) -> list[Window]:
        rank = {WindowKind.SERVER: 0, WindowKind.ROOM: 1, WindowKind.QUERY: 2}
        return sorted(self._windows.values(), key=lambda w: (rank[w.kind], w.key))
