"""Logging in to an account during registration: IRCv3 SASL, mechanism PLAIN.

Sans-IO like the rest of registration. The exchange (ircv3.net sasl-3.1):
CAP REQ sasl -> ACK -> AUTHENTICATE PLAIN -> server "AUTHENTICATE +" ->
base64("\\0account\\0password") in 400-byte AUTHENTICATE lines -> 903 (in)
or 902/904/905/906/908 (refused, said in a sentence).
"""

from __future__ import annotations

import base64

from tui_chat.irc.message import Message

__all__ = ["SASL_CHUNK", "SASL_FAILURES", "SASL_SUCCESS", "SaslPlain"]

# AUTHENTICATE payloads are sent in pieces of this many bytes (the spec's).
SASL_CHUNK = 400
SASL_SUCCESS = frozenset({"903", "907"})  # logged in / already logged in
SASL_FAILURES: dict[str, str] = {
    "902": "Could not log in: that nick is locked to another account",
    "904": "Could not log in: wrong account name or password",
    "905": "Could not log in: the account name or password is too long",
    "906": "Could not log in: the server aborted the login",
    "908": "Could not log in: the server does not accept password logins (PLAIN)",
}
MECHANISM = "PLAIN"


def offers_plain(sasl_value: str) -> bool:
    """Whether a `sasl=...` CAP value allows PLAIN; no value means unknown, so try."""
    return not sasl_value or MECHANISM in sasl_value.upper().split(",")


class SaslPlain:
    def __init__(self, account: str, password: str) -> None:
        self._account = account
        self._password = password

    def start(self) -> Message:
        return Message("AUTHENTICATE", [MECHANISM])

    def respond(self, challenge: str) -> list[Message]:
        """The answer to the server's `AUTHENTICATE +` (PLAIN has no real challenge)."""
        if challenge != "+":
            return [Message("AUTHENTICATE", ["*"])]  # abort: PLAIN expects no data
        raw = f"\0{self._account}\0{self._password}".encode()
        encoded = base64.b64encode(raw).decode("ascii")
        chunks = [encoded[i : i + SASL_CHUNK] for i in range(0, len(encoded), SASL_CHUNK)]
        # A last piece of exactly SASL_CHUNK bytes must be followed by "+".
        if not chunks or len(chunks[-1]) == SASL_CHUNK:
            chunks.append("+")
        return [Message("AUTHENTICATE", [chunk]) for chunk in chunks]
