"""Accounts.set_password and drop on a real SQLite file, every callback run by the test.

The KDF pool and the writer thread hand their results to `deliver`; here
that is a queue the test empties, so each step happens in a known order.
"""

from __future__ import annotations

import queue
import sqlite3
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tui_chat.server.accounts import Account, Accounts
from tui_chat.server.accounts.verifiers import check_password
from tui_chat.server.config import ServerConfig
from tui_chat.server.history import History

STEP_TIMEOUT = 30.0


class Loop:
    """Stands in for the event loop: callbacks queue up until `run_until` runs them."""

    def __init__(self) -> None:
        self.callbacks: queue.Queue[Callable[[], None]] = queue.Queue()

    def deliver(self, callback: Callable[[], None]) -> None:
        self.callbacks.put(callback)

    def run_until(self, done: Callable[[], bool]) -> None:
        while not done():
            self.callbacks.get(timeout=STEP_TIMEOUT)()


@pytest.fixture
def loop() -> Loop:
    return Loop()


@pytest.fixture
def accounts(tmp_path: Path, loop: Loop) -> Iterator[Accounts]:
    history = History.open(tmp_path / "accounts.sqlite3", deliver=loop.deliver)
    made = Accounts(history, ServerConfig(sasl_scram=True), loop.deliver, time.time)
    yield made
    made.close()
    history.close()


def stored(tmp_path: Path, name: str) -> tuple[str, str | None] | None:
    """The row of account `name` in the file: (password verifier, SCRAM verifier)."""
    conn = sqlite3.connect(tmp_path / "accounts.sqlite3")
    try:
        row = conn.execute("SELECT password, scram FROM accounts WHERE key = ?", (name,)).fetchone()
    finally:
        conn.close()
    return None if row is None else (row[0], row[1])


def create(accounts: Accounts, loop: Loop, name: str, password: str | None) -> Account:
    made: list[Account | None] = []
    assert accounts.create(name, password, None, made.append) is None
    loop.run_until(lambda: bool(made))
    assert made[0] is not None
    return made[0]


def set_password(accounts: Accounts, loop: Loop, account: Account, password: str | None) -> Account:
    changed: list[Account | None] = []
    assert accounts.set_password(account, password, changed.append)
    loop.run_until(lambda: bool(changed))
    assert changed[0] is not None
    return changed[0]


def test_a_new_password_replaces_both_verifiers(
    accounts: Accounts, loop: Loop, tmp_path: Path
) -> None:
    old = create(accounts, loop, "zed", "oldpassword")
    new = set_password(accounts, loop, old, "newpassword")
    assert accounts.find("ZED") == new
    row = stored(tmp_path, "zed")
    assert row == (new.password, new.scram) and row[1] is not None and row[1] != old.scram
    assert check_password("newpassword", new.password)
    assert not check_password("oldpassword", new.password)


def test_no_password_leaves_none_to_log_in_with(
    accounts: Accounts, loop: Loop, tmp_path: Path
) -> None:
    old = create(accounts, loop, "zed", "oldpassword")
    cleared = set_password(accounts, loop, old, None)
    assert not cleared.has_password and cleared.scram is None
    assert stored(tmp_path, "zed") == ("", None)
    assert not check_password("", cleared.password)


def test_a_late_scram_key_of_the_old_password_is_not_kept(
    accounts: Accounts, loop: Loop, tmp_path: Path
) -> None:
    """add_scram (after a PLAIN login) finishing after a password change must not land."""
    accounts.scram = False
    old = create(accounts, loop, "zed", "oldpassword")
    accounts.scram = True
    new = set_password(accounts, loop, old, "newpassword")
    accounts.add_scram(old, "oldpassword")  # `old`: what the login checked
    barrier: list[bool] = []

    def after_hash() -> None:
        # Queued behind the late UPDATE: the writer commits in order.
        accounts._writer.apply(lambda conn: None, lambda result: barrier.append(True))

    loop.run_until(lambda: accounts.pool.in_flight == 0)
    after_hash()
    loop.run_until(lambda: bool(barrier))
    assert accounts.find("zed") == new
    assert stored(tmp_path, "zed") == (new.password, new.scram)


def test_drop_deletes_the_row_and_frees_the_name(
    accounts: Accounts, loop: Loop, tmp_path: Path
) -> None:
    account = create(accounts, loop, "zed", "oldpassword")
    dropped: list[bool] = []
    accounts.drop(account, dropped.append)
    loop.run_until(lambda: bool(dropped))
    assert dropped == [True] and accounts.find("zed") is None and not accounts.taken("zed")
    assert stored(tmp_path, "zed") is None
    create(accounts, loop, "zed", None)
