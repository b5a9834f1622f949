"""Our own messages not yet confirmed by the server, for exactly-once resends.

Sans-IO. With echo-message, a message we send is *pending* until the server
echoes it back (or a history reply shows it). Each carries a random
idempotency key in the client-only tag `IDEM_TAG` (when the server has
message-tags); a message still pending after a reconnect is sent again with
the same key, and a server that honours the key (tui-chat's does, see
docs/history.md) stores and relays it once and echoes the first copy's msgid.

An echo is matched by its key when the server relays the tag back, else by
target and text, oldest first: servers without message-tags echo no tags.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from tui_chat.client.events import MessageKind

__all__ = ["IDEM_TAG", "PENDING_LIMIT", "Outgoing", "PendingMessages", "new_key"]

# The client-only tag carrying a message's idempotency key (docs/history.md).
IDEM_TAG = "+tui-chat/idem"
# Unconfirmed messages remembered (ConnectOptions.pending_limit); past it the
# oldest is forgotten: it will not be resent. Only a server that never echoes
# gets near it.
PENDING_LIMIT = 200
# Random bytes in a key: unguessable, and short on the wire.
_KEY_BYTES = 12


def new_key() -> str:
    return secrets.token_urlsafe(_KEY_BYTES)


@dataclass(slots=True)
class Outgoing:
    """One line we sent (or will send) and have not seen come back."""

    key: str
    command: str
    # As addressed on the wire (`#room`, `nick`, `@#room`).
    target: str
    # The user's text, and the same as it goes on the wire (CTCP-framed for ACTION).
    text: str
    wire: str
    kind: MessageKind
    # Our nick when it was first written: a history copy shows it as the sender.
    nick: str
    # To be written on the current connection: never written yet, or the
    # connection it was written on ended before the echo came.
    due: bool = True


class PendingMessages:
    """Unconfirmed outgoing messages, oldest first."""

    def __init__(self, fold: Callable[[str], str], limit: int = PENDING_LIMIT) -> None:
        self._fold = fold
        self._limit = limit
        self._by_key: dict[str, Outgoing] = {}

    def __len__(self) -> int:
        return len(self._by_key)

    def __iter__(self) -> Iterator[Outgoing]:
        return iter(list(self._by_key.values()))

    def add(self, message: Outgoing) -> Outgoing | None:
        """Remember `message`; return the oldest one forgotten to make room, if any."""
        self._by_key[message.key] = message
        if len(self._by_key) <= self._limit:
            return None
        oldest = next(iter(self._by_key))
        return self._by_key.pop(oldest)

    def confirm(
        self, target: str, wire: str, key: str | None, sender: str, is_me: bool
    ) -> Outgoing | None:
        """The pending message a line from `sender` (`is_me`: our nick now) confirms, if any.

        Found by its key, said by us or under the nick we sent it with (a
        reconnect may have given us another), else by target and text if we
        said it. The message found is removed.
        """
        if key:
            found = self._by_key.get(key)
            if found is None or not (is_me or self._fold(sender) == self._fold(found.nick)):
                return None
            return self._by_key.pop(key)
        if not is_me:
            return None
        folded = self._fold(target)
        for message in self._by_key.values():
            if message.wire == wire and self._fold(message.target) == folded:
                return self._by_key.pop(message.key)
        return None

    def refuse(self, target: str) -> Outgoing | None:
        """The oldest message written to `target` (now removed): the server refused it."""
        folded = self._fold(target)
        for message in self._by_key.values():
            if not message.due and self._fold(message.target) == folded:
                return self._by_key.pop(message.key)
        return None

    def mark_all_due(self) -> None:
        """A new connection: none of them is known to have arrived."""
        for message in self._by_key.values():
            message.due = True

    def take_due(self, wanted: Callable[[Outgoing], bool]) -> list[Outgoing]:
        """The due messages `wanted` selects, oldest first, now marked written."""
        taken = [m for m in self._by_key.values() if m.due and wanted(m)]
        for message in taken:
            message.due = False
        return taken

    def clear(self) -> None:
        self._by_key.clear()
