"""Accounts in the real app on our real server: register, remember, guest rename, log in."""

from __future__ import annotations

import asyncio
import io
import os
import stat
from collections.abc import AsyncIterator

import pytest
import typer
from textual.pilot import Pilot

from tui_chat.cli import _login_from_flags, chat_app
from tui_chat.config import Settings
from tui_chat.credentials import CredentialStore, ServerLogin
from tui_chat.server.config import ServerConfig
from tui_chat.server.thread import ServerThread
from tui_chat.tui.app import ChatApp
from tui_chat.tui.screens.confirm import ConfirmScreen
from tui_chat.tui.screens.password_prompt import PasswordPrompt
from tui_chat.tui.widgets.chat_input import ChatInput
from tui_chat.tui.widgets.status_line import StatusLine

from .test_end_to_end import SIZE, until

PASSWORD = "correct horse battery"
HINT = "Your name isn't registered here"


@pytest.fixture
async def port() -> AsyncIterator[int]:
    """Our server with accounts (a store) on a free port."""
    server = ServerThread(ServerConfig(history_db=":memory:"), "127.0.0.1", 0)
    _, bound = await asyncio.to_thread(server.start)
    yield bound
    await asyncio.to_thread(server.stop)


def app_for(port: int, nick: str = "alice") -> ChatApp:
    return chat_app(Settings(nick=nick, bell_on_mention=False), "127.0.0.1", port)


def shows(app: ChatApp, text: str, window: str = "#lobby") -> bool:
    return any(text in line for line in app.log_lines(window))


def account_of(app: ChatApp) -> str:
    return app.query_one(StatusLine).account


async def type_password(pilot: Pilot, *boxes: str) -> None:
    """Fill the prompt's password boxes in order (Enter moves on, then answers)."""
    for text in boxes:
        await pilot.press(*text, "enter")


async def answer(pilot: Pilot, key: str) -> None:
    await until(pilot, lambda: isinstance(pilot.app.screen, ConfirmScreen))
    await pilot.press(key)


async def test_register_remember_and_be_logged_in_next_time(port: int) -> None:
    app = app_for(port)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: shows(app, HINT))
        await pilot.press(*"/register", "enter")
        await until(pilot, lambda: isinstance(app.screen, PasswordPrompt))
        await type_password(pilot, PASSWORD, "not the same")
        assert isinstance(app.screen, PasswordPrompt)  # the two differ: asked again
        await type_password(pilot, PASSWORD, PASSWORD)
        await until(pilot, lambda: shows(app, "Account alice registered"))
        assert account_of(app) == "alice"
        await answer(pilot, "y")
        await until(pilot, lambda: shows(app, "Remembered in"))
        history = app.query_one(ChatInput).history
        assert not any("register" in line for line in history.entries)
        assert all(
            PASSWORD not in line for window in ("", "#lobby") for line in app.log_lines(window)
        )
    store = CredentialStore()
    assert store.get("127.0.0.1", port) == ServerLogin("alice", PASSWORD)
    assert stat.S_IMODE(os.stat(store.path).st_mode) == 0o600

    again = app_for(port)
    async with again.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: again.current_key == "#lobby")
        await until(pilot, lambda: account_of(again) == "alice")
        assert again.nick == "alice" and not shows(again, HINT)


@pytest.mark.parametrize("by_nickserv", [False, True])
async def test_guest_rename_then_log_in_takes_the_nick_back(port: int, by_nickserv: bool) -> None:
    owner = app_for(port)
    async with owner.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: owner.current_key == "#lobby")
        # Loopback is private: the password goes as typed, no prompt.
        await pilot.press(*f"/register {PASSWORD}", "enter")
        await until(pilot, lambda: shows(owner, "Account alice registered"))
        await answer(pilot, "n")
    assert CredentialStore().get("127.0.0.1", port) is None

    guest = app_for(port)
    async with guest.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: isinstance(guest.screen, PasswordPrompt))
        assert guest.nick.startswith("Guest") and not shows(guest, HINT, "")
        await type_password(pilot, "wrong password")
        await until(pilot, lambda: shows(guest, "invalid account or password"))
        assert guest.nick.startswith("Guest") and account_of(guest) == ""
        if by_nickserv:
            # What the server's guest notice suggests: done as our own login (SASL).
            await pilot.press(*f"/msg NickServ IDENTIFY alice {PASSWORD}", "enter")
        else:
            await pilot.press(*"/login alice", "enter")
            await until(pilot, lambda: isinstance(guest.screen, PasswordPrompt))
            await type_password(pilot, PASSWORD)
        await until(pilot, lambda: guest.nick == "alice" and account_of(guest) == "alice")
        await answer(pilot, "n")
        assert guest.windows.get("NickServ") is None
        assert not any(PASSWORD in line for line in guest.query_one(ChatInput).history.entries)
        assert "alice" in guest.query_one(StatusLine).render().plain


async def register_alice(port: int) -> None:
    """alice registers (password typed in full: loopback is private) and is not remembered."""
    owner = app_for(port)
    async with owner.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: owner.current_key == "#lobby")
        await pilot.press(*f"/register {PASSWORD}", "enter")
        await answer(pilot, "n")


async def test_a_refused_remembered_password_goes_on_as_a_guest_and_is_kept(port: int) -> None:
    await register_alice(port)
    store = CredentialStore()
    stale = ServerLogin("alice", "changed since")
    store.remember("127.0.0.1", port, stale)
    app = app_for(port)
    async with app.run_test(size=SIZE) as pilot:
        # A 904 may be a lock-out: said, never forgotten unasked; the guest prompt follows.
        await until(pilot, lambda: isinstance(app.screen, PasswordPrompt))
        assert shows(app, "Could not log in with your saved password: invalid account", "")
        await until(pilot, lambda: app.current_key == "#lobby")
        assert app.nick.startswith("Guest") and isinstance(app.screen, PasswordPrompt)
        assert store.get("127.0.0.1", port) == stale
        await type_password(pilot, PASSWORD)
        await until(pilot, lambda: account_of(app) == "alice")
        await answer(pilot, "y")  # remember the password that worked instead
        await until(pilot, lambda: shows(app, "Remembered in"))
    assert store.get("127.0.0.1", port) == ServerLogin("alice", PASSWORD)


@pytest.mark.parametrize("forget", [True, False])
async def test_a_refused_remembered_password_is_forgotten_only_if_asked(
    port: int, forget: bool
) -> None:
    # bob's name is not an account: no guest prompt, so the app asks itself.
    store = CredentialStore()
    stale = ServerLogin("bob", "never was")
    store.remember("127.0.0.1", port, stale)
    app = app_for(port, "bob")
    async with app.run_test(size=SIZE) as pilot:
        await answer(pilot, "y" if forget else "n")
        await until(pilot, lambda: app.current_key == "#lobby")
        assert app.nick == "bob" and not shows(app, HINT)
        if forget:
            await until(pilot, lambda: shows(app, "password is forgotten"))
    assert store.get("127.0.0.1", port) == (ServerLogin() if forget else stale)


async def test_register_never_stops_the_hint_on_this_server(port: int) -> None:
    app = app_for(port, "bob")
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: shows(app, HINT))
        await pilot.press(*"/register never", "enter")
        await until(pilot, lambda: shows(app, "will not be suggested"))
    again = app_for(port, "bob")
    async with again.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: again.current_key == "#lobby")
        await pilot.pause(0.2)
        assert not shows(again, HINT) and not shows(again, HINT, "")


def test_join_reads_the_account_password_from_stdin(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(f"{PASSWORD}\nnext line\n"))
    assert _login_from_flags("alice", password_stdin=True) == ("alice", PASSWORD)
    assert _login_from_flags(None, password_stdin=False) is None
    for account, stdin in ((None, True), ("alice", True)):
        monkeypatch.setattr("sys.stdin", io.StringIO("\n"))
        with pytest.raises(typer.Exit) as stopped:
            _login_from_flags(account, password_stdin=stdin)
        assert stopped.value.exit_code == 2


async def test_join_account_logs_in_while_connecting(port: int) -> None:
    owner = app_for(port)
    async with owner.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: owner.current_key == "#lobby")
        await pilot.press(*f"/register {PASSWORD}", "enter")
        await answer(pilot, "n")
    settings = Settings(nick="alice", bell_on_mention=False)
    app = chat_app(settings, "127.0.0.1", port, login=("alice", PASSWORD))
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: app.current_key == "#lobby" and account_of(app) == "alice")
        assert app.nick == "alice" and not isinstance(app.screen, PasswordPrompt)


async def test_a_login_saved_for_another_certificate_is_offered_again(port: int) -> None:
    await register_alice(port)
    store = CredentialStore()
    store.remember("127.0.0.1", port, ServerLogin("alice", PASSWORD, fingerprint="AA:BB"))
    app = app_for(port)
    async with app.run_test(size=SIZE) as pilot:
        # Not sent: this server shows no such certificate. Typed, it works.
        await until(pilot, lambda: isinstance(app.screen, PasswordPrompt))
        await type_password(pilot, PASSWORD)
        await until(pilot, lambda: account_of(app) == "alice")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        assert "saved for another certificate" in app.screen.question
        await pilot.press("y")
        await until(pilot, lambda: shows(app, "Remembered in"))
    assert store.get("127.0.0.1", port) == ServerLogin("alice", PASSWORD)
