"""Exactly-once delivery of our own messages across reconnects (+tui-chat/idem).

Against tui-chat's server with a real SQLite store: a proxy between the
sender and the server cuts the link at one chosen line, so a message is lost
either after the server took it (its echo swallowed) or before (the line
itself swallowed). Whatever was lost, the other user hears it once, the store
holds it once, and the sender sees it pending once and confirmed once.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tui_chat.client.events import (
    ConnState,
    ErrorReply,
    LagMeasured,
    MessageKind,
    MessagePending,
    MessageReceived,
    Registered,
    SelfJoined,
)
from tui_chat.client.pending import IDEM_TAG
from tui_chat.client.session import ConnectOptions
from tui_chat.irc.message import parse
from tui_chat.server.config import ServerConfig
from tui_chat.server.thread import ServerThread

from .conftest import Miniircd
from .helpers import RunningSession, registered, running
from .proxy import CuttingProxy

# Quick reconnects (0.1-0.2 s), yet after the server has let the cut link go.
FAST_RECONNECT: dict[str, Any] = {"backoff_base": 0.2, "backoff_max": 0.4}


@dataclass
class Served:
    address: tuple[str, int]
    db: Path

    def stored(self, text: str) -> int:
        """How many rows of the history file hold `text`."""
        with contextlib.closing(sqlite3.connect(self.db)) as db:
            (count,) = db.execute(
                "SELECT COUNT(*) FROM messages WHERE text = ?", (text,)
            ).fetchone()
        return int(count)


@pytest.fixture
async def served(tmp_path: Path) -> AsyncIterator[Served]:
    """Our server with a history file in tmp_path."""
    db = tmp_path / "history.sqlite3"
    server = ServerThread(ServerConfig(history_db=str(db)), "127.0.0.1", 0)
    address = await asyncio.to_thread(server.start)
    yield Served(address, db)
    await asyncio.to_thread(server.stop)


def options(port: int, nick: str, **extra: Any) -> ConnectOptions:
    # No pacing: these tests are about delivery, not flood control.
    return ConnectOptions("127.0.0.1", port, nick, send_interval=0, **extra)


async def in_lobby(*runs: RunningSession) -> None:
    for run in runs:
        await run.events.wait(SelfJoined, lambda e: e.room == "#lobby")


@contextlib.asynccontextmanager
async def through_proxy(
    served: Served, **alice_options: Any
) -> AsyncIterator[tuple[CuttingProxy, RunningSession, RunningSession]]:
    """alice behind a CuttingProxy, bob straight to the server, both in #lobby."""
    async with (
        CuttingProxy(served.address) as proxy,
        running(options(proxy.port, "alice", **FAST_RECONNECT, **alice_options)) as alice,
        running(options(served.address[1], "bob")) as bob,
    ):
        await in_lobby(alice, bob)
        yield proxy, alice, bob


def pending(run: RunningSession, text: str) -> list[MessagePending]:
    return run.events.of(MessagePending, lambda e: e.text == text)


def confirmations(run: RunningSession, key: str) -> list[MessageReceived]:
    return run.events.of(MessageReceived, lambda e: e.is_self and e.tags.get(IDEM_TAG) == key)


def heard(run: RunningSession, text: str) -> list[MessageReceived]:
    return run.events.of(MessageReceived, lambda e: e.text == text)


async def confirmed_once(run: RunningSession, text: str) -> tuple[str, MessageReceived]:
    """The key `text` was pending under, and its one confirmation (pending came first)."""
    (shown,) = pending(run, text)
    await run.events.wait(MessageReceived, lambda e: e.tags.get(IDEM_TAG) == shown.key)
    (confirmation,) = confirmations(run, shown.key)
    assert run.events.events.index(shown) < run.events.events.index(confirmation)
    assert confirmation.text == text and confirmation.msgid
    return shown.key, confirmation


async def settled(sender: RunningSession, listener: RunningSession, served: Served) -> None:
    """Everything sent before is stored and heard: a later line went through both."""
    await sender.session.send_message("#lobby", "sync")
    await listener.events.wait(MessageReceived, lambda e: e.text == "sync")
    await sender.events.wait(MessageReceived, lambda e: e.is_self and e.text == "sync")


async def test_pending_then_confirmed_by_the_echo(served: Served) -> None:
    port = served.address[1]
    async with (
        running(options(port, "alice")) as alice,
        running(options(port, "bob")) as bob,
    ):
        await in_lobby(alice, bob)
        await alice.session.send_action("#lobby", "waves")
        key, echo = await confirmed_once(alice, "waves")
        said = await bob.events.wait(MessageReceived, lambda e: e.text == "waves")
        assert pending(alice, "waves") == [
            MessagePending("#lobby", "waves", key, MessageKind.ACTION)
        ]
        # One message: the same msgid for both, and the key was on the wire.
        assert (echo.kind, echo.is_history) == (MessageKind.ACTION, False)
        assert said.msgid == echo.msgid and said.tags.get(IDEM_TAG) == key
        assert len(alice.session.state.pending) == 0
        assert served.stored("\x01ACTION waves\x01") == 1


async def test_echo_lost_in_a_cut_is_confirmed_by_the_gap_fill(served: Served) -> None:
    async with through_proxy(served) as (proxy, alice, bob):
        proxy.cut_at("down", "lost echo")
        await alice.session.send_message("#lobby", "lost echo")
        await proxy.cut.wait()
        await alice.events.wait_state(ConnState.RECONNECTING)
        _key, confirmation = await confirmed_once(alice, "lost echo")
        # The history on re-join showed it: the session had no need to resend.
        assert confirmation.is_history
        await settled(alice, bob, served)
        assert len(proxy.sent_up("lost echo")) == 1
        (said,) = heard(bob, "lost echo")
        assert said.msgid == confirmation.msgid
        assert served.stored("lost echo") == 1


async def test_echo_lost_without_history_is_resent_once_with_the_same_key(
    served: Served,
) -> None:
    async with through_proxy(served, history_on_join=0) as (proxy, alice, bob):
        proxy.cut_at("down", "resent")
        await alice.session.send_message("#lobby", "resent")
        key, confirmation = await confirmed_once(alice, "resent")
        await settled(alice, bob, served)
        # Sent twice, under one key; the server kept and relayed it once
        # and echoed the resend with the first copy's msgid.
        sends = proxy.sent_up("resent")
        assert len(sends) == 2
        assert {parse(line).tags.get(IDEM_TAG) for line in sends} == {key}
        (said,) = heard(bob, "resent")
        assert (said.msgid, confirmation.is_history) == (confirmation.msgid, False)
        assert served.stored("resent") == 1


async def test_a_line_lost_on_the_way_up_and_one_typed_offline_are_sent_once(
    served: Served,
) -> None:
    async with through_proxy(served) as (proxy, alice, bob):
        proxy.cut_at("up", "swallowed")
        await alice.session.send_message("#lobby", "swallowed")
        await alice.events.wait_state(ConnState.RECONNECTING)
        await alice.session.send_message("#lobby", "typed offline")
        assert len(pending(alice, "typed offline")) == 1
        for text in ("swallowed", "typed offline"):
            _key, confirmation = await confirmed_once(alice, text)
            assert not confirmation.is_history
        await settled(alice, bob, served)
        # In the order they were typed, once each.
        said = [e.text for e in bob.events.of(MessageReceived)]
        assert said == ["swallowed", "typed offline", "sync"]
        assert (served.stored("swallowed"), served.stored("typed offline")) == (1, 1)


async def test_a_line_typed_on_a_silently_dead_link_is_pending_then_sent_once(
    served: Served,
) -> None:
    quick = {"ping_interval": 0.2, "lag_report_interval": 0.1, "ping_timeout": 1.0}
    async with through_proxy(served, **quick) as (proxy, alice, bob):
        proxy.freeze()
        frozen_at = datetime.now(UTC)
        await alice.session.send_message("#lobby", "into the silence")
        assert len(pending(alice, "into the silence")) == 1
        # The lag shown climbs while nothing comes back, then the link is dropped.
        await alice.events.wait(LagMeasured, lambda e: e.unanswered and e.ms >= 500)
        retry = await alice.events.wait_state(ConnState.RECONNECTING)
        assert retry.offline_since is not None and retry.offline_since <= frozen_at
        key, confirmation = await confirmed_once(alice, "into the silence")
        assert not confirmation.is_history
        await settled(alice, bob, served)
        sends = proxy.sent_up("into the silence")
        assert len(sends) == 2
        assert {parse(line).tags.get(IDEM_TAG) for line in sends} == {key}
        assert len(heard(bob, "into the silence")) == 1
        assert served.stored("into the silence") == 1


async def test_without_message_tags_no_tag_and_an_immediate_self_echo(
    miniircd: Miniircd,
) -> None:
    async with (
        CuttingProxy(("127.0.0.1", miniircd.port)) as proxy,
        running(options(proxy.port, "alice")) as alice,
        running(options(miniircd.port, "bob")) as bob,
    ):
        for run in (alice, bob):
            await run.events.wait(Registered)
            await run.session.join("#test")
            await run.events.wait(SelfJoined)
        await alice.session.send_message("#test", "plain")
        own = await alice.events.wait(MessageReceived, lambda e: e.text == "plain")
        assert own.is_self and not alice.events.of(MessagePending)
        assert "echo-message" not in alice.session.state.caps
        await bob.events.wait(MessageReceived, lambda e: e.text == "plain")
        assert proxy.sent_up("plain") == ["PRIVMSG #test plain"]


async def test_echo_without_the_tag_is_matched_by_target_and_text() -> None:
    # A server with echo-message but not message-tags: no tag goes out, none comes back.
    async with registered("me", caps="echo-message") as (conn, run):
        await run.session.send_message("#room", "same")
        await run.session.send_message("#room", "same")
        assert await conn.expect("PRIVMSG") == "PRIVMSG #room same"
        keys = [e.key for e in run.events.of(MessagePending)]
        assert len(keys) == 2
        await conn.send(":me!u@h PRIVMSG #ROOM same", ":me!u@h PRIVMSG #room same")
        await run.events.wait_until(lambda: len(run.events.of(MessageReceived)) == 2)
        assert [e.tags.get(IDEM_TAG) for e in run.events.of(MessageReceived)] == keys
        assert len(run.session.state.pending) == 0


async def test_unconfirmed_messages_are_reported_when_the_session_ends() -> None:
    async with registered("me", caps="echo-message message-tags") as (conn, run):
        await run.session.send_message("bob", "into the void")
        line = await conn.expect("@")
        assert parse(line).tags[IDEM_TAG] == run.events.of(MessagePending)[0].key
        await run.session.quit()
        await run.events.wait_state(ConnState.DISCONNECTED)
        assert any("1 message(s) may not" in e.text for e in run.events.of(ErrorReply))


async def test_a_refused_message_is_no_longer_pending(served: Served) -> None:
    async with running(options(served.address[1], "alice")) as alice:
        await in_lobby(alice)
        await alice.session.send_message("#nowhere", "anyone?")
        (shown,) = pending(alice, "anyone?")
        refused = await alice.events.wait(ErrorReply, lambda e: e.key is not None)
        assert (refused.code, refused.target, refused.key) == ("403", "#nowhere", shown.key)
        assert len(alice.session.state.pending) == 0


async def test_a_message_the_store_refused_is_no_longer_pending() -> None:
    async with registered("me", caps="echo-message message-tags") as (conn, run):
        await run.session.send_message("#room", "first")
        await run.session.send_message("#room", "second")
        await conn.expect("@")
        first, second = (e.key for e in run.events.of(MessagePending))
        await conn.send(
            "FAIL PRIVMSG MESSAGE_NOT_STORED #room :Message not delivered",
            ":s 404 me #ROOM :Cannot send to channel",
            ":s 401 me bob :No such nick/channel",
        )
        await run.events.wait_until(lambda: len(run.events.of(ErrorReply)) == 3)
        assert [e.key for e in run.events.of(ErrorReply)] == [first, second, None]
        assert len(run.session.state.pending) == 0


async def test_a_copy_under_our_old_nick_confirms_after_coming_back_as_another(
    served: Served,
) -> None:
    async with through_proxy(served) as (proxy, alice, bob):
        proxy.cut_at("down", "ghosted", keep_server=True)
        await alice.session.send_message("#lobby", "ghosted")
        _key, confirmation = await confirmed_once(alice, "ghosted")
        # The server still holds the old link as alice: the session is alice_ now,
        # and the history copy, said by alice, is recognised as ours by its key.
        assert alice.session.state.nick == "alice_"
        assert (confirmation.sender, confirmation.is_self, confirmation.is_history) == (
            "alice",
            True,
            True,
        )
        await settled(alice, bob, served)
        assert len(proxy.sent_up("ghosted")) == 1
        assert (len(heard(bob, "ghosted")), served.stored("ghosted")) == (1, 1)


async def test_someone_else_repeating_our_key_confirms_nothing() -> None:
    async with registered("me", caps="echo-message message-tags") as (conn, run):
        await run.session.send_message("#room", "mine")
        await conn.expect("@")
        (shown,) = run.events.of(MessagePending)
        await conn.send(f"@{IDEM_TAG}={shown.key} :mallory!m@h PRIVMSG #room :mine")
        forged = await run.events.wait(MessageReceived)
        assert not forged.is_self and len(run.session.state.pending) == 1
