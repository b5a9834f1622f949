"""labeled-response: each labeled command gets exactly one labeled answer.

ircv3.net/specs/extensions/labeled-response. While a labeled command's
handler runs, what it sends its client is collected (`Client.outbox` is the
`LabeledReply`'s lines) and leaves, once the command is done, as:

- an `ACK` when nothing was sent;
- the one line, labeled;
- a batch the handler made itself, when that is the whole answer (a
  CHATHISTORY reply): its `BATCH +` line carries the label, as the spec allows
  for a batch type that fits the entire response;
- otherwise a `labeled-response` batch around the lines (lines already inside
  a batch of their own stay in it: only top-level ones get the outer tag).

A command is done when its handler returned and every part of its answer it
left pending has arrived. Store then relay means that a message's echo, or
its `FAIL ... MESSAGE_NOT_STORED`, comes from the store's callback after the
handler returned; and a CHATHISTORY's batch comes from a read. Such a handler
takes a `hold()` and later passes the code that sends that part to it: the
lines go to the labeled answer, and the answer waits for them.

Only clients with both `labeled-response` and `batch` get labels (as other
servers do), so every answer has a well-formed shape.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from tui_chat.irc.message import Message, escape_tag_value, parse

if TYPE_CHECKING:
    from tui_chat.server.core import ServerCore
    from tui_chat.server.state import Client

__all__ = ["Finish", "LabeledReply"]

# Sends, some time after the handler returned, the rest of a labeled answer:
# call it once with the code that sends those lines.
Finish = Callable[[Callable[[], None]], None]


class LabeledReply:
    """The answer to one labeled command, collected until it is complete."""

    __slots__ = ("_waiting", "label", "lines")

    def __init__(self, label: str) -> None:
        self.label = label
        # Serialized lines, in the order sent; the client's outbox meanwhile.
        self.lines: list[bytes] = []
        # Parts not yet arrived: the handler itself, and each hold().
        self._waiting = 1

    def hold(self, core: ServerCore, client: Client) -> Finish:
        """Keep the answer open for a part sent later; call what it returns exactly once."""
        self._waiting += 1

        def finish(send_rest: Callable[[], None]) -> None:
            # What `send_rest` writes to the client joins the answer; other
            # recipients of the same relay get theirs as usual.
            saved, client.outbox = client.outbox, self.lines
            try:
                send_rest()
            finally:
                client.outbox = saved
            self.done(core, client)

        return finish

    def done(self, core: ServerCore, client: Client) -> None:
        """One part arrived; the answer leaves with the last."""
        self._waiting -= 1
        if self._waiting == 0 and not client.gone:
            _send(core, client, self.label, self.lines)


def _send(core: ServerCore, client: Client, label: str, lines: list[bytes]) -> None:
    server = core.config.server_name
    tag = b"label=" + escape_tag_value(label).encode()
    if not lines:
        core.send(client, Message("ACK", [], server, {"label": label}))
        return
    if len(lines) == 1 or _one_batch(lines):
        core.write(client, _add_tag(lines[0], tag))
        for data in lines[1:]:
            core.write(client, data)
        return
    ref = core.new_batch_id()
    start = Message("BATCH", [f"+{ref}", "labeled-response"], server, {"label": label})
    core.send(client, start)
    batch_tag = f"batch={ref}".encode()
    for data in lines:
        core.write(client, data if _in_batch(data) else _add_tag(data, batch_tag))
    core.send(client, Message("BATCH", [f"-{ref}"], server))


def _one_batch(lines: list[bytes]) -> bool:
    """Whether `lines` are one batch, from its start to its end."""
    if _in_batch(lines[0]) or _in_batch(lines[-1]):
        return False
    if not all(_in_batch(data) for data in lines[1:-1]):
        return False
    first, last = (parse(data.decode().rstrip("\r\n")) for data in (lines[0], lines[-1]))
    if first.command != "BATCH" or last.command != "BATCH" or not first.params:
        return False
    start = first.params[0]
    return start.startswith("+") and last.params == [f"-{start[1:]}"]


def _in_batch(data: bytes) -> bool:
    """Whether a serialized line carries a `batch` tag."""
    if data[:1] != b"@":
        return False
    tags = data[1 : data.find(b" ")]
    return any(item == b"batch" or item.startswith(b"batch=") for item in tags.split(b";"))


def _add_tag(data: bytes, tag: bytes) -> bytes:
    """Put one more tag on an already serialized line."""
    if data[:1] == b"@":
        return b"@" + tag + b";" + data[1:]
    return b"@" + tag + b" " + data
