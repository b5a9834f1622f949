"""The accounts a server knows: held in memory, written through the store's writer.

Accounts are few and small, so all of them are read once when the server
starts and looked up in a dict afterwards: the loop never waits for the
disk to learn whether a nick is registered. Creating one hashes the
password on the KDF pool, then inserts the row in the writer thread's next
transaction (`HistoryWriter.apply`), and the account exists in memory only
once that committed.

A name being created is reserved from the moment REGISTER is accepted, so
of two connections registering one name at once exactly one wins, without
a round trip to the database; the `INSERT OR IGNORE` backs that up.
"""

from __future__ import annotations

import contextlib
import logging
import secrets
import sqlite3
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from tui_chat.irc.casemap import casefold
from tui_chat.server.accounts.throttle import LoginThrottle, RateWindow
from tui_chat.server.accounts.verifiers import (
    ScramVerifier,
    check_password,
    make_password_verifier,
    make_scram_verifier,
    parse_scram_verifier,
)
from tui_chat.server.accounts.workers import Deliver, KdfPool
from tui_chat.server.history.records import StoreResult, StoreStatus
from tui_chat.server.history.store import Database, connect

if TYPE_CHECKING:
    from tui_chat.server.accounts.sasl import SaslSession
    from tui_chat.server.config import ServerConfig
    from tui_chat.server.history import History
    from tui_chat.server.state import Client

__all__ = ["Account", "Accounts", "address_of", "load_accounts"]

log = logging.getLogger("tui_chat.server")

# Why REGISTER could not start (standard-replies codes of account-registration).
ACCOUNT_EXISTS = "ACCOUNT_EXISTS"
TEMPORARILY_UNAVAILABLE = "TEMPORARILY_UNAVAILABLE"
# The stored verifier of an account no password opens: the host's own
# (handlers/host_account.py), logged in to by the host's key only.
NO_PASSWORD = ""


@dataclass(frozen=True, slots=True)
class Account:
    name: str
    password: str
    scram: str | None
    created_ms: int

    @property
    def has_password(self) -> bool:
        return self.password != NO_PASSWORD


def address_of(client: Client) -> str:
    """What per-address login and registration limits count `client` under.

    An IPv6 address counts as its /64; trusted addresses (flood_exempt) have
    no `address_key` but are counted too, by their address.
    """
    return client.address_key or client.host


def load_accounts(db: Database) -> dict[str, Account]:
    """Every account in the store, by folded name (read once, at start)."""
    conn = connect(db, readonly=True)
    try:
        rows = conn.execute(
            "SELECT key, name, password, scram, created_ms FROM accounts"
        ).fetchall()
    finally:
        conn.close()
    return {key: Account(name, pw, scram, created) for key, name, pw, scram, created in rows}


class Accounts:
    def __init__(
        self,
        store: History,
        config: ServerConfig,
        deliver: Deliver,
        clock: Callable[[], float],
    ) -> None:
        self._writer = store.writer
        self._clock = clock
        self.by_key = load_accounts(store.db)
        self.scram = config.sasl_scram
        self.min_password_length = config.min_password_length
        # Folded names whose REGISTER is hashing or being written.
        self._reserved: set[str] = set()
        self.pool = KdfPool(config.kdf_workers, config.kdf_max_queued, deliver)
        self.throttle = LoginThrottle(
            config.login_failures_per_address,
            config.login_failures_per_account,
            config.login_failure_window,
        )
        self.registrations = RateWindow(
            config.registrations_per_address, config.registration_window
        )
        # Folded account -> the addresses that last logged in to it, newest
        # last: these are spared the account's lock-out (throttle.py). In
        # memory only, so a restart forgets them.
        self._known: dict[str, deque[str]] = {}
        self._known_max = config.known_login_addresses
        # Folded account -> when it last logged in (server clock), since the
        # server started: shown by NickServ INFO, never stored.
        self.last_login: dict[str, float] = {}
        # Seeds the made-up SCRAM salts of unknown users (scram.py).
        self.secret = secrets.token_bytes(32)
        # Per connection: its SASL exchange under way, whether a password
        # of its is being hashed (its registration waits for the result),
        # and its failed logins. Dropped when it leaves (`forget`).
        self.sessions: dict[Client, SaslSession] = {}
        self.busy: set[Client] = set()
        self.failures: dict[Client, int] = {}
        # Connections that gave the host's key (handlers/host_account.py),
        # until registration claims a nick: the first one each asked for,
        # which a 433 may have kept from it. A line each is told after its
        # welcome.
        self.host_connections: dict[Client, str | None] = {}
        self.after_welcome: dict[Client, str] = {}
        log.debug("accounts: %d loaded", len(self.by_key))

    @property
    def mechanisms(self) -> tuple[str, ...]:
        return ("PLAIN", "SCRAM-SHA-256") if self.scram else ("PLAIN",)

    def find(self, name: str) -> Account | None:
        return self.by_key.get(casefold(name))

    def scram_verifier(self, name: str) -> ScramVerifier | None:
        account = self.find(name)
        if account is None or account.scram is None:
            return None
        return parse_scram_verifier(account.scram)

    def taken(self, name: str) -> bool:
        key = casefold(name)
        return key in self.by_key or key in self._reserved

    def create(
        self,
        name: str,
        password: str | None,
        email: str | None,
        done: Callable[[Account | None], None],
    ) -> str | None:
        """Start creating `name`; `done(account or None)` on the loop once stored.

        `password` None makes an account no password opens (`NO_PASSWORD`).
        Returns a reason code when it cannot start: ACCOUNT_EXISTS, or
        TEMPORARILY_UNAVAILABLE when the KDF pool is full.
        """
        if self.taken(name):
            return ACCOUNT_EXISTS
        key = casefold(name)

        def hashed(verifiers: tuple[str, str | None] | None) -> None:
            if verifiers is None:
                self._reserved.discard(key)
                done(None)
                return
            account = Account(name, *verifiers, created_ms=int(self._clock() * 1000))
            self._insert(key, account, email, done)

        self._reserved.add(key)
        if password is None:
            hashed((NO_PASSWORD, None))
        elif not self._hash(password, hashed):
            self._reserved.discard(key)
            return TEMPORARILY_UNAVAILABLE
        return None

    def _hash(self, password: str, done: Callable[[tuple[str, str | None] | None], None]) -> bool:
        """Make `password`'s verifiers (scrypt, and SCRAM when on) on the pool; False if full."""
        with_scram = self.scram

        def hash_password() -> tuple[str, str | None]:
            scram = make_scram_verifier(password) if with_scram else None
            return make_password_verifier(password), scram

        return self.pool.run(hash_password, done)

    def set_password(
        self, account: Account, password: str | None, done: Callable[[Account | None], None]
    ) -> bool:
        """Replace `account`'s verifiers (both: an old SCRAM key must stop working).

        `password` None leaves it without one (`NO_PASSWORD`). `done(account
        or None)` on the loop once stored; False when the KDF pool is full.
        """
        key = casefold(account.name)

        def hashed(verifiers: tuple[str, str | None] | None) -> None:
            if verifiers is None:
                done(None)
                return
            password_, scram = verifiers

            def update(conn: sqlite3.Connection) -> None:
                conn.execute(
                    "UPDATE accounts SET password = ?, scram = ? WHERE key = ?",
                    (password_, scram, key),
                )

            def committed(result: StoreResult) -> None:
                current = self.by_key.get(key)
                if result.status is not StoreStatus.STORED or current is None:
                    log.error("accounts: could not store %s's password: %s", key, result.error)
                    done(None)
                    return
                changed = self.by_key[key] = replace(current, password=password_, scram=scram)
                done(changed)

            self._apply(update, committed, done)

        if password is None:
            hashed((NO_PASSWORD, None))
            return True
        return self._hash(password, hashed)

    def drop(self, account: Account, done: Callable[[bool], None]) -> None:
        """Delete `account` (its nick is free again); `done(dropped)` on the loop."""
        key = casefold(account.name)

        def delete(conn: sqlite3.Connection) -> None:
            conn.execute("DELETE FROM accounts WHERE key = ?", (key,))

        def committed(result: StoreResult) -> None:
            if result.status is not StoreStatus.STORED:
                log.error("accounts: could not drop %s: %s", account.name, result.error)
                done(False)
                return
            self.by_key.pop(key, None)
            self._known.pop(key, None)
            self.last_login.pop(key, None)
            done(True)

        self._apply(delete, committed, lambda _: done(False))

    def _apply(
        self,
        change: Callable[[sqlite3.Connection], None],
        committed: Callable[[StoreResult], None],
        stopping: Callable[[None], None],
    ) -> None:
        try:
            self._writer.apply(change, committed)
        except RuntimeError:  # the writer closed: the server is stopping
            stopping(None)

    def _insert(
        self, key: str, account: Account, email: str | None, done: Callable[[Account | None], None]
    ) -> None:
        inserted: list[bool] = []

        def insert(conn: sqlite3.Connection) -> None:
            cursor = conn.execute(
                "INSERT OR IGNORE INTO accounts (key, name, password, scram, email, created_ms)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (key, account.name, account.password, account.scram, email, account.created_ms),
            )
            inserted.append(cursor.rowcount == 1)

        def committed(result: StoreResult) -> None:
            self._reserved.discard(key)
            if result.status is StoreStatus.STORED and inserted == [True]:
                self.by_key[key] = account
                log.info("accounts: registered %s", account.name)
                done(account)
            else:
                log.error("accounts: could not store %s: %s", account.name, result.error)
                done(None)

        try:
            self._writer.apply(insert, committed)
        except RuntimeError:  # the writer closed: the server is stopping
            self._reserved.discard(key)

    def verify(self, account: Account, password: str, done: Callable[[bool | None], None]) -> bool:
        """Check `password` on the KDF pool, then `done(ok)` on the loop; False when full."""
        return self.pool.run(lambda: check_password(password, account.password), done)

    def add_scram(self, account: Account, password: str) -> None:
        """Give an account made while SCRAM was off its SCRAM verifier (after a login).

        Best effort: with the pool full it is made at a later login instead.
        """
        if not self.scram or account.scram is not None:
            return
        key = casefold(account.name)

        def hashed(scram: str | None) -> None:
            if scram is None:
                return

            # Only for the password it was made from: one changed meanwhile
            # (set_password) must not get the old one's key.
            def update(conn: sqlite3.Connection) -> None:
                conn.execute(
                    "UPDATE accounts SET scram = ?"
                    " WHERE key = ? AND scram IS NULL AND password = ?",
                    (scram, key, account.password),
                )

            def committed(result: StoreResult) -> None:
                current = self.by_key.get(key)
                if (
                    result.status is StoreStatus.STORED
                    and current is not None
                    and current.scram is None
                    and current.password == account.password
                ):
                    self.by_key[key] = replace(current, scram=scram)

            with contextlib.suppress(RuntimeError):  # the writer closed: stopping
                self._writer.apply(update, committed)

        self.pool.run(lambda: make_scram_verifier(password), hashed)

    def locked_for(self, client: Client, name: str, now: float) -> float:
        """Seconds `client` must wait before trying to log in to `name`; 0 if it may now."""
        key = casefold(name)
        address = address_of(client)
        known = address in self._known.get(key, ())
        return self.throttle.retry_after(address, key, now, known=known)

    def failed_login(self, client: Client, name: str, now: float) -> int:
        """Count a failed login; how many this connection has made."""
        self.throttle.fail(address_of(client), casefold(name), now)
        failures = self.failures[client] = self.failures.get(client, 0) + 1
        return failures

    def logged_in(self, client: Client, name: str) -> None:
        """Remember when, and `client`'s address as one the owner of `name` uses."""
        self.last_login[casefold(name)] = self._clock()
        if self._known_max <= 0:
            return
        known = self._known.setdefault(casefold(name), deque(maxlen=self._known_max))
        address = address_of(client)
        if address in known:
            known.remove(address)
        known.append(address)

    def forget(self, client: Client) -> None:
        self.sessions.pop(client, None)
        self.busy.discard(client)
        self.failures.pop(client, None)
        self.host_connections.pop(client, None)
        self.after_welcome.pop(client, None)

    def prune(self, now: float) -> None:
        self.throttle.prune(now)
        self.registrations.prune(now)

    def close(self) -> None:
        self.pool.close()
