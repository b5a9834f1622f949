"""TLS over real sockets on 127.0.0.1: pinning, CA verification, wrong-protocol ports."""

from __future__ import annotations

import asyncio
import datetime as dt
import ssl
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tls.certs import TinyCA
from tui_chat.client.pinning import (
    KnownServers,
    PinMismatchError,
    PinStatus,
    TLSConnection,
    describe_tls_error,
    open_tls_connection,
)
from tui_chat.server.config import ServerConfig
from tui_chat.server.core import ServerCore
from tui_chat.server.listener import Listener
from tui_chat.server.tls import ServerCertificate, ensure_self_signed, server_context

# Seconds any single network step of these tests may take before it fails.
STEP = 5.0
Address = tuple[str, int]


@dataclass
class EchoServer:
    """A TLS line-echo server; `sessions` gets every connection's received bytes at its end."""

    address: Address
    server: asyncio.Server
    sessions: asyncio.Queue[bytes] = field(default_factory=asyncio.Queue)


StartEcho = Callable[..., Awaitable[EchoServer]]


@pytest.fixture
async def start_echo() -> AsyncIterator[StartEcho]:
    servers: list[asyncio.Server] = []

    async def start(cert_path: Path, key_path: Path, port: int = 0) -> EchoServer:
        sessions: asyncio.Queue[bytes] = asyncio.Queue()

        async def echo(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            received = bytearray()
            try:
                while line := await reader.readline():
                    received += line
                    writer.write(line)
                    await writer.drain()
            except (ConnectionError, ssl.SSLError):
                pass
            finally:
                writer.close()
                sessions.put_nowait(bytes(received))

        server = await asyncio.start_server(
            echo, "127.0.0.1", port, ssl=server_context(cert_path, key_path)
        )
        servers.append(server)
        host, bound = server.sockets[0].getsockname()[:2]
        return EchoServer((host, bound), server, sessions)

    yield start
    for server in servers:
        server.close()
        await server.wait_closed()


@pytest.fixture
def known(tmp_path: Path) -> KnownServers:
    return KnownServers(tmp_path / "known_servers")


def self_signed(folder: Path) -> ServerCertificate:
    return ensure_self_signed(folder / "cert.pem", folder / "key.pem", ["localhost", "127.0.0.1"])


async def echo_once(connection: TLSConnection, line: bytes = b"hello over TLS\r\n") -> bytes:
    connection.writer.write(line)
    async with asyncio.timeout(STEP):
        return await connection.reader.readline()


async def close(connection: TLSConnection) -> None:
    connection.writer.close()
    async with asyncio.timeout(STEP):
        await connection.writer.wait_closed()


async def test_first_use_pins_the_certificate_then_it_matches(
    tmp_path: Path, start_echo: StartEcho, known: KnownServers
) -> None:
    cert = self_signed(tmp_path)
    echo = await start_echo(cert.cert_path, cert.key_path)

    first = await open_tls_connection(*echo.address, known_servers=known, timeout=STEP)
    assert first.trust.pin is not None and first.trust.pin.status is PinStatus.NEW
    assert first.trust.fingerprint == cert.fingerprint
    assert cert.fingerprint in first.trust.message
    assert await echo_once(first) == b"hello over TLS\r\n"
    assert first.writer.get_extra_info("ssl_object").version() in {"TLSv1.2", "TLSv1.3"}
    await close(first)

    second = await open_tls_connection(*echo.address, known_servers=known, timeout=STEP)
    assert second.trust.pin is not None and second.trust.pin.status is PinStatus.MATCH
    assert await echo_once(second) == b"hello over TLS\r\n"
    await close(second)
    assert known.pins(*echo.address) == {cert.fingerprint}


async def test_a_changed_certificate_is_refused_before_anything_is_sent(
    tmp_path: Path, start_echo: StartEcho, known: KnownServers
) -> None:
    old = self_signed(tmp_path / "old")
    first_run = await start_echo(old.cert_path, old.key_path)
    await close(await open_tls_connection(*first_run.address, known_servers=known, timeout=STEP))
    first_run.server.close()
    await first_run.server.wait_closed()

    # The host restarts on the same port with a new certificate.
    new = self_signed(tmp_path / "new")
    second_run = await start_echo(new.cert_path, new.key_path, port=first_run.address[1])
    with pytest.raises(PinMismatchError) as refused:
        await open_tls_connection(*second_run.address, known_servers=known, timeout=STEP)

    warning = describe_tls_error(refused.value)
    for needed in (old.fingerprint, new.fingerprint, str(known.path), "CHANGED", "remove the line"):
        assert needed in warning
    async with asyncio.timeout(STEP):
        assert await second_run.sessions.get() == b"", "the client sent nothing"
    assert known.pins(*second_run.address) == {old.fingerprint}


async def test_a_ca_signed_certificate_verifies_without_a_pin(
    tmp_path: Path, start_echo: StartEcho, known: KnownServers
) -> None:
    ca = TinyCA(tmp_path)
    leaf = ca.issue("server", ["localhost", "127.0.0.1"])
    echo = await start_echo(leaf.cert_path, leaf.key_path)

    connection = await open_tls_connection(
        *echo.address, known_servers=known, ca_file=ca.cert_path, timeout=STEP
    )
    assert connection.trust.pin is None
    assert "trusted authority" in connection.trust.message
    assert await echo_once(connection) == b"hello over TLS\r\n"
    await close(connection)
    assert not known.path.exists(), "CA-verified servers are not pinned"


@pytest.mark.parametrize(
    ("case", "says"),
    [("expired", "certificate has expired"), ("other host", "mismatch, certificate is not valid")],
)
async def test_a_bad_ca_certificate_is_an_error_not_a_pin(
    tmp_path: Path, start_echo: StartEcho, known: KnownServers, case: str, says: str
) -> None:
    ca = TinyCA(tmp_path)
    now = dt.datetime.now(dt.UTC)
    if case == "expired":
        leaf = ca.issue(
            "server", ["127.0.0.1"], not_before=now - dt.timedelta(days=9), not_after=now
        )
    else:
        leaf = ca.issue("server", ["chat.example"])
    # load_certificate would refuse the expired one; the server context does not look.
    echo = await start_echo(leaf.cert_path, leaf.key_path)

    with pytest.raises(ssl.SSLCertVerificationError) as failed:
        await open_tls_connection(
            *echo.address, known_servers=known, ca_file=ca.cert_path, timeout=STEP
        )
    assert says in describe_tls_error(failed.value)
    assert not known.path.exists()


@pytest.fixture
async def irc_server() -> AsyncIterator[Listener]:
    """Our real server core and listener on this test's loop."""
    listener = Listener(ServerCore(ServerConfig()))
    yield listener
    await listener.close()


async def register(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, nick: str) -> bytes:
    writer.write(f"NICK {nick}\r\nUSER {nick} 0 * :{nick}\r\n".encode())
    async with asyncio.timeout(STEP):
        return await reader.readline()


async def quit_irc(connection: TLSConnection) -> None:
    """QUIT and read to the server's close, so no reply is still in flight when we close."""
    connection.writer.write(b"QUIT :bye\r\n")
    async with asyncio.timeout(STEP):
        rest = await connection.reader.read()
    assert b"ERROR" in rest
    await close(connection)


async def test_our_server_over_tls_closes_a_plain_client_and_serves_a_pinned_one(
    tmp_path: Path, irc_server: Listener, known: KnownServers
) -> None:
    cert = self_signed(tmp_path)
    address = await irc_server.listen(
        "127.0.0.1", 0, ssl_context=server_context(cert.cert_path, cert.key_path)
    )
    reader, writer = await asyncio.open_connection(*address)
    assert await register(reader, writer, "plainbob") == b"", "closed, no IRC reply"
    writer.close()

    connection = await open_tls_connection(*address, known_servers=known, timeout=STEP)
    assert b" 001 alice " in await register(connection.reader, connection.writer, "alice")
    await quit_irc(connection)


async def test_a_tls_port_closes_a_connection_that_never_starts_its_handshake(
    tmp_path: Path,
) -> None:
    """Half-open TLS: the core never sees it, so only the handshake timeout can close it."""
    cert = self_signed(tmp_path)
    listener = Listener(ServerCore(ServerConfig(tls_handshake_timeout=0.3)))
    try:
        address = await listener.listen(
            "127.0.0.1", 0, ssl_context=server_context(cert.cert_path, cert.key_path)
        )
        reader, writer = await asyncio.open_connection(*address)
        # Well before asyncio's default of 60 s, and before this step's timeout.
        async with asyncio.timeout(STEP):
            assert await reader.read() == b""
        writer.close()
    finally:
        await listener.close()


async def test_a_tls_client_on_a_plain_port_fails_fast_and_readably(
    irc_server: Listener, known: KnownServers
) -> None:
    address = await irc_server.listen("127.0.0.1", 0)
    started = time.monotonic()
    with pytest.raises(ssl.SSLError) as failed:
        await open_tls_connection(*address, known_servers=known, timeout=STEP)
    assert time.monotonic() - started < STEP
    assert describe_tls_error(failed.value) == (
        "the server did not answer in TLS: the port probably speaks plain IRC"
    )
    assert not known.path.exists()


async def test_a_silent_plain_port_ends_in_the_connect_timeout(known: KnownServers) -> None:
    async def say_nothing(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read()
        writer.close()

    server = await asyncio.start_server(say_nothing, "127.0.0.1", 0)
    try:
        address = server.sockets[0].getsockname()[:2]
        started = time.monotonic()
        with pytest.raises(TimeoutError) as failed:
            await open_tls_connection(*address, known_servers=known, timeout=0.3)
        assert time.monotonic() - started < STEP
        assert "timed out" in describe_tls_error(failed.value)
    finally:
        server.close()
        await server.wait_closed()


@pytest.mark.parametrize(
    ("error", "says"),
    [
        (ConnectionResetError(104, "Connection reset by peer"), "closed the connection during"),
        (asyncio.IncompleteReadError(b"", 5), "closed the connection during"),
        (ssl.SSLError(0, "the server sent no certificate"), "TLS failed: the server sent no"),
        (OSError(113, "No route to host"), "no route to host"),
    ],
)
def test_other_tls_failures_are_one_sentence(error: BaseException, says: str) -> None:
    text = describe_tls_error(error)
    assert says in text and "\n" not in text
