"""Case folding under each CASEMAPPING, nick and channel validation."""

from __future__ import annotations

import pytest

from tui_chat.irc.casemap import (
    MAX_CHANNEL_LENGTH,
    MAX_NICK_LENGTH,
    casefold,
    casefolder,
    is_channel,
    valid_channel,
    valid_nick,
)


def test_rfc1459_folds_brackets_and_tilde() -> None:
    assert casefold("Foo[1]\\~") == "foo{1}|^"
    assert casefold("ÉCOLE") == "École"  # ASCII-only: non-ASCII letters stay


@pytest.mark.parametrize(
    ("mapping", "name", "folded"),
    [
        ("rfc1459", "A[]\\~", "a{}|^"),
        ("RFC1459", "A[]\\~", "a{}|^"),
        ("strict-rfc1459", "A[]\\~", "a{}|~"),
        ("ascii", "A[]\\~", "a[]\\~"),
        ("rfc8265", "Straße", "strasse"),
        ("something-new", "A[", "a{"),
    ],
)
def test_casefolder(mapping: str, name: str, folded: str) -> None:
    assert casefolder(mapping)(name) == folded


@pytest.mark.parametrize(
    "nick", ["a", "Alice", "[away]", "x-1", "`tick`", "a" * MAX_NICK_LENGTH, "{|}^_\\"]
)
def test_valid_nicks(nick: str) -> None:
    assert valid_nick(nick)


@pytest.mark.parametrize(
    "nick",
    ["", "1abc", "-a", "a b", "a,b", "a!b", "a@b", "a*", "a?", "#chan", ":x", "é", "a" * 31],
)
def test_invalid_nicks(nick: str) -> None:
    assert not valid_nick(nick)


def test_nick_length_can_be_changed() -> None:
    assert valid_nick("abcdef", max_length=6)
    assert not valid_nick("abcdefg", max_length=6)


@pytest.mark.parametrize(
    "name", ["#a", "&local", "#a.b-c", "#ü", "#" + "x" * (MAX_CHANNEL_LENGTH - 1)]
)
def test_valid_channels(name: str) -> None:
    assert valid_channel(name)


@pytest.mark.parametrize(
    "name", ["", "#", "a", "+modeless", "#a b", "#a,b", "#a\x07", "#" + "x" * MAX_CHANNEL_LENGTH]
)
def test_invalid_channels(name: str) -> None:
    assert not valid_channel(name)


def test_chantypes_of_another_server() -> None:
    assert is_channel("#a") and is_channel("&a") and not is_channel("+a") and not is_channel("")
    assert is_channel("+a", chantypes="#+")
    assert valid_channel("+a", chantypes="#+")
    assert not valid_channel("&a", chantypes="#")
