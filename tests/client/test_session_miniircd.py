"""ClientSession against miniircd, an IRC server nobody on this project wrote."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any

from tui_chat.client.events import (
    ConnectionStateChanged,
    ConnState,
    ErrorReply,
    MembersChanged,
    MessageKind,
    MessageReceived,
    NickChanged,
    Registered,
    SelfJoined,
    TopicChanged,
    UserJoined,
    UserParted,
    UserQuit,
)
from tui_chat.client.session import ConnectOptions

from .conftest import Miniircd
from .helpers import RunningSession, running


def options(server: Miniircd, nick: str, **extra: Any) -> ConnectOptions:
    return ConnectOptions("127.0.0.1", server.port, nick, **extra)


async def in_room(run: RunningSession, room: str = "#test") -> None:
    await run.events.wait(Registered)
    await run.session.join(room)
    await run.events.wait(SelfJoined, lambda e: e.room == room)


async def test_two_users_chat_and_see_each_other(miniircd: Miniircd) -> None:
    async with (
        running(options(miniircd, "alice")) as alice,
        running(options(miniircd, "bob")) as bob,
    ):
        await in_room(alice)
        await in_room(bob)
        joined = await alice.events.wait(UserJoined)
        assert (joined.room, joined.nick) == ("#test", "bob")
        both = await alice.events.wait(MembersChanged, lambda e: len(e.members) == 2)
        assert {m.nick for m in both.members} == {"alice", "bob"}

        await alice.session.send_message("#test", "hello bob")
        heard = await bob.events.wait(MessageReceived, lambda e: e.text == "hello bob")
        assert (heard.sender, heard.target, heard.mentions_me, heard.is_self) == (
            "alice",
            "#test",
            True,
            False,
        )
        own = await alice.events.wait(MessageReceived, lambda e: e.text == "hello bob")
        assert own.is_self

        await bob.session.send_action("#test", "waves")
        action = await alice.events.wait(MessageReceived, lambda e: e.kind is MessageKind.ACTION)
        assert (action.sender, action.text) == ("bob", "waves")

        await bob.session.send_message("alice", "a secret")
        private = await alice.events.wait(MessageReceived, lambda e: e.is_private)
        assert (private.target, private.text) == ("bob", "a secret")


async def test_nick_topic_part_and_quit_are_seen(miniircd: Miniircd) -> None:
    async with running(options(miniircd, "alice")) as alice:
        async with running(options(miniircd, "bob")) as bob:
            await in_room(alice)
            await in_room(bob)
            await alice.events.wait(UserJoined)

            await bob.session.set_nick("robert")
            renamed = await alice.events.wait(NickChanged)
            assert (renamed.old, renamed.new, renamed.rooms) == ("bob", "robert", ("#test",))
            assert (await bob.events.wait(NickChanged)).is_self
            assert bob.session.state.nick == "robert"

            await alice.session.set_topic("#test", "plans for friday")
            topic = await bob.events.wait(TopicChanged)
            assert (topic.topic, topic.set_by, topic.changed_now) == (
                "plans for friday",
                "alice",
                True,
            )

            await bob.session.part("#test", "brb")
            parted = await alice.events.wait(UserParted)
            assert (parted.nick, parted.reason) == ("robert", "brb")
            await bob.session.join("#test")
            await alice.events.wait(UserJoined, lambda e: e.nick == "robert")
        quit_event = await alice.events.wait(UserQuit)
        assert quit_event.nick == "robert" and quit_event.rooms == ("#test",)
        room = alice.session.state.room("#test")
        assert room is not None and [m.nick for m in room.members.values()] == ["alice"]


async def test_taken_nick_gets_an_alternative(miniircd: Miniircd) -> None:
    async with running(options(miniircd, "carol")) as first:
        await first.events.wait(Registered)
        async with running(options(miniircd, "carol")) as second:
            registered = await second.events.wait(Registered)
            assert registered.nick == "carol_"
            notice = await second.events.wait(ErrorReply)
            assert notice.text == "Nick 'carol' is already taken, trying 'carol_'"


async def test_wrong_password_is_fatal(
    miniircd_factory: Callable[..., Coroutine[Any, Any, Miniircd]],
) -> None:
    server = await miniircd_factory("--password", "sesame")
    async with running(options(server, "dave", password="wrong")) as run:
        final = await run.events.wait(ConnectionStateChanged, lambda e: e.fatal)
        assert final.detail == "The server password is wrong"
        async with asyncio.timeout(5):
            await run.task
    async with running(options(server, "dave", password="sesame")) as run:
        await run.events.wait(Registered)


async def test_server_restart_reconnects_and_rejoins(miniircd: Miniircd) -> None:
    fast = {"backoff_base": 0.1, "backoff_max": 0.5}
    async with running(options(miniircd, "erin", **fast)) as run:
        await in_room(run, "#keep")
        await miniircd.stop()
        lost = await run.events.wait_state(ConnState.RECONNECTING)
        assert lost.retry_in is not None
        await miniircd.start()
        rejoined = run.events.of(SelfJoined)
        assert len(rejoined) == 1
        await run.events.wait(SelfJoined, lambda e: e is not rejoined[0])
        assert run.session.state.room("#keep") is not None
        assert run.session.state.conn_state is ConnState.CONNECTED
