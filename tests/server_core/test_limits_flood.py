"""Flood control: a burst, then a steady rate; excess input delayed, a hard ceiling, exemptions.

The core runs with a fake clock and a fake scheduler standing in for
`loop.call_later`, so every delay is exact and no test sleeps.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable
from itertools import count

import pytest

from tui_chat.server.config import ServerConfig
from tui_chat.server.core import ServerCore

from .fakes import Clock, FakeTransport, Peer, make_core, register

BURST = 5
RATE = 2.0


class Scheduler:
    """`loop.call_later` on the fake clock: `advance()` moves time and runs what fell due."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self._timers: list[tuple[float, int, Callable[[], None]]] = []
        self._order = count()

    def __call__(self, delay: float, callback: Callable[[], None]) -> None:
        heapq.heappush(self._timers, (self.clock.now + delay, next(self._order), callback))

    def advance(self, seconds: float) -> None:
        end = self.clock.now + seconds
        while self._timers and self._timers[0][0] <= end:
            due, _, callback = heapq.heappop(self._timers)
            self.clock.now = max(self.clock.now, due)
            callback()
        self.clock.now = end

    @property
    def pending(self) -> int:
        return len(self._timers)


class PausableTransport(FakeTransport):
    """Records pause_reading / resume_reading like an asyncio transport."""

    def __init__(self) -> None:
        super().__init__()
        self.reading = True
        self.pauses = 0

    def pause_reading(self) -> None:
        self.reading = False
        self.pauses += 1

    def resume_reading(self) -> None:
        self.reading = True


def limited_core(**config: object) -> tuple[ServerCore, Scheduler]:
    """A core where loopback (the fake peers' address) is NOT exempt."""
    clock = Clock()
    scheduler = Scheduler(clock)
    fields: dict[str, object] = {
        "flood_exempt": [],
        "flood_burst": BURST,
        "flood_rate": RATE,
        **config,
    }
    core = ServerCore(ServerConfig(**fields), clock=clock, call_later=scheduler)  # type: ignore[arg-type]
    return core, scheduler


def pausable(peer: Peer) -> PausableTransport:
    transport = PausableTransport()
    peer.transport = transport
    peer.client.transport = transport
    return transport


def texts(peer: Peer, nick: str) -> list[str]:
    return [m.params[-1] for m in peer.take() if m.command == "PRIVMSG" and m.nick == nick]


def spend_burst(core: ServerCore, nick: str, scheduler: Scheduler, port: int) -> Peer:
    """A registered peer with a full allowance again (registration spent some)."""
    peer = register(core, nick, port=port)
    scheduler.advance(BURST / RATE)
    return peer


def test_burst_passes_then_excess_is_delayed_in_order_not_dropped() -> None:
    core, scheduler = limited_core()
    flooder = spend_burst(core, "flooder", scheduler, 40001)
    bob = spend_burst(core, "bob", scheduler, 40002)
    transport = pausable(flooder)
    flooder.raw(b"".join(f"PRIVMSG #lobby :line {i}\r\n".encode() for i in range(12)))
    assert texts(bob, "flooder") == [f"line {i}" for i in range(BURST)]
    assert not transport.reading and transport.pauses == 1
    scheduler.advance(1 / RATE)
    assert texts(bob, "flooder") == [f"line {BURST}"]
    scheduler.advance(6 / RATE)
    assert texts(bob, "flooder") == [f"line {i}" for i in range(BURST + 1, 12)]
    assert transport.reading and transport.pauses == 1
    assert scheduler.pending == 0
    assert not flooder.transport.closed


def test_lines_arriving_while_held_queue_behind_the_backlog() -> None:
    core, scheduler = limited_core()
    flooder = spend_burst(core, "flooder", scheduler, 40001)
    bob = spend_burst(core, "bob", scheduler, 40002)
    flooder.send(*(f"PRIVMSG #lobby :a{i}" for i in range(BURST + 2)))
    # A transport without pause_reading keeps delivering: still in order, after the backlog.
    flooder.send("PRIVMSG #lobby :b0")
    scheduler.advance(10)
    assert texts(bob, "flooder") == [*(f"a{i}" for i in range(BURST + 2)), "b0"]


def test_flooder_disconnected_past_ceiling_while_legit_user_loses_nothing() -> None:
    core, scheduler = limited_core(flood_max_backlog=20)
    flooder = spend_burst(core, "flooder", scheduler, 40001)
    alice = spend_burst(core, "alice", scheduler, 40002)
    bob = spend_burst(core, "bob", scheduler, 40003)
    flooder.send(*(f"PRIVMSG #lobby :spam {i}" for i in range(BURST + 15)))
    said = []
    for i in range(6):
        said.append(f"hello {i}")
        alice.send(f"PRIVMSG #lobby :hello {i}")
        # Alice chats at 1 line/s, under the rate: each line is delivered at once.
        assert texts(bob, "alice") == [f"hello {i}"]
        scheduler.advance(1.0)
    # Past the ceiling: the rest of a paste of 100 lines.
    flooder.send(*(f"PRIVMSG #lobby :more {i}" for i in range(100)))
    error = [m for m in flooder.take() if m.command == "ERROR"]
    assert error and "Excess Flood" in error[0].params[0]
    assert flooder.transport.closed
    assert core.find_client("flooder") is None
    received = bob.take()
    assert [m.params[0] for m in received if m.command == "QUIT"] == ["Excess Flood"]
    assert not any(m.params[-1].startswith("more") for m in received if m.command == "PRIVMSG")
    alice.send("PRIVMSG #lobby :still here")
    assert texts(bob, "alice") == ["still here"]
    assert not core._held


def test_registration_commands_count_too() -> None:
    core, _ = limited_core(flood_max_backlog=10)
    slowloris = Peer(core, port=40001)
    slowloris.send(*(f"NICK n{i}" for i in range(BURST)))
    assert not slowloris.transport.closed
    slowloris.send(*(f"NICK m{i}" for i in range(11)))
    assert slowloris.transport.closed
    assert slowloris.client not in core.clients


def test_exempt_network_is_not_throttled() -> None:
    core, _ = limited_core(flood_exempt=["198.51.100.0/24"])
    bot = Peer(core, host="198.51.100.7")
    bot.send("NICK bot", "USER bot 0 * :Bot", *(f"PRIVMSG #lobby :{i}" for i in range(300)))
    assert bot.client.registered and bot.client.flood is None
    assert not bot.transport.closed
    stranger = Peer(core, host="198.51.101.7")
    assert stranger.client.flood is not None


def test_loopback_is_exempt_by_default() -> None:
    core = make_core()
    alice = register(core, "alice")
    bob = register(core, "bob", port=40001)
    alice.send(*(f"PRIVMSG #lobby :{i}" for i in range(300)))
    assert len(texts(bob, "alice")) == 300


def test_operator_is_exempt_and_releases_its_backlog() -> None:
    core, scheduler = limited_core(operators={"admin": "secret"})
    oper = spend_burst(core, "oper", scheduler, 40001)
    bob = spend_burst(core, "bob", scheduler, 40002)
    oper.send(*(f"PRIVMSG #lobby :{i}" for i in range(BURST)), "OPER admin secret")
    oper.send(*(f"PRIVMSG #lobby :x{i}" for i in range(3)))
    # OPER itself waited its turn; once it ran, the rest flows at once.
    scheduler.advance(1 / RATE)
    assert oper.client.is_oper
    oper.send(*(f"PRIVMSG #lobby :y{i}" for i in range(200)))
    got = texts(bob, "oper")
    assert len(got) == BURST + 3 + 200
    assert got[BURST:] == [*(f"x{i}" for i in range(3)), *(f"y{i}" for i in range(200))]


def test_tick_releases_held_lines_without_a_scheduler() -> None:
    clock = Clock()
    core = make_core(clock, flood_exempt=[])
    alice = register(core, "alice")
    bob = register(core, "bob", port=40001)
    clock.now += 10
    alice.send(*(f"PRIVMSG #lobby :{i}" for i in range(BURST + 4)))
    assert len(texts(bob, "alice")) == BURST
    clock.now += 1.0
    core.tick()
    assert texts(bob, "alice") == [str(BURST), str(BURST + 1)]
    clock.now += 2.0
    core.tick()
    assert texts(bob, "alice") == [str(BURST + 2), str(BURST + 3)]


@pytest.mark.parametrize(
    "bad",
    [{"flood_exempt": ["10.0.0.0/33"]}, {"flood_exempt": ["lan"]}, {"flood_rate": 0}],
)
def test_config_refuses_bad_flood_settings(bad: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        ServerConfig(**bad)  # type: ignore[arg-type]
