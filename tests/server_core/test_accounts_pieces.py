"""The sans-IO pieces of accounts: verifiers, SCRAM (RFC 7677's vector), limits, the KDF pool."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from rfc7677 import (
    CLIENT_FINAL,
    CLIENT_FIRST,
    ITERATIONS,
    PASSWORD,
    SALT,
    SERVER_FINAL,
    SERVER_FIRST,
    SERVER_NONCE,
    USER,
)

from tui_chat.server.accounts.scram import ScramError, ScramExchange
from tui_chat.server.accounts.throttle import LoginThrottle, RateWindow
from tui_chat.server.accounts.verifiers import (
    SCRYPT_LOG2_N,
    check_password,
    make_password_verifier,
    make_scram_verifier,
    parse_scram_verifier,
    scram_keys,
)
from tui_chat.server.accounts.workers import KdfPool


def rfc_exchange(known: bool = True) -> ScramExchange:
    verifier = scram_keys(PASSWORD.encode(), SALT, ITERATIONS)
    return ScramExchange(
        lambda name: verifier if known and name == USER else None,
        secret=b"k" * 32,
        nonce=SERVER_NONCE,
    )


def test_scram_sha_256_matches_rfc_7677() -> None:
    exchange = rfc_exchange()
    assert exchange.first(CLIENT_FIRST) == SERVER_FIRST
    assert exchange.final(CLIENT_FINAL) == SERVER_FINAL
    assert exchange.username == "user"


def test_scram_refuses_a_wrong_proof_and_an_unknown_user_alike() -> None:
    wrong = CLIENT_FINAL[:-8] + b"AAAAAAA="
    exchange = rfc_exchange()
    exchange.first(CLIENT_FIRST)
    with pytest.raises(ScramError, match="wrong proof"):
        exchange.final(wrong)
    unknown = rfc_exchange(known=False)
    first = unknown.first(CLIENT_FIRST)
    # A made-up salt, the same each time for one name: no "no such user" signal.
    assert first.startswith(b"r=rOprNGfwEbeRWgbNEkqO") and b",s=" in first
    assert rfc_exchange(known=False).first(CLIENT_FIRST) == first
    with pytest.raises(ScramError):
        unknown.final(CLIENT_FINAL)


@pytest.mark.parametrize(
    "first",
    [
        b"p=tls-unique,,n=user,r=abc",
        b"n,,r=abc",
        b"n,,n=user",
        b"x",
        b"n,,m=ext,n=u,r=a",
        b"n,,n=u,r=abc,m=ext",
        b"n,,n=u,r=\x01\x02",
        b"n,,n=u,r=a b",
        b"\xff",
    ],
)
def test_scram_refuses_malformed_client_first(first: bytes) -> None:
    with pytest.raises(ScramError):
        rfc_exchange().first(first)


def test_scram_final_must_carry_the_same_nonce_and_binding() -> None:
    exchange = rfc_exchange()
    exchange.first(CLIENT_FIRST)
    with pytest.raises(ScramError, match="nonce"):
        exchange.final(CLIENT_FINAL.replace(b"rOprNG", b"XOprNG"))
    exchange = rfc_exchange()
    exchange.first(CLIENT_FIRST)
    with pytest.raises(ScramError, match="binding"):
        exchange.final(CLIENT_FINAL.replace(b"c=biws", b"c=eSws"))


def test_scram_verifier_round_trip() -> None:
    parsed = parse_scram_verifier(make_scram_verifier("pencil", iterations=4096))
    assert parsed is not None and parsed.iterations == 4096
    assert parsed == scram_keys(b"pencil", parsed.salt, 4096)
    assert parse_scram_verifier("scrypt$1$2$3$4$5") is None


def test_password_verifier_records_its_parameters() -> None:
    verifier = make_password_verifier("hunter22", log2_n=10)
    assert verifier.startswith("scrypt$10$8$1$")
    assert check_password("hunter22", verifier)
    assert not check_password("hunter23", verifier)
    assert not check_password("hunter22", "garbage")
    assert make_password_verifier("x").startswith(f"scrypt${SCRYPT_LOG2_N}$")


def test_failure_window_locks_then_frees() -> None:
    window = RateWindow(3, 60.0)
    for t in (0.0, 1.0, 2.0):
        assert window.retry_after("a", t) == 0.0
        window.record("a", t)
    assert window.retry_after("a", 3.0) == pytest.approx(57.0)
    assert window.retry_after("b", 3.0) == 0.0
    assert window.retry_after("a", 60.5) == 0.0
    window.prune(1000.0)
    assert len(window) == 0


def test_login_throttle_takes_the_longer_lock() -> None:
    throttle = LoginThrottle(per_address=2, per_account=3, window=10.0)
    throttle.fail("1.2.3.4", "bob", 0.0)
    throttle.fail("1.2.3.4", "bob", 1.0)
    assert throttle.retry_after("1.2.3.4", "carol", 2.0) == pytest.approx(8.0)
    # Another address may still try bob: the account is not locked yet.
    assert throttle.retry_after("5.6.7.8", "bob", 2.0) == 0.0
    throttle.fail("5.6.7.8", "bob", 2.0)
    assert throttle.retry_after("9.9.9.9", "bob", 3.0) == pytest.approx(7.0)


def test_kdf_pool_refuses_past_its_queue_and_reports_failures() -> None:
    delivered: list[Callable[[], None]] = []
    both = threading.Semaphore(0)

    def deliver(callback: Callable[[], None]) -> None:
        delivered.append(callback)
        both.release()

    pool = KdfPool(workers=1, max_queued=2, deliver=deliver)
    release = threading.Event()
    results: list[object] = []
    try:
        assert pool.run(lambda: release.wait(10) and "ok", results.append)
        assert pool.run(lambda: 1 // 0, results.append)
        # Two in flight: a third is refused at once rather than queued.
        assert not pool.run(lambda: "never", results.append)
        release.set()
        assert both.acquire(timeout=10) and both.acquire(timeout=10)
        for callback in delivered:
            callback()
        assert sorted(results, key=str) == [None, "ok"] and pool.in_flight == 0
        assert pool.run(lambda: "again", results.append)
    finally:
        release.set()
        pool.close()
