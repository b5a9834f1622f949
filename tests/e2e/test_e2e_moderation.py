"""Moderation attacked on a real running server: bans by account, timed bans, quiets, UBAN.

Every test runs ServerThreads on 127.0.0.1 port 0 and talks raw IRC over
real sockets (IrcPeer); every wait is bounded.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from e2e.conftest import Address, Connect, StartServer
from e2e.ircpeer import IrcPeer, match
from e2e.test_e2e_accounts import PASSWORD, register_account, sasl_login, start_negotiation
from tui_chat.server.config import ServerConfig
from tui_chat.server.thread import ServerThread

OPERATORS = {"admin": "pw"}
# The core's tick lifts due entries; a fast one keeps expiry tests short.
FAST_TICK = 0.05


async def op_and_room(connect: Connect, address: Address, room: str = "#room") -> IrcPeer:
    """alice, who created `room` and so is its operator."""
    alice = await connect(address, "alice")
    await alice.join(room)
    return alice


async def test_account_ban_holds_through_a_nick_change_and_a_reconnect(
    connect: Connect, start_server: StartServer
) -> None:
    address = start_server(history_db=":memory:", default_room=None)
    alice = await op_and_room(connect, address)
    mallory = await register_account(connect, address, "mallory")
    await mallory.join("#room")
    await alice.send("MODE #room +b ~a:mallory", "KICK #room mallory :bye")
    await mallory.expect(match("KICK", "alice", "#room", "mallory"))
    await mallory.send("NICK innocent")
    await mallory.expect(match("NICK", "mallory"))
    assert (await mallory.request("JOIN #room", "474")).params[1] == "#room"
    # A fresh connection under another nick, logged in to the same account.
    again = await connect(address)
    await start_negotiation(again, "someone")
    assert (await sasl_login(again, "mallory", PASSWORD)).command == "903"
    await again.send("CAP END")
    await again.expect("001")
    assert (await again.request("JOIN #room", "474")).params[1] == "#room"
    # The same nick without the account is not banned.
    await mallory.send("QUIT")
    stranger = await connect(address, "mallory")
    await stranger.join("#room")


async def test_timed_ban_is_lifted_and_announced(
    connect: Connect, start_server: StartServer
) -> None:
    address = start_server(default_room=None, tick_interval=FAST_TICK)
    alice = await op_and_room(connect, address)
    bob = await connect(address, "bob")
    await alice.send("TBAN #room 1s bob")
    await alice.expect(match("MODE", "alice", "#room", "+b", "bob!*@*"))
    assert (
        (await bob.request("JOIN #room", "474"))
        .params[-1]
        .startswith("Cannot join channel (+b), the ban ends in")
    )
    lifted = await alice.expect(match("MODE", None, "#room", "-b", "bob!*@*"))
    assert lifted.source == "tui-chat.local"
    await bob.join("#room")


async def test_a_muted_user_reaches_nobody_while_the_others_keep_chatting(
    connect: Connect, start_server: StartServer
) -> None:
    address = start_server(default_room=None)
    alice = await op_and_room(connect, address)
    bob = await connect(address, "bob")
    carol = await connect(address, "carol")
    await bob.join("#room")
    await carol.join("#room")
    await alice.send("MODE #room +q bob")
    await carol.expect(match("MODE", "alice", "#room", "+q", "bob!*@*"))
    for i in range(20):
        await bob.send(f"PRIVMSG #room :spam {i}")
        await alice.send(f"PRIVMSG #room :hello {i}")
    refusals = [await bob.expect("404") for _ in range(20)]
    assert {r.params[-1] for r in refusals} == {"Cannot send to channel (you are muted (+q))"}
    heard = [await carol.expect(match("PRIVMSG", "alice", "#room")) for _ in range(20)]
    assert [m.params[-1] for m in heard] == [f"hello {i}" for i in range(20)]
    assert not [m for m in await carol.sync() if m.command == "PRIVMSG" and m.nick == "bob"]
    # bob still reads the room.
    await bob.sync()
    assert len([m for m in bob.seen if m.command == "PRIVMSG" and m.nick == "alice"]) == 20
    assert (await bob.request("NICK bob2", "435")).params[2] == "#room"


async def _connect_from(address: Address, source_ip: str) -> IrcPeer:
    async with asyncio.timeout(5):
        reader, writer = await asyncio.open_connection(*address, local_addr=(source_ip, 0))
    return IrcPeer(reader, writer)


async def test_uban_by_address_disconnects_and_refuses_reconnects(
    connect: Connect, start_server: StartServer
) -> None:
    address = start_server(operators=OPERATORS)
    admin = await connect(address, "admin")
    await admin.request("OPER admin pw", "381")
    victim = await _connect_from(address, "127.0.0.2")
    await victim.register("victim")
    witness = await connect(address, "witness")
    await admin.send("UBAN ADD 127.0.0.2 DURATION 1h REASON flooding")
    banned = await victim.expect("465")
    assert banned.params[-1] == "Banned from this server: flooding (expires in 1h)"
    error = (await victim.closed())[-1]
    assert error.command == "ERROR" and "flooding" in error.params[0]
    quit_line = await witness.expect(match("QUIT", "victim"))
    assert quit_line.params == ["Banned: flooding"]
    again = await _connect_from(address, "127.0.0.2")
    [refused] = await again.closed()
    assert refused.command == "ERROR" and "expires in" in refused.params[0]
    await victim.close()
    await again.close()
    # The rest of the server is untouched.
    await witness.send("PRIVMSG #lobby :still here")
    await admin.expect(match("PRIVMSG", "witness", "#lobby", "still here"))


async def test_non_operators_get_482_and_481(connect: Connect, start_server: StartServer) -> None:
    address = start_server(default_room=None)
    await op_and_room(connect, address)
    bob = await connect(address, "bob")
    await bob.join("#room")
    for line in ("MODE #room +b x", "MODE #room +q x", "TBAN #room 1m x", "KICK #room alice"):
        assert (await bob.request(line, "482")).params[1] == "#room"
    for line in ("UBAN LIST", "UBAN ADD 10.0.0.1", "KILL alice :bye"):
        await bob.request(line, "481")


def _server(db: Path) -> ServerThread:
    config = ServerConfig(history_db=str(db), operators=OPERATORS, default_room=None)
    return ServerThread(config, "127.0.0.1", 0)


async def test_bans_survive_a_restart(connect: Connect, tmp_path: Path) -> None:
    db = tmp_path / "history.sqlite3"
    first = _server(db)
    address = first.start()
    try:
        alice = await op_and_room(connect, address)
        await alice.request("OPER admin pw", "381")
        await alice.send(
            "MODE #room +bq spammer ~a:troll",
            "TBAN #room 1h flooder",
            "UBAN ADD *!*@192.0.2.* DURATION 2h REASON known spammer",
        )
        await alice.expect(match("NOTICE", None, "alice"))
        await alice.sync()
        await alice.send("QUIT")
        await alice.closed()
    finally:
        first.stop()
    second = _server(db)
    address = second.start()
    try:
        bob = await connect(address, "bob")
        await bob.join("#room")
        await bob.send("MODE #room b", "MODE #room q")
        bans = [await bob.expect("367") for _ in range(2)]
        assert {b.params[2] for b in bans} == {"spammer!*@*", "flooder!*@*"}
        assert (await bob.expect("728")).params[3] == "~a:troll"
        spammer = await connect(address, "spammer")
        assert (await spammer.request("JOIN #room", "474")).params[1] == "#room"
        await bob.request("OPER admin pw", "381")
        await bob.send("UBAN LIST")
        listed = await bob.expect(match("NOTICE", None, "bob"))
        assert listed.params[-1].startswith("mask *!*@192.0.2.*: known spammer (by alice")
    finally:
        second.stop()
