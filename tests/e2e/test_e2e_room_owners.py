"""Rooms that emptied keep their bans and locks, and only their owners get op (QA F30).

Real ServerThreads with a history file on 127.0.0.1 port 0, raw IRC over
real sockets; every wait is bounded (IrcPeer's timeouts).
"""

from __future__ import annotations

from e2e.conftest import Address, Connect, StartServer
from e2e.ircpeer import IrcPeer, match
from e2e.test_e2e_accounts import PASSWORD, register_account, sasl_login, start_negotiation
from e2e.test_e2e_history import Servers, servers  # noqa: F401 (the fixture)
from tui_chat.irc.message import Message

OPERATORS = {"admin": "pw"}


def names_of(joined: list[Message]) -> list[str]:
    """The names (with prefixes) of the NAMES reply among a JOIN's lines."""
    return [name for m in joined if m.command == "353" for name in m.params[-1].split()]


async def emptied(peer: IrcPeer) -> None:
    """`peer` quits, so the rooms it was alone in are empty."""
    await peer.send("QUIT")
    await peer.closed()


async def left_behind(peer: IrcPeer, room: str, *modes: str) -> None:
    """`peer` creates `room`, sets `modes` (one MODE line each) and quits."""
    await peer.join(room)
    for mode in modes:
        await peer.send(f"MODE {room} {mode}")
        await peer.expect(match("MODE", peer.nick, room))
    await emptied(peer)


async def logged_in(connect: Connect, address: Address, account: str) -> IrcPeer:
    """A connection logged in to `account` with SASL PLAIN, registered as `account`."""
    peer = await connect(address)
    await start_negotiation(peer, account)
    assert (await sasl_login(peer, account, PASSWORD)).command == "903"
    await peer.send("CAP END")
    await peer.expect("001")
    peer.nick = account
    return peer


async def test_an_emptied_room_keeps_its_ban_key_and_limit(
    connect: Connect, start_server: StartServer
) -> None:
    """QA F30's first repro: the banned troll walked in and got op."""
    address = start_server(history_db=":memory:", default_room=None)
    founder = await connect(address, "founder2")
    await left_behind(founder, "#locked", "+kb sekrit troll2!*@*", "+l 1")
    troll = await connect(address, "troll2")
    assert (await troll.request("JOIN #locked sekrit", "474")).params[1] == "#locked"
    keyless = await connect(address, "keyless")
    assert (await keyless.request("JOIN #locked", "475")).params[1] == "#locked"
    # With the key: in, but no op, as the room has something to guard.
    assert names_of(await keyless.join("#locked", "sekrit")) == ["keyless"]
    assert (await keyless.request("MODE #locked -b troll2!*@*", "482")).params[1] == "#locked"
    late = await connect(address, "late")
    assert (await late.request("JOIN #locked sekrit", "471")).params[1] == "#locked"


async def test_an_emptied_invite_only_room_stays_closed(
    connect: Connect, start_server: StartServer
) -> None:
    address = start_server(history_db=":memory:", default_room=None)
    await left_behind(await connect(address, "owner"), "#owned", "+i")
    stranger = await connect(address, "stranger")
    assert (await stranger.request("JOIN #owned", "473")).params[1] == "#owned"
    assert (await stranger.request("TOPIC #owned :mine now", "403")).params[1] == "#owned"


async def test_a_throwaway_room_still_gives_op_to_its_next_creator(
    connect: Connect, start_server: StartServer
) -> None:
    """A guest's room with nothing to guard is plain IRC: first in runs it."""
    address = start_server(history_db=":memory:", default_room=None)
    first = await connect(address, "first")
    await first.join("#chat")
    await first.send("TOPIC #chat :hello")
    await first.expect(match("TOPIC", "first", "#chat"))
    await emptied(first)
    second = await connect(address, "second")
    assert names_of(await second.join("#chat")) == ["@second"]


async def test_a_banned_user_is_not_put_in_the_default_room_after_a_restart(
    servers: Servers,  # noqa: F811
    connect: Connect,
) -> None:
    """QA F30's third repro: the oper's ban on #lobby did not hold once it emptied."""
    first = servers.start(operators=OPERATORS)
    admin = await connect(first, "admin")
    await admin.request("OPER admin pw", "381")
    await admin.send("MODE #lobby +b troll3!*@*")
    await admin.expect(match("MODE", "admin", "#lobby", "+b", "troll3!*@*"))
    await emptied(admin)
    servers.stop_all()
    second = servers.start(operators=OPERATORS)
    troll = await connect(second)
    burst = await troll.register("troll3")
    refused = await troll.expect("474")
    assert refused.params[1] == "#lobby"
    assert not [m for m in burst + await troll.sync() if m.command == "JOIN"]
    # Someone else is let in, and gets no op in the server's room.
    guest = await connect(second, "guest")
    names = await guest.expect(match("353", None, "guest"))
    assert names.params[-1] == "guest"


async def test_the_founder_and_op_accounts_get_op_back_after_a_restart(
    servers: Servers,  # noqa: F811
    connect: Connect,
) -> None:
    first = servers.start(default_room=None)
    founder = await register_account(connect, first, "founder")
    helper = await register_account(connect, first, "helper")
    guest = await connect(first, "guest")
    assert names_of(await founder.join("#home")) == ["@founder"]
    await helper.join("#home")
    await guest.join("#home")
    await founder.send("MODE #home +o helper", "MODE #home +o guest", "MODE #home +b troll!*@*")
    await founder.expect(match("MODE", "founder", "#home", "+b"))
    await emptied(founder)
    await emptied(helper)
    await emptied(guest)
    servers.stop_all()
    second = servers.start(default_room=None)
    # A stranger, and the guest once made op (no account), come first: no op.
    stranger = await connect(second, "stranger")
    assert names_of(await stranger.join("#home")) == ["stranger"]
    guest = await connect(second, "guest")
    assert "@guest" not in names_of(await guest.join("#home"))
    back = await logged_in(connect, second, "founder")
    assert "@founder" in names_of(await back.join("#home"))
    helper = await logged_in(connect, second, "helper")
    assert "@helper" in names_of(await helper.join("#home"))
    # -o forgets an op account; the founder stays one whatever is done to it.
    await helper.send("MODE #home -o founder", "MODE #home -o helper")
    await back.expect(match("MODE", "helper", "#home", "-o", "helper"))
    for peer in (back, helper):
        await peer.send("PART #home")
        await peer.expect(match("PART", peer.nick, "#home"))
    assert "@founder" in names_of(await back.join("#home"))
    assert "helper" in names_of(await helper.join("#home"))


async def test_a_dropped_founder_account_runs_no_room(
    connect: Connect, start_server: StartServer
) -> None:
    """Whoever registers a dropped account's name later does not inherit its rooms."""
    address = start_server(history_db=":memory:", default_room=None)
    founder = await register_account(connect, address, "dave")
    await founder.join("#den")
    await founder.send("MODE #den +b troll!*@*", f"NS DROP dave {PASSWORD}")
    await founder.expect(lambda m: m.command == "NOTICE" and "Dropped the account" in m.params[-1])
    await emptied(founder)
    squatter = await register_account(connect, address, "dave")
    assert names_of(await squatter.join("#den")) == ["dave"]


async def test_server_operators_run_every_room(connect: Connect, start_server: StartServer) -> None:
    address = start_server(history_db=":memory:", default_room=None, operators=OPERATORS)
    await left_behind(await register_account(connect, address, "owner"), "#closed", "+ik door")
    admin = await connect(address, "admin")
    await admin.request("OPER admin pw", "381")
    assert names_of(await admin.join("#closed")) == ["@admin"]
    await admin.send("MODE #closed -o admin", "MODE #closed +o admin")
    await admin.expect(match("MODE", "admin", "#closed", "+o", "admin"))
