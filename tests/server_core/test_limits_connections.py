"""Per-address connection limits: open at once, new per window, refused cleanly."""

from __future__ import annotations

from tui_chat.server.core import ServerCore
from tui_chat.server.limits import FLOOD_EXEMPT

from .fakes import Clock, Peer, make_core

STRANGER = "203.0.113.9"


def limited_core(clock: Clock | None = None, **config: object) -> ServerCore:
    return make_core(clock, flood_exempt=[], **config)


def test_connections_over_the_open_limit_are_refused_until_one_leaves() -> None:
    core = limited_core(max_connections_per_ip=3)
    peers = [Peer(core, host=STRANGER, port=50000 + i) for i in range(3)]
    refused = Peer(core, host=STRANGER, port=50003)
    assert refused.transport.closed
    error = refused.take()
    assert [m.command for m in error] == ["ERROR"]
    assert "Too many connections" in error[0].params[0]
    assert refused.client not in core.clients
    assert not any(p.transport.closed for p in peers)
    # The listener still reports data and the loss for it: both are harmless.
    refused.send("NICK late", "USER late 0 * :Late")
    core.connection_lost(refused.client)
    assert refused.take() == [] and not refused.client.registered
    core.connection_lost(peers[0].client)
    assert not Peer(core, host=STRANGER, port=50004).transport.closed
    assert not Peer(core, host="203.0.113.10").transport.closed


def test_new_connections_per_window_refill_steadily() -> None:
    clock = Clock()
    core = limited_core(clock, new_connections_per_ip=4, new_connections_window=60.0)
    for port in range(4):
        peer = Peer(core, host=STRANGER, port=port)
        assert not peer.transport.closed
        core.connection_lost(peer.client)
    refused = Peer(core, host=STRANGER, port=4)
    assert refused.transport.closed
    assert "wait a while" in refused.take()[0].params[0]
    # One new connection per 60 / 4 seconds comes back.
    clock.now += 15.0
    assert not Peer(core, host=STRANGER, port=5).transport.closed
    assert Peer(core, host=STRANGER, port=6).transport.closed


def test_ipv6_counts_per_64_network() -> None:
    core = limited_core(max_connections_per_ip=2)
    Peer(core, host="2001:db8:1:1::1")
    Peer(core, host="2001:db8:1:1::2")
    assert Peer(core, host="2001:db8:1:1:ffff::3").transport.closed
    assert not Peer(core, host="2001:db8:1:2::1").transport.closed
    # An IPv4 peer on a dual-stack socket counts as its IPv4 address.
    Peer(core, host="::ffff:198.51.100.1")
    Peer(core, host="198.51.100.1")
    assert Peer(core, host="198.51.100.1").transport.closed


def test_trusted_addresses_have_no_connection_limits() -> None:
    core = make_core(max_connections_per_ip=2, flood_exempt=[*FLOOD_EXEMPT, "192.0.2.0/24"])
    for port in range(50):
        assert not Peer(core, host="127.0.0.1", port=port).transport.closed
        assert not Peer(core, host="192.0.2.1", port=port).transport.closed
    assert len(core.addresses) == 0


def test_address_memory_is_pruned_once_allowances_refill() -> None:
    clock = Clock()
    core = limited_core(clock)
    for i in range(500):
        peer = Peer(core, host=f"198.51.{i // 250}.{i % 250}")
        core.connection_lost(peer.client)
    assert len(core.addresses) == 500
    core.tick()
    assert len(core.addresses) == 500
    clock.now += core.config.new_connections_window
    core.tick()
    assert len(core.addresses) == 0


def test_shutdown_forgets_addresses() -> None:
    core = limited_core(max_connections_per_ip=1)
    Peer(core, host=STRANGER)
    core.shutdown()
    assert len(core.addresses) == 0
    assert not Peer(core, host=STRANGER).transport.closed
