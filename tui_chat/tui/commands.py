"""Slash commands typed in the chat input: `await execute(text, ctx)`.

Pure logic, no Textual: the app implements `CommandContext` and calls

    await execute(input_text, ctx)

for every line the user submits. What `execute` does with a line:

* `/name args` runs the command `name` (or one of its aliases, case-insensitive).
* `//text` sends `/text` as a plain message (the doubled slash escapes it).
* anything else is sent as a message to `ctx.current_target`.

Everything that goes wrong ends in exactly one `ctx.show_error(...)` call with a
sentence to show the user, never an exception: unknown command (with a
suggestion), wrong arguments ("Usage: /kick <nick> [reason]"), a room command
used outside a room, a session that is not connected (the session raising
`ConnectionError`/`OSError`), a line holding CR, LF or NUL (several lines go
through `paste.py`, one message each). Results of the IRC commands themselves (WHOIS
replies, error numerics) arrive later as session events, not from here.

`COMMANDS` maps every command name to a `Command(name, usage, help, aliases)`;
`/help` and the help screen render it, completion offers `command_names()`.

Commands that act on a room (/part /topic /names /invite /kick /ban /unban
/mute /unmute /banlist /mutelist /op /deop /voice /devoice /mode /close) use
the current room, or a room given as their first argument: `/kick bob spam`
in #lobby equals `/kick #lobby bob spam`.
"""

from __future__ import annotations

import difflib
from collections.abc import Awaitable, Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Protocol

from tui_chat.client.ignores import ACCOUNT_PREFIX, nick_entry
from tui_chat.client.isupport import Isupport
from tui_chat.client.registration import ACCOUNT_REGISTRATION_CAP
from tui_chat.irc.casemap import casefold, is_channel
from tui_chat.server.moderation.duration import parse_duration

__all__ = [
    "COMMANDS",
    "DEFAULT_AWAY_MESSAGE",
    "IGNORE_LIST",
    "KILL_REASON",
    "MODES_PER_LINE",
    "REGISTER_HINT_OFF",
    "Command",
    "CommandContext",
    "SessionActions",
    "account_extban",
    "ban_masks",
    "command_names",
    "execute",
    "ignore_entries",
    "is_secret",
    "lookup",
    "unban_masks",
    "unignore_entries",
]

# `/register never`: stop suggesting /register on this server.
REGISTER_HINT_OFF = "never"
# Sent with /away when no message is given (an empty AWAY would mean "back").
DEFAULT_AWAY_MESSAGE = "Away"
# How many nicks one /op, /voice... line carries: RFC 2812's MODES default.
# Servers that advertise a higher ISUPPORT MODES still accept 3.
MODES_PER_LINE = 3
# `/ignore list` lists, as `/ignore` alone does (`/ignore list!*@*` ignores a "list").
IGNORE_LIST = "list"
# The reason /kill gives when none is typed (KILL needs one).
KILL_REASON = "No reason given"
# Would end the IRC line early and let the rest be read as another command.
_LINE_BREAKS = frozenset("\r\n\0")
# The nick service (and its short alias): messages to it may hold passwords.
_NICKSERV = frozenset({"nickserv", "ns"})
# Raw commands (/quote) whose parameters may be a password.
_SECRET_RAW_COMMANDS = frozenset({"PASS", "OPER", "AUTHENTICATE", "REGISTER", "NS", "NICKSERV"})
# NickServ verbs the app does itself, by SASL and REGISTER, when the server can.
_NICKSERV_LOGIN = frozenset({"IDENTIFY", "ID", "LOGIN"})
_NICKSERV_REGISTER = "REGISTER"
# NickServ verbs whose arguments may hold a password: never drawn in a window.
_NICKSERV_SECRET_VERBS = _NICKSERV_LOGIN | {
    *("REGISTER", "PASSWORD", "PASSWD", "SET", "GHOST", "RECOVER", "RELEASE", "REGAIN"),
    *("DROP", "SAPASSWD", "SAREGISTER", "CONFIRM", "VERIFY"),
}


class MemberView(Protocol):
    """What /ban reads of a room member (client.events.Member fits)."""

    @property
    def nick(self) -> str: ...
    @property
    def userhost(self) -> str | None: ...
    @property
    def account(self) -> str | None: ...


class RoomView(Protocol):
    @property
    def members(self) -> Mapping[str, MemberView]: ...


class StateView(Protocol):
    @property
    def rooms(self) -> Mapping[str, RoomView]: ...
    @property
    def isupport(self) -> Isupport: ...
    @property
    def ignored(self) -> list[str]: ...
    @property
    def caps(self) -> set[str]: ...
    @property
    def offered_caps(self) -> dict[str, str]: ...
    @property
    def left_members(self) -> Mapping[str, MemberView]:
        """People who recently left a room, as last seen there."""


class SessionActions(Protocol):
    """The part of `tui_chat.client.session.ClientSession` that commands use."""

    @property
    def state(self) -> StateView: ...
    async def send_message(self, target: str, text: str) -> None: ...
    async def send_action(self, target: str, text: str) -> None: ...
    async def send_notice(self, target: str, text: str) -> None: ...
    async def join(self, room: str, key: str | None = None) -> None: ...
    async def part(self, room: str, reason: str = "") -> None: ...
    async def set_nick(self, nick: str) -> None: ...
    async def set_topic(self, room: str, topic: str) -> None: ...
    async def set_away(self, message: str | None) -> None: ...
    async def whois(self, nick: str) -> None: ...
    async def invite(self, nick: str, room: str) -> None: ...
    async def kick(self, room: str, nick: str, reason: str = "") -> None: ...
    async def mode(self, target: str, *args: str) -> None: ...
    async def names(self, room: str) -> None: ...
    async def list_rooms(self) -> None: ...
    async def send_raw(self, line: str) -> None: ...
    async def ignore(self, mask: str) -> None: ...
    async def unignore(self, mask: str) -> None: ...


class CommandContext(Protocol):
    """What the app gives `execute`. Plain attributes satisfy the properties."""

    @property
    def session(self) -> SessionActions: ...

    @property
    def current_target(self) -> str | None:
        """The room or query nick of the focused window; None on the server window."""

    def show_info(self, text: str) -> None: ...
    def show_error(self, text: str) -> None: ...
    def open_query(self, nick: str) -> None:
        """Open (or switch to) the private window with `nick`; execute sends any text."""

    def close_query(self, nick: str) -> None:
        """Close the private window with `nick` (/close in a query)."""

    def clear(self) -> None:
        """Empty the current window's log (/clear)."""

    def show_help(self) -> None:
        """Show the help screen (/help with no argument)."""

    def request_quit(self, message: str) -> None:
        """Quit the app, sending `message` as the QUIT reason."""

    def register_account(self, password: str | None) -> None:
        """Register our nick as an account (REGISTER); None asks for the password."""

    def log_in(self, account: str | None, password: str | None = None) -> None:
        """Log in to `account` (None: ask for it, or our nick when `password` is
        given); the password is asked for unless given and the link is private."""

    def stop_register_hint(self) -> None:
        """Never again suggest /register on this server."""


class CommandError(Exception):
    """A sentence for `show_error`, raised by a handler."""


class UsageError(CommandError):
    """The arguments do not fit; execute shows the command's usage line."""


class NeedsRoomError(CommandError):
    """A room command outside a room with no room named; execute says which."""


Handler = Callable[[list[str], str, CommandContext], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class Command:
    name: str
    usage: str
    help: str
    aliases: tuple[str, ...]
    handler: Handler
    # Its lines may hold a password: never kept in the input history.
    secret: bool = False

    @property
    def usage_line(self) -> str:
        return f"/{self.name} {self.usage}".rstrip()


_commands: dict[str, Command] = {}
_by_alias: dict[str, Command] = {}

COMMANDS: Mapping[str, Command] = _commands


def _command(
    name: str, usage: str, help: str, aliases: tuple[str, ...] = (), *, secret: bool = False
) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        command = Command(name, usage, help, aliases, handler, secret)
        _commands[name] = command
        for key in (name, *aliases):
            _by_alias[key] = command
        return handler

    return register


def lookup(name: str) -> Command | None:
    """The command called `name` or one of its aliases (no slash, any case)."""
    return _by_alias.get(name.lower())


def is_secret(text: str) -> bool:
    """Whether an input line runs a command whose arguments may be a password:
    a secret command, a message to NickServ, a raw PASS, OPER, REGISTER..."""
    if not text.startswith("/") or text.startswith("//"):
        return False
    name, _, rest = text[1:].partition(" ")
    command = lookup(name)
    if command is None:
        return False
    if command.name in ("msg", "query"):
        return _raw_is_secret(f"PRIVMSG {rest}")
    if command.name == "quote":
        return _raw_is_secret(rest)
    return command.secret


def _raw_is_secret(line: str) -> bool:
    words = line.split()
    # Past any tags and source: the command, then its target.
    while words and words[0][:1] in ("@", ":"):
        words.pop(0)
    if not words:
        return False
    verb = words[0].upper()
    to_nickserv = len(words) > 1 and words[1].lower() in _NICKSERV
    return verb in _SECRET_RAW_COMMANDS or (verb in ("PRIVMSG", "NOTICE", "SQUERY") and to_nickserv)


def command_names() -> list[str]:
    """Every command name, sorted, without aliases (for completion)."""
    return sorted(_commands)


async def execute(text: str, ctx: CommandContext) -> None:
    """Run one line from the input box; every problem ends in `ctx.show_error`."""
    if not text.strip():
        return
    if _LINE_BREAKS.intersection(text):
        # One submitted line is one IRC line; several lines come through paste.py.
        ctx.show_error("A line break cannot be sent inside one message; paste the lines instead.")
        return
    if not text.startswith("/") or text.startswith("//"):
        message = text[1:] if text.startswith("//") else text
        await _guarded(lambda: _say(message, ctx), ctx)
        return
    name, _, rest = text[1:].partition(" ")
    command = lookup(name)
    if command is None:
        ctx.show_error(_unknown(name))
        return
    rest = rest.strip()
    args = rest.split()

    async def run() -> None:
        try:
            await command.handler(args, rest, ctx)
        except UsageError:
            raise CommandError(f"Usage: {command.usage_line}") from None
        except NeedsRoomError:
            raise CommandError(
                f"/{command.name} needs a room: use it in one, or name it: {command.usage_line}"
            ) from None

    await _guarded(run, ctx)


async def _guarded(action: Callable[[], Awaitable[None]], ctx: CommandContext) -> None:
    try:
        await action()
    except CommandError as exc:
        ctx.show_error(str(exc))
    except (ConnectionError, OSError) as exc:
        ctx.show_error(f"Not connected to the server: {exc}")


def _unknown(name: str) -> str:
    close = difflib.get_close_matches(name.lower(), list(_by_alias), n=1)
    hint = f" Did you mean /{_by_alias[close[0]].name}?" if close else ""
    return f"Unknown command /{name}.{hint} Type /help for the list."


async def _say(text: str, ctx: CommandContext) -> None:
    target = ctx.current_target
    if target is None:
        raise CommandError(
            "This is the server window: /join #room to talk in a room,"
            " /msg <nick> <text> to talk to one person."
        )
    await ctx.session.send_message(target, text)


# ---------------------------------------------------------------- helpers


def _need(args: list[str], least: int, most: int | None = None) -> None:
    if len(args) < least or (most is not None and len(args) > most):
        raise UsageError()


def _current_room(ctx: CommandContext) -> str:
    target = ctx.current_target
    if target is None or not is_channel(target):
        raise NeedsRoomError()
    return target


def _room_and_args(args: list[str], ctx: CommandContext) -> tuple[str, list[str]]:
    """An explicit leading #room, else the current room; the remaining args."""
    if args and is_channel(args[0]):
        return args[0], args[1:]
    return _current_room(ctx), args


def _text_after(rest: str, count: int) -> str:
    """`rest` without its first `count` words: the free text part of a command."""
    parts = rest.split(maxsplit=count)
    return parts[count] if len(parts) > count else ""


def _as_room(name: str) -> str:
    return name if is_channel(name) else f"#{name}"


def _chunks(items: list[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _member(state: StateView, nick: str) -> MemberView | None:
    """`nick` in a room with us, else as last seen before they left one."""
    wanted = casefold(nick)
    for room in state.rooms.values():
        for member in room.members.values():
            if casefold(member.nick) == wanted:
                return member
    for member in state.left_members.values():
        if casefold(member.nick) == wanted:
            return member
    return None


def account_extban(isupport: Isupport) -> str | None:
    """The prefix of an account ban on this server (`~a:`, solanum's `$a:`), or None.

    From ISUPPORT `EXTBAN=<prefix>,<types>`: only when type `a` is listed.
    """
    prefix, _, types = isupport.tokens.get("EXTBAN", "").partition(",")
    return f"{prefix}a:" if "a" in types else None


def _is_mask(text: str) -> bool:
    return any(ch in text for ch in "!@*?:")


def ban_masks(nick_or_mask: str, state: StateView) -> list[str]:
    """What to list to ban someone; a mask passes through.

    A logged-in person: their account (when the server has an account
    extban) and their host, so logging out or coming back as a guest from
    the same address does not get round it. Otherwise `*!*@host` when the
    host is known, else `nick!*@*`.
    """
    if _is_mask(nick_or_mask):
        return [nick_or_mask]
    member = _member(state, nick_or_mask)
    extban = account_extban(state.isupport)
    masks = []
    if member is not None and member.account and extban:
        masks.append(extban + member.account)
    if member is not None and member.userhost and "@" in member.userhost:
        masks.append("*!*@" + member.userhost.rsplit("@", 1)[1])
    return masks or [f"{nick_or_mask}!*@*"]


def unban_masks(nick_or_mask: str, state: StateView) -> list[str]:
    """Every entry /ban could have made for a nick: it may have left, or logged out, since."""
    if _is_mask(nick_or_mask):
        return [nick_or_mask]
    masks = [f"{nick_or_mask}!*@*"]
    extban = account_extban(state.isupport)
    if extban:
        # Accounts are usually named after the nick that registered them.
        masks.append(extban + nick_or_mask)
    return list(dict.fromkeys([*masks, *ban_masks(nick_or_mask, state)]))


def _duration(text: str) -> str:
    """`text` if it is a duration (10m, 2h, 1d, 1h30m...), else a CommandError saying so."""
    if parse_duration(text) is None:
        raise CommandError(f"{text!r} is not a duration: use e.g. 30s, 10m, 2h, 1d or 1h30m")
    return text


# ---------------------------------------------------------------- talking


@_command("msg", "<nick|#room> <text>", "Send a message to someone or a room", ("m",))
async def _msg(args: list[str], rest: str, ctx: CommandContext) -> None:
    _need(args, 2)
    text = _text_after(rest, 1)
    if args[0].lower() in _NICKSERV:
        await _to_nickserv(args[0], text, ctx)
        return
    await ctx.session.send_message(args[0], text)


async def _to_nickserv(target: str, text: str, ctx: CommandContext) -> None:
    """IDENTIFY and REGISTER as our own login and REGISTER (SASL, no password on
    screen); other verbs with a password, or where the server cannot, go raw
    and are shown masked."""
    words = text.split()
    verb = words[0].upper()
    state = ctx.session.state
    if verb in _NICKSERV_LOGIN and len(words) > 1 and "sasl" in state.caps:
        # IDENTIFY <password> is the nick's account; IDENTIFY <account> <password...>.
        one = len(words) == 2
        ctx.log_in(None if one else words[1], words[1] if one else _text_after(text, 2))
        return
    registrable = ACCOUNT_REGISTRATION_CAP in state.offered_caps
    if verb == _NICKSERV_REGISTER and len(words) >= 2 and registrable:
        ctx.register_account(words[1])
        return
    if verb not in _NICKSERV_SECRET_VERBS or len(words) == 1:
        await ctx.session.send_message(target, text)
        return
    # Raw, not as a message: never drawn in a window with the password in it.
    await ctx.session.send_raw(f"PRIVMSG {target} :{text}")
    ctx.show_info(f"Sent to {target}: {words[0]} ********")


@_command("query", "<nick> [text]", "Open a private conversation", ("q",))
async def _query(args: list[str], rest: str, ctx: CommandContext) -> None:
    _need(args, 1)
    nick = args[0]
    if is_channel(nick):
        raise CommandError(f"{nick} is a room: use /join {nick}")
    ctx.open_query(nick)
    if len(args) > 1 and nick.lower() in _NICKSERV:
        await _to_nickserv(nick, _text_after(rest, 1), ctx)
    elif len(args) > 1:
        await ctx.session.send_message(nick, _text_after(rest, 1))


@_command("me", "<action>", "Describe what you are doing (/me waves)", ("action",))
async def _me(args: list[str], rest: str, ctx: CommandContext) -> None:
    _need(args, 1)
    target = ctx.current_target
    if target is None:
        raise CommandError("/me needs a room or a private conversation.")
    await ctx.session.send_action(target, rest)


@_command("notice", "<nick|#room> <text>", "Send a notice (no automatic replies expected)")
async def _notice(args: list[str], rest: str, ctx: CommandContext) -> None:
    _need(args, 2)
    await ctx.session.send_notice(args[0], _text_after(rest, 1))


# ---------------------------------------------------------------- rooms


@_command("join", "<#room>[,<#room>...] [key]", "Join a room (created if it is new)", ("j",))
async def _join(args: list[str], rest: str, ctx: CommandContext) -> None:
    _need(args, 1, 2)
    rooms = [_as_room(name) for name in args[0].split(",") if name]
    if not rooms:
        raise UsageError()
    key = args[1] if len(args) > 1 else None
    for room in rooms:
        await ctx.session.join(room, key)


@_command("part", "[#room] [reason]", "Leave a room", ("leave",))
async def _part(args: list[str], rest: str, ctx: CommandContext) -> None:
    room, _ = _room_and_args(args, ctx)
    skip = 1 if args and is_channel(args[0]) else 0
    await ctx.session.part(room, _text_after(rest, skip))


@_command("close", "", "Close this window: leave the room or close the conversation", ("wc",))
async def _close(args: list[str], rest: str, ctx: CommandContext) -> None:
    _need(args, 0, 0)
    target = ctx.current_target
    if target is None:
        raise CommandError("The server window cannot be closed; use /quit to leave.")
    if is_channel(target):
        await ctx.session.part(target, "")
    else:
        ctx.close_query(target)


@_command("topic", "[#room] [new topic]", "Show or change the room's topic", ("t",))
async def _topic(args: list[str], rest: str, ctx: CommandContext) -> None:
    room, words = _room_and_args(args, ctx)
    if not words:
        # TOPIC with no text asks the server; its reply arrives as an event.
        await ctx.session.send_raw(f"TOPIC {room}")
        return
    skip = 1 if args and is_channel(args[0]) else 0
    await ctx.session.set_topic(room, _text_after(rest, skip))


@_command("names", "[#room]", "List who is in the room", ("n",))
async def _names(args: list[str], rest: str, ctx: CommandContext) -> None:
    _need(args, 0, 1)
    room, _ = _room_and_args(args, ctx)
    await ctx.session.names(room)


@_command("list", "", "List the server's rooms")
async def _list(args: list[str], rest: str, ctx: CommandContext) -> None:
    _need(args, 0, 0)
    await ctx.session.list_rooms()


@_command("invite", "<nick> [#room]", "Invite someone to a room")
async def _invite(args: list[str], rest: str, ctx: CommandContext) -> None:
    _need(args, 1, 2)
    room = args[1] if len(args) > 1 else _current_room(ctx)
    if not is_channel(room):
        raise UsageError()
    await ctx.session.invite(args[0], room)


@_command("kick", "[#room] <nick> [reason]", "Remove someone from the room (operators)", ("k",))
async def _kick(args: list[str], rest: str, ctx: CommandContext) -> None:
    room, words = _room_and_args(args, ctx)
    _need(words, 1)
    skip = len(args) - len(words) + 1
    await ctx.session.kick(room, words[0], _text_after(rest, skip))


@_command(
    "ban",
    "[#room] <nick|mask> [duration]",
    "Ban someone (by account and address if logged in), for a while if given (operators)",
    ("b",),
)
async def _ban(args: list[str], rest: str, ctx: CommandContext) -> None:
    await _add_to_list("b", "TBAN", args, ctx)


@_command("unban", "[#room] <nick|mask>", "Lift a ban (operators)")
async def _unban(args: list[str], rest: str, ctx: CommandContext) -> None:
    await _remove_from_list("b", args, ctx)


@_command(
    "mute",
    "[#room] <nick|mask> [duration]",
    "Mute someone: they stay and read but cannot speak (operators; quiet list +q)",
)
async def _mute(args: list[str], rest: str, ctx: CommandContext) -> None:
    await _add_to_list("q", "TQUIET", args, ctx)


@_command("unmute", "[#room] <nick|mask>", "Let a muted person speak again (operators)")
async def _unmute(args: list[str], rest: str, ctx: CommandContext) -> None:
    await _remove_from_list("q", args, ctx)


async def _add_to_list(letter: str, timed: str, args: list[str], ctx: CommandContext) -> None:
    """+b/+q for good, or the server's timed command (TBAN, TQUIET) with a duration."""
    room, words = _room_and_args(args, ctx)
    _need(words, 1, 2)
    masks = ban_masks(words[0], ctx.session.state)
    if len(words) == 2:
        duration = _duration(words[1])
        for mask in masks:
            await ctx.session.send_raw(f"{timed} {room} {duration} {mask}")
    else:
        await _list_modes("+" + letter, room, masks, ctx)
    if len(masks) > 1:
        ctx.show_info(f"{words[0]} in {room}: by account and by address ({', '.join(masks)})")


async def _remove_from_list(letter: str, args: list[str], ctx: CommandContext) -> None:
    room, words = _room_and_args(args, ctx)
    _need(words, 1, 1)
    target, state = words[0], ctx.session.state
    masks = unban_masks(target, state)
    await _list_modes("-" + letter, room, masks, ctx)
    if len(masks) == 1:
        return
    noun = "ban" if letter == "b" else "mute"
    lifting = f"Lifting whatever of {', '.join(masks)} is listed in {room}"
    if _member(state, target) is None:
        # Never seen here: an entry on their address cannot be guessed.
        ctx.show_info(
            f"{lifting}; {target}'s address is unknown here, so an entry on it stays: "
            f"/{noun}list shows it, /un{noun} <mask> lifts it"
        )
    else:
        ctx.show_info(f"{lifting}; each one lifted is announced, /{noun}list shows the rest")


async def _list_modes(change: str, room: str, masks: list[str], ctx: CommandContext) -> None:
    """`MODE #room +bb m1 m2`: one change per mask, a few per line."""
    sign, letter = change[0], change[1]
    for batch in _chunks(masks, MODES_PER_LINE):
        await ctx.session.mode(room, sign + letter * len(batch), *batch)


@_command("banlist", "[#room]", "Show the room's bans")
async def _banlist(args: list[str], rest: str, ctx: CommandContext) -> None:
    _need(args, 0, 1)
    room, _ = _room_and_args(args, ctx)
    await ctx.session.mode(room, "b")


@_command("mutelist", "[#room]", "Show who is muted in the room")
async def _mutelist(args: list[str], rest: str, ctx: CommandContext) -> None:
    _need(args, 0, 1)
    room, _ = _room_and_args(args, ctx)
    await ctx.session.mode(room, "q")


async def _member_modes(change: str, args: list[str], ctx: CommandContext) -> None:
    room, nicks = _room_and_args(args, ctx)
    _need(nicks, 1)
    sign, letter = change[0], change[1]
    for batch in _chunks(nicks, MODES_PER_LINE):
        await ctx.session.mode(room, sign + letter * len(batch), *batch)


def _member_mode_command(name: str, change: str, help: str) -> None:
    async def handler(args: list[str], rest: str, ctx: CommandContext) -> None:
        await _member_modes(change, args, ctx)

    _command(name, "[#room] <nick> [nick...]", help)(handler)


_member_mode_command("op", "+o", "Make people room operators")
_member_mode_command("deop", "-o", "Take operator status away")
_member_mode_command("voice", "+v", "Let people speak in a moderated room")
_member_mode_command("devoice", "-v", "Take voice away")


@_command("mode", "[#room|nick] [+/-modes [args...]]", "Show or change modes")
async def _mode(args: list[str], rest: str, ctx: CommandContext) -> None:
    if args and args[0][0] not in "+-":
        target, changes = args[0], args[1:]
    else:
        target, changes = _current_room(ctx), args
    await ctx.session.mode(target, *changes)


@_command("kill", "<nick> [reason]", "Disconnect someone from the server (server operators)")
async def _kill(args: list[str], rest: str, ctx: CommandContext) -> None:
    _need(args, 1)
    await ctx.session.send_raw(f"KILL {args[0]} :{_text_after(rest, 1) or KILL_REASON}")


@_command(
    "uban",
    "add <ip|cidr|mask|account> [duration] [reason] | del <target> | list",
    "Ban from the whole server, by address, mask or account (server operators)",
)
async def _uban(args: list[str], rest: str, ctx: CommandContext) -> None:
    _need(args, 1)
    sub = args[0].lower()
    if sub == "list":
        _need(args, 1, 1)
        await ctx.session.send_raw("UBAN LIST")
    elif sub == "del":
        _need(args, 2, 2)
        await ctx.session.send_raw(f"UBAN DEL {_middle(args[1])}")
    elif sub == "add":
        _need(args, 2)
        line = f"UBAN ADD {_middle(args[1])}"
        skip = 2
        if len(args) > 2 and parse_duration(args[2]) is not None:
            line += f" DURATION {args[2]}"
            skip = 3
        reason = _text_after(rest, skip)
        await ctx.session.send_raw(f"{line} REASON :{reason}" if reason else line)
    else:
        raise UsageError()


def _middle(target: str) -> str:
    """A UBAN target fit for the middle of a line: `::1` would start the trailing part."""
    return "0" + target if target.startswith(":") else target


@_command(
    "ignore",
    "[nick|mask|~a:account]",
    "Hide someone's messages on this server, also next time; alone (or list), list them",
)
async def _ignore(args: list[str], rest: str, ctx: CommandContext) -> None:
    _need(args, 0, 1)
    if args and args[0].lower() != IGNORE_LIST:
        for entry in ignore_entries(args[0], ctx.session.state):
            await ctx.session.ignore(entry)
        return
    ignored = ctx.session.state.ignored
    ctx.show_info("Ignoring: " + ", ".join(ignored) if ignored else "You ignore nobody")


@_command("unignore", "<nick|mask|~a:account>", "Show someone's messages again")
async def _unignore(args: list[str], rest: str, ctx: CommandContext) -> None:
    _need(args, 1, 1)
    for entry in unignore_entries(args[0], ctx.session.state):
        await ctx.session.unignore(entry)


def ignore_entries(nick_or_mask: str, state: StateView) -> list[str]:
    """What /ignore hides; a mask or `~a:account` passes through.

    A nick by nick (the session follows its nick changes) and, when the
    person is logged in, by account too: a new nick or address does not
    bring them back.
    """
    if _is_mask(nick_or_mask):
        return [nick_or_mask]
    member = _member(state, nick_or_mask)
    entries = [nick_entry(nick_or_mask)]
    if member is not None and member.account:
        entries.insert(0, ACCOUNT_PREFIX + member.account)
    return entries


def unignore_entries(nick_or_mask: str, state: StateView) -> list[str]:
    """The entries /ignore could have made for a nick that are on the list.

    None listed: the nick's own entry, which the session reports as not ignored.
    """
    if _is_mask(nick_or_mask):
        return [nick_or_mask]
    made = [*ignore_entries(nick_or_mask, state), ACCOUNT_PREFIX + nick_or_mask]
    listed = {casefold(entry) for entry in state.ignored}
    found = [entry for entry in dict.fromkeys(made) if casefold(entry) in listed]
    return found or [nick_entry(nick_or_mask)]


# ---------------------------------------------------------------- you


@_command("nick", "<new nick>", "Change your name")
async def _nick(args: list[str], rest: str, ctx: CommandContext) -> None:
    _need(args, 1, 1)
    await ctx.session.set_nick(args[0])


@_command("away", "[message]", "Mark yourself away")
async def _away(args: list[str], rest: str, ctx: CommandContext) -> None:
    await ctx.session.set_away(rest or DEFAULT_AWAY_MESSAGE)


@_command("back", "", "Mark yourself back")
async def _back(args: list[str], rest: str, ctx: CommandContext) -> None:
    _need(args, 0, 0)
    await ctx.session.set_away(None)


@_command("whois", "<nick>", "Show who someone is", ("wi",))
async def _whois(args: list[str], rest: str, ctx: CommandContext) -> None:
    _need(args, 1, 1)
    await ctx.session.whois(args[0])


@_command(
    "register",
    "[password]",
    "Register your nick as an account so it stays yours; 'never' stops the reminder",
    secret=True,
)
async def _register(args: list[str], rest: str, ctx: CommandContext) -> None:
    if rest.lower() == REGISTER_HINT_OFF:
        ctx.stop_register_hint()
        return
    ctx.register_account(rest or None)


@_command("login", "[account]", "Log in to your account (asks for the password)", secret=True)
async def _login(args: list[str], rest: str, ctx: CommandContext) -> None:
    _need(args, 0, 1)
    ctx.log_in(args[0] if args else None)


@_command(
    "password",
    "<current|*> <new>",
    "Change your account's password (* when it has none, as the host's)",
    ("passwd",),
    secret=True,
)
async def _password(args: list[str], rest: str, ctx: CommandContext) -> None:
    _need(args, 2, 2)
    # NS, not PRIVMSG NickServ: no echo-message copy of a password comes back.
    await ctx.session.send_raw(f"NS PASSWD {args[0]} {args[1]}")


# /account subcommand -> (NickServ command, least and most arguments).
_ACCOUNT_SUBCOMMANDS = {
    "info": ("INFO", 0, 1),
    "list": ("LIST", 0, 1),
    "reset": ("SAPASSWD", 2, None),
    "register": ("SAREGISTER", 2, None),
}


@_command(
    "account",
    "<info|list|drop|reset|register> [name] [password]",
    "Account tools: info, drop <name> <password> for yours; any name (server operators)",
    secret=True,
)
async def _account(args: list[str], rest: str, ctx: CommandContext) -> None:
    _need(args, 1)
    sub, words = args[0].lower(), args[1:]
    if sub == "drop":
        _need(words, 1)
        # With your password it drops your own account; without, an operator's SADROP.
        password = _text_after(rest, 2)
        line = f"DROP {words[0]} {password}" if password else f"SADROP {words[0]}"
    elif sub in _ACCOUNT_SUBCOMMANDS:
        nickserv, least, most = _ACCOUNT_SUBCOMMANDS[sub]
        _need(words, least, most)
        line = " ".join((nickserv, *words[:1], _text_after(rest, 2))).rstrip()
    else:
        raise UsageError()
    await ctx.session.send_raw(f"NS {line}")


@_command("quote", "<raw IRC line>", "Send a line to the server as it is", ("raw",))
async def _quote(args: list[str], rest: str, ctx: CommandContext) -> None:
    _need(args, 1)
    await ctx.session.send_raw(rest)


# ---------------------------------------------------------------- the app


@_command("clear", "", "Empty this window", ("cls",))
async def _clear(args: list[str], rest: str, ctx: CommandContext) -> None:
    _need(args, 0, 0)
    ctx.clear()


@_command("help", "[command]", "List the commands, or explain one", ("h", "?"))
async def _help(args: list[str], rest: str, ctx: CommandContext) -> None:
    _need(args, 0, 1)
    if not args:
        ctx.show_help()
        return
    command = lookup(args[0].lstrip("/"))
    if command is None:
        raise CommandError(_unknown(args[0].lstrip("/")))
    ctx.show_info(f"{command.usage_line}: {command.help}{_alias_note(command.aliases)}")


def _alias_note(aliases: Iterable[str]) -> str:
    names = ", ".join(f"/{alias}" for alias in aliases)
    return f" (also {names})" if names else ""


@_command("quit", "[message]", "Leave the server and close tui-chat", ("exit",))
async def _quit(args: list[str], rest: str, ctx: CommandContext) -> None:
    ctx.request_quit(rest)
