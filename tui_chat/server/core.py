"""The sans-IO server core: bytes in from transports, bytes out to them.

The listener hands every connection's transport and received bytes to a
`ServerCore`; the core frames lines, dispatches commands to the handlers
registry (`tui_chat.server.handlers`) and writes replies to the transports.
It never touches a socket, a loop or a thread, so tests drive it with plain
objects.

Framing: lines end at LF, an optional CR before it is stripped, empty lines
are ignored. A line longer than `linelen` (without its tags) or with a tag
section longer than `client_tags_len` gets 417 ERR_INPUTTOOLONG and is
discarded whole, even when it arrives without LF: the buffer never grows past
the limit, the rest of the line is skipped up to its LF.

Invalid UTF-8: we advertise `UTF8ONLY`. A line that is not valid UTF-8 is
rejected whole, never relayed: the sender gets `FAIL <CMD> INVALID_UTF8`
when it negotiated standard-replies, otherwise a NOTICE saying so. Nothing
else happens, the connection stays open.

Hot path: `relay` serializes a message once per distinct `Client.form`
(which server tags a recipient takes) and hands the same bytes object to
every recipient. Replies are coalesced: what `write`/`send`/`reply` produce
for a client within one loop iteration (a registration burst of ~20 lines,
a WHO listing) waits in `Client.pending` and leaves in one
`transport.write` when `flush` runs, scheduled once per iteration through
the `call_soon` hook the listener attaches (`attach_loop`); without the
hook (tests driving the core by hand) every write is flushed at once. A
relayed line goes straight to the transport unless lines are pending for
that client, then it queues behind them, so order is kept. The send-queue
limit counts pending bytes as well as the transport's buffer, and a client
is flushed before its ERROR line whenever the server closes it.

A client leaves exactly once, whether the core closes it (`disconnect`) or
the transport reports the loss (`connection_lost`): its QUIT is announced to
the channels it shared, its nick freed and a WHOWAS entry kept.

Limits (`tui_chat.server.flood`, defaults in `limits`): a connection from an
address over its connection limits is refused in `connection_made` with an
ERROR line and closed; the client returned is already gone, so the
listener's later calls for it do nothing. Input beyond a client's flood
allowance waits in its gate's backlog while the core pauses the transport's
reading (`pause_reading`, when the transport has it); the backlog is
released as tokens come back, through the `call_later` hook when the
listener passes one (`loop.call_later`), otherwise on the next `tick()`. A
backlog past `flood_max_backlog` lines disconnects with "Excess Flood".
"""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Callable, Iterable
from itertools import count
from typing import TYPE_CHECKING, Protocol

from tui_chat.irc import isupport
from tui_chat.irc.casemap import casefold
from tui_chat.irc.hostname import host_for_source
from tui_chat.irc.message import Message, ParseError, parse
from tui_chat.irc.numerics import (
    ERR_INPUTTOOLONG,
    ERR_NEEDMOREPARAMS,
    ERR_NOTREGISTERED,
    ERR_UNKNOWNCOMMAND,
    ERR_UNKNOWNERROR,
    RPL_LOGGEDIN,
    RPL_LOGGEDOUT,
    TEXTS,
)
from tui_chat.irc.servertime import iso_time
from tui_chat.server import caps
from tui_chat.server.accounts import Accounts
from tui_chat.server.config import ServerConfig
from tui_chat.server.flood import AddressBook, FloodGate, address_key, is_exempt, parse_networks
from tui_chat.server.handlers import load_all
from tui_chat.server.labeled import LabeledReply
from tui_chat.server.moderation import Moderation, ban_text
from tui_chat.server.state import (
    FLAG_MODES,
    LIST_MODES,
    PARAM_MODES,
    SET_PARAM_MODES,
    USER_MODES,
    Channel,
    Client,
    Whowas,
    WhowasEntry,
)

if TYPE_CHECKING:
    from tui_chat.server.handlers.chathistory import ServerHistory

__all__ = ["CallLater", "CallSoon", "Client", "ServerCore", "Transport"]

log = logging.getLogger("tui_chat.server")

VERSION = "tui-chat-0.1.0"
# labeled-response: labels longer than this are ignored (the spec's limit).
MAX_LABEL_BYTES = 64
# Peer addresses whose shown host and limit key are remembered, so a
# reconnecting address is not parsed again (and its host string is shared);
# past this many the memo starts over.
PEER_MEMO_SIZE = 4096


class Transport(Protocol):
    """What the core needs of a connection; asyncio.Transport satisfies it."""

    def write(self, data: bytes) -> None: ...
    def close(self) -> None: ...
    def get_write_buffer_size(self) -> int: ...


# `loop.call_later(delay, callback)`: runs `callback` after `delay` seconds.
CallLater = Callable[[float, Callable[[], None]], object]
# `loop.call_soon(callback)`: runs `callback` at the end of this loop iteration.
CallSoon = Callable[[Callable[[], None]], object]


class ServerCore:
    def __init__(
        self,
        config: ServerConfig,
        *,
        clock: Callable[[], float] = time.time,
        call_later: CallLater | None = None,
        history: ServerHistory | None = None,
    ) -> None:
        self.config = config
        # The message store (handlers/chathistory.py); None keeps no history.
        self.history = history
        # The answer to the labeled command whose handler is running, if any
        # (tui_chat/server/labeled.py): a handler holds it for later parts.
        self.labeled: LabeledReply | None = None
        # Channel lists kept across restarts, server bans, expiry (moderation/).
        self.moderation = (
            Moderation(history.store.writer, history.store.db)
            if history is not None
            else Moderation()
        )
        # Accounts live in the store: none without one (handlers/sasl.py).
        self.accounts = (
            Accounts(history.store, config, history.deliver, clock) if history is not None else None
        )
        self.cap_values = self._cap_values()
        self.clock = clock
        self._call_later = call_later
        self._call_soon: CallSoon | None = None
        # Clients with pending lines, and whether a flush is scheduled.
        self._dirty: list[Client] = []
        self._flush_scheduled = False
        self._exempt = parse_networks(config.flood_exempt)
        self.addresses = AddressBook(
            config.max_connections_per_ip,
            config.new_connections_per_ip,
            config.new_connections_window,
        )
        # Clients whose flood gate holds lines back.
        self._held: set[Client] = set()
        # Peer address -> (host shown in its source, limit key or None if trusted).
        self._peers: dict[str, tuple[str, str | None]] = {}
        self.started = clock()
        # Every connection, registered or not; a dict for its smaller table
        # (about 29 bytes an entry at 10,000 against a set's 52).
        self.clients: dict[Client, None] = {}
        # folded nick -> client, registered or not (a NICK reserves it).
        self.nicks: dict[str, Client] = {}
        self.channels: dict[str, Channel] = {}
        self.whowas = Whowas(config.whowas_history)
        self.handlers = load_all()
        self.isupport_lines = isupport.split_lines(isupport.format_tokens(self._isupport()))
        self._msgid_prefix = secrets.token_hex(4)
        self._msgids = count(1)
        self._batch_ids = count(1)
        self._drops: list[Client] = []
        # LUSERS figures, kept current so a registration burst costs O(1).
        self.user_count = 0
        self.mode_counts: dict[str, int] = dict.fromkeys(USER_MODES, 0)

    # -- the listener's API ------------------------------------------------

    def attach_loop(self, call_soon: CallSoon, call_later: CallLater) -> None:
        """Coalesce writes per loop iteration; release held input on time.

        A `call_later` given to the constructor is kept.
        """
        self._call_soon = call_soon
        if self._call_later is None:
            self._call_later = call_later
        if self.history is not None:
            self.history.attach_loop(call_soon)

    def connection_made(
        self, transport: Transport, host: str, port: int, *, tls: bool = False
    ) -> Client:
        now = self.clock()
        cfg = self.config
        source_host, key = self._peers.get(host) or self._remember_peer(host)
        client = Client(transport, source_host, port, tls, now)
        ban = self.moderation.address_ban(host, now)
        if ban is not None:
            log.info("refused %s:%s: server ban on %s", host, port, ban.target)
            self._close(client, ban_text(ban, now))
            return client
        if key is not None:
            refusal = self.addresses.admit(key, now)
            if refusal is not None:
                log.info("refused %s:%s: %s", host, port, refusal)
                self._close(client, refusal)
                return client
            client.address_key = key
            client.flood = FloodGate(cfg.flood_burst, cfg.flood_rate, now)
        self.clients[client] = None
        log.info("connect %s:%s%s", host, port, " (tls)" if tls else "")
        return client

    def _remember_peer(self, host: str) -> tuple[str, str | None]:
        if len(self._peers) >= PEER_MEMO_SIZE:
            self._peers.clear()
        # Shown to others as written on the wire ("::1" would read as a
        # trailing parameter); limits key on the raw address.
        key = None
        if not is_exempt(host, self._exempt):
            key = address_key(host, self.config.connection_ipv6_prefix)
        peer = self._peers[host] = (host_for_source(host), key)
        return peer

    def data_received(self, client: Client, data: bytes) -> None:
        if client.gone:
            return
        if client.discarding:
            # Inside an overlong line: skip up to its end.
            nl = data.find(b"\n")
            if nl < 0:
                return
            data = data[nl + 1 :]
            client.discarding = False
        if b"\n" in data:
            chunk = client.buffer + data if client.buffer else data
            *lines, client.buffer = chunk.split(b"\n")
            self._lines(client, lines)
        else:
            client.buffer += data
        if len(client.buffer) > self._max_input and not client.gone:
            client.buffer = b""
            client.discarding = True
            self.reply(client, ERR_INPUTTOOLONG)
        self._drain_drops()

    def connection_lost(self, client: Client, reason: str = "Connection closed") -> None:
        if client.gone:
            return
        client.gone = True
        self._remove(client, reason)
        self._drain_drops()

    def tick(self) -> None:
        now = self.clock()
        cfg = self.config
        # Without a scheduler, held-back input is released here.
        for client in list(self._held):
            self._release(client)
        self.addresses.prune(now)
        self.moderation.tick(self, now)
        if self.accounts is not None:
            self.accounts.prune(now)
        for client in list(self.clients):
            if client.gone:
                continue
            if not client.registered:
                if now - client.connected_at > cfg.registration_timeout:
                    self.disconnect(client, "Registration timed out")
                continue
            idle = now - client.last_activity
            if idle > cfg.ping_timeout:
                self.disconnect(client, f"Ping timeout: {int(idle)} seconds")
            elif idle > cfg.ping_interval and not client.ping_sent:
                client.ping_sent = True
                self.send(client, Message("PING", [cfg.server_name]))
        self._drain_drops()

    def shutdown(self, reason: str = "Server shutting down") -> None:
        data = Message("ERROR", [reason]).to_bytes()
        for client in list(self.clients):
            if client.gone:
                continue
            client.outbox = None
            client.transport.write(self._take_pending(client) + data)
            client.gone = True
            client.transport.close()
        self.clients.clear()
        self.nicks.clear()
        self.channels.clear()
        self._held.clear()
        self.addresses.clear()
        if self.accounts is not None:
            self.accounts.close()
        log.info("shutdown: %s", reason)

    # -- sending -------------------------------------------------------------

    def new_msgid(self) -> str:
        return f"{self._msgid_prefix}-{next(self._msgids):x}"

    def new_batch_id(self) -> str:
        return f"L{next(self._batch_ids):x}"

    def write(self, client: Client, data: bytes) -> None:
        """Hand already-serialized bytes to one client."""
        if client.outbox is not None:
            client.outbox.append(data)
            return
        if client.gone:
            return
        pending = client.pending
        if pending is None:
            client.pending = [data]
            client.pending_size = len(data)
            self._dirty.append(client)
            if not self._flush_scheduled:
                self._schedule_flush()
            return
        pending.append(data)
        client.pending_size += len(data)
        if client.pending_size > self.config.max_sendq:
            self._drops.append(client)

    def flush(self) -> None:
        """Hand every client's pending lines to its transport, one write each."""
        dirty, self._dirty = self._dirty, []
        max_sendq = self.config.max_sendq
        for client in dirty:
            if client.pending is None or client.gone:
                continue
            data = self._take_pending(client)
            if not data:
                continue
            transport = client.transport
            transport.write(data)
            if transport.get_write_buffer_size() > max_sendq:
                self._drops.append(client)

    def _schedule_flush(self) -> None:
        if self._call_soon is None:
            self.flush()
            return
        self._flush_scheduled = True
        self._call_soon(self._flush_soon)

    def _flush_soon(self) -> None:
        self._flush_scheduled = False
        self.flush()
        self._drain_drops()

    @staticmethod
    def _take_pending(client: Client) -> bytes:
        pending, client.pending = client.pending, None
        client.pending_size = 0
        if not pending:
            return b""
        return pending[0] if len(pending) == 1 else b"".join(pending)

    def send(self, client: Client, msg: Message) -> None:
        """Send one message to one client, adding the tags its caps ask for."""
        if client.form & caps.FORM_TIME:
            # A copy: the caller may send the same message to someone without the cap.
            msg = Message(
                msg.command, msg.params, msg.source, {**msg.tags, "time": iso_time(self.clock())}
            )
        self.write(client, msg.to_bytes())

    def reply(self, client: Client, code: str, *params: str, text: str | None = None) -> None:
        """A numeric from the server; `text` defaults to the code's usual text."""
        # A parameter echoed from the client's input may hold a space or be
        # empty; shown as "*" it cannot break the reply's shape.
        args = [client.nick, *(p if _fits_middle(p) else "*" for p in params)]
        trailing = TEXTS.get(code) if text is None else text
        if trailing is not None:
            args.append(trailing)
        self.send(client, Message(code, args, self.config.server_name))

    def notice(self, client: Client, text: str) -> None:
        self.send(client, Message("NOTICE", [client.nick, text], self.config.server_name))

    def fail(self, client: Client, command: str, code: str, *context: str, text: str) -> None:
        """A standard-replies FAIL, or a NOTICE to a client that did not ask for them."""
        if caps.STANDARD_REPLIES in client.caps:
            self.send(
                client, Message("FAIL", [command, code, *context, text], self.config.server_name)
            )
        else:
            self.notice(client, f"{command}: {text}")

    def relay(
        self,
        recipients: Iterable[Client],
        msg: Message,
        *,
        client_tags: dict[str, str] | None = None,
        msgid: str | None = None,
        server_time: str | None = None,
        account: str | None = None,
    ) -> None:
        """Send `msg` to many clients, serialized once per distinct form.

        `server_time`: the stamp a stored message was recorded with, so the
        relay and the store agree; otherwise the time of relaying.
        `account`: the sender's account, the `account` tag for account-tag
        clients (the sender's at the time it spoke, for a stored message).
        """
        forms: list[bytes | None] = [None] * caps.FORMS
        stamp = server_time or ""
        max_sendq = self.config.max_sendq
        drops = self._drops
        for client in recipients:
            form = client.form
            data = forms[form]
            if data is None:
                tags: dict[str, str] = {}
                if form & caps.FORM_TIME:
                    stamp = stamp or iso_time(self.clock())
                    tags["time"] = stamp
                if form & caps.FORM_TAGS:
                    if msgid:
                        tags["msgid"] = msgid
                    if client_tags:
                        tags.update(client_tags)
                if account and form & caps.FORM_ACCOUNT:
                    tags["account"] = account
                data = forms[form] = Message(msg.command, msg.params, msg.source, tags).to_bytes()
            # `write`, inlined: this loop runs once per delivery. A client
            # with nothing pending is written to at once: queueing costs more
            # Python per delivery than it saves in syscalls when, as in a busy
            # room, each recipient gets one line per loop iteration (measured,
            # docs/benchmarks.md). Behind pending lines, it queues, in order.
            if client.outbox is not None:
                client.outbox.append(data)
            elif not client.gone:
                pending = client.pending
                if pending is None:
                    transport = client.transport
                    transport.write(data)
                    if transport.get_write_buffer_size() > max_sendq:
                        drops.append(client)
                else:
                    pending.append(data)
                    client.pending_size += len(data)
                    if client.pending_size > max_sendq:
                        drops.append(client)

    def members_and_self(self, client: Client) -> dict[Client, None]:
        """Everyone who shares a channel with `client`, and `client`, once each."""
        seen: dict[Client, None] = {client: None}
        for channel in client.channels.values():
            seen.update(dict.fromkeys(channel.members))
        return seen

    # -- users ---------------------------------------------------------------

    def set_account(self, client: Client, name: str | None) -> None:
        """Log `client` in to account `name`, or out with None: every login path ends here.

        The client gets 900/901; with account-notify, those sharing a channel
        get ACCOUNT. Later messages carry the account (account-tag,
        extended-join, WHOIS 330, WHOX %a, stored history records).
        """
        client.account = name
        if name is not None and self.moderation.refuse(self, client):
            return
        if name is not None and self.accounts is not None:
            self.accounts.logged_in(client, name)
        if name is not None:
            self.reply(
                client, RPL_LOGGEDIN, client.source, name, text=f"You are now logged in as {name}"
            )
        else:
            self.reply(client, RPL_LOGGEDOUT, client.source, text="You are now logged out")
        log.info("account %s: %s (%s)", client.nick, name or "logged out", client.host)
        if client.registered:
            watchers = [
                m
                for m in self.members_and_self(client)
                if m is not client and caps.ACCOUNT_NOTIFY in m.caps
            ]
            self.relay(watchers, Message("ACCOUNT", [name or "*"], client.source))

    def mark_registered(self, client: Client) -> None:
        client.registered = True
        self.user_count += 1

    def set_user_mode(self, client: Client, letter: str, on: bool) -> bool:
        """Set or clear a user mode; whether anything changed."""
        if on == (letter in client.modes):
            return False
        if on:
            client.modes = client.modes | {letter}
            self.mode_counts[letter] += 1
        else:
            client.modes = client.modes - {letter}
            self.mode_counts[letter] -= 1
        return True

    # -- leaving -------------------------------------------------------------

    def disconnect(self, client: Client, reason: str, quit_reason: str | None = None) -> None:
        """Close a client from the server side: ERROR, then QUIT to its channels."""
        if client.gone:
            return
        self._flush_outbox(client)
        self._close(client, reason)
        self._remove(client, quit_reason or reason)

    def _close(self, client: Client, reason: str) -> None:
        error = Message("ERROR", [f"Closing Link: {client.host} ({reason})"]).to_bytes()
        client.transport.write(self._take_pending(client) + error)
        client.gone = True
        client.transport.close()

    def _remove(self, client: Client, reason: str) -> None:
        self.clients.pop(client, None)
        if self.accounts is not None:
            self.accounts.forget(client)
        if client.address_key is not None:
            self.addresses.release(client.address_key)
        if client.flood is not None:
            client.flood.backlog.clear()
            self._held.discard(client)
        for letter in client.modes:
            self.mode_counts[letter] -= 1
        if client.registered:
            self.user_count -= 1
            others = self.members_and_self(client)
            del others[client]
            quit_line = Message("QUIT", [reason], client.source)
            if self.history is not None:
                # Not before the last words it said, which may still be being stored.
                self.history.after_pending(lambda: self.relay(others, quit_line))
                self.history.record_event(self, client.channels.values(), quit_line, client.account)
            else:
                self.relay(others, quit_line)
            self.whowas.add(
                WhowasEntry(
                    client.nick,
                    client.user,
                    client.host,
                    client.realname,
                    self.config.server_name,
                    self.clock(),
                )
            )
        for channel in list(client.channels.values()):
            self.leave_channel(client, channel)
        if client.folded and self.nicks.get(client.folded) is client:
            del self.nicks[client.folded]
        log.info("disconnect %s (%s:%s): %s", client.nick, client.host, client.port, reason)

    def _drain_drops(self) -> None:
        while self._drops:
            client = self._drops.pop()
            self.disconnect(client, "SendQ exceeded")

    # -- channels and nicks ----------------------------------------------------

    def find_client(self, nick: str) -> Client | None:
        """A registered client by nick, any case."""
        client = self.nicks.get(casefold(nick))
        return client if client is not None and client.registered else None

    def find_channel(self, name: str) -> Channel | None:
        return self.channels.get(casefold(name))

    def leave_channel(self, client: Client, channel: Channel) -> None:
        """Drop the membership (no message); an emptied channel ceases to exist."""
        channel.members.pop(client, None)
        client.parted(channel.folded)
        if not channel.members:
            self.channels.pop(channel.folded, None)

    # -- lines ---------------------------------------------------------------

    @property
    def _max_input(self) -> int:
        return self.config.linelen + self.config.client_tags_len

    def _too_long(self, raw: bytes) -> bool:
        body = len(raw)
        if raw[:1] == b"@":
            space = raw.find(b" ")
            tags_len = space + 1 if space >= 0 else body
            if tags_len > self.config.client_tags_len:
                return True
            body -= tags_len
        # linelen counts the CR LF.
        return body + 2 > self.config.linelen

    def _lines(self, client: Client, lines: list[bytes]) -> None:
        """Handle complete lines, holding back those beyond the flood allowance."""
        gate = client.flood
        if gate is None or client.is_oper:
            for line in lines:
                if client.gone:
                    return
                self._line(client, line)
            return
        now = self.clock()
        for i, line in enumerate(lines):
            if client.gone:
                return
            if gate.backlog or not gate.bucket.take(now):
                self._hold(client, gate, lines[i:])
                return
            self._line(client, line)

    def _hold(self, client: Client, gate: FloodGate, lines: list[bytes]) -> None:
        gate.backlog.extend(lines)
        if len(gate.backlog) > self.config.flood_max_backlog:
            self.disconnect(client, "Excess Flood")
            return
        self._held.add(client)
        if not gate.paused:
            pause = getattr(client.transport, "pause_reading", None)
            if pause is not None:
                pause()
            gate.paused = True
        self._schedule_release(client, gate)

    def _schedule_release(self, client: Client, gate: FloodGate) -> None:
        if self._call_later is None or gate.scheduled:
            return
        gate.scheduled = True
        self._call_later(gate.bucket.wait(self.clock()), lambda: self._released(client))

    def _released(self, client: Client) -> None:
        if client.flood is not None:
            client.flood.scheduled = False
        self._release(client)
        self._drain_drops()

    def _release(self, client: Client) -> None:
        """Handle the held-back lines the allowance now covers; read again once none are left."""
        gate = client.flood
        if gate is None or client.gone:
            return
        now = self.clock()
        backlog = gate.backlog
        while backlog and not client.gone and (client.is_oper or gate.bucket.take(now)):
            self._line(client, backlog.popleft())
        if client.gone:
            return
        if backlog:
            self._schedule_release(client, gate)
            return
        self._held.discard(client)
        if gate.paused:
            gate.paused = False
            resume = getattr(client.transport, "resume_reading", None)
            if resume is not None:
                resume()

    def _line(self, client: Client, raw: bytes) -> None:
        if raw.endswith(b"\r"):
            raw = raw[:-1]
        if not raw.strip(b" "):
            return
        if self._too_long(raw):
            self.reply(client, ERR_INPUTTOOLONG)
            return
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            self._invalid_utf8(client, raw)
            return
        try:
            msg = parse(text)
        except ParseError as exc:
            self.reply(client, ERR_UNKNOWNERROR, "*", text=f"Malformed message: {exc}")
            return
        client.last_activity = self.clock()
        client.ping_sent = False
        self.dispatch(client, msg)

    def _invalid_utf8(self, client: Client, raw: bytes) -> None:
        try:
            command = parse(raw.decode("utf-8", "replace")).command
        except ParseError:
            command = "*"
        if not (command.isascii() and command.isalnum()):
            command = "*"
        self.fail(client, command, "INVALID_UTF8", text="Message rejected: it is not valid UTF-8")

    def dispatch(self, client: Client, msg: Message) -> None:
        spec = self.handlers.get(msg.command)
        if spec is None:
            if client.registered:
                self.reply(client, ERR_UNKNOWNCOMMAND, msg.command)
            else:
                self.reply(client, ERR_NOTREGISTERED)
            return
        if spec.registered and not client.registered:
            self.reply(client, ERR_NOTREGISTERED)
            return
        if len(msg.params) < spec.min_params:
            self.reply(client, ERR_NEEDMOREPARAMS, msg.command)
            return
        label = self._label_of(client, msg)
        if label is not None:
            self.labeled = LabeledReply(label)
            client.outbox = self.labeled.lines
        elif client.pending is None and self._call_soon is not None:
            # What the command relays to its own client (a JOIN's echo before
            # its NAMES) queues with the replies: one write, not two.
            client.pending = []
            self._dirty.append(client)
            if not self._flush_scheduled:
                self._schedule_flush()
        try:
            spec.func(self, client, msg)
        except Exception:
            log.exception("handler %s failed for %r", msg.command, client)
            self.reply(client, ERR_UNKNOWNERROR, msg.command, text="Internal error")
        finally:
            reply, self.labeled = self.labeled, None
            if reply is not None:
                client.outbox = None
                reply.done(self, client)

    # -- labeled-response ---------------------------------------------------

    @staticmethod
    def _label_of(client: Client, msg: Message) -> str | None:
        label = msg.tags.get("label")
        # Like other servers, we label only for clients that also took `batch`,
        # so every labeled command has one well-formed answer.
        if not label or not {caps.LABELED_RESPONSE, caps.BATCH} <= client.caps:
            return None
        if len(label.encode()) > MAX_LABEL_BYTES:
            return None
        return label

    def _flush_outbox(self, client: Client) -> None:
        """Queue what a labeled command collected so far, unlabeled, after the pending lines."""
        lines, client.outbox = client.outbox, None
        for data in lines or ():
            self.write(client, data)

    # -- capabilities and ISUPPORT -----------------------------------------------

    def _cap_values(self) -> dict[str, str]:
        if self.accounts is None:
            return {}
        # With a server password, REGISTER waits for PASS: registering before
        # connecting would let anyone without the password create accounts.
        before = "" if self.config.password is not None else "before-connect"
        return {caps.SASL: ",".join(self.accounts.mechanisms), caps.ACCOUNT_REGISTRATION: before}

    def _isupport(self) -> dict[str, str | None]:
        cfg = self.config
        targets = cfg.maxtargets
        return {
            "AWAYLEN": str(cfg.awaylen),
            "CASEMAPPING": "rfc1459",
            "CHANLIMIT": f"#&:{cfg.chanlimit}",
            "CHANMODES": f"{LIST_MODES},{PARAM_MODES},{SET_PARAM_MODES},{FLAG_MODES}",
            "CHANNELLEN": str(cfg.channellen),
            "CHANTYPES": "#&",
            "KICKLEN": str(cfg.kicklen),
            "LINELEN": str(cfg.linelen),
            "EXTBAN": "~,a",
            "MAXLIST": f"{LIST_MODES}:{cfg.maxlist}",
            "MODES": str(cfg.modes),
            "NETWORK": cfg.network,
            "NICKLEN": str(cfg.nicklen),
            "PREFIX": "(ov)@+",
            "TARGMAX": (
                f"PRIVMSG:{targets},NOTICE:{targets},TAGMSG:{targets},JOIN:{targets},"
                f"PART:{targets},KICK:{targets},NAMES:1,WHOIS:1,USERHOST:{cfg.userhost_max_nicks}"
            ),
            "TOPICLEN": str(cfg.topiclen),
            "USERLEN": str(cfg.userlen),
            "USERMODES": USER_MODES,
            "UTF8ONLY": None,
            "WHOX": None,
            **(self.history.isupport_tokens() if self.history is not None else {}),
        }


def _fits_middle(param: str) -> bool:
    return bool(param) and " " not in param and param[0] != ":"
