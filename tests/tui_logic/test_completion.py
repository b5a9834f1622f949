"""Tab completion: what each context completes, cycling, and reset."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from tui_chat.tui.commands import command_names
from tui_chat.tui.completion import Completer, RecentSpeakers

NICKS = ["bob", "Bobby", "alice"]
ROOMS = ["#lobby", "#linux", "#dev"]


def tab(completer: Completer, text: str, cursor: int | None = None, **kw: bool) -> tuple[str, int]:
    result = completer.complete(
        text,
        len(text) if cursor is None else cursor,
        nicks=NICKS,
        rooms=ROOMS,
        commands=command_names(),
        **kw,
    )
    assert result is not None
    return result


def test_nick_at_line_start_gets_a_colon() -> None:
    assert tab(Completer(), "al") == ("alice: ", 7)


def test_nick_mid_line_gets_a_space_and_keeps_the_rest() -> None:
    text = "ask al about it"
    assert tab(Completer(), text, cursor=len("ask al")) == ("ask alice about it", 9)


def test_repeated_tab_cycles_in_the_given_order_and_wraps() -> None:
    completer = Completer()
    first = tab(completer, "hi b")
    second = tab(completer, *first)
    third = tab(completer, *second)
    assert [first, second, third] == [("hi bob ", 7), ("hi Bobby ", 9), ("hi bob ", 7)]


def test_shift_tab_cycles_backwards() -> None:
    completer = Completer()
    first = tab(completer, "b", backward=True)
    assert first == ("Bobby: ", 7)
    assert tab(completer, *first, backward=True) == ("bob: ", 5)


def test_reset_starts_over_from_what_is_typed_now() -> None:
    completer = Completer()
    first = tab(completer, "b")
    completer.reset()
    # Without the reset the same text and cursor would cycle on to Bobby.
    assert tab(completer, *first) == tab(Completer(), *first) != ("Bobby: ", 7)


def test_typing_between_tabs_restarts_even_without_reset() -> None:
    completer = Completer()
    assert tab(completer, "b") == ("bob: ", 5)
    assert tab(completer, "bob: a") == ("bob: alice ", 11)


def test_commands_after_a_slash_at_line_start() -> None:
    completer = Completer()
    first = tab(completer, "/de")
    assert first == ("/deop ", 6)
    assert tab(completer, *first) == ("/devoice ", 9)
    assert tab(Completer(), "/WHO") == ("/whois ", 7)


def test_a_slash_word_mid_line_is_not_a_command() -> None:
    assert Completer().complete("see /de", 7, commands=command_names()) is None


def test_rooms_after_hash() -> None:
    completer = Completer()
    first = tab(completer, "/join #l")
    assert first == ("/join #lobby ", 13)
    assert tab(completer, *first) == ("/join #linux ", 13)


def test_no_double_space_before_existing_text() -> None:
    assert tab(Completer(), "hi al there", cursor=5) == ("hi alice there", 8)


def test_nothing_to_complete_returns_none_and_leaves_no_state() -> None:
    completer = Completer()
    assert completer.complete("zed", 3, nicks=NICKS) is None
    assert completer.complete("#nope", 5, rooms=ROOMS) is None
    assert tab(completer, "a") == ("alice: ", 7)


def test_cursor_out_of_range_is_clamped() -> None:
    assert Completer().complete("al", 99, nicks=NICKS) == ("alice: ", 7)


def test_recent_speakers_first_newest_first_then_alphabetical() -> None:
    speakers = RecentSpeakers()
    for nick in ["carol", "Dave", "carol", "gone"]:
        speakers.spoke(nick)
    members = ["zoe", "dave", "Carol", "adam", "bob"]
    assert speakers.ordered(members) == ["Carol", "dave", "adam", "bob", "zoe"]


def test_recent_speakers_keep_their_place_across_a_nick_change() -> None:
    speakers = RecentSpeakers()
    for nick in ["a", "b", "c"]:
        speakers.spoke(nick)
    speakers.renamed("B", "bee")
    speakers.renamed("nobody", "x")
    assert speakers.ordered(["a", "bee", "c", "x"]) == ["c", "bee", "a", "x"]


def test_recent_speakers_are_capped() -> None:
    speakers = RecentSpeakers(limit=2)
    for nick in ["a", "b", "c"]:
        speakers.spoke(nick)
    # "a" fell out of the memory, so it sorts with the silent members.
    assert speakers.ordered(["c", "b", "a", "0"]) == ["c", "b", "0", "a"]


def test_spoke_within_tells_quiet_people_apart() -> None:
    speakers = RecentSpeakers()
    speakers.spoke("Talker", at=1000.0)
    speakers.spoke("old", at=100.0)
    assert speakers.spoke_within("talker", 600, now=1500.0)
    assert not speakers.spoke_within("old", 600, now=1500.0)
    assert not speakers.spoke_within("never", 600, now=1500.0)
    speakers.renamed("talker", "speaker")
    assert speakers.spoke_within("SPEAKER", 600, now=1500.0)
    assert not speakers.spoke_within("talker", 600, now=1500.0)
    speakers.spoke("now")
    assert speakers.spoke_within("now", 1.0)


@settings(max_examples=300, deadline=None)
@given(text=st.text(max_size=30), cursor=st.integers(-5, 40), presses=st.integers(1, 4))
def test_completion_keeps_the_text_after_the_cursor(text: str, cursor: int, presses: int) -> None:
    completer = Completer()
    state = (text, cursor)
    after = text[max(0, min(cursor, len(text))) :]
    for _ in range(presses):
        result = completer.complete(*state, nicks=NICKS, rooms=ROOMS, commands=command_names())
        if result is None:
            return
        state = result
        new_text, new_cursor = state
        assert 0 <= new_cursor <= len(new_text)
        assert new_text[new_cursor:] == after
