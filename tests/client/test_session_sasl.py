"""Logging in with SASL while registering, against a scripted server."""

from __future__ import annotations

import asyncio
import base64

import pytest

from tui_chat.client.events import LoginFailed, Registered, ServerInfo
from tui_chat.client.sasl import MAX_SCRAM_ITERATIONS, Plain, SaslLogin
from tui_chat.irc.sasl import CHUNK_SIZE

from .helpers import FakeConnection, FakeServer, RunningSession, running

ACCOUNT = ("alice", "correct horse")


async def offer(conn: FakeConnection, caps: str, acked: str) -> None:
    """Answer the client's CAP LS with `caps`, and its REQ with an ACK of `acked`."""
    await conn.expect("USER")
    await conn.send(f"CAP * LS :{caps}")
    await conn.expect("CAP REQ")
    await conn.send(f"CAP * ACK :{acked}")


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


async def goes_on_without_login(run: RunningSession, conn: FakeConnection) -> LoginFailed:
    """The refused login is said, and registration ends as a guest would (CAP END)."""
    refused = await run.events.wait(LoginFailed)
    assert refused.while_connecting
    await conn.expect("CAP END")
    await conn.send(":s 001 alice :hi", ":s 422 alice :no motd")
    welcome = await run.events.wait(Registered)
    assert welcome.account is None and run.session.credentials == ACCOUNT
    return refused


@pytest.mark.parametrize(
    ("server_text", "reason"),
    [
        ("SASL authentication failed", "wrong account name or password"),
        # A lock-out is said in the server's words, not as a wrong password.
        (
            "Too many failed logins; try again in 30 seconds",
            "too many failed logins; try again in 30 seconds",
        ),
    ],
)
async def test_a_refused_login_goes_on_without_it(server_text: str, reason: str) -> None:
    async with FakeServer() as server, running(server.options("alice", sasl=ACCOUNT)) as run:
        conn = await server.next_connection()
        await negotiate_sasl(conn)
        await conn.send(f":s 904 alice :{server_text}")
        refused = await goes_on_without_login(run, conn)
        assert (refused.reason, refused.code) == (f"Could not log in: {reason}", "904")


async def test_a_server_without_sasl_is_not_sent_the_password() -> None:
    async with FakeServer() as server, running(server.options("alice", sasl=ACCOUNT)) as run:
        conn = await server.next_connection()
        await offer(conn, "server-time", "server-time")
        refused = await goes_on_without_login(run, conn)
        assert refused.reason == "Could not log in: this server offers no password login"
        assert not [line for line in conn.lines if line.startswith("AUTHENTICATE")]


async def test_a_refused_scram_login_is_tried_once_with_plain() -> None:
    async with FakeServer() as server, running(server.options("alice", sasl=ACCOUNT)) as run:
        conn = await server.next_connection()
        await offer(conn, "sasl=PLAIN,SCRAM-SHA-256", "sasl")
        assert await conn.expect("AUTHENTICATE") == "AUTHENTICATE SCRAM-SHA-256"
        await conn.send("AUTHENTICATE +")
        await conn.expect("AUTHENTICATE")
        await conn.send(":s 904 alice :SASL authentication failed")
        assert await conn.expect("AUTHENTICATE") == "AUTHENTICATE PLAIN"
        await conn.send("AUTHENTICATE +")
        await conn.expect("AUTHENTICATE")
        await conn.send(":s 904 alice :SASL authentication failed")
        await goes_on_without_login(run, conn)
        authenticates = [line for line in conn.lines if line.startswith("AUTHENTICATE ")]
        assert [line.split()[1] for line in authenticates[::2]] == ["SCRAM-SHA-256", "PLAIN"]


async def test_scram_key_derivation_leaves_the_loop_free() -> None:
    """A million PBKDF2 rounds (about half a second) run while the loop ticks on."""
    ticks = 0

    async def heartbeat() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    async with FakeServer() as server, running(server.options("alice", sasl=ACCOUNT)):
        conn = await server.next_connection()
        await offer(conn, "sasl=SCRAM-SHA-256", "sasl")
        await conn.expect("AUTHENTICATE SCRAM")
        await conn.send("AUTHENTICATE +")
        first = base64.b64decode((await conn.expect("AUTHENTICATE")).split()[1]).decode()
        nonce = first.rpartition("r=")[2]
        server_first = f"r={nonce}server,s={base64.b64encode(b'salt').decode()}"
        challenge = f"{server_first},i={MAX_SCRAM_ITERATIONS}".encode()
        beating = asyncio.create_task(heartbeat())
        try:
            await conn.send(f"AUTHENTICATE {base64.b64encode(challenge).decode()}")
            final = base64.b64decode((await conn.expect("AUTHENTICATE")).split()[1])
        finally:
            beating.cancel()
        assert final.startswith(f"c=biws,r={nonce}server,p=".encode())
        # On the loop, the rounds would have let the heartbeat tick once at most.
        assert ticks >= 5


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
