"""History on join, gap fill after a reconnect, older pages: draft/chathistory on the wire."""

from __future__ import annotations

from datetime import UTC, datetime

from tui_chat.client.events import ErrorReply, HistoryBatchEnded, MessageReceived, SelfJoined

from .helpers import FakeConnection, registered

HISTORY_CAPS = "batch server-time message-tags draft/chathistory"


async def join_with_history(conn: FakeConnection, after: str) -> str:
    """Play a self-join; return the CHATHISTORY request it triggers, answered with 2 lines."""
    await conn.send(":me!u@h JOIN #room")
    request = await conn.expect("CHATHISTORY")
    assert request.startswith(f"CHATHISTORY LATEST #room {after} ")
    await conn.send(
        ":s BATCH +b1 chathistory #room",
        "@batch=b1;msgid=m1;time=2024-03-01T10:00:00.000Z :bob!b@h PRIVMSG #room :one",
        "@batch=b1;msgid=m2;time=2024-03-01T10:01:00.000Z :bob!b@h PRIVMSG #room :two",
        ":s BATCH -b1",
    )
    return request


async def test_join_fetches_latest_and_reconnect_fills_only_the_gap() -> None:
    fast = {"backoff_base": 0.02, "backoff_max": 0.05}
    async with registered("me", caps=HISTORY_CAPS, **fast) as (conn, run):
        await conn.send(":s 005 me CHATHISTORY=20 :are supported")
        request = await join_with_history(conn, "*")
        # The session asks for 50 but the server's ISUPPORT allows 20.
        assert request == "CHATHISTORY LATEST #room * 20"
        assert await run.events.wait(HistoryBatchEnded) == HistoryBatchEnded("#room", 2)
        old = run.events.of(MessageReceived)
        assert [(m.text, m.is_history) for m in old] == [("one", True), ("two", True)]

        await conn.send("@msgid=live7 :bob!b@h PRIVMSG #room :live")
        await run.events.wait(MessageReceived, lambda e: e.text == "live")
        conn.close()
        assert run.server is not None
        again = await run.server.next_connection()
        await again.register("me", caps=HISTORY_CAPS)
        await again.expect("JOIN #room")
        await join_with_history(again, "msgid=live7")


async def test_older_pages_by_msgid_or_time() -> None:
    async with registered("me", caps=HISTORY_CAPS, history_on_join=0) as (conn, run):
        await conn.send(":me!u@h JOIN #room")
        await run.events.wait(SelfJoined)
        await run.session.fetch_history("#room", "m1", limit=5)
        assert await conn.expect("CHATHISTORY") == "CHATHISTORY BEFORE #room msgid=m1 5"
        when = datetime(2024, 3, 1, 10, 0, 0, 250_000, tzinfo=UTC)
        await run.session.fetch_history("#room", when)
        assert await conn.expect("CHATHISTORY") == (
            "CHATHISTORY BEFORE #room timestamp=2024-03-01T10:00:00.250Z 100"
        )


async def test_no_history_on_a_server_without_it() -> None:
    async with registered("me") as (conn, run):
        await conn.send(":me!u@h JOIN #room")
        await run.events.wait(SelfJoined)
        await run.session.fetch_history("#room", "m1")
        error = await run.events.wait(ErrorReply)
        assert (error.text, error.target) == ("This server keeps no history", "#room")
        await conn.send("PING :after")
        # Nothing but the PONG went out: no CHATHISTORY on join either.
        assert await conn.expect("PONG") == "PONG after"
        assert not [line for line in conn.lines if line.startswith("CHATHISTORY")]


async def test_a_failed_history_on_join_is_quiet_but_a_users_request_is_not() -> None:
    async with registered("me", caps=HISTORY_CAPS) as (conn, run):
        await conn.send(":me!u@h JOIN #room")
        await conn.expect("CHATHISTORY LATEST")
        await conn.send("FAIL CHATHISTORY MESSAGE_ERROR LATEST :This server keeps no history")
        await run.session.fetch_history("#room", "m1")
        await conn.expect("CHATHISTORY BEFORE")
        await conn.send(
            "FAIL CHATHISTORY MESSAGE_ERROR BEFORE :This server keeps no history", "PING :sync"
        )
        # The PONG comes after the session handled both FAILs.
        await conn.expect("PONG sync")
        assert [e.text for e in run.events.of(ErrorReply)] == [
            "CHATHISTORY failed: This server keeps no history"
        ]


async def test_a_message_seen_live_is_not_repeated_by_history() -> None:
    async with registered("me", caps=HISTORY_CAPS, history_on_join=0) as (conn, run):
        await conn.send(
            ":me!u@h JOIN #room",
            "@msgid=m2 :bob!b@h PRIVMSG #room :two",
            ":s BATCH +b chathistory #room",
            "@batch=b;msgid=m1 :bob!b@h PRIVMSG #room :one",
            "@batch=b;msgid=m2 :bob!b@h PRIVMSG #room :two",
            ":s BATCH -b",
        )
        assert (await run.events.wait(HistoryBatchEnded)).count == 2
        assert [m.text for m in run.events.of(MessageReceived)] == ["two", "one"]
