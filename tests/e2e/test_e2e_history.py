"""The message store wired into a real ServerThread: store then relay, CHATHISTORY, replay.

Every server here keeps its history in a real SQLite file in a tmp dir.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from e2e.conftest import Address, Connect
from e2e.ircpeer import IrcPeer, match
from e2e.test_e2e_accounts import PASSWORD, sasl_login, start_negotiation
from tui_chat.irc.message import Message
from tui_chat.server.config import ServerConfig
from tui_chat.server.history import HistoryConfig
from tui_chat.server.thread import ServerThread

# What a modern client (ours) negotiates.
MODERN = ["message-tags", "server-time", "batch", "echo-message", "draft/chathistory"]
# A classic client: no history of its own, so it gets the join replay.
CLASSIC = ["message-tags", "server-time", "batch"]
# TARGETS bounds that hold every test's messages.
ALL_TIME = ("timestamp=2000-01-01T00:00:00.000Z", "timestamp=2100-01-01T00:00:00.000Z")


class Servers:
    """ServerThreads on one history file; each stopped at the end of the test."""

    def __init__(self, db: Path) -> None:
        self.db = db
        self.running: list[ServerThread] = []

    def start(self, **fields: Any) -> Address:
        history = HistoryConfig(**fields.pop("history", {}))
        config = ServerConfig(history_db=str(self.db), history=history, **fields)
        server = ServerThread(config, "127.0.0.1", 0)
        self.running.append(server)
        return server.start()

    def stop_all(self) -> None:
        for server in self.running:
            server.stop()


@pytest.fixture
def servers(tmp_path: Path) -> Iterator[Servers]:
    made = Servers(tmp_path / "history.sqlite3")
    yield made
    made.stop_all()


async def joined(connect: Connect, address: Address, nick: str, caps: list[str]) -> IrcPeer:
    """A registered peer, placed in #lobby (its NAMES received)."""
    peer = await connect(address, nick, caps=caps)
    await peer.expect(match("366", None, nick, "#lobby"))
    return peer


async def say(peer: IrcPeer, target: str, *texts: str) -> list[Message]:
    """Send PRIVMSGs and return their echoes (the peer has echo-message)."""
    await peer.send(*(f"PRIVMSG {target} :{text}" for text in texts))
    return [
        await peer.expect(lambda m, t=text: m.command == "PRIVMSG" and m.params[-1] == t)
        for text in texts
    ]


async def history(peer: IrcPeer, *params: str) -> list[Message]:
    """The messages of one CHATHISTORY reply batch (fails on a FAIL)."""
    await peer.send("CHATHISTORY " + " ".join(params))
    start = await peer.expect(lambda m: m.command in ("BATCH", "FAIL"))
    assert start.command == "BATCH", start.serialize()
    ref = start.params[0][1:]
    lines: list[Message] = []
    await peer.expect(match("BATCH", None, f"-{ref}"), skipped=lines)
    assert all(m.tags.get("batch") == ref for m in lines)
    return lines


async def fail_of(peer: IrcPeer, *params: str) -> Message:
    await peer.send("CHATHISTORY " + " ".join(params))
    return await peer.expect("FAIL")


def texts(lines: list[Message]) -> list[str]:
    return [m.params[-1] for m in lines]


async def test_relayed_message_is_stored_with_the_same_msgid_and_time(
    servers: Servers, connect: Connect
) -> None:
    address = servers.start()
    alice = await joined(connect, address, "alice", MODERN)
    bob = await joined(connect, address, "bob", MODERN)
    (echo,) = await say(alice, "#lobby", "hello there")
    got = await bob.expect(match("PRIVMSG", "alice", "#lobby"))
    assert got.tags["msgid"] == echo.tags["msgid"] and got.tags["time"] == echo.tags["time"]
    (stored,) = await history(bob, "LATEST", "#lobby", "*", "10")
    assert stored.params == ["#lobby", "hello there"]
    assert stored.tags["msgid"] == got.tags["msgid"] and stored.tags["time"] == got.tags["time"]
    # On disk, under the same msgid, before anyone saw it.
    with sqlite3.connect(servers.db) as conn:
        rows = conn.execute("SELECT msgid, text FROM messages").fetchall()
    assert (got.tags["msgid"], "hello there") in rows


async def test_order_kept_part_after_the_last_words(servers: Servers, connect: Connect) -> None:
    address = servers.start()
    alice = await joined(connect, address, "alice", MODERN)
    bob = await joined(connect, address, "bob", MODERN)
    words = [f"line {i}" for i in range(60)]
    await alice.send(*(f"PRIVMSG #lobby :{w}" for w in words), "PART #lobby :bye")
    seen: list[Message] = []
    await bob.expect(match("PART", "alice", "#lobby"), skipped=seen)
    assert [m.params[-1] for m in seen if m.command == "PRIVMSG"] == words
    stored = await history(bob, "LATEST", "#lobby", "*", "100")
    assert texts(stored) == words


async def test_chathistory_selectors_over_the_wire(servers: Servers, connect: Connect) -> None:
    address = servers.start()
    alice = await joined(connect, address, "alice", MODERN)
    echoes = await say(alice, "#lobby", *(f"m{i}" for i in range(10)))
    ids = [m.tags["msgid"] for m in echoes]
    assert texts(await history(alice, "LATEST", "#lobby", "*", "3")) == ["m7", "m8", "m9"]
    assert texts(await history(alice, "BEFORE", "#lobby", f"msgid={ids[5]}", "2")) == ["m3", "m4"]
    assert texts(await history(alice, "AFTER", "#lobby", f"msgid={ids[7]}", "5")) == ["m8", "m9"]
    around = texts(await history(alice, "AROUND", "#lobby", f"msgid={ids[4]}", "4"))
    assert around == ["m2", "m3", "m4", "m5"]
    between = await history(alice, "BETWEEN", "#lobby", f"msgid={ids[1]}", f"msgid={ids[6]}", "10")
    assert texts(between) == ["m2", "m3", "m4", "m5"]
    stamp = echoes[9].tags["time"]
    assert "m9" not in texts(await history(alice, "BEFORE", "#lobby", f"timestamp={stamp}", "100"))
    assert texts(await history(alice, "LATEST", "#lobby", f"msgid={ids[8]}", "10")) == ["m9"]
    targets = await history(alice, "TARGETS", *ALL_TIME, "10")
    assert [m.params[:2] for m in targets] == [["TARGETS", "#lobby"]]
    bad = await fail_of(alice, "LATEST", "#lobby", "*", "nope")
    assert bad.params[:2] == ["CHATHISTORY", "INVALID_PARAMS"]
    unknown = await fail_of(alice, "BEFORE", "#lobby", "msgid=not-a-msgid", "10")
    assert unknown.params[:2] == ["CHATHISTORY", "MESSAGE_ERROR"]
    wrong_kind = await fail_of(alice, "BEFORE", "#lobby", "seq=12", "10")
    assert wrong_kind.params[:2] == ["CHATHISTORY", "INVALID_MSGREFTYPE"]


async def test_isupport_advertises_limit_and_reference_types(
    servers: Servers, connect: Connect
) -> None:
    address = servers.start(history={"chathistory_limit": 7})
    peer = await connect(address)
    burst = await peer.register("isu", caps=MODERN)
    tokens = " ".join(" ".join(m.params[1:-1]) for m in burst if m.command == "005")
    assert "CHATHISTORY=7" in tokens.split() and "MSGREFTYPES=msgid,timestamp" in tokens.split()
    await peer.expect(match("366"))
    await say(peer, "#lobby", *(f"x{i}" for i in range(10)))
    assert len(await history(peer, "LATEST", "#lobby", "*", "100")) == 7


async def test_private_history_is_served_to_no_nick(servers: Servers, connect: Connect) -> None:
    """A nick is not an identity: between guests no one reads private history.

    Before, bob's conversation was filed under "bob": whoever took the nick
    after he left read it, and TARGETS named alice to them.
    """
    address = servers.start()
    alice = await joined(connect, address, "alice", MODERN)
    bob = await joined(connect, address, "bob", MODERN)
    await say(alice, "bob", "secret for bob")
    await bob.expect(match("PRIVMSG", "alice", "bob"))
    await bob.send("PRIVMSG alice :secret reply")
    await alice.expect(match("PRIVMSG", "bob", "alice"))
    await bob.send("QUIT :gone")
    await alice.expect(match("QUIT", "bob"))
    thief = await joined(connect, address, "bob", MODERN)
    for peer in (thief, alice):
        assert await history(peer, "LATEST", "alice", "*", "10") == []
        assert await history(peer, "LATEST", "bob", "*", "10") == []
        assert await history(peer, "LATEST", "*", "*", "10") == []
        targets = await history(peer, "TARGETS", *ALL_TIME, "10")
        assert [m.params[1] for m in targets] == []
    # Still stored (exactly-once resends need it), under keys no account can have.
    with sqlite3.connect(servers.db) as conn:
        keys = [key for (key,) in conn.execute("SELECT key FROM conversations")]
    assert ":alice :bob" in keys
    # A room's past is for its members.
    await thief.send("JOIN #side")
    await thief.expect(match("366", None, "bob", "#side"))
    await say(thief, "#side", "side talk")
    refused = await fail_of(alice, "LATEST", "#side", "*", "10")
    assert refused.params[:4] == ["CHATHISTORY", "INVALID_TARGET", "LATEST", "#side"]


async def with_account(
    connect: Connect, address: Address, nick: str, account: str | None = None
) -> IrcPeer:
    """A modern client logged in to `account` (REGISTERed as `nick` when None)."""
    peer = await connect(address)
    await start_negotiation(peer, nick, " ".join(["sasl", "draft/account-registration", *MODERN]))
    if account is None:
        await peer.send(f"REGISTER * * :{PASSWORD}")
        assert (await peer.expect("REGISTER")).params[:2] == ["SUCCESS", nick]
    else:
        assert (await sasl_login(peer, account, PASSWORD)).command == "903"
    await peer.send("CAP END")
    await peer.expect(match("366", None, nick, "#lobby"))
    peer.nick = nick
    return peer


async def test_private_history_is_the_accounts_whatever_the_nicks(
    servers: Servers, connect: Connect
) -> None:
    """Over REGISTER and SASL: the attacks on private history, as a user would try them.

    bob (an account) talks to alice as `bobby` and quits; a guest takes
    `bobby`, another tries `bob`: neither reads a thing. bob back as `robert`
    reads it all; carol (another account) reads nothing.
    """
    address = servers.start()
    alice = await with_account(connect, address, "alice")
    bob = await with_account(connect, address, "Bob")
    await bob.send("NICK bobby")
    await bob.expect(match("NICK", "Bob", "bobby"))
    await say(alice, "bobby", "secret for bob")
    await bob.expect(match("PRIVMSG", "alice", "bobby"))
    await say(bob, "alice", "secret reply")
    assert texts(await history(bob, "LATEST", "alice", "*", "10")) == [
        "secret for bob",
        "secret reply",
    ]
    await bob.send("QUIT :gone")
    await alice.expect(match("QUIT", "bobby"))
    # alice's partner is offline: named by account, as registered.
    assert [m.params[1] for m in await history(alice, "TARGETS", *ALL_TIME, "10")] == ["Bob"]

    squatter = await joined(connect, address, "bobby", MODERN)
    # `bob` is owned by the account: a guest asking for it is renamed.
    renamed = await connect(address, "bob", caps=MODERN)
    welcome = next(m for m in renamed.seen if m.command == "001")
    assert welcome.params[0].startswith("Guest")
    for guest in (squatter, renamed):
        for target in ("alice", "bob", "bobby", "*"):
            assert await history(guest, "LATEST", target, "*", "10") == []
        assert await history(guest, "TARGETS", *ALL_TIME, "10") == []

    robert = await with_account(connect, address, "robert", account="bob")
    said = ["secret for bob", "secret reply"]
    assert texts(await history(robert, "LATEST", "alice", "*", "10")) == said
    assert texts(await history(robert, "LATEST", "*", "*", "10")) == said
    assert [m.params[1] for m in await history(robert, "TARGETS", *ALL_TIME, "10")] == ["alice"]
    # Online again: alice sees bob under the nick he uses now.
    assert [m.params[1] for m in await history(alice, "TARGETS", *ALL_TIME, "10")] == ["robert"]
    assert texts(await history(alice, "LATEST", "robert", "*", "10")) == said

    carol = await with_account(connect, address, "carol")
    for target in ("alice", "bob", "robert", "*"):
        assert await history(carol, "LATEST", target, "*", "10") == []
    assert await history(carol, "TARGETS", *ALL_TIME, "10") == []


async def test_labeled_echo_and_history_carry_their_label(
    servers: Servers, connect: Connect
) -> None:
    """A stored message's echo is its labeled answer; a CHATHISTORY batch carries its label.

    No early ACK: the PING sent after the message is answered first, as the
    echo waits for the commit.
    """
    address = servers.start()
    alice = await joined(connect, address, "alice", [*MODERN, "labeled-response"])
    bob = await joined(connect, address, "bob", MODERN)
    await alice.send("@label=m1 PRIVMSG #lobby :labeled", "@label=p1 PING done")
    answers = [await alice.expect(lambda m: "label" in m.tags) for _ in range(2)]
    assert [(m.command, m.tags["label"]) for m in answers] == [("PONG", "p1"), ("PRIVMSG", "m1")]
    assert answers[1].params == ["#lobby", "labeled"]
    delivered = await bob.expect(match("PRIVMSG", "alice", "#lobby"))
    assert "label" not in delivered.tags
    assert delivered.tags["msgid"] == answers[1].tags["msgid"]

    await alice.send("@label=h1 CHATHISTORY LATEST #lobby * 10")
    start = await alice.expect("BATCH")
    assert start.params[1:] == ["chathistory", "#lobby"] and start.tags["label"] == "h1"
    inside: list[Message] = []
    await alice.expect(match("BATCH", None, f"-{start.params[0][1:]}"), skipped=inside)
    assert texts(inside) == ["labeled"]


async def test_event_playback_over_the_wire(servers: Servers, connect: Connect) -> None:
    """JOIN and PART come back in history to a client with draft/event-playback only."""
    address = servers.start()
    watcher = await joined(connect, address, "watcher", [*MODERN, "draft/event-playback"])
    classic = await joined(connect, address, "classic", MODERN)
    bob = await joined(connect, address, "bob", MODERN)
    await say(bob, "#lobby", "hello")
    await bob.send("PART #lobby :brb")
    await watcher.expect(match("PART", "bob", "#lobby"))
    played = await history(watcher, "LATEST", "#lobby", "*", "10")
    assert [(m.source.split("!")[0], m.command) for m in played] == [
        ("watcher", "JOIN"),
        ("classic", "JOIN"),
        ("bob", "JOIN"),
        ("bob", "PRIVMSG"),
        ("bob", "PART"),
    ]
    assert played[-1].params == ["#lobby", "brb"]
    assert texts(await history(classic, "LATEST", "#lobby", "*", "10")) == ["hello"]


async def test_topic_modes_and_history_survive_a_restart(
    servers: Servers, connect: Connect
) -> None:
    first = servers.start(operators={"host": "pw"})
    alice = await joined(connect, first, "alice", MODERN)
    await alice.send("OPER host pw")
    await alice.expect(match("MODE", None, "#lobby", "+o", "alice"))
    await alice.send("TOPIC #lobby :the persistent topic")
    await alice.expect(match("TOPIC", "alice", "#lobby"))
    await alice.send("MODE #lobby +s-t")
    await alice.expect(match("MODE", "alice", "#lobby"))
    await say(alice, "#lobby", "before the restart")
    servers.stop_all()
    second = servers.start()
    bob = await connect(second, "bob", caps=MODERN)
    topic = await bob.expect(match("332", None, "bob", "#lobby"))
    assert topic.params[-1] == "the persistent topic"
    assert texts(await history(bob, "LATEST", "#lobby", "*", "10")) == ["before the restart"]
    shown = await bob.request("MODE #lobby", "324")
    assert shown.params[2] == "+ns"


async def test_join_replay_for_classic_clients_only(servers: Servers, connect: Connect) -> None:
    address = servers.start(history={"join_replay_messages": 3})
    alice = await joined(connect, address, "alice", MODERN)
    await say(alice, "#lobby", "one", "two", "three", "four")
    classic = await joined(connect, address, "classic", CLASSIC)
    start = await classic.expect("BATCH")
    assert start.params[1:] == ["chathistory", "#lobby"]
    replay: list[Message] = []
    await classic.expect(match("BATCH", None, "-" + start.params[0][1:]), skipped=replay)
    assert texts(replay) == ["two", "three", "four"]
    assert all("time" in m.tags for m in replay)
    # A private message is never part of a room's replay.
    await say(alice, "classic", "just for you")
    await classic.expect(match("PRIVMSG", "alice", "classic"))
    late = await joined(connect, address, "late", CLASSIC)
    start = await late.expect("BATCH")
    replay.clear()
    await late.expect(match("BATCH", None, "-" + start.params[0][1:]), skipped=replay)
    assert texts(replay) == ["two", "three", "four"]
    modern = await joined(connect, address, "modern", MODERN)
    assert not [m for m in await modern.sync() if m.command in ("PRIVMSG", "BATCH")]


async def test_join_replay_off_with_zero(servers: Servers, connect: Connect) -> None:
    address = servers.start(history={"join_replay_messages": 0})
    alice = await joined(connect, address, "alice", MODERN)
    await say(alice, "#lobby", "unseen")
    classic = await joined(connect, address, "classic", [])
    assert not [m for m in await classic.sync() if m.command == "PRIVMSG"]


async def test_idempotent_resend_is_delivered_once(servers: Servers, connect: Connect) -> None:
    address = servers.start()
    alice = await joined(connect, address, "alice", MODERN)
    bob = await joined(connect, address, "bob", MODERN)
    line = "@+tui-chat/idem=key-1 PRIVMSG #lobby :exactly once"
    await alice.send(line)
    first = await alice.expect(match("PRIVMSG", "alice", "#lobby"))
    await alice.send(line)
    second = await alice.expect(match("PRIVMSG", "alice", "#lobby"))
    assert second.tags["msgid"] == first.tags["msgid"]
    received = [m for m in await bob.sync() if m.command == "PRIVMSG"]
    assert [m.tags["msgid"] for m in received] == [first.tags["msgid"]]
    assert texts(await history(bob, "LATEST", "#lobby", "*", "10")) == ["exactly once"]


async def test_refused_by_the_store_is_not_relayed(servers: Servers, connect: Connect) -> None:
    # No room in the write queue: every message is refused at once.
    address = servers.start(history={"max_pending_writes": 0})
    alice = await joined(connect, address, "alice", [*MODERN, "standard-replies"])
    bob = await joined(connect, address, "bob", MODERN)
    await alice.send("PRIVMSG #lobby :lost")
    fail = await alice.expect("FAIL")
    assert fail.params[:3] == ["PRIVMSG", "MESSAGE_NOT_STORED", "#lobby"]
    assert not [m for m in await bob.sync() if m.command == "PRIVMSG"]


async def test_without_a_store_chathistory_answers_empty(
    start_server: Any, connect: Connect
) -> None:
    address = start_server()
    # draft/chathistory is not offered without a store; a client may still ask.
    peer = await joined(connect, address, "nohist", [c for c in MODERN if "chathistory" not in c])
    await say(peer, "#lobby", "not kept")
    assert await history(peer, "LATEST", "#lobby", "*", "10") == []
    assert await history(peer, "TARGETS", *ALL_TIME, "10") == []
    bad = await fail_of(peer, "LATEST", "#lobby")
    assert bad.params[:2] == ["CHATHISTORY", "INVALID_PARAMS"]


async def test_without_batch_cap_replies_are_bare_lines(servers: Servers, connect: Connect) -> None:
    address = servers.start(history={"join_replay_messages": 0})
    peer = await joined(connect, address, "bare", ["message-tags", "draft/chathistory"])
    await peer.send("PRIVMSG #lobby :first", "PRIVMSG #lobby :second")
    await peer.send("CHATHISTORY LATEST #lobby * 10", f"CHATHISTORY TARGETS {' '.join(ALL_TIME)} 5")
    got = [await peer.expect(match("PRIVMSG", "bare", "#lobby")) for _ in range(2)]
    got.append(await peer.expect("CHATHISTORY"))
    assert [m.params for m in got[:2]] == [["#lobby", "first"], ["#lobby", "second"]]
    assert got[2].params[:2] == ["TARGETS", "#lobby"]
    assert not any("batch" in m.tags for m in got)
    assert not [m for m in peer.seen if m.command == "BATCH"]


async def test_default_room_gives_no_op_after_a_restart(servers: Servers, connect: Connect) -> None:
    """Seen: after a restart the first guest back in #lobby became its op."""
    first = servers.start()
    await joined(connect, first, "bob", MODERN)
    servers.stop_all()
    second = servers.start(operators={"host": "pw"})
    guest = await connect(second, "guest", caps=MODERN)
    names = await guest.expect(match("353", None, "guest"))
    assert names.params[-1] == "guest"
    shown = await guest.request("MODE #lobby +m", "482")
    assert shown.params[1] == "#lobby"
    # The host, after OPER, runs the room.
    host = await joined(connect, second, "host", MODERN)
    await host.send("OPER host pw")
    await guest.expect(match("MODE", None, "#lobby", "+o", "host"))
    # A room a user creates is still theirs.
    await guest.send("JOIN #guests")
    created = await guest.expect(match("353", None, "guest"))
    assert created.params[-2:] == ["#guests", "@guest"]
