"""Password verifiers: what the store keeps instead of a password.

The login verifier is scrypt (memory-hard: each guess costs `SCRYPT_N * SCRYPT_R
* 128` bytes of memory, 32 MiB by default, so guessing on GPUs is slow). A
verifier records its parameters and salt beside the hash,
`scrypt$<log2 N>$<r>$<p>$<salt>$<hash>`, so the defaults can be raised later
and old verifiers still check.

The SCRAM-SHA-256 verifier (RFC 5802/7677) is PBKDF2, which is not memory-hard:
it is made only when the server turns SCRAM on (docs/security.md, Accounts),
as `scram-sha-256$<iterations>$<salt>$<StoredKey>$<ServerKey>`.

Every function here is CPU-bound by design: call them on a worker thread
(`accounts.workers`), never on the event loop.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from tui_chat.irc.sasl import saslprep

__all__ = [
    "SCRAM_ITERATIONS",
    "SCRYPT_LOG2_N",
    "SCRYPT_P",
    "SCRYPT_R",
    "ScramVerifier",
    "check_password",
    "make_password_verifier",
    "make_scram_verifier",
    "parse_scram_verifier",
]

# scrypt cost: N = 2**15, r = 8 -> 32 MiB and ~60 ms per check on a 2020s laptop
# core (RFC 7914 suggests N = 2**14..2**20 for interactive logins).
SCRYPT_LOG2_N = 15
SCRYPT_R = 8
SCRYPT_P = 1
# PBKDF2-HMAC-SHA256 iterations of a SCRAM verifier (OWASP's 2023 advice for
# PBKDF2-SHA256); the client computes them at each login, the server only at
# REGISTER.
SCRAM_ITERATIONS = 600_000
SALT_BYTES = 16
HASH_BYTES = 32
SCRYPT_TAG = "scrypt"
SCRAM_TAG = "scram-sha-256"


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _scrypt(password: bytes, salt: bytes, log2_n: int, r: int, p: int) -> bytes:
    n = 1 << log2_n
    # OpenSSL refuses to use more memory than maxmem; allow what N and r need.
    maxmem = 129 * n * r * p + (1 << 20)
    return hashlib.scrypt(password, salt=salt, n=n, r=r, p=p, maxmem=maxmem, dklen=HASH_BYTES)


def make_password_verifier(password: str, *, log2_n: int = SCRYPT_LOG2_N) -> str:
    salt = secrets.token_bytes(SALT_BYTES)
    digest = _scrypt(password.encode(), salt, log2_n, SCRYPT_R, SCRYPT_P)
    return f"{SCRYPT_TAG}${log2_n}${SCRYPT_R}${SCRYPT_P}${_b64(salt)}${_b64(digest)}"


def check_password(password: str, verifier: str) -> bool:
    """Whether `password` matches `verifier`; False for a verifier we cannot read."""
    try:
        tag, log2_n, r, p, salt, digest = verifier.split("$")
        if tag != SCRYPT_TAG:
            return False
        expected = base64.b64decode(digest)
        got = _scrypt(password.encode(), base64.b64decode(salt), int(log2_n), int(r), int(p))
    except ValueError:
        return False
    return hmac.compare_digest(got, expected)


@dataclass(frozen=True, slots=True)
class ScramVerifier:
    iterations: int
    salt: bytes
    stored_key: bytes
    server_key: bytes


def scram_keys(password: bytes, salt: bytes, iterations: int) -> ScramVerifier:
    """RFC 5802 section 3: SaltedPassword -> StoredKey and ServerKey."""
    salted = hashlib.pbkdf2_hmac("sha256", password, salt, iterations)
    client_key = hmac.digest(salted, b"Client Key", "sha256")
    server_key = hmac.digest(salted, b"Server Key", "sha256")
    return ScramVerifier(iterations, salt, hashlib.sha256(client_key).digest(), server_key)


def make_scram_verifier(password: str, *, iterations: int = SCRAM_ITERATIONS) -> str:
    """SCRAM keys of the SASLprepped password (RFC 5802), as clients compute them.

    A password SASLprep refuses is used as given: such a client cannot use
    SCRAM at all, and PLAIN still works.
    """
    try:
        prepared = saslprep(password)
    except ValueError:
        prepared = password
    keys = scram_keys(prepared.encode(), secrets.token_bytes(SALT_BYTES), iterations)
    return "$".join(
        (
            SCRAM_TAG,
            str(keys.iterations),
            _b64(keys.salt),
            _b64(keys.stored_key),
            _b64(keys.server_key),
        )
    )


def parse_scram_verifier(text: str) -> ScramVerifier | None:
    try:
        tag, iterations, salt, stored, server = text.split("$")
        if tag != SCRAM_TAG:
            return None
        return ScramVerifier(
            int(iterations),
            base64.b64decode(salt),
            base64.b64decode(stored),
            base64.b64decode(server),
        )
    except ValueError:
        return None
