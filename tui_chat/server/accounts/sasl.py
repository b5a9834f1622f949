"""SASL framing on IRC (AUTHENTICATE, IRCv3 sasl-3.2), sans-IO.

A client's message arrives base64-encoded in chunks of at most 400 bytes;
a chunk of exactly 400 means more follow, `+` alone is an empty chunk. The
server's messages go out the same way (`encode_chunks`).
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, field

from tui_chat.server.accounts.scram import ScramExchange

__all__ = ["CHUNK_SIZE", "SaslError", "SaslSession", "encode_chunks"]

# The spec's chunk size; a longer AUTHENTICATE parameter is refused (905).
CHUNK_SIZE = 400


class SaslError(ValueError):
    """`too_long`: the message exceeded a limit (905), otherwise it was malformed (904)."""

    def __init__(self, text: str, *, too_long: bool = False) -> None:
        super().__init__(text)
        self.too_long = too_long


@dataclass(slots=True)
class SaslSession:
    """One connection's exchange: its mechanism, the chunks so far, its step."""

    mechanism: str
    exchange: ScramExchange | None = None
    step: int = 0
    chunks: list[str] = field(default_factory=list)
    size: int = 0
    # The username the client is proving, once known (for the failure limits).
    username: str = ""

    def feed(self, chunk: str, max_bytes: int) -> bytes | None:
        """Add one AUTHENTICATE parameter; the decoded message once it is complete."""
        if len(chunk) > CHUNK_SIZE:
            raise SaslError("SASL message too long", too_long=True)
        self.size += len(chunk)
        if self.size > max_bytes:
            raise SaslError("SASL message too long", too_long=True)
        if chunk != "+":
            self.chunks.append(chunk)
        if len(chunk) == CHUNK_SIZE:
            return None
        data, self.chunks, self.size = "".join(self.chunks), [], 0
        try:
            return base64.b64decode(data, validate=True)
        except binascii.Error:
            raise SaslError("SASL message is not valid base64") from None


def encode_chunks(data: bytes) -> list[str]:
    """`data` as AUTHENTICATE parameters: base64 in 400-byte chunks, `+` where needed."""
    encoded = base64.b64encode(data).decode("ascii")
    chunks = [encoded[i : i + CHUNK_SIZE] for i in range(0, len(encoded), CHUNK_SIZE)]
    if not chunks or len(chunks[-1]) == CHUNK_SIZE:
        chunks.append("+")
    return chunks
