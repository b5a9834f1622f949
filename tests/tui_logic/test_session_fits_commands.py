"""The real ClientSession offers every action the slash commands call, with the same shape."""

from __future__ import annotations

import inspect

import pytest

from tui_chat.tui.commands import SessionActions

session_module = pytest.importorskip("tui_chat.client.session")


def _actions() -> list[str]:
    return [
        name
        for name, member in vars(SessionActions).items()
        if not name.startswith("_") and inspect.iscoroutinefunction(member)
    ]


def test_protocol_lists_the_actions() -> None:
    assert "send_message" in _actions()
    assert len(_actions()) == 17


@pytest.mark.parametrize("name", _actions())
def test_session_action_matches(name: str) -> None:
    real = getattr(session_module.ClientSession, name, None)
    assert real is not None, f"ClientSession has no {name}"
    assert inspect.iscoroutinefunction(real)
    wanted = inspect.signature(getattr(SessionActions, name))
    got = inspect.signature(real)
    assert [(p.name, p.kind, p.default) for p in got.parameters.values()] == [
        (p.name, p.kind, p.default) for p in wanted.parameters.values()
    ]


def test_session_has_state_with_rooms() -> None:
    assert isinstance(inspect.getattr_static(session_module.ClientSession, "state"), property)
