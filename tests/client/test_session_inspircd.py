"""ClientSession against InspIRCd 3 (Debian) with its IRCv3 modules loaded."""

from __future__ import annotations

from tui_chat.client.events import MembersChanged, MessageReceived, Registered, SelfJoined
from tui_chat.client.session import ConnectOptions

from .helpers import running

WANTED_HERE = {"echo-message", "server-time", "message-tags", "multi-prefix", "batch"}


async def test_ircv3_chat_on_inspircd(inspircd: int) -> None:
    async with running(ConnectOptions("127.0.0.1", inspircd, "alice", rooms=("#v3",))) as alice:
        registered = await alice.events.wait(Registered)
        assert registered.network == "InspNet"
        assert alice.session.state.caps >= WANTED_HERE
        await alice.events.wait(SelfJoined)
        async with running(ConnectOptions("127.0.0.1", inspircd, "bob", rooms=("#v3",))) as bob:
            await bob.events.wait(SelfJoined)
            both = await alice.events.wait(MembersChanged, lambda e: len(e.members) == 2)
            assert [(m.nick, m.prefixes) for m in both.members] == [("alice", "@"), ("bob", "")]
            assert all(m.userhost for m in both.members)  # userhost-in-names

            text = " ".join(["long"] * 150)
            await bob.session.send_message("#v3", text)
            await alice.events.wait_until(
                lambda: " ".join(m.text for m in alice.events.of(MessageReceived)) == text.strip()
            )
            pieces = alice.events.of(MessageReceived)
            assert len(pieces) > 1 and all(p.msgid and p.time for p in pieces)
            # echo-message: bob's own copies come from the server, with its msgids.
            await bob.events.wait_until(lambda: len(bob.events.of(MessageReceived)) == len(pieces))
            assert [m.msgid for m in bob.events.of(MessageReceived)] == [p.msgid for p in pieces]

            await bob.session.send_message("alice", "psst")
            private = await alice.events.wait(MessageReceived, lambda e: e.is_private)
            assert (private.target, private.text) == ("bob", "psst")
            echoed = await bob.events.wait(MessageReceived, lambda e: e.is_private)
            assert (echoed.target, echoed.is_self) == ("alice", True)
