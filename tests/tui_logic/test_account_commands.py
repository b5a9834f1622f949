"""/register and /login: what they ask of the app, and that they stay out of input history."""

from __future__ import annotations

import pytest

from tui_chat.tui.commands import execute, is_secret

from .fakes import FakeContext


@pytest.mark.parametrize(
    ("line", "call"),
    [
        ("/register", ("register_account", None)),
        ("/register two words", ("register_account", "two words")),
        ("/REGISTER never", ("stop_register_hint",)),
        ("/login", ("log_in", None)),
        ("/login alice", ("log_in", "alice")),
    ],
)
async def test_account_commands_ask_the_app(line: str, call: tuple[str, ...]) -> None:
    ctx = FakeContext()
    await execute(line, ctx)
    assert ctx.app_calls == [call] and not ctx.errors


async def test_login_takes_one_account_only() -> None:
    ctx = FakeContext()
    await execute("/login alice secret", ctx)
    assert ctx.errors == ["Usage: /login [account]"] and not ctx.app_calls


def test_password_lines_are_secret() -> None:
    assert is_secret("/register hunter22") and is_secret("/LOGIN alice")
    assert not is_secret("//register hunter22")  # a message, sent as typed
    assert not is_secret("/join #a") and not is_secret("hello") and not is_secret("/nope")
