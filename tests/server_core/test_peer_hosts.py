"""How a peer's address is shown to others: as a host that survives the wire."""

from __future__ import annotations

import pytest

from tests.server_core.fakes import Peer, drain, make_core, register
from tui_chat.irc.numerics import RPL_WHOISUSER


@pytest.mark.parametrize(
    ("address", "shown"),
    [("::1", "0::1"), ("::ffff:192.0.2.7", "192.0.2.7"), ("2001:db8::5", "2001:db8::5")],
)
def test_whois_shows_an_ipv6_peer_as_a_usable_host(address: str, shown: str) -> None:
    core = make_core(flood_exempt=["0.0.0.0/0", "::/0"])
    asker = register(core, "alice")
    peer = Peer(core, host=address, port=40001)
    peer.send("NICK bob", "USER bob 0 * :Bob")
    assert peer.client.registered
    drain(core)
    asker.send("WHOIS bob")
    (user,) = [m for m in asker.take() if m.command == RPL_WHOISUSER]
    assert user.params[3] == shown
    assert peer.client.source == f"bob!~bob@{shown}"
