"""Remembered logins in a real file under the test's own XDG config dir."""

from __future__ import annotations

import os
import stat

import pytest

from tui_chat.config import SettingsError
from tui_chat.credentials import CredentialStore, ServerLogin, ServerLogins, credentials_path

FP = "SHA256:AA:BB"


def mode_of(store: CredentialStore) -> int:
    return stat.S_IMODE(os.stat(store.path).st_mode)


def test_remembered_login_round_trips_with_mode_0600() -> None:
    store = CredentialStore()
    assert store.path == credentials_path() and store.get("10.0.0.5", 3131) is None
    store.remember("10.0.0.5", 3131, ServerLogin("alice", 'pa"ss\\word', tls=True, fingerprint=FP))
    assert mode_of(store) == 0o600
    assert stat.S_IMODE(os.stat(store.path.parent).st_mode) == 0o700
    login = store.get("10.0.0.5", 3131)
    assert login == ServerLogin("alice", 'pa"ss\\word', tls=True, fingerprint=FP)
    assert store.get("10.0.0.5", 3132) is None
    store.remember("::1", 6697, ServerLogin("bob", "pw"))
    assert store.get("::1", 6697) == ServerLogin("bob", "pw")
    assert store.get("10.0.0.5", 3131) == login


def test_an_open_file_is_made_private_when_read() -> None:
    store = CredentialStore()
    store.remember("h", 1, ServerLogin("alice", "pw"))
    os.chmod(store.path, 0o644)
    assert store.get("h", 1) is not None
    assert mode_of(store) == 0o600


def test_a_login_goes_only_where_it_was_saved() -> None:
    store = CredentialStore()
    store.remember("h", 1, ServerLogin("alice", "pw", tls=True, fingerprint=FP))
    saved = ServerLogin("alice", "pw", tls=True, fingerprint=FP)
    assert ServerLogins(store, "h", 1, tls=True).for_connecting() == saved
    # Never downgraded to plain text; the session checks the pin once connected.
    assert ServerLogins(store, "h", 1, tls=False).for_connecting() is None
    assert ServerLogins(store, "h", 2, tls=True).for_connecting() is None
    logins = ServerLogins(store, "plain", 1, tls=False)
    assert logins.hint_wanted() and logins.for_connecting() is None
    logins.remember("bob", "pw", None, plaintext_ok=True)
    assert logins.for_connecting() == ServerLogin("bob", "pw", plaintext_ok=True)
    logins.dismiss_hint()
    assert not logins.hint_wanted() and logins.forget()
    assert logins.for_connecting() is None and not logins.hint_wanted()


def test_forget_keeps_dont_ask_again() -> None:
    store = CredentialStore()
    store.dismiss_hint("h", 1)
    store.remember("h", 1, ServerLogin("alice", "pw"))
    assert store.get("h", 1) == ServerLogin("alice", "pw", register_hint=False)
    assert store.forget("h", 1) and not store.forget("h", 1)
    assert store.get("h", 1) == ServerLogin(register_hint=False)
    assert "pw" not in store.path.read_text()


def test_a_broken_file_is_a_sentence() -> None:
    store = CredentialStore()
    store.path.parent.mkdir(parents=True, exist_ok=True)
    store.path.write_text('["h:1"]\npassword = 5\n')
    with pytest.raises(SettingsError, match="password must be a str"):
        store.get("h", 1)
    store.path.write_text('["h:1"]\nnope = "x"\n')
    with pytest.raises(SettingsError, match="unknown key 'nope'"):
        store.get("h", 1)
