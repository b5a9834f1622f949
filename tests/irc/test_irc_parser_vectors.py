"""Every vector of the public `irc-parser-tests` data, one test each."""

from __future__ import annotations

from typing import Any

import pytest
from parser_tests.data import msg_join, msg_split

from tui_chat.irc.message import Message, parse, serialize


def _ids(vectors: list[dict[str, Any]], key: str) -> list[str]:
    return [f"{i:02d}-{vector.get(key, '')!r}"[:80] for i, vector in enumerate(vectors)]


SPLIT = msg_split["tests"]
JOIN = msg_join["tests"]


@pytest.mark.parametrize("vector", SPLIT, ids=_ids(SPLIT, "input"))
def test_msg_split(vector: dict[str, Any]) -> None:
    atoms = vector["atoms"]
    msg = parse(vector["input"])
    # We upper-case commands on parse; the vectors keep the case as sent.
    assert msg.command == atoms["verb"].upper()
    assert msg.source == atoms.get("source")
    assert msg.params == atoms.get("params", [])
    assert msg.tags == (atoms.get("tags") or {})


@pytest.mark.parametrize("vector", JOIN, ids=_ids(JOIN, "desc"))
def test_msg_join(vector: dict[str, Any]) -> None:
    atoms = vector["atoms"]
    msg = Message(
        atoms["verb"],
        list(atoms.get("params", [])),
        atoms.get("source"),
        dict(atoms.get("tags") or {}),
    )
    assert serialize(msg) in vector["matches"]
