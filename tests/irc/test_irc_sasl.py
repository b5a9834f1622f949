"""AUTHENTICATE framing and SCRAM text, as both the client and the server use them."""

from __future__ import annotations

import pytest

from tui_chat.irc.sasl import (
    CHUNK_SIZE,
    ChunkCollector,
    SaslChunkError,
    encode_chunks,
    escape_name,
    saslprep,
    scram_attributes,
    unescape_name,
)


def test_chunks_both_ways() -> None:
    data = bytes(range(256)) * 2  # 512 bytes -> 684 base64 chars: 400 + 284
    chunks = encode_chunks(data)
    assert [len(c) for c in chunks] == [400, 284]
    collector = ChunkCollector(4096)
    assert collector.feed(chunks[0]) is None
    assert collector.feed(chunks[1]) == data
    # Exactly 300 bytes -> 400 base64 chars: a "+" says it ended.
    assert encode_chunks(b"x" * 300)[-1] == "+"
    assert encode_chunks(b"") == ["+"]
    assert collector.feed("A" * CHUNK_SIZE) is None
    assert collector.feed("+") == b"\0" * 300


def test_oversized_and_bad_base64_are_refused() -> None:
    with pytest.raises(SaslChunkError) as too_long:
        ChunkCollector(4096).feed("A" * (CHUNK_SIZE + 1))
    assert too_long.value.too_long
    collector = ChunkCollector(4096)
    with pytest.raises(SaslChunkError) as total:
        for _ in range(20):
            collector.feed("A" * CHUNK_SIZE)
    assert total.value.too_long
    # After a refusal it starts afresh.
    assert collector.feed("+") == b""
    with pytest.raises(SaslChunkError) as bad:
        ChunkCollector(4096).feed("not base64!")
    assert not bad.value.too_long


def test_scram_text() -> None:
    assert scram_attributes("r=a,s=b=,i=1,r=again") == {"r": "a", "s": "b=", "i": "1"}
    for bad in ("x", "rr=1", "=1"):
        with pytest.raises(ValueError):
            scram_attributes(bad)
    assert escape_name("a=b,c") == "a=3Db=2Cc"
    assert unescape_name("a=3Db=2Cc") == "a=b,c"
    with pytest.raises(ValueError):
        unescape_name("a=b")


def test_saslprep() -> None:
    assert saslprep("I\u00adX") == "IX"  # soft hyphen maps to nothing
    assert saslprep("\u2168") == "IX"  # NFKC
    assert saslprep("a\u00a0b") == "a b"  # non-ASCII space
    with pytest.raises(ValueError):
        saslprep("a\u0007b")
