"""Incoming IRC messages -> session state changes and events.

Sans-IO like the registration: `Dispatcher.handle` takes one parsed message,
updates `SessionState`, and talks back only through the `SessionLink` it was
given (emit an event, send a line, tell the session about registration,
PONGs and fatal errors). That keeps every rule here testable without sockets.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from typing import Protocol

from tui_chat.client.events import (
    AccountChanged,
    AccountRegistered,
    AwayChanged,
    ConnectionStateChanged,
    ConnState,
    ErrorReply,
    Event,
    GuestRenamed,
    HistoryBatchEnded,
    Invited,
    LoginFailed,
    Member,
    MembersChanged,
    MessageKind,
    MessageReceived,
    ModeChanged,
    NickChanged,
    Registered,
    SelfJoined,
    SelfKicked,
    SelfParted,
    ServerInfo,
    TopicChanged,
    UserJoined,
    UserKicked,
    UserParted,
    UserQuit,
)
from tui_chat.client.history import (
    HISTORY_ON_JOIN,
    PRIVATE_HISTORY_WINDOW,
    PRIVATE_TARGETS_LIMIT,
    TARGETS_BATCH_TYPE,
    history_enabled,
    latest_request,
    targets_request,
)
from tui_chat.client.pending import IDEM_TAG
from tui_chat.client.registration import ACCOUNT_REGISTRATION_CAP, Registration
from tui_chat.client.reply_text import (
    describe_error,
    describe_info,
    describe_standard_reply,
    is_error_numeric,
)
from tui_chat.client.sasl import (
    SASL_FAILURES,
    SASL_SUCCESS,
    LoginRefusedError,
    SaslLogin,
    choose_login,
)
from tui_chat.client.state import RoomState, SessionState, change_prefix, ranked_prefixes
from tui_chat.irc import numerics
from tui_chat.irc.casemap import NICK_CHARACTERS
from tui_chat.irc.ctcp import ACTION, decode_ctcp, encode_ctcp
from tui_chat.irc.message import Message

__all__ = ["BANNED_WORDS", "Dispatcher", "SessionLink", "message_time"]

# An ERROR line containing one of these means we are banned: reconnecting
# would only be refused again, so the session stops.
BANNED_WORDS = ("banned", "k-line", "g-line", "z-line", "kline", "gline", "zline")
# Batch types whose messages are replayed history, not live conversation.
HISTORY_BATCH_TYPES = frozenset({"chathistory", "draft/chathistory"})
# Characters that may appear in a nick; anything else ends a word when we
# look for our nick in a message.
_NICK_CLASS = "[" + re.escape(NICK_CHARACTERS) + "]"
_RPL_LOGGEDIN, _RPL_LOGGEDOUT, _RPL_WHOISACCOUNT = "900", "901", "330"
# Our WHO on joining a room, where the server has WHOX: the token marks its
# 354 replies as ours; the fields are those _on_whox_reply reads, in the
# order the replies carry them (token, room, user, host, nick, flags,
# account, realname).
WHOX_TOKEN = "152"
WHOX_QUERY = f"%tcuhnfar,{WHOX_TOKEN}"
# Characters that cannot be in a room name we could ever address again.
_UNFIT_IN_NAME = frozenset(" ,\x07\r\n\0")
_ERR_YOUREBANNEDCREEP = "465"
# Errors (<me> <target> :text) that refuse a PRIVMSG or NOTICE to their target.
_REFUSED_MESSAGE = frozenset(
    {numerics.ERR_NOSUCHNICK, numerics.ERR_NOSUCHCHANNEL, numerics.ERR_CANNOTSENDTOCHAN}
)
_END_OF_BURST = frozenset({numerics.RPL_ENDOFMOTD, numerics.ERR_NOMOTD})


# A 464 when we sent no PASS: the server wants one (tui-chat's own flag named).
NEEDS_SERVER_PASSWORD = "This server needs a password: join again with --password"


class SessionLink(Protocol):
    """What the dispatcher needs from the session that owns the connection."""

    def emit(self, event: Event) -> None: ...
    def send(self, msg: Message) -> None: ...
    def welcomed(self) -> None: ...
    def registration_done(self) -> None: ...
    def room_ready(self, room: str) -> None:
        """We (re-)joined `room` and its history on join, if any, has arrived."""

    def pong(self, token: str) -> None: ...
    def logged_in(self, account: str) -> None:
        """A login or REGISTER after connecting succeeded."""

    def nick_freed(self, nick: str) -> None:
        """Someone we could see gave up `nick` (QUIT or NICK): perhaps the one we want."""

    def login_refused(self) -> None:
        """A login or REGISTER after connecting failed: its password is no use."""

    def off_loop(self, work: Callable[[], bytes], then: Callable[[bytes], None]) -> None:
        """Run slow `work` away from the event loop, then `then(result)` back on it,
        unless this connection has ended by then."""

    def fatal(self, sentence: str) -> None: ...
    def server_error(self, text: str) -> None: ...
    def schedule_flush(self) -> None:
        """Call `Dispatcher.flush_members()` soon, once the lines at hand are handled."""


def message_time(msg: Message) -> datetime:
    """The server-time tag if present and valid, else now (UTC)."""
    stamp = msg.tags.get("time")
    if stamp:
        try:
            parsed = datetime.fromisoformat(stamp)
        except ValueError:
            pass
        else:
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return datetime.now(UTC)


class Dispatcher:
    """Handles every message of one connection."""

    def __init__(
        self,
        state: SessionState,
        link: SessionLink,
        registration: Registration,
        version: str,
        history_on_join: int = HISTORY_ON_JOIN,
    ) -> None:
        self.state = state
        self._link = link
        self._registration = registration
        self._version = version
        self._history_on_join = history_on_join
        self._registered = False
        self._burst_done = False
        # Room (folded) -> members collected from 353 until 366 ends the list.
        self._names_pending: dict[str, dict[str, Member]] = {}
        # Rooms whose NAMES the user asked for, so the list is also shown as text.
        self._names_requested: set[str] = set()
        # Rooms (folded) whose WHO we sent on joining; their replies update
        # members instead of being shown.
        self._who_pending: set[str] = set()
        # Rooms (folded) we joined whose NAMES has not ended yet: a 331 then
        # belongs to the join, not to a /topic the user typed.
        self._joining: set[str] = set()
        # Rooms (folded) whose MembersChanged is due at the next flush.
        self._dirty_rooms: set[str] = set()
        # Open batches: reference tag -> (batch type, first batch parameter).
        self._batches: dict[str, tuple[str, str]] = {}
        # One entry per CHATHISTORY request in flight, oldest first: the room
        # (or nick) when the session asked on its own (on join), so a FAIL need
        # not be shown and the room is ready once answered; "" for its own
        # TARGETS; None for the user's.
        self._history_requests: deque[str | None] = deque()
        # Messages seen so far in each open batch.
        self._batch_counts: dict[str, int] = {}
        # A login started after registration (/login), while it runs.
        self._login: SaslLogin | None = None
        # (folded nick, compiled pattern) of mentions_me, rebuilt when our nick changes.
        self._mention: tuple[str, re.Pattern[str]] | None = None
        self._handlers: dict[str, Callable[[Message], None]] = {
            "PING": self._on_ping,
            "PONG": self._on_pong,
            "CAP": self._on_cap,
            "ERROR": self._on_error,
            "001": self._on_welcome,
            "005": self._on_isupport,
            "JOIN": self._on_join,
            "PART": self._on_part,
            "KICK": self._on_kick,
            "QUIT": self._on_quit,
            "NICK": self._on_nick,
            "PRIVMSG": self._on_message,
            "NOTICE": self._on_message,
            "TOPIC": self._on_topic,
            "332": self._on_topic_reply,
            "333": self._on_topic_who,
            "331": self._on_no_topic,
            "353": self._on_names_reply,
            "366": self._on_end_of_names,
            "MODE": self._on_mode,
            "AWAY": self._on_away_notify,
            "305": self._on_self_away,
            "306": self._on_self_away,
            "INVITE": self._on_invite,
            "ACCOUNT": self._on_account,
            _RPL_LOGGEDIN: self._on_logged_in,
            _RPL_LOGGEDOUT: self._on_logged_out,
            _RPL_WHOISACCOUNT: self._on_whois_account,
            "REGISTER": self._on_account_registered,
            "VERIFY": self._on_account_registered,
            "CHGHOST": self._on_chghost,
            "BATCH": self._on_batch,
            "CHATHISTORY": self._on_chathistory,
            "AUTHENTICATE": self._on_authenticate,
            **dict.fromkeys([*SASL_SUCCESS, *SASL_FAILURES], self._on_sasl_result),
            "SETNAME": self._on_setname,
            "352": self._on_who_reply,
            "354": self._on_whox_reply,
            "315": self._on_end_of_who,
            "FAIL": self._on_standard_reply,
            "WARN": self._on_standard_reply,
            "NOTE": self._on_standard_reply,
            "396": self._on_visible_host,
        }

    def wants_names(self, room: str) -> None:
        """The user asked for NAMES of `room`: show the list when it arrives."""
        self._names_requested.add(self.state.fold(room))

    def handle(self, msg: Message) -> None:
        handler = self._handlers.get(msg.command)
        if handler is not None:
            handler(msg)
        elif msg.command in ("432", "433", "437") and not self._registered:
            self._on_nick_rejected(msg)
        elif msg.command == numerics.ERR_PASSWDMISMATCH and self._registered:
            # After registration only OPER asks for a password.
            self._link.emit(ErrorReply("That operator password is wrong", code=msg.command))
        elif msg.command == numerics.ERR_PASSWDMISMATCH and not self._registration.sends_password:
            self._link.fatal(NEEDS_SERVER_PASSWORD)
        elif msg.command in (numerics.ERR_PASSWDMISMATCH, _ERR_YOUREBANNEDCREEP):
            self._link.fatal(describe_error(msg).text)
        elif msg.command == "421" and msg.param(1).upper() == "CAP":
            pass  # A server without CAP: registration goes on without it.
        elif msg.command in _REFUSED_MESSAGE:
            self._link.emit(self._refused(describe_error(msg), msg.param(1)))
        elif is_error_numeric(msg.command):
            self._link.emit(describe_error(msg))
        elif msg.command.isdigit():
            self._on_other_numeric(msg)
        if msg.command in _END_OF_BURST:
            self.finish_registration()

    # Connection and registration

    def _on_ping(self, msg: Message) -> None:
        self._link.send(Message("PONG", list(msg.params) or [""]))

    def _on_pong(self, msg: Message) -> None:
        self._link.pong(msg.params[-1] if msg.params else "")

    def _on_cap(self, msg: Message) -> None:
        self._registration_lines(self._registration.on_cap(msg))
        self.state.caps = set(self._registration.enabled)
        self.state.offered_caps = dict(self._registration.offered)

    def _on_authenticate(self, msg: Message) -> None:
        login = self._login if self._login is not None else self._registration.login
        if login is not None:
            self._answer_login(login, login.on_authenticate(msg.param(0)))

    def _answer_login(self, login: SaslLogin, lines: list[Message]) -> None:
        for line in lines:
            self._link.send(line)
        derivation = login.derivation
        if derivation is not None:
            # Up to a million PBKDF2 rounds: never on the loop the UI runs on.
            self._link.off_loop(
                derivation.derive, lambda key: self._answer_login(login, login.key_derived(key))
            )

    def _on_sasl_result(self, msg: Message) -> None:
        login = self._login if self._login is not None else self._registration.login
        if login is None or not login.running:
            if msg.command in SASL_SUCCESS:
                self._on_other_numeric(msg)
            return
        if login.can_fall_back(msg.command) and not self.state.plain_fallback_tried:
            # An account made before the server offered SCRAM has no SCRAM key
            # until it logs in with PLAIN once (the server adds it then).
            self.state.plain_fallback_tried = True
            self._link.send(login.fall_back())
            return
        if login is self._login:
            self._login = None
            problem = login.verdict(msg.command, msg.param(1))
            if problem is None:
                self._on_other_numeric(msg)
            else:
                self._link.login_refused()
                self._link.emit(LoginFailed(problem, code=msg.command))
            return
        self._registration_lines(self._registration.on_sasl_result(msg.command, msg.param(1)))
        if msg.command in SASL_SUCCESS:
            self._on_other_numeric(msg)

    def start_login(self, account: str, password: str, allow_plain: bool) -> None:
        """Log in now that we are connected (SASL 3.2); the result comes as events."""
        if "sasl" not in self.state.caps:
            self._link.login_refused()
            self._link.emit(LoginFailed("This server has no accounts to log in to (no SASL)"))
            return
        if self._login is not None:
            self._link.emit(LoginFailed("A login is already on its way"))
            return
        try:
            login = choose_login(
                account, password, self.state.offered_caps.get("sasl", ""), allow_plain
            )
        except LoginRefusedError as exc:
            self._link.login_refused()
            self._link.emit(LoginFailed(str(exc)))
            return
        self._login = login
        self._link.send(login.start())

    def _registration_lines(self, lines: list[Message]) -> None:
        problem = self._registration.take_login_problem()
        if problem is not None:
            # Like other clients, we go on without the login: the server may
            # give us a guest name, and the user can log in later (/login).
            sentence, code = problem
            self._link.emit(LoginFailed(sentence, code=code, while_connecting=True))
        for line in lines:
            self._link.send(line)

    def _on_error(self, msg: Message) -> None:
        text = msg.param(0, "Closing link")
        if any(word in text.lower() for word in BANNED_WORDS):
            self._link.fatal(f"The server refused you: {text}")
        else:
            self._link.server_error(text)

    def _on_welcome(self, msg: Message) -> None:
        self._registered = True
        if msg.params:
            asked, self.state.nick = self.state.nick, msg.params[0]
            if not self.state.is_me(asked):
                # Welcomed under another name than we asked for: a guest nick.
                self._renamed(asked, msg.params[0])
        self.state.server = msg.source
        self._link.welcomed()

    def finish_registration(self) -> None:
        """End of the registration burst (MOTD end, or the first PONG): ready to chat."""
        if self._burst_done or not self._registered:
            return
        self._burst_done = True
        self.state.conn_state = ConnState.CONNECTED
        server = self.state.server or ""
        self._link.emit(ConnectionStateChanged(ConnState.CONNECTED, f"Connected to {server}"))
        offered = self.state.offered_caps
        self._link.emit(
            Registered(
                self.state.nick,
                server,
                self.state.network,
                account=self.state.account,
                can_register=ACCOUNT_REGISTRATION_CAP in offered,
                can_login="sasl" in self.state.caps,
            )
        )
        self._link.registration_done()
        if self.state.account is not None:
            self._request_private_targets()

    def _on_isupport(self, msg: Message) -> None:
        self.state.isupport.update(msg.params[1:-1])

    def _on_nick_rejected(self, msg: Message) -> None:
        erroneous = msg.command == "432"
        retry = self._registration.on_nick_rejected(erroneous)
        reason = describe_error(msg).text
        if retry is None:
            self._link.fatal(f"{reason}; choose another nick")
            return
        self._link.emit(
            ErrorReply(f"{reason}, trying '{retry.params[0]}'", code=msg.command, target=None)
        )
        self.state.nick = retry.params[0]
        self._link.send(retry)

    def _on_visible_host(self, msg: Message) -> None:
        host = msg.param(1)
        if host:
            self.state.userhost = f"{self.state.nick}!{self._own_user()}@{host}"

    def _own_user(self) -> str:
        userhost = self.state.userhost or ""
        return userhost.partition("!")[2].partition("@")[0] or "*"

    # Rooms and members

    def _members_changed(self, room: RoomState) -> None:
        # One MembersChanged per room for a burst of changes (a netjoin of
        # hundreds of JOINs), not one full sorted list per line.
        if not self._dirty_rooms:
            self._link.schedule_flush()
        self._dirty_rooms.add(self.state.fold(room.name))

    def flush_members(self) -> None:
        """Emit MembersChanged for every room whose members changed since the last flush."""
        dirty, self._dirty_rooms = self._dirty_rooms, set()
        for folded in sorted(dirty):
            room = self.state.rooms.get(folded)
            if room is not None:
                members = room.sorted_members(self.state.isupport.prefix_symbols)
                self._link.emit(MembersChanged(room.name, members))

    def _on_join(self, msg: Message) -> None:
        nick = msg.nick
        name = msg.param(0)
        if not nick or not name or not _UNFIT_IN_NAME.isdisjoint(name):
            # No server names a room like that; following it would only break later lines.
            return
        userhost = (msg.source or "").partition("!")[2] or None
        account = msg.param(1) if len(msg.params) > 2 and msg.param(1) != "*" else None
        realname = msg.param(2) or None
        if self.state.is_me(nick):
            self.state.userhost = msg.source
            room = self.state.add_room(name)
            forgot_topic = room.enter()
            self._joining.add(self.state.fold(room.name))
            self._link.emit(SelfJoined(room.name))
            if forgot_topic:
                # The topic (if any) follows as 332; none means there is none now.
                self._link.emit(TopicChanged(room.name, ""))
            if not self._request_history_on_join(room.name):
                self._link.room_ready(room.name)
            self._request_who_on_join(room.name)
        else:
            room = self.state.room(name)
            self._link.emit(
                UserJoined(name, nick, userhost, account, realname, time=message_time(msg))
            )
        if room is None or not room.joined:
            return
        self.state.put_member(
            room, Member(nick, userhost=userhost, account=account, realname=realname)
        )
        self._members_changed(room)

    def _request_who_on_join(self, room: str) -> None:
        # NAMES says nothing of who is away or logged in; with away-notify and
        # account-notify the server keeps us posted afterwards, so one WHO per
        # join gives the starting point (WHOX: with accounts, where offered).
        caps = self.state.caps
        whox = self.state.isupport.whox and "account-notify" in caps
        if whox or "away-notify" in caps:
            self._who_pending.add(self.state.fold(room))
            self._link.send(Message("WHO", [room, WHOX_QUERY] if whox else [room]))

    def _on_who_reply(self, msg: Message) -> None:
        # 352 <me> <room> <user> <host> <server> <nick> <flags> :<hops> <realname>
        params = msg.params
        if len(params) < 8 or not self._update_from_who(
            params[1], params[5], params[6], f"{params[2]}@{params[3]}", params[7].partition(" ")[2]
        ):
            self._on_other_numeric(msg)

    def _on_whox_reply(self, msg: Message) -> None:
        # 354 <me> <token> <room> <user> <host> <nick> <flags> <account> :<realname>
        params = msg.params
        if (
            len(params) < 9
            or params[1] != WHOX_TOKEN
            or not self._update_from_who(
                params[2], params[5], params[6], f"{params[3]}@{params[4]}", params[8], params[7]
            )
        ):
            self._on_other_numeric(msg)

    def _update_from_who(
        self,
        room_name: str,
        nick: str,
        flags: str,
        userhost: str,
        realname: str,
        account: str | None = None,
    ) -> bool:
        """Apply one reply to our WHO on joining; False if it is not ours (show it)."""
        folded = self.state.fold(room_name)
        room = self.state.rooms.get(folded)
        if folded not in self._who_pending or room is None:
            return False
        member = self.state.member(room, nick)
        if member is None:
            return True
        symbols = self.state.isupport.prefix_symbols
        changed = replace(
            member,
            away=flags.startswith("G"),
            prefixes=ranked_prefixes(flags[1:], symbols) or member.prefixes,
            userhost=userhost,
            realname=realname or member.realname,
        )
        if account is not None:
            # Only WHOX tells accounts, "0" for someone not logged in.
            changed = replace(changed, account=None if account == "0" else account)
        self.state.put_member(room, changed)
        self._members_changed(room)
        return True

    def _on_end_of_who(self, msg: Message) -> None:
        folded = self.state.fold(msg.param(1))
        if folded in self._who_pending:
            self._who_pending.discard(folded)
        else:
            self._on_other_numeric(msg)

    def _on_setname(self, msg: Message) -> None:
        if msg.nick and msg.params:
            self.state.update_member_everywhere(msg.nick, realname=msg.params[-1])

    def _on_part(self, msg: Message) -> None:
        nick, name, reason = msg.nick, msg.param(0), msg.param(1)
        if not nick or not name:
            return
        if self.state.is_me(nick):
            self.state.remove_room(name)
            self._joining.discard(self.state.fold(name))
            self._link.emit(SelfParted(name, reason))
            return
        self._link.emit(UserParted(name, nick, reason, time=message_time(msg)))
        room = self.state.room(name)
        if room is not None and self.state.remove_member(room, nick):
            self._members_changed(room)

    def _on_kick(self, msg: Message) -> None:
        name, nick, reason = msg.param(0), msg.param(1), msg.param(2)
        by = msg.nick or ""
        if not name or not nick:
            return
        if self.state.is_me(nick):
            # The room stays, empty and not joined, so its window can say so.
            kicked_from = self.state.room(name)
            self._link.emit(SelfKicked(name, by, reason))
            if kicked_from is not None:
                kicked_from.leave()
                self._members_changed(kicked_from)
            return
        self._link.emit(UserKicked(name, nick, by, reason, time=message_time(msg)))
        room = self.state.room(name)
        if room is not None and self.state.remove_member(room, nick):
            self._members_changed(room)

    def _on_quit(self, msg: Message) -> None:
        nick = msg.nick
        if not nick:
            return
        rooms = self.state.rooms_with(nick)
        for room in rooms:
            self.state.remove_member(room, nick)
        self._link.emit(
            UserQuit(nick, msg.param(0), tuple(r.name for r in rooms), time=message_time(msg))
        )
        for room in rooms:
            self._members_changed(room)
        if not self.state.is_me(nick):
            self._link.nick_freed(nick)

    def _on_nick(self, msg: Message) -> None:
        old, new = msg.nick, msg.param(0)
        if not old or not new:
            return
        is_self = self.state.is_me(old)
        if is_self:
            self.state.nick = new
            if self.state.userhost:
                self.state.userhost = new + "!" + self.state.userhost.partition("!")[2]
            if self.state.fold(new) not in self.state.nicks_asked:
                self._renamed(old, new)
            self.state.nicks_asked.clear()
        rooms = self.state.rename_member(old, new)
        self._link.emit(
            NickChanged(old, new, tuple(r.name for r in rooms), is_self, time=message_time(msg))
        )
        for room in rooms:
            self._members_changed(room)
        if not is_self and self.state.fold(old) != self.state.fold(new):
            self._link.nick_freed(old)

    def _on_names_reply(self, msg: Message) -> None:
        # 353 <me> <symbol> <room> :<entries>; some old servers omit the symbol.
        if len(msg.params) < 3:
            return
        name = msg.params[-2]
        pending = self._names_pending.setdefault(self.state.fold(name), {})
        symbols = self.state.isupport.prefix_symbols
        for entry in msg.params[-1].split():
            bare = entry.lstrip(symbols)
            prefixes = entry[: len(entry) - len(bare)]
            nick, _, userhost = bare.partition("!")
            if not nick:
                continue
            previous = pending.get(self.state.fold(nick))
            member = Member(
                nick,
                prefixes=ranked_prefixes(prefixes, symbols),
                away=previous.away if previous else False,
                userhost=userhost or None,
            )
            pending[self.state.fold(nick)] = member

    def _on_end_of_names(self, msg: Message) -> None:
        name = msg.param(1)
        folded = self.state.fold(name)
        collected = self._names_pending.pop(folded, {})
        self._joining.discard(folded)
        room = self.state.room(name)
        if room is not None and room.joined:
            # Keep what NAMES cannot tell (away, account) for members we already knew.
            for key, member in collected.items():
                known = room.members.get(key)
                if known is not None:
                    collected[key] = replace(
                        member,
                        away=known.away,
                        userhost=member.userhost or known.userhost,
                        account=known.account,
                    )
            room.members = collected
            self._members_changed(room)
        if folded in self._names_requested:
            self._names_requested.discard(folded)
            listing = " ".join(m.prefixes[:1] + m.nick for m in collected.values())
            self._link.emit(ServerInfo(f"In {name}: {listing or 'nobody'}", code="353"))

    def _on_mode(self, msg: Message) -> None:
        target, changes = msg.param(0), msg.param(1)
        if not target or not changes:
            return
        args = tuple(msg.params[2:])
        self._link.emit(ModeChanged(target, msg.nick or "", changes, args, message_time(msg)))
        room = self.state.room(target) if self.state.isupport.is_channel(target) else None
        if room is not None and self._apply_member_modes(room, changes, list(args)):
            self._members_changed(room)

    def _apply_member_modes(self, room: RoomState, changes: str, args: list[str]) -> bool:
        """Update member prefixes from a channel MODE; True if any member changed."""
        isupport = self.state.isupport
        adding = True
        changed = False
        for mode in changes:
            if mode in "+-":
                adding = mode == "+"
                continue
            if not isupport.mode_takes_param(mode, adding):
                continue
            if not args:
                break
            arg = args.pop(0)
            index = isupport.prefix_modes.find(mode)
            member = self.state.member(room, arg) if index >= 0 else None
            if member is None:
                continue
            symbol = isupport.prefix_symbols[index]
            prefixes = change_prefix(member.prefixes, symbol, adding, isupport.prefix_symbols)
            self.state.put_member(room, replace(member, prefixes=prefixes))
            changed = True
        return changed

    def _on_topic(self, msg: Message) -> None:
        name, topic = msg.param(0), msg.param(1)
        room = self.state.room(name)
        if room is not None:
            room.topic, room.topic_set_by = topic, msg.nick
        self._link.emit(TopicChanged(name, topic, msg.nick, message_time(msg), changed_now=True))

    def _on_topic_reply(self, msg: Message) -> None:
        name, topic = msg.param(1), msg.param(2)
        room = self.state.room(name)
        if room is not None:
            room.topic = topic
        self._link.emit(TopicChanged(name, topic))

    def _on_no_topic(self, msg: Message) -> None:
        name = msg.param(1)
        if self.state.fold(name) in self._joining:
            return  # Some servers say so on join; the join already told of the topic.
        room = self.state.room(name)
        if room is not None:
            room.topic, room.topic_set_by = "", None
        self._link.emit(TopicChanged(name, ""))
        self._on_other_numeric(msg)

    def _on_topic_who(self, msg: Message) -> None:
        room = self.state.room(msg.param(1))
        if room is not None:
            room.topic_set_by = msg.param(2).partition("!")[0] or None

    # Away, accounts, hosts

    def _set_away(self, nick: str, message: str | None) -> None:
        rooms = self.state.update_member_everywhere(nick, away=message is not None)
        self._link.emit(AwayChanged(nick, message))
        for room in rooms:
            self._members_changed(room)

    def _on_away_notify(self, msg: Message) -> None:
        if msg.nick:
            self._set_away(msg.nick, msg.params[0] if msg.params else None)

    def _on_self_away(self, msg: Message) -> None:
        away = msg.command == "306"
        self.state.away_message = (self.state.away_message or "") if away else None
        self._set_away(self.state.nick, self.state.away_message)

    def _on_account(self, msg: Message) -> None:
        if msg.nick:
            account = msg.param(0)
            self._set_account(msg.nick, None if account in ("", "*") else account)

    def _set_account(self, nick: str, account: str | None) -> None:
        is_self = self.state.is_me(nick)
        if is_self:
            self.state.account = account
        for room in self.state.update_member_everywhere(nick, account=account):
            self._members_changed(room)
        self._link.emit(AccountChanged(nick, account, is_self))

    def _on_logged_in(self, msg: Message) -> None:
        # 900 <nick> <nick!user@host> <account> :You are now logged in as <account>
        account = msg.param(2)
        if account:
            new_login = self.state.account is None
            self._set_account(self.state.nick, account)
            if self._registered:
                self._link.logged_in(account)
            if new_login and self._burst_done:
                self._request_private_targets()
        self._on_other_numeric(msg)

    def _on_logged_out(self, msg: Message) -> None:
        self._set_account(self.state.nick, None)
        self._on_other_numeric(msg)

    def _on_whois_account(self, msg: Message) -> None:
        # 330 <me> <nick> <account> :is logged in as
        nick, account = msg.param(1), msg.param(2)
        if nick and account:
            for room in self.state.update_member_everywhere(nick, account=account):
                self._members_changed(room)
        self._on_other_numeric(msg)

    def _on_account_registered(self, msg: Message) -> None:
        # REGISTER SUCCESS|VERIFICATION_REQUIRED <account> :<message>
        outcome, account = msg.param(0).upper(), msg.param(1)
        if outcome not in ("SUCCESS", "VERIFICATION_REQUIRED") or not account:
            return
        needs_verification = outcome == "VERIFICATION_REQUIRED"
        self._link.emit(AccountRegistered(account, msg.param(2), needs_verification))
        if not needs_verification and self.state.account is None:
            # "As if it used SASL": servers that send no 900 still logged us in.
            self._set_account(self.state.nick, account)
            self._link.logged_in(account)

    def _renamed(self, wanted: str, guest: str) -> None:
        """The server chose our nick: a guest name when `wanted` belongs to an account."""
        if self.state.account is None and "sasl" in self.state.caps:
            self._link.emit(GuestRenamed(wanted, guest))

    def _on_chghost(self, msg: Message) -> None:
        if msg.nick and len(msg.params) >= 2:
            userhost = f"{msg.params[0]}@{msg.params[1]}"
            self.state.update_member_everywhere(msg.nick, userhost=userhost)
            if self.state.is_me(msg.nick):
                self.state.userhost = f"{self.state.nick}!{userhost}"

    def _on_invite(self, msg: Message) -> None:
        invited, room, by = msg.param(0), msg.param(1), msg.nick or ""
        if self.state.is_ignored(msg.source or by):
            return
        if self.state.is_me(invited):
            self._link.emit(Invited(room, by))
        else:
            self._link.emit(ServerInfo(f"{by} invited {invited} to {room}", code="INVITE"))

    def _on_batch(self, msg: Message) -> None:
        ref = msg.param(0)
        if ref.startswith("+") and len(ref) > 1:
            self._batches[ref[1:]] = (msg.param(1), msg.param(2))
            self._batch_counts[ref[1:]] = 0
        elif ref.startswith("-"):
            kind, target = self._batches.pop(ref[1:], ("", ""))
            count = self._batch_counts.pop(ref[1:], 0)
            if kind in HISTORY_BATCH_TYPES:
                joined = self._answered_history_request()
                self._link.emit(HistoryBatchEnded(target, count))
                if joined:
                    self._link.room_ready(joined)
            elif kind == TARGETS_BATCH_TYPE:
                self._answered_history_request()

    def _is_history(self, msg: Message) -> bool:
        ref = msg.tags.get("batch", "")
        if ref not in self._batches:
            return False
        self._batch_counts[ref] += 1
        return self._batches[ref][0] in HISTORY_BATCH_TYPES

    def _request_history_on_join(self, room: str) -> bool:
        """Ask for what `room` (or a private conversation) said lately, or since we
        last saw it; False if not asked."""
        if self._history_on_join <= 0 or not history_enabled(self.state.caps):
            return False
        after = self.state.last_msgids.get(self.state.fold(room))
        self._history_requests.append(room)
        self._link.send(latest_request(room, after, self._history_on_join, self.state.isupport))
        return True

    def request_conversation(self, nick: str) -> None:
        """Fetch the latest of the private conversation with `nick` (a window opened)."""
        if self.state.account is not None:
            self._request_history_on_join(nick)

    def _request_private_targets(self) -> None:
        """Logged in: ask which private conversations were recent, to open them."""
        if self._history_on_join <= 0 or not history_enabled(self.state.caps):
            return
        now = datetime.now(UTC)
        # "" marks the session's own request that belongs to no window.
        self._history_requests.append("")
        self._link.send(targets_request(now - PRIVATE_HISTORY_WINDOW, now, PRIVATE_TARGETS_LIMIT))

    def _on_chathistory(self, msg: Message) -> None:
        # CHATHISTORY TARGETS <target> <time>, inside the TARGETS batch.
        target = msg.param(1)
        if msg.param(0).upper() != "TARGETS" or not target or self.state.is_me(target):
            return
        if not self.state.isupport.is_channel(target) and _UNFIT_IN_NAME.isdisjoint(target):
            self._request_history_on_join(target)

    # Messages

    def _on_message(self, msg: Message) -> None:
        if len(msg.params) < 2:
            return
        target, text = msg.params[0], msg.params[1]
        sender = msg.nick
        if sender is None or (msg.source and "!" not in msg.source and "." in msg.source):
            # A server notice (no nick!user@host): informational, not conversation.
            self._link.emit(ServerInfo(text, code=msg.command))
            return
        if self.state.is_ignored(msg.source or sender) and not self.state.is_me(sender):
            return
        kind = MessageKind.NOTICE if msg.command == "NOTICE" else MessageKind.PRIVMSG
        ctcp = decode_ctcp(text)
        if ctcp is not None:
            if ctcp.command != ACTION:
                self._on_ctcp(msg.command, sender, ctcp.command, ctcp.params)
                return
            kind, text = MessageKind.ACTION, ctcp.params
        tags = dict(msg.tags)
        # Our echo, or a history copy maybe said under the nick we had then:
        # it confirms the pending message it matches, which the UI finds by
        # this tag even if the server did not relay it back.
        is_me = self.state.is_me(sender)
        sent = self.state.pending.confirm(target, msg.params[1], tags.get(IDEM_TAG), sender, is_me)
        if sent is not None:
            tags[IDEM_TAG] = sent.key
        is_self = is_me or sent is not None
        # STATUSMSG targets (`@#room`) belong to the room's window.
        room_target = target.lstrip(self.state.isupport.prefix_symbols)
        is_private = not self.state.isupport.is_channel(room_target)
        window = (target if is_self else sender) if is_private else room_target
        known_room = None if is_private else self.state.room(room_target)
        if known_room is not None:
            # `#TEST` from a sender is the `#test` we joined: one window, one name.
            window = known_room.name
            account = msg.tags.get("account")
            if account is not None:
                self._note_account(known_room, sender, account)
        msgid = msg.tags.get("msgid")
        is_history = self._is_history(msg)
        if msgid and not self.state.first_sight(window, msgid):
            return  # already delivered, live or in an earlier history reply
        if msgid and not is_history:
            self.state.last_msgids[self.state.fold(window)] = msgid
        self._link.emit(
            MessageReceived(
                target=window,
                sender=sender,
                text=text,
                kind=kind,
                time=message_time(msg),
                msgid=msgid,
                is_self=is_self,
                is_private=is_private,
                mentions_me=not is_self and self.mentions_me(text),
                tags=tags,
                is_history=is_history,
            )
        )

    def _note_account(self, room: RoomState, nick: str, account: str) -> None:
        """account-tag: a member's account, learnt from a message (rarely news)."""
        member = self.state.member(room, nick)
        if member is not None and member.account != account:
            self.state.put_member(room, replace(member, account=account))
            self._members_changed(room)

    def _on_ctcp(self, command: str, sender: str, ctcp: str, args: str) -> None:
        if command == "NOTICE":
            self._link.emit(ServerInfo(f"CTCP {ctcp} reply from {sender}: {args}", code="CTCP"))
            return
        if ctcp == "VERSION":
            reply = encode_ctcp("VERSION", self._version)
        elif ctcp == "PING" and "\x01" not in args:
            reply = encode_ctcp("PING", args)
        else:
            return
        self._link.send(Message("NOTICE", [sender, reply]))

    def mentions_me(self, text: str) -> bool:
        """Whether our nick appears in `text` as a whole word, compared case-folded."""
        fold = self.state.fold
        nick = fold(self.state.nick)
        if self._mention is None or self._mention[0] != nick:
            pattern = rf"(?<!{_NICK_CLASS}){re.escape(nick)}(?!{_NICK_CLASS})"
            self._mention = (nick, re.compile(pattern))
        return self._mention[1].search(fold(text)) is not None

    # Everything else

    def note_history_request(self) -> None:
        """The user asked for history (fetch_history): its answer or FAIL is theirs."""
        self._history_requests.append(None)

    def _answered_history_request(self) -> str | None:
        """Retire the oldest request in flight; its room if the session sent it on joining."""
        return self._history_requests.popleft() if self._history_requests else None

    def _on_standard_reply(self, msg: Message) -> None:
        history_fail = msg.command == "FAIL" and msg.param(0).upper() == "CHATHISTORY"
        joined = self._answered_history_request() if history_fail else None
        if joined is not None:
            # History on join is a nicety the user did not ask for: no error shown.
            if joined:
                self._link.room_ready(joined)
            return
        reply = describe_standard_reply(msg)
        if msg.command == "FAIL" and msg.param(0).upper() in ("PRIVMSG", "NOTICE"):
            # FAIL PRIVMSG <code> <target> :text (e.g. MESSAGE_NOT_STORED).
            self._link.emit(self._refused(reply, msg.param(2)))
        elif msg.command == "FAIL":
            if msg.param(0).upper() == "REGISTER":
                self._link.login_refused()
            self._link.emit(reply)
        else:
            self._link.emit(ServerInfo(reply.text, code=reply.code))

    def _refused(self, reply: ErrorReply, target: str) -> ErrorReply:
        """`reply`, naming the pending message it refused if there is one.

        The server answers in order, so it is our oldest line to that target
        still waiting for its echo.
        """
        sent = self.state.pending.refuse(target) if target else None
        return reply if sent is None else replace(reply, key=sent.key)

    def _on_other_numeric(self, msg: Message) -> None:
        info = describe_info(msg)
        if info is not None:
            self._link.emit(info)
