"""One connection's SASL exchange on the server: its mechanism, step and pieces.

The AUTHENTICATE framing itself (400-byte base64 pieces, `+`) is shared
with the client: `tui_chat.irc.sasl`.
"""

from __future__ import annotations

from dataclasses import dataclass

from tui_chat.irc.sasl import ChunkCollector
from tui_chat.server.accounts.scram import ScramExchange

__all__ = ["SaslSession"]


@dataclass(slots=True)
class SaslSession:
    mechanism: str
    # The client's message being received; its bound is `sasl_max_bytes`.
    pieces: ChunkCollector
    exchange: ScramExchange | None = None
    step: int = 0
    # The username the client is proving, once known (for the failure limits).
    username: str = ""
