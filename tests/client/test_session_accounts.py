"""Accounts against tui-chat's own server: REGISTER, SASL (PLAIN and SCRAM), guest renames."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tui_chat.client.events import (
    AccountChanged,
    AccountRegistered,
    ConnectionStateChanged,
    ErrorReply,
    GuestRenamed,
    HistoryBatchEnded,
    LoginFailed,
    MembersChanged,
    MessageReceived,
    NickChanged,
    Registered,
    ServerInfo,
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
        assert failed.reason == "Could not log in: invalid account or password"
        assert again.session.state.account is None
        await again.session.login("alice", PASSWORD)
        await again.events.wait(AccountChanged, lambda e: e.is_self and e.account == "alice")
        back = await again.events.wait(NickChanged, lambda e: e.is_self and e.new == "alice")
        assert back.old == renamed.guest and again.session.state.nick == "alice"
        assert again.session.credentials == ("alice", PASSWORD)


async def refused_while_connecting(address: Address) -> None:
    """A wrong password while connecting is said, and we go on as a guest."""
    async with running(options(address, "alice", sasl=("alice", "nope nope"))) as run:
        refused = await run.events.wait(LoginFailed)
        assert refused.while_connecting
        assert refused.reason == "Could not log in: invalid account or password"
        renamed = await run.events.wait(GuestRenamed)
        assert renamed.wanted == "alice"
        welcome = await run.events.wait(Registered)
        assert welcome.nick == renamed.guest and welcome.account is None
        assert not run.events.of(ConnectionStateChanged, lambda e: e.fatal)


async def test_a_wrong_remembered_password_goes_on_as_a_guest(accounts_server: Address) -> None:
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
            # extended-join told bob nothing of alice (she was there first): the
            # WHOX on joining does, and none of its replies is shown as text.
            await bob.events.wait(
                MembersChanged,
                lambda e: any(m.nick == "alice" and m.account == "alice" for m in e.members),
            )
            assert not bob.events.of(ServerInfo, lambda e: e.code in ("354", "315"))
            await bob.session.register_account(PASSWORD)
            await alice.events.wait(AccountChanged, lambda e: e.nick == "bob" and e.account)
            await alice.events.wait(
                MembersChanged,
                lambda e: any(m.nick == "bob" and m.account == "bob" for m in e.members),
            )


async def test_an_account_older_than_scram_logs_in_by_plain_once(tmp_path: Path) -> None:
    """The server turned SCRAM on after the account was made: it has no SCRAM key yet."""
    store = str(tmp_path / "chat.db")
    async for address in start(ServerConfig(history_db=store)):
        async with running(options(address, "alice")) as owner:
            await register(owner)
    async for address in start(ServerConfig(history_db=store, sasl_scram=True)):
        for _ in range(2):  # PLAIN the first time, SCRAM (now it has a key) the next
            async with running(options(address, "alice", sasl=("alice", PASSWORD))) as run:
                welcome = await run.events.wait(Registered)
                assert (welcome.nick, welcome.account) == ("alice", "alice")
                assert not run.events.of(LoginFailed)


async def test_a_refused_login_leaves_no_password_for_a_later_900(accounts_server: Address) -> None:
    """A wrong /login, then a REGISTER typed by hand: reconnects use the REGISTER's password."""
    async with running(options(accounts_server, "alice")) as alice:
        await alice.events.wait(Registered)
        await alice.session.login("nobody", "wrong password")
        await alice.events.wait(LoginFailed)
        await alice.session.send_raw(f"REGISTER * * :{PASSWORD}")
        await alice.events.wait(AccountChanged, lambda e: e.is_self and e.account == "alice")
        assert alice.session.credentials == ("alice", PASSWORD)


async def test_our_nick_is_taken_back_when_our_ghost_leaves(accounts_server: Address) -> None:
    async with running(options(accounts_server, "jay")) as ghost:
        await register(ghost)
        login = options(accounts_server, "jay", sasl=("jay", PASSWORD))
        async with running(login) as again:
            welcome = await again.events.wait(Registered)
            assert (welcome.nick, welcome.account) == ("jay_", "jay")
            await again.events.wait(MembersChanged, lambda e: len(e.members) == 2)
            await ghost.stop()
            back = await again.events.wait(NickChanged, lambda e: e.is_self)
            assert (back.old, back.new) == ("jay_", "jay")


async def test_private_conversations_come_back_when_logged_in(accounts_server: Address) -> None:
    async with running(options(accounts_server, "alice")) as alice:
        await register(alice)
        async with running(options(accounts_server, "bob")) as bob:
            await register(bob)
            await alice.session.send_message("bob", "psst, bob")
            await bob.events.wait(MessageReceived, lambda e: e.text == "psst, bob")
    async with running(options(accounts_server, "bob", sasl=("bob", PASSWORD))) as bob:
        # alice is gone: TARGETS names her by her account, and her words come back.
        said = await bob.events.wait(MessageReceived, lambda e: e.text == "psst, bob")
        assert said.target == said.sender == "alice" and said.is_private and said.is_history

        def ended() -> int:
            return len(bob.events.of(HistoryBatchEnded, lambda e: e.target == "alice"))

        await bob.events.wait_until(lambda: ended() == 1)
        await bob.session.load_conversation("alice")
        await bob.events.wait_until(lambda: ended() == 2)
        # Fetched twice, shown once.
        assert len(bob.events.of(MessageReceived, lambda e: e.text == "psst, bob")) == 1
