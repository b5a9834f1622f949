"""ClientSession against a scripted server: registration, CAP, errors, drops."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from tui_chat.client.events import (
    AwayChanged,
    ConnectionStateChanged,
    ConnState,
    ErrorReply,
    Invited,
    LagMeasured,
    Member,
    MembersChanged,
    MessageKind,
    MessageReceived,
    NickChanged,
    Registered,
    SelfJoined,
    SelfKicked,
    ServerInfo,
    TopicChanged,
    UserJoined,
    UserQuit,
)
from tui_chat.client.session import LAG_REPORT_INTERVAL, PING_INTERVAL, PING_TIMEOUT

from .helpers import FakeConnection, FakeServer, RunningSession, registered, running


async def test_registers_without_cap_and_reports_connected() -> None:
    async with registered("alice") as (conn, run):
        welcome = await run.events.wait(Registered)
        assert (welcome.nick, welcome.server, welcome.network) == (
            "alice",
            "fake.server",
            "FakeNet",
        )
        assert run.session.state.conn_state is ConnState.CONNECTED
        assert run.session.state.caps == set()
        nick_line = next(line for line in conn.lines if line.startswith("NICK"))
        assert nick_line == "NICK alice"


async def test_requests_only_offered_caps_it_uses() -> None:
    async with FakeServer() as server, running(server.options()) as run:
        conn = await server.next_connection()
        await conn.expect("CAP LS 302")
        await conn.send(
            "CAP * LS * :sasl=PLAIN server-time multi-prefix",
            "CAP * LS :echo-message draft/unknown away-notify",
        )
        req = await conn.expect("CAP REQ")
        # sasl too, without credentials: /login may use it later.
        assert set(req.partition(":")[2].split() or req.split()[2:]) == {
            "sasl",
            "server-time",
            "multi-prefix",
            "echo-message",
            "away-notify",
        }
        await conn.send("CAP * ACK :server-time multi-prefix echo-message away-notify")
        await conn.expect("CAP END")
        await conn.send(":s 001 me :hi", ":s 376 me :end")
        await run.events.wait(Registered)
        assert run.session.state.caps == {
            "server-time",
            "multi-prefix",
            "echo-message",
            "away-notify",
        }


async def test_taken_nick_tries_alternatives_and_says_so() -> None:
    async with FakeServer() as server, running(server.options("bob")) as run:
        conn = await server.next_connection()
        await conn.expect("USER")
        await conn.send("433 * bob :Nickname is already in use")
        await conn.expect("NICK bob_")
        await conn.send("433 * bob_ :Nickname is already in use")
        await conn.expect("NICK bob__")
        await conn.send(":s 001 bob__ :hi", ":s 422 bob__ :no motd")
        registered = await run.events.wait(Registered)
        assert registered.nick == "bob__"
        errors = [e.text for e in run.events.of(ErrorReply)]
        assert errors[0] == "Nick 'bob' is already taken, trying 'bob_'"


async def test_lag_is_measured_from_our_ping() -> None:
    async with registered() as (conn, run):
        ping = await conn.expect("PING")
        await conn.send(f":fake.server PONG fake.server :{ping.split()[-1].lstrip(':')}")
        lag = await run.events.wait(LagMeasured)
        assert 0 <= lag.ms < 10_000
        assert run.session.state.lag_ms == lag.ms


async def test_answers_server_ping() -> None:
    async with registered() as (conn, run):
        await conn.send("PING :token-123")
        assert await conn.expect("PONG") == "PONG token-123"
        assert run.task.done() is False


async def test_server_time_members_and_mentions() -> None:
    async with registered("me", caps="server-time multi-prefix") as (conn, run):
        await conn.send(
            ":me!u@h JOIN #room",
            ":s 353 me = #room :~@op +voiced me",
            ":s 366 me #room :End",
            "@time=2024-05-01T12:30:00.000Z :op!o@h PRIVMSG #room :hey ME, look",
            ":voiced!v@h PRIVMSG #room :mentioning meme is not me-ntion... or is it",
            ":voiced!v@h PRIVMSG #room :tell someone",
        )
        await run.events.wait(SelfJoined)
        members = await run.events.wait(MembersChanged, lambda e: len(e.members) == 3)
        assert [(m.nick, m.prefixes) for m in members.members] == [
            ("op", "~@"),
            ("voiced", "+"),
            ("me", ""),
        ]
        await run.events.wait(MessageReceived, lambda e: e.text == "tell someone")
        hey, meme, tell = run.events.of(MessageReceived)
        assert hey.time == datetime(2024, 5, 1, 12, 30, tzinfo=UTC)
        assert hey.mentions_me and not hey.is_private and hey.target == "#room"
        # "me-ntion" holds "me" followed by a nick character, so it does not count.
        assert not meme.mentions_me
        assert not tell.mentions_me
        assert tell.time is not None and tell.time.tzinfo is not None


async def test_mode_changes_update_prefixes() -> None:
    async with registered("me") as (conn, run):
        await conn.send(
            ":me!u@h JOIN #room",
            ":s 353 me = #room :me bob",
            ":s 366 me #room :End",
            ":me!u@h MODE #room +okv-q bob secret bob bob",
        )
        changed = await run.events.wait(
            MembersChanged, lambda e: any(m.prefixes for m in e.members)
        )
        bob = next(m for m in changed.members if m.nick == "bob")
        assert bob.prefixes == "@+"
        assert run.session.state.room("#ROOM") is not None


async def test_ctcp_version_is_answered_and_action_is_an_action() -> None:
    async with registered("me") as (conn, run):
        await conn.send(
            ":bob!b@h PRIVMSG me :\x01VERSION\x01",
            ":bob!b@h PRIVMSG #room :\x01ACTION waves\x01",
        )
        reply = await conn.expect("NOTICE bob")
        assert reply.startswith("NOTICE bob :\x01VERSION tui-chat ")
        action = await run.events.wait(MessageReceived)
        assert (action.kind, action.text, action.sender) == (MessageKind.ACTION, "waves", "bob")


async def test_private_messages_and_own_echo_without_echo_message() -> None:
    async with registered("me") as (conn, run):
        await run.events.wait(Registered)
        await conn.send(":bob!b@h PRIVMSG me :psst")
        incoming = await run.events.wait(MessageReceived)
        assert (incoming.target, incoming.is_private, incoming.is_self) == ("bob", True, False)
        await run.session.send_message("bob", "hi back")
        assert await conn.expect("PRIVMSG") == "PRIVMSG bob :hi back"
        echoed = await run.events.wait(MessageReceived, lambda e: e.is_self)
        assert (echoed.target, echoed.text, echoed.is_private) == ("bob", "hi back", True)


async def test_long_text_is_split_to_fit_512_bytes() -> None:
    async with registered("me", caps="echo-message") as (conn, run):
        await conn.send(":me!user@some.host JOIN #room")
        await run.events.wait(SelfJoined)
        words = " ".join(f"wörd{i}" for i in range(300))
        await run.session.send_message("#room", words)
        sent: list[str] = []
        while " ".join(sent) != words:
            line = await conn.expect("PRIVMSG #room :")
            relayed = f":me!user@some.host {line}\r\n"
            assert len(relayed.encode()) <= 512
            sent.append(line.partition(" :")[2])
        assert len(sent) > 2
        # With echo-message the server's echo, not the session, reports our text.
        assert run.events.of(MessageReceived) == []


async def test_errors_become_sentences() -> None:
    async with registered("me") as (conn, run):
        await conn.send(
            ":s 482 me #lobby :You're not channel operator",
            ":s 474 me #x :Cannot join channel (+b)",
            ":s 433 me bob :Nickname is already in use",
            "FAIL CHATHISTORY INVALID_TARGET #x :Messages could not be retrieved",
        )
        await run.events.wait(ErrorReply, lambda e: e.code == "INVALID_TARGET")
        assert [(e.text, e.target) for e in run.events.of(ErrorReply)] == [
            ("You're not a channel operator in #lobby", "#lobby"),
            ("Cannot join #x: you are banned", "#x"),
            ("Nick 'bob' is already taken", None),
            ("CHATHISTORY failed: Messages could not be retrieved", None),
        ]


async def test_garbage_from_the_server_does_not_stop_the_session() -> None:
    async with registered("me") as (conn, run):
        conn.writer.write(b"\xff\xfe garbage\r\n:\r\n@ \r\n" + b"x" * 40000 + b"\r\n")
        await conn.send(":s 353", "JOIN", ":x MODE", ":bob!b@h PRIVMSG #r :still here")
        message = await run.events.wait(MessageReceived)
        assert message.text == "still here"


async def test_connection_refused_is_fatal_at_first_connect() -> None:
    async with FakeServer() as server:
        port = server.port
    async with running(server.options()) as run:
        run.session.options.port = port
        final = await run.events.wait(ConnectionStateChanged, lambda e: e.fatal)
        await asyncio.wait_for(run.task, 5)
    assert final.state is ConnState.DISCONNECTED
    assert final.detail == f"Could not connect to 127.0.0.1:{port}: connection refused"


async def test_bad_password_is_fatal() -> None:
    async with FakeServer() as server, running(server.options(password="nope")) as run:
        conn = await server.next_connection()
        await conn.expect("PASS nope")
        await conn.send(":s 464 * :Password incorrect")
        final = await run.events.wait(ConnectionStateChanged, lambda e: e.fatal)
        assert final.detail == "The server password is wrong"
        await asyncio.wait_for(run.task, 5)


async def test_a_password_asked_but_not_given_says_how_to_give_one() -> None:
    async with FakeServer() as server, running(server.options()) as run:
        conn = await server.next_connection()
        await conn.expect("NICK")
        await conn.send(":s 464 * :Password incorrect")
        final = await run.events.wait(ConnectionStateChanged, lambda e: e.fatal)
        assert final.detail == "This server needs a password: join again with --password"
        await asyncio.wait_for(run.task, 5)


async def test_banned_error_is_fatal() -> None:
    async with registered() as (conn, run):
        await conn.send("ERROR :Closing Link: You are banned (K-lined)")
        conn.close()
        final = await run.events.wait(ConnectionStateChanged, lambda e: e.fatal)
        assert "banned" in final.detail
        await asyncio.wait_for(run.task, 5)


async def test_reconnects_with_backoff_and_rejoins_rooms() -> None:
    options_kw = {"backoff_base": 0.05, "backoff_max": 0.2, "rooms": ("#extra",)}
    async with FakeServer() as server, running(server.options("me", **options_kw)) as run:
        first = await server.next_connection()
        await first.register("me")
        await first.expect("JOIN #extra")
        await first.send(":me!u@h JOIN #extra", ":me!u@h JOIN #lobby")
        await run.events.wait(SelfJoined, lambda e: e.room == "#lobby")
        first.close()
        retry = await run.events.wait_state(ConnState.RECONNECTING)
        assert retry.retry_in is not None and 0.025 <= retry.retry_in <= 0.05
        second = await server.next_connection()
        await second.register("me")
        joins = {(await second.expect("JOIN")), (await second.expect("JOIN"))}
        assert joins == {"JOIN #extra", "JOIN #lobby"}
        states = [e.state for e in run.events.of(ConnectionStateChanged)]
        assert states.count(ConnState.CONNECTED) == 2


async def test_quit_during_backoff_stops_at_once() -> None:
    async with (
        FakeServer() as server,
        running(server.options(backoff_base=30, backoff_max=60)) as run,
    ):
        conn = await server.next_connection()
        await conn.register()
        await run.events.wait(Registered)
        conn.close()
        await run.events.wait_state(ConnState.RECONNECTING)
        await run.session.quit()
        await asyncio.wait_for(run.task, 2)
        assert run.events.events[-1] == ConnectionStateChanged(
            ConnState.DISCONNECTED, "Disconnected", fatal=True
        )


async def test_silent_server_is_dropped_after_ping_timeout() -> None:
    options = {"ping_interval": 0.05, "ping_timeout": 0.2, "backoff_base": 30}
    async with FakeServer() as server, running(server.options(**options)) as run:
        conn = await server.next_connection()
        await conn.register()
        retry = await run.events.wait_state(ConnState.RECONNECTING)
        assert retry.detail.startswith("No answer from the server for")


async def test_rooms_survive_a_reconnect_that_failed_to_register() -> None:
    fast = {"backoff_base": 0.02, "backoff_max": 0.05}
    async with registered("me", **fast) as (first, run):
        await first.send(":me!u@h JOIN #kept")
        await run.events.wait(SelfJoined)
        await run.session.set_nick("newme")
        await first.expect("NICK newme")
        await first.send(":me!u@h NICK newme")
        await run.events.wait(NickChanged)
        first.close()
        server = run.server
        assert server is not None
        second = await server.next_connection()
        await second.expect("NICK newme")
        second.close()
        third = await server.next_connection()
        await third.register("newme")
        assert await third.expect("JOIN") == "JOIN #kept"


async def test_quit_while_connecting_returns_promptly() -> None:
    # A TLS handshake that the server never answers keeps the connect pending.
    async with FakeServer() as server, running(server.options(tls=True, connect_timeout=30)) as run:
        await server.next_connection()
        await run.events.wait_state(ConnState.CONNECTING)
        await run.session.quit()
        async with asyncio.timeout(2):
            await run.task
        assert run.events.events[-1].detail == "Disconnected"


async def test_connect_timeout_is_reported() -> None:
    async with (
        FakeServer() as server,
        running(server.options(tls=True, connect_timeout=0.2)) as run,
    ):
        final = await run.events.wait(ConnectionStateChanged, lambda e: e.fatal)
        # The reason's wording is pinning.describe_tls_error's.
        assert final.detail.startswith(f"Could not connect to 127.0.0.1:{server.port}: ")
        assert "timed out" in final.detail and "TLS" in final.detail


async def test_user_lines_are_paced_after_a_burst() -> None:
    async with registered("me", send_burst=2, send_interval=0.2) as (conn, run):
        loop = asyncio.get_running_loop()
        start = loop.time()
        for n in range(4):
            await run.session.send_message("#r", f"line {n}")
        elapsed = loop.time() - start
        assert [await conn.expect("PRIVMSG") for _ in range(4)][-1] == "PRIVMSG #r :line 3"
        assert 0.35 <= elapsed < 2


async def test_messages_in_a_history_batch_are_marked_as_history() -> None:
    async with registered("me", caps="batch server-time message-tags") as (conn, run):
        await conn.send(
            ":s BATCH +h1 chathistory #room",
            "@batch=h1;time=2024-01-01T00:00:00Z;msgid=a :bob!b@h PRIVMSG #room :old news, me",
            ":s BATCH -h1",
            ":s BATCH +n1 netsplit irc.a irc.b",
            "@batch=n1 :carol!c@h QUIT :irc.a irc.b",
            ":s BATCH -n1",
            "@msgid=b :bob!b@h PRIVMSG #room :fresh",
        )
        fresh = await run.events.wait(MessageReceived, lambda e: e.text == "fresh")
        old = await run.events.wait(MessageReceived, lambda e: e.text == "old news, me")
        assert old.is_history and old.msgid == "a" and old.time is not None
        assert old.time.year == 2024
        assert not fresh.is_history
        assert (await run.events.wait(UserQuit)).nick == "carol"


async def test_bad_targets_and_text_are_refused_with_a_sentence() -> None:
    async with registered("me") as (conn, run):
        await run.session.send_message("bob,alice", "hi both")
        await run.session.send_message("", "hi")
        await run.session.send_message("#ok", "nul\0inside")
        await run.session.send_raw("NOT A:VALID\rLINE")
        await run.events.wait_until(lambda: len(run.events.of(ErrorReply)) == 4)
        texts = [e.text for e in run.events.of(ErrorReply)]
        assert texts[:2] == [
            "'bob,alice' is not a nick or room to send to",
            "'' is not a nick or room to send to",
        ]
        assert texts[2].startswith("Cannot send that:")
        assert texts[3].startswith("Cannot send that line:")
        await conn.send("PING :alive")
        assert await conn.expect("PONG") == "PONG alive"
        assert not [line for line in conn.lines if line.startswith(("PRIVMSG", "NOT"))]


async def test_a_burst_of_joins_gives_few_member_lists() -> None:
    async with registered("me") as (conn, run):
        await conn.send(":me!u@h JOIN #big", ":s 353 me = #big :@me", ":s 366 me #big :End")
        await run.events.wait(SelfJoined)
        await conn.send(*(f":user{n}!u@h JOIN #big" for n in range(500)))
        final = await run.events.wait(MembersChanged, lambda e: len(e.members) == 501)
        assert [m.nick for m in final.members[:2]] == ["me", "user0"]
        assert len(run.events.of(UserJoined)) == 500
        # Lines that arrive together are answered with one list, not 500.
        assert len(run.events.of(MembersChanged)) < 50


def member_of(run: RunningSession, room_name: str, nick: str) -> Member:
    room = run.session.state.room(room_name)
    member = None if room is None else run.session.state.member(room, nick)
    assert member is not None, f"{nick} is not in {room_name}"
    return member


async def test_setname_and_a_users_own_who() -> None:
    async with registered("me", caps="setname extended-join") as (conn, run):
        await conn.send(
            ":me!u@h JOIN #r * :Me Myself",
            ":bob!b@h JOIN #r acct :Bob Old",
            ":bob!b@h SETNAME :Bob New",
            ":s 352 me #r b h s bob H :0 Bob New",
            ":s 315 me #r :End of WHO",
        )
        await run.events.wait(ServerInfo, lambda e: e.code == "315")
        bob = member_of(run, "#r", "bob")
        assert (bob.realname, bob.account) == ("Bob New", "acct")
        # A WHO the user asked for (not sent on joining) is shown.
        assert run.events.of(ServerInfo, lambda e: e.code == "352")


@pytest.mark.parametrize("whox", [True, False])
async def test_joining_asks_whox_for_accounts_where_offered(whox: bool) -> None:
    async with registered("me", caps="account-notify extended-join") as (conn, run):
        if whox:
            await conn.send(":s 005 me WHOX :are supported")
        await conn.send(":me!u@h JOIN #r * :Me", ":s 353 me = #r :me bob", ":s 366 me #r :End")
        if not whox:
            # No WHOX: a plain WHO tells no accounts, and account-notify alone
            # is no reason to send one.
            await run.events.wait(SelfJoined)
            await conn.send(":s 354 me 152 #r b h bob H acct :Bob")
            await run.events.wait(ServerInfo, lambda e: e.code == "354")
            assert not [line for line in conn.lines if line.startswith("WHO ")]
            return
        assert await conn.expect("WHO") == "WHO #r %tcuhnfar,152"
        await conn.send(
            ":s 354 me 152 #r b h.example bob G bobacct :Bob B",
            ":s 354 me 152 #r u h me H 0 :Me",
            ":s 354 me 7 #r b h bob H other :a WHOX of the user's own",
            ":s 315 me #r :End of WHO",
        )
        await run.events.wait(ServerInfo, lambda e: e.code == "354")
        bob, me = member_of(run, "#r", "bob"), member_of(run, "#r", "me")
        assert (bob.account, bob.away, bob.userhost, bob.realname) == (
            "bobacct",
            True,
            "b@h.example",
            "Bob B",
        )
        assert me.account is None
        # Ours are not shown; the one with another token is, and changed nothing.
        assert len(run.events.of(ServerInfo, lambda e: e.code == "354")) == 1
        assert not run.events.of(ServerInfo, lambda e: e.code == "315")


async def test_a_server_that_never_welcomes_us_is_reported_not_retried() -> None:
    async with FakeServer() as server, running(server.options(registration_timeout=0.2)) as run:
        await server.next_connection()
        final = await run.events.wait(ConnectionStateChanged, lambda e: e.fatal)
        assert final.detail == (
            f"Could not join 127.0.0.1:{server.port}: "
            "the server did not let us in within 0.2 s (is it an IRC server?)"
        )
        async with asyncio.timeout(2):
            await run.task
        assert server.connections.empty()


async def test_a_server_that_hangs_up_at_once_is_reported() -> None:
    async with FakeServer() as server, running(server.options()) as run:
        conn = await server.next_connection()
        await conn.expect("USER")
        await conn.send("ERROR :Too many connections from your host")
        conn.close()
        final = await run.events.wait(ConnectionStateChanged, lambda e: e.fatal)
        assert final.detail == (
            f"Could not join 127.0.0.1:{server.port}: "
            "the server closed the connection: Too many connections from your host"
        )


async def test_messages_typed_while_reconnecting_are_sent_once_back() -> None:
    async with registered("me", backoff_base=0.4, backoff_max=0.4) as (first, run):
        await first.send(":me!u@h JOIN #r")
        await run.events.wait(SelfJoined)
        first.close()
        await run.events.wait_state(ConnState.RECONNECTING)
        await run.session.send_message("#r", "typed while away")
        held = await run.events.wait(ServerInfo, lambda e: e.code == "PENDING")
        assert "#r" in held.text
        assert not run.events.of(MessageReceived)
        assert run.server is not None
        second = await run.server.next_connection()
        await second.register("me")
        assert await second.expect("JOIN") == "JOIN #r"
        assert await second.expect("PRIVMSG") == "PRIVMSG #r :typed while away"
        echoed = await run.events.wait(MessageReceived)
        assert (echoed.text, echoed.is_self) == ("typed while away", True)


async def test_held_messages_are_reported_when_the_session_ends() -> None:
    async with registered("me", backoff_base=30) as (first, run):
        first.close()
        await run.events.wait_state(ConnState.RECONNECTING)
        await run.session.send_action("#r", "waves")
        await run.session.quit()
        dropped = await run.events.wait(ErrorReply)
        assert dropped.text == "1 unsent message(s) were dropped"


async def test_quit_while_registering_is_a_plain_disconnect() -> None:
    async with FakeServer() as server, running(server.options()) as run:
        conn = await server.next_connection()
        await conn.expect("USER")
        await run.session.quit("never mind")
        assert await conn.expect("QUIT") == "QUIT :never mind"
        conn.close()
        async with asyncio.timeout(2):
            await run.task
        assert run.events.events[-1] == ConnectionStateChanged(
            ConnState.DISCONNECTED, "Disconnected", fatal=True
        )


async def test_ignored_people_are_not_heard() -> None:
    async with registered("me") as (conn, run):
        await run.session.ignore("Troll")
        await run.session.ignore("*!*@spam.example")
        await conn.send(
            ":troll!t@h PRIVMSG #r :noise",
            ":other!o@spam.example NOTICE me :buy now",
            ":troll!t@h PRIVMSG me :\x01VERSION\x01",
            ":troll!t@h INVITE me #trap",
            ":friend!f@h PRIVMSG #r :signal",
        )
        heard = await run.events.wait(MessageReceived)
        assert heard.text == "signal" and len(run.events.of(MessageReceived)) == 1
        assert not run.events.of(Invited)
        await run.session.unignore("troll")
        await conn.send(":troll!t@h PRIVMSG #r :sorry")
        await run.events.wait(MessageReceived, lambda e: e.text == "sorry")
        # No CTCP reply went to an ignored sender.
        assert not [line for line in conn.lines if line.startswith("NOTICE troll")]


async def test_away_survives_a_reconnect() -> None:
    async with registered("me", backoff_base=0.02, backoff_max=0.05) as (first, run):
        await run.session.set_away("lunch")
        await first.expect("AWAY")
        await first.send(":s 306 me :You have been marked as being away")
        await run.events.wait(AwayChanged)
        first.close()
        assert run.server is not None
        second = await run.server.next_connection()
        await second.register("me")
        assert await second.expect("AWAY") == "AWAY lunch"


async def sync(conn: FakeConnection, token: str = "sync") -> None:
    """Return once the session has handled every line sent before (it answers in order)."""
    await conn.send(f"PING :{token}")
    await conn.expect(f"PONG {token}")


async def test_a_rejoin_clears_a_topic_the_room_no_longer_has() -> None:
    fast = {"backoff_base": 0.02, "backoff_max": 0.05}
    async with registered("me", **fast) as (first, run):
        await first.send(":me!u@h JOIN #room", ":fake.server 332 me #room :T1")
        await run.events.wait(TopicChanged, lambda e: e.topic == "T1")
        first.close()
        assert run.server is not None
        second = await run.server.next_connection()
        await second.register("me")
        await second.expect("JOIN #room")
        # Like most servers, no 331 when the room has no topic.
        await second.send(":me!u@h JOIN #room")
        await sync(second)
        events = run.events.events
        after = events[max(i for i, e in enumerate(events) if isinstance(e, SelfJoined)) :]
        assert [e for e in after if isinstance(e, TopicChanged)] == [TopicChanged("#room", "")]
        room = run.session.state.room("#room")
        assert room is not None and (room.topic, room.topic_set_by) == ("", None)
        await second.send(":fake.server 332 me #room :T2")
        await run.events.wait(TopicChanged, lambda e: e.topic == "T2")
        assert room.topic == "T2"


async def test_a_first_join_without_topic_says_nothing_of_topics() -> None:
    async with registered("me") as (conn, run):
        await conn.send(":me!u@h JOIN #room")
        await sync(conn)
        assert run.events.of(SelfJoined) and not run.events.of(TopicChanged)


async def test_kicked_room_is_emptied_left_out_of_rejoins_and_back_on_join() -> None:
    fast = {"backoff_base": 0.02, "backoff_max": 0.05}
    names = (":fake.server 353 me = #room :me bob", ":fake.server 366 me #room :End")
    async with registered("me", **fast) as (first, run):
        await first.send(":me!u@h JOIN #room", *names)
        await run.events.wait(MembersChanged, lambda e: len(e.members) == 2)
        await first.send(":bob!u@h KICK #room me :behave")
        assert await run.events.wait(SelfKicked) == SelfKicked("#room", "bob", "behave")
        emptied = await run.events.wait(MembersChanged, lambda e: e.members == ())
        assert emptied.room == "#room"
        room = run.session.state.room("#room")
        assert room is not None and not room.joined and not room.members
        # A stale quit or /names of the kicked room does not fill it again.
        await first.send(":bob!u@h QUIT :gone", *names)
        await sync(first)
        assert not room.members and not run.events.of(UserQuit)[-1].rooms
        first.close()
        assert run.server is not None
        second = await run.server.next_connection()
        await second.register("me")
        await sync(second)
        assert not [line for line in second.lines if line.startswith("JOIN")]
        await run.session.join("#room")
        await second.expect("JOIN #room")
        await second.send(":me!u@h JOIN #room", *names)
        await run.events.wait_until(lambda: len(run.events.of(MembersChanged)[-1].members) == 2)
        assert run.session.state.room("#room") is room and room.joined


async def test_lag_climbs_while_our_ping_is_unanswered() -> None:
    quick = {"ping_interval": 0.05, "lag_report_interval": 0.05, "ping_timeout": 5}
    async with registered("me", **quick) as (conn, run):
        ping = await conn.expect("PING")
        waiting = await run.events.wait(LagMeasured, lambda e: e.ms >= 300)
        assert waiting.unanswered
        climbed = [e.ms for e in run.events.of(LagMeasured)]
        assert len(climbed) >= 3 and climbed == sorted(climbed)
        # Only one PING waits: the others would measure the same dead link.
        await sync(conn)
        assert sum(line.startswith("PING") for line in conn.lines) == 1
        await conn.send(f":fake.server PONG fake.server :{ping.split()[-1].lstrip(':')}")
        answered = await run.events.wait(LagMeasured, lambda e: not e.unanswered)
        assert answered.ms >= waiting.ms and run.session.state.lag_ms == answered.ms


async def test_a_ping_never_answered_on_a_live_link_is_replaced() -> None:
    quick = {"ping_interval": 0.05, "lag_report_interval": 0.05, "ping_timeout": 0.3}
    async with registered("me", **quick) as (conn, run):
        await conn.expect("PING")
        # The server talks but never answers our PINGs: a new one goes out
        # after a ping timeout, and the link is kept.
        for n in range(8):
            await sync(conn, f"alive-{n}")
            await asyncio.sleep(0.1)
        assert sum(line.startswith("PING") for line in conn.lines) >= 2
        assert not run.events.of(
            ConnectionStateChanged, lambda e: e.state is ConnState.RECONNECTING
        )


async def test_default_ping_settings_notice_a_dead_link_within_90_s() -> None:
    assert PING_TIMEOUT <= 90 and PING_INTERVAL <= PING_TIMEOUT / 2
    assert LAG_REPORT_INTERVAL <= 1


async def test_offline_since_is_when_the_server_was_last_heard() -> None:
    quick = {"ping_interval": 0.05, "lag_report_interval": 0.05, "ping_timeout": 0.5}
    async with registered("me", backoff_base=30, **quick) as (conn, run):
        await sync(conn, "last-words")
        last_heard = datetime.now(UTC)
        retry = await run.events.wait_state(ConnState.RECONNECTING)
        assert retry.offline_since is not None and retry.offline_since <= last_heard
        assert (datetime.now(UTC) - retry.offline_since).total_seconds() >= 0.5
