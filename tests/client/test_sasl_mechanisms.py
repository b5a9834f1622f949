"""SCRAM-SHA-256 against RFC 7677's example, and which mechanism a login picks."""

from __future__ import annotations

import base64

import pytest
from rfc7677 import CLIENT_FINAL, CLIENT_FIRST, CLIENT_NONCE, SERVER_FINAL, SERVER_FIRST

from tui_chat.client.sasl import (
    MAX_SCRAM_ITERATIONS,
    KeyDerivation,
    LoginRefusedError,
    Plain,
    SaslLogin,
    ScramSha256,
    choose_login,
    plain_allowed,
)
from tui_chat.irc.message import Message
from tui_chat.irc.sasl import saslprep

NONCE = CLIENT_NONCE


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def answer(login: SaslLogin, param: str) -> list[Message]:
    """`login`'s answer to one AUTHENTICATE, deriving its key when it waits for one."""
    lines = login.on_authenticate(param)
    if login.derivation is not None:
        assert lines == []
        lines = login.key_derived(login.derivation.derive())
    return lines


def test_rfc7677_example_step_by_step() -> None:
    scram = ScramSha256("user", "pencil", nonce=NONCE)
    assert scram.step(b"") == CLIENT_FIRST
    derivation = scram.step(SERVER_FIRST)
    assert isinstance(derivation, KeyDerivation) and derivation.iterations == 4096
    assert scram.step(SERVER_FIRST) is None  # asked again before answering: aborted
    scram = ScramSha256("user", "pencil", nonce=NONCE)
    scram.step(b"")
    derivation = scram.step(SERVER_FIRST)
    assert isinstance(derivation, KeyDerivation)
    assert derivation.finish(derivation.derive()) == CLIENT_FINAL
    assert not scram.server_verified
    assert scram.step(SERVER_FINAL) == b""
    assert scram.server_verified


def test_rfc7677_over_authenticate_lines() -> None:
    login = SaslLogin(ScramSha256("user", "pencil", nonce=NONCE))
    assert login.start().params == ["SCRAM-SHA-256"]
    (first,) = login.on_authenticate("+")
    assert base64.b64decode(first.params[0]) == CLIENT_FIRST
    (final,) = answer(login, b64(SERVER_FIRST))
    assert base64.b64decode(final.params[0]) == CLIENT_FINAL
    (done,) = login.on_authenticate(b64(SERVER_FINAL))
    assert done.params == ["+"]
    assert login.verdict("903") is None


def test_a_wrong_server_signature_aborts_and_fails_closed() -> None:
    login = SaslLogin(ScramSha256("user", "pencil", nonce=NONCE))
    login.start()
    login.on_authenticate("+")
    answer(login, b64(SERVER_FIRST))
    forged = b"v=" + base64.b64encode(b"\0" * 32)
    assert [m.params for m in login.on_authenticate(b64(forged))] == [["*"]]
    assert login.verdict("906") == (
        "Could not log in: the server could not prove it knows your password (wrong signature)"
    )


def test_success_without_the_server_proof_is_a_failure() -> None:
    login = SaslLogin(ScramSha256("user", "pencil", nonce=NONCE))
    login.start()
    login.on_authenticate("+")
    answer(login, b64(SERVER_FIRST))
    assert (
        login.verdict("903") == "Could not log in: the server never proved it knows your password"
    )


@pytest.mark.parametrize(
    "server_first",
    [
        b"r=someoneelse,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",  # our nonce not extended
        b"r=rOprNGfwEbeRWgbNEkqOxx,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=0",
        b"r=rOprNGfwEbeRWgbNEkqOxx,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=%d" % (MAX_SCRAM_ITERATIONS + 1),
        b"m=ext,r=rOprNGfwEbeRWgbNEkqOxx,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
        b"r=rOprNGfwEbeRWgbNEkqOxx,s=not base64!,i=4096",
        b"garbage",
        b"\xff\xfe",
    ],
)
def test_hostile_server_first_messages_abort(server_first: bytes) -> None:
    login = SaslLogin(ScramSha256("user", "pencil", nonce=NONCE))
    login.start()
    login.on_authenticate("+")
    assert [m.params for m in login.on_authenticate(b64(server_first))] == [["*"]]
    assert (login.verdict("906") or "").startswith("Could not log in: the server's answer")


def test_challenges_in_400_byte_pieces_are_joined() -> None:
    login = SaslLogin(ScramSha256("user", "pencil", nonce=NONCE))
    login.start()
    login.on_authenticate("+")
    padded = SERVER_FIRST + b",x=" + b"y" * 400
    encoded = b64(padded)
    pieces = [encoded[i : i + 400] for i in range(0, len(encoded), 400)]
    assert all(login.on_authenticate(piece) == [] for piece in pieces[:-1])
    (final,) = answer(login, pieces[-1])
    assert base64.b64decode(final.params[0]).startswith(b"c=biws,r=")


def test_bad_base64_aborts() -> None:
    login = SaslLogin(Plain("a", "b"))
    login.start()
    assert [m.params for m in login.on_authenticate("!!!")] == [["*"]]


def test_names_are_prepared_and_escaped() -> None:
    assert saslprep("I\u00adX") == "IX"  # soft hyphen maps to nothing
    assert saslprep("\u2168") == "IX"  # NFKC
    with pytest.raises(ValueError):
        saslprep("a\u0007b")
    scram = ScramSha256("a=b,c", "pw", nonce="n")
    assert scram.step(b"") == b"n,,n=a=3Db=2Cc,r=n"


@pytest.mark.parametrize(
    ("server_text", "sentence"),
    [
        ("SASL authentication failed", "wrong account name or password"),
        ("", "wrong account name or password"),
        ("Authentication failed: invalid account or password", "invalid account or password"),
        (
            "Too many failed logins; try again in 9 seconds",
            "too many failed logins; try again in 9 seconds",
        ),
        ("SASL authentication failed: SASL message too long", "SASL message too long"),
    ],
)
def test_904_keeps_what_the_server_says(server_text: str, sentence: str) -> None:
    login = SaslLogin(Plain("a", "b"))
    login.start()
    assert login.verdict("904", server_text) == f"Could not log in: {sentence}"


def test_scram_falls_back_to_plain_only_where_plain_may_go() -> None:
    login = choose_login("a", "b", "PLAIN,SCRAM-SHA-256", True)
    login.start()
    assert not login.can_fall_back("902") and login.can_fall_back("904")
    assert login.fall_back().params == ["PLAIN"] and login.running
    assert not login.can_fall_back("904")  # once
    assert not choose_login("a", "b", "PLAIN,SCRAM-SHA-256", False).can_fall_back("904")
    assert not choose_login("a", "b", "SCRAM-SHA-256", True).can_fall_back("904")


def test_scram_is_preferred_and_plain_needs_a_safe_link() -> None:
    assert choose_login("a", "b", "PLAIN,SCRAM-SHA-256", False).mechanism.name == "SCRAM-SHA-256"
    assert choose_login("a", "b", "PLAIN", True).mechanism.name == "PLAIN"
    assert choose_login("a", "b", "", True).mechanism.name == "PLAIN"  # no list: try PLAIN
    with pytest.raises(LoginRefusedError, match="not encrypted"):
        choose_login("a", "b", "PLAIN", False)
    with pytest.raises(LoginRefusedError, match="no password login"):
        choose_login("a", "b", "EXTERNAL", True)


@pytest.mark.parametrize(
    ("host", "tls", "consent", "allowed"),
    [
        ("127.0.0.1", False, False, True),
        ("::1", False, False, True),
        ("localhost", False, False, True),
        ("192.168.1.20", False, False, False),
        ("chat.example", False, False, False),
        ("192.168.1.20", True, False, True),
        ("192.168.1.20", False, True, True),
    ],
)
def test_plain_allowed(host: str, tls: bool, consent: bool, allowed: bool) -> None:
    assert plain_allowed(host, tls, consent) is allowed
