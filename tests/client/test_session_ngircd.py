"""ClientSession against ngircd (Debian), a server with other PREFIX, CASEMAPPING and CAPs."""

from __future__ import annotations

from tui_chat.client.events import (
    ErrorReply,
    MembersChanged,
    MessageReceived,
    Registered,
    SelfJoined,
)
from tui_chat.client.session import ConnectOptions

from .helpers import running

# ngircd throttles new clients for a second or two; allow for it.
SLOW = 20.0


async def test_chat_prefixes_and_a_taken_nick_on_ngircd(ngircd: int) -> None:
    first = ConnectOptions("127.0.0.1", ngircd, "alice", rooms=("#test",))
    async with running(first) as alice:
        await alice.events.wait(SelfJoined, timeout=SLOW)
        assert "multi-prefix" in alice.session.state.caps
        assert alice.session.state.isupport.prefix_symbols == "~&@%+"
        async with running(ConnectOptions("127.0.0.1", ngircd, "ALICE", rooms=("#test",))) as bob:
            registered = await bob.events.wait(Registered, timeout=SLOW)
            # CASEMAPPING=ascii: ALICE is alice, so the nick is taken.
            assert registered.nick == "ALICE_"
            assert (await bob.events.wait(ErrorReply)).code == "433"
            await bob.events.wait(SelfJoined, timeout=SLOW)

            await alice.session.mode("#test", "+v", "ALICE_")
            listed = await bob.events.wait(
                MembersChanged,
                lambda e: (
                    [(m.nick, m.prefixes) for m in e.members] == [("alice", "@"), ("ALICE_", "+")]
                ),
                timeout=SLOW,
            )
            assert listed.room == "#test"

            await bob.session.send_message("#TEST", "hi alice")
            heard = await alice.events.wait(MessageReceived, timeout=SLOW)
            assert (heard.sender, heard.text, heard.mentions_me) == ("ALICE_", "hi alice", True)
            assert heard.target == "#test"
