"""Trust on first use for TLS servers, like SSH's known_hosts.

A room hosted with `tui-chat host --tls` has a self-signed certificate that no
certificate authority vouches for. Instead of accepting any certificate, the
client remembers the certificate's SHA-256 fingerprint the first time it
connects to a `host:port` and refuses to talk to that address if a different
certificate turns up later (someone in the middle, or a host that made a new
certificate: only a person can tell which, so we stop and say how to proceed).

Certificates a CA vouches for are verified the usual way and need no pin.

API:
    known = KnownServers()                    # platform data dir / known_servers
    result = known.check(host, port, der)     # PinResult: NEW, MATCH or MISMATCH
    conn = await open_tls_connection(host, port, known_servers=known)
    conn.reader, conn.writer, conn.trust.message

`open_tls_connection` tries normal CA verification first; only when that
fails because the certificate is self-signed or from an unknown CA does it
reconnect without CA verification and check the pin on the peer certificate,
before a single byte of IRC is sent. A mismatch raises `PinMismatchError`.
Nothing here prints: results carry the sentences the caller shows.

The known_servers file has one `host:port SHA256:AB:CD:...` line per server
(IPv6 hosts in brackets); `#` starts a comment. It is written with mode 0600
because it lists the servers one talks to.
"""

from __future__ import annotations

import asyncio
import enum
import hashlib
import ipaddress
import os
import ssl
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

import platformdirs

from tui_chat.config import APP_NAME

__all__ = [
    "KNOWN_SERVERS_FILE",
    "KNOWN_SERVERS_MODE",
    "PIN_FALLBACK_VERIFY_CODES",
    "TLS_CONNECT_TIMEOUT",
    "KnownServers",
    "KnownServersError",
    "PinMismatchError",
    "PinResult",
    "PinStatus",
    "TLSConnection",
    "TLSTrust",
    "ca_context",
    "default_known_servers_path",
    "describe_tls_error",
    "fingerprint",
    "open_tls_connection",
    "pin_context",
    "server_key",
]

KNOWN_SERVERS_FILE = "known_servers"
# Permissions of a newly created known_servers file: it lists where one chats.
KNOWN_SERVERS_MODE = 0o600
# Seconds open_tls_connection(timeout=...) allows for TCP connect plus the TLS
# handshake(s), both attempts together; a plain-text port that never answers a
# ClientHello ends here instead of hanging.
TLS_CONNECT_TIMEOUT = 10.0
# OpenSSL verify codes that mean "no trusted CA vouches for this certificate"
# (X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT, ..._DEPTH_ZERO_SELF_SIGNED_CERT,
# ..._SELF_SIGNED_CERT_IN_CHAIN, ..._UNABLE_TO_GET_ISSUER_CERT_LOCALLY,
# ..._UNABLE_TO_VERIFY_LEAF_SIGNATURE). Only these fall back to the pin;
# an expired or wrong-host CA certificate stays an error.
PIN_FALLBACK_VERIFY_CODES = frozenset({2, 18, 19, 20, 21})


def default_known_servers_path() -> Path:
    return Path(platformdirs.user_data_dir(APP_NAME)) / KNOWN_SERVERS_FILE


def fingerprint(der: bytes) -> str:
    """`SHA256:AB:CD:...`: SHA-256 of the DER certificate, as `openssl x509 -fingerprint`."""
    digest = hashlib.sha256(der).hexdigest().upper()
    return "SHA256:" + ":".join(digest[i : i + 2] for i in range(0, len(digest), 2))


def server_key(host: str, port: int) -> str:
    """The `host:port` a pin is filed under: lower case, IPv6 in brackets."""
    name = host.strip().rstrip(".").lower()
    if name.startswith("[") and name.endswith("]"):
        name = name[1:-1]
    try:
        address = ipaddress.ip_address(name)
    except ValueError:
        return f"{name}:{port}"
    if address.version == 6:
        return f"[{address.compressed}]:{port}"
    return f"{address}:{port}"


class PinStatus(enum.Enum):
    NEW = "new"
    MATCH = "match"
    MISMATCH = "mismatch"


@dataclass(frozen=True, slots=True)
class PinResult:
    status: PinStatus
    server: str
    fingerprint: str
    # What the file remembered; None for a NEW server.
    known_fingerprint: str | None
    path: Path

    @property
    def ok(self) -> bool:
        return self.status is not PinStatus.MISMATCH

    @property
    def message(self) -> str:
        if self.status is PinStatus.NEW:
            return (
                f"First connection to {self.server}. Its certificate fingerprint is "
                f"{self.fingerprint}; check that the host shows the same one. "
                f"It is now remembered in {self.path}."
            )
        if self.status is PinStatus.MATCH:
            return f"The certificate of {self.server} matches the one remembered in {self.path}."
        return (
            f"WARNING: the certificate of {self.server} has CHANGED, refusing to connect.\n"
            f"Remembered: {self.known_fingerprint}\n"
            f"Offered now: {self.fingerprint}\n"
            "Someone may be intercepting the connection, or the host made a new certificate. "
            "Ask the host, by another way than this chat, which fingerprint their screen shows. "
            f"Only if it is the new one, remove the line for {self.server} from {self.path} "
            "and connect again."
        )


class PinMismatchError(Exception):
    """The server offered another certificate than the one pinned; str() is the warning."""

    def __init__(self, result: PinResult) -> None:
        super().__init__(result.message)
        self.result = result


class KnownServersError(OSError):
    """The known_servers file cannot be used; strerror is the sentence to show.

    An OSError, so callers that handle connection failures handle it too.
    """

    def __init__(self, path: Path, cause: OSError) -> None:
        reason = cause.strerror or str(cause)
        super().__init__(cause.errno, f"cannot use the known servers file {path}: {reason}")


class KnownServers:
    """The known_servers file: pins by `host:port`. Re-read on every check."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path if path is not None else default_known_servers_path()

    def pins(self, host: str, port: int) -> set[str]:
        key = server_key(host, port)
        return {fp for entry, fp in self._entries() if entry == key}

    def check(self, host: str, port: int, der_cert: bytes) -> PinResult:
        """Compare `der_cert` with the pin for host:port; a first sight is recorded.

        Raises `KnownServersError` if the file cannot be read or written.
        """
        key = server_key(host, port)
        offered = fingerprint(der_cert)
        try:
            known = self.pins(host, port)
            if not known:
                self._append(key, offered)
        except OSError as exc:
            raise KnownServersError(self.path, exc) from exc
        if not known:
            return PinResult(PinStatus.NEW, key, offered, None, self.path)
        if offered in known:
            return PinResult(PinStatus.MATCH, key, offered, offered, self.path)
        return PinResult(PinStatus.MISMATCH, key, offered, sorted(known)[0], self.path)

    def forget(self, host: str, port: int) -> bool:
        """Drop the pins of host:port (after out-of-band verification); True if any."""
        key = server_key(host, port)
        try:
            lines = self.path.read_text(encoding="utf-8").splitlines(keepends=True)
        except FileNotFoundError:
            return False
        kept = [line for line in lines if _parse_line(line)[0] != key]
        if len(kept) == len(lines):
            return False
        temporary = self.path.with_name(self.path.name + ".tmp")
        with _open_private(temporary, os.O_TRUNC) as out:
            out.writelines(kept)
        os.replace(temporary, self.path)
        return True

    def _entries(self) -> list[tuple[str, str]]:
        try:
            text = self.path.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return []
        return [entry for line in text.splitlines() if (entry := _parse_line(line))[0]]

    def _append(self, key: str, pin: str) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with _open_private(self.path, os.O_APPEND) as out:
            out.write(f"{key} {pin}\n")


def _parse_line(line: str) -> tuple[str, str]:
    """("host:port", "SHA256:...") or ("", "") for comments and lines we cannot read."""
    fields = line.split("#", 1)[0].split()
    if len(fields) != 2 or not fields[1].upper().startswith("SHA256:"):
        return ("", "")
    return (fields[0].lower(), fields[1].upper())


def _open_private(path: Path, flag: int) -> TextIO:
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | flag, KNOWN_SERVERS_MODE)
    return os.fdopen(descriptor, "w", encoding="utf-8")


def ca_context(ca_file: Path | None = None) -> ssl.SSLContext:
    """Normal verification: system CAs (or only `ca_file`), host name checked, TLS 1.2+."""
    context = ssl.create_default_context(cafile=ca_file)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    return context


def pin_context() -> ssl.SSLContext:
    """No CA verification: only for a connection whose certificate is then pin-checked."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


@dataclass(frozen=True, slots=True)
class TLSTrust:
    """Why we trust the server: a CA vouched for it (pin is None), or its pin."""

    fingerprint: str
    pin: PinResult | None

    @property
    def message(self) -> str:
        if self.pin is None:
            return f"Certificate verified by a trusted authority (fingerprint {self.fingerprint})."
        return self.pin.message


@dataclass(frozen=True, slots=True)
class TLSConnection:
    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    trust: TLSTrust


async def open_tls_connection(
    host: str,
    port: int,
    *,
    known_servers: KnownServers | None = None,
    ca_file: Path | None = None,
    timeout: float = TLS_CONNECT_TIMEOUT,
    limit: int = 2**16,
) -> TLSConnection:
    """Connect with TLS, trusting a CA-verified certificate or a pinned one.

    Raises `PinMismatchError` (nothing was sent), `ssl.SSLError` (including a
    CA certificate that is expired or for another host), `TimeoutError` or
    `OSError`; `describe_tls_error` turns any of them into one sentence.
    """
    known = known_servers if known_servers is not None else KnownServers()
    async with asyncio.timeout(timeout):
        try:
            reader, writer = await asyncio.open_connection(
                host, port, ssl=ca_context(ca_file), limit=limit
            )
        except ssl.SSLCertVerificationError as exc:
            if exc.verify_code not in PIN_FALLBACK_VERIFY_CODES:
                raise
        else:
            return TLSConnection(reader, writer, TLSTrust(fingerprint(_peer_der(writer)), None))
        # A second handshake, because a failed one cannot be resumed without
        # verification; the pin is checked before the caller may write.
        reader, writer = await asyncio.open_connection(host, port, ssl=pin_context(), limit=limit)
        try:
            result = await asyncio.to_thread(known.check, host, port, _peer_der(writer))
        except BaseException:
            writer.transport.abort()
            raise
    if not result.ok:
        writer.transport.abort()
        raise PinMismatchError(result)
    return TLSConnection(reader, writer, TLSTrust(result.fingerprint, result))


def _peer_der(writer: asyncio.StreamWriter) -> bytes:
    ssl_object = writer.get_extra_info("ssl_object")
    der = ssl_object.getpeercert(binary_form=True) if ssl_object is not None else None
    if not der:
        writer.transport.abort()
        raise ssl.SSLError(0, "the server sent no certificate")
    return bytes(der)


# OpenSSL reasons seen when the other end answers a ClientHello in plain text.
_NOT_TLS_REASONS = frozenset(
    {"WRONG_VERSION_NUMBER", "RECORD_LAYER_FAILURE", "PACKET_LENGTH_TOO_LONG", "HTTP_REQUEST"}
)


def describe_tls_error(exc: BaseException) -> str:
    """One sentence a person can act on for a failed TLS connection."""
    if isinstance(exc, PinMismatchError):
        return str(exc)
    if isinstance(exc, TimeoutError):
        # The timeout covers the TCP connect too: name both causes.
        return "timed out: no answer, or the port does not speak TLS (try without --tls)"
    if isinstance(exc, ssl.SSLCertVerificationError):
        return f"the server's certificate is not trusted: {exc.verify_message}"
    if isinstance(exc, ssl.SSLError):
        # Only errors raised by OpenSSL carry a reason; ours and hand-made ones do not.
        reason = getattr(exc, "reason", None)
        if reason in _NOT_TLS_REASONS:
            return "the server did not answer in TLS: the port probably speaks plain IRC"
        return f"TLS failed: {reason or exc.strerror or exc}"
    if isinstance(exc, ConnectionResetError | asyncio.IncompleteReadError | EOFError):
        return "the server closed the connection during the TLS handshake"
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror[:1].lower() + exc.strerror[1:]
    return str(exc) or type(exc).__name__
