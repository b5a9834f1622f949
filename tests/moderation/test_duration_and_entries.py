"""The duration parser every moderation command shares, and list entry matching."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tui_chat.irc.casemap import casefold
from tui_chat.irc.masks import match_mask
from tui_chat.server.moderation import Subject, format_duration, make_entry, parse_duration
from tui_chat.server.moderation.server_bans import BanKind, parse_target


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("30s", 30),
        ("10m", 600),
        ("2h", 7200),
        ("1d", 86400),
        ("1w", 604800),
        ("1h30m", 5400),
        ("1D2H", 93600),
        ("45", 45),
    ],
)
def test_durations_people_type(text: str, seconds: int) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize(
    "text", ["", "0", "0s", "10x", "m", "-5m", "30m1h", "1m1m", "1.5h", "9" * 20]
)
def test_bad_durations_are_refused(text: str) -> None:
    assert parse_duration(text) is None


def test_durations_read_back_with_two_units_at_most() -> None:
    seconds = (1, 59.6, 5400, 93600, 0, 7198)
    assert [format_duration(s) for s in seconds] == ["1s", "1m", "1h30m", "1d2h", "1s", "1h59m"]


def test_masks_are_completed_and_match_case_insensitively() -> None:
    entry = make_entry("BoB[x]", "op", 0.0, None)
    assert entry is not None and entry.mask == "BoB[x]!*@*"
    assert entry.matches(Subject("bob{x}!~b@host", None))
    host = make_entry("*@*.EVIL.example", "op", 0.0, None)
    assert host is not None and host.mask == "*!*@*.EVIL.example"
    assert host.matches(Subject("anyone!~u@a.evil.example", None))
    assert not host.matches(Subject("anyone!~u@evil.example.org", None))


def test_account_extban_matches_the_account_not_the_nick() -> None:
    entry = make_entry("~a:Mallory", "op", 0.0, None)
    assert entry is not None and entry.by_account and entry.mask == "~a:Mallory"
    assert entry.matches(Subject("innocent!~x@elsewhere", "mallory"))
    assert not entry.matches(Subject("mallory!~m@host", None))
    assert not entry.matches(Subject("mallory!~m@host", "bob"))


@pytest.mark.parametrize("raw", ["", ":x", "a b", "a,b", "~x:foo", "~a:", "~a:a@b"])
def test_invalid_masks_make_no_entry(raw: str) -> None:
    assert make_entry(raw, "op", 0.0, None) is None


def test_uban_targets_by_kind() -> None:
    cases = {
        "10.0.0.1": (BanKind.ADDRESS, "10.0.0.1"),
        "10.1.2.3/8": (BanKind.ADDRESS, "10.0.0.0/8"),
        "2001:db8::/32": (BanKind.ADDRESS, "2001:db8::/32"),
        "*!*@evil.example": (BanKind.MASK, "*!*@evil.example"),
        "bad@host": (BanKind.MASK, "*!bad@host"),
        "mallory": (BanKind.ACCOUNT, "mallory"),
    }
    for text, (kind, shown) in cases.items():
        target = parse_target(text)
        assert target is not None and (target.kind, target.shown) == (kind, shown), text
    assert parse_target("#chan") is None
    assert parse_target("a b") is None


_part = st.text(alphabet="ab*?", min_size=0, max_size=4)
_word = st.text(alphabet="abAB[{", min_size=1, max_size=4)


@given(
    st.tuples(_part, _part, _part),
    st.tuples(_word, _word, _word),
)
def test_matching_part_by_part_is_matching_the_whole_mask(
    mask: tuple[str, str, str], source: tuple[str, str, str]
) -> None:
    raw = "{}!{}@{}".format(*mask)
    entry = make_entry(raw, "op", 0.0, None)
    assert entry is not None
    text = "{}!{}@{}".format(*source)
    assert entry.matches(Subject(casefold(text), None)) == match_mask(entry.mask, text)
