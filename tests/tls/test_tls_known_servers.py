"""The known_servers file: trust on first use, match, mismatch, forget."""

from __future__ import annotations

import hashlib
import stat
from pathlib import Path

import pytest

from tui_chat.client.pinning import (
    KnownServers,
    KnownServersError,
    PinMismatchError,
    PinStatus,
    default_known_servers_path,
    describe_tls_error,
    fingerprint,
    server_key,
)

CERT_A = b"certificate A (any DER bytes will do for the file logic)"
CERT_B = b"certificate B"


@pytest.fixture
def known(tmp_path: Path) -> KnownServers:
    return KnownServers(tmp_path / "data" / "known_servers")


def test_fingerprint_is_sha256_in_colon_separated_hex_pairs() -> None:
    digest = hashlib.sha256(CERT_A).digest()
    assert fingerprint(CERT_A) == "SHA256:" + ":".join(f"{byte:02X}" for byte in digest)


@pytest.mark.parametrize(
    ("host", "port", "key"),
    [
        ("Chat.Example.", 3131, "chat.example:3131"),
        ("10.0.0.5", 6697, "10.0.0.5:6697"),
        ("::1", 3131, "[::1]:3131"),
        ("[2001:DB8:0:0::1]", 7, "[2001:db8::1]:7"),
    ],
)
def test_servers_are_filed_under_a_normal_host_port(host: str, port: int, key: str) -> None:
    assert server_key(host, port) == key


def test_first_use_records_then_matches(known: KnownServers) -> None:
    first = known.check("chat.example", 3131, CERT_A)
    assert first.status is PinStatus.NEW and first.ok
    assert first.known_fingerprint is None
    assert first.fingerprint in first.message and str(known.path) in first.message
    assert known.path.read_text() == f"chat.example:3131 {fingerprint(CERT_A)}\n"
    assert stat.S_IMODE(known.path.stat().st_mode) == 0o600

    again = known.check("CHAT.example", 3131, CERT_A)
    assert again.status is PinStatus.MATCH and again.ok
    assert known.path.read_text().count("\n") == 1, "a match adds no line"


def test_a_changed_certificate_is_a_mismatch_with_a_warning(known: KnownServers) -> None:
    known.check("chat.example", 3131, CERT_A)
    changed = known.check("chat.example", 3131, CERT_B)
    assert changed.status is PinStatus.MISMATCH and not changed.ok
    assert changed.known_fingerprint == fingerprint(CERT_A)
    warning = str(PinMismatchError(changed))
    for needed in (
        "CHANGED",
        fingerprint(CERT_A),
        fingerprint(CERT_B),
        str(known.path),
        "remove the line for chat.example:3131",
    ):
        assert needed in warning
    assert known.pins("chat.example", 3131) == {fingerprint(CERT_A)}, "a mismatch is not recorded"


def test_each_port_and_host_has_its_own_pin(known: KnownServers) -> None:
    known.check("chat.example", 3131, CERT_A)
    assert known.check("chat.example", 6697, CERT_B).status is PinStatus.NEW
    assert known.check("other.example", 3131, CERT_B).status is PinStatus.NEW
    assert known.check("chat.example", 3131, CERT_A).status is PinStatus.MATCH


def test_forget_lets_a_verified_new_certificate_in(known: KnownServers) -> None:
    known.check("chat.example", 3131, CERT_A)
    known.check("other.example", 3131, CERT_A)
    assert known.forget("chat.example", 3131)
    assert not known.forget("chat.example", 3131)
    assert known.check("chat.example", 3131, CERT_B).status is PinStatus.NEW
    assert known.check("other.example", 3131, CERT_A).status is PinStatus.MATCH


def test_comments_and_unreadable_lines_are_skipped(known: KnownServers) -> None:
    known.path.parent.mkdir(parents=True)
    known.path.write_text(
        "# pinned by hand\n"
        "garbage\n"
        "\n"
        f"chat.example:3131 {fingerprint(CERT_A).lower()}  # the laptop\n"
        "chat.example:3131 MD5:00:11\n"
    )
    assert known.check("chat.example", 3131, CERT_A).status is PinStatus.MATCH
    assert known.check("chat.example", 3131, CERT_B).status is PinStatus.MISMATCH


def test_the_default_file_is_in_the_platform_data_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert default_known_servers_path() == tmp_path / "tui-chat" / "known_servers"
    assert KnownServers().path == default_known_servers_path()


def test_an_unusable_file_is_a_readable_connection_error(tmp_path: Path) -> None:
    folder_in_the_way = KnownServers(tmp_path)
    with pytest.raises(KnownServersError) as failed:
        folder_in_the_way.check("chat.example", 3131, CERT_A)
    assert isinstance(failed.value, OSError)
    assert describe_tls_error(failed.value).startswith(
        f"cannot use the known servers file {tmp_path}: "
    )
