"""Owners' and operators' NickServ commands on a real server: PASSWD, DROP, SADROP, SAPASSWD..."""

from __future__ import annotations

import signal
import sqlite3
from pathlib import Path

import pytest

from e2e.conftest import Address, Connect, StartServer
from e2e.ircpeer import IrcPeer, match
from e2e.test_e2e_accounts import (
    PASSWORD,
    register_account,
    sasl_login,
    scram_login,
    start_negotiation,
)
from e2e.test_e2e_serve_cli import finish, start_serve
from tui_chat.cli import OPER_PASSWORD_ENV
from tui_chat.irc.message import Message

OPER = ("boss", "oper secret")
NEW_PASSWORD = "a brand new one"


def from_nickserv(m: Message) -> bool:
    return m.command == "NOTICE" and m.nick == "NickServ"


async def says(peer: IrcPeer, line: str, expected: str) -> Message:
    """Send `line` to NickServ; its NOTICE that holds `expected`."""
    await peer.send(line)
    return await peer.expect(lambda m: from_nickserv(m) and expected in m.params[-1])


async def operator(connect: Connect, address: Address, nick: str = "op") -> IrcPeer:
    peer = await connect(address, nick)
    await peer.request(f"OPER {OPER[0]} :{OPER[1]}", "381")
    return peer


async def logs_in(connect: Connect, address: Address, account: str, password: str) -> str:
    """The numeric a fresh connection's SASL PLAIN login to `account` ends with."""
    peer = await connect(address)
    await start_negotiation(peer, f"try{account}")
    return (await sasl_login(peer, account, password)).command


def start(start_server: StartServer, **fields: object) -> Address:
    return start_server(history_db=":memory:", operators=dict([OPER]), **fields)


async def registered(connect: Connect, address: Address, nick: str, password: str) -> IrcPeer:
    """A connection that registered `nick` with `password` (one word) and is logged in."""
    peer = await connect(address)
    await start_negotiation(peer, nick, "sasl draft/account-registration")
    await peer.send(f"REGISTER * * :{password}", "CAP END")
    await peer.expect("001")
    return peer


async def test_owner_changes_password_old_one_stops_working(
    connect: Connect, start_server: StartServer
) -> None:
    address = start(start_server)
    bob = await registered(connect, address, "bob", "hunter22")
    await says(bob, "NS PASSWD wrongpass newpass1", "invalid")
    await says(bob, "NS PASSWD hunter22 short", "Passwords need at least")
    await says(bob, "NS PASSWD hunter22", "Usage")
    await says(bob, "NS PASSWD hunter22 newpass1 typo", "differ")
    await says(bob, "PRIVMSG NickServ :PASSWD hunter22 swordfish9 swordfish9", "Password changed")
    assert await logs_in(connect, address, "bob", "hunter22") == "904"
    assert await logs_in(connect, address, "bob", "swordfish9") == "903"
    guest = await connect(address, "guest")
    await says(guest, "NS PASSWD a b", "not logged in")


async def test_password_change_replaces_the_scram_key(
    connect: Connect, start_server: StartServer
) -> None:
    address = start(start_server, sasl_scram=True)
    carol = await registered(connect, address, "carol", "oldpassword")
    await says(carol, "NS PASSWD oldpassword newpassword", "Password changed")
    for password, outcome in (("oldpassword", "904"), ("newpassword", "903")):
        peer = await connect(address)
        await start_negotiation(peer, "scram")
        assert (await scram_login(peer, "carol", password)).command == outcome


async def test_owner_drops_own_account_and_the_nick_is_free(
    connect: Connect, start_server: StartServer
) -> None:
    address = start(start_server)
    dave = await register_account(connect, address, "dave")
    await says(dave, "NS DROP notdave whatever", "only your own account, dave")
    await says(dave, "NS DROP dave wrong password", "invalid")
    await dave.send(f"NS DROP dave {PASSWORD}")
    await dave.expect_numeric("901")
    await dave.expect(lambda m: from_nickserv(m) and "Dropped the account dave" in m.params[-1])
    assert await logs_in(connect, address, "dave", PASSWORD) == "904"
    # The name is free: registering it again (here by the same person) works.
    await dave.send(f"REGISTER * * :{PASSWORD}")
    assert (await dave.expect("REGISTER")).params[:2] == ["SUCCESS", "dave"]


async def test_operator_tools_need_oper(connect: Connect, start_server: StartServer) -> None:
    address = start(start_server)
    await register_account(connect, address, "erin")
    mallory = await connect(address, "mallory")
    for line in ("NS SADROP erin", "NS SAPASSWD erin x1234567", "NS LIST", "NS INFO erin"):
        await mallory.send(line)
        assert (await mallory.expect_numeric("481")).params[0] == "mallory"
    await mallory.send("PRIVMSG NickServ :SAREGISTER zed password1")
    await mallory.expect_numeric("481")
    assert await logs_in(connect, address, "erin", PASSWORD) == "903"


async def test_operator_drops_an_account_its_session_becomes_a_guest(
    connect: Connect, start_server: StartServer
) -> None:
    address = start(start_server)
    frank = await register_account(connect, address, "frank")
    watcher = await connect(address, "watcher")
    boss = await operator(connect, address)
    await says(boss, "NS SADROP nobody", "There is no account nobody")
    await says(boss, "NS SADROP frank", "Dropped the account frank")
    out = await frank.expect_numeric("901")
    assert out.params[0] == "frank"
    renamed = await frank.expect(match("NICK", "frank"))
    guest = renamed.params[0]
    assert guest.startswith("Guest")
    told = await frank.expect(from_nickserv)
    assert "dropped by a server operator" in told.params[-1] and guest in told.params[-1]
    await watcher.expect(match("NICK", "frank", guest))
    # The nick is free for anyone now, and the account is gone from the store.
    await watcher.send("NICK frank")
    await watcher.expect(match("NICK", "watcher", "frank"))
    assert await logs_in(connect, address, "frank", PASSWORD) == "904"


async def test_operator_resets_a_forgotten_password(
    connect: Connect, start_server: StartServer
) -> None:
    address = start(start_server)
    gina = await register_account(connect, address, "gina")
    await gina.send("QUIT")
    boss = await operator(connect, address)
    await says(boss, "NS SAPASSWD gina short", "at least 8")
    await says(boss, f"NS SAPASSWD gina {NEW_PASSWORD}", "Password of gina set")
    assert await logs_in(connect, address, "gina", PASSWORD) == "904"
    assert await logs_in(connect, address, "gina", NEW_PASSWORD) == "903"


async def test_operator_registers_lists_and_inspects(
    connect: Connect, start_server: StartServer
) -> None:
    address = start(start_server)
    boss = await operator(connect, address)
    await says(boss, "NS SAREGISTER hal two words", "Registered hal")
    await says(boss, "NS SAREGISTER hal two words", "already exists")
    await says(boss, "NS SAREGISTER #bad password1", "not a nick anyone can keep")
    await says(boss, "NS SAREGISTER guest123 password1", "not a nick anyone can keep")
    await says(boss, "NS SAREGISTER ivy ivy password", "Registered ivy")
    assert await logs_in(connect, address, "hal", "two words") == "903"
    await boss.send("NS LIST")
    got: list[Message] = []
    await boss.expect(
        lambda m: from_nickserv(m) and "Accounts matching" in m.params[-1], skipped=got
    )
    assert [m.params[-1] for m in got if from_nickserv(m)] == ["hal", "ivy"]
    await says(boss, "NS LIST h*", "Accounts matching h*: 1")
    await boss.send("NS INFO hal")
    lines: list[Message] = []
    await boss.expect(
        lambda m: from_nickserv(m) and m.params[-1].startswith("Password"), skipped=lines
    )
    text = [m.params[-1] for m in lines if from_nickserv(m)]
    assert text[0] == "Account hal"
    assert text[1].startswith("Registered: 20")
    assert text[2].startswith("Last login: 20")
    assert text[3] == "Logged in now: tryhal"


async def test_owner_sees_own_info(connect: Connect, start_server: StartServer) -> None:
    address = start(start_server)
    jo = await register_account(connect, address, "jo")
    await says(jo, "NS INFO", "Account jo")
    await says(jo, "NS HELP", "SADROP <account>")
    await says(jo, "NS FROB", "Unknown command")


async def test_admin_changes_reach_the_file(
    tmp_path: Path, connect: Connect, start_server: StartServer
) -> None:
    db = tmp_path / "accounts.sqlite3"
    address = start_server(history_db=str(db), operators=dict([OPER]))
    await register_account(connect, address, "kim")
    await register_account(connect, address, "lee")
    boss = await operator(connect, address)
    await says(boss, "NS SADROP kim", "Dropped")
    await says(boss, f"NS SAPASSWD lee {NEW_PASSWORD}", "set")
    conn = sqlite3.connect(db)
    try:
        rows = dict(conn.execute("SELECT key, password FROM accounts").fetchall())
    finally:
        conn.close()
    assert list(rows) == ["lee"]
    from tui_chat.server.accounts.verifiers import check_password

    assert check_password(NEW_PASSWORD, rows["lee"])


async def test_a_guest_nick_cannot_be_registered(
    connect: Connect, start_server: StartServer
) -> None:
    """QA F19: a temporary Guest nick must not become an account (nor Guest12 GUEST12)."""
    address = start(start_server)
    owner = await register_account(connect, address, "mia")
    await owner.send("QUIT")
    await owner.closed()
    # Renamed to a guest for holding someone's nick, then trying to keep the guest name.
    squatter = await connect(address)
    burst = await squatter.register("mia", caps=["draft/account-registration"])
    guest = burst[-1].params[0]
    assert guest.startswith("Guest")
    for name in ("*", guest, guest.upper()):
        if name != "*":
            await squatter.send(f"NICK {name}")
        await squatter.send(f"REGISTER {name} * :{PASSWORD}")
        refused = await squatter.expect("FAIL")
        assert refused.params[:2] == ["REGISTER", "BAD_ACCOUNT_NAME"], refused.serialize()
        assert "temporary guest nick" in refused.params[-1]
    # A name that only starts like one is fine.
    await squatter.send("NICK Guestbook", f"REGISTER * * :{PASSWORD}")
    assert (await squatter.expect("REGISTER")).params[:2] == ["SUCCESS", "Guestbook"]


async def test_serve_oper_can_use_the_operator_tools(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """`serve --oper NAME` with the password from the environment: NickServ SAREGISTER works."""
    monkeypatch.setenv(OPER_PASSWORD_ENV, "env secret")
    proc, address, _ = await start_serve("--oper", "admin", "--db", str(tmp_path / "s.sqlite3"))
    try:
        admin = await IrcPeer.connect(address)
        await admin.register("admin")
        await admin.request("OPER admin :env secret", "381")
        await says(admin, "NS SAREGISTER nora norapass1", "Registered nora")
        await admin.request("OPER admin :wrong", "464")
        proc.send_signal(signal.SIGTERM)
        await admin.closed()
        await admin.close()
    except BaseException:
        proc.kill()
        raise
    code, log = await finish(proc)
    assert code == 0, log
    assert "env secret" not in log and "operator admin registered the account nora" in log
