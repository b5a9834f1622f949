"""SASL on IRC, the parts both sides share: AUTHENTICATE framing and SCRAM text.

An AUTHENTICATE message travels base64-encoded in pieces of `CHUNK_SIZE`
bytes; a piece of exactly that size means more follow, and `+` alone is an
empty piece (IRCv3 sasl-3.1). `encode_chunks` cuts a message into pieces,
`ChunkCollector` joins and decodes the pieces of one message.

SCRAM (RFC 5802, RFC 7677): `scram_attributes` splits `r=...,s=...,i=...`,
`escape_name`/`unescape_name` handle "," and "=" in user names, and
`saslprep` (RFC 4013) prepares names and passwords, as both ends must agree
on the bytes that go into PBKDF2.
"""

from __future__ import annotations

import base64
import binascii
import stringprep
import unicodedata

__all__ = [
    "CHUNK_SIZE",
    "ChunkCollector",
    "SaslChunkError",
    "encode_chunks",
    "escape_name",
    "saslprep",
    "scram_attributes",
    "unescape_name",
]

# The spec's piece size, in base64 bytes.
CHUNK_SIZE = 400


class SaslChunkError(ValueError):
    """A message that cannot be taken: `too_long` (905 on a server) or not base64."""

    def __init__(self, text: str, *, too_long: bool = False) -> None:
        super().__init__(text)
        self.too_long = too_long


def encode_chunks(data: bytes) -> list[str]:
    """`data` as AUTHENTICATE parameters: base64 pieces, `+` where one is needed."""
    encoded = base64.b64encode(data).decode("ascii")
    chunks = [encoded[i : i + CHUNK_SIZE] for i in range(0, len(encoded), CHUNK_SIZE)]
    # An empty message, or a last piece of exactly CHUNK_SIZE, ends with "+".
    if not chunks or len(chunks[-1]) == CHUNK_SIZE:
        chunks.append("+")
    return chunks


class ChunkCollector:
    """Joins the pieces of one message; `max_bytes` bounds it (in base64 bytes)."""

    __slots__ = ("_chunks", "_size", "max_bytes")

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._chunks: list[str] = []
        self._size = 0

    def feed(self, piece: str) -> bytes | None:
        """Add one AUTHENTICATE parameter; the decoded message once it is whole."""
        if len(piece) > CHUNK_SIZE:
            self.clear()
            raise SaslChunkError("SASL message too long", too_long=True)
        self._size += len(piece)
        if self._size > self.max_bytes:
            self.clear()
            raise SaslChunkError("SASL message too long", too_long=True)
        if piece != "+":
            self._chunks.append(piece)
        if len(piece) == CHUNK_SIZE:
            return None
        data = "".join(self._chunks)
        self.clear()
        try:
            return base64.b64decode(data, validate=True)
        except binascii.Error:
            raise SaslChunkError("SASL message is not valid base64") from None

    def clear(self) -> None:
        self._chunks, self._size = [], 0


def scram_attributes(text: str) -> dict[str, str]:
    """`r=abc,s=xyz,i=4096` -> {"r": "abc", ...}, the first of a repeated key; ValueError."""
    found: dict[str, str] = {}
    for part in text.split(","):
        key, equals, value = part.partition("=")
        if len(key) != 1 or not equals:
            raise ValueError(f"malformed SCRAM attribute {part!r}")
        found.setdefault(key, value)
    return found


def escape_name(name: str) -> str:
    return name.replace("=", "=3D").replace(",", "=2C")


def unescape_name(escaped: str) -> str:
    """RFC 5802: "=2C" and "=3D" stand for "," and "="; any other "=" is an error."""
    if escaped.replace("=2C", "").replace("=3D", "").count("="):
        raise ValueError("bad escape in a SCRAM user name")
    return escaped.replace("=2C", ",").replace("=3D", "=")


def saslprep(text: str) -> str:
    """RFC 4013 SASLprep of a user name or password; ValueError for forbidden text."""
    # Non-ASCII spaces become spaces; "commonly mapped to nothing" goes.
    mapped = "".join(
        " " if stringprep.in_table_c12(ch) else ch for ch in text if not stringprep.in_table_b1(ch)
    )
    normal = unicodedata.normalize("NFKC", mapped)
    forbidden = (
        stringprep.in_table_c12,
        stringprep.in_table_c21_c22,
        stringprep.in_table_c3,
        stringprep.in_table_c4,
        stringprep.in_table_c5,
        stringprep.in_table_c6,
        stringprep.in_table_c7,
        stringprep.in_table_c8,
        stringprep.in_table_c9,
        stringprep.in_table_a1,
    )
    if any(test(ch) for ch in normal for test in forbidden):
        raise ValueError("holds characters a login cannot carry")
    rtl = [stringprep.in_table_d1(ch) for ch in normal]
    if any(rtl) and (not (rtl[0] and rtl[-1]) or any(stringprep.in_table_d2(ch) for ch in normal)):
        raise ValueError("mixes right-to-left and left-to-right text")
    return normal
