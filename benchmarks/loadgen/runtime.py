"""Process setup for the load generator: file descriptors and the event loop."""

from __future__ import annotations

import asyncio
import resource
from collections.abc import Coroutine
from typing import Any, TypeVar

__all__ = ["raise_fd_limit", "run"]

T = TypeVar("T")

# Each connection is one descriptor here and one in the server; the idle
# scenario holds 10,000 of them plus the few the interpreter itself uses.
FD_HEADROOM = 256


def raise_fd_limit(connections: int) -> int:
    """Lift RLIMIT_NOFILE to fit `connections` sockets; returns the new soft limit.

    The soft limit goes up to the hard limit; root may raise the hard limit
    too. If neither is enough, the scenario will report failed connections.
    """
    wanted = connections + FD_HEADROOM
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft >= wanted:
        return soft
    if hard != resource.RLIM_INFINITY and hard < wanted:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, wanted))
            return wanted
        except (ValueError, PermissionError):
            wanted = hard
    resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
    return wanted


def run(main: Coroutine[Any, Any, T]) -> T:
    """Run `main` on uvloop when it is installed, else on the default loop."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(main)
    return uvloop.run(main)
