"""One IRC connection for the UI: connect, register, read, act, reconnect.

`ClientSession.run()` owns the socket (asyncio streams). Incoming lines go to
the sans-IO `Dispatcher`, which updates `state` and emits events; the action
methods (`send_message`, `join`, ...) write lines whose results come back as
events. Everything runs on the event loop that runs `run()`, and `on_event`
is called there too.

Our own messages, exactly once (pending.py, docs/history.md "Server wiring"):
every PRIVMSG, NOTICE and ACTION we send carries a random idempotency key,
on the wire as the client-only tag `+tui-chat/idem` when the server has
message-tags (no tag otherwise). What the UI must do:

- With echo-message, each line sent (each piece of a long text) first
  emits `MessagePending(target, text, key, kind)`: show it in `target`'s
  window dimmed. Its confirmation is the one `MessageReceived` with
  `is_self` and `tags["+tui-chat/idem"] == key`: the server's echo, or the
  history copy a reconnect's gap fill brings (`is_self` is set even if
  that copy shows the nick we had before a reconnect gave us another).
  Replace the dimmed line with it (it has the msgid and server time). A
  MessageReceived whose key was never shown pending is drawn as usual, so
  a UI ignoring MessagePending still shows every message once.
- A pending message survives reconnects: once the new connection has
  re-joined its room and that room's gap fill has arrived (or after
  `resend_deadline`), it is sent again with the same key, and our server
  stores and relays it once and echoes the first msgid. Lines typed while
  reconnecting wait as pending too. Only when the session ends for good is
  an ErrorReply "N message(s) may not have been delivered" emitted; the
  dimmed lines then stay unconfirmed.
- An `ErrorReply` with `key` set (401/403/404, FAIL PRIVMSG ... such as
  MESSAGE_NOT_STORED) refused that pending message: mark its line as not
  sent; it is neither confirmed nor resent.
- Without echo-message nothing is pending: the session reports our line
  as a `MessageReceived(is_self=True)` as soon as it is written (carrying
  the key in its tags too), as it always did; lines typed while
  reconnecting wait in the outbox and are sent when the connection is back.
"""

from __future__ import annotations

import asyncio
import contextlib
import getpass
import logging
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from tui_chat import __version__
from tui_chat.client.backoff import backoff_delay
from tui_chat.client.dispatch import Dispatcher
from tui_chat.client.events import (
    ConnectionStateChanged,
    ConnState,
    ErrorReply,
    Event,
    LagMeasured,
    LoginFailed,
    MessageKind,
    MessagePending,
    MessageReceived,
    NickChanged,
    ServerInfo,
)
from tui_chat.client.history import HISTORY_ON_JOIN, HISTORY_PAGE, before_request, history_enabled
from tui_chat.client.ignores import ignore_entry, nick_entry
from tui_chat.client.isupport import Isupport
from tui_chat.client.pacing import SEND_BURST, SEND_INTERVAL, SendPacer
from tui_chat.client.pending import IDEM_TAG, PENDING_LIMIT, Outgoing, new_key
from tui_chat.client.pinning import (
    KnownServers,
    PinMismatchError,
    describe_tls_error,
    open_tls_connection,
)
from tui_chat.client.registration import (
    ACCOUNT_REGISTRATION_CAP,
    MAX_NICK_ATTEMPTS,
    Registration,
)
from tui_chat.client.sasl import plain_allowed
from tui_chat.client.state import SessionState
from tui_chat.client.text_split import ASSUMED_USERHOST_BYTES, split_text, text_budget
from tui_chat.config import SettingsError
from tui_chat.irc.ctcp import action
from tui_chat.irc.message import Message, ParseError, parse
from tui_chat.saved_ignores import ServerIgnores

__all__ = [
    "CONNECT_TIMEOUT",
    "LAG_REPORT_INTERVAL",
    "MAX_LINE_BYTES",
    "OUTBOX_LIMIT",
    "PING_INTERVAL",
    "PING_TIMEOUT",
    "QUIT_TIMEOUT",
    "REGISTRATION_TIMEOUT",
    "RESEND_DEADLINE",
    "ClientSession",
    "ConnectOptions",
]

log = logging.getLogger("tui_chat.client")

# Seconds between our PINGs, which measure lag and prove the link is alive:
# a quiet link is probed after at most this much silence.
PING_INTERVAL = 30.0
# Seconds of silence from the server after which the link counts as dead and
# is reconnected. Two ping intervals: an answered PING always comes well
# within it, and a silently dead link is noticed after about a minute.
PING_TIMEOUT = 60.0
# Seconds between LagMeasured reports while a PING waits for its answer, so
# the lag shown climbs on a dead link instead of keeping its last good value.
LAG_REPORT_INTERVAL = 1.0
# Seconds a TCP (and TLS) connect may take.
CONNECT_TIMEOUT = 15.0
# Seconds a server may take to welcome us (001) after the connection opened.
REGISTRATION_TIMEOUT = 30.0
# Messages kept while reconnecting, sent once the connection is back.
OUTBOX_LIMIT = 50
# Seconds after a reconnect's welcome by which unconfirmed messages are sent
# again even if their room's re-join or history never completed.
RESEND_DEADLINE = 10.0
# Seconds quit() waits for the server to close after our QUIT.
QUIT_TIMEOUT = 3.0
# Longest line we read: 8191 bytes of tags plus a 512-byte message, with room
# to spare. Longer lines are skipped whole.
MAX_LINE_BYTES = 16384
VERSION_REPLY = f"tui-chat {__version__}"
# Characters no nick or room name can hold; a comma would even address several.
_TARGET_FORBIDDEN = frozenset(" ,\r\n\0")
# CTCP framing around /me text: \x01ACTION ...\x01.
_ACTION_OVERHEAD = len(action("x")) - 1


@dataclass
class ConnectOptions:
    host: str
    port: int
    nick: str
    username: str | None = None
    realname: str | None = None
    # Server password (PASS).
    password: str | None = None
    tls: bool = False
    # Joined (and re-joined after a reconnect) besides the server's default room.
    rooms: tuple[str, ...] = ()
    # Account name and password to log in with (SASL) while registering.
    sasl: tuple[str, str] | None = None
    # Let a password cross an unencrypted link to another machine (SASL PLAIN,
    # REGISTER): off, such a login is refused with a sentence saying why.
    allow_plaintext_password: bool = False
    # Send `sasl` only to a server showing this pinned certificate fingerprint
    # (remembered logins are bound to the certificate they were saved with).
    sasl_pin: str | None = None
    # OPER name and password, sent after registration (used by `host`).
    oper: tuple[str, str] | None = None
    reconnect: bool = True
    # Reconnect delays: exponential from backoff_base, capped at backoff_max, jittered.
    backoff_base: float = 1.0
    backoff_max: float = 60.0
    ping_interval: float = PING_INTERVAL
    ping_timeout: float = PING_TIMEOUT
    lag_report_interval: float = LAG_REPORT_INTERVAL
    connect_timeout: float = CONNECT_TIMEOUT
    # Seconds from connecting to the server's welcome (001).
    registration_timeout: float = REGISTRATION_TIMEOUT
    quit_timeout: float = QUIT_TIMEOUT
    # Messages of history fetched on entering a room, when the server has it.
    history_on_join: int = HISTORY_ON_JOIN
    # Outgoing user lines: a burst, then one per interval (0 = no pacing).
    send_burst: int = SEND_BURST
    send_interval: float = SEND_INTERVAL
    # Messages held while reconnecting; more are refused with an ErrorReply.
    outbox_limit: int = OUTBOX_LIMIT
    # Unconfirmed (echo-message) messages remembered for resending.
    pending_limit: int = PENDING_LIMIT
    # Seconds after a reconnect's welcome until unconfirmed messages are resent
    # regardless of their room being ready.
    resend_deadline: float = RESEND_DEADLINE
    # Longest line read from the server; longer ones are skipped.
    max_line_bytes: int = MAX_LINE_BYTES
    # Alternative nicks tried when the chosen one is taken at registration.
    nick_attempts: int = MAX_NICK_ATTEMPTS
    # TLS trust: a CA-verified certificate, else the pin remembered on first use
    # in this known_servers file (None = the platform data dir's).
    known_servers: Path | None = None
    # Extra CA certificates to trust (PEM), e.g. a private CA.
    ca_file: Path | None = None
    # Where /ignore keeps this server's list between runs; None keeps it for
    # the session only.
    saved_ignores: ServerIgnores | None = None


def _default_username(nick: str) -> str:
    try:
        name = getpass.getuser()
    except (KeyError, OSError):
        name = nick
    cleaned = "".join(ch for ch in name if ch.isalnum())
    return cleaned or "tuichat"


def _being_cancelled() -> bool:
    task = asyncio.current_task()
    return task is not None and task.cancelling() > 0


def _connect_failure(exc: BaseException, tls: bool) -> str:
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    if tls:
        return describe_tls_error(exc)
    if isinstance(exc, TimeoutError):
        return "timed out"
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror[:1].lower() + exc.strerror[1:]
    return str(exc) or type(exc).__name__


class ClientSession:
    """An IRC client connection with reconnects; see the module docstring."""

    def __init__(self, options: ConnectOptions, on_event: Callable[[Event], None]) -> None:
        self._options = options
        self._on_event = on_event
        self._state = SessionState(nick=options.nick, pending_limit=options.pending_limit)
        # The nick to register with: the chosen one, or the last /nick asked for.
        self._preferred_nick = options.nick
        self._pacer = SendPacer(options.send_burst, options.send_interval)
        self._connect_task: (
            asyncio.Future[tuple[asyncio.StreamReader, asyncio.StreamWriter]] | None
        ) = None
        self._writer: asyncio.StreamWriter | None = None
        self._dispatcher: Dispatcher | None = None
        self._quitting = False
        self._wake = asyncio.Event()
        self._fatal: str | None = None
        self._drop_reason = ""
        self._welcomed = False
        # time.monotonic() of the last line from the server, and of our last PING.
        self._last_heard = 0.0
        self._last_ping = 0.0
        # When the last registered connection last heard the server (UTC).
        self._offline_since: datetime | None = None
        self._ping_serial = 0
        self._pings: dict[str, float] = {}
        # Folded room name -> key, for rooms joined with one (re-joins need it).
        self._keys: dict[str, str] = {}
        # Rooms to join once the current connection is registered.
        self._rejoin: list[str] = []
        self._tasks: set[asyncio.Future[object]] = set()
        # Set when the current connection has ended (quit() waits for it).
        self._closed = asyncio.Event()
        # Until the first registration, any failure is reported, not retried:
        # a wrong address or port should say so, not spin forever.
        self._registered_before = False
        # (command, target, text, kind) typed while reconnecting, oldest first
        # (without echo-message; with it they wait in state.pending).
        self._outbox: list[tuple[str, str, str, MessageKind]] = []
        # Resends everything still due if rooms take too long to get ready.
        self._resend_timer: asyncio.TimerHandle | None = None
        # Account and password to log in with on every (re)connection: the
        # options', or the last login or REGISTER that succeeded.
        self._credentials = options.sasl
        self._credentials_pin = options.sasl_pin
        # The pinned fingerprint of this connection's certificate (TLS with a
        # self-signed certificate); None without TLS or when a CA vouched for it.
        self.pinned_fingerprint: str | None = None
        # A /login or /register on its way: its account (None = our nick), its
        # password, and whether the user agreed to send it over an open link.
        self._offered_credentials: tuple[str | None, str, bool] | None = None
        # The user agreed to passwords over an unencrypted link to this server.
        self._plaintext_consent = options.allow_plaintext_password
        # Whether the last registered connection had echo-message: lines typed
        # while reconnecting then wait as pending (a new connection's caps are
        # not known until it registers).
        self._echo_expected = False

    @property
    def state(self) -> SessionState:
        return self._state

    @property
    def options(self) -> ConnectOptions:
        return self._options

    # Lifecycle

    async def run(self) -> None:
        """Connect and serve until quit() or a fatal error, reconnecting after drops."""
        host, port = self._options.host, self._options.port
        attempt = 0
        rejoin: list[str] = list(self._options.rooms)
        self._load_ignores()
        while not self._quitting:
            self._set_conn_state(ConnState.CONNECTING, f"Connecting to {host}:{port}")
            self._connect_task = asyncio.ensure_future(self._open())
            try:
                reader, writer = await self._connect_task
            except asyncio.CancelledError:
                # quit() while connecting cancels the connect, not run().
                if not self._quitting or _being_cancelled():
                    raise
                break
            except PinMismatchError as exc:
                # A changed certificate is never retried: only a person can judge it.
                self._finish(str(exc))
                return
            except (OSError, TimeoutError, EOFError) as exc:
                reason = _connect_failure(exc, self._options.tls)
                failure = f"Could not connect to {host}:{port}: {reason}"
                if not self._registered_before or not self._options.reconnect:
                    self._finish(failure)
                    return
                self._drop_reason = failure
            else:
                if await self._serve(reader, writer, rejoin):
                    self._registered_before = True
                    # Only a registered connection knows which rooms we were in.
                    attempt = 0
                    rejoin = self._rooms_to_rejoin()
                elif not (self._registered_before or self._quitting or self._fatal):
                    reason = self._drop_reason or "The server closed the connection"
                    self._fatal = f"Could not join {host}:{port}: {reason[:1].lower()}{reason[1:]}"
                self._state.leave_all_rooms()
                if self._fatal is not None or self._quitting or not self._options.reconnect:
                    break
            delay = backoff_delay(attempt, self._options.backoff_base, self._options.backoff_max)
            attempt += 1
            self._state.conn_state = ConnState.RECONNECTING
            self.emit(
                ConnectionStateChanged(
                    ConnState.RECONNECTING,
                    self._drop_reason or "Connection lost",
                    retry_in=delay,
                    offline_since=self._offline_since,
                )
            )
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), delay)
        if self._fatal is not None:
            self._finish(self._fatal)
        elif self._quitting:
            self._finish("Disconnected")
        else:
            self._finish(self._drop_reason or "Connection lost")

    async def quit(self, message: str = "") -> None:
        """Leave the server (QUIT) and make run() return."""
        self._quitting = True
        self._wake.set()
        if self._connect_task is not None:
            self._connect_task.cancel()
        writer = self._writer
        if writer is None:
            return
        closed = self._closed
        await self._write(Message("QUIT", [message] if message else []))
        # The server closes the link after QUIT; one that does not is cut off.
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(closed.wait(), self._options.quit_timeout)
        writer.close()

    def _finish(self, detail: str) -> None:
        if self._outbox:
            self.emit(ErrorReply(f"{len(self._outbox)} unsent message(s) were dropped"))
            self._outbox.clear()
        if self._state.pending:
            unconfirmed = len(self._state.pending)
            self.emit(ErrorReply(f"{unconfirmed} message(s) may not have been delivered"))
            self._state.pending.clear()
        self._state.conn_state = ConnState.DISCONNECTED
        self.emit(ConnectionStateChanged(ConnState.DISCONNECTED, detail, fatal=True))

    def _set_conn_state(self, state: ConnState, detail: str) -> None:
        self._state.conn_state = state
        self.emit(ConnectionStateChanged(state, detail))

    async def _open(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        options = self._options
        if not options.tls:
            async with asyncio.timeout(options.connect_timeout):
                return await asyncio.open_connection(
                    options.host, options.port, limit=options.max_line_bytes
                )
        connection = await open_tls_connection(
            options.host,
            options.port,
            known_servers=KnownServers(options.known_servers),
            ca_file=options.ca_file,
            timeout=options.connect_timeout,
            limit=options.max_line_bytes,
        )
        self.emit(ServerInfo(connection.trust.message, code="TLS"))
        pinned = connection.trust.pin is not None
        self.pinned_fingerprint = connection.trust.fingerprint if pinned else None
        return connection.reader, connection.writer

    def _login_for_this_server(self) -> tuple[str, str] | None:
        pin = self._credentials_pin
        if self._credentials is None or pin is None or pin == self.pinned_fingerprint:
            return self._credentials
        self.emit(
            ServerInfo(
                "Not logging in with the remembered password: the server shows another "
                "certificate than when it was saved",
                code="LOGIN",
            )
        )
        return None

    def _rooms_to_rejoin(self) -> list[str]:
        names = [room.name for room in self._state.joined_rooms()]
        folded = {self._state.fold(name) for name in names}
        return names + [r for r in self._options.rooms if self._state.fold(r) not in folded]

    async def _serve(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, rejoin: list[str]
    ) -> bool:
        """Register and read until the connection ends; True if it got registered."""
        options = self._options
        registration = Registration(
            self._preferred_nick,
            options.username or _default_username(options.nick),
            options.realname or options.nick,
            options.password,
            self._login_for_this_server(),
            options.nick_attempts,
            self._plain_allowed(),
        )
        self._state.nick = self._preferred_nick
        self._state.caps = set()
        self._state.isupport = Isupport()
        self._writer = writer
        self._closed = asyncio.Event()
        self._dispatcher = Dispatcher(
            self._state, self, registration, VERSION_REPLY, options.history_on_join
        )
        self._rejoin = rejoin
        self._welcomed = False
        self._drop_reason = ""
        self._pings.clear()
        self._state.lag_ms = None
        self._last_heard = self._last_ping = time.monotonic()
        self._set_conn_state(ConnState.REGISTERING, f"Connected to {options.host}, registering")
        pinger = asyncio.create_task(self._ping_loop())
        deadline = asyncio.create_task(self._registration_deadline())
        try:
            for line in registration.opening_lines():
                await self._write(line)
            await self._read_loop(reader, self._dispatcher)
        finally:
            pinger.cancel()
            deadline.cancel()
            if self._resend_timer is not None:
                self._resend_timer.cancel()
                self._resend_timer = None
            if self._welcomed:
                silent_for = time.monotonic() - self._last_heard
                self._offline_since = datetime.now(UTC) - timedelta(seconds=silent_for)
            self._closed.set()
            self._writer = None
            self._dispatcher = None
            writer.close()
            with contextlib.suppress(OSError, TimeoutError):
                async with asyncio.timeout(1):
                    await writer.wait_closed()
        return self._welcomed

    async def _read_loop(self, reader: asyncio.StreamReader, dispatcher: Dispatcher) -> None:
        skipping = False
        while True:
            try:
                raw = await reader.readuntil(b"\n")
            except asyncio.LimitOverrunError as exc:
                # Too long: drop what is buffered and the rest of that line.
                await reader.readexactly(exc.consumed)
                skipping = True
                continue
            except (asyncio.IncompleteReadError, OSError):
                self._drop_reason = self._drop_reason or "The server closed the connection"
                return
            self._last_heard = time.monotonic()
            if skipping:
                skipping = False
                continue
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError:
                # Older clients and servers still send Latin-1.
                line = raw.decode("latin-1")
            if not line.strip():
                continue
            try:
                msg = parse(line)
            except ParseError:
                log.debug("unparsable line from server: %r", line)
                continue
            try:
                dispatcher.handle(msg)
            except Exception:
                # A bug in one handler must not cost the user the connection.
                log.exception("error handling %r", line)

    async def _ping_loop(self) -> None:
        options = self._options
        tick = min(options.ping_interval, options.lag_report_interval)
        while True:
            await asyncio.sleep(tick)
            now = time.monotonic()
            silent_for = now - self._last_heard
            if silent_for >= options.ping_timeout:
                self._drop(f"No answer from the server for {silent_for:.0f} s")
                return
            if not self._welcomed:
                continue
            waited = now - min(self._pings.values(), default=now)
            if waited >= options.ping_timeout:
                # Other lines came, so the link lives, but this PING will not be
                # answered: stop timing it, and measure again with a new one.
                self._pings.clear()
            if self._pings:
                # One PING waiting is enough: more would time the same silence.
                self._report_waiting_lag(waited)
            elif now - self._last_ping >= options.ping_interval:
                await self._send_lag_ping()

    def _report_waiting_lag(self, waited: float) -> None:
        waited_ms = waited * 1000
        # Below one report interval it may still be a normal answer on its way.
        if waited < self._options.lag_report_interval or waited_ms <= (self._state.lag_ms or 0):
            return
        self._state.lag_ms = waited_ms
        self.emit(LagMeasured(waited_ms, unanswered=True))

    async def _registration_deadline(self) -> None:
        timeout = self._options.registration_timeout
        await asyncio.sleep(timeout)
        if not self._welcomed:
            self._drop(f"The server did not let us in within {timeout:g} s (is it an IRC server?)")

    async def _send_lag_ping(self) -> None:
        self._ping_serial += 1
        token = f"tui-chat-lag-{self._ping_serial}"
        self._last_ping = self._pings[token] = time.monotonic()
        await self._write(Message("PING", [token]))

    def _drop(self, reason: str) -> None:
        self._drop_reason = reason
        if self._writer is not None:
            self._writer.close()

    # SessionLink: called by the dispatcher

    def emit(self, event: Event) -> None:
        if isinstance(event, NickChanged) and not event.is_self:
            self._follow_ignored(event.old, event.new)
        try:
            self._on_event(event)
        except Exception:
            # The UI's bug must not take the connection down with it.
            log.exception("on_event failed for %r", event)

    def send(self, msg: Message) -> None:
        self._spawn(self._write(msg))

    def welcomed(self) -> None:
        self._welcomed = True
        # Answered after the whole registration burst: its PONG ends the burst
        # on servers that send no MOTD numerics.
        self._spawn(self._send_lag_ping())

    def registration_done(self) -> None:
        # Whatever was written on an earlier connection and never echoed may
        # be lost: it is sent again once its room is back (room_ready).
        self._state.pending.mark_all_due()
        self._echo_expected = "echo-message" in self._state.caps
        self._resend_timer = asyncio.get_running_loop().call_later(
            self._options.resend_deadline, self._spawn_resend, lambda _m: True
        )
        self._spawn(self._after_registration(list(self._rejoin)))

    def room_ready(self, room: str) -> None:
        folded = self._state.fold(room)
        self._spawn_resend(lambda m: self._room_of(m.target) == folded)

    def _room_of(self, target: str) -> str:
        """The folded room a target addresses (`@#room` is `#room`), or the folded nick."""
        return self._state.fold(target.lstrip(self._state.isupport.prefix_symbols))

    def _spawn_resend(self, wanted: Callable[[Outgoing], bool]) -> None:
        self._spawn(self._resend(wanted))

    def pong(self, token: str) -> None:
        sent = self._pings.pop(token, None)
        if sent is None:
            return
        # Older PINGs are answered in order; any left are lost for good.
        self._pings.clear()
        if self._dispatcher is not None:
            self._dispatcher.finish_registration()
        lag_ms = (time.monotonic() - sent) * 1000
        self._state.lag_ms = lag_ms
        self.emit(LagMeasured(lag_ms))

    def logged_in(self, account: str) -> None:
        offered, self._offered_credentials = self._offered_credentials, None
        fold = self._state.fold
        if offered is not None and offered[0] is not None and fold(offered[0]) != fold(account):
            offered = None  # someone else's 900: not the attempt we made
        if offered is not None:
            # Reconnects log in too, or the nick would go to a guest again.
            self._credentials = (account, offered[1])
            self._credentials_pin = self.pinned_fingerprint
            self._plaintext_consent = self._plaintext_consent or offered[2]
        wanted, asked = self._preferred_nick, self._state.nicks_asked
        if not self._state.is_me(wanted) and self._state.fold(wanted) not in asked:
            # Logged in at last: take back the nick a guest rename took.
            asked.add(self._state.fold(wanted))
            self.send(Message("NICK", [wanted]))

    def nick_freed(self, nick: str) -> None:
        state, wanted = self._state, self._preferred_nick
        if state.fold(nick) != state.fold(wanted) or state.is_me(wanted):
            return
        # Ours to take where we are logged in (our own ghost left) or where
        # there are no accounts; a guest asking would only be renamed again.
        if state.account is None and "sasl" in state.caps:
            return
        state.nicks_asked.add(state.fold(wanted))
        self.send(Message("NICK", [wanted]))

    def login_refused(self) -> None:
        # A later 900 (a REGISTER typed by hand, say) must not pair with this password.
        self._offered_credentials = None

    def off_loop(self, work: Callable[[], bytes], then: Callable[[bytes], None]) -> None:
        dispatcher = self._dispatcher

        async def run() -> None:
            result = await asyncio.to_thread(work)
            if dispatcher is not None and self._dispatcher is dispatcher:
                then(result)

        self._spawn(run())

    def schedule_flush(self) -> None:
        # Runs once the read loop waits for data, i.e. after the whole chunk.
        asyncio.get_running_loop().call_soon(self._flush_members)

    def _flush_members(self) -> None:
        if self._dispatcher is not None:
            self._dispatcher.flush_members()

    def fatal(self, sentence: str) -> None:
        if self._quitting:
            return
        self._fatal = sentence
        self._drop(sentence)

    def server_error(self, text: str) -> None:
        self._drop_reason = f"The server closed the connection: {text}"

    def _spawn(self, coro: Coroutine[Any, Any, object]) -> None:
        # The dispatcher is synchronous; its writes run as tasks kept here so
        # they are not garbage-collected half-way.
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _after_registration(self, rooms: list[str]) -> None:
        if self._options.oper is not None:
            name, password = self._options.oper
            await self._write(Message("OPER", [name, password]))
        for room in rooms:
            key = self._keys.get(self._state.fold(room))
            await self._write(Message("JOIN", [room, key] if key else [room]))
        if self._state.away_message:
            # A new connection starts present; the user had said otherwise.
            await self._write(Message("AWAY", [self._state.away_message]))
        # The server handles lines in order, so these follow the re-joins.
        waiting, self._outbox = self._outbox, []
        for command, target, text, kind in waiting:
            await self._say(command, target, text, kind)
        # Rooms resend theirs once re-joined and filled; the rest go now.
        rejoined = {self._room_of(room) for room in rooms}
        await self._resend(lambda m: self._room_of(m.target) not in rejoined)

    async def _resend(self, wanted: Callable[[Outgoing], bool]) -> None:
        """Send again, with their original keys, the due pending messages `wanted` picks."""
        for message in self._state.pending.take_due(wanted):
            if not await self._command_message(self._line(message)):
                return
            if "echo-message" not in self._state.caps:
                # This server will not echo: sent is as confirmed as it gets.
                self._state.pending.confirm(
                    message.target, message.wire, message.key, self._state.nick, is_me=True
                )
                self._echo(message.target, message.text, message.kind, message.key)

    # Writing

    async def _write(self, msg: Message) -> bool:
        writer = self._writer
        if writer is None or writer.is_closing():
            return False
        try:
            data = msg.to_bytes()
        except ValueError as exc:
            self.emit(ErrorReply(f"Cannot send that: {exc}"))
            return False
        try:
            writer.write(data)
            await writer.drain()
        except OSError:
            # The read loop sees the same failure and handles the drop.
            return False
        return True

    async def _command(self, command: str, *params: str) -> bool:
        return await self._command_message(Message(command, list(params)))

    async def _command_message(self, msg: Message) -> bool:
        """Send a user command, paced, or explain why it cannot be sent now."""
        if self._writer is None or self._state.conn_state is not ConnState.CONNECTED:
            self.emit(ErrorReply("Not connected to a server right now"))
            return False
        delay = self._pacer.reserve()
        if delay:
            await asyncio.sleep(delay)
        return await self._write(msg)

    def _own_prefix(self) -> str:
        return self._state.userhost or self._state.nick + "!" + "x" * ASSUMED_USERHOST_BYTES

    def _pieces(self, command: str, target: str, text: str, kind: MessageKind) -> list[Outgoing]:
        """`text` cut to fit one line each, every piece with a key of its own."""
        overhead = _ACTION_OVERHEAD if kind is MessageKind.ACTION else 0
        budget = text_budget(self._own_prefix(), command, target, overhead)
        pieces = []
        for piece in split_text(text, budget):
            try:
                wire = action(piece) if kind is MessageKind.ACTION else piece
            except ValueError as exc:
                self.emit(ErrorReply(f"Cannot send that: {exc}"))
                return []
            pieces.append(Outgoing(new_key(), command, target, piece, wire, kind, self._state.nick))
        return pieces

    def _line(self, message: Outgoing) -> Message:
        # Without message-tags the server would refuse or mangle a tagged line.
        tagged = "message-tags" in self._state.caps
        return Message(
            message.command,
            [message.target, message.wire],
            tags={IDEM_TAG: message.key} if tagged else {},
        )

    async def _say(self, command: str, target: str, text: str, kind: MessageKind) -> None:
        if not target or not _TARGET_FORBIDDEN.isdisjoint(target):
            self.emit(ErrorReply(f"'{target}' is not a nick or room to send to", target=target))
            return
        if self._waiting_to_reconnect():
            self._hold(command, target, text, kind)
            return
        if self._writer is None or self._state.conn_state is not ConnState.CONNECTED:
            self.emit(ErrorReply("Not connected to a server right now"))
            return
        for message in self._pieces(command, target, text, kind):
            echoed = "echo-message" in self._state.caps
            if echoed:
                # Pending before it is written: the echo may come back at once.
                message.due = False
                self._remember(message)
            if not await self._command_message(self._line(message)):
                # Still pending if echoed: the next connection sends it again.
                return
            if not echoed:
                self._echo(target, message.text, kind, message.key)

    def _remember(self, message: Outgoing) -> None:
        """Keep `message` until its echo confirms it, and let the UI show it as pending."""
        forgotten = self._state.pending.add(message)
        window, _ = self._window(message.target)
        self.emit(MessagePending(window, message.text, message.key, message.kind))
        if forgotten is not None:
            self.emit(
                ErrorReply(
                    f"The server never confirmed your message to {forgotten.target}; "
                    "it will not be sent again",
                    target=forgotten.target,
                )
            )

    def _waiting_to_reconnect(self) -> bool:
        return (
            self._registered_before
            and not self._quitting
            and self._state.conn_state is not ConnState.CONNECTED
        )

    def _hold(self, command: str, target: str, text: str, kind: MessageKind) -> None:
        limit = self._options.outbox_limit
        if len(self._outbox) + len(self._state.pending) >= limit:
            self.emit(ErrorReply(f"Not connected, and {limit} messages already wait"))
            return
        if self._echo_expected:
            # The last server echoed: these wait as pending, in order with
            # those written before the drop, and are sent when their room is back.
            for message in self._pieces(command, target, text, kind):
                self._remember(message)
        else:
            self._outbox.append((command, target, text, kind))
        self.emit(
            ServerInfo(
                f"Not connected: your message to {target} will be sent when the connection is back",
                code="PENDING",
            )
        )

    def _window(self, target: str) -> tuple[str, bool]:
        """Where our message to `target` shows, and whether that is a private conversation."""
        bare = target.lstrip(self._state.isupport.prefix_symbols)
        if not self._state.isupport.is_channel(bare):
            return target, True
        room = self._state.room(bare)
        return (room.name if room is not None else bare), False

    def _echo(self, target: str, text: str, kind: MessageKind, key: str) -> None:
        window, is_private = self._window(target)
        self.emit(
            MessageReceived(
                target=window,
                sender=self._state.nick,
                text=text,
                kind=kind,
                time=datetime.now(UTC),
                is_self=True,
                is_private=is_private,
                tags={IDEM_TAG: key},
            )
        )

    # Actions

    async def send_message(self, target: str, text: str) -> None:
        await self._say("PRIVMSG", target, text, MessageKind.PRIVMSG)

    async def send_action(self, target: str, text: str) -> None:
        await self._say("PRIVMSG", target, text, MessageKind.ACTION)

    async def send_notice(self, target: str, text: str) -> None:
        await self._say("NOTICE", target, text, MessageKind.NOTICE)

    async def join(self, room: str, key: str | None = None) -> None:
        if key:
            self._keys[self._state.fold(room)] = key
        await self._command("JOIN", *([room, key] if key else [room]))

    async def part(self, room: str, reason: str = "") -> None:
        self._keys.pop(self._state.fold(room), None)
        await self._command("PART", *([room, reason] if reason else [room]))

    async def set_nick(self, nick: str) -> None:
        self._state.nicks_asked.add(self._state.fold(nick))
        if await self._command("NICK", nick):
            self._preferred_nick = nick

    # Accounts

    @property
    def credentials(self) -> tuple[str, str] | None:
        """The account and password this session logs in with, once one worked."""
        return self._credentials

    def _plain_allowed(self, consent: bool = False) -> bool:
        options = self._options
        return plain_allowed(options.host, options.tls, consent or self._plaintext_consent)

    @property
    def link_is_private(self) -> bool:
        """Whether nobody between us and the server can read what we send (TLS, loopback)."""
        return plain_allowed(self._options.host, self._options.tls, consent=False)

    @property
    def password_is_private(self) -> bool:
        """Whether a password may be sent as is (PLAIN, REGISTER): a private link, or consent."""
        return self._plain_allowed()

    async def login(self, account: str, password: str, allow_plaintext: bool = False) -> None:
        """Log in after connecting (SASL): AccountChanged, or LoginFailed saying why not.

        A login that works is used again on reconnects, and takes back our
        nick if the server had renamed us to a guest.
        """
        if self._dispatcher is None or self._state.conn_state is not ConnState.CONNECTED:
            self.emit(LoginFailed("Not connected to a server right now"))
            return
        self._offered_credentials = (account, password, allow_plaintext)
        self._dispatcher.start_login(account, password, self._plain_allowed(allow_plaintext))

    async def register_account(
        self, password: str, account: str | None = None, allow_plaintext: bool = False
    ) -> None:
        """REGISTER `account` (None: our nick) with `password`: AccountRegistered or a FAIL.

        No e-mail is given (servers that require one answer FAIL).
        """
        if ACCOUNT_REGISTRATION_CAP not in self._state.offered_caps:
            self.emit(ErrorReply("This server does not let you register an account here"))
            return
        if not self._plain_allowed(allow_plaintext):
            self.emit(
                ErrorReply(
                    "Not registering: the connection is not encrypted, so anyone on the way "
                    "could read your password. Join with --tls, or allow it when asked "
                    "(--allow-plaintext-password)",
                    code="PLAINTEXT",
                )
            )
            return
        self._offered_credentials = (account, password, allow_plaintext)
        await self._command("REGISTER", account or "*", "*", password)

    async def set_topic(self, room: str, topic: str) -> None:
        await self._command("TOPIC", room, topic)

    async def set_away(self, message: str | None) -> None:
        self._state.away_message = message or None
        await self._command("AWAY", *([message] if message else []))

    async def whois(self, nick: str) -> None:
        await self._command("WHOIS", nick)

    async def invite(self, nick: str, room: str) -> None:
        await self._command("INVITE", nick, room)

    async def kick(self, room: str, nick: str, reason: str = "") -> None:
        await self._command("KICK", *([room, nick, reason] if reason else [room, nick]))

    async def mode(self, target: str, *args: str) -> None:
        await self._command("MODE", target, *args)

    async def names(self, room: str) -> None:
        if self._dispatcher is not None:
            self._dispatcher.wants_names(room)
        await self._command("NAMES", room)

    async def list_rooms(self) -> None:
        await self._command("LIST")

    async def fetch_history(
        self, target: str, before: str | datetime, limit: int = HISTORY_PAGE
    ) -> None:
        """Ask for up to `limit` messages of `target` older than a msgid or a time.

        They arrive as MessageReceived(is_history=True), then HistoryBatchEnded.
        Servers without chathistory get an ErrorReply instead.
        """
        if not history_enabled(self._state.caps):
            self.emit(ErrorReply("This server keeps no history", target=target))
            return
        if self._dispatcher is not None:
            self._dispatcher.note_history_request()
        await self._command_message(before_request(target, before, limit, self._state.isupport))

    async def load_conversation(self, nick: str) -> None:
        """Fetch the latest of the private conversation with `nick`, when logged in
        (the server files private history by account)."""
        if self._dispatcher is not None and self._state.conn_state is ConnState.CONNECTED:
            self._dispatcher.request_conversation(nick)

    async def ignore(self, mask: str) -> None:
        """Drop messages, notices and invites from `mask`.

        A nick, a nick!user@host glob or `~a:account` (client/ignores.py);
        an entry made from a nick follows that person's nick changes.
        """
        full = ignore_entry(mask)
        if self._ignored_as(full) is None:
            self._state.ignored.append(full)
            self._save_ignores()
        self.emit(ServerInfo(f"Ignoring {full}", code="IGNORE"))

    async def unignore(self, mask: str) -> None:
        full = ignore_entry(mask)
        known = self._ignored_as(full)
        if known is None:
            self.emit(ErrorReply(f"{full} was not ignored"))
            return
        self._state.ignored.remove(known)
        self._save_ignores()
        self.emit(ServerInfo(f"No longer ignoring {known}", code="IGNORE"))

    def _ignored_as(self, mask: str) -> str | None:
        """The ignore entry equal to `mask` under the server's case mapping, if any."""
        fold = self._state.fold
        return next((m for m in self._state.ignored if fold(m) == fold(mask)), None)

    def _follow_ignored(self, old: str, new: str) -> None:
        """An ignored nick changed: the ignore goes with the person, not the old name."""
        known = self._ignored_as(nick_entry(old))
        if known is None:
            return
        ignored = self._state.ignored
        ignored.remove(known)
        if self._ignored_as(nick_entry(new)) is None:
            ignored.append(nick_entry(new))
        self._save_ignores()
        self.emit(ServerInfo(f"Still ignoring {new} (was {old})", code="IGNORE"))

    def _load_ignores(self) -> None:
        saved = self._options.saved_ignores
        if saved is None:
            return
        try:
            entries = saved.load()
        except SettingsError as exc:
            self.emit(ErrorReply(f"Ignored people not loaded: {exc}"))
            return
        for entry in entries:
            if self._ignored_as(entry) is None:
                self._state.ignored.append(entry)

    def _save_ignores(self) -> None:
        saved = self._options.saved_ignores
        if saved is None:
            return
        try:
            saved.save(self._state.ignored)
        except SettingsError as exc:
            self.emit(ErrorReply(f"Ignored people not saved: {exc}"))

    async def send_raw(self, line: str) -> None:
        try:
            msg = parse(line)
        except ParseError as exc:
            self.emit(ErrorReply(f"Cannot send that line: {exc}"))
            return
        if self._writer is None:
            self.emit(ErrorReply("Not connected to a server right now"))
            return
        command = msg.command.upper()
        if command == "REGISTER" and len(msg.params) >= 3:
            # A 900 that follows pairs with this password, not an older one.
            account = None if msg.params[0] == "*" else msg.params[0]
            self._offered_credentials = (account, msg.params[2], False)
        elif command == "AUTHENTICATE":
            self._offered_credentials = None
        await self._write(msg)
