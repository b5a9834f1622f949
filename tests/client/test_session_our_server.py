"""ClientSession against tui-chat's own server: every capability it offers in use."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from tui_chat.client.events import (
    AwayChanged,
    ConnectionStateChanged,
    ErrorReply,
    HistoryBatchEnded,
    MembersChanged,
    MessageReceived,
    NickChanged,
    Registered,
    SelfJoined,
    SelfKicked,
    SelfParted,
    ServerInfo,
    TopicChanged,
    UserKicked,
    UserParted,
    UserQuit,
)
from tui_chat.client.session import ConnectOptions
from tui_chat.server.config import ServerConfig
from tui_chat.server.thread import ServerThread

from .helpers import RunningSession, running

Address = tuple[str, int]


def options(address: Address, nick: str, **extra: Any) -> ConnectOptions:
    return ConnectOptions(address[0], address[1], nick, **extra)


async def lobby_member(run: RunningSession) -> None:
    await run.events.wait(SelfJoined, lambda e: e.room == "#lobby")


async def sees_in_lobby(run: RunningSession, nick: str) -> None:
    """Whoever joined first, `run` ends up with `nick` in its #lobby member list."""
    await run.events.wait(
        MembersChanged, lambda e: e.room == "#lobby" and nick in {m.nick for m in e.members}
    )


async def test_negotiates_caps_and_lands_in_the_lobby(our_server: Address) -> None:
    async with running(options(our_server, "alice")) as alice:
        registered = await alice.events.wait(Registered)
        assert registered.network == "tui-chat"
        await lobby_member(alice)
        assert {"echo-message", "server-time", "multi-prefix", "away-notify", "batch"} <= (
            alice.session.state.caps
        )


async def test_two_users_chat_with_echo_message(our_server: Address) -> None:
    async with (
        running(options(our_server, "alice")) as alice,
        running(options(our_server, "bob")) as bob,
    ):
        await lobby_member(alice)
        await lobby_member(bob)
        await sees_in_lobby(alice, "bob")
        members = await alice.events.wait(MembersChanged, lambda e: len(e.members) == 2)
        assert {m.nick for m in members.members} == {"alice", "bob"}

        long_text = " ".join(f"word{i}" for i in range(200))
        await alice.session.send_message("#lobby", "hi bob")
        await alice.session.send_message("#lobby", long_text)
        heard = await bob.events.wait(MessageReceived, lambda e: e.text == "hi bob")
        assert heard.msgid and heard.time is not None and heard.mentions_me
        # The long text arrives cut into several lines that add up to all of it.
        await bob.events.wait_until(
            lambda: " ".join(e.text for e in bob.events.of(MessageReceived)[1:]) == long_text
        )
        assert len(bob.events.of(MessageReceived)) > 3
        # echo-message: our own lines come back once, from the server, not twice.
        await alice.events.wait(MessageReceived, lambda e: e.text == "hi bob")
        own = alice.events.of(MessageReceived, lambda e: e.text == "hi bob")
        assert len(own) == 1 and own[0].is_self and own[0].msgid == heard.msgid


async def test_away_is_seen_by_others(our_server: Address) -> None:
    async with (
        running(options(our_server, "alice")) as alice,
        running(options(our_server, "bob")) as bob,
    ):
        await lobby_member(alice)
        await lobby_member(bob)
        await sees_in_lobby(alice, "bob")
        await bob.session.set_away("lunch")
        assert await alice.events.wait(AwayChanged) == AwayChanged("bob", "lunch")
        assert await bob.events.wait(AwayChanged) == AwayChanged("bob", "lunch")
        marked = await alice.events.wait(MembersChanged, lambda e: any(m.away for m in e.members))
        assert [m.nick for m in marked.members if m.away] == ["bob"]
        await bob.session.set_away(None)
        await alice.events.wait(AwayChanged, lambda e: e.message is None)
        room = alice.session.state.room("#lobby")
        assert room is not None and not any(m.away for m in room.members.values())


async def test_oper_host_moderates_a_room(our_server: Address) -> None:
    async with running(options(our_server, "guest")) as guest:
        # The guest founds #lobby (and is its op); the host is opped by OPER alone.
        await lobby_member(guest)
        async with running(options(our_server, "host", oper=("host", "pw"))) as host:
            await lobby_member(host)
            await host.events.wait(
                MembersChanged,
                lambda e: any(m.nick == "host" and m.prefixes == "@" for m in e.members),
            )

            await host.session.join("#den")
            await host.events.wait(SelfJoined, lambda e: e.room == "#den")
            await host.session.set_topic("#den", "quiet please")
            await host.events.wait(TopicChanged, lambda e: e.room == "#den")
            await guest.session.join("#den")
            topic = await guest.events.wait(TopicChanged, lambda e: e.room == "#den")
            assert (topic.topic, topic.changed_now) == ("quiet please", False)

            await host.session.mode("#den", "+v", "guest")
            voiced = await guest.events.wait(
                MembersChanged,
                lambda e: e.room == "#den" and any(m.prefixes == "+" for m in e.members),
            )
            assert [(m.nick, m.prefixes) for m in voiced.members] == [
                ("host", "@"),
                ("guest", "+"),
            ]

            await guest.session.kick("#den", "host", "coup")
            refused = await guest.events.wait(ErrorReply, lambda e: e.code == "482")
            assert (refused.text, refused.target) == (
                "You're not a channel operator in #den",
                "#den",
            )

            await host.session.kick("#den", "guest", "bye")
            kicked = await guest.events.wait(SelfKicked)
            assert (kicked.room, kicked.by, kicked.reason) == ("#den", "host", "bye")
            left = guest.session.state.room("#den")
            assert left is not None and not left.joined and not left.members
            seen = await host.events.wait(UserKicked)
            assert (seen.nick, seen.room) == ("guest", "#den")


async def test_quit_and_whois(our_server: Address) -> None:
    async with running(options(our_server, "alice")) as alice:
        async with running(options(our_server, "bob", realname="Bob B")) as bob:
            await lobby_member(alice)
            await lobby_member(bob)
            await alice.session.whois("bob")
            info = await alice.events.wait(ServerInfo, lambda e: e.code == "311")
            assert info.text.startswith("bob is ") and info.text.endswith("(Bob B)")
        gone = await alice.events.wait(UserQuit)
        assert (gone.nick, gone.rooms) == ("bob", ("#lobby",))


async def test_wrong_oper_password_is_an_error_not_a_disconnect(our_server: Address) -> None:
    async with running(options(our_server, "mallory", oper=("host", "guess"))) as run:
        error = await run.events.wait(ErrorReply)
        assert error.text == "That operator password is wrong"
        await run.session.send_message("#lobby", "still here")
        assert (await run.events.wait(MessageReceived)).text == "still here"
        assert not run.events.of(ConnectionStateChanged, lambda e: e.fatal)


async def test_nick_change_and_part_are_seen(our_server: Address) -> None:
    async with (
        running(options(our_server, "alice")) as alice,
        running(options(our_server, "bob")) as bob,
    ):
        await lobby_member(alice)
        await lobby_member(bob)
        await sees_in_lobby(alice, "bob")
        await bob.session.set_nick("bobby")
        renamed = await alice.events.wait(NickChanged)
        assert (renamed.old, renamed.new, renamed.rooms, renamed.is_self) == (
            "bob",
            "bobby",
            ("#lobby",),
            False,
        )
        await alice.events.wait(
            MembersChanged, lambda e: {m.nick for m in e.members} == {"alice", "bobby"}
        )
        await bob.session.part("#lobby", "off to bed")
        parted = await alice.events.wait(UserParted)
        assert (parted.room, parted.nick, parted.reason) == ("#lobby", "bobby", "off to bed")
        assert (await bob.events.wait(SelfParted)).room == "#lobby"
        assert bob.session.state.room("#lobby") is None
        room = alice.session.state.room("#lobby")
        assert room is not None and set(room.members) == {"alice"}


async def test_joining_learns_who_is_already_away(our_server: Address) -> None:
    async with running(options(our_server, "bob", realname="Bob B")) as bob:
        await lobby_member(bob)
        await bob.session.set_away("lunch")
        await bob.events.wait(AwayChanged)
        async with running(options(our_server, "alice")) as alice:
            listed = await alice.events.wait(
                MembersChanged, lambda e: any(m.nick == "bob" and m.away for m in e.members)
            )
            bob_member = next(m for m in listed.members if m.nick == "bob")
            assert bob_member.realname == "Bob B"
            assert bob_member.userhost is not None and "@" in bob_member.userhost
            # The WHO was the session's own: nothing of it is shown as text.
            assert not alice.events.of(ServerInfo, lambda e: e.code in ("352", "315"))


async def test_history_on_join_and_paging_back_with_our_store(tmp_path: Path) -> None:
    config = ServerConfig(history_db=str(tmp_path / "history.sqlite3"))
    server = ServerThread(config, "127.0.0.1", 0)
    address = await asyncio.to_thread(server.start)
    try:
        # No pacing: the test is about history, not about flood protection.
        async with running(options(address, "alice", send_interval=0)) as alice:
            await lobby_member(alice)
            for n in range(30):
                await alice.session.send_message("#lobby", f"line {n}")
            await alice.events.wait(MessageReceived, lambda e: e.text == "line 29")
            async with running(options(address, "bob", history_on_join=10)) as bob:
                ended = await bob.events.wait(HistoryBatchEnded)
                assert ended == HistoryBatchEnded("#lobby", 10)
                latest = bob.events.of(MessageReceived)
                assert [m.text for m in latest] == [f"line {n}" for n in range(20, 30)]
                assert all(m.is_history and m.msgid for m in latest)

                oldest = latest[0].msgid
                assert oldest is not None
                await bob.session.fetch_history("#lobby", oldest, limit=15)
                await bob.events.wait(HistoryBatchEnded, lambda e: e.count == 15)
                older = bob.events.of(MessageReceived)[10:]
                assert [m.text for m in older] == [f"line {n}" for n in range(5, 20)]
    finally:
        await asyncio.to_thread(server.stop)


async def test_reconnect_fills_exactly_the_gap(tmp_path: Path) -> None:
    config = ServerConfig(history_db=str(tmp_path / "history.sqlite3"), operators={"host": "pw"})
    server = ServerThread(config, "127.0.0.1", 0)
    address = await asyncio.to_thread(server.start)
    host_options = options(address, "host", oper=("host", "pw"), send_interval=0)
    try:
        async with running(host_options) as host:
            await lobby_member(host)
            await host.events.wait(ServerInfo, lambda e: e.code == "381")
            async with running(options(address, "bob", backoff_base=1.0)) as bob:
                await lobby_member(bob)
                await host.session.send_message("#lobby", "before")
                await bob.events.wait(MessageReceived, lambda e: e.text == "before")
                await host.session.send_raw("KILL bob :testing the gap")
                await host.events.wait(UserQuit, lambda e: e.nick == "bob")
                await host.session.send_message("#lobby", "during 1")
                await host.session.send_message("#lobby", "during 2")
                await bob.events.wait(HistoryBatchEnded, lambda e: e.count == 2)
                heard = bob.events.of(MessageReceived)
                # "before" may come live or in the history of the first join, never twice.
                assert [m.text for m in heard] == ["before", "during 1", "during 2"]
                assert heard[1].is_history and heard[2].is_history
    finally:
        await asyncio.to_thread(server.stop)
