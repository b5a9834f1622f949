"""A TCP relay between a client and a real server that can cut the link at a chosen line.

It forwards whole lines both ways and records them. `cut_at(direction, text)`
arms a one-shot trap: the first PRIVMSG going that way ("up" to the server,
"down" to the client) whose text is `text` is swallowed, and both sides of that
connection are closed, the server's first, so the server has let the user go
before the client can reconnect. That loses exactly one line, deterministically.
With `keep_server` only the client's side is closed: the server keeps a ghost
of the user, as after a network loss it has not noticed yet.

`freeze()` makes the links open now drop every line from then on without
closing anything: a link that died silently, which only the client's ping
timeout can notice.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass

from tui_chat.irc.message import Message, ParseError, parse

from .helpers import WAIT, LocalListener


def says(line: str, text: str) -> bool:
    """Whether `line` is a PRIVMSG whose text is `text`."""
    try:
        msg: Message = parse(line)
    except ParseError:
        return False
    return msg.command == "PRIVMSG" and msg.param(1) == text


@dataclass
class Link:
    client: asyncio.StreamWriter
    server: asyncio.StreamWriter
    # Cut on the client's side only: the server's side is left open.
    ghost: bool = False
    # Lines are dropped both ways, nothing is closed.
    frozen: bool = False


class CuttingProxy(LocalListener):
    def __init__(self, upstream: tuple[str, int]) -> None:
        super().__init__()
        self._upstream = upstream
        self._trap: tuple[str, str, bool] | None = None
        # (direction, line without CRLF) of every line seen, the swallowed one included.
        self.lines: list[tuple[str, str]] = []
        self.cut = asyncio.Event()
        self._links: list[Link] = []

    def cut_at(self, direction: str, text: str, *, keep_server: bool = False) -> None:
        self._trap = (direction, text, keep_server)
        self.cut.clear()

    def freeze(self) -> None:
        for link in self._links:
            link.frozen = True

    def sent_up(self, text: str) -> list[str]:
        """The PRIVMSG lines saying `text` the client sent (or tried to)."""
        return [line for way, line in self.lines if way == "up" and says(line, text)]

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        async with asyncio.timeout(WAIT):
            up_reader, up_writer = await asyncio.open_connection(*self._upstream)
        self._writers += [writer, up_writer]
        link = Link(writer, up_writer)
        self._links.append(link)
        await asyncio.gather(
            self._pump(reader, up_writer, "up", link), self._pump(up_reader, writer, "down", link)
        )

    async def _pump(
        self,
        source: asyncio.StreamReader,
        sink: asyncio.StreamWriter,
        direction: str,
        link: Link,
    ) -> None:
        with contextlib.suppress(OSError):
            while raw := await source.readline():
                line = raw.decode("utf-8", "replace").rstrip("\r\n")
                self.lines.append((direction, line))
                trap = self._trap
                if trap is not None and trap[0] == direction and says(line, trap[1]):
                    self._trap = None
                    link.ghost = trap[2]
                    if not link.ghost:
                        link.server.close()
                    link.client.close()
                    self.cut.set()
                    return
                if link.frozen:
                    continue
                sink.write(raw)
                await sink.drain()
        if not (link.ghost and sink is link.server):
            sink.close()
