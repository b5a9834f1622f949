"""Connection registration and upkeep: CAP, PASS, NICK, USER, PING, PONG, QUIT.

Registration completes once NICK and USER arrived, CAP negotiation (if
started) ended, the server password (if any) matched and no password of
the client's is still being checked (SASL, REGISTER). Then the welcome
burst goes out (001-005, LUSERS, MOTD) and, with a default room configured,
the user joins it like any JOIN.

Nick ownership (with accounts): a registered nick belongs to its account.
A connection that completes registration with one it is not logged in to
is renamed to a guest nick (`GUEST_NICK_TEMPLATE`) and told why and how to
log in; NICK to someone else's registered nick gets 433 saying so. A
logged-in owner's NICK to its own nick takes it back from whoever holds it
without being logged in to it (that holder becomes a guest); another
session of the same account keeps it (433).
"""

from __future__ import annotations

import hmac
import secrets
import string
import sys
from typing import TYPE_CHECKING

from tui_chat.irc.casemap import casefold, valid_nick
from tui_chat.irc.message import Message
from tui_chat.irc.numbers import parse_decimal
from tui_chat.irc.numerics import (
    ERR_ALREADYREGISTERED,
    ERR_BANNICKCHANGE,
    ERR_ERRONEUSNICKNAME,
    ERR_INVALIDCAPCMD,
    ERR_NEEDMOREPARAMS,
    ERR_NICKNAMEINUSE,
    ERR_NONICKNAMEGIVEN,
    ERR_PASSWDMISMATCH,
    RPL_CREATED,
    RPL_MYINFO,
    RPL_WELCOME,
    RPL_YOURHOST,
)
from tui_chat.server import caps
from tui_chat.server.core import VERSION, iso_time, log
from tui_chat.server.handlers import command
from tui_chat.server.handlers.channels import join_channel
from tui_chat.server.handlers.chathistory import record_event
from tui_chat.server.handlers.nickserv import is_service
from tui_chat.server.handlers.sasl import abort_on_registration
from tui_chat.server.handlers.server_info import (
    send_cached,
    send_isupport,
    send_lusers_cached,
    send_motd,
)
from tui_chat.server.moderation.checks import nick_change_refusal
from tui_chat.server.state import (
    FLAG_MODES,
    LIST_MODES,
    PARAM_MODES,
    SET_PARAM_MODES,
    USER_MODES,
    WhowasEntry,
)

if TYPE_CHECKING:
    from tui_chat.server.accounts import Account
    from tui_chat.server.core import ServerCore
    from tui_chat.server.state import Client


USERNAME_CHARS = frozenset(string.ascii_letters + string.digits + "-_.[]{}|^`")
# The username of a client whose USER held none of those characters.
DEFAULT_USERNAME = "user"
# The nick given to a connection that registered with someone else's
# registered nick: "Guest" and a random number below GUEST_NICK_NUMBERS.
GUEST_NICK_TEMPLATE = "Guest{number}"
GUEST_NICK_NUMBERS = 100_000
GUEST_NICK_PREFIX = GUEST_NICK_TEMPLATE.partition("{")[0]
BANNED_NICK_CHANGE_TEXT = "Cannot change nickname while banned or muted on channel"
NICK_OWNED_TEXT = "Nickname is registered to an account; log in to that account to use it"


@command("CAP", min_params=1, registered=False)
def cap(core: ServerCore, client: Client, msg: Message) -> None:
    sub = msg.params[0].upper()
    server = core.config.server_name
    if sub == "LS":
        if not client.registered:
            client.cap_negotiating = True
        version = msg.param(1)
        client.cap_version = max(client.cap_version, parse_decimal(version) or 0)
        if client.cap_version >= 302:
            client.caps = caps.shared(client.caps | {caps.CAP_NOTIFY})
        offered = caps.ls_tokens(core.history is not None, core.cap_values, client.cap_version)
        core.send(client, Message("CAP", [client.nick, "LS", " ".join(offered)], server))
    elif sub == "LIST":
        core.send(
            client, Message("CAP", [client.nick, "LIST", " ".join(sorted(client.caps))], server)
        )
    elif sub == "REQ":
        if len(msg.params) < 2:
            core.reply(client, ERR_NEEDMOREPARAMS, "CAP")
            return
        if not client.registered:
            client.cap_negotiating = True
        _cap_req(core, client, msg.params[1])
    elif sub == "END":
        if client.cap_negotiating and not client.registered:
            client.cap_negotiating = False
            try_register(core, client)
    else:
        core.reply(client, ERR_INVALIDCAPCMD, msg.params[0])


def _cap_req(core: ServerCore, client: Client, requested: str) -> None:
    """All or nothing, as the spec says: any unknown capability NAKs the lot."""
    adds: set[str] = set()
    removes: set[str] = set()
    offered = caps.offered(core.history is not None)
    for token in requested.split():
        name = token[1:] if token.startswith("-") else token
        if name not in offered:
            adds = removes = set()
            verdict = "NAK"
            break
        (removes if token.startswith("-") else adds).add(name)
    else:
        verdict = "ACK"
    if verdict == "ACK":
        client.caps = caps.shared((client.caps | adds) - removes)
        client.form = caps.form_of(client.caps)
    core.send(client, Message("CAP", [client.nick, verdict, requested], core.config.server_name))


@command("PASS", min_params=1, registered=False)
def pass_(core: ServerCore, client: Client, msg: Message) -> None:
    if client.registered:
        core.reply(client, ERR_ALREADYREGISTERED)
        return
    password = core.config.password
    client.pass_ok = password is not None and msg.params[0] == password
    key = core.config.host_key
    if key is not None and hmac.compare_digest(msg.params[0].encode(), key.encode()):
        # The host's own app (handlers/host_account.py); it passes any server password.
        client.pass_ok = True
        if core.accounts is not None:
            core.accounts.host_connections.setdefault(client, None)


@command("NICK", registered=False)
def nick(core: ServerCore, client: Client, msg: Message) -> None:
    if not msg.params or not msg.params[0]:
        core.reply(client, ERR_NONICKNAMEGIVEN)
        return
    new = msg.params[0]
    if not valid_nick(new, core.config.nicklen):
        core.reply(client, ERR_ERRONEUSNICKNAME, new)
        return
    if is_service(new):
        core.reply(client, ERR_ERRONEUSNICKNAME, new, text="Reserved for the server's NickServ")
        return
    if not client.registered and core.accounts is not None:
        _remember_host_nick(core, client, new)
    folded = casefold(new)
    if folded == new:
        # Most nicks are already folded: then nick and key share one string.
        folded = new
    if client.registered and owned_by_other(core, client, new) is not None:
        # Before registration it may still log in; try_register decides then.
        core.reply(client, ERR_NICKNAMEINUSE, new, text=NICK_OWNED_TEXT)
        return
    banned = core.moderation.nick_refusal(client, new, core.clock()) if client.registered else None
    if banned is not None:
        # A server ban on `new!*@*` (UBAN), checked at connect, holds for NICK too.
        core.reply(client, ERR_ERRONEUSNICKNAME, new, text=banned)
        return
    stuck_in = nick_change_refusal(client) if client.registered and new != client.nick else None
    if stuck_in is not None:
        # A muted user would otherwise speak again under a name the list misses.
        core.reply(client, ERR_BANNICKCHANGE, new, stuck_in.name, text=BANNED_NICK_CHANGE_TEXT)
        return
    holder = core.nicks.get(folded)
    if holder is not None and holder is not client and not _reclaim(core, client, holder, folded):
        core.reply(client, ERR_NICKNAMEINUSE, new)
        return
    if new == client.nick:
        return
    change_nick(core, client, new, folded)
    if not client.registered:
        try_register(core, client)


def _remember_host_nick(core: ServerCore, client: Client, nick: str) -> None:
    """The host's nick is the first it asks for, even if someone holds it (433)."""
    hosts = core.accounts.host_connections if core.accounts is not None else {}
    if client in hosts and hosts[client] is None:
        hosts[client] = nick


def change_nick(core: ServerCore, client: Client, new: str, folded: str) -> None:
    """Give `client` the nick `new` (free, valid); a registered client's peers see NICK."""
    if client.registered:
        out = Message("NICK", [new], client.source)
        core.relay(core.members_and_self(client), out)
        record_event(core, client.channels.values(), out, client.account)
        core.whowas.add(
            WhowasEntry(
                client.nick,
                client.user,
                client.host,
                client.realname,
                core.config.server_name,
                core.clock(),
            )
        )
        log.info("nick %s -> %s", client.nick, new)
    if client.folded and core.nicks.get(client.folded) is client:
        del core.nicks[client.folded]
    client.nick, client.folded = new, folded
    core.nicks[folded] = client


def owned_by_other(core: ServerCore, client: Client, nick: str) -> Account | None:
    """The account `nick` is registered to, unless `client` is logged in to it."""
    accounts = core.accounts
    account = accounts.find(nick) if accounts is not None else None
    if account is None or _logged_in_to(client, account.name):
        return None
    return account


def _logged_in_to(client: Client, name: str) -> bool:
    return client.account is not None and casefold(client.account) == casefold(name)


def _reclaim(core: ServerCore, client: Client, holder: Client, folded: str) -> bool:
    """Whether `client`, the nick's logged-in owner, took it from `holder` (now a guest)."""
    accounts = core.accounts
    account = accounts.find(folded) if accounts is not None else None
    if account is None or not client.registered or not _logged_in_to(client, account.name):
        return False  # only a registered nick is taken back, and only by its owner
    if _logged_in_to(holder, account.name):
        return False
    guest = guest_nick(core)
    old = holder.nick
    change_nick(core, holder, guest, casefold(guest))
    core.notice(holder, f"The nick {old} was taken back by its owner; you are now {guest}")
    log.info("nick %s taken back from %s by its owner", old, holder.host)
    return True


def is_guest_nick(nick: str) -> bool:
    """Whether `nick` has the shape of a guest nick ("Guest" and digits, any case).

    Such a name is temporary by design, so it can never be an account.
    """
    prefix, digits = nick[: len(GUEST_NICK_PREFIX)], nick[len(GUEST_NICK_PREFIX) :]
    return casefold(prefix) == casefold(GUEST_NICK_PREFIX) and digits.isascii() and digits.isdigit()


def guest_nick(core: ServerCore) -> str:
    """A free nick no account owns."""
    accounts = core.accounts
    while True:
        nick = GUEST_NICK_TEMPLATE.format(number=secrets.randbelow(GUEST_NICK_NUMBERS))
        if casefold(nick) not in core.nicks and (accounts is None or not accounts.taken(nick)):
            return nick


@command("USER", min_params=4, registered=False)
def user(core: ServerCore, client: Client, msg: Message) -> None:
    if client.registered or client.user:
        core.reply(client, ERR_ALREADYREGISTERED)
        return
    # Only characters that cannot blur `nick!user@host`; the rest are dropped.
    username = "".join(ch for ch in msg.params[0] if ch in USERNAME_CHARS)
    # The ident prefix "~" says: not checked with an identd.
    client.user = "~" + (username or DEFAULT_USERNAME)[: core.config.userlen - 1]
    # Interned: web and bot clients often send one fixed realname, and then a
    # shared string saves ~50 bytes of every idle connection (the benchmark's
    # clients all send one too: docs/benchmarks.md gives both figures).
    client.realname = sys.intern(msg.params[3][: core.config.realnamelen] or client.nick)
    try_register(core, client)


@command("PING", min_params=1, registered=False)
def ping(core: ServerCore, client: Client, msg: Message) -> None:
    server = core.config.server_name
    core.send(client, Message("PONG", [server, msg.params[0]], server))


@command("PONG", registered=False)
def pong(core: ServerCore, client: Client, msg: Message) -> None:
    # Any line already counts as activity; a PONG needs nothing more.
    return


@command("QUIT", registered=False)
def quit_(core: ServerCore, client: Client, msg: Message) -> None:
    reason = msg.param(0)
    quit_reason = f"Quit: {reason}" if reason else "Quit"
    log.info("quit %s: %s", client.nick, quit_reason)
    core.disconnect(client, quit_reason, quit_reason)


def try_register(core: ServerCore, client: Client) -> None:
    if client.registered or client.cap_negotiating or not client.folded or not client.user:
        return
    cfg = core.config
    if cfg.password is not None and not client.pass_ok:
        core.reply(client, ERR_PASSWDMISMATCH)
        core.disconnect(client, "Bad password")
        return
    if core.moderation.refuse(core, client):
        return  # a server ban (UBAN) on its mask or account
    if not abort_on_registration(core, client):
        return  # a password is being checked; its result calls us again
    if core.accounts is not None and client in core.accounts.host_connections:
        # Imported here: host_account imports this module (through account_admin).
        from tui_chat.server.handlers.host_account import claim_host_nick

        if not claim_host_nick(core, client):
            return  # the host's account is being stored; that calls us again
    owned = owned_by_other(core, client, client.nick)
    if owned is not None:
        guest = guest_nick(core)
        change_nick(core, client, guest, casefold(guest))
    core.mark_registered(client)
    # The line that completed registration was just stamped: sharing its time
    # saves a float per idle client.
    client.last_message = client.last_activity
    log.info("registered %s (%s)", client.nick, client.source)
    core.reply(
        client, RPL_WELCOME, text=f"Welcome to the {cfg.network} IRC Network {client.source}"
    )
    send_cached(core, client, send_server_intro)
    send_lusers_cached(core, client)
    send_cached(core, client, send_motd)
    if owned is not None:
        core.notice(
            client,
            f"The nick {owned.name} is registered to an account, so you are {client.nick}."
            f" If it is yours, log in: SASL in your client's settings, or"
            f" /msg NickServ identify {owned.name} <password>; then /nick {owned.name}",
        )
    told = core.accounts.after_welcome.pop(client, None) if core.accounts is not None else None
    if told is not None:
        core.notice(client, told)
    if cfg.default_room:
        join_channel(core, client, cfg.default_room, None)


def send_server_intro(core: ServerCore, client: Client) -> None:
    """002-005: the server's name, version, start and features."""
    cfg = core.config
    core.reply(
        client, RPL_YOURHOST, text=f"Your host is {cfg.server_name}, running version {VERSION}"
    )
    core.reply(client, RPL_CREATED, text=f"This server was created {iso_time(core.started)}")
    with_param = LIST_MODES + PARAM_MODES + SET_PARAM_MODES + "ov"
    chanmodes = "".join(sorted(with_param + FLAG_MODES))
    core.reply(client, RPL_MYINFO, cfg.server_name, VERSION, USER_MODES, chanmodes, text=with_param)
    send_isupport(core, client)
