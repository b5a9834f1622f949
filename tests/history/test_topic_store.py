"""A TOPIC takes effect only once stored: memory, the store and what members saw agree."""

from __future__ import annotations

from server_core.fakes import lobby_op, register
from server_core.test_history_wiring import Store

from tui_chat.server.core import ServerCore


def restart(files: Store, **history: object) -> ServerCore:
    files.close()
    files.opened.clear()
    return files.core(**history)


def test_a_topic_the_store_refuses_is_never_set(files: Store) -> None:
    first = files.core()
    lobby_op(register(first, "alice")).send("TOPIC #lobby :kept")
    files.commit()
    overloaded = restart(files, max_pending_writes=0)
    alice = lobby_op(register(overloaded, "alice", caps="standard-replies"))
    bob = register(overloaded, "bob")
    alice.send("TOPIC #lobby :lost")
    files.commit()
    (fail,) = alice.take()
    assert fail.command == "FAIL" and fail.params[:3] == ["TOPIC", "MESSAGE_NOT_STORED", "#lobby"]
    assert bob.take() == []
    bob.send("TOPIC #lobby")
    assert [m.params[-1] for m in bob.take() if m.command == "332"] == ["kept"]
    again = restart(files)
    register(again, "carol")
    channel = again.find_channel("#lobby")
    assert channel is not None and channel.topic == "kept"


def test_a_topic_is_set_and_told_once_committed(files: Store) -> None:
    core = files.core()
    alice = lobby_op(register(core, "alice"))
    alice.send("TOPIC #lobby :fresh")
    channel = core.find_channel("#lobby")
    assert channel is not None and channel.topic == ""
    # Joining before the commit: told the old topic, then the change.
    late = register(core, "late")
    files.commit()
    assert channel.topic == "fresh" and channel.topic_by.startswith("alice!")
    assert [(m.command, m.params[-1]) for m in late.take()] == [("TOPIC", "fresh")]
    assert [m.command for m in alice.take()] == ["TOPIC"]
