"""+i +k +l +t +m +n as modern.ircdocs.horse describes them, edge by edge."""

from __future__ import annotations

from .fakes import drain, make_core, register


def _room() -> tuple:  # type: ignore[type-arg]
    core = make_core(default_room=None)
    alice = register(core, "alice")
    alice.send("JOIN #room")
    drain(core)
    return core, alice


def _numerics(peer) -> list[str]:  # type: ignore[no-untyped-def]
    return [m.command for m in peer.take() if m.command.isdigit() and m.command >= "400"]


def test_an_invite_passes_invite_only_once_but_not_a_key_or_a_limit() -> None:
    core, alice = _room()
    bob = register(core, "bob", port=2)
    alice.send("MODE #room +ik sesame", "INVITE bob #room")
    bob.take()
    bob.send("JOIN #room")
    assert _numerics(bob) == ["475"]
    bob.send("JOIN #room sesame", "PART #room", "JOIN #room sesame")
    # The invite was spent by the first JOIN.
    assert _numerics(bob) == ["473"]
    alice.send("MODE #room -ik *", "MODE #room +l 1", "INVITE bob #room")
    bob.send("JOIN #room")
    assert _numerics(bob) == ["471"]


def test_key_and_limit_parameters_are_checked() -> None:
    _core, alice = _room()
    alice.send("MODE #room +l 0", "MODE #room +l many", "MODE #room +k a,b", "MODE #room +k")
    assert _numerics(alice) == ["696", "696", "525", "525"]
    alice.send("MODE #room +l 5", "MODE #room -l", "MODE #room")
    lines = [m for m in alice.take() if m.command in ("MODE", "324")]
    assert [m.params[1:] for m in lines] == [["+l", "5"], ["-l"], ["#room", "+nt"]]


def test_topic_lock_and_moderation_follow_the_modes() -> None:
    core, alice = _room()
    bob = register(core, "bob", port=2)
    bob.send("JOIN #room", "TOPIC #room :mine now")
    assert _numerics(bob) == ["482"]
    alice.send("MODE #room -t")
    bob.send("TOPIC #room :mine now")
    assert _numerics(bob) == []
    alice.send("MODE #room +m")
    drain(core)
    alice.send("PRIVMSG #room :ops always speak")
    bob.send("PRIVMSG #room :but not me")
    assert [m.params[-1] for m in bob.take()] == [
        "ops always speak",
        "Cannot send to channel (the channel is moderated (+m))",
    ]
    outsider = register(core, "carol", port=3)
    alice.send("MODE #room -m")
    outsider.send("PRIVMSG #room :hello from outside")
    assert [m.params[-1] for m in outsider.take()] == [
        "Cannot send to channel (you are not in the channel (+n))"
    ]
