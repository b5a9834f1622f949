"""The moderation slash commands, typed into the real app on a real server of ours."""

from __future__ import annotations

from e2e.ircpeer import IrcPeer, match

from tui_chat.server.config import ServerConfig
from tui_chat.tui.app import ChatApp

from .test_end_to_end import members, until
from .test_server_window_order import on_own_server
from .test_topic_and_list_text import shows


async def _bob_in(app: ChatApp, pilot, room: str) -> IrcPeer:  # type: ignore[no-untyped-def]
    """A raw client `bob` in `room`, once the app sees him there."""
    host, _, port = app.server_label.rpartition(":")
    bob = await IrcPeer.connect((host, int(port)))
    await bob.register("bob")
    await bob.join(room)
    await until(pilot, lambda: "bob" in members(app, room))
    return bob


async def test_mute_and_mutelist_then_ban_and_banlist() -> None:
    async with on_own_server(ServerConfig(default_room=None), rooms=("#room",)) as (app, pilot):
        await until(pilot, lambda: app.current_key == "#room")
        bob = await _bob_in(app, pilot, "#room")
        try:
            await pilot.press(*"/mute bob 10m", "enter")
            await bob.expect(match("MODE", "alice", "#room", "+q", "*!*@127.0.0.1"))
            await bob.send("PRIVMSG #room :can anyone hear me")
            assert (await bob.expect("404")).params[-1].endswith("(you are muted (+q))")
            await pilot.press(*"/mutelist", "enter")
            await until(
                pilot, lambda: shows(app, "#room", "#room mutes *!*@127.0.0.1 (set by alice)")
            )
            await pilot.press(*"/unmute bob", "enter")
            await bob.expect(match("MODE", "alice", "#room", "-q", "*!*@127.0.0.1"))
            await pilot.press(*"/ban #room troll", "enter", *"/banlist", "enter")
            await until(pilot, lambda: shows(app, "#room", "#room bans troll!*@* (set by alice)"))
        finally:
            await bob.close()


async def test_ignore_hides_a_person_and_lists_them() -> None:
    async with on_own_server(ServerConfig(default_room=None), rooms=("#room",)) as (app, pilot):
        await until(pilot, lambda: app.current_key == "#room")
        bob = await _bob_in(app, pilot, "#room")
        try:
            await pilot.press(*"/ignore bob", "enter")
            await until(pilot, lambda: shows(app, "#room", "Ignoring bob!*@*"))
            await bob.send("PRIVMSG #room :you cannot see this", "PRIVMSG alice :nor this")
            await pilot.press(*"/ignore", "enter")
            await until(pilot, lambda: shows(app, "#room", "Ignoring: bob!*@*"))
            await pilot.press(*"/unignore bob", "enter")
            await bob.send("PRIVMSG #room :now you can")
            await until(pilot, lambda: shows(app, "#room", "now you can"))
            assert not any("cannot see this" in line for line in app.log_lines("#room"))
        finally:
            await bob.close()


async def test_server_commands_without_operator_status_are_refused_in_the_window() -> None:
    async with on_own_server(ServerConfig(default_room=None), rooms=("#room",)) as (app, pilot):
        await until(pilot, lambda: app.current_key == "#room")
        await pilot.press(*"/uban list", "enter")
        await until(pilot, lambda: shows(app, "#room", "You need to be an IRC operator to do that"))
        await pilot.press(*"/ban bob soon", "enter")
        await until(
            pilot,
            lambda: shows(
                app, "#room", "'soon' is not a duration: use e.g. 30s, 10m, 2h, 1d or 1h30m"
            ),
        )
