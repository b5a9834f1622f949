"""Limits that hold under many idle or stalled connections: timeouts and the send queue."""

from __future__ import annotations

import time

from .fakes import Clock, FakeTransport, Peer, make_core, register

HALF_OPEN = 1000


def test_a_thousand_half_open_connections_are_all_dropped_at_the_registration_timeout() -> None:
    clock = Clock()
    core = make_core(clock, flood_exempt=[])
    started = time.perf_counter()
    peers = [
        Peer(core, host=f"203.0.{i // 200}.{i % 200}", port=40000 + i) for i in range(HALF_OPEN)
    ]
    # Some never say anything, some stop half-way through a line or a registration.
    for i, peer in enumerate(peers):
        if i % 3 == 1:
            peer.raw(b"NICK half")
        elif i % 3 == 2:
            peer.send(f"NICK h{i}")
    alice = register(core, "alice")
    clock.now += core.config.registration_timeout - 1
    core.tick()
    assert sum(p.transport.closed for p in peers) == 0
    alice.send("PING keep")
    clock.now += 2
    core.tick()
    elapsed = time.perf_counter() - started
    assert all(p.transport.closed for p in peers)
    assert all(p.take()[-1].command == "ERROR" for p in peers)
    assert list(core.clients) == [alice.client]
    assert list(core.nicks) == ["alice"]
    assert not alice.transport.closed
    clock.now += core.config.new_connections_window
    core.tick()
    assert len(core.addresses) == 1
    # Generous: about 0.2 s on the project's 2-core box.
    assert elapsed < 5.0


def test_half_open_connections_from_one_address_stop_at_its_limit() -> None:
    core = make_core(flood_exempt=[])
    peers = [Peer(core, host="203.0.113.5", port=40000 + i) for i in range(HALF_OPEN)]
    accepted = [p for p in peers if not p.transport.closed]
    assert len(accepted) == core.config.max_connections_per_ip
    assert len(core.clients) == core.config.max_connections_per_ip


class SlowReaderTransport(FakeTransport):
    """A reader that never reads: every byte written stays in its buffer."""

    def write(self, data: bytes) -> None:
        super().write(data)
        self.buffered += len(data)


def test_slow_reader_is_dropped_at_its_sendq_and_memory_stays_bounded() -> None:
    sendq = 64 * 1024
    core = make_core(max_sendq=sendq)
    alice = register(core, "alice")
    bob = register(core, "bob", port=40001)
    slow = register(core, "slow", port=40002)
    slow.transport = slow.client.transport = SlowReaderTransport()
    line = "x" * 400
    for i in range(1000):
        alice.send(f"PRIVMSG #lobby :{i} {line}")
    transport = slow.transport
    assert isinstance(transport, SlowReaderTransport)
    assert transport.closed
    # Dropped at the first write past the limit: one line and the ERROR over it at most.
    assert transport.buffered <= sendq + 2 * 512
    assert core.find_client("slow") is None
    got = [m for m in bob.take() if m.command == "PRIVMSG"]
    assert [m.params[-1].split()[0] for m in got] == [str(i) for i in range(1000)]
    assert [m.params[0] for m in alice.take() if m.command == "QUIT"] == ["SendQ exceeded"]
