"""CHATHISTORY selectors, bounds, limits and ordering over a real SQLite file."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tui_chat.server.history import (
    CHAT_COMMANDS,
    ChatHistoryError,
    Conversation,
    History,
    HistoryRecord,
    HistoryRequest,
    TargetsRequest,
    format_time,
    parse_request,
)

from .helpers import BASE_MS, LOBBY, record, store_all

MAX = 100
COUNT = 20
STEP_MS = 10


def ts(i: int) -> str:
    """The timestamp selector of message i."""
    return f"timestamp={format_time(BASE_MS + i * STEP_MS)}"


def mid(i: int) -> str:
    return f"m{i:02d}"


def ids(*indices: int) -> list[str]:
    return [mid(i) for i in indices]


@pytest.fixture
def filled(history: History) -> History:
    # Stored out of time order: the order of results must come from time, not insertion.
    order = list(range(COUNT))
    order = order[1::2] + order[::2]
    store_all(history, LOBBY, [record(mid(i), BASE_MS + i * STEP_MS) for i in order])
    return history


def ask(history: History, *params: str, conversation: Conversation = LOBBY) -> list[str]:
    request = parse_request(params, MAX)
    assert isinstance(request, HistoryRequest)
    return [r.msgid for r in history.reader.fetch(conversation, request).result(timeout=10)]


def test_latest_star_gives_the_newest_in_ascending_order(filled: History) -> None:
    assert ask(filled, "LATEST", "#lobby", "*", "3") == ids(17, 18, 19)


def test_latest_with_a_selector_stops_at_it_exclusive(filled: History) -> None:
    assert ask(filled, "LATEST", "#lobby", f"msgid={mid(16)}", "10") == ids(17, 18, 19)
    assert ask(filled, "LATEST", "#lobby", ts(17), "10") == ids(18, 19)
    # Many newer than the selector: the newest `limit` of them.
    assert ask(filled, "LATEST", "#lobby", f"msgid={mid(2)}", "2") == ids(18, 19)


def test_before_is_exclusive_and_takes_the_nearest(filled: History) -> None:
    assert ask(filled, "BEFORE", "#lobby", f"msgid={mid(5)}", "3") == ids(2, 3, 4)
    assert ask(filled, "BEFORE", "#lobby", ts(5), "3") == ids(2, 3, 4)
    assert ask(filled, "BEFORE", "#lobby", f"msgid={mid(0)}", "3") == []


def test_after_is_exclusive_and_takes_the_nearest(filled: History) -> None:
    assert ask(filled, "AFTER", "#lobby", f"msgid={mid(5)}", "3") == ids(6, 7, 8)
    assert ask(filled, "AFTER", "#lobby", ts(5), "3") == ids(6, 7, 8)
    assert ask(filled, "AFTER", "#lobby", f"msgid={mid(19)}", "3") == []


def test_timestamp_between_messages(filled: History) -> None:
    halfway = f"timestamp={format_time(BASE_MS + 5 * STEP_MS + STEP_MS // 2)}"
    assert ask(filled, "BEFORE", "#lobby", halfway, "2") == ids(4, 5)
    assert ask(filled, "AFTER", "#lobby", halfway, "2") == ids(6, 7)


def test_around_splits_the_limit_and_includes_the_message(filled: History) -> None:
    assert ask(filled, "AROUND", "#lobby", f"msgid={mid(10)}", "5") == ids(8, 9, 10, 11, 12)
    assert ask(filled, "AROUND", "#lobby", ts(10), "4") == ids(8, 9, 10, 11)
    # Near the start: fewer before, the rest filled after.
    assert ask(filled, "AROUND", "#lobby", f"msgid={mid(1)}", "6") == ids(0, 1, 2, 3, 4, 5)
    assert ask(filled, "AROUND", "#lobby", f"msgid={mid(19)}", "1") == ids(19)


def test_between_forwards_counts_from_the_first(filled: History) -> None:
    assert ask(filled, "BETWEEN", "#lobby", f"msgid={mid(3)}", f"msgid={mid(9)}", "3") == ids(
        4, 5, 6
    )
    assert ask(filled, "BETWEEN", "#lobby", ts(3), ts(9), "100") == ids(4, 5, 6, 7, 8)
    assert ask(filled, "BETWEEN", "#lobby", f"msgid={mid(3)}", ts(6), "100") == ids(4, 5)


def test_between_backwards_counts_from_the_first(filled: History) -> None:
    assert ask(filled, "BETWEEN", "#lobby", f"msgid={mid(9)}", f"msgid={mid(3)}", "3") == ids(
        6, 7, 8
    )
    assert ask(filled, "BETWEEN", "#lobby", ts(9), ts(3), "100") == ids(4, 5, 6, 7, 8)


def test_between_equal_or_adjacent_bounds_is_empty(filled: History) -> None:
    assert ask(filled, "BETWEEN", "#lobby", ts(4), ts(4), "10") == []
    assert ask(filled, "BETWEEN", "#lobby", f"msgid={mid(4)}", f"msgid={mid(5)}", "10") == []


def test_limit_is_cut_to_the_server_maximum(history: History) -> None:
    store_all(history, LOBBY, [record(f"x{i}", BASE_MS + i) for i in range(MAX + 20)])
    assert len(ask(history, "LATEST", "#lobby", "*", str(MAX + 20))) == MAX
    assert len(ask(history, "AFTER", "#lobby", ts(-1000), "999999")) == MAX


def test_same_millisecond_pages_without_gaps_or_repeats(history: History) -> None:
    store_all(history, LOBBY, [record(f"s{i:03d}", BASE_MS) for i in range(25)])
    seen: list[str] = []
    page = ask(history, "LATEST", "#lobby", "*", "7")
    while page:
        seen = page + seen
        page = ask(history, "BEFORE", "#lobby", f"msgid={page[0]}", "7")
    assert seen == [f"s{i:03d}" for i in range(25)]
    # A timestamp names the whole millisecond: all of it is on one side.
    assert ask(history, "BEFORE", "#lobby", ts(0), "100") == []
    assert len(ask(history, "AFTER", "#lobby", ts(-1), "100")) == 25


def test_paging_through_thousands(history: History) -> None:
    total = 3000
    store_all(history, LOBBY, [record(f"p{i:05d}", BASE_MS + i) for i in range(total)])
    seen: list[str] = []
    page = ask(history, "AFTER", "#lobby", ts(-1), "100")
    while page:
        seen += page
        page = ask(history, "AFTER", "#lobby", f"msgid={page[-1]}", "100")
    assert seen == [f"p{i:05d}" for i in range(total)]


def test_unknown_msgid_is_a_message_error(filled: History) -> None:
    with pytest.raises(ChatHistoryError) as caught:
        ask(filled, "BEFORE", "#lobby", "msgid=nope", "5")
    assert caught.value.code == "MESSAGE_ERROR"
    assert caught.value.context == ("BEFORE", "#lobby", "msgid=nope")


def test_msgid_of_another_conversation_is_unknown_here(filled: History) -> None:
    other = Conversation.channel("#other")
    store_all(filled, other, [record("elsewhere", BASE_MS, target="#other")])
    with pytest.raises(ChatHistoryError):
        ask(filled, "AFTER", "#lobby", "msgid=elsewhere", "5")


def test_unknown_target_has_no_history(filled: History) -> None:
    assert ask(filled, "LATEST", "#nowhere", "*", "5", conversation=Conversation("#nowhere")) == []


def test_channel_names_fold_to_one_conversation(history: History) -> None:
    store_all(
        history, Conversation.channel("#Lobby[1]"), [record("a", BASE_MS, target="#Lobby[1]")]
    )
    assert ask(
        history, "LATEST", "#x", "*", "5", conversation=Conversation.channel("#lobby{1}")
    ) == ["a"]


def test_records_come_back_whole(history: History) -> None:
    sent = record(
        "full",
        BASE_MS,
        source="bob!b@example.org",
        command="NOTICE",
        account="bobacct",
        tags={"+draft/react": "👍", "+typing": "done"},
        text="ünïcode; spaces : and \\ backslash",
    )
    store_all(
        history, LOBBY, [sent, HistoryRecord("tag", BASE_MS + 1, "TAGMSG", "a!a@h", "#lobby", None)]
    )
    request = parse_request(["LATEST", "#lobby", "*", "5"], MAX)
    assert isinstance(request, HistoryRequest)
    got = history.reader.fetch(LOBBY, request).result(timeout=10)
    assert got[0] == sent
    assert got[1].text is None and got[1].tags == {}


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ([], "INVALID_PARAMS"),
        (["FROB", "#a", "*", "5"], "INVALID_PARAMS"),
        (["LATEST", "#a", "*"], "INVALID_PARAMS"),
        (["LATEST", "#a", "*", "5", "extra"], "INVALID_PARAMS"),
        (["BETWEEN", "#a", "msgid=x", "5"], "INVALID_PARAMS"),
        (["BEFORE", "#a", "*", "5"], "INVALID_MSGREFTYPE"),
        (["BEFORE", "#a", "id=x", "5"], "INVALID_MSGREFTYPE"),
        (["BEFORE", "#a", "x", "5"], "INVALID_MSGREFTYPE"),
        (["BEFORE", "#a", "msgid=", "5"], "INVALID_PARAMS"),
        (["BEFORE", "#a", "timestamp=yesterday", "5"], "INVALID_PARAMS"),
        (["BEFORE", "#a", "timestamp=2020-01-01T00:00:00.000", "5"], "INVALID_PARAMS"),
        (["BEFORE", "#a", "msgid=x", "0"], "INVALID_PARAMS"),
        (["BEFORE", "#a", "msgid=x", "000"], "INVALID_PARAMS"),
        (["BEFORE", "#a", "msgid=x", "-5"], "INVALID_PARAMS"),
        (["BEFORE", "#a", "msgid=x", "many"], "INVALID_PARAMS"),
        (["BEFORE", "#a", "msgid=x", "²"], "INVALID_PARAMS"),
        (["BEFORE", "#a", "msgid=x", "+5"], "INVALID_PARAMS"),
        (["TARGETS", "msgid=x", "timestamp=2020-01-01T00:00:00.000Z", "5"], "INVALID_MSGREFTYPE"),
        (["TARGETS", "timestamp=2020-01-01T00:00:00.000Z", "5"], "INVALID_PARAMS"),
    ],
)
def test_malformed_requests_name_the_spec_error(params: list[str], code: str) -> None:
    with pytest.raises(ChatHistoryError) as caught:
        parse_request(params, MAX)
    assert caught.value.code == code


def test_subcommands_are_case_insensitive_and_parse_whole() -> None:
    assert parse_request(
        ["between", "#a", "msgid=x", "timestamp=1970-01-01T00:00:01.5Z", "7"], 5
    ) == (
        HistoryRequest(
            "BETWEEN",
            "#a",
            first=parse_request(["AFTER", "#a", "msgid=x", "1"], 5).first,  # type: ignore[union-attr]
            second=parse_request(
                ["AFTER", "#a", "timestamp=1970-01-01T00:00:01.500Z", "1"], 5
            ).first,  # type: ignore[union-attr]
            limit=5,
        )
    )
    assert parse_request(["TARGETS", ts(5), ts(1), "3"], 0) == TargetsRequest(
        BASE_MS + 50, BASE_MS + 10, 3
    )
    # No server maximum: a huge limit still fits SQLite's LIMIT.
    for digits in ("9" * 40, "9" * 5000, "0" * 30 + "7"):
        huge = parse_request(["LATEST", "#a", "*", digits], 0)
        assert isinstance(huge, HistoryRequest) and 0 < huge.limit < 2**63


def test_error_context_is_always_one_parameter_each() -> None:
    with pytest.raises(ChatHistoryError) as caught:
        parse_request(["LATEST", "#a", "*", "5 6"], MAX)
    assert caught.value.context == ("LATEST", "*")
    with pytest.raises(ChatHistoryError) as caught:
        parse_request(["BEFORE", "#a", ":x", "5"], MAX)
    assert caught.value.context == ("BEFORE", "*")


def test_commands_filter_counts_only_the_wanted_kinds(history: History) -> None:
    kinds = ["PRIVMSG", "TAGMSG", "TOPIC", "NOTICE", "TAGMSG", "PRIVMSG"]
    store_all(
        history, LOBBY, [record(f"k{i}", BASE_MS + i, command=c) for i, c in enumerate(kinds)]
    )
    request = parse_request(["LATEST", "#lobby", "*", "3"], MAX)
    assert isinstance(request, HistoryRequest)
    chat = history.reader.fetch(LOBBY, request, CHAT_COMMANDS).result(timeout=10)
    assert [r.msgid for r in chat] == ["k0", "k3", "k5"]
    # A message of a filtered-out kind still works as a selector.
    request = parse_request(["AFTER", "#lobby", "msgid=k1", "10"], MAX)
    assert isinstance(request, HistoryRequest)
    chat = history.reader.fetch(LOBBY, request, CHAT_COMMANDS).result(timeout=10)
    assert [r.msgid for r in chat] == ["k3", "k5"]
    assert len(history.reader.fetch(LOBBY, request).result(timeout=10)) == 4


_PIECES = st.one_of(
    st.text(max_size=30),
    st.sampled_from(["LATEST", "before", "AFTER", "AROUND", "BETWEEN", "TARGETS", "*", "#lobby"]),
    st.builds(lambda i: f"msgid={mid(i)}", st.integers(-2, COUNT + 2)),
    st.builds(ts, st.integers(-5, COUNT + 5)),
    st.integers(-3, 10**20).map(str),
)


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(params=st.lists(_PIECES, max_size=6))
def test_any_input_is_answered_or_refused_with_a_spec_error(
    filled: History, params: list[str]
) -> None:
    try:
        request = parse_request(params, MAX)
        if isinstance(request, HistoryRequest):
            got = filled.reader.fetch(LOBBY, request).result(timeout=10)
            times = [(r.time_ms, r.msgid) for r in got]
            assert times == sorted(times) and len(got) <= request.limit
    except ChatHistoryError as error:
        assert error.code in {"INVALID_PARAMS", "INVALID_MSGREFTYPE", "MESSAGE_ERROR"}
