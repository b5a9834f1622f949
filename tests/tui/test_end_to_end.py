"""Two real apps on one real server (ServerThread, 127.0.0.1, port 0), built as host and join do."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Callable
from pathlib import Path

from textual.pilot import Pilot

from tests.client.conftest import Miniircd
from tui_chat.cli import _how_friends_join, chat_app, start_host_server
from tui_chat.config import Settings
from tui_chat.server.tls import ensure_self_signed, server_context
from tui_chat.tui.app import ChatApp

SIZE = (100, 30)
# Seconds any one thing may take to show up over loopback.
WAIT = 20.0


async def until(pilot: Pilot, condition: Callable[[], bool]) -> None:
    """Let the app run until `condition` holds; the timeout makes a failure fail fast."""
    async with asyncio.timeout(WAIT):
        while not condition():
            await pilot.pause(0.02)


def members(app: ChatApp, room: str) -> set[str]:
    window = app.windows.get(room)
    return {member.nick for member in window.members.values()} if window else set()


def prefix_of(app: ChatApp, room: str, nick: str) -> str:
    window = app.windows.get(room)
    member = window.members.get(nick) if window else None
    return member.prefixes[:1] if member else ""


def said(app: ChatApp, room: str, text: str) -> bool:
    return any(line.endswith(text) for line in app.log_lines(room))


def refuses_connections(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(WAIT)
        return probe.connect_ex(("127.0.0.1", port)) != 0


async def test_host_and_a_friend_chat_then_host_quits_cleanly() -> None:
    threads_before = set(threading.enumerate())
    server, (_, port), oper = start_host_server("127.0.0.1", 0)
    try:
        host = chat_app(
            Settings(nick="hostess", bell_on_mention=False), "127.0.0.1", port, oper=oper
        )
        friend = chat_app(Settings(nick="friend", bell_on_mention=False), "127.0.0.1", port)
        async with host.run_test(size=SIZE) as host_pilot:
            await until(host_pilot, lambda: host.current_key == "#lobby")
            async with friend.run_test(size=SIZE) as friend_pilot:
                await until(
                    friend_pilot, lambda: members(friend, "#lobby") >= {"hostess", "friend"}
                )
                await until(host_pilot, lambda: "friend" in members(host, "#lobby"))
                # The host runs the room: an operator in everyone's member list.
                await until(friend_pilot, lambda: prefix_of(friend, "#lobby", "hostess") == "@")

                await host_pilot.press(*"hello friend", "enter")
                await until(friend_pilot, lambda: said(friend, "#lobby", "hello friend"))
                await friend_pilot.press(*"hi host", "enter")
                await until(host_pilot, lambda: said(host, "#lobby", "hi host"))

                # A private conversation opens on the receiving side by itself.
                await friend_pilot.press(*"/msg hostess psst", "enter")
                await until(host_pilot, lambda: said(host, "friend", "psst"))

                await host_pilot.press("ctrl+q")
                await until(friend_pilot, lambda: "hostess" not in members(friend, "#lobby"))
                await friend_pilot.press("ctrl+q")
    finally:
        server.stop()
    assert refuses_connections(port)
    stray = {t for t in threading.enumerate() if t not in threads_before and t.is_alive()}
    assert not stray


async def test_joining_a_closed_port_says_so_instead_of_crashing() -> None:
    with socket.socket() as spare:
        spare.bind(("127.0.0.1", 0))
        port = spare.getsockname()[1]
    app = chat_app(Settings(nick="lonely"), "127.0.0.1", port)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: any("refused" in line for line in app.log_lines("")))
        status = str(app.screen.query_one("#status").render())
        assert "disconnected" in status


async def test_a_taken_nick_does_not_stop_a_second_person_joining() -> None:
    taken = "hostess"
    server, (_, port), _ = start_host_server("127.0.0.1", 0)
    try:
        first = chat_app(Settings(nick=taken), "127.0.0.1", port)
        second = chat_app(Settings(nick=taken), "127.0.0.1", port)
        async with first.run_test(size=SIZE) as first_pilot:
            await until(first_pilot, lambda: first.current_key == "#lobby")
            async with second.run_test(size=SIZE) as second_pilot:
                await until(second_pilot, lambda: second.current_key == "#lobby")
                assert second.nick != taken
                await second_pilot.press("ctrl+q")
            await first_pilot.press("ctrl+q")
    finally:
        server.stop()


async def test_two_apps_chat_on_a_server_no_one_here_wrote() -> None:
    miniircd = Miniircd()
    await miniircd.start()
    try:
        port = miniircd.port
        ann = chat_app(Settings(nick="ann"), "127.0.0.1", port, rooms=("#test",))
        ben = chat_app(Settings(nick="ben"), "127.0.0.1", port, rooms=("#test",))
        async with ann.run_test(size=SIZE) as ann_pilot, ben.run_test(size=SIZE) as ben_pilot:
            await until(ann_pilot, lambda: members(ann, "#test") >= {"ann", "ben"})
            await until(ben_pilot, lambda: ben.current_key == "#test")
            await ben_pilot.press(*"/me waves", "enter")
            await until(ann_pilot, lambda: said(ann, "#test", "ben waves"))
            await ann_pilot.press("ctrl+q")
            await until(ben_pilot, lambda: "ann" not in members(ben, "#test"))
            await ben_pilot.press("ctrl+q")
    finally:
        await miniircd.stop()


async def test_the_host_kicks_and_bans_and_the_friend_is_told_why() -> None:
    server, (_, port), oper = start_host_server("127.0.0.1", 0)
    try:
        host = chat_app(Settings(nick="hostess"), "127.0.0.1", port, oper=oper)
        friend = chat_app(Settings(nick="friend"), "127.0.0.1", port)
        async with host.run_test(size=SIZE) as host_pilot:
            await until(host_pilot, lambda: host.current_key == "#lobby")
            async with friend.run_test(size=SIZE) as friend_pilot:
                await until(host_pilot, lambda: "friend" in members(host, "#lobby"))
                await host_pilot.press(*"/ban friend", "enter")
                await host_pilot.press(*"/kick friend too loud", "enter")
                await until(friend_pilot, lambda: not friend.windows.get("#lobby").active)  # type: ignore[union-attr]
                assert said(friend, "#lobby", "hostess kicked you out (too loud).")
                await friend_pilot.press(*"/join #lobby", "enter")
                await until(
                    friend_pilot,
                    lambda: any("banned" in line.lower() for line in friend.log_lines("#lobby")),
                )
                await friend_pilot.press("ctrl+q")
            await host_pilot.press("ctrl+q")
    finally:
        server.stop()


async def test_a_tls_host_reaches_its_own_server_and_shows_the_fingerprint(
    tmp_path: Path,
) -> None:
    certificate = ensure_self_signed(tmp_path / "cert.pem", tmp_path / "key.pem")
    context = server_context(certificate.cert_path, certificate.key_path)
    server, (_, port), oper = start_host_server("127.0.0.1", 0, ssl_context=context)
    banner = _how_friends_join("0.0.0.0", port, certificate.fingerprint)
    try:
        host = chat_app(
            Settings(nick="hostess", bell_on_mention=False),
            "127.0.0.1",
            port,
            oper=oper,
            banner=banner,
            tls=True,
            ca_file=certificate.cert_path,
        )
        async with host.run_test(size=SIZE) as pilot:
            await until(pilot, lambda: prefix_of(host, "#lobby", "hostess") == "@")
            lobby = host.log_lines("#lobby")
            assert any(line.endswith(f"{port} --tls") for line in lobby)
            assert any(line.endswith(certificate.fingerprint) for line in lobby)
            # Checked against the certificate it serves: no pin written anywhere.
            assert said(host, "", f"authority (fingerprint {certificate.fingerprint}).")
            await pilot.press("ctrl+q")
    finally:
        server.stop()
