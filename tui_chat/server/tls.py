"""The server's TLS certificate and context.

`tui-chat host --tls` needs a certificate without asking anyone for one: the
first run generates a self-signed ECDSA P-256 certificate (the key type every
TLS 1.2+ client accepts, and cheap to handshake) and keeps it in the platform
data dir; later runs reuse it, so the fingerprint friends pinned stays the
same. `--cert/--key` load real certificates (a Let's Encrypt fullchain works)
and every way they can be wrong is one readable sentence in `TLSConfigError`.

API:
    cert = ensure_self_signed()                         # or load_certificate(cert, key)
    context = server_context(cert.cert_path, cert.key_path)
    await listener.listen(host, port, ssl_context=context)
    cert.fingerprint                                    # "SHA256:AB:CD:..." to show
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import secrets
import socket
import ssl
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import platformdirs
from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.types import PublicKeyTypes
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from tui_chat.client.pinning import fingerprint
from tui_chat.config import APP_NAME

__all__ = [
    "CERT_FILE_MODE",
    "CERT_FILE_NAME",
    "DIR_MODE",
    "KEY_FILE_MODE",
    "KEY_FILE_NAME",
    "MIN_TLS_VERSION",
    "NOT_BEFORE_SLACK",
    "SELF_SIGNED_VALIDITY",
    "ServerCertificate",
    "TLSConfigError",
    "default_hostnames",
    "default_tls_dir",
    "ensure_self_signed",
    "fingerprint",
    "load_certificate",
    "server_context",
    "subject_alt_names",
]

CERT_FILE_NAME = "server-cert.pem"
KEY_FILE_NAME = "server-key.pem"
# The private key is readable by its owner only; so is the folder holding it.
KEY_FILE_MODE = 0o600
# The certificate is public: every client receives it anyway.
CERT_FILE_MODE = 0o644
DIR_MODE = 0o700
# A self-signed certificate is pinned by its clients, so a new one means a
# scary warning for everyone: make it last. ensure_self_signed(validity=...).
SELF_SIGNED_VALIDITY = dt.timedelta(days=3650)
# Backdated by this much so a client whose clock runs a little behind does
# not see a certificate from the future.
NOT_BEFORE_SLACK = dt.timedelta(hours=1)
# Older protocol versions have known attacks; every client we care about has 1.2.
MIN_TLS_VERSION = ssl.TLSVersion.TLSv1_2


class TLSConfigError(Exception):
    """The certificate or key cannot be used; the message is one sentence to show."""


@dataclass(frozen=True, slots=True)
class ServerCertificate:
    cert_path: Path
    key_path: Path
    certificate: x509.Certificate
    # True when ensure_self_signed made it on this call.
    generated: bool = False

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.certificate.public_bytes(serialization.Encoding.DER))

    @property
    def expires(self) -> dt.datetime:
        return self.certificate.not_valid_after_utc


def default_tls_dir() -> Path:
    return Path(platformdirs.user_data_dir(APP_NAME)) / "tls"


def default_hostnames() -> list[str]:
    """Names every self-signed certificate covers, besides those the caller gives."""
    return ["localhost", socket.gethostname(), "127.0.0.1", "::1"]


def ensure_self_signed(
    cert_path: Path | None = None,
    key_path: Path | None = None,
    hostnames: Iterable[str] = (),
    *,
    validity: dt.timedelta = SELF_SIGNED_VALIDITY,
) -> ServerCertificate:
    """The self-signed certificate at these paths, generated if missing or expired.

    An existing valid pair is reused whatever `hostnames` says now: clients
    pin the certificate, not its names, and a new one would alarm them all.
    """
    folder = default_tls_dir()
    cert_path = cert_path if cert_path is not None else folder / CERT_FILE_NAME
    key_path = key_path if key_path is not None else folder / KEY_FILE_NAME
    if cert_path.exists() and key_path.exists():
        try:
            return load_certificate(cert_path, key_path)
        except _ExpiredError:
            pass
        except TLSConfigError as exc:
            raise TLSConfigError(
                f"{exc}; delete {cert_path} and {key_path} to make a new self-signed certificate"
            ) from None
    names = [*hostnames, *default_hostnames()]
    key = ec.generate_private_key(ec.SECP256R1())
    certificate = _self_signed(key, names, validity)
    try:
        _write_private(key_path, _key_pem(key), KEY_FILE_MODE)
        _write_private(
            cert_path, certificate.public_bytes(serialization.Encoding.PEM), CERT_FILE_MODE
        )
    except OSError as exc:
        where = exc.filename or cert_path.parent
        raise TLSConfigError(
            f"cannot write the self-signed certificate to {where}: {exc.strerror or exc}"
        ) from None
    return ServerCertificate(cert_path, key_path, certificate, generated=True)


def load_certificate(cert_path: Path, key_path: Path) -> ServerCertificate:
    """Check a certificate/key pair before serving with it; TLSConfigError if unusable.

    `cert_path` may hold a chain (leaf first), as certificate authorities issue them.
    """
    cert_pem = _read(cert_path, "certificate")
    key_pem = _read(key_path, "key")
    try:
        certificate = x509.load_pem_x509_certificates(cert_pem)[0]
    except ValueError:
        raise TLSConfigError(f"{cert_path} holds no PEM certificate") from None
    try:
        key = serialization.load_pem_private_key(key_pem, password=None)
    except TypeError:
        raise TLSConfigError(
            f"{key_path} is protected by a passphrase; give an unencrypted key "
            f"(for example: openssl pkey -in {key_path} -out new-key.pem)"
        ) from None
    except (ValueError, UnsupportedAlgorithm):
        raise TLSConfigError(f"{key_path} holds no PEM private key") from None
    if _public_der(key.public_key()) != _public_der(certificate.public_key()):
        raise TLSConfigError(
            f"the key in {key_path} does not belong to the certificate in {cert_path}"
        )
    now = dt.datetime.now(dt.UTC)
    if now > certificate.not_valid_after_utc:
        raise _ExpiredError(
            f"the certificate in {cert_path} expired on {certificate.not_valid_after_utc:%Y-%m-%d}"
        )
    if now < certificate.not_valid_before_utc:
        raise TLSConfigError(
            f"the certificate in {cert_path} is not valid before "
            f"{certificate.not_valid_before_utc:%Y-%m-%d %H:%M} UTC (check this machine's clock)"
        )
    return ServerCertificate(cert_path, key_path, certificate)


def server_context(cert_path: Path, key_path: Path) -> ssl.SSLContext:
    """A server-side context for asyncio's create_server(ssl=...): TLS 1.2+."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = MIN_TLS_VERSION
    try:
        context.load_cert_chain(cert_path, key_path)
    except FileNotFoundError as exc:
        raise TLSConfigError(f"{exc.filename or cert_path} does not exist") from None
    except ssl.SSLError as exc:
        raise TLSConfigError(
            f"cannot use {cert_path} with {key_path}: {exc.reason or exc}"
        ) from None
    return context


class _ExpiredError(TLSConfigError):
    """Expired: fatal for --cert, a reason to make a new one for a self-signed pair."""


def _read(path: Path, what: str) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise TLSConfigError(f"the {what} file {path} does not exist") from None
    except IsADirectoryError:
        raise TLSConfigError(f"the {what} file {path} is a folder") from None
    except PermissionError:
        raise TLSConfigError(f"no permission to read the {what} file {path}") from None
    except OSError as exc:
        raise TLSConfigError(f"cannot read the {what} file {path}: {exc.strerror}") from None


def _public_der(public_key: PublicKeyTypes) -> bytes:
    return public_key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def subject_alt_names(names: Iterable[str]) -> list[x509.GeneralName]:
    """SAN entries: IP addresses as such (clients match them), the rest as DNS names.

    Names no client could ask for are left out, so a caller may pass its bind
    address as it is: empty, the wildcard addresses, names IDNA cannot encode.
    """
    entries: list[x509.GeneralName] = []
    for name in names:
        name = name.strip()
        try:
            address = ipaddress.ip_address(name)
        except ValueError:
            if dns_name := _a_label(name):
                entries.append(x509.DNSName(dns_name))
            continue
        if not address.is_unspecified:
            entries.append(x509.IPAddress(address))
    return list(dict.fromkeys(entries))


def _a_label(name: str) -> str:
    try:
        return name.rstrip(".").encode("idna").decode("ascii").lower()
    except UnicodeError:
        return ""


def _self_signed(
    key: ec.EllipticCurvePrivateKey, names: list[str], validity: dt.timedelta
) -> x509.Certificate:
    # Clients match the SAN entries; the common name only labels the certificate.
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, f"{APP_NAME} server"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, f"{APP_NAME} self-signed"),
        ]
    )
    now = dt.datetime.now(dt.UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - NOT_BEFORE_SLACK)
        .not_valid_after(now + validity)
        .add_extension(x509.SubjectAlternativeName(subject_alt_names(names)), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )


def _write_private(path: Path, data: bytes, mode: int) -> None:
    """Write atomically; the file never exists with wider permissions than `mode`."""
    path.parent.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        with os.fdopen(descriptor, "wb") as out:
            out.write(data)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
