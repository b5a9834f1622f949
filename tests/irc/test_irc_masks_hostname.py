"""Hostmask splitting, mask matching and hostname validation."""

from __future__ import annotations

import time
from typing import Any

import pytest
from parser_tests.data import mask_match, userhost_split, validate_hostname

from tui_chat.irc.hostname import host_for_source, peer_ip, valid_hostname
from tui_chat.irc.masks import Hostmask, canonical_mask, join_hostmask, match_mask, split_hostmask

USERHOSTS = userhost_split["tests"]
HOSTNAMES = validate_hostname["tests"]
MASK_CASES = [
    (case["mask"], target, expected)
    for case in mask_match["tests"]
    for expected, key in ((True, "matches"), (False, "fails"))
    for target in case.get(key, [])
]


@pytest.mark.parametrize("vector", USERHOSTS, ids=[repr(v["source"]) for v in USERHOSTS])
def test_userhost_split(vector: dict[str, Any]) -> None:
    atoms = vector["atoms"]
    expected = Hostmask(atoms.get("nick", ""), atoms.get("user", ""), atoms.get("host", ""))
    assert split_hostmask(vector["source"]) == expected


@pytest.mark.parametrize(
    ("mask", "target", "expected"),
    MASK_CASES,
    ids=[f"{m}-{'match' if e else 'fail'}-{t}" for m, t, e in MASK_CASES],
)
def test_mask_match(mask: str, target: str, expected: bool) -> None:
    assert match_mask(mask, target) is expected


@pytest.mark.parametrize("vector", HOSTNAMES, ids=[repr(v["host"]) for v in HOSTNAMES])
def test_validate_hostname(vector: dict[str, Any]) -> None:
    assert valid_hostname(vector["host"]) is vector["valid"]


@pytest.mark.parametrize(
    ("mask", "target", "expected"),
    [
        ("*", "", True),
        ("", "", True),
        ("", "a", False),
        ("?", "", False),
        ("a*", "a", True),
        ("*a", "ba", True),
        ("*a", "ab", False),
        ("a**b", "ab", True),
        ("a*b*c", "aXbYbZc", True),
        ("a*b*c", "aXbYbZ", False),
        ("FOO[1]!*@*", "foo{1}!u@h", True),  # rfc1459: [] fold to {}
        ("a\\b!*@*", "A|B!u@h", True),  # and \\ folds to |, literal, not an escape
        ("*!*@*.example.com", "n!u@example.com", False),
    ],
)
def test_mask_match_edges(mask: str, target: str, expected: bool) -> None:
    assert match_mask(mask, target) is expected


def test_mask_match_can_use_another_casemapping() -> None:
    assert match_mask("A", "a", fold=str.lower)
    assert not match_mask("[", "{", fold=str.lower)


def test_hostile_mask_stays_fast() -> None:
    mask = "*a" * 30 + "*b"
    target = "a" * 500
    started = time.perf_counter()
    assert not match_mask(mask, target)
    # A backtracking regex takes ages here; the wildcard walk is O(len*len).
    assert time.perf_counter() - started < 0.5


@pytest.mark.parametrize(
    ("mask", "canonical"),
    [
        ("nick", "nick!*@*"),
        ("nick!user", "nick!user@*"),
        ("user@host", "*!user@host"),
        ("*@host", "*!*@host"),
        ("n!u@h", "n!u@h"),
        ("!@", "*!*@*"),
        ("", "*!*@*"),
    ],
)
def test_canonical_mask(mask: str, canonical: str) -> None:
    assert canonical_mask(mask) == canonical


def test_join_is_the_inverse_of_split() -> None:
    assert join_hostmask(*split_hostmask("n!u@h")) == "n!u@h"


@pytest.mark.parametrize(
    ("host", "valid"),
    [("a.b", True), ("irc.example.com.", False), ("a..b", False), ("bücher.ch", False)],
)
def test_valid_hostname_edges(host: str, valid: bool) -> None:
    assert valid_hostname(host) is valid


def test_valid_hostname_limits() -> None:
    label = "a" * 63
    assert valid_hostname(f"{label}.com")
    assert not valid_hostname(f"{label}a.com")
    assert not valid_hostname("a.b" * 100)
    assert valid_hostname("a.bc", max_length=4)
    assert not valid_hostname("a.bcd", max_length=4)


@pytest.mark.parametrize(
    ("address", "host"),
    [
        ("127.0.0.1", "127.0.0.1"),
        ("::1", "0::1"),
        ("2001:db8::1", "2001:db8::1"),
        ("::ffff:10.0.0.1", "10.0.0.1"),
        ("example.org", "example.org"),
    ],
)
def test_host_for_source(address: str, host: str) -> None:
    assert host_for_source(address) == host


@pytest.mark.parametrize(
    ("reported", "expected"),
    [
        ("192.0.2.1", "192.0.2.1"),
        ("::ffff:192.0.2.1", "192.0.2.1"),
        ("fe80::1%eth0", "fe80::1"),
        ("2001:db8::1", "2001:db8::1"),
        ("unknown", None),
    ],
)
def test_peer_ip_sees_one_address_whichever_socket_it_came_in_on(
    reported: str, expected: str | None
) -> None:
    ip = peer_ip(reported)
    assert (None if ip is None else str(ip)) == expected
