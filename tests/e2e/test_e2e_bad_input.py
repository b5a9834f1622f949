"""Hostile and malformed input over a real socket: the numeric the spec names,
and everyone else keeps chatting."""

from __future__ import annotations

import os
import socket
import struct

import pytest

from e2e.conftest import Address, Connect
from e2e.ircpeer import IrcPeer, match
from tui_chat.irc.message import Message


async def room_still_works(speaker: IrcPeer, listener: IrcPeer, text: str) -> None:
    """`speaker` says `text` in #lobby and `listener` hears exactly that."""
    await speaker.send(f"PRIVMSG #lobby :{text}")
    msg = await listener.expect(lambda m: m.command == "PRIVMSG" and m.nick == speaker.nick)
    assert msg.params == ["#lobby", text]


@pytest.fixture
async def pair(connect: Connect, lobby: Address) -> tuple[IrcPeer, IrcPeer]:
    """alice (the one misbehaving) and bob (the bystander), both in #lobby."""
    alice = await connect(lobby, "alice")
    bob = await connect(lobby, "bob")
    await alice.expect(match("JOIN", "bob"))
    return alice, bob


@pytest.mark.parametrize(
    ("line", "numeric"),
    [
        ("FROBNICATE now", "421"),
        ("JOIN", "461"),
        ("KICK #lobby", "461"),
        ("NICK 1startswithdigit", "432"),
        ("NICK has.dot", "432"),
        ("NICK bob", "433"),
        ("NICK BOB", "433"),  # taken under case folding too
        ("PRIVMSG nobody :hi", "401"),
        ("WHOIS nobody", "401"),
        ("PART #nowhere", "403"),
        ("TOPIC #nowhere", "403"),
        ("KILL bob :go away", "481"),
        ("USER again 0 * :twice", "462"),
        ("PRIVMSG", "411"),
        ("PRIVMSG #lobby", "412"),
        ("PRIVMSG a,b,c,d,e :too many", "407"),
        ("INVITE bob #lobby", "443"),
        ("MODE alice +z", "501"),
        ("MODE bob +i", "502"),
        ("WHOWAS nobody", "406"),
        ("JOIN bad-name", "403"),
        ("CAP FROB", "410"),
    ],
)
async def test_error_numeric_and_others_unaffected(
    pair: tuple[IrcPeer, IrcPeer], line: str, numeric: str
) -> None:
    alice, bob = pair
    await alice.send(line)
    await alice.expect_numeric(numeric)
    await room_still_works(bob, alice, "still here")
    await room_still_works(alice, bob, "me too")


async def test_not_chanop_gets_482(connect: Connect, lobby: Address) -> None:
    op = await connect(lobby, "op")
    alice = await connect(lobby, "alice")
    await op.expect(match("JOIN", "alice"))
    for line in ("KICK #lobby op", "MODE #lobby +m", "MODE #lobby +o alice"):
        await alice.request(line, "482")
    await room_still_works(alice, op, "no harm done")


async def test_commands_before_registration_get_451(connect: Connect, lobby: Address) -> None:
    bob = await connect(lobby, "bob")
    stranger = await connect(lobby)
    for line in ("PRIVMSG #lobby :sneaky", "JOIN #lobby", "WHOIS bob"):
        await stranger.request(line, "451")
    assert not [m for m in await bob.sync() if m.command == "PRIVMSG"]
    await stranger.register("late")
    await bob.expect(match("JOIN", "late"))


async def test_overlong_line_gets_417_and_is_not_relayed(pair: tuple[IrcPeer, IrcPeer]) -> None:
    alice, bob = pair
    await alice.request("PRIVMSG #lobby :" + "x" * 600, "417")
    # The same, arriving in pieces with the LF only at the very end.
    await alice.send_raw(b"PRIVMSG #lobby :" + b"y" * 3000)
    await alice.send_raw(b"y" * 3000)
    await alice.send_raw(b"y" * 3000 + b"\r\n")
    await alice.expect_numeric("417")
    await room_still_works(alice, bob, "short again")
    # bob saw only the short line, never a fragment of the long ones.
    assert not [m for m in bob.seen if m.command == "PRIVMSG" and "xxx" in m.params[-1]]
    assert not [m for m in bob.seen if m.command == "PRIVMSG" and "yyy" in m.params[-1]]


async def test_invalid_utf8_is_rejected_whole(pair: tuple[IrcPeer, IrcPeer]) -> None:
    alice, bob = pair
    await alice.send_raw(b"PRIVMSG #lobby :caf\xe9 \xff\xfe\r\n")
    notice = await alice.expect(lambda m: m.command in ("FAIL", "NOTICE"))
    assert "UTF-8" in notice.params[-1]
    await room_still_works(alice, bob, "café, properly encoded")
    assert [m.params[-1] for m in bob.seen if m.command == "PRIVMSG"] == ["café, properly encoded"]


async def test_invalid_utf8_with_standard_replies_is_a_fail(
    connect: Connect, lobby: Address
) -> None:
    alice = await connect(lobby, "alice", caps=["standard-replies"])
    await alice.send_raw(b"PRIVMSG #lobby :\xc3\x28\r\n")
    fail = await alice.expect("FAIL")
    assert fail.params[:2] == ["PRIVMSG", "INVALID_UTF8"]


@pytest.mark.parametrize(
    "payload",
    [
        b"PRIVMSG #lobby :hi\rPRIVMSG bob :injected\r\n",
        b"PRIVMSG #lobby :hi\x00PRIVMSG bob :injected\r\n",
        b"TOPIC #lobby :a\rKICK #lobby bob\r\n",
        b"AWAY :x\x00y\r\n",
    ],
)
async def test_cr_lf_nul_cannot_be_injected(pair: tuple[IrcPeer, IrcPeer], payload: bytes) -> None:
    alice, bob = pair
    await alice.send_raw(payload)
    error = await alice.expect(lambda m: m.command.isdigit() and m.command[0] == "4")
    assert error.command == "400"
    await room_still_works(alice, bob, "clean line")
    # Every line bob got parsed as one message, and none carried the payload.
    for msg in bob.seen:
        assert "injected" not in msg.serialize()
        assert msg.command != "KICK"
    assert [m.command for m in await bob.sync()] == []


async def test_garbage_bytes_then_close_harm_no_one(
    connect: Connect, lobby: Address, pair: tuple[IrcPeer, IrcPeer]
) -> None:
    alice, bob = pair
    noise = await IrcPeer.connect(lobby)
    await noise.send_raw(os.urandom(4096) + b"\r\n" + os.urandom(2048))
    await noise.close()
    half = await IrcPeer.connect(lobby)
    # Registers, then sends half a line and is gone.
    await half.send_raw(b"NICK carol\r\nUSER carol 0 * :Carol\r\nPRIVMSG #lobby :half a li")
    await half.close()
    await bob.expect(match("JOIN", "carol"))
    await bob.expect(match("QUIT", "carol"))
    await room_still_works(alice, bob, "nothing happened")
    assert [m.params[-1] for m in bob.seen if m.command == "PRIVMSG"] == ["nothing happened"]
    # The nick was released with its connection.
    carol = await connect(lobby, "carol")
    await carol.expect(match("JOIN", "carol"))


async def test_many_bad_lines_in_one_burst(pair: tuple[IrcPeer, IrcPeer]) -> None:
    alice, bob = pair
    junk = b"".join(
        [b"\r\n", b"   \r\n", b":\r\n", b"@\r\n", b":src\r\n", b"@a=b\r\n", b"\x01\x02\r\n"] * 20
    )
    await alice.send_raw(junk)
    await room_still_works(alice, bob, "after the junk")
    replies: list[Message] = await alice.sync()
    assert all(m.command.isdigit() or m.command == "NOTICE" for m in replies)


async def test_a_slow_trickle_of_bytes_still_parses(pair: tuple[IrcPeer, IrcPeer]) -> None:
    alice, bob = pair
    for byte in b"PRIVMSG #lobby :byte by byte\r\n":
        await alice.send_raw(bytes([byte]))
    msg = await bob.expect("PRIVMSG")
    assert msg.params[-1] == "byte by byte"


async def test_server_survives_a_reset_mid_burst(
    lobby: Address, pair: tuple[IrcPeer, IrcPeer]
) -> None:
    alice, bob = pair
    peer = await IrcPeer.connect(lobby)
    await peer.send("NICK dave", "USER dave 0 * :Dave", "JOIN #a,#b,#c")
    sock = peer.writer.get_extra_info("socket")
    # SO_LINGER 0: closing sends RST instead of FIN, like a crashed client.
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    peer.writer.transport.abort()
    await room_still_works(alice, bob, "after the reset")


async def test_lf_starts_a_line_of_the_sender_never_a_forged_source(
    pair: tuple[IrcPeer, IrcPeer],
) -> None:
    alice, bob = pair
    await alice.send_raw(b"PRIVMSG #lobby :hi\n:bob!~bob@127.0.0.1 PRIVMSG #lobby :forged\r\n")
    first = await bob.expect("PRIVMSG")
    second = await bob.expect("PRIVMSG")
    # Both lines count as alice's own: a source prefix from a client is ignored.
    assert [(m.nick, m.params[-1]) for m in (first, second)] == [
        ("alice", "hi"),
        ("alice", "forged"),
    ]
