"""Channel list modes (+b +e +q), the account extban, timed entries and their expiry."""

from __future__ import annotations

from tui_chat.server.core import ServerCore

from .fakes import Clock, drain, lobby_op, make_core, register

# No PING or ping timeout while the clock jumps ahead by hours.
NO_PINGS = {"ping_interval": 1e9, "ping_timeout": 1e9}


def _timed_core(clock: Clock) -> ServerCore:
    return make_core(clock, **NO_PINGS)


def _texts(peer, command: str) -> list[str]:  # type: ignore[no-untyped-def]
    return [m.params[-1] for m in peer.take() if m.command == command]


def test_ban_by_mask_is_case_mapped_and_lifted() -> None:
    core = make_core()
    alice = lobby_op(register(core, "alice"))
    bob = register(core, "Bob[1]", port=2)
    bob.send("PART #lobby")
    alice.send("MODE #lobby +b bob{1}")
    drain(core)
    bob.send("JOIN #lobby")
    [refusal] = bob.take()
    assert (refusal.command, refusal.params[1]) == ("474", "#lobby")
    alice.send("MODE #lobby -b BOB{1}!*@*")
    assert [m.params for m in alice.take()] == [["#lobby", "-b", "bob{1}!*@*"]]
    bob.send("JOIN #lobby")
    assert "JOIN" in [m.command for m in bob.take()]


def test_account_ban_follows_the_account_through_nick_changes() -> None:
    core = make_core()
    alice = lobby_op(register(core, "alice"))
    mallory = register(core, "mallory", port=2)
    mallory.client.account = "Mallory"
    alice.send("MODE #lobby +b ~a:mallory")
    mallory.send("PART #lobby", "NICK innocent", "JOIN #lobby")
    assert [m.command for m in mallory.take()][-1] == "474"
    # Someone else may use the nick: the ban is on the account.
    mallory.client.account = None
    mallory.send("JOIN #lobby")
    assert "JOIN" in [m.command for m in mallory.take()]


def test_exception_lifts_a_ban_and_a_quiet() -> None:
    core = make_core()
    alice = lobby_op(register(core, "alice"))
    bob = register(core, "bob", port=2)
    alice.send("MODE #lobby +qe *!*@* bob")
    drain(core)
    bob.send("PRIVMSG #lobby :still here")
    assert _texts(alice, "PRIVMSG") == ["still here"]


def test_quiet_mutes_but_lets_read_and_blocks_nick_changes() -> None:
    core = make_core()
    alice = lobby_op(register(core, "alice"))
    bob = register(core, "bob", port=2)
    carol = register(core, "carol", port=3)
    alice.send("MODE #lobby +q bob")
    drain(core)
    bob.send("PRIVMSG #lobby :spam")
    assert [(m.command, m.params[-1]) for m in bob.take()] == [
        ("404", "Cannot send to channel (you are muted (+q))")
    ]
    assert alice.take() == [] and carol.take() == []
    carol.send("PRIVMSG #lobby :hello")
    assert _texts(bob, "PRIVMSG") == ["hello"]
    bob.send("NICK bob2")
    [refusal] = bob.take()
    assert (refusal.command, refusal.params[1:3]) == ("435", ["bob2", "#lobby"])
    assert core.find_client("bob") is bob.client
    # Voice lets a muted member speak, as on solanum.
    alice.send("MODE #lobby +v bob")
    drain(core)
    bob.send("PRIVMSG #lobby :thanks")
    assert _texts(carol, "PRIVMSG") == ["thanks"]


def test_lists_are_shown_with_their_numerics() -> None:
    core = make_core()
    alice = lobby_op(register(core, "alice"))
    alice.send("MODE #lobby +bqe a!*@* ~a:troll c")
    alice.take()
    alice.send("MODE #lobby b", "MODE #lobby q", "MODE #lobby e")
    got = [(m.command, m.params[1:-1]) for m in alice.take()]
    source = alice.client.source
    assert got == [
        ("367", ["#lobby", "a!*@*", source]),
        ("368", ["#lobby"]),
        ("728", ["#lobby", "q", "~a:troll", source]),
        ("729", ["#lobby", "q"]),
        ("348", ["#lobby", "c!*@*", source]),
        ("349", ["#lobby"]),
    ]


def test_all_lists_share_maxlist_and_bad_masks_are_refused() -> None:
    core = make_core(maxlist=2)
    alice = lobby_op(register(core, "alice"))
    alice.send("MODE #lobby +bq a b", "MODE #lobby +e c", "MODE #lobby +b ~z:what")
    got = [(m.command, m.params[1:3]) for m in alice.take()]
    assert got == [
        ("MODE", ["+bq", "a!*@*"]),
        ("478", ["#lobby", "e"]),
        ("696", ["#lobby", "b"]),
    ]


def test_non_op_cannot_set_lists_or_timed_bans() -> None:
    core = make_core()
    lobby_op(register(core, "alice"))
    bob = register(core, "bob", port=2)
    bob.send("MODE #lobby +b x", "TBAN #lobby 10m x", "TQUIET #lobby 10m x")
    assert [m.command for m in bob.take()] == ["482", "482", "482"]
    assert not core.find_channel("#lobby").lists["b"]  # type: ignore[union-attr]


def test_timed_ban_is_lifted_and_announced_when_due() -> None:
    clock = Clock()
    core = _timed_core(clock)
    alice = lobby_op(register(core, "alice"))
    bob = register(core, "bob", port=2)
    bob.send("PART #lobby")
    drain(core)
    alice.send("TBAN #lobby 10m bob")
    set_line, confirmation = alice.take()
    assert (set_line.command, set_line.params) == ("MODE", ["#lobby", "+b", "bob!*@*"])
    assert confirmation.params[-1] == "bob!*@* is banned from #lobby for 10m"
    clock.now += 60
    bob.send("JOIN #lobby")
    [refusal] = bob.take()
    assert refusal.params[-1] == "Cannot join channel (+b), the ban ends in 9m"
    clock.now += 539
    core.tick()
    assert [m.command for m in alice.take() if m.command == "MODE"] == []
    clock.now += 1
    core.tick()
    [lifted] = [m for m in alice.take() if m.command == "MODE"]
    assert (lifted.source, lifted.params) == ("tui-chat.local", ["#lobby", "-b", "bob!*@*"])
    bob.send("JOIN #lobby")
    assert "JOIN" in [m.command for m in bob.take()]


def test_timed_quiet_and_an_early_unban_leave_nothing_behind() -> None:
    clock = Clock()
    core = _timed_core(clock)
    alice = lobby_op(register(core, "alice"))
    register(core, "bob", port=2)
    alice.send("TQUIET #lobby 1h30m bob", "MODE #lobby -q bob")
    assert [m.params[-1] for m in alice.take()] == [
        "bob!*@*",
        "bob!*@* is muted in #lobby for 1h30m",
        "bob!*@*",
    ]
    clock.now += 5400
    core.tick()
    assert alice.take() == []


def test_bad_durations_get_a_clear_answer() -> None:
    core = make_core()
    alice = lobby_op(register(core, "alice", caps="standard-replies"))
    alice.send("TBAN #lobby soon bob", "TBAN #lobby 400d bob")
    fails = alice.take()
    assert [(m.command, m.params[:2]) for m in fails] == [
        ("FAIL", ["TBAN", "INVALID_DURATION"])
    ] * 2
    assert "use e.g. 30s, 10m, 2h, 1d" in fails[0].params[-1]
    assert "at most 52w1d" in fails[1].params[-1]


def test_isupport_advertises_the_lists_and_the_extban() -> None:
    core = make_core()
    tokens = {t.split("=")[0]: t for line in core.isupport_lines for t in line}
    assert tokens["CHANMODES"] == "CHANMODES=beq,k,l,imnst"
    assert tokens["EXTBAN"] == "EXTBAN=~,a"
    assert tokens["MAXLIST"] == "MAXLIST=beq:100"


def test_overlong_masks_and_control_characters_are_refused_and_no_line_is_too_long() -> None:
    core = make_core(default_room=None)
    alice = register(core, "a" * 30)
    alice.send("JOIN #" + "j" * 49)
    drain(core)
    room = "#" + "j" * 49
    longest = "~a:" + "y" * 147
    alice.send(
        f"MODE {room} +b ~a:{'y' * 430}",
        f"MODE {room} +b {'z' * 147}",
        f"MODE {room} +b bad\x01ctcp",
        f"MODE {room} +q x\x7f",
        f"MODE {room} +b {longest}",
        f"MODE {room} b",
    )
    got = [(m.command, m.params[2] if m.command == "696" else None) for m in alice.take()]
    assert got[:4] == [("696", "b"), ("696", "b"), ("696", "b"), ("696", "q")]
    assert [c for c, _ in got[4:]] == ["MODE", "367", "368"]
    raw = b"".join(alice.transport.chunks)
    assert max(len(line) + 2 for line in raw.split(b"\r\n")) <= 512
    assert [e.mask for e in core.find_channel(room).lists["b"]] == [longest]  # type: ignore[union-attr]
