"""Remembered logins: one account and password per server, in a private file.

The file is `credentials.toml` beside the settings (`settings_path()`'s
directory), written 0600 like them and made private again if it is found
readable by others. It is a file of its own so that the settings can be
shown, shared or versioned without the passwords.

    store = CredentialStore()
    login = store.get("10.0.0.5", 3131)         # ServerLogin or None
    ServerLogins(store, "10.0.0.5", 3131, tls=True).for_connecting()  # the one to send
    store.remember("10.0.0.5", 3131, ServerLogin("alice", "pw", tls=True, fingerprint=fp))
    store.dismiss_hint("10.0.0.5", 3131)         # "don't ask again" to register

A login saved over TLS is bound to that: it is never offered to the same
address without TLS, nor, when the certificate was pinned (self-signed), to a
server showing another certificate. Only the user's yes puts a password here.

    ["10.0.0.5:3131"]
    account = "alice"
    password = "correct horse"
    tls = true
    fingerprint = "SHA256:AB:CD:..."
    register_hint = false
    plaintext_ok = false
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from tui_chat.config import (
    SettingsError,
    read_toml,
    settings_path,
    toml_key,
    toml_table,
    write_private,
)

__all__ = [
    "FILE_NAME",
    "CredentialStore",
    "ServerLogin",
    "ServerLogins",
    "credentials_path",
    "server_key",
]

FILE_NAME = "credentials.toml"


def credentials_path() -> Path:
    return settings_path().with_name(FILE_NAME)


def server_key(host: str, port: int) -> str:
    """`host:port`, with an IPv6 address in brackets."""
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


@dataclass(frozen=True, slots=True)
class ServerLogin:
    account: str | None = None
    password: str | None = None
    # Saved over TLS; with the pinned certificate's fingerprint when it was pinned.
    tls: bool = False
    fingerprint: str | None = None
    # False once the user asked not to be told to /register on this server.
    register_hint: bool = True
    # The user agreed to send this password over an unencrypted link (SASL PLAIN).
    plaintext_ok: bool = False


_KINDS: dict[str, type] = {
    "account": str,
    "password": str,
    "tls": bool,
    "fingerprint": str,
    "register_hint": bool,
    "plaintext_ok": bool,
}


class CredentialStore:
    def __init__(self, path: Path | None = None) -> None:
        self.path = path or credentials_path()

    def get(self, host: str, port: int) -> ServerLogin | None:
        return self._read().get(server_key(host, port))

    def remember(self, host: str, port: int, login: ServerLogin) -> None:
        """Save `login` for host:port, keeping its "don't ask again" answer."""
        logins = self._read()
        key = server_key(host, port)
        known = logins.get(key)
        hint = login.register_hint and (known is None or known.register_hint)
        logins[key] = replace(login, register_hint=hint)
        self._write(logins)

    def forget(self, host: str, port: int) -> bool:
        """Drop the password saved for host:port; False if there was none."""
        logins = self._read()
        key = server_key(host, port)
        known = logins.get(key)
        if known is None or known.password is None:
            return False
        logins[key] = ServerLogin(register_hint=known.register_hint)
        self._write(logins)
        return True

    def dismiss_hint(self, host: str, port: int) -> None:
        logins = self._read()
        key = server_key(host, port)
        logins[key] = replace(logins.get(key) or ServerLogin(), register_hint=False)
        self._write(logins)

    def _read(self) -> dict[str, ServerLogin]:
        loaded = read_toml(self.path)
        if loaded is None:
            return {}
        return {key: self._login_from(key, table) for key, table in loaded[0].items()}

    def _login_from(self, key: str, table: Any) -> ServerLogin:
        if not isinstance(table, dict):
            raise SettingsError(f"{self.path}: {key!r} must be a table")
        for name, value in table.items():
            kind = _KINDS.get(name)
            if kind is None:
                raise SettingsError(f"{self.path}: [{key}] has an unknown key {name!r}")
            if type(value) is not kind:
                raise SettingsError(f"{self.path}: [{key}] {name} must be a {kind.__name__}")
        return ServerLogin(**table)

    def _write(self, logins: dict[str, ServerLogin]) -> None:
        lines = ["# Logins tui-chat remembers, one table per server. Keep this file private."]
        for key, login in logins.items():
            values = {f.name: getattr(login, f.name) for f in fields(ServerLogin)}
            lines += toml_table(toml_key(key), values)
        write_private(self.path, "\n".join(lines) + "\n")


@dataclass(frozen=True, slots=True)
class ServerLogins:
    """The remembered login of the one server an app talks to (host:port, TLS or not)."""

    store: CredentialStore
    host: str
    port: int
    tls: bool

    def for_connecting(self) -> ServerLogin | None:
        """The saved login to log in with, if there is one and this link may carry it.

        Its account and password are set; the session checks `fingerprint`.
        """
        saved = self.store.get(self.host, self.port)
        if saved is None or saved.account is None or saved.password is None:
            return None
        return None if saved.tls and not self.tls else saved

    def remember(
        self, account: str, password: str, fingerprint: str | None, plaintext_ok: bool = False
    ) -> None:
        login = ServerLogin(account, password, self.tls, fingerprint, plaintext_ok=plaintext_ok)
        self.store.remember(self.host, self.port, login)

    def forget(self) -> bool:
        return self.store.forget(self.host, self.port)

    def hint_wanted(self) -> bool:
        saved = self.store.get(self.host, self.port)
        return saved is None or saved.register_hint

    def dismiss_hint(self) -> None:
        self.store.dismiss_hint(self.host, self.port)
