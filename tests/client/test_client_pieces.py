"""The client's sans-IO pieces: text splitting, backoff, CAP, ISUPPORT, error sentences."""

from __future__ import annotations

import random

import pytest

from tui_chat.client.backoff import backoff_delay
from tui_chat.client.history import latest_request
from tui_chat.client.isupport import Isupport
from tui_chat.client.pacing import SendPacer
from tui_chat.client.registration import (
    MAX_NICK_ATTEMPTS,
    WANTED_CAPS,
    Registration,
    alternative_nick,
)
from tui_chat.client.reply_text import describe_error, describe_standard_reply
from tui_chat.client.text_split import LINE_LIMIT, split_text, text_budget
from tui_chat.irc.message import Message, parse


@pytest.mark.parametrize(
    "text",
    [
        "short",
        "a " * 600,
        "x" * 1500,
        "ü" * 700,  # two bytes each: must never be cut inside a character
        "😀 " * 300,
        "first line\nsecond line\r\n\nthird",
    ],
)
def test_split_pieces_fit_and_lose_only_break_spaces(text: str) -> None:
    budget = text_budget("nick!user@host.example", "PRIVMSG", "#room")
    pieces = split_text(text, budget)
    assert all(0 < len(p.encode()) <= budget for p in pieces)
    relayed = [f":nick!user@host.example PRIVMSG #room :{p}\r\n" for p in pieces]
    assert all(len(line.encode()) <= LINE_LIMIT for line in relayed)
    # Only the spaces (and line breaks) where pieces were cut go missing.
    assert "".join(pieces).replace(" ", "") == "".join(text.split())


def test_split_keeps_formatting_codes_and_cuts_only_at_line_breaks() -> None:
    text = "\x1ditalic\x1d \x1estrike\x1e \x02bold\x02\x0304red"
    assert split_text(text, 400) == [text]
    assert split_text("a\r\nb\rc\nd", 400) == ["a", "b", "c", "d"]


def test_split_prefers_spaces() -> None:
    assert split_text("aaaa bbbb cccc", 10) == ["aaaa bbbb", "cccc"]
    assert split_text("", 10) == []


def test_backoff_grows_exponentially_within_jitter_and_cap() -> None:
    rand = random.Random(7)
    delays = [backoff_delay(n, 1.0, 60.0, rand) for n in range(10)]
    for n, delay in enumerate(delays):
        ceiling = min(60.0, 2.0**n)
        assert ceiling / 2 <= delay <= ceiling
    assert backoff_delay(1000, 1.0, 60.0, rand) <= 60.0


def test_alternative_nicks() -> None:
    assert [alternative_nick("bob", n, 30) for n in (1, 2, 3, 4)] == [
        "bob_",
        "bob__",
        "bob3",
        "bob4",
    ]
    assert alternative_nick("abcdefghij", 1, 9) == "abcdefgh_"


def test_cap_negotiation_requests_wanted_and_ends() -> None:
    reg = Registration("me", "user", "Real Name", password="pw")
    assert [m.serialize() for m in reg.opening_lines()] == [
        "CAP LS 302",
        "PASS pw",
        "NICK me",
        "USER user 0 * :Real Name",
    ]
    assert reg.on_cap(parse("CAP * LS * :sasl=PLAIN,EXTERNAL batch")) == []
    (req,) = reg.on_cap(parse("CAP * LS :server-time foo"))
    assert set(req.params[1].split()) == {"batch", "sasl", "server-time"}
    assert reg.on_cap(parse("CAP * NAK :batch server-time")) == [Message("CAP", ["END"])]
    assert reg.enabled == set()


def test_cap_ls_without_anything_wanted_ends_at_once() -> None:
    reg = Registration("me", "u", "r")
    assert reg.on_cap(parse("CAP * LS :")) == [Message("CAP", ["END"])]
    # After registration, cap-notify may offer more.
    (req,) = reg.on_cap(parse("CAP me NEW :away-notify unknown"))
    assert req.params == ["REQ", "away-notify"]
    reg.on_cap(parse("CAP me ACK :away-notify"))
    assert reg.enabled == {"away-notify"}
    reg.on_cap(parse("CAP me DEL :away-notify"))
    assert reg.enabled == set()


def test_every_wanted_cap_fits_one_request() -> None:
    reg = Registration("me", "u", "r")
    lines = reg.on_cap(Message("CAP", ["*", "LS", " ".join(sorted(WANTED_CAPS))]))
    assert len(lines) == 1 and set(lines[0].params[1].split()) == WANTED_CAPS


def test_nick_attempts_are_bounded() -> None:
    reg = Registration("bob", "u", "r")
    tried = [reg.on_nick_rejected(erroneous=False) for _ in range(MAX_NICK_ATTEMPTS + 1)]
    assert tried[-1] is None and all(tried[:-1])
    assert Registration("b@d", "u", "r").on_nick_rejected(erroneous=True) is None


def test_isupport_prefix_casemapping_and_modes() -> None:
    isupport = Isupport()
    assert (isupport.prefix_modes, isupport.prefix_symbols) == ("ov", "@+")
    assert isupport.casefold("Nick[1]") == "nick{1}"
    isupport.update(["PREFIX=(qaohv)~&@%+", "CASEMAPPING=ascii", "CHANMODES=beI,k,l,mnt"])
    assert isupport.prefix_symbols == "~&@%+"
    assert isupport.casefold("Nick[1]") == "nick[1]"
    assert isupport.mode_takes_param("h", adding=False)
    assert isupport.mode_takes_param("l", adding=True)
    assert not isupport.mode_takes_param("l", adding=False)
    assert not isupport.mode_takes_param("m", adding=True)
    isupport.update(["-PREFIX", "NETWORK=Libera\\x20Chat"])
    assert isupport.prefix_symbols == "@+"
    assert isupport.network == "Libera Chat"


def test_error_sentences_fall_back_to_server_text() -> None:
    assert describe_error(parse(":s 475 me #k :Cannot join channel (+k)")).text == (
        "Cannot join #k: wrong room key"
    )
    assert describe_error(parse(":s 499 me #x :Something odd")).text == "#x Something odd"
    # A server that leaves out the subject still gets its own words shown.
    assert describe_error(parse(":s 441 me :They aren't on that channel")).text == (
        "They aren't on that channel"
    )
    assert describe_standard_reply(parse("FAIL * ACCOUNT_REQUIRED :Log in first")).text == (
        "Log in first"
    )


def test_pacer_allows_a_burst_then_one_line_per_interval() -> None:
    now = [0.0]
    pacer = SendPacer(burst=3, interval=1.0, clock=lambda: now[0])
    assert [pacer.reserve() for _ in range(5)] == [0.0, 0.0, 0.0, 1.0, 2.0]
    now[0] = 100.0
    # A long pause refills the burst, never more than the burst.
    assert [pacer.reserve() for _ in range(4)] == [0.0, 0.0, 0.0, 1.0]
    assert SendPacer(interval=0).reserve() == 0.0


@pytest.mark.parametrize(("token", "sent"), [("20", "20"), ("0", "50"), ("²", "50"), ("٣", "50")])
def test_history_limit_reads_only_ascii_digits(token: str, sent: str) -> None:
    isupport = Isupport()
    isupport.update([f"CHATHISTORY={token}"])
    assert latest_request("#r", None, 50, isupport).params[-1] == sent
