"""Digits other than ASCII (², ٣) and huge numbers never crash a handler nor slip through."""

from __future__ import annotations

from .fakes import Peer, drain, lobby_op, make_core, register


def test_cap_version_whowas_count_and_whox_token() -> None:
    core = make_core()
    early = Peer(core, port=9)
    early.send("CAP LS ²")
    assert [m.command for m in early.take()] == ["CAP"]
    assert early.client.cap_version == 0
    alice = register(core, "alice")
    alice.send("WHOWAS nobody ²", "WHO #lobby %tna,²", "WHO #lobby %tna,42")
    got = alice.take()
    assert "400" not in [m.command for m in got]
    tokens = [m.params[1] for m in got if m.command == "354"]
    assert tokens == ["0", "42"]


def test_channel_limit_takes_ascii_digits_within_bounds_only() -> None:
    core = make_core()
    alice = lobby_op(register(core, "alice"))
    drain(core)
    alice.send("MODE #lobby +l ²", "MODE #lobby +l ٣", "MODE #lobby +l " + "9" * 29)
    assert [(m.command, m.params[2]) for m in alice.take()] == [("696", "l")] * 3
    assert core.find_channel("#lobby").limit is None  # type: ignore[union-attr]
    alice.send("MODE #lobby +l 2147483647")
    assert alice.take()[0].params[1:] == ["+l", "2147483647"]
