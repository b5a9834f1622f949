"""Random command sequences from several clients: no handler fails, every line is well-formed."""

from __future__ import annotations

import logging

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tui_chat.irc.message import parse
from tui_chat.server import caps

from .fakes import Peer, drain, make_core, register

COMMANDS = [
    "JOIN", "PART", "PRIVMSG", "NOTICE", "TAGMSG", "NICK", "TOPIC", "MODE", "KICK", "INVITE",
    "NAMES", "LIST", "WHO", "WHOIS", "WHOWAS", "AWAY", "ISON", "USERHOST", "SETNAME", "OPER",
    "KILL", "CAP", "PING", "MOTD", "LUSERS", "VERSION", "TIME", "INFO", "QUIT",
]  # fmt: skip
WORDS = st.sampled_from(
    ["#a", "#b", "#lobby", "a1", "b2", "c3", "ghost", "+o", "-o", "+b", "+kl", "+imnst", "-k",
     "*", "%tcnfr,1", "0", "op", "pw", ":x y", "", "+v", "LS", "REQ", "END", "LIST", "3", "#a,#b",
     "a1,b2", "*!*@*", "-lb"]
)  # fmt: skip
LINES = st.tuples(
    st.integers(0, 2),
    st.sampled_from(COMMANDS),
    st.lists(WORDS, max_size=4),
    st.booleans(),
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(LINES, max_size=40))
def test_random_sessions_never_break_a_handler(
    script: list[tuple[int, str, list[str], bool]],
) -> None:
    core = make_core(operators={"op": "pw"})
    peers = [
        register(core, "a1", caps=" ".join(caps.SUPPORTED)),
        register(core, "b2", caps="batch labeled-response message-tags"),
        register(core, "c3"),
    ]
    drain(core)
    failures: list[logging.LogRecord] = []
    catcher = logging.Handler(logging.ERROR)
    catcher.emit = failures.append  # type: ignore[method-assign]
    logger = logging.getLogger("tui_chat.server")
    logger.addHandler(catcher)
    try:
        run(peers, script)
    finally:
        logger.removeHandler(catcher)
    assert not failures, failures[0].getMessage()
    for peer in peers:
        data = b"".join(peer.transport.chunks)
        assert data == b"" or data.endswith(b"\r\n")
        for raw in data.split(b"\r\n")[:-1]:
            msg = parse(raw.decode("utf-8"))
            assert not (msg.command == "400" and msg.params[-1] == "Internal error"), raw


def run(peers: list[Peer], script: list[tuple[int, str, list[str], bool]]) -> None:
    for who, command, words, labeled in script:
        params = [w for w in words[:-1] if w and " " not in w and not w.startswith(":")]
        line = " ".join([command, *params] + ([":" + words[-1]] if words else []))
        prefix = "@label=L;+t=v " if labeled else ""
        peers[who].send(prefix + line)
