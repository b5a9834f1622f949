"""Moderation that follows people, typed into the real app on a real server of ours.

/unban of someone who already left; /ignore across a nick change.
"""

from __future__ import annotations

from e2e.ircpeer import IrcPeer

from tui_chat.server.config import ServerConfig
from tui_chat.tui.app import ChatApp

from .test_end_to_end import members, until
from .test_server_window_order import on_own_server
from .test_topic_and_list_text import shows

PASSWORD = "Irenepass1"


def account_of(app: ChatApp, room: str, nick: str) -> str | None:
    window = app.windows.get(room)
    member = window.members.get(nick) if window else None
    return member.account if member else None


async def _peer(app: ChatApp, nick: str, caps: tuple[str, ...] = ()) -> IrcPeer:
    host, _, port = app.server_label.rpartition(":")
    peer = await IrcPeer.connect((host, int(port)))
    await peer.register(nick, caps=caps)
    return peer


async def test_unban_after_a_logged_in_person_quit_lifts_their_address_too() -> None:
    config = ServerConfig(default_room=None, history_db=":memory:")
    async with on_own_server(config, rooms=("#room",)) as (app, pilot):
        await until(pilot, lambda: app.current_key == "#room")
        carol = await _peer(app, "carol")
        irene = await _peer(app, "irene", ("draft/account-registration",))
        try:
            await carol.join("#room")
            await irene.send(f"REGISTER * * :{PASSWORD}")
            await irene.expect(lambda m: m.command == "REGISTER" and m.param(0) == "SUCCESS")
            await irene.join("#room")
            await until(pilot, lambda: account_of(app, "#room", "irene") == "irene")
            await pilot.press(*"/ban irene", "enter")
            banned = await carol.expect("MODE")
            assert banned.params[1:] == ["+bb", "~a:irene", "*!*@127.0.0.1"]
            await irene.send("QUIT :bye")
            await until(pilot, lambda: "irene" not in members(app, "#room"))
            await pilot.press(*"/unban irene", "enter")
            lifted = await carol.expect("MODE")
            assert lifted.params[1:] == ["-bb", "~a:irene", "*!*@127.0.0.1"]
            await until(
                pilot,
                lambda: shows(
                    app,
                    "#room",
                    "Lifting whatever of irene!*@*, ~a:irene, *!*@127.0.0.1 is listed in #room; "
                    "each one lifted is announced, /banlist shows the rest",
                ),
            )
        finally:
            await carol.close()
            await irene.close()
        # Nothing of the ban is left: she can come back, even as a guest.
        back = await _peer(app, "irene_")
        try:
            await back.send("JOIN #room")
            answer = await back.expect(lambda m: m.command in ("366", "474"))
            assert answer.command == "366", answer.serialize()
        finally:
            await back.close()


async def test_ignore_follows_a_guest_across_a_nick_change_and_unignore_lifts_it() -> None:
    async with on_own_server(ServerConfig(default_room=None), rooms=("#room",)) as (app, pilot):
        await until(pilot, lambda: app.current_key == "#room")
        guest = await _peer(app, "Guest26794")
        try:
            await guest.join("#room")
            await until(pilot, lambda: "Guest26794" in members(app, "#room"))
            await pilot.press(*"/ignore Guest26794", "enter")
            await until(pilot, lambda: shows(app, "#room", "Ignoring Guest26794!*@*"))
            await guest.send("NICK jay", "PRIVMSG #room :visible again after nick change")
            await until(pilot, lambda: shows(app, "#room", "Still ignoring jay (was Guest26794)"))
            await pilot.press(*"/unignore jay", "enter")
            await until(pilot, lambda: shows(app, "#room", "No longer ignoring jay!*@*"))
            await guest.send("PRIVMSG #room :heard now")
            await until(pilot, lambda: shows(app, "#room", "heard now"))
            assert not any("after nick change" in line for line in app.log_lines("#room"))
            assert not app.windows.get("jay")
        finally:
            await guest.close()
