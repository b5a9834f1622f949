"""ServerThread: start, stop, errors, and nothing left behind."""

from __future__ import annotations

import asyncio
import socket
import ssl
import threading
from pathlib import Path

import pytest

from e2e.conftest import StartServer
from e2e.ircpeer import IrcPeer, match
from tui_chat.irc.message import Message
from tui_chat.server.config import ServerConfig
from tui_chat.server.thread import Endpoint, ServerStartError, ServerThread
from tui_chat.server.tls import ensure_self_signed, server_context


def server_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "tui-chat-server"]


def assert_refused(address: tuple[str, int]) -> None:
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(address, timeout=5).close()


async def test_stop_sends_error_closes_sockets_and_leaves_no_thread() -> None:
    server = ServerThread(ServerConfig(), "127.0.0.1", 0)
    address = server.start()
    assert address == server.address and address[1] != 0
    peer = await IrcPeer.connect(address)
    await peer.register("alice")
    before = len(server_threads())

    stopper = threading.Thread(target=server.stop, kwargs={"reason": "Maintenance"})
    stopper.start()
    last = await peer.closed()
    stopper.join(10)

    errors = [m for m in last if m.command == "ERROR"]
    assert errors and "Maintenance" in errors[0].params[-1]
    assert not stopper.is_alive() and not server.running
    assert len(server_threads()) == before - 1
    assert_refused(address)
    server.stop()  # idempotent
    await peer.close()


def test_stop_before_start_finished_still_stops() -> None:
    server = ServerThread(ServerConfig(), "127.0.0.1", 0)
    server.request_stop()
    address = server.start()
    assert server.wait(10)
    assert_refused(address)


def test_stop_without_start_is_harmless() -> None:
    ServerThread(ServerConfig()).stop()


def test_port_in_use_is_one_readable_line() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        server = ServerThread(ServerConfig(), "127.0.0.1", port)
        with pytest.raises(ServerStartError, match=f"port {port} is already in use") as info:
            server.start()
    assert "\n" not in str(info.value)
    assert not server.running


def test_unknown_address_is_one_readable_line() -> None:
    # 192.0.2.0/24 is TEST-NET-1: never an address of this machine.
    with pytest.raises(ServerStartError, match="not an address of this machine"):
        ServerThread(ServerConfig(), "192.0.2.1", 0).start()


def test_a_server_thread_runs_once() -> None:
    server = ServerThread(ServerConfig(), "127.0.0.1", 0)
    server.start()
    server.stop()
    with pytest.raises(RuntimeError):
        server.start()


async def test_tick_drives_registration_and_ping_timeouts(start_server: StartServer) -> None:
    address = start_server(
        tick_interval=0.05, registration_timeout=0.3, ping_interval=0.2, ping_timeout=0.6
    )
    silent = await IrcPeer.connect(address)
    alive = await IrcPeer.connect(address)
    await alive.register("alive")
    mute = await IrcPeer.connect(address)
    mute.auto_pong = False
    await mute.register("mute")

    async def mute_is_dropped() -> list[Message]:
        await mute.expect("PING")
        return await mute.closed()

    # alive reads (and so answers PINGs) all the while the others time out.
    silent_last, mute_last, quit_ = await asyncio.gather(
        silent.closed(),
        mute_is_dropped(),
        alive.expect(match("QUIT", "mute")),
    )
    assert "Registration timed out" in silent_last[-1].params[-1]
    assert mute_last[-1].command == "ERROR" and "Ping timeout" in mute_last[-1].params[-1]
    assert "Ping timeout" in quit_.params[-1]
    assert [m for m in alive.seen if m.command == "PING"]
    await alive.sync()


async def test_plain_and_tls_listeners_side_by_side(tmp_path: Path) -> None:
    cert = ensure_self_signed(tmp_path / "cert.pem", tmp_path / "key.pem")
    server = ServerThread(
        ServerConfig(),
        "127.0.0.1",
        0,
        extra_endpoints=[Endpoint("127.0.0.1", 0, server_context(cert.cert_path, cert.key_path))],
    )
    plain_address = server.start()
    tls_address = server.addresses[1]
    assert plain_address != tls_address
    try:
        secure = await IrcPeer.connect(
            tls_address, tls=ssl.create_default_context(cafile=str(cert.cert_path))
        )
        await secure.register("secure")
        clear = await IrcPeer.connect(plain_address)
        await clear.register("clear")
        await secure.expect(match("JOIN", "clear"))
        await clear.request("WHOIS secure", "671")  # the core learnt it is TLS
        await clear.send("PRIVMSG #lobby :across listeners")
        assert (await secure.expect("PRIVMSG")).params[-1] == "across listeners"
        # Plain text to the TLS port never registers.
        confused = await IrcPeer.connect(tls_address)
        await confused.send("NICK confused", "USER c 0 * :C")
        assert not [m for m in await confused.closed() if m.command == "001"]
        # Stop from another thread while reading, so TLS can say goodbye properly.
        last, _ = await asyncio.gather(secure.closed(), asyncio.to_thread(server.stop))
        assert last[-1].command == "ERROR"
    finally:
        server.stop()


def test_a_failing_second_endpoint_releases_the_first() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        server = ServerThread(
            ServerConfig(), "127.0.0.1", 0, extra_endpoints=[Endpoint(*taken.getsockname())]
        )
        with pytest.raises(ServerStartError, match="already in use"):
            server.start()
    assert not server.running and server.addresses == []


async def test_throttled_input_is_released_at_the_flood_rate(start_server: StartServer) -> None:
    """Held-back lines come out one per 1/rate seconds, not on the (here 60 s) tick."""
    rate, lines = 20.0, 6
    address = start_server(flood_exempt=[], flood_burst=1, flood_rate=rate, tick_interval=60.0)
    peer = await IrcPeer.connect(address)
    await peer.register("throttled")
    # Registration spent the burst: every PING now waits for its token.
    await peer.send(*(f"PING :p{i}" for i in range(lines)))
    loop = asyncio.get_running_loop()
    arrived: list[float] = []
    # Well before the tick: only call_later can release them in time.
    async with asyncio.timeout(5):
        for i in range(lines):
            await peer.expect(lambda m, i=i: m.command == "PONG" and m.params[-1] == f"p{i}")
            arrived.append(loop.time())
    # About 1/rate (50 ms) apart: not all at once.
    assert arrived[-1] - arrived[0] >= (lines - 1) / rate * 0.8
