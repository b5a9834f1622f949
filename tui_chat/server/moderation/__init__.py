"""Moderation: channel ban, exception and quiet lists, timed entries, server-wide bans.

- `duration`: the one parser for `30s`/`10m`/`2h`/`1d` durations.
- `entries`: list entries (hostmask globs and the `~a:<account>` extban), folded once.
- `server_bans`: UBAN targets (address/CIDR, hostmask, account) and their registry.
- `access`: a room's founder and op accounts, who run it once it emptied.
- `persist`: the `channel_lists`, `server_bans` (v4) and `channel_access` (v8) tables.
- `registry`: `Moderation`, the server's state: saved lists, bans, expiry.

The commands are in `server/handlers/` (modes.py for +b/+e/+q, moderation.py
for TBAN, TQUIET and UBAN); docs/security.md "Moderation" describes them.
"""

from __future__ import annotations

from tui_chat.server.moderation.duration import format_duration, parse_duration
from tui_chat.server.moderation.entries import ListEntry, Subject, first_match, make_entry
from tui_chat.server.moderation.registry import Moderation, ban_text
from tui_chat.server.moderation.server_bans import BanKind, ServerBan, parse_target

__all__ = [
    "BanKind",
    "ListEntry",
    "Moderation",
    "ServerBan",
    "Subject",
    "ban_text",
    "first_match",
    "format_duration",
    "make_entry",
    "parse_duration",
    "parse_target",
]
