"""The host's nick belongs to the host (handlers/host_account.py), on a real server."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

from e2e.conftest import Address, Connect, StartServer
from e2e.ircpeer import IrcPeer
from e2e.test_e2e_account_admin import from_nickserv, logs_in, registered, says
from tui_chat.irc.message import Message
from tui_chat.server.config import ServerConfig
from tui_chat.server.thread import ServerThread

HOST_KEY = "in-process-secret"


def start(start_server: StartServer) -> Address:
    return start_server(history_db=":memory:", host_key=HOST_KEY)


async def host_connects(
    connect: Connect, address: Address, nick: str = "hostie"
) -> tuple[IrcPeer, list[Message]]:
    """The host's app connecting with its key; what it got up to its room's NAMES."""
    peer = await connect(address)
    burst = await peer.register(nick, password=HOST_KEY)
    burst.append(await peer.expect("366", skipped=burst))
    return peer, burst


def notices_about_password(burst: list[Message]) -> list[str]:
    return [m.params[-1] for m in burst if m.command == "NOTICE" and "password" in m.params[-1]]


async def test_host_gets_an_account_for_its_nick(
    connect: Connect, start_server: StartServer
) -> None:
    address = start(start_server)
    host, burst = await host_connects(connect, address)
    commands = [m.command for m in burst]
    assert commands.index("900") < commands.index("001")
    assert burst[commands.index("001")].params[0] == "hostie"
    assert not notices_about_password(burst)
    await says(host, "NS INFO", "Password: none (the host's account)")
    # No password opens it: a guesser gets nothing.
    assert await logs_in(connect, address, "hostie", "anything1") == "904"


async def test_host_takes_back_a_nick_registered_while_away(
    connect: Connect, start_server: StartServer
) -> None:
    """QA F17: the host is never a guest on its own server, and is told what happened."""
    address = start(start_server)
    squatter = await registered(connect, address, "hostie", "squatterpw1")
    await squatter.send("NICK squat")
    await squatter.expect("NICK")
    _, burst = await host_connects(connect, address)
    assert next(m for m in burst if m.command == "001").params[0] == "hostie"
    assert next(m for m in burst if m.command == "900").params[2] == "hostie"
    (told,) = notices_about_password(burst)
    assert "registered with a password" in told and "/password *" in told
    await squatter.expect_numeric("901")
    await squatter.expect(lambda m: from_nickserv(m) and "host took back" in m.params[-1])
    assert await logs_in(connect, address, "hostie", "squatterpw1") == "904"


async def test_host_gives_its_account_a_password(
    connect: Connect, start_server: StartServer
) -> None:
    address = start(start_server)
    host, _ = await host_connects(connect, address)
    await says(host, "NS PASSWD wrong laptoppw1", "give * as the current one")
    await says(host, "NS PASSWD * laptoppw1", "Password changed")
    assert await logs_in(connect, address, "hostie", "laptoppw1") == "903"
    await says(host, "NS INFO", "Password: scrypt")


async def test_a_wrong_key_is_no_host(connect: Connect, start_server: StartServer) -> None:
    address = start(start_server)
    owner = await registered(connect, address, "owner", "ownerpass1")
    await owner.send("QUIT")
    await owner.closed()
    peer = await connect(address)
    burst = await peer.register("owner", password="not-the-key")
    assert burst[-1].params[0].startswith("Guest")
    assert "900" not in [m.command for m in burst]


async def test_the_host_account_survives_a_restart(connect: Connect, tmp_path: Path) -> None:
    db = tmp_path / "host.sqlite3"
    for _ in range(2):
        server = ServerThread(ServerConfig(history_db=str(db), host_key=HOST_KEY), "127.0.0.1", 0)
        try:
            host, burst = await host_connects(connect, server.start())
            assert "900" in [m.command for m in burst]
            assert not notices_about_password(burst)
            await host.send("QUIT")
            await host.closed()
        finally:
            await asyncio.to_thread(server.stop)
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT name, password, scram FROM accounts").fetchall()
    assert rows == [("hostie", "", None)]


async def test_a_held_nick_still_gives_the_host_its_account(
    connect: Connect, start_server: StartServer
) -> None:
    """Someone holds the nick (433): the host registers as another, logged in to its own."""
    address = start(start_server)
    holder = await connect(address, "hostie")
    host = await connect(address)
    await host.send(f"PASS {HOST_KEY}", "NICK hostie", "USER h 0 * :h")
    await host.expect_numeric("433")
    await host.send("NICK hostie_")
    logged = await host.expect_numeric("900")
    assert logged.params[2] == "hostie"
    await host.expect("001")
    await host.send("NS INFO")
    assert (await host.expect(from_nickserv)).params[-1] == "Account hostie"
    # Its NICK takes the nick back from the holder, who is not logged in to it.
    await host.send("NICK hostie")
    await host.expect(lambda m: m.command == "NICK" and m.params == ["hostie"])
    renamed = await holder.expect("NICK")
    assert renamed.nick == "hostie" and renamed.params[0].startswith("Guest")
