"""Every IRCv3 capability the server offers: negotiated, then observed on the wire."""

from __future__ import annotations

import re

from e2e.conftest import Address, Connect, StartServer
from e2e.ircpeer import IrcPeer, match
from tui_chat.irc.message import Message
from tui_chat.server.history.config import CHATHISTORY_LIMIT

ALL_CAPS = {
    "message-tags", "server-time", "echo-message", "multi-prefix", "userhost-in-names",
    "away-notify", "extended-join", "cap-notify", "batch", "labeled-response", "setname",
    "invite-notify", "standard-replies",
}  # fmt: skip
SERVER_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


async def names_of(peer: IrcPeer, channel: str) -> list[str]:
    await peer.send(f"NAMES {channel}")
    got: list[Message] = []
    await peer.expect("366", skipped=got)
    return [n for m in got if m.command == "353" for n in m.params[-1].split()]


async def test_cap_ls_req_list_nak(connect: Connect, plain: Address) -> None:
    peer = await connect(plain)
    await peer.send("CAP LS 302", "NICK capper", "USER c 0 * :C")
    ls = await peer.expect("CAP")
    assert ls.param(1) == "LS"
    assert set(ls.params[-1].split()) == ALL_CAPS
    # All or nothing: one unknown name refuses the whole request.
    await peer.send("CAP REQ :server-time no-such-cap")
    nak = await peer.expect("CAP")
    assert nak.param(1) == "NAK" and nak.params[-1] == "server-time no-such-cap"
    await peer.send("CAP REQ :server-time batch", "CAP LIST")
    assert (await peer.expect("CAP")).param(1) == "ACK"
    listed = await peer.expect("CAP")
    # cap-notify is implied by CAP LS 302.
    assert listed.param(1) == "LIST"
    assert set(listed.params[-1].split()) == {"server-time", "batch", "cap-notify"}
    # Registration waits for CAP END.
    assert not [m for m in await peer.sync() if m.command == "001"]
    await peer.send("CAP END")
    await peer.expect("001")


async def test_chathistory_offered_only_with_a_store(
    connect: Connect, start_server: StartServer
) -> None:
    """Each capability is advertised only where it really works (issue 2)."""
    with_store = ALL_CAPS | {
        "draft/chathistory", "draft/event-playback", "sasl=PLAIN",
        "draft/account-registration=before-connect",
        "account-notify", "account-tag",
    }  # fmt: skip
    for history_db, offered in ((None, ALL_CAPS), (":memory:", with_store)):
        address = start_server(history_db=history_db)
        peer = await connect(address)
        await peer.send("CAP LS 302", "NICK hist", "USER h 0 * :H")
        ls = await peer.expect("CAP")
        assert set(ls.params[-1].split()) == offered
        await peer.send("CAP REQ draft/chathistory", "CAP END")
        verdict = await peer.expect("CAP")
        assert verdict.param(1) == ("ACK" if history_db else "NAK")
        burst: list[Message] = []
        await peer.expect("376", skipped=burst)
        tokens = {t for m in burst if m.command == "005" for t in m.params[1:-1]}
        assert bool(
            {f"CHATHISTORY={CHATHISTORY_LIMIT}", "MSGREFTYPES=msgid,timestamp"} & tokens
        ) == bool(history_db)


async def test_message_tags_server_time_and_echo(connect: Connect, lobby: Address) -> None:
    alice = await connect(lobby, "alice", caps=["message-tags", "echo-message", "server-time"])
    bob = await connect(lobby, "bob", caps=["message-tags", "server-time"])
    carol = await connect(lobby, "carol")
    await alice.expect(match("JOIN", "carol", "#lobby"))
    await bob.expect(match("JOIN", "carol", "#lobby"))

    await alice.send("@+example.com/mood=happy;nonclient=dropped PRIVMSG #lobby :tagged")
    echo = await alice.expect("PRIVMSG")
    heard = await bob.expect("PRIVMSG")
    plain = await carol.expect("PRIVMSG")
    assert echo.params == heard.params == plain.params == ["#lobby", "tagged"]
    # Client-only tags are relayed; a server tag from a client is not.
    assert heard.tags["+example.com/mood"] == "happy"
    assert "nonclient" not in heard.tags
    assert SERVER_TIME.match(heard.tags["time"])
    assert heard.tags["msgid"] and heard.tags["msgid"] == echo.tags["msgid"]
    assert plain.tags == {}

    # TAGMSG reaches only those who negotiated message-tags.
    await alice.send("@+typing=active TAGMSG #lobby")
    tagmsg = await bob.expect("TAGMSG")
    assert tagmsg.tags["+typing"] == "active" and tagmsg.nick == "alice"
    assert not [m for m in await carol.sync() if m.command == "TAGMSG"]


async def test_server_time_on_joins_and_numerics(connect: Connect, lobby: Address) -> None:
    alice = await connect(lobby, "alice", caps=["server-time"])
    await connect(lobby, "bob")
    join = await alice.expect(match("JOIN", "bob", "#lobby"))
    assert SERVER_TIME.match(join.tags["time"])


async def test_multi_prefix_and_userhost_in_names(connect: Connect, lobby: Address) -> None:
    alice = await connect(lobby, "alice", caps=["multi-prefix", "userhost-in-names"])
    bob = await connect(lobby, "bob")
    # A room alice creates, so she is its op (nobody is, in the default room).
    await alice.send("JOIN #den")
    await alice.expect(match("366", None, "alice", "#den"))
    await bob.send("JOIN #den")
    await alice.expect(match("JOIN", "bob", "#den"))
    await alice.send("MODE #den +v alice")
    await bob.expect("MODE")
    assert sorted(await names_of(alice, "#den")) == [
        "@+alice!~alice@127.0.0.1",
        "bob!~bob@127.0.0.1",
    ]
    assert sorted(await names_of(bob, "#den")) == ["@alice", "bob"]


async def test_away_notify(connect: Connect, lobby: Address) -> None:
    alice = await connect(lobby, "alice", caps=["away-notify"])
    bob = await connect(lobby, "bob")
    carol = await connect(lobby, "carol")
    await alice.expect(match("JOIN", "carol", "#lobby"))
    await bob.send("AWAY :brb")
    away = await alice.expect("AWAY")
    assert away.nick == "bob" and away.params == ["brb"]
    await bob.send("AWAY")
    back = await alice.expect("AWAY")
    assert back.nick == "bob" and back.params == []
    assert not [m for m in await carol.sync() if m.command == "AWAY"]


async def test_extended_join(connect: Connect, lobby: Address) -> None:
    alice = await connect(lobby, "alice", caps=["extended-join"])
    bob = await connect(lobby)
    await bob.register("bob")  # realname "bob test"
    join = await alice.expect(match("JOIN", "bob", "#lobby"))
    assert join.params == ["#lobby", "*", "bob test"]
    own = await bob.expect(match("JOIN", "bob", "#lobby"))
    assert own.params == ["#lobby"]


async def test_labeled_response_and_batch(connect: Connect, lobby: Address) -> None:
    alice = await connect(lobby, "alice", caps=["labeled-response", "batch"])
    await alice.expect("366")
    # One reply: the label rides on it.
    await alice.send("@label=p1 PING hello")
    pong = await alice.expect("PONG")
    assert pong.tags["label"] == "p1"
    # No reply at all: an ACK carries the label.
    await alice.send("@label=a1 PONG :whatever")
    ack = await alice.expect("ACK")
    assert ack.tags["label"] == "a1"
    # Several replies: wrapped in a labeled-response batch.
    await alice.send("@label=n1 NAMES #lobby")
    start = await alice.expect("BATCH")
    ref = start.params[0]
    assert ref.startswith("+") and start.params[1] == "labeled-response"
    assert start.tags["label"] == "n1"
    inside: list[Message] = []
    end = await alice.expect("BATCH", skipped=inside)
    assert end.params == ["-" + ref[1:]]
    assert [m.command for m in inside] == ["353", "366"]
    assert all(m.tags["batch"] == ref[1:] for m in inside)


async def test_setname(connect: Connect, lobby: Address) -> None:
    alice = await connect(lobby, "alice", caps=["setname"])
    bob = await connect(lobby, "bob", caps=["setname"])
    carol = await connect(lobby, "carol")
    await bob.expect(match("JOIN", "carol", "#lobby"))
    await alice.send("SETNAME :Alice Liddell")
    for peer in (alice, bob):
        msg = await peer.expect("SETNAME")
        assert msg.nick == "alice" and msg.params == ["Alice Liddell"]
    assert not [m for m in await carol.sync() if m.command == "SETNAME"]


async def test_invite_notify_tells_channel_operators(connect: Connect, lobby: Address) -> None:
    alice = await connect(lobby, "alice")
    bob = await connect(lobby, "bob", caps=["invite-notify"])
    carol = await connect(lobby, "carol")
    await alice.join("#dev")
    await bob.join("#dev")
    await alice.send("MODE #dev +o bob")
    await bob.expect("MODE")
    await alice.request("INVITE carol #dev", "341")
    invite = await carol.expect("INVITE")
    assert invite.nick == "alice" and invite.params == ["carol", "#dev"]
    seen = await bob.expect("INVITE")
    assert seen.nick == "alice" and seen.params == ["carol", "#dev"]


async def test_standard_replies(connect: Connect, lobby: Address) -> None:
    alice = await connect(lobby, "alice", caps=["standard-replies"])
    await alice.send_raw(b"NOTICE #lobby :\xff\r\n")
    fail = await alice.expect("FAIL")
    assert fail.params[:2] == ["NOTICE", "INVALID_UTF8"]
