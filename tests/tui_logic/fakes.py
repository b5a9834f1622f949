"""A CommandContext for tests: a session that records its calls, an app that records its own."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tui_chat.client.events import Member
from tui_chat.client.isupport import Isupport


@dataclass
class FakeRoom:
    members: dict[str, Member] = field(default_factory=dict)


@dataclass
class FakeState:
    rooms: dict[str, FakeRoom] = field(default_factory=dict)
    isupport: Isupport = field(default_factory=Isupport)
    ignored: list[str] = field(default_factory=list)
    caps: set[str] = field(default_factory=set)
    offered_caps: dict[str, str] = field(default_factory=dict)
    left_members: dict[str, Member] = field(default_factory=dict)


class RecordingSession:
    """Every awaited action is appended to `calls` as (method name, *args)."""

    def __init__(self) -> None:
        self.calls: list[tuple[Any, ...]] = []
        self.state = FakeState()
        self.failure: Exception | None = None

    def __getattr__(self, name: str) -> Any:
        async def action(*args: Any) -> None:
            if self.failure is not None:
                raise self.failure
            self.calls.append((name, *args))

        return action


class FakeContext:
    def __init__(self, current_target: str | None = "#lobby") -> None:
        self.session = RecordingSession()
        self.current_target = current_target
        self.infos: list[str] = []
        self.errors: list[str] = []
        self.app_calls: list[tuple[Any, ...]] = []

    def show_info(self, text: str) -> None:
        self.infos.append(text)

    def show_error(self, text: str) -> None:
        self.errors.append(text)

    def open_query(self, nick: str) -> None:
        self.app_calls.append(("open_query", nick))

    def close_query(self, nick: str) -> None:
        self.app_calls.append(("close_query", nick))

    def clear(self) -> None:
        self.app_calls.append(("clear",))

    def show_help(self) -> None:
        self.app_calls.append(("show_help",))

    def request_quit(self, message: str) -> None:
        self.app_calls.append(("request_quit", message))

    def register_account(self, password: str | None) -> None:
        self.app_calls.append(("register_account", password))

    def log_in(self, account: str | None, password: str | None = None) -> None:
        self.app_calls.append(("log_in", account, password))

    def stop_register_hint(self) -> None:
        self.app_calls.append(("stop_register_hint",))
