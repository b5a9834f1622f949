"""CTCP encode/decode, ACTION, and how CTCP survives a full IRC line."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tui_chat.irc.ctcp import ACTION, Ctcp, action, decode_ctcp, encode_ctcp
from tui_chat.irc.message import Message, parse, serialize


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("\x01ACTION waves\x01", Ctcp("ACTION", "waves")),
        ("\x01ACTION waves", Ctcp("ACTION", "waves")),  # closing delimiter lost
        ("\x01action  two  spaces \x01", Ctcp("ACTION", " two  spaces ")),
        ("\x01VERSION\x01", Ctcp("VERSION", "")),
        ("\x01PING 1700000000 123\x01", Ctcp("PING", "1700000000 123")),
        ("\x01ACTION\x01", Ctcp("ACTION", "")),
        ("\x01\x01", None),
        ("\x01", None),
        ("\x01 x\x01", None),
        ("hello \x01ACTION x\x01", None),  # CTCP only at the start
        ("plain text", None),
        ("", None),
    ],
    ids=repr,
)
def test_decode(text: str, expected: Ctcp | None) -> None:
    assert decode_ctcp(text) == expected


def test_encode_and_action() -> None:
    assert encode_ctcp("VERSION") == "\x01VERSION\x01"
    assert encode_ctcp("VERSION", "tui-chat 0.1") == "\x01VERSION tui-chat 0.1\x01"
    assert action("dances") == "\x01ACTION dances\x01"


@pytest.mark.parametrize(("command", "params"), [("", "x"), ("A B", ""), ("A", "x\x01y")])
def test_encode_refuses_what_would_not_decode(command: str, params: str) -> None:
    with pytest.raises(ValueError):
        encode_ctcp(command, params)


@settings(max_examples=200, deadline=None)
@given(
    st.from_regex(r"[A-Za-z]{1,10}", fullmatch=True),
    st.text().filter(lambda s: not any(ch in s for ch in "\x01\r\n\0")),
)
def test_ctcp_round_trips_through_a_privmsg_line(command: str, params: str) -> None:
    line = serialize(Message("PRIVMSG", ["#room", encode_ctcp(command, params)], "n!u@h"))
    assert decode_ctcp(parse(line).params[1]) == Ctcp(command.upper(), params)


def test_action_text_is_kept_verbatim() -> None:
    msg = parse(":n!u@h PRIVMSG #a :\x01ACTION  \x02bold\x02 :) \x01")
    assert decode_ctcp(msg.params[1]) == Ctcp(ACTION, " \x02bold\x02 :) ")
