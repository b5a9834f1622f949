"""Micro-benchmark of the IRC line parser and serializer (server hot path).

Run: `.venv/bin/python benchmarks/irc_parse.py [--seconds N]`; prints lines/s
for a mix of typical server traffic.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

from tui_chat.irc.message import Message, parse, serialize

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
# Near the 512-byte limit, where per-character work shows up.
LONG_LINES = [
    ":alice!alice@127.0.0.1 PRIVMSG #lobby :" + "hello everyone " * 28,
    "@+draft/reply=abc;+typing=active;label=" + "x" * 200 + " PRIVMSG #lobby :" + "y" * 250,
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
    for label, lines in (("typical", SAMPLE_LINES), ("long", LONG_LINES)):
        messages = [parse(line) for line in lines]

        def parse_all(lines: list[str] = lines) -> None:
            for line in lines:
                parse(line)

        def serialize_all(messages: list[Message] = messages) -> None:
            for msg in messages:
                serialize(msg)

        print(f"{label:8} parse:     {_rate(parse_all, len(lines), seconds):,.0f} lines/s")
        print(f"{label:8} serialize: {_rate(serialize_all, len(lines), seconds):,.0f} lines/s")


if __name__ == "__main__":
    main()
