"""The server's console log says what happened, readably (QA's findings)."""

from __future__ import annotations

import errno
import logging

import pytest

from e2e.conftest import Address, Connect
from e2e.ircpeer import match
from tui_chat.server.listener import _lost_reason


async def test_part_reason_action_and_mode_lines(
    connect: Connect, lobby: Address, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="tui_chat.server")
    alice = await connect(lobby, "alice")
    await alice.send("JOIN #den")
    await alice.expect(match("366", None, "alice", "#den"))
    await alice.send(
        "MODE #den +m",
        "MODE #den +k door",
        "PRIVMSG #den :\x01ACTION waves\x01",
        "PRIVMSG #den :plain words",
        "PART #den :see you",
    )
    await alice.expect(match("PART", "alice", "#den"))
    await alice.sync()
    lines = [r.getMessage() for r in caplog.records if r.name == "tui_chat.server"]
    assert "mode #den +m by alice" in lines
    assert "mode #den +k door by alice" in lines
    assert "<#den> * alice waves" in lines
    assert "<#den> alice: plain words" in lines
    assert "part #den alice: see you" in lines
    assert not [line for line in lines if "\x01" in line]


@pytest.mark.parametrize(
    "error",
    [BrokenPipeError(errno.EPIPE, "Broken pipe"), ConnectionResetError(errno.ECONNRESET, "reset")],
)
def test_a_client_that_hung_up_is_no_error(error: OSError) -> None:
    # Seen: "Broken pipe" logged (and sent as its QUIT) for a client that sent QUIT and closed.
    assert _lost_reason(error) == "Connection closed"
    assert _lost_reason(TimeoutError(errno.ETIMEDOUT, "Connection timed out")) == (
        "Connection timed out"
    )
