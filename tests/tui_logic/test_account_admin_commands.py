"""/password and /account: the NickServ lines they send, and that they stay out of input history."""

from __future__ import annotations

import pytest

from tui_chat.tui.commands import execute, is_secret

from .fakes import FakeContext


@pytest.mark.parametrize(
    ("line", "sent"),
    [
        ("/password old1 new2", "NS PASSWD old1 new2"),
        ("/passwd * fresh123", "NS PASSWD * fresh123"),
        ("/account info", "NS INFO"),
        ("/account info bob", "NS INFO bob"),
        ("/account list", "NS LIST"),
        ("/account list b*", "NS LIST b*"),
        ("/account drop bob", "NS SADROP bob"),
        ("/account drop me my pass word", "NS DROP me my pass word"),
        ("/account reset bob two words", "NS SAPASSWD bob two words"),
        ("/ACCOUNT REGISTER zed pw123456", "NS SAREGISTER zed pw123456"),
    ],
)
async def test_account_commands_send_nickserv_lines(line: str, sent: str) -> None:
    ctx = FakeContext()
    await execute(line, ctx)
    assert ctx.session.calls == [("send_raw", sent)] and not ctx.errors


@pytest.mark.parametrize(
    ("line", "usage"),
    [
        ("/password onlyone", "/password <current|*> <new>"),
        ("/password a b c", "/password <current|*> <new>"),
        ("/account", "/account <info|list|drop|reset|register>"),
        ("/account frob x", "/account <info|list|drop|reset|register>"),
        ("/account reset bob", "/account <info|list|drop|reset|register>"),
        ("/account drop", "/account <info|list|drop|reset|register>"),
        ("/account info a b", "/account <info|list|drop|reset|register>"),
    ],
)
async def test_wrong_arguments_show_the_usage(line: str, usage: str) -> None:
    ctx = FakeContext()
    await execute(line, ctx)
    assert not ctx.session.calls
    assert len(ctx.errors) == 1 and ctx.errors[0].startswith(f"Usage: {usage}")


def test_password_and_account_lines_are_secret() -> None:
    assert is_secret("/password a b") and is_secret("/account reset bob pw")
