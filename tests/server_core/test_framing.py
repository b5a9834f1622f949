"""Framing and bad bytes: line limits, CR/LF handling, invalid UTF-8, hostile input."""

from __future__ import annotations

from .fakes import make_core, register


def test_lines_split_on_lf_with_optional_cr_and_across_chunks() -> None:
    core = make_core()
    alice = register(core, "alice")
    alice.raw(b"PING a\nPI")
    alice.raw(b"NG b\r\n\r\n\n")
    pongs = [m.params[1] for m in alice.take() if m.command == "PONG"]
    assert pongs == ["a", "b"]


def test_overlong_line_gets_417_and_is_discarded() -> None:
    core = make_core()
    alice = register(core, "alice")
    bob = register(core, "bob")
    alice.take()
    bob.send("PRIVMSG #lobby :" + "x" * 600)
    assert bob.commands() == ["417"]
    assert alice.take() == []


def test_endless_line_without_lf_is_bounded_then_skipped() -> None:
    core = make_core()
    alice = register(core, "alice")
    for _ in range(100):
        alice.raw(b"y" * 1000)
    assert len(alice.client.buffer) <= core.config.linelen + core.config.client_tags_len
    assert alice.commands() == ["417"]
    alice.raw(b"still the long line\r\nPING ok\r\n")
    assert [(m.command, m.params[-1]) for m in alice.take()] == [("PONG", "ok")]


def test_oversized_tags_get_417() -> None:
    core = make_core()
    alice = register(core, "alice")
    alice.send("@+big=" + "z" * 5000 + " PING x")
    assert alice.commands() == ["417"]


def test_invalid_utf8_is_rejected_with_fail_or_notice_and_never_relayed() -> None:
    core = make_core()
    plain = register(core, "plain")
    fancy = register(core, "fancy", caps="standard-replies")
    plain.take()
    plain.raw(b"PRIVMSG #lobby :caf\xe9\r\n")
    notice = plain.take()
    assert [m.command for m in notice] == ["NOTICE"]
    assert "UTF-8" in notice[0].params[-1]
    fancy.raw(b"PRIVMSG #lobby :\xff\xfe\r\n")
    fail = fancy.take()
    assert [(m.command, m.params[:2]) for m in fail] == [("FAIL", ["PRIVMSG", "INVALID_UTF8"])]
    assert plain.take() == []
    plain.send("PRIVMSG #lobby :still fine")
    assert fancy.take()[0].params == ["#lobby", "still fine"]


def test_nul_and_garbage_get_an_error_and_nothing_breaks() -> None:
    core = make_core()
    alice = register(core, "alice")
    bob = register(core, "bob")
    alice.take()
    bob.raw(b"PRIVMSG #lobby :a\x00b\r\n@\r\n:\r\n")
    assert set(bob.commands()) == {"400"}
    bob.send("PRIVMSG #lobby :ok")
    assert alice.take()[0].params == ["#lobby", "ok"]


def test_unknown_command_and_missing_params() -> None:
    core = make_core()
    alice = register(core, "alice")
    alice.send("FROBNICATE x", "JOIN", "USER a b c")
    assert alice.commands() == ["421", "461", "461"]


def test_stalled_reader_is_dropped_at_sendq_limit() -> None:
    core = make_core(max_sendq=1000)
    alice = register(core, "alice")
    bob = register(core, "bob")
    bob.transport.buffered = 5000
    alice.send("PRIVMSG #lobby :hello")
    assert bob.transport.closed
    assert core.find_client("bob") is None
    assert alice.take()[-1].command == "QUIT"


def test_odd_targets_echoed_in_errors_keep_the_reply_well_formed() -> None:
    core = make_core()
    alice = register(core, "alice")
    alice.send("WHOIS :a b", "WHOIS :", "JOIN :#a b", "MODE :x y", "WHO :a b")
    replies = alice.take()
    assert [m.command for m in replies] == ["401", "318", "401", "318", "403", "401", "315"]
    assert {m.params[1] for m in replies} == {"*"}
