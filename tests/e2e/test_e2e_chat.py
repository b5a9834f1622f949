"""Chatting over real sockets: registration, rooms, nicks, part/quit, away, topic."""

from __future__ import annotations

import asyncio

from e2e.conftest import Address, Connect
from e2e.ircpeer import IrcPeer, match
from tui_chat.irc.message import Message


async def chatters(connect: Connect, address: Address, *nicks: str) -> list[IrcPeer]:
    """Register `nicks` in order; each is in #lobby and has seen everyone after them join."""
    peers = [await connect(address, nick) for nick in nicks]
    for i, peer in enumerate(peers):
        for later in nicks[i:]:
            await peer.expect(match("JOIN", later, "#lobby"))
    return peers


async def test_registration_burst(connect: Connect, plain: Address) -> None:
    peer = await connect(plain)
    burst = await peer.register("alice")
    commands = [m.command for m in burst]
    assert commands[:4] == ["001", "002", "003", "004"]
    assert burst[0].params[0] == "alice"
    assert "alice" in burst[0].params[-1]
    isupport = " ".join(" ".join(m.params[1:-1]) for m in burst if m.command == "005")
    for token in ("CASEMAPPING=rfc1459", "CHANTYPES=", "NICKLEN=", "PREFIX=(ov)@+", "NETWORK="):
        assert token in isupport
    assert "251" in commands  # LUSERS
    assert commands[-1] in ("376", "422")
    # No default room on a plain server: nothing more arrives.
    assert not [m for m in await peer.sync() if m.command == "JOIN"]


async def test_default_room_places_everyone_and_announces_joins(
    connect: Connect, lobby: Address
) -> None:
    alice = await connect(lobby, "alice")
    await alice.expect(match("JOIN", "alice", "#lobby"))
    names = await alice.expect("353")
    # First in, yet no op: the default room belongs to the server.
    assert names.params[-1].split() == ["alice"]
    await alice.expect("366")
    bob = await connect(lobby, "bob")
    await alice.expect(match("JOIN", "bob", "#lobby"))
    await bob.expect(match("JOIN", "bob", "#lobby"))
    names = await bob.expect("353")
    assert sorted(names.params[-1].split()) == ["alice", "bob"]


async def test_three_clients_chat_in_lobby_and_a_second_room(
    connect: Connect, lobby: Address
) -> None:
    alice, bob, carol = await chatters(connect, lobby, "alice", "bob", "carol")

    await alice.send("PRIVMSG #lobby :hello everyone")
    for peer in (bob, carol):
        msg = await peer.expect(match("PRIVMSG", "alice", "#lobby"))
        assert msg.params[-1] == "hello everyone"
        assert msg.source is not None and msg.source.startswith("alice!")
    # Without echo-message the sender does not get its own line back.
    assert not [m for m in await alice.sync() if m.command == "PRIVMSG"]

    await alice.join("#dev")
    await bob.join("#dev")
    await alice.expect(match("JOIN", "bob", "#dev"))
    await bob.send("PRIVMSG #dev :only for dev")
    assert (await alice.expect(match("PRIVMSG", "bob", "#dev"))).params[-1] == "only for dev"
    assert not [m for m in await carol.sync() if m.command == "PRIVMSG"]

    await carol.send("PRIVMSG alice :psst", "NOTICE alice,bob :note to both")
    assert (await alice.expect(match("PRIVMSG", "carol", "alice"))).params[-1] == "psst"
    await alice.expect(match("NOTICE", "carol", "alice"))
    await bob.expect(match("NOTICE", "carol", "bob"))


async def test_nick_change_is_seen_by_everyone(connect: Connect, lobby: Address) -> None:
    alice, bob, carol = await chatters(connect, lobby, "alice", "bob", "carol")
    await alice.send("NICK alicia")
    for peer in (alice, bob, carol):
        msg = await peer.expect(match("NICK", "alice"))
        assert msg.params == ["alicia"]
    await alice.send("PRIVMSG #lobby :still me")
    await bob.expect(match("PRIVMSG", "alicia", "#lobby"))
    # A case-only change is allowed and announced too.
    await alice.send("NICK Alicia")
    await bob.expect(match("NICK", "alicia", "Alicia"))


async def test_part_and_quit_are_announced(connect: Connect, lobby: Address) -> None:
    alice, bob, carol = await chatters(connect, lobby, "alice", "bob", "carol")
    await bob.send("PART #lobby :see you")
    for peer in (alice, bob, carol):
        msg = await peer.expect(match("PART", "bob", "#lobby"))
        assert msg.params[-1] == "see you"
    await carol.send("QUIT :gone fishing")
    quit_ = await alice.expect(match("QUIT", "carol"))
    assert "gone fishing" in quit_.params[-1]
    assert not [m for m in await bob.sync() if m.command == "QUIT"]  # no shared room
    last = await carol.closed()
    assert [m for m in last if m.command == "ERROR"]

    # A dropped connection is announced as a quit as well.
    await bob.send("JOIN #lobby")
    await alice.expect(match("JOIN", "bob", "#lobby"))
    await bob.close()
    await alice.expect(match("QUIT", "bob"))


async def test_away(connect: Connect, lobby: Address) -> None:
    alice, bob = await chatters(connect, lobby, "alice", "bob")
    await bob.request("AWAY :out for lunch", "306")
    away = await alice.request("PRIVMSG bob :are you there?", "301")
    assert away.params[1:] == ["bob", "out for lunch"]
    await bob.expect(match("PRIVMSG", "alice", "bob"))
    await alice.send("WHOIS bob")
    assert (await alice.expect("301")).params[-1] == "out for lunch"
    await alice.expect("318")
    await bob.request("AWAY", "305")
    await alice.send("PRIVMSG bob :back?")
    assert not [m for m in await alice.sync() if m.command == "301"]


async def test_topic(connect: Connect, lobby: Address) -> None:
    alice, bob = await chatters(connect, lobby, "alice", "bob")
    await alice.join("#dev")
    await bob.join("#dev")
    await alice.send("TOPIC #dev :plans for today")
    for peer in (alice, bob):
        msg = await peer.expect(match("TOPIC", "alice", "#dev"))
        assert msg.params[-1] == "plans for today"
    await bob.send("TOPIC #dev")
    assert (await bob.expect_numeric("332")).params[-1] == "plans for today"
    who_set = await bob.expect("333")
    assert who_set.params[2].split("!")[0] == "alice"
    # Channels start +t: a non-operator may not change the topic.
    await bob.request("TOPIC #dev :mine now", "482")
    # A late joiner sees the topic in the join burst.
    carol = await connect(lobby, "carol")
    await carol.send("JOIN #dev")
    assert (await carol.expect("332")).params[-1] == "plans for today"
    await alice.send("TOPIC #dev :")
    await bob.expect(lambda m: m.command == "TOPIC" and m.params == ["#dev", ""])


async def test_queries_answer(connect: Connect, lobby: Address) -> None:
    alice, bob = await chatters(connect, lobby, "alice", "bob")
    await alice.send("ISON bob nobody alice")
    assert sorted((await alice.expect_numeric("303")).params[-1].split()) == ["alice", "bob"]
    user = await alice.request("WHOIS bob", "311")
    assert user.params[1] == "bob"
    await alice.expect("318")
    await alice.send("WHO #lobby")
    rows = []
    await alice.expect("315", skipped=rows)
    assert sorted(m.params[5] for m in rows if m.command == "352") == ["alice", "bob"]
    await alice.send("LIST")
    listed = []
    await alice.expect("323", skipped=listed)
    assert [m.params[1:3] for m in listed if m.command == "322"] == [["#lobby", "2"]]
    for command, numeric in [
        ("MOTD", "376"),
        ("LUSERS", "251"),
        ("VERSION", "351"),
        ("TIME", "391"),
        ("INFO", "374"),
        ("USERHOST bob", "302"),
    ]:
        await alice.send(command)
        await alice.expect_numeric(numeric)
    await bob.send("QUIT")
    await bob.closed()
    await alice.send("WHOWAS bob")
    assert (await alice.expect_numeric("314")).params[1] == "bob"


async def test_registration_burst_of_many_clients(connect: Connect, lobby: Address) -> None:
    """Fifty clients register at once; the first sees every one of them join."""
    watcher = await connect(lobby, "watcher")
    nicks = [f"user{i}" for i in range(50)]
    await asyncio.gather(*(connect(lobby, nick) for nick in nicks))
    joined: set[str] = set()
    while not joined >= set(nicks):
        msg = await watcher.expect(match("JOIN", None, "#lobby"))
        joined.add(msg.nick or "")
    await watcher.send("NAMES #lobby")
    names: list[Message] = []
    await watcher.expect("366", skipped=names)
    listed = {n.lstrip("@+") for m in names if m.command == "353" for n in m.params[-1].split()}
    assert listed == {*nicks, "watcher"}
