"""Server certificates: self-signed generation and reuse, --cert/--key checks, fingerprints."""

from __future__ import annotations

import datetime as dt
import ipaddress
import socket
import ssl
import stat
import subprocess
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec

from tls.certs import TinyCA, write_key
from tui_chat.server.tls import (
    SELF_SIGNED_VALIDITY,
    ServerCertificate,
    TLSConfigError,
    default_tls_dir,
    ensure_self_signed,
    load_certificate,
    server_context,
)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def make_pair(folder: Path, *, validity: dt.timedelta = SELF_SIGNED_VALIDITY) -> ServerCertificate:
    return ensure_self_signed(
        folder / "cert.pem", folder / "key.pem", ["localhost", "127.0.0.1"], validity=validity
    )


def test_first_use_generates_a_p256_certificate_for_the_names(tmp_path: Path) -> None:
    made = ensure_self_signed(
        tmp_path / "tls" / "cert.pem",
        tmp_path / "tls" / "key.pem",
        ["Chat.Example.", "10.0.0.5", "0.0.0.0", "", "bücher.example", "::"],
    )
    assert made.generated
    cert = x509.load_pem_x509_certificate(made.cert_path.read_bytes())
    public_key = cert.public_key()
    assert isinstance(public_key, ec.EllipticCurvePublicKey)
    assert public_key.curve.name == "secp256r1"
    sans = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    dns_names = ["chat.example", "xn--bcher-kva.example", "localhost", socket.gethostname().lower()]
    assert sans.get_values_for_type(x509.DNSName) == list(dict.fromkeys(dns_names))
    assert sans.get_values_for_type(x509.IPAddress) == [
        ipaddress.ip_address(address) for address in ("10.0.0.5", "127.0.0.1", "::1")
    ]
    assert not cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    lifetime = cert.not_valid_after_utc - dt.datetime.now(dt.UTC)
    assert SELF_SIGNED_VALIDITY - dt.timedelta(minutes=5) < lifetime <= SELF_SIGNED_VALIDITY
    assert cert.not_valid_before_utc < dt.datetime.now(dt.UTC)
    assert mode(made.key_path) == 0o600
    assert mode(made.key_path.parent) == 0o700
    assert not list(made.key_path.parent.glob("*.tmp")), "no temporary files left behind"


def test_later_runs_reuse_the_certificate_whatever_the_names(tmp_path: Path) -> None:
    first = make_pair(tmp_path)
    key_bytes = first.key_path.read_bytes()
    again = ensure_self_signed(first.cert_path, first.key_path, ["another.name"])
    assert not again.generated
    assert again.fingerprint == first.fingerprint
    assert again.key_path.read_bytes() == key_bytes


def test_an_expired_self_signed_certificate_is_replaced(tmp_path: Path) -> None:
    expired = make_pair(tmp_path, validity=-dt.timedelta(minutes=1))
    fresh = make_pair(tmp_path)
    assert fresh.generated
    assert fresh.fingerprint != expired.fingerprint
    assert fresh.expires > dt.datetime.now(dt.UTC)


def test_a_broken_self_signed_pair_is_reported_not_replaced(tmp_path: Path) -> None:
    made = make_pair(tmp_path)
    made.key_path.write_text("not a key\n")
    with pytest.raises(TLSConfigError, match=r"delete .* to make a new self-signed certificate"):
        make_pair(tmp_path)


def test_an_unwritable_place_is_one_readable_sentence(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    with pytest.raises(TLSConfigError, match="cannot write the self-signed certificate to"):
        ensure_self_signed(blocker / "cert.pem", blocker / "key.pem")


def test_the_default_place_is_the_platform_data_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    made = ensure_self_signed(hostnames=["localhost"])
    assert default_tls_dir() == tmp_path / "tui-chat" / "tls"
    assert made.cert_path.parent == made.key_path.parent == default_tls_dir()
    assert ensure_self_signed().fingerprint == made.fingerprint


def test_fingerprint_is_what_openssl_prints(tmp_path: Path) -> None:
    made = make_pair(tmp_path)
    printed = subprocess.run(
        ["openssl", "x509", "-in", str(made.cert_path), "-noout", "-fingerprint", "-sha256"],
        capture_output=True,
        text=True,
        check=True,
        timeout=10,
    ).stdout.strip()
    # OpenSSL 3: "sha256 Fingerprint=AB:CD:..."; 1.1: "SHA256 Fingerprint=AB:CD:...".
    assert printed.split("=", 1)[1] == made.fingerprint.removeprefix("SHA256:")
    assert made.fingerprint.startswith("SHA256:") and len(made.fingerprint) == 7 + 32 * 3 - 1


def test_a_ca_issued_chain_loads_with_the_leaf_first(tmp_path: Path) -> None:
    leaf = TinyCA(tmp_path).issue("server", ["chat.example"], with_chain=True)
    loaded = load_certificate(leaf.cert_path, leaf.key_path)
    assert loaded.certificate == leaf.certificate
    assert not loaded.generated
    context = server_context(leaf.cert_path, leaf.key_path)
    assert context.minimum_version is ssl.TLSVersion.TLSv1_2


def bad_pair(tmp_path: Path, case: str) -> tuple[Path, Path]:
    """A --cert/--key pair that is wrong in the way `case` names."""
    good = make_pair(tmp_path / "good")
    cert, key = good.cert_path, good.key_path
    now = dt.datetime.now(dt.UTC)
    if case == "missing cert":
        return tmp_path / "nope.pem", key
    if case == "missing key":
        return cert, tmp_path / "nope-key.pem"
    if case == "cert is a folder":
        return tmp_path, key
    if case == "not a certificate":
        (tmp_path / "junk.pem").write_text("hello\n")
        return tmp_path / "junk.pem", key
    if case == "not a key":
        return cert, cert
    if case == "other key":
        return cert, make_pair(tmp_path / "other").key_path
    if case == "passphrase":
        private = ec.generate_private_key(ec.SECP256R1())
        return cert, write_key(private, tmp_path / "locked.pem", password=b"secret")
    leaf = TinyCA(tmp_path).issue(
        "dated",
        ["localhost"],
        not_before=now - dt.timedelta(days=10) if case == "expired" else now + dt.timedelta(days=2),
        not_after=now - dt.timedelta(days=1) if case == "expired" else now + dt.timedelta(days=9),
    )
    return leaf.cert_path, leaf.key_path


@pytest.mark.parametrize(
    ("case", "says"),
    [
        ("missing cert", "nope.pem does not exist"),
        ("missing key", "nope-key.pem does not exist"),
        ("cert is a folder", "is a folder"),
        ("not a certificate", "junk.pem holds no PEM certificate"),
        ("not a key", "holds no PEM private key"),
        ("other key", "does not belong to the certificate"),
        ("passphrase", "protected by a passphrase"),
        ("expired", "expired on"),
        ("not yet valid", "is not valid before .*clock"),
    ],
)
def test_an_unusable_cert_or_key_is_one_readable_sentence(
    tmp_path: Path, case: str, says: str
) -> None:
    cert, key = bad_pair(tmp_path, case)
    with pytest.raises(TLSConfigError, match=says) as caught:
        load_certificate(cert, key)
    assert "\n" not in str(caught.value)


def test_server_context_refuses_a_key_of_another_certificate(tmp_path: Path) -> None:
    cert, key = bad_pair(tmp_path, "other key")
    with pytest.raises(TLSConfigError, match="cannot use"):
        server_context(cert, key)
    with pytest.raises(TLSConfigError, match="does not exist"):
        server_context(tmp_path / "absent.pem", key)
