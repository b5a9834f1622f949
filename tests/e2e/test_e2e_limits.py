"""Limits against a real running server: a flooder, too many connections, half-open sockets.

Loopback is trusted by default, so these servers run with `flood_exempt=[]`:
the test clients on 127.0.0.1 then count as strangers. The ServerThread does
not pass a scheduler to the core yet, so held-back input is released by the
core's tick(), here every TICK seconds.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import pytest

from e2e.conftest import Address, Connect, StartServer
from e2e.ircpeer import IrcPeer, PeerClosed, match
from tui_chat.irc.message import Message

TICK = 0.05
BURST = 10
RATE = 10.0
FLOOD_LINES = 40
# Far above anyone's usual latency on loopback, far below the flood's delay.
CHAT_LATENCY = 0.5
HALF_OPEN = 300


def says(nick: str, text: str) -> Callable[[Message], bool]:
    return lambda m: m.command == "PRIVMSG" and m.nick == nick and m.params[-1] == text


def heard(peer: IrcPeer, nick: str) -> list[str]:
    """Every PRIVMSG text from `nick` that `peer` received, in order."""
    return [m.params[-1] for m in peer.seen if m.command == "PRIVMSG" and m.nick == nick]


async def in_lobby(connect: Connect, address: Address, *nicks: str) -> list[IrcPeer]:
    peers = [await connect(address, nick) for nick in nicks]
    for peer in peers:
        await peer.expect(match("JOIN", nicks[-1], "#lobby"))
    return peers


async def chat(speaker: IrcPeer, listener: IrcPeer, text: str) -> float:
    """Send one line; the seconds until the other side has it."""
    sent = time.perf_counter()
    await speaker.send(f"PRIVMSG #lobby :{text}")
    assert speaker.nick is not None
    await listener.expect(says(speaker.nick, text))
    return time.perf_counter() - sent


async def test_flooder_is_throttled_then_cut_off_while_others_chat(
    connect: Connect, start_server: StartServer
) -> None:
    address = start_server(tick_interval=TICK, flood_exempt=[], flood_burst=BURST, flood_rate=RATE)
    alice, bob, flooder = await in_lobby(connect, address, "alice", "bob", "flooder")
    flood = [f"flood {i}" for i in range(FLOOD_LINES)]
    flood_started = time.perf_counter()
    await flooder.send(*(f"PRIVMSG #lobby :{line}" for line in flood))

    latencies = []
    for i in range(4):
        latencies.append(await chat(alice, bob, f"alice {i}"))
        latencies.append(await chat(bob, alice, f"bob {i}"))
    assert max(latencies) < CHAT_LATENCY, latencies
    # The flood is still being held back while they talk.
    assert flood[-1] not in heard(bob, "flooder")

    # Delayed, not dropped: every line arrives, in order, at about RATE lines/s.
    await bob.expect(says("flooder", flood[-1]), timeout=FLOOD_LINES / RATE + 5)
    flood_took = time.perf_counter() - flood_started
    assert heard(bob, "flooder") == flood
    assert flood_took >= (FLOOD_LINES - BURST) / RATE * 0.5, flood_took

    # Past the ceiling (flood_max_backlog held lines): disconnected.
    await flooder.send_raw(b"PRIVMSG #lobby :more\r\n" * 2000)
    error = await flooder.expect("ERROR")
    assert "Excess Flood" in error.params[0]
    quit_ = await alice.expect(match("QUIT", "flooder"))
    assert quit_.params[0] == "Excess Flood"
    assert max([await chat(alice, bob, "after"), await chat(bob, alice, "after")]) < CHAT_LATENCY

    # Nothing alice and bob said was lost, and none of the cut-off flood got through.
    for peer, other in ((alice, "bob"), (bob, "alice")):
        assert heard(peer, other) == [*(f"{other} {i}" for i in range(4)), "after"]
        assert "more" not in heard(peer, "flooder")


async def test_connections_over_the_per_address_limit_are_refused(
    connect: Connect, start_server: StartServer
) -> None:
    address = start_server(flood_exempt=[], max_connections_per_ip=3)
    alice, bob, carol = await in_lobby(connect, address, "alice", "bob", "carol")
    refused = await connect(address)
    error = await refused.expect("ERROR")
    assert "Too many connections" in error.params[0]
    with pytest.raises(PeerClosed):
        await refused.expect("PING")
    assert await chat(alice, carol, "still fine") < CHAT_LATENCY
    await bob.send("QUIT :bye")
    await alice.expect(match("QUIT", "bob"))
    dave = await connect(address, "dave")
    await dave.expect(match("JOIN", "dave", "#lobby"))


async def test_half_open_connections_time_out_while_a_user_chats(
    connect: Connect, start_server: StartServer
) -> None:
    address = start_server(tick_interval=TICK, registration_timeout=1.0)
    alice, bob = await in_lobby(connect, address, "alice", "bob")
    idle = [await connect(address) for _ in range(HALF_OPEN)]
    await asyncio.gather(*(peer.send_raw(b"NICK half") for peer in idle[::2]))
    assert await chat(alice, bob, "hello") < CHAT_LATENCY

    async def closed(peer: IrcPeer) -> bool:
        try:
            await peer.expect("PING", timeout=10)
        except PeerClosed:
            return True
        return False

    assert all(await asyncio.gather(*(closed(peer) for peer in idle)))
    assert await chat(bob, alice, "still here") < CHAT_LATENCY
