"""SessionState remembers people who left a room, the newest LEFT_MEMBERS_KEPT of them."""

from __future__ import annotations

from tui_chat.client.events import Member
from tui_chat.client.state import LEFT_MEMBERS_KEPT, SessionState


def test_a_member_who_leaves_is_remembered_as_last_seen_and_the_oldest_make_way() -> None:
    state = SessionState(nick="me")
    room = state.add_room("#r")
    for number in range(LEFT_MEMBERS_KEPT + 1):
        state.put_member(room, Member(f"Nick{number}", userhost=f"u@10.0.0.{number % 250}"))
    state.put_member(room, Member("Irene", userhost="~i@10.0.0.8", account="irene"))
    assert state.remove_member(room, "irene") is not None
    assert state.left_members["irene"] == Member("Irene", userhost="~i@10.0.0.8", account="irene")
    for number in range(LEFT_MEMBERS_KEPT + 1):
        state.remove_member(room, f"nick{number}")
    assert len(state.left_members) == LEFT_MEMBERS_KEPT
    # Irene and nick0 left first, so they made way; the later ones are kept.
    assert "irene" not in state.left_members and "nick0" not in state.left_members
    assert "nick1" in state.left_members
    assert f"nick{LEFT_MEMBERS_KEPT}" in state.left_members
