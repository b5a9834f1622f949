"""Paste policy: splitting, when to ask, and pacing driven by a fake clock."""

from __future__ import annotations

import asyncio

import pytest

from tui_chat.config import Settings
from tui_chat.tui.paste import PASTE_CONFIRM_LINES, PastePolicy


class FakeClock:
    """A clock that only moves when the pacer sleeps."""

    def __init__(self) -> None:
        self.now = 100.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


async def collect(
    policy: PastePolicy, lines: list[str], clock: FakeClock
) -> list[tuple[str, float]]:
    return [(line, clock.now) async for line in policy.paced(lines, sleep=clock.sleep, clock=clock)]


def test_lines_split_on_any_line_break_and_drop_blanks() -> None:
    assert PastePolicy.lines("a\r\nb\rc\n\n  \nd\n") == ["a", "b", "c", "d"]


def test_confirmation_over_the_threshold() -> None:
    policy = PastePolicy()
    assert not policy.needs_confirmation(["x"] * PASTE_CONFIRM_LINES)
    assert policy.needs_confirmation(["x"] * (PASTE_CONFIRM_LINES + 1))


def test_too_long_and_the_refusal() -> None:
    policy = PastePolicy(max_lines=5)
    assert not policy.too_long(["x"] * 5)
    assert policy.too_long(["x"] * 6)
    assert policy.refusal(["x"] * 6).startswith("That paste has 6 lines; at most 5 are sent.")


def test_question_names_count_target_and_duration() -> None:
    policy = PastePolicy(lines_per_second=2.0, burst=3)
    assert policy.question(["x"] * 10, "#lobby") == "Send 10 lines to #lobby, taking about 4 s?"
    assert policy.question(["x"] * 3, "bob") == "Send 3 lines to bob?"


async def test_burst_goes_at_once_then_lines_are_paced() -> None:
    clock = FakeClock()
    policy = PastePolicy(lines_per_second=2.0, burst=3)
    sent = await collect(policy, [f"l{i}" for i in range(6)], clock)
    assert [line for line, _ in sent] == ["l0", "l1", "l2", "l3", "l4", "l5"]
    assert [at - 100.0 for _, at in sent] == [0, 0, 0, 0.5, 1.0, 1.5]


async def test_time_spent_sending_counts_toward_the_wait() -> None:
    clock = FakeClock()
    policy = PastePolicy(lines_per_second=1.0, burst=1)
    sent_at = []
    async for _line in policy.paced(["a", "b", "c"], sleep=clock.sleep, clock=clock):
        sent_at.append(clock.now)
        clock.now += 0.75  # a slow send
    assert sent_at == [100.0, 101.0, 102.0]
    assert clock.sleeps == [0.25, 0.25]


async def test_pacing_with_the_real_clock_is_bounded() -> None:
    policy = PastePolicy(lines_per_second=50.0, burst=1)
    loop = asyncio.get_running_loop()
    start = loop.time()
    async with asyncio.timeout(5):
        lines = [line async for line in policy.paced(["a", "b", "c", "d", "e"])]
    assert lines == ["a", "b", "c", "d", "e"]
    assert loop.time() - start >= 4 / 50.0 * 0.9


def test_from_settings() -> None:
    policy = PastePolicy.from_settings(Settings(paste_confirm_lines=7, paste_lines_per_second=0.5))
    assert (policy.confirm_over, policy.lines_per_second) == (7, 0.5)


@pytest.mark.parametrize(
    "kwargs",
    [{"lines_per_second": 0}, {"lines_per_second": float("nan")}, {"burst": 0}, {"max_lines": 0}],
)
def test_nonsense_limits_are_refused(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        PastePolicy(**kwargs)  # type: ignore[arg-type]
