"""Private history: only its two participants can reach it; TARGETS lists what a reader may see."""

from __future__ import annotations

import pytest

from tui_chat.server.history import (
    ChatHistoryError,
    Conversation,
    History,
    HistoryRequest,
    TargetsRequest,
    TargetSummary,
    format_time,
    parse_request,
)

from .helpers import BASE_MS, LOBBY, record, store_all


def latest(history: History, conversation: Conversation) -> list[str]:
    request = parse_request(["LATEST", "x", "*", "50"], 50)
    assert isinstance(request, HistoryRequest)
    return [r.msgid for r in history.reader.fetch(conversation, request).result(timeout=10)]


def targets(history: History, identity: str, channels: list[str], lo: int, hi: int) -> list:
    request = parse_request(
        ["TARGETS", f"timestamp={format_time(lo)}", f"timestamp={format_time(hi)}", "10"], 50
    )
    assert isinstance(request, TargetsRequest)
    return history.reader.fetch_targets(identity, channels, request).result(timeout=10)


def test_a_private_conversation_is_the_same_from_both_sides(history: History) -> None:
    store_all(
        history,
        Conversation.private("alice", "bob"),
        [
            record("hi", BASE_MS, source="alice!a@h", target="bob"),
            record("hey", BASE_MS + 1, source="bob!b@h", target="alice"),
        ],
    )
    assert latest(history, Conversation.private("bob", "alice")) == ["hi", "hey"]
    assert latest(history, Conversation.private("alice", "bob")) == ["hi", "hey"]


def test_a_third_party_cannot_reach_it(history: History) -> None:
    store_all(history, Conversation.private("alice", "bob"), [record("secret", BASE_MS)])
    # carol asking for "bob" gets her own conversation with bob: none.
    assert latest(history, Conversation.private("carol", "bob")) == []
    assert latest(history, Conversation.private("carol", "alice")) == []
    # Nor can the pair key be passed off as a channel name.
    with pytest.raises(ValueError):
        Conversation.channel("alice bob")
    with pytest.raises(ValueError):
        Conversation.private("alice bob", "carol")
    assert targets(history, "carol", [], BASE_MS - 1, BASE_MS + 1) == []


def test_targets_lists_channels_given_and_own_conversations(history: History) -> None:
    store_all(history, LOBBY, [record("l1", BASE_MS + 5), record("l2", BASE_MS + 30)])
    store_all(
        history,
        Conversation.channel("#secret"),
        [record("s1", BASE_MS + 6, target="#secret")],
    )
    store_all(history, Conversation.private("alice", "bob"), [record("ab", BASE_MS + 10)])
    store_all(history, Conversation.private("carol", "alice"), [record("ca", BASE_MS + 20)])
    store_all(history, Conversation.private("bob", "carol"), [record("bc", BASE_MS + 25)])

    assert targets(history, "alice", ["#lobby"], BASE_MS, BASE_MS + 100) == [
        TargetSummary("bob", BASE_MS + 10),
        TargetSummary("carol", BASE_MS + 20),
        TargetSummary("#lobby", BASE_MS + 30),
    ]
    # Either order of the stamps; exclusive bounds; latest within the range.
    assert targets(history, "alice", ["#lobby"], BASE_MS + 21, BASE_MS + 4) == [
        TargetSummary("#lobby", BASE_MS + 5),
        TargetSummary("bob", BASE_MS + 10),
        TargetSummary("carol", BASE_MS + 20),
    ]
    assert targets(history, "alice", ["#lobby"], BASE_MS + 20, BASE_MS + 5) == [
        TargetSummary("bob", BASE_MS + 10),
    ]


def test_star_target_merges_only_the_readers_own_conversations(history: History) -> None:
    store_all(history, Conversation.private("alice", "bob"), [record("ab1", BASE_MS + 1)])
    store_all(history, Conversation.private("carol", "alice"), [record("ca2", BASE_MS + 2)])
    store_all(history, Conversation.private("bob", "carol"), [record("bc3", BASE_MS + 3)])
    store_all(history, Conversation.private("alice", "bob"), [record("ab4", BASE_MS + 4)])
    store_all(history, LOBBY, [record("room5", BASE_MS + 5)])

    def star(identity: str, *params: str) -> list[str]:
        request = parse_request([params[0], "*", *params[1:]], 50)
        assert isinstance(request, HistoryRequest)
        found = history.reader.fetch_all_private(identity, request).result(timeout=10)
        return [r.msgid for r in found]

    assert star("alice", "LATEST", "*", "10") == ["ab1", "ca2", "ab4"]
    assert star("alice", "BEFORE", "msgid=ab4", "10") == ["ab1", "ca2"]
    assert star("alice", "LATEST", "*", "2") == ["ca2", "ab4"]
    assert star("dave", "LATEST", "*", "10") == []
    # Another pair's msgid is unknown to alice.
    with pytest.raises(ChatHistoryError):
        star("alice", "AFTER", "msgid=bc3", "10")
