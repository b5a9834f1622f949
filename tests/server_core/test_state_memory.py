"""Per-client memory: what idle clients share instead of owning."""

from __future__ import annotations

import pytest

from server_core.fakes import Clock, make_core, register
from tui_chat.server.state import NO_CHANNELS, Channel


def test_clients_in_no_channel_share_one_map_and_joining_gives_their_own() -> None:
    core = make_core(Clock(), default_room=None)
    alice = register(core, "alice")
    bob = register(core, "bob")
    assert alice.client.channels is NO_CHANNELS and bob.client.channels is NO_CHANNELS
    alice.send("JOIN #room")
    assert list(alice.client.channels) == ["#room"]
    assert bob.client.channels is NO_CHANNELS and not NO_CHANNELS
    alice.send("PART #room")
    assert alice.client.channels is NO_CHANNELS


def test_the_shared_map_cannot_be_filled() -> None:
    room = Channel("#room", 0.0)
    with pytest.raises(TypeError):
        NO_CHANNELS["#room"] = room
    with pytest.raises(TypeError):
        NO_CHANNELS.setdefault("#room", room)
    with pytest.raises(TypeError):
        NO_CHANNELS.update({"#room": room})
    assert not NO_CHANNELS
