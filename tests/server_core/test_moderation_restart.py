"""Channel lists in a real SQLite file: kept across a restart, expired while down, dropped."""

from __future__ import annotations

import sqlite3

from .fakes import Clock, lobby_op, register
from .test_history_wiring import Store, files  # noqa: F401 (the fixture)


def _select(store: Store, sql: str) -> list[tuple[str, str, str]]:
    with sqlite3.connect(store.path) as conn:
        return conn.execute(sql).fetchall()


def _rows(store: Store) -> list[tuple[str, str, str]]:
    return _select(store, "SELECT channel, mode, mask FROM channel_lists ORDER BY mask")


def test_lists_come_back_and_what_expired_meanwhile_is_dropped(files: Store) -> None:  # noqa: F811
    first = files.core()
    alice = lobby_op(register(first, "alice"))
    alice.send("MODE #lobby +be keep other", "TBAN #lobby 10m brief", "MODE #lobby +b gone")
    alice.send("MODE #lobby -b gone")
    files.commit()
    assert _rows(files) == [
        ("#lobby", "b", "brief!*@*"),
        ("#lobby", "b", "keep!*@*"),
        ("#lobby", "e", "other!*@*"),
    ]
    # Restarted eleven minutes later: the timed ban ran out while nobody was there.
    second = files.core()
    assert isinstance(second.clock, Clock)
    second.clock.now += 660
    second.tick()
    files.commit()
    assert _rows(files) == [("#lobby", "b", "keep!*@*"), ("#lobby", "e", "other!*@*")]
    bob = register(second, "bob")
    bob.send("MODE #lobby b", "MODE #lobby e")
    assert [m.params[2] for m in bob.take() if m.command in ("367", "348")] == [
        "keep!*@*",
        "other!*@*",
    ]


def _access_rows(store: Store) -> list[tuple[str, str, str]]:
    return _select(store, "SELECT channel, account, role FROM channel_access ORDER BY account")


def test_room_owners_are_kept_and_minus_o_forgets_an_op_account(files: Store) -> None:  # noqa: F811
    first = files.core()
    alice = register(first, "alice")
    first.set_account(alice.client, "Alice")
    bob = register(first, "bob")
    first.set_account(bob.client, "bob")
    carol = register(first, "carol")
    first.set_account(carol.client, "carol")
    guest = register(first, "guest")
    for peer in (alice, bob, carol, guest):
        peer.send("JOIN #Room")
    alice.send("MODE #Room +ooo bob carol guest", "MODE #Room -oo carol alice")
    files.commit()
    assert _access_rows(files) == [("#room", "alice", "founder"), ("#room", "bob", "op")]
    second = files.core()
    access = second.moderation.access("#room")
    assert access is not None and (access.founder, access.ops) == ("alice", {"bob"})
    assert access.runs("ALICE") and access.runs("Bob") and not access.runs("carol")
