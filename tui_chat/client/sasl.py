"""Logging in to an account: IRCv3 SASL with SCRAM-SHA-256 or PLAIN.

Sans-IO like the registration. The exchange (ircv3.net sasl-3.1/3.2):
`AUTHENTICATE <mechanism>` -> the server's challenges and our answers, each
base64 in 400-byte AUTHENTICATE lines ("+" alone is empty) -> 903 (in) or
902/904/905/906/908 (refused, said in a sentence). It runs while registering
(registration.py) or any time after, when the server has the `sasl` cap.

SCRAM-SHA-256 (RFC 5802 and 7677) is preferred whenever the server lists it:
the password never crosses the wire, and the server must prove that it
knows it too. We fail closed: a server signature that does not match, or a
success without one, is a failed login. PLAIN sends the password itself, so
`choose_login` refuses it on an unencrypted link to another machine unless
the user allowed that. When PLAIN is allowed too, a refused SCRAM login may
be tried once more with PLAIN (`fall_back`): an account made before its
server turned SCRAM on has no SCRAM key until its next PLAIN login.

SCRAM's key derivation (PBKDF2, up to a million rounds) is slow, so it does
not run inside `on_authenticate`: the login then answers nothing and holds
a `KeyDerivation` in `derivation`; the caller runs `derive()` where it
likes (the session: a worker thread) and hands the key to `key_derived`,
which returns the answer to send.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import ipaddress
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from tui_chat.irc.message import Message
from tui_chat.irc.sasl import (
    CHUNK_SIZE,
    ChunkCollector,
    SaslChunkError,
    encode_chunks,
    escape_name,
    saslprep,
    scram_attributes,
)

__all__ = [
    "MAX_SCRAM_ITERATIONS",
    "SASL_FAILURES",
    "SASL_SUCCESS",
    "KeyDerivation",
    "LoginRefusedError",
    "Mechanism",
    "SaslLogin",
    "ScramSha256",
    "choose_login",
    "plain_allowed",
]

# A server asking for more PBKDF2 rounds than this is refused: a hostile
# server could otherwise keep a core busy for minutes (1M rounds take about
# half a second; RFC 7677 asks for at least 4096).
MAX_SCRAM_ITERATIONS = 1_000_000
# The longest challenge we collect from AUTHENTICATE pieces, in base64 bytes.
MAX_CHALLENGE = 8 * CHUNK_SIZE
SASL_SUCCESS = frozenset({"903", "907"})  # logged in / already logged in
SASL_FAILURES: dict[str, str] = {
    "902": "Could not log in: that nick is locked to another account",
    "904": "Could not log in: wrong account name or password",
    "905": "Could not log in: the account name or password is too long",
    "906": "Could not log in: the login was aborted",
    "908": "Could not log in: the server does not accept this kind of login",
}
# The standard texts of 904 (and their variants): they say nothing more than
# the code, so the code's own sentence is shown. Anything else the server
# says (a lock-out, "try again in 30 seconds") is shown as it says it.
_GENERIC_FAILURE_PREFIXES = ("sasl authentication failed", "authentication failed")
PLAIN = "PLAIN"
SCRAM_SHA_256 = "SCRAM-SHA-256"
# Hosts whose traffic never leaves this machine: PLAIN is fine there.
_LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain"})


class LoginRefusedError(Exception):
    """Logging in is impossible or unsafe here; `str()` is a sentence for the user."""


@dataclass(frozen=True)
class KeyDerivation:
    """PBKDF2 rounds a mechanism needs before it can answer (slow: run `derive` off the loop)."""

    password: bytes
    salt: bytes
    iterations: int
    # Turns the derived key into the answer to send (None aborts the login).
    finish: Callable[[bytes], bytes | None]

    def derive(self) -> bytes:
        return hashlib.pbkdf2_hmac("sha256", self.password, self.salt, self.iterations)


# What a mechanism answers a challenge with: bytes to send, a key to derive
# first, or None to abort the login.
Answer = bytes | KeyDerivation | None


class Mechanism(Protocol):
    name: str

    def step(self, challenge: bytes) -> Answer:
        """Our answer to one server challenge; None aborts the login."""

    @property
    def server_verified(self) -> bool:
        """Whether a success from the server may be believed."""


class Plain:
    name = PLAIN
    server_verified = True  # PLAIN has nothing to check

    def __init__(self, account: str, password: str) -> None:
        self._account = account
        self._password = password

    def step(self, challenge: bytes) -> Answer:
        if challenge:
            return None  # PLAIN expects no data
        return f"\0{self._account}\0{self._password}".encode()


class ScramSha256:
    """The client side of SCRAM-SHA-256 without channel binding (gs2 header `n,,`)."""

    name = SCRAM_SHA_256
    _GS2_HEADER = b"n,,"

    def __init__(self, account: str, password: str, nonce: str | None = None) -> None:
        name = escape_name(saslprep(account))
        self._password = saslprep(password).encode()
        self._nonce = nonce or secrets.token_urlsafe(24)
        self._client_first_bare = f"n={name},r={self._nonce}".encode()
        # The server's first message and its nonce (ours extended), once it came.
        self._server_first: bytes | None = None
        self._full_nonce = ""
        self._expected_signature: bytes | None = None
        self._verified = False
        # Why the exchange stopped, when it was our side that stopped it.
        self.problem: str | None = None

    @property
    def server_verified(self) -> bool:
        return self._verified

    def step(self, challenge: bytes) -> Answer:
        try:
            if self._server_first is None and not challenge:
                return self._GS2_HEADER + self._client_first_bare
            if self._server_first is None:
                return self._derivation(challenge)
            if self._expected_signature is not None and not self._verified:
                return self._check_server_final(challenge)
        except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
            self.problem = f"the server's answer made no sense ({exc})"
            return None
        self.problem = "the server asked for more than SCRAM needs"
        return None

    def _derivation(self, server_first: bytes) -> KeyDerivation:
        attrs = scram_attributes(server_first.decode("utf-8"))
        if "m" in attrs:
            raise ValueError("it asks for an extension we do not know")
        nonce, iterations = attrs.get("r", ""), int(attrs.get("i", "0"))
        salt = base64.b64decode(attrs.get("s", ""), validate=True)
        if not nonce.startswith(self._nonce) or len(nonce) == len(self._nonce):
            raise ValueError("it did not extend our nonce")
        if not salt or not 1 <= iterations <= MAX_SCRAM_ITERATIONS:
            raise ValueError(f"{iterations} rounds is outside 1..{MAX_SCRAM_ITERATIONS}")
        self._server_first, self._full_nonce = server_first, nonce
        return KeyDerivation(self._password, salt, iterations, self._client_final)

    def _client_final(self, salted: bytes) -> bytes:
        assert self._server_first is not None
        server_first, nonce = self._server_first, self._full_nonce
        client_key = hmac.digest(salted, b"Client Key", "sha256")
        stored_key = hashlib.sha256(client_key).digest()
        channel_binding = base64.b64encode(self._GS2_HEADER).decode()
        without_proof = f"c={channel_binding},r={nonce}".encode()
        auth_message = b",".join((self._client_first_bare, server_first, without_proof))
        client_signature = hmac.digest(stored_key, auth_message, "sha256")
        proof = bytes(a ^ b for a, b in zip(client_key, client_signature, strict=True))
        server_key = hmac.digest(salted, b"Server Key", "sha256")
        self._expected_signature = hmac.digest(server_key, auth_message, "sha256")
        return without_proof + b",p=" + base64.b64encode(proof)

    def _check_server_final(self, server_final: bytes) -> bytes | None:
        attrs = scram_attributes(server_final.decode("utf-8"))
        if "e" in attrs:
            self.problem = f"the server refused: {attrs['e']}"
            return None
        signature = base64.b64decode(attrs.get("v", ""), validate=True)
        assert self._expected_signature is not None
        if not hmac.compare_digest(signature, self._expected_signature):
            self.problem = "the server could not prove it knows your password (wrong signature)"
            return None
        self._verified = True
        return b""


def _mechanisms(sasl_value: str) -> set[str] | None:
    """The mechanisms a `sasl=...` CAP value lists; None when it lists none (unknown)."""
    names = {name.strip().upper() for name in sasl_value.split(",") if name.strip()}
    return names or None


def plain_allowed(host: str, tls: bool, consent: bool) -> bool:
    """Whether PLAIN (or REGISTER) may carry a password to `host` over this link."""
    if tls or consent or host.lower() in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def choose_login(account: str, password: str, sasl_value: str, allow_plain: bool) -> SaslLogin:
    """A login with the best mechanism the server lists, or LoginRefusedError saying why not."""
    offered = _mechanisms(sasl_value)
    if offered is not None and SCRAM_SHA_256 in offered:
        try:
            scram = ScramSha256(account, password)
        except ValueError as exc:
            raise LoginRefusedError(f"Could not log in: the account or password {exc}") from None
        fallback = Plain(account, password) if PLAIN in offered and allow_plain else None
        return SaslLogin(scram, fallback)
    if offered is not None and PLAIN not in offered:
        raise LoginRefusedError("Could not log in: the server offers no password login we know")
    if not allow_plain:
        raise LoginRefusedError(
            "Not logging in: this server only takes the password itself (SASL PLAIN), and the "
            "connection is not encrypted, so anyone on the way could read it. Join with --tls, "
            "or allow it with --allow-plaintext-password (or say so when asked)"
        )
    return SaslLogin(Plain(account, password))


def _failure_text(code: str, server_text: str) -> str:
    """The sentence for a refused login: the server's own words when they say more."""
    sentence = SASL_FAILURES.get(code, f"Could not log in (error {code})")
    if code != "904":
        return sentence
    said = server_text.strip()
    for prefix in _GENERIC_FAILURE_PREFIXES:
        if said.lower().startswith(prefix):
            said = said[len(prefix) :].lstrip(" :.-")
            break
    if not said:
        return sentence
    if not said[1:2].isupper():
        said = said[:1].lower() + said[1:]
    return f"Could not log in: {said}"


class SaslLogin:
    """One AUTHENTICATE exchange: chunking, base64, and the verdict.

    `fallback` (PLAIN after SCRAM) is a second mechanism `fall_back` may
    switch to once, after the first was refused.
    """

    def __init__(self, mechanism: Mechanism, fallback: Mechanism | None = None) -> None:
        self.mechanism = mechanism
        self._fallback = fallback
        self._challenge = ChunkCollector(MAX_CHALLENGE)
        self.running = False
        # A key the mechanism waits for (see the module docstring).
        self.derivation: KeyDerivation | None = None

    def start(self) -> Message:
        self.running = True
        self.derivation = None
        self._challenge.clear()
        return Message("AUTHENTICATE", [self.mechanism.name])

    def on_authenticate(self, param: str) -> list[Message]:
        """Our answer to one `AUTHENTICATE <piece>`, once the challenge is whole."""
        if not self.running or self.derivation is not None:
            return []
        try:
            challenge = self._challenge.feed(param)
        except SaslChunkError:
            return [Message("AUTHENTICATE", ["*"])]
        if challenge is None:
            return []  # more pieces follow
        return self._answer(self.mechanism.step(challenge))

    def key_derived(self, key: bytes) -> list[Message]:
        """The answer that waited for `derivation`, now that its key is here."""
        derivation, self.derivation = self.derivation, None
        if derivation is None or not self.running:
            return []
        return self._answer(derivation.finish(key))

    def _answer(self, answer: Answer) -> list[Message]:
        if isinstance(answer, KeyDerivation):
            self.derivation = answer
            return []
        if answer is None:
            return [Message("AUTHENTICATE", ["*"])]
        return [Message("AUTHENTICATE", [piece]) for piece in encode_chunks(answer)]

    def can_fall_back(self, code: str) -> bool:
        """Whether a refusal (`code`) may be retried with the fallback mechanism."""
        return code == "904" and self._fallback is not None

    def fall_back(self) -> Message:
        """Switch to the fallback mechanism (once) and start it."""
        assert self._fallback is not None
        self.mechanism, self._fallback = self._fallback, None
        return self.start()

    def verdict(self, code: str, server_text: str = "") -> str | None:
        """After 903/907/90x: None when logged in, else why not. Ends the exchange."""
        self.running = False
        self.derivation = None
        if code in SASL_SUCCESS and not self.mechanism.server_verified:
            return "Could not log in: the server never proved it knows your password"
        if code in SASL_SUCCESS:
            return None
        problem = getattr(self.mechanism, "problem", None)
        if problem and code == "906":
            return f"Could not log in: {problem}"
        return _failure_text(code, server_text)
