"""Ban, exception and mute lists (/banlist, /mutelist) read as sentences."""

from __future__ import annotations

import pytest

from tui_chat.client.reply_text import describe_error, describe_info
from tui_chat.irc.message import parse


@pytest.mark.parametrize(
    ("line", "text"),
    [
        (
            ":s 367 me #room *!*@10.0.0.9 alice!~a@h :1700000000",
            "#room bans *!*@10.0.0.9 (set by alice)",
        ),
        (":s 368 me #room :End of channel ban list", "End of #room's ban list"),
        (":s 348 me #room bob!*@* alice :1700000000", "#room exempts bob!*@* (set by alice)"),
        (":s 349 me #room :End of channel exception list", "End of #room's exception list"),
        (
            ":s 728 me #room q ~a:troll alice!~a@h :1700000000",
            "#room mutes ~a:troll (set by alice)",
        ),
        (":s 729 me #room q :End of Channel Quiet List", "End of #room's mute list"),
    ],
)
def test_list_replies_read_as_sentences(line: str, text: str) -> None:
    info = describe_info(parse(line))
    assert info is not None and info.text == text


@pytest.mark.parametrize(
    ("line", "text"),
    [
        (
            ":s 465 me :Banned from this server: spam (expires in 2h)",
            "Banned from this server: spam (expires in 2h)",
        ),
        (
            ":s 474 me #room :Cannot join channel (+b), the ban ends in 9m",
            "Cannot join #room: you are banned, the ban ends in 9m",
        ),
        (":s 474 me #room :Cannot join channel (+b)", "Cannot join #room: you are banned"),
        (
            ":s 435 me bob2 #room :Cannot change nickname while banned or muted on channel",
            "You cannot change your nick to 'bob2' while banned or muted in #room",
        ),
    ],
)
def test_ban_errors_keep_the_reason_and_the_expiry(line: str, text: str) -> None:
    assert describe_error(parse(line)).text == text
