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
        ("/login", ("log_in", None, None)),
        ("/login alice", ("log_in", "alice", None)),
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


@pytest.mark.parametrize(
    "line",
    [
        "/quote REGISTER * * pw",
        "/raw authenticate AGFsaWNl",
        "/quote OPER name pw",
        "/quote PASS x",
        "/quote @label=1 :me PRIVMSG NickServ :IDENTIFY pw",
        "/quote NS IDENTIFY pw",
        "/msg NickServ IDENTIFY pw",
        "/m nickserv register pw",
        "/query NickServ identify pw",
    ],
)
def test_passwords_through_quote_and_nickserv_are_secret(line: str) -> None:
    assert is_secret(line)


def test_other_raw_lines_and_messages_are_not_secret() -> None:
    assert not is_secret("/quote PRIVMSG #room :IDENTIFY yourself")
    assert not is_secret("/msg bob identify pw") and not is_secret("/quote")


def nickserv_context(*caps: str) -> FakeContext:
    ctx = FakeContext()
    ctx.session.state.caps = set(caps)
    ctx.session.state.offered_caps = dict.fromkeys(caps, "")
    return ctx


@pytest.mark.parametrize(
    ("line", "call"),
    [
        ("/msg NickServ identify hunter22", ("log_in", None, "hunter22")),
        ("/msg nickserv IDENTIFY alice hunter22", ("log_in", "alice", "hunter22")),
        ("/query NickServ id alice hunter22", ("log_in", "alice", "hunter22")),
        ("/msg NickServ identify alice two  words", ("log_in", "alice", "two  words")),
        ("/msg NickServ register hunter22 me@example.org", ("register_account", "hunter22")),
    ],
)
async def test_nickserv_logins_are_done_by_the_app(line: str, call: tuple[str, ...]) -> None:
    ctx = nickserv_context("sasl", "draft/account-registration")
    await execute(line, ctx)
    assert call in ctx.app_calls and not ctx.session.calls and not ctx.errors


async def test_nickserv_passwords_without_sasl_go_raw_and_masked() -> None:
    ctx = nickserv_context()
    await execute("/msg NickServ IDENTIFY hunter22", ctx)
    assert ctx.session.calls == [("send_raw", "PRIVMSG NickServ :IDENTIFY hunter22")]
    assert ctx.infos == ["Sent to NickServ: IDENTIFY ********"]
    await execute("/msg NickServ INFO alice", ctx)
    assert ctx.session.calls[-1] == ("send_message", "NickServ", "INFO alice")
