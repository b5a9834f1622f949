"""The one server-time formatter and parser (tui_chat.irc.servertime)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tui_chat.irc.servertime import format_time, iso_time, milliseconds, parse_time

MS = 1_700_000_000_123


def test_format_is_utc_with_three_digit_milliseconds() -> None:
    assert format_time(MS) == "2023-11-14T22:13:20.123Z"
    assert format_time(MS - 123) == "2023-11-14T22:13:20.000Z"
    assert format_time(0) == "1970-01-01T00:00:00.000Z"
    assert format_time(-1) == "1969-12-31T23:59:59.999Z"


def test_seconds_are_cut_to_the_millisecond() -> None:
    assert iso_time(1_700_000_000.1239) == "2023-11-14T22:13:20.123Z"


def test_datetimes_naive_ones_as_utc() -> None:
    aware = datetime(2023, 11, 14, 23, 13, 20, 123_999, tzinfo=timezone(timedelta(hours=1)))
    assert milliseconds(aware) == MS
    assert milliseconds(datetime(2023, 11, 14, 22, 13, 20, 123_000)) == MS
    assert milliseconds(datetime(2023, 11, 14, 22, 13, 20, 123_000, tzinfo=UTC)) == MS


@pytest.mark.parametrize(
    "bad", ["", "2023-11-14T22:13:20.123", "yesterday", "2023-13-14T22:13:20.123Z", "Z"]
)
def test_parse_refuses_what_is_not_a_utc_stamp(bad: str) -> None:
    with pytest.raises(ValueError):
        parse_time(bad)


@given(st.integers(min_value=0, max_value=253_402_300_799_999))  # up to year 9999
def test_parse_reads_what_format_writes(ms: int) -> None:
    assert parse_time(format_time(ms)) == ms
