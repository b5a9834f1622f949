"""The server's moderation state: channel lists kept across restarts, server bans, expiry.

`ServerCore.moderation` is one `Moderation`. With a message store it loads
the saved channel lists and server bans at start-up and writes every change
through the history writer (never on the loop thread); without one it keeps
them in memory only, and a channel's lists end with the channel, as in
plain IRC.

Timed entries sit in one heap ordered by expiry, so the core's once-a-second
`tick` costs nothing until one is due; an entry removed early stays in the
heap and is skipped when its time comes (found by identity, not by mask).
"""

from __future__ import annotations

import contextlib
import heapq
import logging
import sqlite3
from collections.abc import Callable
from functools import partial
from itertools import count
from typing import TYPE_CHECKING

from tui_chat.irc.casemap import casefold
from tui_chat.irc.hostname import peer_ip
from tui_chat.irc.message import Message
from tui_chat.irc.numerics import ERR_YOUREBANNEDCREEP
from tui_chat.server.history.store import Database, connect
from tui_chat.server.moderation import persist
from tui_chat.server.moderation.access import FOUNDER, OP, RoomAccess
from tui_chat.server.moderation.duration import format_duration
from tui_chat.server.moderation.entries import ListEntry, Subject, make_entry
from tui_chat.server.moderation.server_bans import (
    ServerBan,
    ServerBans,
    parse_target,
)
from tui_chat.server.state import LIST_MODES

if TYPE_CHECKING:
    from tui_chat.server.core import ServerCore
    from tui_chat.server.history.writer import HistoryWriter
    from tui_chat.server.state import Channel, Client

__all__ = ["Lists", "Moderation", "ban_text", "new_lists", "until_text"]

log = logging.getLogger("tui_chat.server")

Lists = dict[str, list[ListEntry]]
# (expires, tie-breaker, the entry or ban, folded channel or "", list mode or "")
_Due = tuple[float, int, "ListEntry | ServerBan", str, str]


def new_lists() -> Lists:
    return {mode: [] for mode in LIST_MODES}


def until_text(ban: ServerBan, now: float) -> str:
    """`permanent` or `expires in 1h30m`."""
    if ban.expires is None:
        return "permanent"
    return f"expires in {format_duration(ban.expires - now)}"


def ban_text(ban: ServerBan, now: float) -> str:
    """What a banned user is told: the reason and when it ends."""
    return f"Banned from this server: {ban.reason} ({until_text(ban, now)})"


class Moderation:
    def __init__(self, writer: HistoryWriter | None = None, db: Database | None = None) -> None:
        self._writer = writer
        self.server_bans = ServerBans()
        # Folded channel name -> its lists, for channels whose lists are
        # saved (with a store): a channel created again gets them back.
        self._saved: dict[str, Lists] = {}
        # Folded channel name -> who runs it (moderation/access.py); with a
        # store only, as a room without one ends when it empties.
        self._access: dict[str, RoomAccess] = {}
        self._due: list[_Due] = []
        self._order = count()
        if db is not None:
            self._load(db)

    # -- start-up -----------------------------------------------------------

    def _load(self, db: Database) -> None:
        conn = connect(db, readonly=True)
        try:
            saved = persist.load(conn)
        finally:
            conn.close()
        for row in saved.lists:
            entry = make_entry(row.mask, row.set_by, row.set_at, row.expires)
            if entry is None or row.mode not in LIST_MODES:
                log.warning("moderation: skipped a saved %s entry %r", row.mode, row.mask)
                continue
            self._saved.setdefault(row.channel, new_lists())[row.mode].append(entry)
            self._schedule(entry, row.channel, row.mode)
        for ban_row in saved.server_bans:
            target = parse_target(ban_row.target)
            if target is None or target.kind.value != ban_row.kind:
                log.warning("moderation: skipped a saved server ban %r", ban_row.target)
                continue
            ban = ServerBan.on(
                target, ban_row.reason, ban_row.set_by, ban_row.set_at, ban_row.expires
            )
            self.server_bans.add(ban)
            self._schedule(ban, "", "")
        for access_row in saved.access:
            access = self._access.setdefault(access_row.channel, RoomAccess())
            if access_row.role == FOUNDER:
                access.founder = access_row.account
            else:
                access.ops.add(access_row.account)
        log.debug(
            "moderation: %d saved list entries, %d server bans, %d rooms with owners",
            len(saved.lists),
            len(self.server_bans),
            len(self._access),
        )

    # -- channel lists ------------------------------------------------------------

    def lists_for(self, folded: str) -> Lists:
        """The lists a channel created now starts with: its saved ones, or empty ones."""
        return self._saved.get(folded) or new_lists()

    def add_entry(self, channel: Channel, mode: str, entry: ListEntry) -> None:
        channel.lists[mode].append(entry)
        if self._writer is not None:
            # The channel's lists are now the saved ones: kept if it empties.
            self._saved[channel.folded] = channel.lists
            self._write(
                partial(persist.save_list_entry, channel=channel.folded, mode=mode, entry=entry)
            )
        self._schedule(entry, channel.folded, mode)

    def remove_entry(self, folded: str, lists: Lists, mode: str, entry: ListEntry) -> bool:
        entries = lists[mode]
        for i, candidate in enumerate(entries):
            if candidate is entry:
                del entries[i]
                self._write(
                    partial(persist.delete_list_entry, channel=folded, mode=mode, mask=entry.mask)
                )
                return True
        return False

    # -- room owners --------------------------------------------------------------

    def access(self, folded: str) -> RoomAccess | None:
        """Who runs the channel `folded` by account, or None: nobody."""
        return self._access.get(folded)

    def found(self, folded: str, account: str) -> None:
        """Make `account` the founder of the room `folded` (just created by it)."""
        if self._writer is None:
            return
        key = casefold(account)
        self._access[folded] = RoomAccess(founder=key)
        self._write(partial(persist.save_access, channel=folded, account=key, role=FOUNDER))

    def set_op(self, folded: str, account: str, op: bool) -> None:
        """Remember (+o) or forget (-o) `account` as an op of `folded`; the founder stays."""
        if self._writer is None:
            return
        key = casefold(account)
        access = self._access.get(folded)
        if op:
            if access is None:
                access = self._access[folded] = RoomAccess()
            if access.founder == key or key in access.ops:
                return
            access.ops.add(key)
            self._write(partial(persist.save_access, channel=folded, account=key, role=OP))
        elif access is not None and key in access.ops:
            access.ops.discard(key)
            if not access:
                del self._access[folded]
            self._write(partial(persist.delete_access, channel=folded, account=key))

    def forget_account(self, account: str) -> None:
        """A dropped account runs no room: whoever registers its name later must not."""
        key = casefold(account)
        for folded, access in list(self._access.items()):
            if access.founder == key:
                access.founder = None
            access.ops.discard(key)
            if not access:
                del self._access[folded]
        self._write(partial(persist.delete_account_access, account=key))

    # -- server bans --------------------------------------------------------------

    def add_server_ban(self, ban: ServerBan) -> ServerBan | None:
        """Add (or replace) a ban; the one it replaced."""
        old = self.server_bans.add(ban)
        if old is not None:
            self._write(partial(persist.delete_server_ban, kind=old.kind.value, target=old.target))
        self._write(partial(persist.save_server_ban, ban=ban))
        self._schedule(ban, "", "")
        return old

    def remove_server_ban(self, ban: ServerBan) -> bool:
        if not self.server_bans.remove(ban):
            return False
        self._write(partial(persist.delete_server_ban, kind=ban.kind.value, target=ban.target))
        return True

    def address_ban(self, host: str, now: float) -> ServerBan | None:
        """The ban refusing a connection from `host` (the raw peer address), if any."""
        if not self.server_bans:
            # Parsing the address (~5 µs) on every connect would be for nothing.
            return None
        return _live(self.server_bans.for_address(peer_ip(host)), now)

    def client_ban(self, client: Client, now: float) -> ServerBan | None:
        """The ban matching a connected client by address, hostmask or account, if any."""
        if not self.server_bans:
            return None
        ban = self.server_bans.for_address(peer_ip(client.host))
        if _live(ban, now) is None:
            ban = self.server_bans.for_subject(Subject.of(client))
        return _live(ban, now)

    def nick_refusal(self, client: Client, nick: str, now: float) -> str | None:
        """Why `client` may not become `nick`: a hostmask ban matching it under that nick.

        Checked on NICK after registration (QA F31); before it, the ban
        refuses the registration itself.
        """
        subject = Subject(casefold(f"{nick}!{client.user}@{client.host}"), None)
        ban = _live(self.server_bans.for_subject(subject), now)
        if ban is None:
            return None
        return f"Nickname banned from this server: {ban.reason} ({until_text(ban, now)})"

    def refuse(self, core: ServerCore, client: Client) -> bool:
        """Disconnect `client` if a server ban matches it (465, then ERROR); whether it did.

        Called at registration, at login and for everyone connected when a
        ban is added; those sharing a channel see a QUIT with the reason.
        """
        now = core.clock()
        ban = self.client_ban(client, now)
        if ban is None:
            return False
        text = ban_text(ban, now)
        log.info(
            "server ban %s %s refuses %s (%s)", ban.kind.value, ban.target, client.nick, client.host
        )
        core.reply(client, ERR_YOUREBANNEDCREEP, text=text)
        core.disconnect(client, text, f"Banned: {ban.reason}")
        return True

    # -- expiry --------------------------------------------------------------------

    def tick(self, core: ServerCore, now: float) -> None:
        """Lift what is due: a channel entry is announced as a MODE from the server."""
        due = self._due
        while due and due[0][0] <= now:
            _, _, item, folded, mode = heapq.heappop(due)
            if isinstance(item, ServerBan):
                if self.remove_server_ban(item):
                    log.info("uban expired: %s %s", item.kind.value, item.target)
                continue
            channel = core.channels.get(folded)
            lists = channel.lists if channel is not None else self._saved.get(folded)
            if lists is None or not self.remove_entry(folded, lists, mode, item):
                continue
            if channel is not None:
                log.info("mode %s -%s %s expired", channel.name, mode, item.mask)
                core.relay(
                    list(channel.members),
                    Message("MODE", [channel.name, f"-{mode}", item.mask], core.config.server_name),
                )

    def _schedule(self, item: ListEntry | ServerBan, folded: str, mode: str) -> None:
        if item.expires is not None:
            heapq.heappush(self._due, (item.expires, next(self._order), item, folded, mode))

    def _write(self, change: Callable[[sqlite3.Connection], None]) -> None:
        if self._writer is None:
            return
        # RuntimeError: the writer closed (shutting down); nothing more is kept.
        with contextlib.suppress(RuntimeError):
            self._writer.apply(change)


def _live(ban: ServerBan | None, now: float) -> ServerBan | None:
    """`ban` unless it has expired (the tick lifts it within a second)."""
    if ban is None or (ban.expires is not None and ban.expires <= now):
        return None
    return ban
