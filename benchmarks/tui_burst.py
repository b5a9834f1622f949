"""TUI benchmark of issue 6: a burst of messages into the running app, headless.

    python -m benchmarks.tui_burst burst --messages 10000
    python -m benchmarks.tui_burst burst --messages 100000      # RSS against the cap
    python -m benchmarks.tui_burst sustained --rate 500 --seconds 10
    python -m benchmarks.tui_burst scroll --lines 100000
    python -m benchmarks.tui_burst resize --lines 5000

Each prints one JSON line. The real `ChatApp` runs headless
(`App.run_test`) with a stand-in session: the session factory hands the
benchmark the app's `on_event` callback, and the benchmark calls it exactly
as `ClientSession.emit` does, on the app's own event loop. So every message
takes the app's real path (`SessionEvent` message, `apply_event`, the
styler, `ChatLog.add`); no widget is written directly.

Measured:
- `displayed_s`: from the first event posted until the last message is the
  log's last entry, the log's last rendered row holds its text, and a
  screen refresh has run after that (`call_after_refresh`).
- Key latency: a thread plays the terminal driver and posts a key to the
  app every `PROBE_INTERVAL_S` (`loop.call_soon_threadsafe(app.post_message,
  Key)`, as Textual's driver does). Latency is from that post to the moment
  the input box's value changed (a `watch` on `ChatInput.value`); keys
  alternate "x" and backspace so the box stays short.
- `loop_lateness_max_ms`: how late a 10 ms asyncio sleep on the app's loop
  woke up, i.e. the longest time the loop did not run anything else.
- RSS (VmRSS from /proc) before and after.
- scroll: PageUp/PageDown/End/Home pressed through Pilot, each timed until
  the next screen refresh.
- Garbage collections (burst, sustained): how many per generation and the
  longest (`gc.callbacks`). The app settles the collector as `tui-chat`
  does (`tui_chat/tui/gc_tuning.py`); `--gc-defaults` keeps CPython's.
- resize: the terminal is made narrower and wider again (a Resize posted as
  the driver does), each timed until the log has its new width and a frame
  was drawn after that.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import re
import sys
import threading
import time
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from typing import Any

from textual import events
from textual.geometry import Size
from textual.pilot import Pilot

from benchmarks.loadgen.stats import latency_summary
from benchmarks.servers import ProcessProbe
from benchmarks.startup import size_arg
from tui_chat.client.events import (
    ConnectionStateChanged,
    ConnState,
    Event,
    HistoryBatchEnded,
    Member,
    MembersChanged,
    MessageReceived,
    Registered,
    SelfJoined,
)
from tui_chat.config import DEFAULT_SCROLLBACK_LINES, Settings
from tui_chat.irc.casemap import casefold
from tui_chat.tui.app import ChatApp
from tui_chat.tui.widgets.chat_input import ChatInput
from tui_chat.tui.widgets.chat_log import ChatLog

ROOM = "#bench"
NICK = "bench"
# Terminal size of the headless app (columns, rows); --size changes it.
SCREEN_SIZE = (120, 40)
# Issue 6's burst and history sizes; --messages / --lines change them.
BURST_MESSAGES = 10_000
HISTORY_LINES = 100_000
# Entries in the log when the terminal is resized (the default scrollback).
RESIZE_LINES = DEFAULT_SCROLLBACK_LINES
# Terminal resizes timed, alternating narrower and back; columns taken off.
RESIZES = 10
RESIZE_NARROWER_BY = 20
# Sustained load: messages per second and for how long; --rate / --seconds.
SUSTAINED_RATE = 500
SUSTAINED_SECONDS = 10.0
# Cadence of the key probe and the loop-lateness probe.
PROBE_INTERVAL_S = 0.010
# Give up waiting for the app to show everything after this long.
DISPLAY_TIMEOUT_S = 300.0
# Give up on one scrolling key after this long (the app may have failed).
KEY_TIMEOUT_S = 10.0
# Rows at the end of the log searched for the newest message (it wraps to a few).
LAST_ROWS_CHECKED = 8
# Key presses timed in each scroll direction.
SCROLL_PRESSES = 20
# People talking in the room; the senders cycle through them.
SPEAKERS = tuple(f"user{n:02d}" for n in range(20))
# Words the message texts are made of; lengths vary so some lines wrap.
WORDS = ("lorem", "ipsum", "dolor", "sit", "amet", "consectetur", "adipiscing", "elit", "sed")


# The sequence number every message text starts with.
SEQ_TOKEN = re.compile(r"\bm(\d{7})\b")


def message_text(seq: int) -> str:
    """A chat line of 5 to 29 words carrying its sequence number first."""
    words = " ".join(WORDS[(seq + n) % len(WORDS)] for n in range(5 + seq % 25))
    return f"m{seq:07d} {words}"


def message_event(seq: int) -> MessageReceived:
    return MessageReceived(ROOM, SPEAKERS[seq % len(SPEAKERS)], message_text(seq))


class BurstSession:
    """Stands in for `ClientSession`: joins ROOM, then waits for `quit()`.

    `on_event` is the app's callback, which the benchmark calls the way the
    session's `emit` does.
    """

    def __init__(self, nick: str, on_event: Callable[[Event], None]) -> None:
        self.nick = nick
        self.on_event = on_event
        self._quit = asyncio.Event()

    async def run(self) -> None:
        for event in (
            ConnectionStateChanged(ConnState.CONNECTED),
            Registered(self.nick, "bench.invalid"),
            SelfJoined(ROOM),
            MembersChanged(ROOM, tuple(Member(nick) for nick in (self.nick, *SPEAKERS))),
        ):
            self.on_event(event)
        await self._quit.wait()

    async def quit(self, message: str = "") -> None:
        self._quit.set()

    async def fetch_history(self, target: str, before: object, limit: int = 0) -> None:
        """Scrolled to the top: answer as a server with nothing older does."""
        self.on_event(HistoryBatchEnded(target, 0))


@dataclass
class SessionHolder:
    """The session factory given to the app; keeps the session it built."""

    session: BurstSession | None = None
    built: asyncio.Event = field(default_factory=asyncio.Event)

    def __call__(self, nick: str, on_event: Callable[[Event], None]) -> BurstSession:
        self.session = BurstSession(nick, on_event)
        self.built.set()
        return self.session


def rss_kb() -> int:
    return ProcessProbe(os.getpid()).rss_bytes() // 1024


def peak_rss_kb() -> int:
    """VmHWM: the most this process was ever resident, in KiB."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    raise RuntimeError("no VmHWM in /proc/self/status")


def live_blocks() -> int:
    """Memory blocks Python holds after a full collection: what the app really keeps.

    RSS alone cannot tell kept data from freed memory the allocator has not
    returned to the system.
    """
    gc.collect()
    return sys.getallocatedblocks()


def check_running(app: ChatApp) -> None:
    """Stop waiting at once if the app has failed (its error shows when run_test ends)."""
    if app.return_code is not None:
        raise RuntimeError(f"the app exited with code {app.return_code}")


def room_log(app: ChatApp) -> ChatLog:
    key = casefold(ROOM)
    return next(log for log in app.query(ChatLog) if log.window_key == key)


async def next_refresh(app: ChatApp) -> None:
    """Return once the screen has been refreshed after everything queued so far."""
    drawn = asyncio.get_running_loop().create_future()
    app.call_after_refresh(lambda: drawn.done() or drawn.set_result(None))
    await drawn


async def until(condition: Callable[[], bool], what: str, timeout: float) -> None:
    """Poll `condition` every probe interval; the probes' own cadence bounds the error."""
    try:
        async with asyncio.timeout(timeout):
            while not condition():
                await asyncio.sleep(PROBE_INTERVAL_S)
    except TimeoutError:
        raise RuntimeError(f"not within {timeout} s: {what}") from None


@asynccontextmanager
async def room_app(
    size: tuple[int, int], scrollback: int, *, tune_gc: bool = True
) -> AsyncIterator[tuple[ChatApp, Pilot[None], Callable[[Event], None]]]:
    """The app, joined to ROOM and showing it, with the session's `on_event` to feed.

    `tune_gc` as `tui-chat host` and `join` run it (False: CPython's defaults).
    """
    holder = SessionHolder()
    app = ChatApp(
        Settings(scrollback_lines=scrollback, bell_on_mention=False),
        server_label="bench.invalid:3131",
        nick=NICK,
        session_factory=holder,
        tune_gc=tune_gc,
    )
    async with app.run_test(headless=True, size=size) as pilot:
        await asyncio.wait_for(holder.built.wait(), DISPLAY_TIMEOUT_S)

        def room_shown() -> bool:
            check_running(app)
            if app.current_key != casefold(ROOM):
                return False
            return room_log(app).scrollable_content_region.width > 0

        await until(room_shown, "the room window is shown", DISPLAY_TIMEOUT_S)
        await pilot.pause()
        assert holder.session is not None
        yield app, pilot, holder.session.on_event
        await holder.session.quit()


def last_message_shown(app: ChatApp, seq: int) -> bool:
    """Message `seq` (the newest) is rendered into the log's rows and the view is at the end.

    Only the newest rows are looked at: this runs every probe interval and
    must cost the app next to nothing.
    """
    check_running(app)
    log = room_log(app)
    token = f"m{seq:07d}"
    newest = log.lines[-LAST_ROWS_CHECKED:]
    return any(token in strip.text for strip in newest) and log.scroll_y >= log.max_scroll_y


async def wait_displayed(app: ChatApp, seq: int) -> None:
    await until(lambda: last_message_shown(app, seq), f"message {seq} shown", DISPLAY_TIMEOUT_S)
    await next_refresh(app)


class KeyProbe:
    """A thread posting keys to the app like the terminal driver, and their latencies."""

    def __init__(self, app: ChatApp, interval: float = PROBE_INTERVAL_S) -> None:
        self._app = app
        self._loop = asyncio.get_running_loop()
        self._interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._post_keys, name="key probe", daemon=True)
        self._pending: deque[int] = deque()
        self._lock = threading.Lock()
        self.latencies_ns: list[int] = []
        self.posted = 0
        app.watch(app.query_one(ChatInput), "value", self._changed, init=False)

    def _post_keys(self) -> None:
        typed = False
        next_at = time.perf_counter()
        while not self._stop.is_set():
            key = events.Key("backspace", None) if typed else events.Key("x", "x")
            typed = not typed
            with self._lock:
                self._pending.append(time.perf_counter_ns())
            self._loop.call_soon_threadsafe(self._app.post_message, key)
            self.posted += 1
            next_at += self._interval
            self._stop.wait(max(0.0, next_at - time.perf_counter()))

    def _changed(self) -> None:
        now = time.perf_counter_ns()
        with self._lock:
            if self._pending:
                self.latencies_ns.append(now - self._pending.popleft())

    @contextmanager
    def running(self) -> Iterator[KeyProbe]:
        self._thread.start()
        try:
            yield self
        finally:
            self._stop.set()
            self._thread.join()

    def summary(self) -> dict[str, Any]:
        stats = latency_summary(self.latencies_ns)
        return {
            "keys_posted": self.posted,
            "keys_seen": len(self.latencies_ns),
            "key_latency_p50_ms": stats["latency_p50_ms"],
            "key_latency_p99_ms": stats["latency_p99_ms"],
            "key_latency_max_ms": stats["latency_max_ms"],
        }


class LoopProbe:
    """The longest time a short sleep on the app's loop overslept."""

    def __init__(self, interval: float = PROBE_INTERVAL_S) -> None:
        self._interval = interval
        self.worst_ns = 0
        self._task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        while True:
            before = time.perf_counter_ns()
            await asyncio.sleep(self._interval)
            late = time.perf_counter_ns() - before - int(self._interval * 1e9)
            self.worst_ns = max(self.worst_ns, late)

    def __enter__(self) -> LoopProbe:
        self._task = asyncio.get_running_loop().create_task(self._run())
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._task is not None
        self._task.cancel()


class GcProbe:
    """Python's garbage collections while running: how many per generation, the longest.

    A full (generation 2) collection traverses every live object the
    collector tracks and holds the loop for all of it.
    """

    def __init__(self) -> None:
        self.counts = [0, 0, 0]
        self.worst_ns = [0, 0, 0]
        self._started = 0

    def _callback(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._started = time.perf_counter_ns()
            return
        generation = info["generation"]
        self.counts[generation] += 1
        self.worst_ns[generation] = max(
            self.worst_ns[generation], time.perf_counter_ns() - self._started
        )

    def __enter__(self) -> GcProbe:
        gc.callbacks.append(self._callback)
        return self

    def __exit__(self, *exc: object) -> None:
        gc.callbacks.remove(self._callback)

    def summary(self) -> dict[str, Any]:
        return {
            "gc_collections": self.counts,
            "gc_full_max_ms": round(self.worst_ns[2] / 1e6, 3),
            "gc_young_max_ms": round(max(self.worst_ns[:2]) / 1e6, 3),
        }


async def keys_drained(probe: KeyProbe) -> None:
    """Wait until every key posted so far took effect (the probe thread is stopped)."""
    await until(lambda: len(probe.latencies_ns) >= probe.posted, "every key seen", 30)


async def burst(
    messages: int, size: tuple[int, int], scrollback: int, chunk: int, tune_gc: bool
) -> dict[str, Any]:
    """`messages` events at once, or `chunk` per loop turn as socket reads would deliver them."""
    step = chunk or messages
    async with room_app(size, scrollback, tune_gc=tune_gc) as (app, _pilot, on_event):
        blocks_before = live_blocks()
        rss_before = rss_kb()
        with LoopProbe() as loop_probe, GcProbe() as gc_probe:
            keys = KeyProbe(app)
            with keys.running():
                await asyncio.sleep(5 * PROBE_INTERVAL_S)  # a baseline before the burst
                started = time.perf_counter()
                for first in range(0, messages, step):
                    for seq in range(first, min(messages, first + step)):
                        on_event(message_event(seq))
                    if chunk:
                        await asyncio.sleep(0)
                posted = time.perf_counter() - started
                await wait_displayed(app, messages - 1)
                displayed = time.perf_counter() - started
            await keys_drained(keys)
        return {
            "scenario": "tui_burst",
            "gc_tuned": tune_gc,
            "messages": messages,
            "chunk": chunk,
            "scrollback_lines": scrollback,
            "size": list(size),
            "post_s": round(posted, 3),
            "displayed_s": round(displayed, 3),
            "messages_per_s": round(messages / displayed),
            **keys.summary(),
            "loop_lateness_max_ms": round(loop_probe.worst_ns / 1e6, 3),
            **gc_probe.summary(),
            "log_entries": len(app.log_lines(ROOM)),
            "log_rows": len(room_log(app).lines),
            "python_blocks_before": blocks_before,
            "python_blocks_after": live_blocks(),
            "rss_before_kb": rss_before,
            "rss_after_kb": rss_kb(),
            "rss_peak_kb": peak_rss_kb(),
        }


async def sustained(
    rate: float, seconds: float, size: tuple[int, int], scrollback: int, tune_gc: bool
) -> dict[str, Any]:
    """`rate` messages/s for `seconds`, sent every probe interval in small batches."""
    total = round(rate * seconds)
    async with room_app(size, scrollback, tune_gc=tune_gc) as (app, _pilot, on_event):
        with LoopProbe() as loop_probe, GcProbe() as gc_probe:
            keys = KeyProbe(app)
            with keys.running():
                started = time.perf_counter()
                sent = 0
                while sent < total:
                    due = min(total, int((time.perf_counter() - started) * rate) + 1)
                    for seq in range(sent, due):
                        on_event(message_event(seq))
                    sent = due
                    await asyncio.sleep(PROBE_INTERVAL_S)
                sending = time.perf_counter() - started
                await wait_displayed(app, total - 1)
                displayed = time.perf_counter() - started
            await keys_drained(keys)
        return {
            "scenario": "tui_sustained",
            "gc_tuned": tune_gc,
            "rate": rate,
            "seconds": seconds,
            "messages": total,
            "send_s": round(sending, 3),
            "displayed_s": round(displayed, 3),
            "behind_at_end_s": round(displayed - sending, 3),
            **keys.summary(),
            "loop_lateness_max_ms": round(loop_probe.worst_ns / 1e6, 3),
            **gc_probe.summary(),
            "rss_after_kb": rss_kb(),
        }


async def timed_key(app: ChatApp, log: ChatLog, key: str) -> float:
    """Milliseconds from posting `key` (as the driver does) until the log moved and was drawn."""
    moved = asyncio.Event()
    app.watch(log, "scroll_y", lambda: moved.set(), init=False)
    started = time.perf_counter()
    app.post_message(events.Key(key, None))
    await asyncio.wait_for(moved.wait(), KEY_TIMEOUT_S)
    await next_refresh(app)
    return (time.perf_counter() - started) * 1000


def oldest_reachable(log: ChatLog) -> int | None:
    """The sequence number of the oldest message whose rows the log still holds."""
    for strip in log.lines:
        match = SEQ_TOKEN.search(strip.text)
        if match:
            return int(match.group(1))
    return None


def timing_summary(samples_ms: list[float]) -> dict[str, float]:
    ordered = sorted(samples_ms)
    return {
        "median_ms": round(ordered[len(ordered) // 2], 3),
        "max_ms": round(ordered[-1], 3),
    }


async def scroll(lines: int, size: tuple[int, int], presses: int) -> dict[str, Any]:
    """Fill the log with `lines` messages (scrollback raised to hold them all), then scroll."""
    async with room_app(size, lines) as (app, _pilot, on_event):
        started = time.perf_counter()
        for seq in range(lines):
            on_event(message_event(seq))
        await wait_displayed(app, lines - 1)
        filled = time.perf_counter() - started
        # Before Home: at the top, the full log's first line says older ones are not kept.
        kept = len(app.log_lines(ROOM))
        log = room_log(app)
        up = [await timed_key(app, log, "pageup") for _ in range(presses)]
        moved_up = log.max_scroll_y - log.scroll_y
        down = [await timed_key(app, log, "pagedown") for _ in range(presses)]
        home_ms = await timed_key(app, log, "home")
        at_top = log.scroll_y == 0
        log.scroll_to(y=log.max_scroll_y // 2, animate=False, immediate=True)
        end_ms = await timed_key(app, log, "end")
        return {
            "scenario": "tui_scroll",
            "lines": lines,
            "log_entries": kept,
            "log_rows": len(log.lines),
            "oldest_reachable_seq": oldest_reachable(log),
            "fill_s": round(filled, 3),
            "page_rows": log.scrollable_content_region.height,
            "rows_moved_up": moved_up,
            "page_up": timing_summary(up),
            "page_down": timing_summary(down),
            "home_ms": round(home_ms, 3),
            "home_reached_top": at_top,
            "end_ms": round(end_ms, 3),
            "end_reached_bottom": log.scroll_y >= log.max_scroll_y,
            "rss_after_kb": rss_kb(),
        }


async def timed_resize(app: ChatApp, log: ChatLog, size: tuple[int, int]) -> float:
    """Milliseconds from a terminal resize (posted as the driver does) to the next frame."""
    width = log.scrollable_content_region.width
    started = time.perf_counter()
    app._driver._size = Size(*size)  # type: ignore[union-attr]  # the headless driver's size
    app.post_message(events.Resize(Size(*size), Size(*size)))
    async with asyncio.timeout(KEY_TIMEOUT_S):
        while log.scrollable_content_region.width == width:
            await next_refresh(app)
        await next_refresh(app)
    return (time.perf_counter() - started) * 1000


async def resize(lines: int, size: tuple[int, int], times: int) -> dict[str, Any]:
    """Fill the log with `lines` messages, then resize the terminal `times` times."""
    narrower = (size[0] - RESIZE_NARROWER_BY, size[1])
    async with room_app(size, lines) as (app, _pilot, on_event):
        for seq in range(lines):
            on_event(message_event(seq))
        await wait_displayed(app, lines - 1)
        log = room_log(app)
        with LoopProbe() as loop_probe:
            samples = [
                await timed_resize(app, log, narrower if n % 2 == 0 else size) for n in range(times)
            ]
        return {
            "scenario": "tui_resize",
            "lines": lines,
            "size": list(size),
            "narrower": list(narrower),
            "resizes": times,
            "resize": timing_summary(samples),
            "loop_lateness_max_ms": round(loop_probe.worst_ns / 1e6, 3),
            "newest_shown_after": last_message_shown(app, lines - 1),
            "rss_after_kb": rss_kb(),
        }


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.tui_burst", description=__doc__)
    parser.add_argument(
        "--size", type=size_arg, default=SCREEN_SIZE, help="terminal COLUMNSxROWS (120x40)"
    )
    parser.add_argument(
        "--gc-defaults",
        action="store_true",
        help="keep CPython's garbage collector settings (the app tunes them, as tui-chat does)",
    )
    cases = parser.add_subparsers(dest="case", required=True)
    one = cases.add_parser("burst", help="N messages in one burst")
    one.add_argument("--messages", type=int, default=BURST_MESSAGES)
    one.add_argument("--scrollback", type=int, default=DEFAULT_SCROLLBACK_LINES)
    one.add_argument(
        "--chunk", type=int, default=0, help="messages per loop turn (0: all in one go)"
    )
    steady = cases.add_parser("sustained", help="a steady rate for some seconds")
    steady.add_argument("--rate", type=float, default=SUSTAINED_RATE)
    steady.add_argument("--seconds", type=float, default=SUSTAINED_SECONDS)
    steady.add_argument("--scrollback", type=int, default=DEFAULT_SCROLLBACK_LINES)
    history = cases.add_parser("scroll", help="scroll through a long history")
    history.add_argument("--lines", type=int, default=HISTORY_LINES)
    history.add_argument("--presses", type=int, default=SCROLL_PRESSES)
    wrap = cases.add_parser("resize", help="resize the terminal with a full log")
    wrap.add_argument("--lines", type=int, default=RESIZE_LINES)
    wrap.add_argument("--times", type=int, default=RESIZES)
    args = parser.parse_args(argv)
    if getattr(args, "messages", 1) < 1 or getattr(args, "lines", 1) < 1:
        parser.error("--messages and --lines must be at least 1")
    return args


async def run_case(args: argparse.Namespace) -> dict[str, Any]:
    tuned = not args.gc_defaults
    match args.case:
        case "burst":
            return await burst(args.messages, args.size, args.scrollback, args.chunk, tuned)
        case "sustained":
            return await sustained(args.rate, args.seconds, args.size, args.scrollback, tuned)
        case "resize":
            return await resize(args.lines, args.size, args.times)
        case _:
            return await scroll(args.lines, args.size, args.presses)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    print(json.dumps(asyncio.run(run_case(args))), flush=True)


if __name__ == "__main__":
    main()
