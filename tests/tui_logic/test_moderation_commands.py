"""/ban /mute with durations and accounts, lists, /kill, /uban, /ignore: what each sends."""

from __future__ import annotations

import pytest

from tui_chat.client.events import Member
from tui_chat.tui.commands import execute

from .fakes import FakeContext, FakeRoom


def _room_with(ctx: FakeContext, *members: Member) -> None:
    ctx.session.state.rooms["#lobby"] = FakeRoom({m.nick: m for m in members})


async def test_ban_by_account_and_address_where_the_server_has_the_extban() -> None:
    ctx = FakeContext("#lobby")
    _room_with(
        ctx,
        Member("mallory", userhost="~m@10.0.0.9", account="Mallory"),
        Member("bob", userhost="~b@10.0.0.7"),
    )
    await execute("/ban mallory", ctx)
    ctx.session.state.isupport.update(["EXTBAN=~,a"])
    await execute("/ban mallory", ctx)
    await execute("/ban bob 10m", ctx)
    ctx.session.state.isupport.update(["EXTBAN=$,ajrxz"])
    await execute("/mute mallory 1h30m", ctx)
    assert ctx.session.calls == [
        ("mode", "#lobby", "+b", "*!*@10.0.0.9"),
        ("mode", "#lobby", "+bb", "~a:Mallory", "*!*@10.0.0.9"),
        ("send_raw", "TBAN #lobby 10m *!*@10.0.0.7"),
        ("send_raw", "TQUIET #lobby 1h30m $a:Mallory"),
        ("send_raw", "TQUIET #lobby 1h30m *!*@10.0.0.9"),
    ]
    assert ctx.infos == [
        "mallory in #lobby: by account and by address (~a:Mallory, *!*@10.0.0.9)",
        "mallory in #lobby: by account and by address ($a:Mallory, *!*@10.0.0.9)",
    ]
    assert ctx.errors == []


async def test_unban_of_someone_who_left_lifts_what_a_ban_could_have_named() -> None:
    ctx = FakeContext("#lobby")
    ctx.session.state.isupport.update(["EXTBAN=~,a"])
    await execute("/unban irene", ctx)
    _room_with(ctx, Member("kay", userhost="~k@10.0.0.5", account="kay_acct"))
    await execute("/unmute #dev kay", ctx)
    assert ctx.session.calls == [
        ("mode", "#lobby", "-bb", "irene!*@*", "~a:irene"),
        ("mode", "#dev", "-qqq", "kay!*@*", "~a:kay", "~a:kay_acct"),
        ("mode", "#dev", "-q", "*!*@10.0.0.5"),
    ]
    assert ctx.infos == [
        "Lifting whatever of irene!*@*, ~a:irene is listed in #lobby; irene's address is "
        "unknown here, so an entry on it stays: /banlist shows it, /unban <mask> lifts it",
        "Lifting whatever of kay!*@*, ~a:kay, ~a:kay_acct, *!*@10.0.0.5 is listed in #dev; "
        "each one lifted is announced, /mutelist shows the rest",
    ]


async def test_unban_of_someone_seen_leaving_lifts_their_account_and_address() -> None:
    ctx = FakeContext("#lobby")
    ctx.session.state.isupport.update(["EXTBAN=~,a"])
    irene = Member("Irene", userhost="~i@10.0.0.8", account="irene_acct")
    ctx.session.state.left_members["irene"] = irene
    await execute("/ban irene", ctx)
    await execute("/unban irene", ctx)
    assert ctx.session.calls == [
        ("mode", "#lobby", "+bb", "~a:irene_acct", "*!*@10.0.0.8"),
        ("mode", "#lobby", "-bbb", "irene!*@*", "~a:irene", "~a:irene_acct"),
        ("mode", "#lobby", "-b", "*!*@10.0.0.8"),
    ]


@pytest.mark.parametrize(
    ("line", "call"),
    [
        ("/mute carol", ("mode", "#lobby", "+q", "carol!*@*")),
        ("/unmute #dev *!*@spam", ("mode", "#dev", "-q", "*!*@spam")),
        ("/banlist", ("mode", "#lobby", "b")),
        ("/mutelist #dev", ("mode", "#dev", "q")),
        ("/kill bob", ("send_raw", "KILL bob :No reason given")),
        ("/kill bob go away now", ("send_raw", "KILL bob :go away now")),
        ("/uban list", ("send_raw", "UBAN LIST")),
        ("/uban del 10.0.0.0/8", ("send_raw", "UBAN DEL 10.0.0.0/8")),
        ("/uban add 10.0.0.9", ("send_raw", "UBAN ADD 10.0.0.9")),
        ("/uban add ::1 test", ("send_raw", "UBAN ADD 0::1 REASON :test")),
        ("/uban del ::ffff:10.0.0.1", ("send_raw", "UBAN DEL 0::ffff:10.0.0.1")),
        (
            "/uban add mallory 1d sock puppet",
            ("send_raw", "UBAN ADD mallory DURATION 1d REASON :sock puppet"),
        ),
        ("/uban add *!*@spam just spam", ("send_raw", "UBAN ADD *!*@spam REASON :just spam")),
        ("/ignore troll", ("ignore", "troll!*@*")),
        ("/ignore ~a:troll", ("ignore", "~a:troll")),
        ("/unignore troll", ("unignore", "troll!*@*")),
        ("/unignore *!*@spam", ("unignore", "*!*@spam")),
    ],
)
async def test_each_command_sends(line: str, call: tuple[str, ...]) -> None:
    ctx = FakeContext("#lobby")
    await execute(line, ctx)
    assert ctx.errors == []
    assert ctx.session.calls == [call]


@pytest.mark.parametrize(
    ("line", "error"),
    [
        ("/ban bob soon", "'soon' is not a duration: use e.g. 30s, 10m, 2h, 1d or 1h30m"),
        ("/mute", "Usage: /mute [#room] <nick|mask> [duration]"),
        (
            "/uban",
            "Usage: /uban add <ip|cidr|mask|account> [duration] [reason] | del <target> | list",
        ),
        (
            "/uban frob x",
            "Usage: /uban add <ip|cidr|mask|account> [duration] [reason] | del <target> | list",
        ),
        ("/kill", "Usage: /kill <nick> [reason]"),
        ("/unignore", "Usage: /unignore <nick|mask|~a:account>"),
    ],
)
async def test_bad_input_gets_one_clear_error(line: str, error: str) -> None:
    ctx = FakeContext("#lobby")
    await execute(line, ctx)
    assert ctx.errors == [error]
    assert ctx.session.calls == []


async def test_ignore_alone_lists_who_is_ignored() -> None:
    ctx = FakeContext("#lobby")
    await execute("/ignore", ctx)
    ctx.session.state.ignored.extend(["troll!*@*", "*!*@spam"])
    await execute("/ignore list", ctx)
    assert ctx.infos == ["You ignore nobody", "Ignoring: troll!*@*, *!*@spam"]


async def test_ignore_of_a_logged_in_person_takes_their_account_and_unignore_lifts_both() -> None:
    ctx = FakeContext("#lobby")
    irene = Member("Irene", userhost="~i@10.0.0.8", account="irene_acct")
    _room_with(ctx, irene)
    await execute("/ignore irene", ctx)
    ctx.session.state.ignored.extend(["~a:irene_acct", "irene!*@*", "*!*@spam"])
    ctx.session.state.rooms.clear()
    ctx.session.state.left_members["irene"] = irene
    # She left: what /ignore made for her is lifted, as it is listed.
    await execute("/unignore Irene", ctx)
    # A stranger: an account entry named like the nick is found too.
    ctx.session.state.ignored[:] = ["~a:Irene"]
    await execute("/unignore irene", ctx)
    assert ctx.session.calls == [
        ("ignore", "~a:irene_acct"),
        ("ignore", "irene!*@*"),
        ("unignore", "~a:irene_acct"),
        ("unignore", "Irene!*@*"),
        ("unignore", "~a:irene"),
    ]
