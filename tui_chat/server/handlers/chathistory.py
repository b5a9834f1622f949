"""The message store wired into the core: store then relay, CHATHISTORY, join replay.

`ServerHistory` is what `ServerCore.history` holds when the server keeps
history (ServerThread opens it from `ServerConfig.history_db`); with None the
core relays at once and stores nothing, as before.

Store then relay: a chat message is submitted to the writer thread and
relayed from its "committed" callback, with the msgid and time stamped once
and used for both the record and the relay, so a message any client received
is in the store. A message the store refused (FAILED, or the queue full) is
not relayed; the sender gets `FAIL <command> MESSAGE_NOT_STORED`.

Exactly-once resend: a client may put a key of its own in the client-only tag
`IDEMPOTENCY_TAG`; a second message with the same key from the same sender to
the same conversation is neither stored nor relayed again, and the sender
(with echo-message) gets its echo carrying the first copy's msgid.

Private history belongs to accounts, not nicks: a nick is not an identity
(after bob quits, anyone may take `bob`). A private message between two
logged-in clients is filed under their two (folded) accounts and served to
a client logged in to either, whatever nick each side uses. One with a guest
on either side is filed under both nicks marked with `NICK_PARTY_PREFIX`, a
key no account can have: stored (durability, exactly-once resends) but
served to no one. A guest's CHATHISTORY on a nick or `*` answers an empty
batch and its TARGETS lists channels only, as ergo does (docs/history.md).

Channels' topics and modes are saved on every change and restored when the
channel is created again (after a restart, or once it emptied): rooms are
persistent. Ban, quiet and exception lists are kept by
`tui_chat.server.moderation` (the `channel_lists` table).
"""

from __future__ import annotations

import contextlib
import logging
from collections import OrderedDict, deque
from collections.abc import Callable, Iterable
from concurrent.futures import Future
from functools import partial
from itertools import count
from typing import TYPE_CHECKING

from tui_chat.irc.casemap import casefold, is_channel
from tui_chat.irc.message import Message
from tui_chat.irc.numbers import parse_decimal
from tui_chat.server import caps
from tui_chat.server.handlers import HANDLERS, CommandSpec, command
from tui_chat.server.handlers.modes import mode as mode_command
from tui_chat.server.history import (
    CHAT_COMMANDS,
    ChannelState,
    ChatHistoryError,
    Conversation,
    History,
    HistoryRecord,
    HistoryRequest,
    StoreResult,
    StoreStatus,
    TargetsRequest,
    TargetSummary,
    format_time,
    history_batch,
    parse_request,
    targets_batch,
)
from tui_chat.server.history.config import CHATHISTORY_LIMIT
from tui_chat.server.history.queries import Selector
from tui_chat.server.history.writer import Deliver
from tui_chat.server.labeled import Finish
from tui_chat.server.state import FLAG_MODES

if TYPE_CHECKING:
    from tui_chat.server.core import ServerCore
    from tui_chat.server.state import Channel, Client

__all__ = [
    "IDEMPOTENCY_TAG",
    "ServerHistory",
    "apply_saved_state",
    "record_event",
    "replay_on_join",
    "save_channel",
    "store_then_relay",
]

log = logging.getLogger("tui_chat.server")

# The client-only tag carrying a client's idempotency key (docs/history.md).
IDEMPOTENCY_TAG = "+tui-chat/idem"
# The standard-replies code for a message the store refused (not relayed).
NOT_STORED = "MESSAGE_NOT_STORED"

_batch_ids = count(1)


class ServerHistory:
    """The store as the core sees it, plus the channel states loaded at start."""

    def __init__(self, history: History, saved: Iterable[ChannelState], deliver: Deliver) -> None:
        self.store = history
        # Hops a callback onto the server's loop thread (loop.call_soon_threadsafe).
        self.deliver = deliver
        # Folded channel name -> its last saved topic and modes.
        self.saved: dict[str, ChannelState] = {casefold(s.name): s for s in saved}
        # Per client, its history answers in the order asked (see _reply_later):
        # a slot holds the answer once its read is done.
        self.replies: dict[Client, deque[list[Callable[[], None] | None]]] = {}
        # Tickets of submitted writes whose callback has not run yet, oldest
        # first, and the `after_pending` callbacks waiting for them (each with
        # the newest ticket issued when it was asked). Loop thread only: the
        # writer's results come through `deliver`.
        self._tickets = count(1)
        self._last_ticket = 0
        self._unsettled: dict[int, None] = {}
        self._waiting: deque[tuple[int, Callable[[], None]]] = deque()
        # Conversation key -> the room's newest stored chat messages (see `recent`).
        self._recent: OrderedDict[str, deque[HistoryRecord]] = OrderedDict()
        # Messages and events for the writer, handed over together at the end
        # of the loop iteration (`attach_loop`); each entry puts one write in
        # its queue. Without a loop (tests driving the core) they go at once.
        self._outgoing: list[Callable[[], None]] = []
        self._call_soon: Callable[[Callable[[], None]], object] | None = None

    def attach_loop(self, call_soon: Callable[[Callable[[], None]], object]) -> None:
        """Hand writes to the writer once per loop iteration, not one by one.

        Every write handed over alone woke the writer thread, which then took
        the GIL from the loop and committed a transaction of one: 24 futex
        calls per churned connection, 8 when an iteration's writes go
        together (docs/benchmarks.md). Order is kept: one list, one queue.
        """
        self._call_soon = call_soon

    def send_outgoing(self) -> None:
        """Put every deferred write in the writer's queue now, in order."""
        outgoing, self._outgoing = self._outgoing, []
        for put in outgoing:
            put()

    def _to_writer(self, put: Callable[[], None]) -> None:
        if self._call_soon is None:
            put()
            return
        if not self._outgoing:
            self._call_soon(self.send_outgoing)
        self._outgoing.append(put)

    def remember(self, conversation: Conversation, record: HistoryRecord) -> None:
        """Keep a just-stored room message for the replay of later joins."""
        config = self.store.config
        if (
            config.replay_cache_rooms <= 0
            or config.join_replay_messages <= 0
            or conversation.parties is not None
            or record.command not in CHAT_COMMANDS
        ):
            return
        ring = self._recent.get(conversation.key)
        if ring is None:
            if len(self._recent) >= config.replay_cache_rooms:
                self._recent.popitem(last=False)
            ring = self._recent[conversation.key] = deque(maxlen=config.join_replay_messages)
        else:
            self._recent.move_to_end(conversation.key)
        ring.append(record)

    def recent(self, conversation: Conversation, before_ms: int) -> list[HistoryRecord] | None:
        """The room's last `join_replay_messages` before `before_ms`, when memory has them all.

        Memory sees every message stored since the room's entry was made, so
        once it holds that many, all older than `before_ms`, they are the ones
        the store would return; unless retention may already have deleted
        some. None: ask the store.
        """
        config = self.store.config
        limit = config.join_replay_messages
        ring = self._recent.get(conversation.key)
        if ring is None or len(ring) < limit or ring[-1].time_ms >= before_ms:
            return None
        if 0 < config.retention_max_per_target < limit:
            return None
        max_age_ms = config.retention_max_age_days * 86_400_000
        if max_age_ms > 0 and ring[0].time_ms < before_ms - max_age_ms:
            return None
        return list(ring)

    def submit(
        self,
        conversation: Conversation,
        record: HistoryRecord,
        on_done: Callable[[StoreResult], None],
        *,
        idempotency_key: str | None = None,
    ) -> None:
        """`writer.submit` at the end of this loop iteration; `after_pending` counts it now."""
        ticket = self._last_ticket = next(self._tickets)

        def settled(result: StoreResult) -> None:
            del self._unsettled[ticket]
            try:
                on_done(result)
            finally:
                self._run_waiting()

        def put() -> None:
            try:
                self.store.writer.submit(
                    conversation, record, settled, idempotency_key=idempotency_key
                )
            except RuntimeError as error:
                # The writer closed (shutting down) before this got to it.
                settled(StoreResult(StoreStatus.FAILED, record.msgid, str(error)))

        self._unsettled[ticket] = None
        self._to_writer(put)

    def after_pending(self, then: Callable[[], None]) -> None:
        """Run `then` once every message submitted before has been stored and relayed.

        Kept on the loop: `then` runs right after the callback of the last
        such message, or at once when none is in flight. Asking the writer
        thread instead cost two thread wake-ups per JOIN, PART and QUIT,
        more than a churning connection's whole registration
        (docs/benchmarks.md).
        """
        if not self._unsettled and not self._waiting:
            then()
            return
        self._waiting.append((self._last_ticket, then))

    def after_committed(self, then: Callable[[], None]) -> None:
        """Run `then` (on the loop) once every write submitted before is committed.

        Events (`record_event`) and channel states included: a round trip
        through the writer thread, for CHATHISTORY reads, which must find
        all of it.
        """
        self.send_outgoing()
        try:
            self.store.writer.after_pending(then)
        except RuntimeError:
            # The writer closed (shutting down): nothing is pending any more.
            then()

    def _run_waiting(self) -> None:
        waiting = self._waiting
        while waiting:
            oldest = next(iter(self._unsettled), None)
            if oldest is not None and waiting[0][0] >= oldest:
                return
            then = waiting.popleft()[1]
            try:
                then()
            except Exception:
                # One failing callback must not hold back the others.
                log.exception("history: an after_pending callback failed")

    def record_event(
        self, core: ServerCore, channels: Iterable[Channel], out: Message, account: str | None
    ) -> None:
        """Keep a JOIN, PART, KICK, QUIT, NICK or MODE in each channel's history.

        For draft/event-playback. Relayed at once by its caller, not from the
        store's callback: a lost event costs a line of playback, not a
        message, and membership changes must not wait for a disk sync. The
        writer keeps submission order, so it is stored in order with the
        messages around it. Nothing with `HistoryConfig.keep_events` off.
        """
        if not self.store.config.keep_events:
            return
        time_ms = int(core.clock() * 1000)
        for channel in channels:
            record = HistoryRecord(
                core.new_msgid(),
                time_ms,
                out.command,
                out.source or "",
                channel.name,
                None,
                account=account,
                params=tuple(out.params),
            )
            self._to_writer(partial(self._put_event, Conversation.channel(channel.name), record))

    def _put_event(self, conversation: Conversation, record: HistoryRecord) -> None:
        # RuntimeError: the writer closed (shutting down): nothing to keep.
        with contextlib.suppress(RuntimeError):
            self.store.writer.submit(conversation, record)

    def isupport_tokens(self) -> dict[str, str | None]:
        return {
            "CHATHISTORY": str(self.store.config.chathistory_limit),
            "MSGREFTYPES": "msgid,timestamp",
        }


# Marks a private conversation's party known by nick only. No account name
# can start with it (accounts are nick-like, and ":" starts no nick), so a
# conversation filed under the nick `bob` is never the account `bob`'s.
NICK_PARTY_PREFIX = ":"


def identity(client: Client) -> str | None:
    """Whom a client's private history belongs to: its folded account, None for a guest."""
    account = client.account
    # A name that could pass for a nick-marked party or split a pair key is
    # nobody's (accounts are validated at registration; this keeps it so).
    if not account or account.startswith(NICK_PARTY_PREFIX) or " " in account:
        return None
    return casefold(account)


def private_conversation(one: Client, other: Client) -> Conversation:
    """Where a private message between two clients is filed.

    By their accounts when both are logged in; otherwise by their nicks,
    marked so that no account ever matches: a guest's words must not be
    readable by whoever holds its nick next, nor is a conversation with a
    nick that anyone may take worth serving to the logged-in side.
    """
    mine, theirs = identity(one), identity(other)
    if mine is not None and theirs is not None:
        return Conversation.private(mine, theirs)
    return Conversation.private(NICK_PARTY_PREFIX + one.folded, NICK_PARTY_PREFIX + other.folded)


def partner(core: ServerCore, target: str) -> str:
    """The account a reader means by a nick target.

    That of the client using the nick now, if logged in; else the target
    itself, read as an account name (TARGETS names offline partners so).
    """
    user = core.find_client(target)
    account = identity(user) if user is not None else None
    return account if account is not None else casefold(target)


def store_then_relay(
    core: ServerCore,
    client: Client,
    target: str,
    out: Message,
    *,
    recipients: list[Client],
    client_tags: dict[str, str],
    conversation: Conversation,
    idempotency_key: str | None = None,
    echoes: bool = True,
    on_stored: Callable[[], list[Client]] | None = None,
) -> None:
    """Relay `out` to `recipients` once the store committed it (at once without a store).

    `recipients` is taken now, so who hears a message is decided when it was
    said, as without a store. The sender, if among them, gets its echo
    (`echoes`; False for a message to itself without echo-message, which is
    a delivery). A labeled command's answer (core.labeled) waits for the
    commit: the echo, or the FAIL, is what carries the label.

    `on_stored`, for a message announcing a change (TOPIC): makes the change
    once the message is stored, and returns who hears it then, instead of
    `recipients`. A change the store refused never happens: memory, the
    store and what everyone was told agree.
    """
    msgid = core.new_msgid()
    # The account tag is the sender's when it spoke, like the stored record's.
    account = client.account
    server = core.history
    if server is None:
        to = recipients if on_stored is None else on_stored()
        core.relay(to, out, client_tags=client_tags, msgid=msgid, account=account)
        return
    time_ms = int(core.clock() * 1000)
    stamp = format_time(time_ms)
    text = out.params[1] if len(out.params) > 1 else None
    record = HistoryRecord(
        msgid,
        time_ms,
        out.command,
        out.source or "",
        out.params[0],
        text,
        account=client.account,
        tags=client_tags,
    )
    finish = core.labeled.hold(core, client) if core.labeled is not None else None
    answered = echoes and client in recipients

    def relay(to: list[Client], result: StoreResult) -> None:
        message = out
        server_time = stamp if result.status is StoreStatus.STORED else None
        if result.status is StoreStatus.DUPLICATE and result.time_ms is not None:
            # A resend is echoed as the copy that was stored: its msgid, its
            # time and its words, so one msgid never shows two of either.
            server_time = format_time(result.time_ms)
            if result.text is not None and len(out.params) > 1:
                message = Message(out.command, [out.params[0], result.text], out.source)
        core.relay(
            to,
            message,
            client_tags=client_tags,
            msgid=result.msgid,
            server_time=server_time,
            account=account,
        )

    def refuse(result: StoreResult) -> None:
        core.fail(
            client,
            out.command,
            NOT_STORED,
            target,
            text=f"Message not delivered: it could not be stored ({result.error})",
        )

    def committed(result: StoreResult) -> None:
        if result.status is StoreStatus.FAILED:
            if finish is None:
                refuse(result)
            else:
                finish(partial(refuse, result))
            return
        if result.status is StoreStatus.STORED:
            server.remember(conversation, record)
            to = recipients if on_stored is None else on_stored()
        else:  # a resend: only its sender learns it arrived
            to = [client] if answered else []
        if finish is None:
            relay(to, result)
            return
        relay([r for r in to if r is not client or not answered], result)
        finish(partial(relay, [client] if answered else [], result))

    server.submit(conversation, record, committed, idempotency_key=idempotency_key)


def after_pending(core: ServerCore, then: Callable[[], None]) -> None:
    """Run `then` once every message submitted before is relayed (at once without a store)."""
    if core.history is None:
        then()
    else:
        core.history.after_pending(then)


def kinds_for(client: Client) -> tuple[str, ...] | None:
    """The kinds a client's history batches hold: all (draft/event-playback) or chat only."""
    return None if caps.EVENT_PLAYBACK in client.caps else CHAT_COMMANDS


def record_event(
    core: ServerCore, channels: Iterable[Channel], out: Message, account: str | None = None
) -> None:
    """`ServerHistory.record_event`, or nothing without a store."""
    if core.history is not None:
        core.history.record_event(core, channels, out, account)


# -- channels' topics and modes ----------------------------------------------


def channel_state(channel: Channel) -> ChannelState:
    modes = dict.fromkeys(sorted(channel.modes), "")
    if channel.key is not None:
        modes["k"] = channel.key
    if channel.limit is not None:
        modes["l"] = str(channel.limit)
    return ChannelState(
        channel.name, channel.topic, channel.topic_by, int(channel.topic_time * 1000), modes
    )


def save_channel(core: ServerCore, channel: Channel) -> None:
    server = core.history
    if server is None:
        return
    state = channel_state(channel)
    if server.saved.get(channel.folded) == state:
        return
    server.saved[channel.folded] = state
    # Behind the messages said before it (a TOPIC's own message included).
    server.send_outgoing()
    server.store.writer.save_channel(state)


def saved_name(core: ServerCore, name: str) -> str:
    """The name a channel is created under: as it was first created, if it was saved."""
    saved = core.history.saved.get(casefold(name)) if core.history is not None else None
    return saved.name if saved is not None else name


def apply_saved_state(core: ServerCore, channel: Channel) -> None:
    """Give a newly created channel the topic and modes it had before."""
    saved = core.history.saved.get(channel.folded) if core.history is not None else None
    if saved is None:
        return
    channel.topic = saved.topic
    channel.topic_by = saved.topic_setter
    channel.topic_time = saved.topic_time_ms / 1000
    channel.modes = {m for m in saved.modes if m in FLAG_MODES}
    channel.key = saved.modes.get("k") or None
    limit = saved.modes.get("l", "")
    channel.limit = parse_decimal(limit) or None


def _mode_then_save(core: ServerCore, client: Client, msg: Message) -> None:
    mode_command(core, client, msg)
    if core.history is not None and is_channel(msg.params[0]):
        channel = core.find_channel(msg.params[0])
        if channel is not None:
            save_channel(core, channel)


# MODE lives in modes.py; wrapping it here keeps channel persistence in one place.
_mode_spec = HANDLERS["MODE"]
HANDLERS["MODE"] = CommandSpec(
    "MODE", _mode_then_save, _mode_spec.min_params, _mode_spec.registered
)


# -- replies from the store -----------------------------------------------------


def _new_batch_id(client: Client) -> str | None:
    return f"H{next(_batch_ids):x}" if caps.BATCH in client.caps else None


def _send_lines(core: ServerCore, client: Client, lines: Iterable[Message]) -> None:
    # write, not send: the lines carry their stored time, not the time of sending.
    for line in lines:
        core.write(client, line.to_bytes())


def _send_records(
    core: ServerCore, client: Client, target: str, records: list[HistoryRecord]
) -> None:
    lines = history_batch(
        records,
        target,
        core.config.server_name,
        batch_id=_new_batch_id(client),
        server_time=bool(client.form & caps.FORM_TIME),
        message_tags=bool(client.form & caps.FORM_TAGS),
    )
    _send_lines(core, client, lines)


def replay_on_join(core: ServerCore, client: Client, channel: Channel) -> None:
    """The last room messages for a client that will not ask for them itself.

    Asked for once everything said before the join is committed; only
    messages stamped before the join's millisecond, as the client gets later
    ones live.
    """
    server = core.history
    if server is None or caps.CHATHISTORY in client.caps:
        return
    limit = server.store.config.join_replay_messages
    if limit <= 0:
        return
    joined_ms = int(core.clock() * 1000)
    joined = Selector("timestamp", time_ms=joined_ms)
    request = HistoryRequest("BEFORE", channel.name, joined, None, limit)
    conversation = Conversation.channel(channel.name)

    def fetch() -> None:
        if client.gone or client not in channel.members:
            return
        # From memory only when no earlier read of this client is still
        # being answered: answers keep the order they were asked in.
        records = None if client in server.replies else server.recent(conversation, joined_ms)
        if records is not None:
            send(records)
            return
        future = server.store.reader.fetch(conversation, request, CHAT_COMMANDS)
        _reply_later(core, client, future, send, report_errors=False)

    def send(records: list[HistoryRecord]) -> None:
        if records:
            _send_records(core, client, channel.name, records)

    server.after_pending(fetch)


# -- CHATHISTORY ----------------------------------------------------------------


@command("CHATHISTORY", min_params=1)
def chathistory(core: ServerCore, client: Client, msg: Message) -> None:
    server = core.history
    limit = server.store.config.chathistory_limit if server is not None else CHATHISTORY_LIMIT
    try:
        request = parse_request(msg.params, limit)
        if server is None:
            # A server that keeps no history has none to give: an empty
            # answer, not an error a client would show its user.
            _answer(core, client, request, [])
            return
        if isinstance(request, TargetsRequest):
            # The channels it is in (folded names), and its account's private
            # conversations (none for a guest).
            reader = server.store.reader
            start: Callable[[], Future] = partial(
                reader.fetch_targets,
                identity(client),
                list(client.channels),
                request,
                kinds_for(client),
            )
        else:
            start = _reader_for(core, server, client, request)
    except ChatHistoryError as error:
        _fail(core, client, error)
        return

    # A labeled CHATHISTORY is answered by its batch, once read.
    finish = core.labeled.hold(core, client) if core.labeled is not None else None

    def read() -> None:
        if not client.gone:
            _reply_later(
                core,
                client,
                start(),
                lambda result: _answer(core, client, request, result),
                finish=finish,
            )

    # Read once everything said before is committed: a client sees what it
    # just said, and a message relayed to it is never missing from a page.
    server.after_committed(read)


def _answer(
    core: ServerCore, client: Client, request: HistoryRequest | TargetsRequest, result: list
) -> None:
    if isinstance(request, TargetsRequest):
        _send_targets(core, client, _by_current_nick(core, result))
    else:
        _send_records(core, client, request.target, result)


def _reader_for(
    core: ServerCore, server: ServerHistory, client: Client, request: HistoryRequest
) -> Callable[[], Future[list[HistoryRecord]]]:
    """What asks the store, if `client` may read `request.target`; ChatHistoryError if not."""
    target = request.target
    reader = server.store.reader
    if not is_channel(target):
        me = identity(client)
        if me is None:
            # A guest has no private history (module notes). An empty batch,
            # as for a conversation that never happened: whether one did is
            # not for a nick to learn.
            return _no_records
        if target == "*":
            return partial(reader.fetch_all_private, me, request, kinds_for(client))
        conversation = Conversation.private(me, partner(core, target))
        return partial(reader.fetch, conversation, request, kinds_for(client))
    channel = core.find_channel(target)
    # Members only, as the spec allows: a room's past is for those in it.
    if channel is None or client not in channel.members:
        raise ChatHistoryError(
            "INVALID_TARGET", [request.subcommand, target], "Messages could not be retrieved"
        )
    return partial(reader.fetch, Conversation.channel(channel.name), request, kinds_for(client))


def _no_records() -> Future[list[HistoryRecord]]:
    # A finished read, so the empty answer keeps its place among the client's.
    done: Future[list[HistoryRecord]] = Future()
    done.set_result([])
    return done


def _by_current_nick(core: ServerCore, summaries: list[TargetSummary]) -> list[TargetSummary]:
    """Private partners named by the nick they use now if online, else by account name."""
    if all(is_channel(s.target) for s in summaries):
        return summaries
    online = {
        account: client.nick
        for client in core.clients
        if client.registered and (account := identity(client)) is not None
    }

    def name(key: str) -> str:
        if key in online:
            return online[key]
        account = core.accounts.find(key) if core.accounts is not None else None
        return account.name if account is not None else key  # as registered

    return [
        s if is_channel(s.target) else TargetSummary(name(s.target), s.latest_ms) for s in summaries
    ]


def _send_targets(core: ServerCore, client: Client, summaries: list[TargetSummary]) -> None:
    batch_id = _new_batch_id(client)
    # Framed under a placeholder id when the client has no batch cap, then unframed.
    lines = targets_batch(summaries, core.config.server_name, batch_id=batch_id or "-")
    if batch_id is None:
        # No BATCH may reach a client without the cap: the bare lines.
        lines = [Message(m.command, m.params, m.source) for m in lines[1:-1]]
    _send_lines(core, client, lines)


def _reply_later(
    core: ServerCore,
    client: Client,
    future: Future,
    send: Callable[[list], None],
    *,
    report_errors: bool = True,
    finish: Finish | None = None,
) -> None:
    """Call `send(result)` on the loop thread once the read is done; errors become FAILs.

    Reads run in parallel on the reader pool, but a client gets its answers
    in the order it asked: each waits in the client's queue for those before.
    With `finish` (a labeled command's hold) the answer goes out through it.
    """
    server = core.history
    assert server is not None
    waiting = server.replies.setdefault(client, deque())
    slot: list[Callable[[], None] | None] = [None]
    waiting.append(slot)

    def answer(f: Future) -> None:
        if client.gone:
            return
        if finish is None:
            settle(f)
        else:
            finish(partial(settle, f))

    def settle(f: Future) -> None:
        error = f.exception()
        if error is None:
            send(f.result())
            return
        if not isinstance(error, ChatHistoryError):
            log.error("history read failed: %s", error)
            error = ChatHistoryError("MESSAGE_ERROR", ["*"], "Messages could not be retrieved")
        if report_errors:
            _fail(core, client, error)

    def on_loop(f: Future) -> None:
        slot[0] = partial(answer, f)
        while waiting and (ready := waiting[0][0]) is not None:
            # Emptied: a slot holding its future would close a reference
            # cycle (future -> callbacks -> slot -> future) that only the
            # cyclic GC could free, once per read.
            waiting.popleft()[0] = None
            ready()
        if not waiting and server.replies.get(client) is waiting:
            del server.replies[client]

    def done(f: Future) -> None:
        # RuntimeError: the loop closed (server stopped) before the read ended.
        with contextlib.suppress(RuntimeError):
            server.deliver(lambda: on_loop(f))

    future.add_done_callback(done)


def _fail(core: ServerCore, client: Client, error: ChatHistoryError) -> None:
    # Always a FAIL, standard-replies or not: the chathistory spec defines its
    # errors as FAILs, and a client sending CHATHISTORY reads them.
    params = ["CHATHISTORY", error.code, *error.context, error.text]
    core.send(client, Message("FAIL", params, core.config.server_name))
