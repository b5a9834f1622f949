"""Channel and user modes and kicks, enforced for real clients over sockets."""

from __future__ import annotations

import pytest

from e2e.conftest import Address, Connect
from e2e.ircpeer import IrcPeer, match


@pytest.fixture
async def room(connect: Connect, plain: Address) -> tuple[IrcPeer, IrcPeer, IrcPeer]:
    """alice (operator of #dev), bob (member of #dev), carol (outside)."""
    alice = await connect(plain, "alice")
    bob = await connect(plain, "bob")
    carol = await connect(plain, "carol")
    await alice.join("#dev")
    await bob.join("#dev")
    await alice.expect(match("JOIN", "bob"))
    return alice, bob, carol


async def set_mode(op: IrcPeer, *watchers: IrcPeer, modes: str) -> None:
    """`op` sets `modes` on #dev; it and every watcher see the MODE line."""
    await op.send(f"MODE #dev {modes}")
    for peer in (op, *watchers):
        msg = await peer.expect("MODE")
        assert msg.nick == "alice" and msg.params[0] == "#dev"


async def says(peer: IrcPeer, text: str) -> None:
    await peer.send(f"PRIVMSG #dev :{text}")


async def test_mode_query_shows_defaults(room: tuple[IrcPeer, IrcPeer, IrcPeer]) -> None:
    alice, _, _ = room
    reply = await alice.request("MODE #dev", "324")
    assert set(reply.params[2].lstrip("+")) >= {"n", "t"}


async def test_no_external_messages(room: tuple[IrcPeer, IrcPeer, IrcPeer]) -> None:
    alice, _, carol = room
    await says(carol, "from outside")
    await carol.expect_numeric("404")
    assert not [m for m in await alice.sync() if m.command == "PRIVMSG"]


async def test_moderated_needs_voice(room: tuple[IrcPeer, IrcPeer, IrcPeer]) -> None:
    alice, bob, _ = room
    await set_mode(alice, bob, modes="+m")
    await says(bob, "muted?")
    await bob.expect_numeric("404")
    await set_mode(alice, bob, modes="+v bob")
    await says(bob, "voiced now")
    assert (await alice.expect("PRIVMSG")).params[-1] == "voiced now"


async def test_invite_only(room: tuple[IrcPeer, IrcPeer, IrcPeer]) -> None:
    alice, bob, carol = room
    await set_mode(alice, bob, modes="+i")
    await carol.request("JOIN #dev", "473")
    await alice.request("INVITE carol #dev", "341")
    await carol.expect("INVITE")
    await carol.join("#dev")
    await bob.expect(match("JOIN", "carol"))


async def test_key_and_limit(room: tuple[IrcPeer, IrcPeer, IrcPeer]) -> None:
    alice, bob, carol = room
    await set_mode(alice, bob, modes="+k sesame")
    await carol.request("JOIN #dev", "475")
    await carol.request("JOIN #dev wrong", "475")
    await set_mode(alice, bob, modes="+l 2")
    await carol.request("JOIN #dev sesame", "471")
    await set_mode(alice, bob, modes="-l")
    await carol.join("#dev", "sesame")


async def test_ban_keeps_out_and_mutes(room: tuple[IrcPeer, IrcPeer, IrcPeer]) -> None:
    alice, bob, carol = room
    await set_mode(alice, bob, modes="+b carol!*@*")
    await carol.request("JOIN #dev", "474")
    await set_mode(alice, bob, modes="+b bob!*@*")
    await says(bob, "banned but inside")
    await bob.expect_numeric("404")
    await alice.send("MODE #dev +b")
    listed = []
    await alice.expect("368", skipped=listed)
    assert sorted(m.params[2] for m in listed if m.command == "367") == ["bob!*@*", "carol!*@*"]
    await set_mode(alice, bob, modes="-b carol!*@*")
    await carol.join("#dev")


async def test_topic_lock_and_op(room: tuple[IrcPeer, IrcPeer, IrcPeer]) -> None:
    alice, bob, _ = room
    await bob.request("TOPIC #dev :bob's topic", "482")
    await set_mode(alice, bob, modes="-t")
    await bob.send("TOPIC #dev :bob's topic")
    await alice.expect("TOPIC")
    await set_mode(alice, bob, modes="+t")
    await set_mode(alice, bob, modes="+o bob")
    await bob.send("TOPIC #dev :op topic")
    assert (await alice.expect("TOPIC")).params[-1] == "op topic"


async def test_secret_channel_hidden_from_list(room: tuple[IrcPeer, IrcPeer, IrcPeer]) -> None:
    alice, bob, carol = room
    await set_mode(alice, bob, modes="+s")
    await carol.send("LIST")
    listed = []
    await carol.expect("323", skipped=listed)
    assert "#dev" not in [m.param(1) for m in listed if m.command == "322"]
    await bob.send("LIST")
    listed = []
    await bob.expect("323", skipped=listed)
    assert "#dev" in [m.param(1) for m in listed if m.command == "322"]


async def test_kick(room: tuple[IrcPeer, IrcPeer, IrcPeer]) -> None:
    alice, bob, carol = room
    await bob.request("KICK #dev alice :mutiny", "482")
    await carol.request("KICK #dev bob", "442")
    await alice.request("KICK #dev carol", "441")
    await alice.send("KICK #dev bob :behave")
    for peer in (alice, bob):
        kick = await peer.expect("KICK")
        assert kick.nick == "alice" and kick.params == ["#dev", "bob", "behave"]
    await says(bob, "still here?")
    await bob.expect_numeric("404")
    await bob.join("#dev")  # a kick is not a ban


async def test_user_invisible_mode(connect: Connect, plain: Address) -> None:
    alice = await connect(plain, "alice")
    await alice.send("MODE alice +i")
    assert (await alice.expect("MODE")).params == ["alice", "+i"]
    await alice.send("MODE alice")
    assert "i" in (await alice.expect_numeric("221")).params[1]
    await alice.request("MODE bob +i", "401")
    bob = await connect(plain, "bob")
    await bob.request("MODE alice -i", "502")
