"""Micro-benchmark of the IRC line parser and serializer (server hot path).

Run: `.venv/bin/python benchmarks/irc_parse.py [--seconds N]`; prints lines/s
for a mix of typical server traffic.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

from tui_chat.irc.message import parse, serialize

# What a busy room sends: chat, tags from IRCv3 clients, pings, joins.
SAMPLE_LINES = [
    "PRIVMSG #lobby :hello everyone, how is it going today?",
    ":alice!alice@127.0.0.1 PRIVMSG #lobby :hello everyone, how is it going today?",
    "@time=2026-11-24T11:30:00.000Z;msgid=abc123;+draft/reply=xyz :bob!b@host PRIVMSG #lobby :hi",
    "PING :irc.example.com",
    ":carol!c@example.org JOIN #lobby",
    "MODE #lobby +o alice",
    "@label=42 WHO #lobby %tnuhiar,42",
]
DEFAULT_SECONDS = 2.0


def _rate(work: Callable[[], None], per_call: int, seconds: float) -> float:
    calls = 0
    start = time.perf_counter()
    deadline = start + seconds
    while time.perf_counter() < deadline:
        work()
        calls += 1
    return calls * per_call / (time.perf_counter() - start)


def main() -> None:
    cli = argparse.ArgumentParser(description=__doc__)
    cli.add_argument("--seconds", type=float, default=DEFAULT_SECONDS)
    seconds = cli.parse_args().seconds
    messages = [parse(line) for line in SAMPLE_LINES]

    def parse_all() -> None:
        for line in SAMPLE_LINES:
            parse(line)

    def serialize_all() -> None:
        for msg in messages:
            serialize(msg)

    print(f"parse:     {_rate(parse_all, len(SAMPLE_LINES), seconds):,.0f} lines/s")
    print(f"serialize: {_rate(serialize_all, len(messages), seconds):,.0f} lines/s")


if __name__ == "__main__":
    main()
