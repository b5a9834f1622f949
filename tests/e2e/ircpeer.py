"""A small async IRC client for end-to-end tests: raw lines over a real socket.

It is deliberately not `tui_chat.client`: tests of the server should not
depend on our own client being right. Every wait is bounded by a timeout,
and a failed `expect` shows the lines that did arrive.
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Callable, Iterable

from tui_chat.irc.casemap import casefold
from tui_chat.irc.message import Message, parse

__all__ = ["DEFAULT_TIMEOUT", "END_OF_BURST", "IrcPeer", "PeerClosed", "match"]

# Seconds any single wait may take; generous for a loaded 2-core CI box.
DEFAULT_TIMEOUT = 5.0
# RPL_ENDOFMOTD and ERR_NOMOTD: either one ends the registration burst.
END_OF_BURST = frozenset({"376", "422"})

Matcher = str | Callable[[Message], bool]


class PeerClosed(AssertionError):
    """The server closed the connection while we were waiting for a line."""


def match(command: str, nick: str | None = None, *params: str) -> Callable[[Message], bool]:
    """Predicate: `command` from `nick` (any if None) whose first params are `params`."""

    def check(m: Message) -> bool:
        return (
            m.command == command
            and (nick is None or m.nick == nick)
            and m.params[: len(params)] == list(params)
        )

    return check


def _matches(msg: Message, what: Matcher) -> bool:
    return msg.command == what.upper() if isinstance(what, str) else what(msg)


class IrcPeer:
    """One raw IRC connection. `seen` keeps every line received, in order."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        self.seen: list[Message] = []
        self.nick: str | None = None
        self.caps_offered: dict[str, str] = {}
        self.auto_pong = True
        self._pending: list[Message] = []
        self._sync_counter = 0

    @classmethod
    async def connect(
        cls,
        address: tuple[str, int],
        timeout: float = DEFAULT_TIMEOUT,
        *,
        tls: ssl.SSLContext | None = None,
    ) -> IrcPeer:
        """Open a connection; with `tls`, a TLS one whose certificate must name localhost."""
        async with asyncio.timeout(timeout):
            reader, writer = await asyncio.open_connection(
                *address, ssl=tls, server_hostname="localhost" if tls else None
            )
        return cls(reader, writer)

    async def send(self, *lines: str) -> None:
        await self.send_raw(b"".join(line.encode() + b"\r\n" for line in lines))

    async def send_raw(self, data: bytes) -> None:
        self.writer.write(data)
        await self.writer.drain()

    async def _read(self) -> Message:
        if self._pending:
            return self._pending.pop(0)
        while True:
            raw = await self.reader.readline()
            if not raw:
                raise PeerClosed(f"connection closed; last lines: {self._tail()}")
            line = raw.decode("utf-8", "surrogateescape").rstrip("\r\n")
            if not line:
                continue
            msg = parse(line)
            self.seen.append(msg)
            if msg.command == "PING" and self.auto_pong:
                await self.send(f"PONG :{msg.param(0)}")
                continue
            return msg

    def _tail(self, count: int = 15) -> list[str]:
        return [m.serialize() for m in self.seen[-count:]]

    async def expect(
        self,
        what: Matcher,
        timeout: float = DEFAULT_TIMEOUT,
        *,
        skipped: list[Message] | None = None,
    ) -> Message:
        """The next message matching `what` (a command/numeric or a predicate).

        Messages before it are dropped, or appended to `skipped` if given.
        """
        try:
            async with asyncio.timeout(timeout):
                while True:
                    msg = await self._read()
                    if _matches(msg, what):
                        return msg
                    if skipped is not None:
                        skipped.append(msg)
        except TimeoutError:
            raise AssertionError(
                f"{self.nick}: no {what!r} within {timeout} s; last lines: {self._tail()}"
            ) from None

    async def expect_numeric(self, numeric: str, timeout: float = DEFAULT_TIMEOUT) -> Message:
        """The next `numeric` reply; fails at once if another error numeric comes first."""

        def is_reply(m: Message) -> bool:
            return m.command == numeric or (m.command.isdigit() and m.command[0] in "45")

        msg = await self.expect(is_reply, timeout)
        assert msg.command == numeric, f"expected {numeric}, got {msg.serialize()}"
        return msg

    async def request(self, line: str, numeric: str, timeout: float = DEFAULT_TIMEOUT) -> Message:
        """Send `line` and return the `numeric` it is answered with."""
        await self.send(line)
        return await self.expect_numeric(numeric, timeout)

    async def sync(self, timeout: float = DEFAULT_TIMEOUT) -> list[Message]:
        """Everything the server sent before it answered a fresh PING.

        The server handles one connection's lines in order, so this is how a
        test proves something did NOT arrive, without sleeping.
        """
        self._sync_counter += 1
        token = f"sync{self._sync_counter}"
        await self.send(f"PING {token}")
        before: list[Message] = []
        await self.expect(
            lambda m: m.command == "PONG" and m.params[-1:] == [token], timeout, skipped=before
        )
        return before

    async def register(
        self,
        nick: str,
        *,
        caps: Iterable[str] = (),
        user: str | None = None,
        password: str | None = None,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> list[Message]:
        """Register as `nick`, negotiating `caps`; returns the burst up to end of MOTD."""
        caps = list(caps)
        self.nick = nick
        lines = []
        if caps:
            lines.append("CAP LS 302")
        if password is not None:
            lines.append(f"PASS {password}")
        lines += [f"NICK {nick}", f"USER {user or nick.lower()} 0 * :{nick} test"]
        await self.send(*lines)
        if caps:
            await self._negotiate(caps, timeout)
        burst: list[Message] = []
        burst.append(await self.expect("001", timeout, skipped=burst))
        burst.append(await self.expect(lambda m: m.command in END_OF_BURST, timeout, skipped=burst))
        return burst

    async def _negotiate(self, caps: list[str], timeout: float) -> None:
        while True:
            ls = await self.expect(lambda m: m.command == "CAP" and m.param(1) == "LS", timeout)
            for item in ls.params[-1].split():
                name, _, value = item.partition("=")
                self.caps_offered[name] = value
            if ls.param(2) != "*":
                break
        missing = [c for c in caps if c not in self.caps_offered]
        assert not missing, f"server does not offer {missing}; offered {sorted(self.caps_offered)}"
        await self.send(f"CAP REQ :{' '.join(caps)}")
        ack = await self.expect(
            lambda m: m.command == "CAP" and m.param(1) in ("ACK", "NAK"), timeout
        )
        assert ack.param(1) == "ACK", f"caps refused: {ack.serialize()}"
        assert sorted(ack.params[-1].split()) == sorted(caps)
        await self.send("CAP END")

    async def join(
        self, channel: str, key: str | None = None, timeout: float = DEFAULT_TIMEOUT
    ) -> list[Message]:
        """Join and wait for the end of NAMES; returns what came on the way."""
        await self.send(f"JOIN {channel} {key}" if key else f"JOIN {channel}")
        folded = casefold(channel)
        got: list[Message] = []
        end = await self.expect(
            lambda m: m.command == "366" and casefold(m.param(1)) == folded, timeout, skipped=got
        )
        got.append(end)
        return got

    async def closed(self, timeout: float = DEFAULT_TIMEOUT) -> list[Message]:
        """Read until the server closes the connection; returns the last messages."""
        rest: list[Message] = []
        async with asyncio.timeout(timeout):
            while True:
                try:
                    rest.append(await self._read())
                except (PeerClosed, ConnectionError):
                    return rest

    async def close(self) -> None:
        self.writer.close()
        try:
            async with asyncio.timeout(DEFAULT_TIMEOUT):
                await self.writer.wait_closed()
        except (ConnectionError, TimeoutError):
            pass
