"""Accounts on a real server: REGISTER, SASL PLAIN and SCRAM-SHA-256, and how they show."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import sqlite3
from pathlib import Path

import pytest

from e2e.conftest import Address, Connect, StartServer
from e2e.ircpeer import DEFAULT_TIMEOUT, IrcPeer, match
from e2e.test_e2e_limits import CHAT_LATENCY, chat, in_lobby
from tui_chat.irc.message import Message
from tui_chat.server.config import ServerConfig
from tui_chat.server.thread import ServerThread

PASSWORD = "correct horse battery"
# Connections guessing at once, and lines said meanwhile (the room under attack).
GUESSERS = 6
CHAT_LINES = 10
# Addresses that each fail once: the account's failure limit (20 by default).
LOCKING_ADDRESSES = 20


def plain(account: str, password: str) -> str:
    return base64.b64encode(f"\0{account}\0{password}".encode()).decode()


async def start_negotiation(peer: IrcPeer, nick: str, caps: str = "sasl") -> None:
    await peer.send("CAP LS 302", f"NICK {nick}", f"USER {nick.lower()} 0 * :{nick}")
    ls = await peer.expect(lambda m: m.command == "CAP" and m.param(1) == "LS")
    peer.caps_offered = dict(item.partition("=")[::2] for item in ls.params[-1].split())
    await peer.send(f"CAP REQ :{caps}")
    await peer.expect(lambda m: m.command == "CAP" and m.param(1) == "ACK")


async def register_account(connect: Connect, address: Address, nick: str) -> IrcPeer:
    """A client that registered `nick` as an account before connecting, then connected."""
    peer = await connect(address)
    await start_negotiation(peer, nick, "sasl draft/account-registration")
    await peer.send(f"REGISTER * * :{PASSWORD}")
    success = await peer.expect("REGISTER")
    assert success.params[:2] == ["SUCCESS", nick]
    await peer.expect_numeric("900")
    await peer.send("CAP END")
    await peer.expect("001")
    peer.nick = nick
    return peer


async def sasl_login(peer: IrcPeer, account: str, password: str) -> Message:
    """Run AUTHENTICATE PLAIN; the numeric that ends it (903 or an error)."""
    await peer.send("AUTHENTICATE PLAIN")
    await peer.expect(match("AUTHENTICATE", None, "+"))
    await peer.send(f"AUTHENTICATE {plain(account, password)}")
    return await peer.expect(lambda m: m.command in ("903", "904", "905", "906", "907"))


async def test_register_before_connect_then_login_with_sasl_plain(
    connect: Connect, start_server: StartServer
) -> None:
    address = start_server(history_db=":memory:")
    await register_account(connect, address, "alice")
    again = await connect(address)
    await start_negotiation(again, "alice2")
    done = await sasl_login(again, "alice", PASSWORD)
    assert done.command == "903"
    logged = next(m for m in again.seen if m.command == "900")
    assert logged.params[2] == "alice"
    await again.send("CAP END")
    await again.expect("001")


async def test_wrong_password_fails_with_904(connect: Connect, start_server: StartServer) -> None:
    address = start_server(history_db=":memory:")
    await register_account(connect, address, "bob")
    guesser = await connect(address)
    await start_negotiation(guesser, "mallory")
    assert (await sasl_login(guesser, "bob", "wrong password")).command == "904"
    assert (await sasl_login(guesser, "nobody", PASSWORD)).command == "904"


async def test_register_after_connecting_shows_everywhere(
    connect: Connect, start_server: StartServer
) -> None:
    """account-notify, extended-join, account-tag, WHOIS 330 and WHOX %a all carry it."""
    address = start_server(history_db=":memory:")
    caps = ["account-notify", "account-tag", "extended-join", "message-tags"]
    watcher = await connect(address, "watcher", caps=caps)
    carol = await connect(address, "carol", caps=["draft/account-registration"])
    await watcher.expect(match("JOIN", "carol", "#lobby", "*"))
    await carol.send(f"REGISTER carol * :{PASSWORD}")
    assert (await carol.expect("REGISTER")).params[:2] == ["SUCCESS", "carol"]
    assert (await carol.expect_numeric("900")).params[2] == "carol"
    notify = await watcher.expect("ACCOUNT")
    assert notify.nick == "carol" and notify.params == ["carol"]
    await carol.send("PRIVMSG #lobby :signed")
    said = await watcher.expect("PRIVMSG")
    assert said.tags.get("account") == "carol"
    await carol.send("PART #lobby", "JOIN #lobby")
    joined = await watcher.expect(match("JOIN", "carol"))
    assert joined.params[:2] == ["#lobby", "carol"] and joined.tags.get("account") == "carol"
    whois = await watcher.request("WHOIS carol", "330")
    assert whois.params[1:3] == ["carol", "carol"]
    await watcher.send("WHO #lobby %na")
    got: list[Message] = []
    await watcher.expect("315", skipped=got)
    accounts = {m.params[1]: m.params[2] for m in got if m.command == "354"}
    assert accounts == {"watcher": "0", "carol": "carol"}


async def test_register_refusals(connect: Connect, start_server: StartServer) -> None:
    address = start_server(history_db=":memory:")
    owner = await register_account(connect, address, "dave")
    await owner.send("QUIT")
    await owner.closed()
    peer = await connect(address)
    await peer.send("CAP LS 302", f"REGISTER * * :{PASSWORD}")
    assert (await peer.expect("FAIL")).params[:2] == ["REGISTER", "NEED_NICK"]
    # Before registering, a client may hold a registered nick, not register it again.
    await peer.send("NICK dave", f"REGISTER * * :{PASSWORD}")
    assert (await peer.expect("FAIL")).params[:3] == ["REGISTER", "ACCOUNT_EXISTS", "dave"]
    await peer.send("NICK erin", "USER erin 0 * :Erin", "CAP END")
    await peer.expect("001")
    cases = [
        (f"REGISTER frank * :{PASSWORD}", "BAD_ACCOUNT_NAME"),
        ("REGISTER * * :short", "WEAK_PASSWORD"),
        ("NICK dave", None),
        ("VERIFY erin 123", "INVALID_CODE"),
        (f"REGISTER erin * :{PASSWORD}", "SUCCESS"),
        (f"REGISTER erin * :{PASSWORD}", "ALREADY_AUTHENTICATED"),
    ]
    for line, code in cases:
        await peer.send(line)
        if code is None:
            # A registered nick is refused with a reason (nick ownership).
            refused = await peer.expect_numeric("433")
            assert "registered" in refused.params[-1]
            continue
        reply = await peer.expect(lambda m: m.command in ("FAIL", "REGISTER"))
        assert code in reply.params[:2], reply.serialize()


async def test_no_accounts_without_a_store(connect: Connect, lobby: Address) -> None:
    peer = await connect(lobby)
    await peer.send("CAP LS 302", "NICK gina", "USER g 0 * :G", "CAP END")
    ls = await peer.expect("CAP")
    assert "sasl" not in ls.params[-1] and "account-registration" not in ls.params[-1]
    await peer.expect("001")
    await peer.send(f"REGISTER * * :{PASSWORD}")
    assert (await peer.expect("FAIL")).params[1] == "TEMPORARILY_UNAVAILABLE"
    await peer.send("AUTHENTICATE PLAIN")
    await peer.expect_numeric("904")


async def test_register_race_one_wins(connect: Connect, start_server: StartServer) -> None:
    """Two clients claim one name at the same moment: exactly one account results."""
    address = start_server(history_db=":memory:")
    first = await connect(address, "racer1", caps=["draft/account-registration"])
    second = await connect(address, "other", caps=["draft/account-registration"])
    # The first registers its nick and leaves it in the same breath; the
    # second takes the nick and registers it while the first is still hashing.
    await first.send(f"REGISTER * * :{PASSWORD}", "NICK racer1_")
    await first.expect(match("NICK", "racer1"))
    await second.send("NICK racer1", f"REGISTER * * :{PASSWORD}2")
    answers = [
        await peer.expect(lambda m: m.command in ("FAIL", "REGISTER")) for peer in (first, second)
    ]
    assert [a.params[:2] for a in answers] == [
        ["SUCCESS", "racer1"],
        ["REGISTER", "ACCOUNT_EXISTS"],
    ]


async def test_sasl_garbage(connect: Connect, start_server: StartServer) -> None:
    address = start_server(history_db=":memory:")
    await register_account(connect, address, "henry")
    peer = await connect(address)
    await start_negotiation(peer, "henry2")
    answers = {
        "AUTHENTICATE NOPE": "904",
        "AUTHENTICATE PLAIN\r\nAUTHENTICATE !!!notbase64": "904",
        f"AUTHENTICATE PLAIN\r\nAUTHENTICATE {'A' * 401}": "905",
        "AUTHENTICATE PLAIN\r\nAUTHENTICATE *": "906",
        "AUTHENTICATE PLAIN\r\nAUTHENTICATE AGFsb25l": "904",  # "\0alone": two fields
    }
    for lines, code in answers.items():
        await peer.send(*lines.split("\r\n"))
        got = await peer.expect(lambda m: m.command in ("904", "905", "906"))
        assert got.command == code, (lines, got.serialize())
    mechs = next(m for m in peer.seen if m.command == "908")
    assert mechs.params[1] == "PLAIN"
    # Many 400-byte chunks: refused once past the total limit, not buffered forever.
    await peer.send("AUTHENTICATE PLAIN", *[f"AUTHENTICATE {'A' * 400}"] * 12)
    await peer.expect_numeric("905")
    # The connection is still good: the right password logs in, then 907.
    assert (await sasl_login(peer, "henry", PASSWORD)).command == "903"
    await peer.send("AUTHENTICATE PLAIN")
    await peer.expect_numeric("907")
    await peer.send("CAP END")
    await peer.expect("001")


async def connect_from(address: Address, source: str) -> IrcPeer:
    """A connection from another loopback address (127.0.0.0/8 is all ours)."""
    async with asyncio.timeout(DEFAULT_TIMEOUT):
        reader, writer = await asyncio.open_connection(*address, local_addr=(source, 0))
    return IrcPeer(reader, writer)


async def test_password_guessing_is_locked_out_per_address(
    connect: Connect, start_server: StartServer
) -> None:
    """5 failures lock the address (3 per connection disconnect); the owner still logs in."""
    window = 2.0
    address = start_server(history_db=":memory:", login_failure_window=window)
    await register_account(connect, address, "ivy")
    guesser = await connect(address)
    await start_negotiation(guesser, "guess1")
    for attempt in range(3):
        assert (await sasl_login(guesser, "ivy", f"guess{attempt}")).command == "904"
    closing = await guesser.closed()
    assert any("Too many failed login" in m.params[-1] for m in closing if m.command == "ERROR")
    guesser = await connect(address)
    await start_negotiation(guesser, "guess2")
    for attempt in range(2):
        assert (await sasl_login(guesser, "ivy", f"guess{attempt + 3}")).command == "904"
    # Locked: even the right password is refused from here, at once.
    locked = await sasl_login(guesser, "ivy", PASSWORD)
    assert locked.command == "904" and "try again in" in locked.params[-1]
    # From another address, the owner logs in.
    owner = await connect_from(address, "127.0.0.2")
    try:
        await start_negotiation(owner, "ivy_")
        assert (await sasl_login(owner, "ivy", PASSWORD)).command == "903"
    finally:
        await owner.close()
    # Once the failures leave the window, the right password works here too.
    await asyncio.sleep(window)
    assert (await sasl_login(guesser, "ivy", PASSWORD)).command == "903"


async def test_registered_nick_belongs_to_its_account(
    connect: Connect, start_server: StartServer
) -> None:
    address = start_server(history_db=":memory:")
    owner = await register_account(connect, address, "jack")
    await owner.send("QUIT")
    await owner.closed()
    impostor = await connect(address)
    burst = await impostor.register("jack")
    welcome = next(m for m in burst if m.command == "001")
    guest = welcome.params[0]
    assert guest.startswith("Guest")
    notice = await impostor.expect("NOTICE")
    assert "jack is registered" in notice.params[-1]
    impostor.nick = guest
    refused = await impostor.request("NICK jack", "433")
    assert "registered" in refused.params[-1]
    # The owner, logging in with SASL while connecting, gets the nick.
    back = await connect(address)
    await start_negotiation(back, "jack")
    assert (await sasl_login(back, "jack", PASSWORD)).command == "903"
    await back.send("CAP END")
    assert (await back.expect("001")).params[0] == "jack"


async def test_owner_logs_in_later_and_takes_the_nick_back(
    connect: Connect, start_server: StartServer
) -> None:
    address = start_server(history_db=":memory:")
    owner = await register_account(connect, address, "kim")
    await owner.send("QUIT")
    await owner.closed()
    # Someone sits on the nick without finishing registration.
    squatter = await connect(address)
    await squatter.send("NICK kim")
    await squatter.sync()
    late = await connect(address, "kim_", caps=["sasl"])
    await late.request("NICK kim", "433")
    assert (await sasl_login(late, "kim", PASSWORD)).command == "903"
    await late.send("NICK kim")
    await late.expect(match("NICK", "kim_", "kim"))
    # Logging in gives no right to nicks the account does not own.
    await connect(address, "lou")
    await late.request("NICK lou", "433")
    await squatter.send("USER s 0 * :S")
    assert (await squatter.expect("001")).params[0].startswith("Guest")


def scram_client_proof(
    password: str, first_bare: str, server_first: str, final_without_proof: str
) -> tuple[str, bytes]:
    attrs = dict(part.split("=", 1) for part in server_first.split(","))
    salted = hashlib.pbkdf2_hmac(
        "sha256", password.encode(), base64.b64decode(attrs["s"]), int(attrs["i"])
    )
    client_key = hmac.digest(salted, b"Client Key", "sha256")
    auth = f"{first_bare},{server_first},{final_without_proof}".encode()
    signature = hmac.digest(hashlib.sha256(client_key).digest(), auth, "sha256")
    proof = bytes(a ^ b for a, b in zip(client_key, signature, strict=True))
    server_key = hmac.digest(salted, b"Server Key", "sha256")
    return base64.b64encode(proof).decode(), hmac.digest(server_key, auth, "sha256")


async def scram_login(peer: IrcPeer, account: str, password: str) -> Message:
    """Run AUTHENTICATE SCRAM-SHA-256 as a client; the numeric that ends it (903 or 904)."""
    await peer.send("AUTHENTICATE SCRAM-SHA-256")
    await peer.expect(match("AUTHENTICATE", None, "+"))
    first_bare = f"n={account},r=fyko+d2lbbFgONRv9qkxdawL"
    await peer.send(f"AUTHENTICATE {base64.b64encode(f'n,,{first_bare}'.encode()).decode()}")
    server_first = base64.b64decode((await peer.expect("AUTHENTICATE")).params[0]).decode()
    nonce = server_first.split(",")[0][2:]
    without_proof = f"c=biws,r={nonce}"
    proof, server_signature = scram_client_proof(password, first_bare, server_first, without_proof)
    final = f"{without_proof},p={proof}"
    await peer.send(f"AUTHENTICATE {base64.b64encode(final.encode()).decode()}")
    reply = await peer.expect(lambda m: m.command in ("AUTHENTICATE", "904"))
    if reply.command == "904":
        return reply
    assert base64.b64decode(reply.params[0]) == b"v=" + base64.b64encode(server_signature)
    await peer.send("AUTHENTICATE +")
    await peer.expect_numeric("900")
    return await peer.expect_numeric("903")


@pytest.mark.parametrize("right", [True, False])
async def test_scram_sha_256_login(
    connect: Connect, start_server: StartServer, right: bool
) -> None:
    address = start_server(history_db=":memory:", sasl_scram=True)
    await register_account(connect, address, "lena")
    peer = await connect(address)
    await start_negotiation(peer, "lena_")
    assert peer.caps_offered["sasl"] == "PLAIN,SCRAM-SHA-256"
    done = await scram_login(peer, "lena", PASSWORD if right else "not it")
    assert done.command == ("903" if right else "904")


async def test_scram_turned_on_later_works_after_one_plain_login(
    connect: Connect, tmp_path: Path
) -> None:
    """An account made while SCRAM was off gets its SCRAM verifier at its next login."""
    db = str(tmp_path / "scram.sqlite3")
    without = ServerThread(ServerConfig(history_db=db), "127.0.0.1", 0)
    try:
        await register_account(connect, without.start(), "uma")
    finally:
        await asyncio.to_thread(without.stop)
    with_scram = ServerThread(ServerConfig(history_db=db, sasl_scram=True), "127.0.0.1", 0)
    try:
        address = with_scram.start()
        peer = await connect(address)
        await start_negotiation(peer, "uma_")
        assert (await scram_login(peer, "uma", PASSWORD)).command == "904"
        assert (await sasl_login(peer, "uma", PASSWORD)).command == "903"
        # The verifier is made and stored after that login: poll the file for it.
        async with asyncio.timeout(DEFAULT_TIMEOUT):
            while not await asyncio.to_thread(has_scram, db, "uma"):
                await asyncio.sleep(0.05)
        again = await connect(address)
        await start_negotiation(again, "uma__")
        assert (await scram_login(again, "uma", PASSWORD)).command == "903"
    finally:
        await asyncio.to_thread(with_scram.stop)


def has_scram(db: str, key: str) -> bool:
    with sqlite3.connect(db) as conn:
        row = conn.execute("SELECT scram FROM accounts WHERE key = ?", (key,)).fetchone()
    return row is not None and row[0] is not None


async def test_accounts_survive_a_restart_and_keep_no_password(
    connect: Connect, tmp_path: Path
) -> None:
    db = tmp_path / "accounts.sqlite3"
    first = ServerThread(ServerConfig(history_db=str(db)), "127.0.0.1", 0)
    try:
        await register_account(connect, first.start(), "mona")
    finally:
        await asyncio.to_thread(first.stop)
    with sqlite3.connect(db) as conn:
        (verifier,) = conn.execute("SELECT password FROM accounts WHERE key = 'mona'").fetchone()
    assert verifier.startswith("scrypt$15$8$1$") and PASSWORD not in verifier
    second = ServerThread(ServerConfig(history_db=str(db)), "127.0.0.1", 0)
    try:
        peer = await connect(second.start())
        await start_negotiation(peer, "mona")
        assert (await sasl_login(peer, "mona", PASSWORD)).command == "903"
    finally:
        await asyncio.to_thread(second.stop)


async def test_registrations_per_address_are_limited(
    connect: Connect, start_server: StartServer
) -> None:
    address = start_server(history_db=":memory:", registrations_per_address=1)
    await register_account(connect, address, "nina")
    peer = await connect(address, "olga", caps=["draft/account-registration"])
    await peer.send(f"REGISTER * * :{PASSWORD}")
    refused = await peer.expect("FAIL")
    assert refused.params[1] == "TEMPORARILY_UNAVAILABLE" and "try again in" in refused.params[-1]


async def test_nickserv_identify_after_connecting(
    connect: Connect, start_server: StartServer
) -> None:
    """A client without SASL settings: renamed at first, NickServ IDENTIFY gets the nick back.

    Three failures would disconnect it: here it fails twice (wrong password,
    then the guest nick's account, which does not exist).
    """
    address = start_server(history_db=":memory:")
    owner = await register_account(connect, address, "pia")
    await owner.send("QUIT")
    await owner.closed()
    back = await connect(address)
    burst = await back.register("pia")
    back.nick = next(m for m in burst if m.command == "001").params[0]
    assert "/msg NickServ identify pia <password>" in (await back.expect("NOTICE")).params[-1]
    await back.send("NS IDENTIFY pia wrong-password")
    assert "invalid account or password" in (await back.expect("NOTICE")).params[-1]
    await back.send("NS")
    await back.expect_numeric("461")
    await back.send("NICK NickServ")
    await back.expect_numeric("432")
    await back.send(f"PRIVMSG NickServ :IDENTIFY {PASSWORD}")
    # The password of the guest nick's account: there is none.
    refused = await back.expect("NOTICE")
    assert refused.nick == "NickServ" and "invalid" in refused.params[-1]
    await back.send(f"NS IDENTIFY pia {PASSWORD}")
    assert (await back.expect_numeric("900")).params[2] == "pia"
    assert "/nick pia" in (await back.expect("NOTICE")).params[-1]
    await back.send("NICK pia")
    await back.expect(match("NICK", back.nick, "pia"))


async def test_room_keeps_chatting_while_passwords_are_guessed(
    connect: Connect, start_server: StartServer
) -> None:
    """Guessers keep the KDF pool full (and over-full); chat latency stays that of an idle room.

    The failure limits are lifted so every guess really costs a hash: what is
    tested is that hashing stays off the event loop and bounded.
    """
    lifted = 10_000
    address = start_server(
        history_db=":memory:",
        login_failures_per_address=lifted,
        login_failures_per_account=lifted,
        login_failures_per_connection=lifted,
        kdf_max_queued=GUESSERS // 2,
    )
    await register_account(connect, address, "rita")
    alice, bob = await in_lobby(connect, address, "alice", "bob")
    guessers = []
    for i in range(GUESSERS):
        guesser = await connect(address)
        await start_negotiation(guesser, f"guesser{i}")
        guessers.append(guesser)
    stop = asyncio.Event()
    answered = asyncio.Event()
    answers: list[str] = []

    async def guess(peer: IrcPeer) -> None:
        while not stop.is_set():
            done = await sasl_login(peer, "rita", "not the password")
            answers.append(done.params[-1])
            answered.set()

    tasks = [asyncio.create_task(guess(g)) for g in guessers]
    latencies = []
    try:
        for i in range(CHAT_LINES):
            # Each line is said once another guess was answered: mid-attack.
            answered.clear()
            async with asyncio.timeout(DEFAULT_TIMEOUT):
                await answered.wait()
            latencies.append(await chat(alice, bob, f"line {i}"))
    finally:
        stop.set()
        await asyncio.gather(*tasks)
    assert max(latencies) < CHAT_LATENCY, latencies
    # Nobody got in; a full pool answered "busy" rather than queueing more.
    assert len(answers) >= CHAT_LINES
    assert all("invalid" in a or "busy" in a for a in answers), set(answers)
    assert any("busy" in a for a in answers) and any("invalid" in a for a in answers)


async def test_guessers_on_many_addresses_cannot_lock_the_owner_out(
    connect: Connect, start_server: StartServer
) -> None:
    """20 addresses lock the account; its owner's known address still logs in, others wait."""
    address = start_server(history_db=":memory:")
    # Registered from 127.0.0.1: that address is now known to be the owner's.
    await register_account(connect, address, "vera")
    attackers = []
    try:
        for i in range(LOCKING_ADDRESSES):
            attacker = await connect_from(address, f"127.1.0.{i + 1}")
            attackers.append(attacker)
            await start_negotiation(attacker, f"attacker{i}")
            assert (await sasl_login(attacker, "vera", f"guess {i}")).command == "904"
        stranger = await connect_from(address, "127.2.0.1")
        attackers.append(stranger)
        await start_negotiation(stranger, "stranger")
        locked = await sasl_login(stranger, "vera", PASSWORD)
        assert locked.command == "904" and "try again in" in locked.params[-1]
    finally:
        for peer in attackers:
            await peer.close()
    owner = await connect(address)
    await start_negotiation(owner, "vera")
    assert (await sasl_login(owner, "vera", PASSWORD)).command == "903"
