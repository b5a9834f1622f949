"""Accounts against tui-chat's own server: REGISTER, SASL (PLAIN and SCRAM), guest renames."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from tui_chat.client.events import (
    AccountChanged,
    AccountRegistered,
    ConnectionStateChanged,
    ErrorReply,
    GuestRenamed,
    LoginFailed,
    MembersChanged,
    NickChanged,
    Registered,
)
from tui_chat.client.session import ConnectOptions
from tui_chat.server.config import ServerConfig
from tui_chat.server.thread import ServerThread

from .helpers import RunningSession, running

Address = tuple[str, int]
PASSWORD = "correct horse battery"


async def start(config: ServerConfig) -> AsyncIterator[Address]:
    server = ServerThread(config, "127.0.0.1", 0)
    address = await asyncio.to_thread(server.start)
    yield address
    await asyncio.to_thread(server.stop)


@pytest.fixture
async def accounts_server() -> AsyncIterator[Address]:
    """Our server with a store (so with accounts) and PLAIN only, its default."""
    async for address in start(ServerConfig(history_db=":memory:")):
        yield address


@pytest.fixture
async def scram_server() -> AsyncIterator[Address]:
    async for address in start(ServerConfig(history_db=":memory:", sasl_scram=True)):
        yield address


def options(address: Address, nick: str, **extra: object) -> ConnectOptions:
    return ConnectOptions(address[0], address[1], nick, reconnect=False, **extra)  # type: ignore[arg-type]


async def register(run: RunningSession, password: str = PASSWORD) -> AccountRegistered:
    welcome = await run.events.wait(Registered)
    assert welcome.can_register and welcome.can_login and welcome.account is None
    await run.session.register_account(password)
    return await run.events.wait(AccountRegistered)


async def test_register_logs_in_and_is_remembered_for_reconnects(accounts_server: Address) -> None:
    async with running(options(accounts_server, "alice")) as alice:
        done = await register(alice)
        assert (done.account, done.needs_verification) == ("alice", False)
        await alice.events.wait(AccountChanged, lambda e: e.is_self and e.account == "alice")
        assert alice.session.state.account == "alice"
        assert alice.session.credentials == ("alice", PASSWORD)


async def test_a_weak_password_is_refused_with_a_sentence(accounts_server: Address) -> None:
    async with running(options(accounts_server, "alice")) as alice:
        await alice.events.wait(Registered)
        await alice.session.register_account("short")
        refused = await alice.events.wait(ErrorReply, lambda e: e.code == "WEAK_PASSWORD")
        assert refused.text.startswith("Could not register: that password is too weak")
        assert alice.session.state.account is None and alice.session.credentials is None


async def test_guest_renamed_then_login_takes_the_nick_back(accounts_server: Address) -> None:
    async with running(options(accounts_server, "alice")) as owner:
        await register(owner)
    async with running(options(accounts_server, "alice")) as again:
        renamed = await again.events.wait(GuestRenamed)
        assert renamed.wanted == "alice" and renamed.guest.startswith("Guest")
        await again.session.login("alice", "wrong password")
        failed = await again.events.wait(LoginFailed)
        assert failed.reason == "Could not log in: wrong account name or password"
        assert again.session.state.account is None
        await again.session.login("alice", PASSWORD)
        await again.events.wait(AccountChanged, lambda e: e.is_self and e.account == "alice")
        back = await again.events.wait(NickChanged, lambda e: e.is_self and e.new == "alice")
        assert back.old == renamed.guest and again.session.state.nick == "alice"
        assert again.session.credentials == ("alice", PASSWORD)


async def refused_while_connecting(address: Address) -> None:
    """A login with a wrong password while connecting ends the session with a sentence."""
    async with running(options(address, "alice", sasl=("alice", "nope nope"))) as run:
        final = await run.events.wait(ConnectionStateChanged, lambda e: e.fatal)
        assert final.detail == "Could not log in: wrong account name or password"


async def test_a_wrong_remembered_password_stops_with_a_sentence(accounts_server: Address) -> None:
    async with running(options(accounts_server, "alice")) as owner:
        await register(owner)
    await refused_while_connecting(accounts_server)


async def test_scram_login_while_connecting(scram_server: Address) -> None:
    async with running(options(scram_server, "alice")) as owner:
        await register(owner)
    async with running(options(scram_server, "alice", sasl=("alice", PASSWORD))) as run:
        welcome = await run.events.wait(Registered)
        assert "SCRAM-SHA-256" in run.session.state.offered_caps["sasl"]
        assert (welcome.nick, welcome.account) == ("alice", "alice")
        assert not run.events.of(GuestRenamed)
    await refused_while_connecting(scram_server)


async def test_others_see_accounts_in_the_member_list(accounts_server: Address) -> None:
    async with running(options(accounts_server, "alice")) as alice:
        await register(alice)
        async with running(options(accounts_server, "bob")) as bob:
            await bob.events.wait(Registered)
            # extended-join told bob nothing of alice (she was there first): WHOIS does.
            await bob.session.whois("alice")
            await bob.events.wait(
                MembersChanged,
                lambda e: any(m.nick == "alice" and m.account == "alice" for m in e.members),
            )
            await bob.session.register_account(PASSWORD)
            await alice.events.wait(AccountChanged, lambda e: e.nick == "bob" and e.account)
            await alice.events.wait(
                MembersChanged,
                lambda e: any(m.nick == "bob" and m.account == "bob" for m in e.members),
            )
