"""Connection registration and upkeep: CAP, PASS, NICK, USER, PING, PONG, QUIT.

Registration completes once NICK and USER arrived, CAP negotiation (if
started) ended and the server password (if any) matched. Then the welcome
burst goes out (001-005, LUSERS, MOTD) and, with a default room configured,
the user joins it like any JOIN.
"""

from __future__ import annotations

import string
from typing import TYPE_CHECKING

from tui_chat.irc.casemap import casefold, valid_nick
from tui_chat.irc.message import Message
from tui_chat.irc.numerics import (
    ERR_ALREADYREGISTERED,
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
from tui_chat.server.handlers.server_info import (
    send_cached,
    send_isupport,
    send_lusers,
    send_motd,
)
from tui_chat.server.state import (
    FLAG_MODES,
    LIST_MODES,
    PARAM_MODES,
    SET_PARAM_MODES,
    USER_MODES,
    WhowasEntry,
)

if TYPE_CHECKING:
    from tui_chat.server.core import ServerCore
    from tui_chat.server.state import Client


USERNAME_CHARS = frozenset(string.ascii_letters + string.digits + "-_.[]{}|^`")
# The username of a client whose USER held none of those characters.
DEFAULT_USERNAME = "user"


@command("CAP", min_params=1, registered=False)
def cap(core: ServerCore, client: Client, msg: Message) -> None:
    sub = msg.params[0].upper()
    server = core.config.server_name
    if sub == "LS":
        if not client.registered:
            client.cap_negotiating = True
        version = msg.param(1)
        client.cap_version = max(client.cap_version, int(version) if version.isdigit() else 0)
        if client.cap_version >= 302:
            client.caps = caps.shared(client.caps | {caps.CAP_NOTIFY})
        offered = caps.ls_tokens(core.history is not None)
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


@command("NICK", registered=False)
def nick(core: ServerCore, client: Client, msg: Message) -> None:
    if not msg.params or not msg.params[0]:
        core.reply(client, ERR_NONICKNAMEGIVEN)
        return
    new = msg.params[0]
    if not valid_nick(new, core.config.nicklen):
        core.reply(client, ERR_ERRONEUSNICKNAME, new)
        return
    folded = casefold(new)
    if folded == new:
        # Most nicks are already folded: then nick and key share one string.
        folded = new
    holder = core.nicks.get(folded)
    if holder is not None and holder is not client:
        core.reply(client, ERR_NICKNAMEINUSE, new)
        return
    if new == client.nick:
        return
    if client.registered:
        core.relay(core.members_and_self(client), Message("NICK", [new], client.source))
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
    if not client.registered:
        try_register(core, client)


@command("USER", min_params=4, registered=False)
def user(core: ServerCore, client: Client, msg: Message) -> None:
    if client.registered or client.user:
        core.reply(client, ERR_ALREADYREGISTERED)
        return
    # Only characters that cannot blur `nick!user@host`; the rest are dropped.
    username = "".join(ch for ch in msg.params[0] if ch in USERNAME_CHARS)
    # The ident prefix "~" says: not checked with an identd.
    client.user = "~" + (username or DEFAULT_USERNAME)[: core.config.userlen - 1]
    client.realname = msg.params[3][: core.config.realnamelen] or client.nick
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
    core.mark_registered(client)
    client.last_message = core.clock()
    log.info("registered %s (%s)", client.nick, client.source)
    core.reply(
        client, RPL_WELCOME, text=f"Welcome to the {cfg.network} IRC Network {client.source}"
    )
    send_cached(core, client, send_server_intro)
    # LUSERS counts change with every connection: built per client.
    send_lusers(core, client)
    send_cached(core, client, send_motd)
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
