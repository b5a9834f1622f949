"""Logging in with SASL PLAIN while registering, against a scripted server."""

from __future__ import annotations

import base64

from tui_chat.client.events import ConnectionStateChanged, Registered, ServerInfo
from tui_chat.client.sasl import Plain, SaslLogin
from tui_chat.irc.sasl import CHUNK_SIZE

from .helpers import FakeConnection, FakeServer, running

ACCOUNT = ("alice", "correct horse")


async def negotiate_sasl(conn: FakeConnection) -> None:
    await conn.expect("USER")
    await conn.send("CAP * LS :sasl=PLAIN,EXTERNAL server-time")
    req = await conn.expect("CAP REQ")
    assert set(req.partition(":")[2].split() or req.split()[2:]) == {"sasl", "server-time"}
    await conn.send("CAP * ACK :sasl server-time")
    assert await conn.expect("AUTHENTICATE") == "AUTHENTICATE PLAIN"
    await conn.send("AUTHENTICATE +")
    payload = (await conn.expect("AUTHENTICATE")).split()[1]
    assert base64.b64decode(payload) == b"\0alice\0correct horse"


async def test_login_then_registration_goes_on() -> None:
    async with FakeServer() as server, running(server.options("alice", sasl=ACCOUNT)) as run:
        conn = await server.next_connection()
        await negotiate_sasl(conn)
        await conn.send(
            ":s 900 alice alice!u@h alice :You are now logged in as alice",
            ":s 903 alice :SASL authentication successful",
        )
        await conn.expect("CAP END")
        await conn.send(":s 001 alice :hi", ":s 422 alice :no motd")
        await run.events.wait(Registered)
        logged_in = await run.events.wait(ServerInfo, lambda e: e.code == "900")
        assert logged_in.text == "You are logged in as alice"
        assert "sasl" in run.session.state.caps


async def test_a_refused_login_stops_with_a_sentence() -> None:
    async with FakeServer() as server, running(server.options("alice", sasl=ACCOUNT)) as run:
        conn = await server.next_connection()
        await negotiate_sasl(conn)
        await conn.send(":s 904 alice :SASL authentication failed")
        final = await run.events.wait(ConnectionStateChanged, lambda e: e.fatal)
        assert final.detail == "Could not log in: wrong account name or password"
        assert not [line for line in conn.lines if line.startswith("CAP END")]


async def test_a_server_without_sasl_is_not_sent_the_password() -> None:
    async with FakeServer() as server, running(server.options("alice", sasl=ACCOUNT)) as run:
        conn = await server.next_connection()
        await conn.expect("USER")
        await conn.send("CAP * LS :server-time")
        final = await run.events.wait(ConnectionStateChanged, lambda e: e.fatal)
        assert final.detail == "Could not log in: this server offers no password login"
        assert not [line for line in conn.lines if line.startswith("AUTHENTICATE")]


def _plain(account: str, password: str) -> SaslLogin:
    login = SaslLogin(Plain(account, password))
    login.start()
    return login


def test_payloads_are_cut_into_400_byte_pieces() -> None:
    # 300 bytes of credentials encode to exactly 400 base64 bytes: a "+" must follow.
    exact = _plain("a" * 149, "b" * 149).on_authenticate("+")
    assert [len(m.params[0]) for m in exact] == [CHUNK_SIZE, 1] and exact[-1].params == ["+"]
    long = _plain("acct", "p" * 500).on_authenticate("+")
    assert [len(m.params[0]) for m in long][:-1] == [CHUNK_SIZE]
    joined = "".join(m.params[0] for m in long)
    assert base64.b64decode(joined) == b"\0acct\0" + b"p" * 500
    assert _plain("a", "b").on_authenticate("dW5leHBlY3RlZA==")[0].params == ["*"]
