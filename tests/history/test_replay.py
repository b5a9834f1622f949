"""Stored messages back on the wire: CHATHISTORY batches and join replays."""

from __future__ import annotations

from tui_chat.irc.message import parse
from tui_chat.server.history import HistoryRecord, TargetSummary
from tui_chat.server.history.replay import history_batch, targets_batch

MS = 1_546_612_406_123  # 2019-01-04T14:33:26.123Z
HI = HistoryRecord(
    "id1", MS, "PRIVMSG", "nick!ident@host", "#channel", "hello; world :)", tags={"+react": "x y"}
)
TAG = HistoryRecord("id2", MS + 1, "TAGMSG", "nick!ident@host", "#channel", None)


def wire(messages: list) -> list[str]:  # type: ignore[type-arg]
    return [m.to_bytes().decode() for m in messages]


def test_a_batch_frames_messages_with_their_stored_time_and_msgid() -> None:
    lines = wire(history_batch([HI, TAG], "#channel", "irc.host", batch_id="b1"))
    assert lines == [
        ":irc.host BATCH +b1 chathistory #channel\r\n",
        "@batch=b1;time=2019-01-04T14:33:26.123Z;msgid=id1;+react=x\\sy "
        ":nick!ident@host PRIVMSG #channel :hello; world :)\r\n",
        "@batch=b1;time=2019-01-04T14:33:26.124Z;msgid=id2 :nick!ident@host TAGMSG #channel\r\n",
        ":irc.host BATCH -b1\r\n",
    ]
    # What goes out parses back to what was stored.
    back = parse(lines[1])
    assert (back.tags["+react"], back.params) == ("x y", ["#channel", "hello; world :)"])


def test_an_empty_result_is_still_a_batch() -> None:
    assert wire(history_batch([], "#channel", "irc.host", batch_id="e")) == [
        ":irc.host BATCH +e chathistory #channel\r\n",
        ":irc.host BATCH -e\r\n",
    ]


def test_a_plain_client_gets_plain_lines() -> None:
    lines = wire(
        history_batch(
            [HI], "#channel", "irc.host", batch_id=None, server_time=False, message_tags=False
        )
    )
    assert lines == [":nick!ident@host PRIVMSG #channel :hello; world :)\r\n"]


def test_targets_reply() -> None:
    lines = wire(
        targets_batch(
            [TargetSummary("#channel", MS), TargetSummary("bob", MS + 5)], "irc.host", batch_id="t"
        )
    )
    assert lines == [
        ":irc.host BATCH +t draft/chathistory-targets\r\n",
        "@batch=t :irc.host CHATHISTORY TARGETS #channel 2019-01-04T14:33:26.123Z\r\n",
        "@batch=t :irc.host CHATHISTORY TARGETS bob 2019-01-04T14:33:26.128Z\r\n",
        ":irc.host BATCH -t\r\n",
    ]
