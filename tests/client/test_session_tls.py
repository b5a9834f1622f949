"""ClientSession over TLS to our server with a self-signed certificate: pinned on first use."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tui_chat.client.events import ConnectionStateChanged, Registered, ServerInfo
from tui_chat.client.session import ConnectOptions
from tui_chat.server.config import ServerConfig
from tui_chat.server.core import ServerCore
from tui_chat.server.listener import Listener
from tui_chat.server.tls import ensure_self_signed, server_context

from .helpers import running


@pytest.fixture
async def tls_server(tmp_path: Path) -> AsyncIterator[tuple[str, int]]:
    cert = ensure_self_signed(tmp_path / "cert.pem", tmp_path / "key.pem", ["127.0.0.1"])
    listener = Listener(ServerCore(ServerConfig()))
    address = await listener.listen(
        "127.0.0.1", 0, ssl_context=server_context(cert.cert_path, cert.key_path)
    )
    yield address
    await listener.close()


async def test_first_connection_pins_then_matches(
    tls_server: tuple[str, int], tmp_path: Path
) -> None:
    known = tmp_path / "known_servers"
    options = ConnectOptions(*tls_server, "alice", tls=True, known_servers=known)
    async with running(options) as run:
        await run.events.wait(Registered)
        trust = await run.events.wait(ServerInfo, lambda e: e.code == "TLS")
        assert trust.text.startswith(f"First connection to 127.0.0.1:{tls_server[1]}.")
    assert known.read_text().count("SHA256:") == 1
    async with running(options) as run:
        await run.events.wait(Registered)
        trust = await run.events.wait(ServerInfo, lambda e: e.code == "TLS")
        assert "matches the one remembered" in trust.text


async def test_changed_certificate_is_fatal_and_says_why(
    tls_server: tuple[str, int], tmp_path: Path
) -> None:
    known = tmp_path / "known_servers"
    other = "SHA256:" + ":".join(["00"] * 32)
    known.write_text(f"127.0.0.1:{tls_server[1]} {other}\n")
    options = ConnectOptions(*tls_server, "alice", tls=True, known_servers=known)
    async with running(options) as run:
        final = await run.events.wait(ConnectionStateChanged, lambda e: e.fatal)
        assert final.detail.startswith("WARNING: the certificate of 127.0.0.1:")
        assert other in final.detail
        assert not run.events.of(Registered)
