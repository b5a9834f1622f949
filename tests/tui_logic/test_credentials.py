"""Remembered logins in a real file under the test's own XDG config dir."""

from __future__ import annotations

import os
import stat

import pytest

from tui_chat.config import SettingsError
from tui_chat.credentials import CredentialStore, ServerLogin, credentials_path

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
    pinned = ServerLogin("alice", "pw", tls=True, fingerprint=FP)
    assert pinned.usable(tls=True, fingerprint=FP)
    assert not pinned.usable(tls=False, fingerprint=None)  # no downgrade to plain text
    assert not pinned.usable(tls=True, fingerprint="SHA256:other")
    assert ServerLogin("alice", "pw", tls=True).usable(tls=True, fingerprint="any CA-signed")
    assert ServerLogin("alice", "pw").usable(tls=True, fingerprint=None)
    assert not ServerLogin(register_hint=False).usable(tls=False, fingerprint=None)


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
