"""The welcome burst from templates: the bytes of building every line, for any nick and caps."""

from __future__ import annotations

import pytest

from tests.server_core.fakes import Clock, Peer, make_core
from tui_chat.irc.message import Message
from tui_chat.server.core import ServerCore
from tui_chat.server.handlers import registration, server_info
from tui_chat.server.handlers.server_info import (
    TEMPLATE_VARIANTS,
    LineWriter,
    NickTemplate,
    send_cached,
)
from tui_chat.server.state import Client

NICKS = ("a", "alice", "[x]^_", "Zed-9", "n" * 30)
CAP_SETS = (
    "",
    "server-time",
    "message-tags",
    "server-time message-tags",
    "labeled-response batch",
    "labeled-response batch server-time message-tags",
)


def _burst(core: ServerCore, nick: str, caps: str) -> bytes:
    """Everything one client receives from connecting until registered."""
    peer = Peer(core)
    # The command that completes registration carries a label, so with
    # labeled-response the whole burst comes back as one labeled batch.
    if caps:
        peer.send("CAP LS 302", f"CAP REQ :{caps}", f"NICK {nick}", "USER u 0 * :Real Name")
        peer.send("@label=reg1 CAP END")
    else:
        peer.send(f"NICK {nick}", "@label=reg1 USER u 0 * :Real Name")
    assert peer.client.registered
    return b"".join(peer.transport.chunks)


def _uncached(core: ServerCore, client: Client, writer: LineWriter, variant: object = None) -> None:
    writer(core, client)


@pytest.mark.parametrize("caps", CAP_SETS)
def test_cached_burst_is_byte_identical_to_the_uncached_one(
    caps: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Twin servers with one frozen clock, so `time` tags and the 003 date match.
    clock = Clock()
    cached_core = make_core(clock, default_room=None, motd=["line one", "line: two"])
    plain_core = make_core(clock, default_room=None, motd=["line one", "line: two"])
    cached = [_burst(cached_core, nick, caps) for nick in NICKS]
    monkeypatch.setattr(registration, "send_cached", _uncached)
    monkeypatch.setattr(server_info, "send_cached", _uncached)
    plain = [_burst(plain_core, nick, caps) for nick in NICKS]
    assert cached == plain
    for nick, data in zip(NICKS, cached, strict=True):
        # Every line is addressed to its own nick, never the template's.
        assert f" 002 {nick} ".encode() in data and f" 376 {nick} ".encode() in data
        assert b" 002 * " not in data
    replies = [line for line in cached[0].split(b"\r\n") if line and b" CAP " not in line]
    assert len(replies) > 15
    if "server-time" in caps:
        assert all(b"time=" in line.split(b" ", 1)[0] for line in replies)
    if "labeled-response" in caps:
        # One labeled batch holding the burst, every line of it tagged.
        assert b"label=reg1" in replies[0] and b"BATCH +" in replies[0]
        assert all(b"batch=" in line for line in replies[1:-1])
        assert b"BATCH -" in replies[-1]


def test_a_changed_motd_is_sent_to_the_next_client() -> None:
    core = make_core(default_room=None, motd=["old news"])
    assert b"old news" in _burst(core, "first", "")
    core.config.motd = ["fresh news"]
    data = _burst(core, "second", "")
    assert b"fresh news" in data and b"old news" not in data
    core.config.motd = []
    assert b" 422 third :" in _burst(core, "third", "")


def _lusers_line(data: bytes, code: str) -> bytes:
    return next(line for line in data.split(b"\r\n") if f" {code} ".encode() in line)


def test_lusers_counts_are_those_of_the_moment_each_client_registers() -> None:
    core = make_core(default_room=None)
    first = _burst(core, "first", "")
    assert _lusers_line(first, "251").endswith(b"There are 1 users and 0 invisible on 1 servers")
    second = _burst(core, "second", "")
    assert _lusers_line(second, "255").endswith(b" 255 second :I have 2 clients and 0 servers")
    # Back to one client: the template of that count serves again, correctly.
    core.disconnect(core.find_client("second"), "bye")
    assert _lusers_line(_burst(core, "third", ""), "255").endswith(
        b"I have 2 clients and 0 servers"
    )
    core.disconnect(core.find_client("first"), "bye")
    core.disconnect(core.find_client("third"), "bye")
    assert _lusers_line(_burst(core, "fourth", ""), "265").endswith(b"Current local users 1")


def test_variants_of_a_template_are_bounded() -> None:
    made: list[int] = []

    def writer(core: ServerCore, client: Client) -> None:
        made.append(1)
        core.reply(client, "372", text="- hello")

    core = make_core(default_room=None)
    peer = Peer(core)
    peer.client.nick = "n"
    for variant in range(TEMPLATE_VARIANTS + 10):
        send_cached(core, peer.client, writer, variant)
    send_cached(core, peer.client, writer, TEMPLATE_VARIANTS + 9)  # still kept
    assert len(made) == TEMPLATE_VARIANTS + 10
    send_cached(core, peer.client, writer, 0)  # the oldest, dropped
    assert len(made) == TEMPLATE_VARIANTS + 11


def test_a_template_records_its_writer_once_per_server() -> None:
    calls: list[str] = []

    def writer(core: ServerCore, client: Client) -> None:
        calls.append(client.nick)
        core.reply(client, "372", text="- hello")

    core = make_core(default_room=None)
    peers = [Peer(core) for _ in range(3)]
    for index, peer in enumerate(peers):
        peer.client.nick = f"n{index}"
        send_cached(core, peer.client, writer)
    assert calls == ["*"]
    assert [peer.take()[0].params[0] for peer in peers] == ["n0", "n1", "n2"]


def test_a_line_without_the_nick_after_the_command_cannot_be_a_template() -> None:
    def writer(core: ServerCore, client: Client) -> None:
        core.send(client, Message("PING", ["token"], core.config.server_name))

    with pytest.raises(ValueError, match="no nick"):
        NickTemplate(make_core(), writer)
