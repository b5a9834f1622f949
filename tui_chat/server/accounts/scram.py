"""The server side of SCRAM-SHA-256 (RFC 5802, RFC 7677): sans-IO, two steps.

    exchange = ScramExchange(lookup)
    server_first = exchange.first(client_first)    # ScramError on bad input
    server_final = exchange.final(client_final)    # ScramError on a wrong proof
    exchange.username                              # who proved their password

No channel binding (`n,,` or `y,,`; `p=` is refused). An unknown user gets a
made-up salt that is stable per name, and fails at the proof like a wrong
password, so the exchange does not tell who has an account. Passwords are
SASLprepped when the verifier is made (verifiers.py), as the client does.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
from collections.abc import Callable

from tui_chat.irc.sasl import scram_attributes, unescape_name
from tui_chat.server.accounts.verifiers import SALT_BYTES, SCRAM_ITERATIONS, ScramVerifier

__all__ = ["NONCE_BYTES", "ScramError", "ScramExchange"]

# Random bytes of the server's half of the nonce.
NONCE_BYTES = 18


class ScramError(ValueError):
    """The exchange failed; the message says why (for the log, not the client)."""


def _attributes(text: str) -> dict[str, str]:
    try:
        return scram_attributes(text)
    except ValueError as error:
        raise ScramError(str(error)) from None


def _username(escaped: str) -> str:
    try:
        return unescape_name(escaped)
    except ValueError as error:
        raise ScramError(str(error)) from None


def _printable(nonce: str) -> bool:
    """RFC 5802's `printable`: ASCII 0x21-0x7E except ','; never empty."""
    return bool(nonce) and all("!" <= c <= "~" for c in nonce) and "," not in nonce


class ScramExchange:
    def __init__(
        self,
        lookup: Callable[[str], ScramVerifier | None],
        *,
        secret: bytes,
        nonce: str | None = None,
    ) -> None:
        """`lookup(name)`: the user's verifier or None; `secret` seeds unknown users' salts."""
        self._lookup = lookup
        self._secret = secret
        self._server_nonce = nonce or base64.b64encode(secrets.token_bytes(NONCE_BYTES)).decode()
        self._verifier: ScramVerifier | None = None
        self._gs2_header = ""
        self._nonce = ""
        self._auth_prefix = ""
        self.username = ""

    def first(self, message: bytes) -> bytes:
        try:
            text = message.decode("utf-8")
        except UnicodeDecodeError:
            raise ScramError("client-first is not UTF-8") from None
        cbind, sep1, rest = text.partition(",")
        authzid, sep2, bare = rest.partition(",")
        if not (sep1 and sep2) or cbind not in ("n", "y"):
            raise ScramError("unsupported channel binding or malformed gs2 header")
        attrs = _attributes(bare)
        # `m` is reserved for mandatory extensions (first or not, it must fail).
        if "m" in attrs:
            raise ScramError("mandatory extension not supported")
        if "n" not in attrs or not _printable(attrs.get("r", "")):
            raise ScramError("client-first without a username or a printable nonce")
        self.username = _username(attrs["n"])
        if authzid and _username(authzid.removeprefix("a=")) != self.username:
            raise ScramError("authorization identity differs from the username")
        self._gs2_header = f"{cbind},{authzid},"
        self._nonce = attrs["r"] + self._server_nonce
        self._verifier = self._lookup(self.username)
        if self._verifier is not None:
            salt, iterations = self._verifier.salt, self._verifier.iterations
        else:
            salt = hmac.digest(self._secret, self.username.encode(), "sha256")[:SALT_BYTES]
            iterations = SCRAM_ITERATIONS
        server_first = f"r={self._nonce},s={base64.b64encode(salt).decode()},i={iterations}"
        self._auth_prefix = f"{bare},{server_first},"
        return server_first.encode()

    def final(self, message: bytes) -> bytes:
        if not self._nonce:
            raise ScramError("client-final before client-first")
        try:
            text = message.decode("utf-8")
        except UnicodeDecodeError:
            raise ScramError("client-final is not UTF-8") from None
        without_proof, sep, proof_b64 = text.rpartition(",p=")
        if not sep:
            raise ScramError("client-final without a proof")
        attrs = _attributes(without_proof)
        expected_binding = base64.b64encode(self._gs2_header.encode()).decode()
        if attrs.get("c") != expected_binding:
            raise ScramError("channel binding does not match the gs2 header")
        if attrs.get("r") != self._nonce:
            raise ScramError("nonce does not match")
        try:
            proof = base64.b64decode(proof_b64, validate=True)
        except binascii.Error:
            raise ScramError("proof is not base64") from None
        verifier = self._verifier
        if verifier is None:
            raise ScramError(f"no SCRAM credentials for {self.username!r}")
        auth_message = (self._auth_prefix + without_proof).encode()
        signature = hmac.digest(verifier.stored_key, auth_message, "sha256")
        if len(proof) != len(signature):
            raise ScramError("proof has the wrong length")
        client_key = bytes(a ^ b for a, b in zip(proof, signature, strict=True))
        if not hmac.compare_digest(hashlib.sha256(client_key).digest(), verifier.stored_key):
            raise ScramError("wrong proof")
        server_signature = hmac.digest(verifier.server_key, auth_message, "sha256")
        return b"v=" + base64.b64encode(server_signature)
