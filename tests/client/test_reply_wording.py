"""/topic in a room without one says so; /list entries read as plain English."""

from __future__ import annotations

from tui_chat.client.events import ServerInfo, TopicChanged
from tui_chat.client.reply_text import describe_info
from tui_chat.irc.message import parse

from .helpers import registered
from .test_session_scripted import sync


def info_text(line: str) -> str | None:
    info = describe_info(parse(line))
    return info.text if info else None


def test_a_list_entry_has_no_dangling_colon_and_counts_one_user() -> None:
    assert info_text(":s 322 me #other 1 :") == "#other (1 user)"
    assert info_text(":s 322 me #dev 3 :the topic") == "#dev (3 users): the topic"
    assert info_text(":s 322 me #dev 0") == "#dev (0 users)"


def test_no_topic_reads_as_a_sentence() -> None:
    assert info_text(":s 331 me #room :No topic is set") == "No topic is set for #room"


async def test_no_topic_is_shown_when_asked_but_not_during_a_join() -> None:
    async with registered("me") as (conn, run):
        await conn.send(
            ":me!u@h JOIN #room",
            ":s 331 me #room :No topic is set",
            ":s 353 me = #room :me",
            ":s 366 me #room :End of /NAMES list",
        )
        await sync(conn, "joined")
        assert not run.events.of(ServerInfo, lambda e: e.code == "331")
        assert not run.events.of(TopicChanged)

        await conn.send(":s 332 me #room :old topic")
        await run.events.wait(TopicChanged, lambda e: e.topic == "old topic")
        await conn.send(":s 331 me #room :No topic is set")
        shown = await run.events.wait(ServerInfo, lambda e: e.code == "331")
        assert shown.text == "No topic is set for #room"
        room = run.session.state.room("#room")
        assert room is not None and room.topic == ""
        assert run.events.of(TopicChanged)[-1] == TopicChanged("#room", "")
