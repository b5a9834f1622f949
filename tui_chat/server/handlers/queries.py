"""Who is who: WHO (with WHOX `%fields`), WHOIS, WHOWAS.

A logged-in user's account shows in WHOIS (330) and WHOX `%a` ("0" for none).

Users with +i are shown to others only when they share a channel. A WHO
answers at most `config.max_query_replies` users.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tui_chat.irc.casemap import is_channel
from tui_chat.irc.masks import match_mask
from tui_chat.irc.message import Message
from tui_chat.irc.numbers import parse_decimal
from tui_chat.irc.numerics import (
    ERR_NOSUCHNICK,
    ERR_WASNOSUCHNICK,
    RPL_AWAY,
    RPL_ENDOFWHO,
    RPL_ENDOFWHOIS,
    RPL_ENDOFWHOWAS,
    RPL_WHOISACCOUNT,
    RPL_WHOISCHANNELS,
    RPL_WHOISIDLE,
    RPL_WHOISOPERATOR,
    RPL_WHOISSECURE,
    RPL_WHOISSERVER,
    RPL_WHOISUSER,
    RPL_WHOREPLY,
    RPL_WHOSPCRPL,
    RPL_WHOWASUSER,
)
from tui_chat.server import caps
from tui_chat.server.handlers import command
from tui_chat.server.handlers.channels import can_see

if TYPE_CHECKING:
    from tui_chat.server.core import ServerCore
    from tui_chat.server.state import Channel, Client

# WHOX fields in the order their values appear in a 354 reply.
WHOX_FIELDS = "tcuihsnfdlaor"
# A WHOX query token is digits only, at most three of them (the WHOX spec).
WHOX_TOKEN_LEN = 3
SERVER_INFO = "tui-chat server"


def shares_channel(a: Client, b: Client) -> bool:
    return not a.channels.keys().isdisjoint(b.channels.keys())


def visible(viewer: Client, user: Client) -> bool:
    return "i" not in user.modes or viewer is user or viewer.is_oper or shares_channel(viewer, user)


def who_flags(client: Client, user: Client, channel: Channel | None) -> str:
    flags = "G" if user.away is not None else "H"
    if user.is_oper:
        flags += "*"
    if channel is not None:
        flags += channel.prefix(user, caps.MULTI_PREFIX in client.caps)
    return flags


def who_targets(core: ServerCore, client: Client, mask: str) -> tuple[Channel | None, list[Client]]:
    if is_channel(mask):
        channel = core.find_channel(mask)
        if channel is None or not (can_see(channel, client) or client.is_oper):
            return None, []
        return channel, list(channel.members)
    exact = core.find_client(mask)
    if exact is not None:
        return None, [exact]
    everyone = mask in ("", "0", "*")
    users = [
        c
        for c in core.clients
        if c.registered
        and visible(client, c)
        and (everyone or match_mask(mask, c.nick) or match_mask(mask, c.source))
    ]
    return None, users


def whox_values(
    core: ServerCore, client: Client, user: Client, channel: Channel | None, fields: str, token: str
) -> list[str]:
    values = {
        "t": token or "0",
        "c": channel.name if channel else "*",
        "u": user.user,
        "i": user.host,
        "h": user.host,
        "s": core.config.server_name,
        "n": user.nick,
        "f": who_flags(client, user, channel),
        "d": "0",
        "l": str(int(core.clock() - user.last_message)),
        "a": user.account or "0",
        "o": "n/a",
        "r": user.realname,
    }
    return [values[f] for f in WHOX_FIELDS if f in fields]


@command("WHO")
def who(core: ServerCore, client: Client, msg: Message) -> None:
    mask = msg.param(0, "*")
    whox = msg.param(1)
    fields, token = "", ""
    if whox.startswith("%"):
        fields, _, token = whox[1:].partition(",")
        if parse_decimal(token, 10**WHOX_TOKEN_LEN - 1) is None:
            token = ""
    channel, users = who_targets(core, client, mask)
    for user in users[: core.config.max_query_replies]:
        if fields:
            values = whox_values(core, client, user, channel, fields, token)
            realname = values.pop() if "r" in fields else None
            core.reply(client, RPL_WHOSPCRPL, *values, text=realname)
            continue
        common = channel or next(iter(user.channels.values()), None)
        core.reply(
            client,
            RPL_WHOREPLY,
            common.name if common else "*",
            user.user,
            user.host,
            core.config.server_name,
            user.nick,
            who_flags(client, user, channel),
            text=f"0 {user.realname}",
        )
    core.reply(client, RPL_ENDOFWHO, mask)


@command("WHOIS", min_params=1)
def whois(core: ServerCore, client: Client, msg: Message) -> None:
    nick = msg.params[-1]
    user = core.find_client(nick)
    if user is None:
        core.reply(client, ERR_NOSUCHNICK, nick)
        core.reply(client, RPL_ENDOFWHOIS, nick)
        return
    cfg = core.config
    core.reply(client, RPL_WHOISUSER, user.nick, user.user, user.host, "*", text=user.realname)
    multi = caps.MULTI_PREFIX in client.caps
    channels = [
        ch.prefix(user, multi) + ch.name for ch in user.channels.values() if can_see(ch, client)
    ]
    if channels:
        core.reply(client, RPL_WHOISCHANNELS, user.nick, text=" ".join(channels))
    core.reply(client, RPL_WHOISSERVER, user.nick, cfg.server_name, text=SERVER_INFO)
    if user.away is not None:
        core.reply(client, RPL_AWAY, user.nick, text=user.away)
    if user.is_oper:
        core.reply(client, RPL_WHOISOPERATOR, user.nick)
    if user.tls:
        core.reply(client, RPL_WHOISSECURE, user.nick)
    if user.account is not None:
        core.reply(client, RPL_WHOISACCOUNT, user.nick, user.account)
    idle = int(core.clock() - user.last_message)
    core.reply(
        client,
        RPL_WHOISIDLE,
        user.nick,
        str(idle),
        str(int(user.connected_at)),
        text="seconds idle, signon time",
    )
    core.reply(client, RPL_ENDOFWHOIS, user.nick)


@command("WHOWAS", min_params=1)
def whowas(core: ServerCore, client: Client, msg: Message) -> None:
    nick = msg.params[0]
    wanted = msg.param(1)
    entries = core.whowas.lookup(nick, parse_decimal(wanted) or 0)
    if not entries:
        core.reply(client, ERR_WASNOSUCHNICK, nick)
    for entry in entries:
        core.reply(
            client, RPL_WHOWASUSER, entry.nick, entry.user, entry.host, "*", text=entry.realname
        )
        core.reply(client, RPL_WHOISSERVER, entry.nick, entry.server, text=SERVER_INFO)
    core.reply(client, RPL_ENDOFWHOWAS, nick)
