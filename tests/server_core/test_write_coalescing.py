"""Writes of one loop iteration leave in one transport write per client.

The core gets a `call_soon` that the test runs by hand (`Loop.run`), so each
test sees exactly what is written before and after the end of an iteration.
"""

from __future__ import annotations

from collections.abc import Callable

from server_core.fakes import Clock, Peer, make_core, register
from tui_chat.irc.message import parse
from tui_chat.server.core import ServerCore


class Loop:
    """Collects call_soon callbacks; `run` is the end of one loop iteration."""

    def __init__(self) -> None:
        self.ready: list[Callable[[], None]] = []

    def call_soon(self, callback: Callable[[], None]) -> None:
        self.ready.append(callback)

    def call_later(self, delay: float, callback: Callable[[], None]) -> None:
        raise AssertionError("no flood control in these tests")

    def run(self) -> None:
        while self.ready:
            ready, self.ready = self.ready, []
            for callback in ready:
                callback()


def looped_core(**config: object) -> tuple[ServerCore, Loop]:
    core = make_core(Clock(), default_room=None, **config)
    loop = Loop()
    core.attach_loop(loop.call_soon, loop.call_later)
    return core, loop


def commands(chunk: bytes) -> list[str]:
    return [parse(line.decode()).command for line in chunk.split(b"\r\n") if line]


def in_room(core: ServerCore, loop: Loop, *nicks: str) -> list[Peer]:
    """Registered peers in #room, with everything sent so far flushed and forgotten."""
    peers = [register(core, nick, port=40000 + i) for i, nick in enumerate(nicks)]
    for peer in peers:
        peer.send("JOIN #room")
    loop.run()
    for peer in peers:
        peer.transport.chunks.clear()
    return peers


def test_registration_burst_is_one_write_at_the_end_of_the_iteration() -> None:
    core, loop = looped_core()
    peer = Peer(core)
    peer.send("NICK alice", "USER alice 0 * :Alice")
    assert peer.transport.chunks == []
    loop.run()
    assert len(peer.transport.chunks) == 1
    got = commands(peer.transport.chunks[0])
    assert got[:5] == ["001", "002", "003", "004", "005"]
    assert got[-1] == "376"
    assert len(loop.ready) == 0


def test_relayed_lines_queue_behind_pending_replies_in_order() -> None:
    core, loop = looped_core()
    alice, bob = in_room(core, loop, "alice", "bob")
    bob.send("PING first")
    alice.send(*(f"PRIVMSG #room :line {i}" for i in range(5)))
    alice.send("PRIVMSG bob :private")
    assert bob.transport.chunks == []
    assert len(loop.ready) == 1
    loop.run()
    assert len(bob.transport.chunks) == 1
    msgs = [parse(line.decode()) for line in bob.transport.chunks[0].split(b"\r\n") if line]
    assert [m.params[-1] for m in msgs] == ["first", *(f"line {i}" for i in range(5)), "private"]


def test_a_relayed_line_to_a_client_with_nothing_pending_is_written_at_once() -> None:
    core, loop = looped_core()
    alice, bob = in_room(core, loop, "alice", "bob")
    alice.send("PRIVMSG #room :now")
    assert commands(b"".join(bob.transport.chunks)) == ["PRIVMSG"]


def test_relay_queues_the_same_bytes_object_for_every_recipient_of_a_form() -> None:
    core, loop = looped_core()
    peers = in_room(core, loop, "u0", "u1", "u2")
    peers[0].send("PRIVMSG #room :hello")
    loop.run()
    assert peers[1].transport.chunks[0] is peers[2].transport.chunks[0]


def test_pending_bytes_count_toward_the_send_queue_limit() -> None:
    core, loop = looped_core()
    talker, reader = in_room(core, loop, "talker", "reader")
    core.config.max_sendq = 2000
    # A pending reply makes the relayed lines queue. About 60 bytes a line:
    # the limit is crossed before the iteration ends, while the transport
    # itself still holds nothing.
    reader.send("PING first")
    talker.send(*(f"PRIVMSG #room :{'x' * 20} {i}" for i in range(50)))
    assert reader.client.gone
    loop.run()
    data = b"".join(reader.transport.chunks)
    assert reader.transport.closed
    assert commands(data)[-1] == "ERROR"
    assert b"SendQ exceeded" in data.split(b"\r\n")[-2]
    assert commands(data).count("PRIVMSG") > 20


def test_transport_buffer_over_the_limit_at_flush_drops_the_client() -> None:
    core, loop = looped_core()
    (reader,) = in_room(core, loop, "reader")
    core.config.max_sendq = 1000
    reader.transport.buffered = 5000
    reader.send("PING first")
    assert not reader.client.gone
    loop.run()
    assert reader.client.gone
    assert commands(reader.transport.chunks[-1])[-1] == "ERROR"


def test_pending_lines_leave_before_the_error_of_a_quit() -> None:
    core, loop = looped_core()
    (peer,) = in_room(core, loop, "alice")
    peer.send("PING one", "QUIT :bye")
    assert peer.transport.chunks, "a closing client is flushed at once"
    got = commands(b"".join(peer.transport.chunks))
    assert got == ["PONG", "ERROR"]
    loop.run()
    assert commands(b"".join(peer.transport.chunks)) == ["PONG", "ERROR"]


def test_shutdown_flushes_pending_lines_before_its_error() -> None:
    core, loop = looped_core()
    (peer,) = in_room(core, loop, "alice")
    peer.send("PING one")
    core.shutdown("bye")
    assert commands(b"".join(peer.transport.chunks)) == ["PONG", "ERROR"]
    loop.run()
    assert commands(b"".join(peer.transport.chunks)) == ["PONG", "ERROR"]


def test_labeled_response_with_coalesced_writes() -> None:
    core, loop = looped_core()
    peer = register(core, "alice", caps="labeled-response batch")
    loop.run()
    peer.transport.chunks.clear()
    peer.send("@label=a1 PING one", "@label=a2 NAMES #nowhere", "PING plain")
    loop.run()
    assert len(peer.transport.chunks) == 1
    msgs = [parse(line.decode()) for line in peer.transport.chunks[0].split(b"\r\n") if line]
    assert [(m.command, m.tags.get("label")) for m in msgs] == [
        ("PONG", "a1"),
        ("366", "a2"),
        ("PONG", None),
    ]


def test_a_client_gone_before_the_flush_gets_nothing_more() -> None:
    core, loop = looped_core()
    (peer,) = in_room(core, loop, "alice")
    peer.send("PING one")
    core.connection_lost(peer.client)
    loop.run()
    assert peer.transport.chunks == []


def test_join_echo_names_and_the_others_copy() -> None:
    core, loop = looped_core()
    (alice,) = in_room(core, loop, "alice")
    bob = register(core, "bob", port=40001)
    loop.run()
    bob.transport.chunks.clear()
    bob.send("JOIN #room")
    assert bob.transport.chunks == []
    loop.run()
    assert [commands(chunk) for chunk in bob.transport.chunks] == [["JOIN", "353", "366"]]
    # Others still get a relay at once: no queueing per delivery.
    assert [commands(chunk) for chunk in alice.transport.chunks] == [["JOIN"]]


def test_a_command_that_answers_nothing_writes_nothing() -> None:
    core, loop = looped_core()
    alice, bob = in_room(core, loop, "alice", "bob")
    alice.send("PRIVMSG #room :hi")
    loop.run()
    assert alice.transport.chunks == []
    assert [commands(chunk) for chunk in bob.transport.chunks] == [["PRIVMSG"]]
