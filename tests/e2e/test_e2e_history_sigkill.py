"""The durability promise, tested the hard way.

A `tui-chat serve --db FILE` process under traffic from a few clients is
killed with SIGKILL; a new one on the same file must return, through
CHATHISTORY, every message any client had received.
"""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

from e2e.ircpeer import IrcPeer, PeerClosed, match
from e2e.test_e2e_history import ALL_TIME, MODERN
from e2e.test_e2e_serve_cli import start_serve

SENDERS = 3
# Lines each sender writes before waiting for them to come back (its echo).
BURST = 20
# Messages each sender writes in all: far below the retention cap per room,
# which would otherwise delete the oldest received messages, as it should.
PER_SENDER = 3000
# Deliveries (echoes included) seen by the clients before the kill.
RECEIVED_BEFORE_KILL = 1500
# Seconds the traffic may take to reach that count on a loaded machine.
TRAFFIC_TIMEOUT = 30.0


async def chat(peer: IrcPeer, name: str, received: set[str], enough: asyncio.Event) -> None:
    """Send bursts, each once the previous one came back, recording every msgid received."""

    async def receive_until(last: str | None) -> None:
        while True:
            msg = await peer.expect(match("PRIVMSG", None, "#lobby"), TRAFFIC_TIMEOUT)
            received.add(msg.tags["msgid"])
            if len(received) >= RECEIVED_BEFORE_KILL:
                enough.set()
            if msg.params[-1] == last:
                return

    with contextlib.suppress(PeerClosed, ConnectionError):
        for sent in range(0, PER_SENDER, BURST):
            await peer.send(*(f"PRIVMSG #lobby :{name} {sent + i}" for i in range(BURST)))
            await receive_until(f"{name} {sent + BURST - 1}")
        await receive_until(None)  # until the kill closes the connection


async def stored_msgids(peer: IrcPeer) -> set[str]:
    """Every msgid of #lobby, paged forwards through CHATHISTORY AFTER."""
    found: set[str] = set()
    bound = ALL_TIME[0]
    while True:
        await peer.send(f"CHATHISTORY AFTER #lobby {bound} 100")
        start = await peer.expect("BATCH")
        page: list = []
        await peer.expect(match("BATCH", None, "-" + start.params[0][1:]), skipped=page)
        if not page:
            return found
        found.update(m.tags["msgid"] for m in page)
        bound = "msgid=" + page[-1].tags["msgid"]


async def test_every_received_message_survives_sigkill(tmp_path: Path) -> None:
    db = str(tmp_path / "history.sqlite3")
    proc, address, _ = await start_serve("--db", db, "--quiet")
    received: set[str] = set()
    enough = asyncio.Event()
    tasks: list[asyncio.Task[None]] = []
    try:
        peers = [await IrcPeer.connect(address) for _ in range(SENDERS)]
        for i, peer in enumerate(peers):
            await peer.register(f"load{i}", caps=MODERN)
            await peer.expect(match("366"))
        for i, peer in enumerate(peers):
            tasks.append(asyncio.create_task(chat(peer, f"load{i}", received, enough)))
        async with asyncio.timeout(TRAFFIC_TIMEOUT):
            await enough.wait()
    finally:
        proc.kill()
        async with asyncio.timeout(15):
            await proc.wait()
    async with asyncio.timeout(15):
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    seen = set(received)
    assert len(seen) >= RECEIVED_BEFORE_KILL

    again, address, _ = await start_serve("--db", db, "--quiet")
    try:
        reader = await IrcPeer.connect(address)
        await reader.register("reader", caps=MODERN)
        await reader.expect(match("366"))
        stored = await stored_msgids(reader)
        await reader.close()
    finally:
        again.kill()
        async with asyncio.timeout(15):
            await again.wait()
    missing = seen - stored
    assert not missing, f"{len(missing)} of {len(seen)} received messages are not stored"
    # Killed mid-stream: not everything that was sent had been stored.
    assert len(stored) < SENDERS * PER_SENDER
