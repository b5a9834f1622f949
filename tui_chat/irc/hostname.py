"""Validation of hostnames a server uses as its name or a client's host.

Clients should accept whatever host a server sends (vhosts are free-form);
this is for the server's side. Rules: RFC 1123 labels (letters, digits,
inner hyphens, 1-63 characters), at least two labels (a bare `irc` or `com`
is not an IRC host), at most 253 characters, no trailing dot, no
underscores. Internationalized names must arrive as punycode (`xn--`).
"""

from __future__ import annotations

import ipaddress
import re

__all__ = [
    "MAX_HOSTNAME_LENGTH",
    "MAX_LABEL_LENGTH",
    "Address",
    "host_for_source",
    "peer_ip",
    "valid_hostname",
]

Address = ipaddress.IPv4Address | ipaddress.IPv6Address

MAX_HOSTNAME_LENGTH = 253
MAX_LABEL_LENGTH = 63

_LABEL = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?")


def valid_hostname(host: str, max_length: int = MAX_HOSTNAME_LENGTH) -> bool:
    if not host or len(host) > max_length or not host.isascii():
        return False
    labels = host.split(".")
    if len(labels) < 2:
        return False
    return all(
        len(label) <= MAX_LABEL_LENGTH and _LABEL.fullmatch(label) is not None for label in labels
    )


def peer_ip(text: str) -> Address | None:
    """A peer's address as a socket reports it (or as shown); None if it is none.

    A dual-stack socket reports IPv4 peers as ::ffff:a.b.c.d: those come back
    as IPv4, so limits and bans see one address whichever socket it came in on.
    """
    try:
        ip = ipaddress.ip_address(text.split("%", 1)[0])
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    return ip


def host_for_source(address: str) -> str:
    """The host part to show for a peer's IP address in `nick!user@host`.

    An IPv6 address may start with ":", which on the wire would read as a
    trailing parameter; like other servers we write a leading "0" then.
    IPv4-mapped IPv6 addresses are shown as plain IPv4.
    """
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return str(ip.ipv4_mapped)
    text = str(ip)
    return "0" + text if text.startswith(":") else text
