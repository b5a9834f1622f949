"""/ignore in the session: an ignored nick is followed, accounts are ignored, lists are kept."""

from __future__ import annotations

import os
from pathlib import Path

from tui_chat.client.events import ErrorReply, MessageReceived, ServerInfo
from tui_chat.config import FILE_MODE
from tui_chat.saved_ignores import IgnoreStore, ServerIgnores

from .helpers import FakeServer, registered, running


async def _heard_only(run, conn, *lines: str) -> None:  # type: ignore[no-untyped-def]
    """Send `lines`, then a friend's 'signal': nothing before it may be heard."""
    await conn.send(*lines, ":friend!f@h PRIVMSG #r :signal")
    await run.events.wait(MessageReceived, lambda e: e.text == "signal")
    assert [e.text for e in run.events.of(MessageReceived)] == ["signal"]


async def test_an_ignored_nick_is_followed_across_nick_changes() -> None:
    async with registered("me") as (conn, run):
        await run.session.ignore("Guest1")
        await conn.send(":Guest1!u@h NICK jay")
        followed = await run.events.wait(ServerInfo, lambda e: e.text.startswith("Still"))
        assert followed.text == "Still ignoring jay (was Guest1)"
        assert run.session.state.ignored == ["jay!*@*"]
        await _heard_only(run, conn, ":jay!u@h PRIVMSG #r :back under a new nick")


async def test_an_ignored_account_stays_ignored_under_any_nick_and_address() -> None:
    async with registered("me") as (conn, run):
        await run.session.ignore("$a:Irene")
        assert run.session.state.ignored == ["~a:Irene"]
        await conn.send(
            ":me!m@h JOIN #r",
            ":irene!i@h JOIN #r irene :Irene",
            ":mallory!m@h JOIN #r * :Mallory",
            ":irene!i@h NICK someone",
            ":someone!i@h CHGHOST i other.example",
        )
        await _heard_only(
            run,
            conn,
            ":someone!i@other.example PRIVMSG #r :still me",
            ":someone!i@other.example PRIVMSG me :and privately",
        )
        # Not logged in to that account: heard.
        await conn.send(":mallory!m@h PRIVMSG #r :not irene")
        await run.events.wait(MessageReceived, lambda e: e.text == "not irene")


async def test_the_list_is_kept_per_server_and_loaded_on_the_next_run(tmp_path: Path) -> None:
    store = IgnoreStore(tmp_path / "ignores.toml")
    async with FakeServer() as server:
        saved = ServerIgnores(store, "127.0.0.1", server.port)
        elsewhere = ServerIgnores(store, "10.0.0.5", 3131)
        elsewhere.save(["*!*@elsewhere"])
        async with running(server.options("me", saved_ignores=saved)) as run:
            conn = await server.next_connection()
            await conn.register("me")
            await run.session.ignore("troll")
            await run.session.ignore("~a:irene")
            await run.session.unignore("~a:irene")
        assert saved.load() == ["troll!*@*"]
        assert elsewhere.load() == ["*!*@elsewhere"]
        assert os.stat(store.path).st_mode & 0o777 == FILE_MODE
        async with running(server.options("me", saved_ignores=saved)) as run:
            conn = await server.next_connection()
            await conn.register("me")
            assert run.session.state.ignored == ["troll!*@*"]
            await _heard_only(run, conn, ":troll!t@h PRIVMSG #r :remember me?")


async def test_a_broken_list_is_reported_and_the_session_goes_on(tmp_path: Path) -> None:
    store = IgnoreStore(tmp_path / "ignores.toml")
    store.path.write_text('["127.0.0.1:1"]\nentries = "troll"\n')
    async with FakeServer() as server:
        saved = ServerIgnores(store, "127.0.0.1", server.port)
        async with running(server.options("me", saved_ignores=saved)) as run:
            conn = await server.next_connection()
            await conn.register("me")
            error = await run.events.wait(ErrorReply)
            assert error.text == (
                f"Ignored people not loaded: {store.path}: [127.0.0.1:1] must hold only "
                "`entries`, a list of masks or ~a:accounts"
            )
            assert run.session.state.ignored == []
