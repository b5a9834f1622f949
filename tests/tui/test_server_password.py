"""`--password`: a server password (PASS) on `host`, `serve` and `join`."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest
from e2e.ircpeer import IrcPeer
from e2e.test_e2e_serve_cli import finish, start_serve

from tests.tui.test_end_to_end import SIZE, members, until
from tui_chat.cli import SERVER_PASSWORD_ENV, chat_app, start_host_server
from tui_chat.config import Settings

PASSWORD = "letmein"


def settings(nick: str) -> Settings:
    return Settings(nick=nick, bell_on_mention=False)


async def refused_without(address: tuple[str, int], password: str | None) -> None:
    stranger = await IrcPeer.connect(address)
    if password is not None:
        await stranger.send(f"PASS {password}")
    await stranger.send("NICK stranger", "USER s 0 * :s")
    await stranger.expect("464")
    await stranger.closed()
    await stranger.close()


async def test_host_with_a_password_lets_in_only_who_knows_it(tmp_path: Path) -> None:
    server, address, oper = start_host_server(
        "127.0.0.1", 0, history_db=str(tmp_path / "h.sqlite3"), password=PASSWORD
    )
    try:
        await refused_without(address, None)
        await refused_without(address, "wrong")
        # The host's own app passes without typing it; a friend types it.
        host = chat_app(settings("hostie"), *address, oper=oper)
        friend = chat_app(settings("friend"), *address, server_password=PASSWORD)
        async with host.run_test(size=SIZE) as host_pilot, friend.run_test(size=SIZE) as pilot:
            await until(host_pilot, lambda: host.current_key == "#lobby")
            await until(pilot, lambda: friend.current_key == "#lobby")
            await until(host_pilot, lambda: "friend" in members(host, "#lobby"))
            await pilot.press("ctrl+q")
            await host_pilot.press("ctrl+q")
    finally:
        server.stop()


async def test_join_with_a_wrong_password_says_so(tmp_path: Path) -> None:
    server, address, _ = start_host_server("127.0.0.1", 0, password=PASSWORD)
    try:
        app = chat_app(settings("friend"), *address, server_password="nope")
        async with app.run_test(size=SIZE) as pilot:
            await until(pilot, lambda: any("password is wrong" in line for line in app.log_lines()))
            await pilot.press("ctrl+q")
    finally:
        server.stop()


async def test_serve_password_comes_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv(SERVER_PASSWORD_ENV, PASSWORD)
    proc, address, announced = await start_serve("--password", "--db", str(tmp_path / "s.db"))
    try:
        assert any(line.endswith(" --password") for line in announced), announced
        await refused_without(address, None)
        member = await IrcPeer.connect(address)
        await member.register("member", password=PASSWORD)
        proc.send_signal(signal.SIGTERM)
        await member.closed()
        await member.close()
    except BaseException:
        proc.kill()
        raise
    code, log = await finish(proc)
    assert code == 0, log
    assert PASSWORD not in log
