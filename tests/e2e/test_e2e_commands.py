"""Commands with several targets, passwords, operators and queries, over real sockets."""

from __future__ import annotations

from e2e.conftest import Address, Connect, StartServer
from e2e.ircpeer import IrcPeer, match
from tui_chat.irc.message import Message


async def test_join_several_with_keys_then_join_0(connect: Connect, plain: Address) -> None:
    alice = await connect(plain, "alice")
    bob = await connect(plain, "bob")
    await alice.join("#a")
    await alice.join("#b")
    await alice.send("MODE #b +k opensesame")
    await alice.expect("MODE")
    # Keys pair with channels by position.
    await bob.send("JOIN #b,#a opensesame")
    for channel in ("#b", "#a"):
        await alice.expect(lambda m, c=channel: m.command == "JOIN" and m.params[0] == c)
    await bob.send("PRIVMSG #a,alice :to a room and a person")
    first = await alice.expect("PRIVMSG")
    second = await alice.expect("PRIVMSG")
    assert {first.params[0], second.params[0]} == {"#a", "alice"}
    await bob.send("JOIN 0")
    parted = {(await alice.expect("PART")).params[0] for _ in range(2)}
    assert parted == {"#a", "#b"}


async def test_server_password(connect: Connect, start_server: StartServer) -> None:
    address = start_server(password="s3cret")
    wrong = await connect(address)
    await wrong.send("PASS nope", "NICK wrong", "USER w 0 * :W")
    await wrong.expect_numeric("464")
    assert (await wrong.closed())[-1].command == "ERROR"
    right = await IrcPeer.connect(address)
    burst = await right.register("right", password="s3cret")
    assert burst[0].command == "001"
    await right.close()


async def test_oper_and_kill(connect: Connect, start_server: StartServer) -> None:
    address = start_server(operators={"admin": "letmein"})
    alice = await connect(address, "alice")
    bob = await connect(address, "bob")
    await alice.expect(match("JOIN", "bob"))
    await alice.request("KILL bob :no", "481")
    await alice.request("OPER admin wrong", "464")
    await alice.request("OPER admin letmein", "381")
    await alice.send("KILL bob :spamming")
    last = await bob.closed()
    assert last[-1].command == "ERROR"
    quit_ = await alice.expect("QUIT")
    assert quit_.nick == "bob" and "spamming" in quit_.params[-1]


async def test_who_whox_and_whois(connect: Connect, lobby: Address) -> None:
    alice = await connect(lobby, "alice")
    await connect(lobby, "bob")
    await alice.expect(match("JOIN", "bob"))
    await alice.send("WHO #lobby %tnf,42")
    rows: list[Message] = []
    end = await alice.expect("315", skipped=rows)
    assert end.params[1] == "#lobby"
    whox = sorted(m.params[1:] for m in rows if m.command == "354")
    # No op in the default room: it is the server's.
    assert whox == [["42", "alice", "H"], ["42", "bob", "H"]]
    await alice.send("WHOIS bob")
    got: list[Message] = []
    await alice.expect("318", skipped=got)
    by_code = {m.command: m for m in got}
    assert by_code["311"].params[1:4] == ["bob", "~bob", "127.0.0.1"]
    assert "#lobby" in by_code["319"].params[-1]
    assert "312" in by_code
