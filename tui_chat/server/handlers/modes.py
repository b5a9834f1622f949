"""MODE for users (+i, -o) and channels (+o +v +b +i +k +l +m +n +t +s).

A channel MODE applies what it can, in order, and announces the applied
changes once, as one MODE line; every change it cannot apply gets its own
error numeric. Changes taking a parameter are capped at `config.modes` per
command (ISUPPORT MODES).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tui_chat.irc.casemap import is_channel
from tui_chat.irc.masks import canonical_mask
from tui_chat.irc.message import Message
from tui_chat.irc.numerics import (
    ERR_BANLISTFULL,
    ERR_CHANOPRIVSNEEDED,
    ERR_INVALIDKEY,
    ERR_INVALIDMODEPARAM,
    ERR_NOSUCHCHANNEL,
    ERR_NOSUCHNICK,
    ERR_UMODEUNKNOWNFLAG,
    ERR_UNKNOWNMODE,
    ERR_USERNOTINCHANNEL,
    ERR_USERSDONTMATCH,
    RPL_BANLIST,
    RPL_CHANNELMODEIS,
    RPL_CREATIONTIME,
    RPL_ENDOFBANLIST,
    RPL_UMODEIS,
)
from tui_chat.server.core import log
from tui_chat.server.handlers import command
from tui_chat.server.state import FLAG_MODES, PREFIXES, Channel

if TYPE_CHECKING:
    from tui_chat.server.core import ServerCore
    from tui_chat.server.state import Client

PREFIX_MODES = "".join(mode for mode, _ in PREFIXES)
# Modes whose change needs a parameter, by sign.
_TAKES_PARAM = {"+": "bklov", "-": "bkov"}

Change = tuple[str, str, str | None]


@command("MODE", min_params=1)
def mode(core: ServerCore, client: Client, msg: Message) -> None:
    target = msg.params[0]
    if is_channel(target):
        channel = core.find_channel(target)
        if channel is None:
            core.reply(client, ERR_NOSUCHCHANNEL, target)
        elif len(msg.params) == 1:
            show_channel_modes(core, client, channel)
        else:
            change_channel_modes(core, client, channel, msg.params[1], msg.params[2:])
        return
    user = core.find_client(target)
    if user is None:
        core.reply(client, ERR_NOSUCHNICK, target)
    elif user is not client:
        core.reply(client, ERR_USERSDONTMATCH)
    elif len(msg.params) == 1:
        core.reply(client, RPL_UMODEIS, "+" + "".join(sorted(client.modes)))
    else:
        change_user_modes(core, client, msg.params[1])


def show_channel_modes(core: ServerCore, client: Client, channel: Channel) -> None:
    letters, params = channel.mode_string(show_key=client in channel.members)
    core.reply(client, RPL_CHANNELMODEIS, channel.name, letters, *params, text=None)
    core.reply(client, RPL_CREATIONTIME, channel.name, text=str(int(channel.created)))


def change_user_modes(core: ServerCore, client: Client, modestring: str) -> None:
    applied: list[Change] = []
    sign = "+"
    unknown = False
    for letter in modestring:
        if letter in "+-":
            sign = letter
        elif letter == "i":
            if core.set_user_mode(client, "i", sign == "+"):
                applied.append((sign, "i", None))
        elif letter == "o":
            # Operator status comes from OPER only; dropping it is always allowed.
            if sign == "-" and core.set_user_mode(client, "o", False):
                applied.append(("-", "o", None))
        else:
            unknown = True
    if unknown:
        core.reply(client, ERR_UMODEUNKNOWNFLAG)
    if applied:
        modes, _ = format_changes(applied)
        core.send(client, Message("MODE", [client.nick, modes], client.source))


def format_changes(changes: list[Change]) -> tuple[str, list[str]]:
    """`[("+", "o", "bob"), ("+", "t", None)]` -> `("+ot", ["bob"])`."""
    out: list[str] = []
    params: list[str] = []
    sign = ""
    for change_sign, letter, param in changes:
        if change_sign != sign:
            out.append(change_sign)
            sign = change_sign
        out.append(letter)
        if param is not None:
            params.append(param)
    return "".join(out), params


def change_channel_modes(
    core: ServerCore, client: Client, channel: Channel, modestring: str, args: list[str]
) -> None:
    is_op = channel.is_op(client) or client.is_oper
    pending = iter(args)
    applied: list[Change] = []
    with_param = 0
    denied = False
    sign = "+"
    for letter in modestring:
        if letter in "+-":
            sign = letter
            continue
        if letter not in PREFIX_MODES + FLAG_MODES + "bkl":
            core.reply(
                client,
                ERR_UNKNOWNMODE,
                letter,
                text=f"is unknown mode char to me for {channel.name}",
            )
            continue
        param = next(pending, None) if letter in _TAKES_PARAM[sign] else None
        if letter == "b" and param is None:
            send_ban_list(core, client, channel)
            continue
        if letter in _TAKES_PARAM[sign] and param is None and letter != "k":
            continue
        if not is_op:
            denied = True
            continue
        if param is not None:
            with_param += 1
            if with_param > core.config.modes:
                continue
        change = apply_channel_mode(core, client, channel, sign, letter, param)
        if change is not None:
            applied.append(change)
    if denied:
        core.reply(client, ERR_CHANOPRIVSNEEDED, channel.name)
    if applied:
        modes, params = format_changes(applied)
        log.info("mode %s %s by %s", channel.name, " ".join([modes, *params]), client.nick)
        core.relay(
            list(channel.members), Message("MODE", [channel.name, modes, *params], client.source)
        )


def apply_channel_mode(
    core: ServerCore, client: Client, channel: Channel, sign: str, letter: str, param: str | None
) -> Change | None:
    """Apply one change; the change as announced, or None if nothing changed."""
    adding = sign == "+"
    if letter in FLAG_MODES:
        if adding == (letter in channel.modes):
            return None
        (channel.modes.add if adding else channel.modes.discard)(letter)
        return (sign, letter, None)
    if letter in PREFIX_MODES:
        return _apply_prefix(core, client, channel, sign, letter, param or "")
    if letter == "b":
        return _apply_ban(core, client, channel, sign, param or "")
    if letter == "k":
        if not adding:
            if channel.key is None:
                return None
            channel.key = None
            return ("-", "k", "*")
        if not param or " " in param or "," in param or param.startswith(":"):
            core.reply(client, ERR_INVALIDKEY, channel.name)
            return None
        channel.key = param
        return ("+", "k", param)
    # letter == "l"
    if not adding:
        if channel.limit is None:
            return None
        channel.limit = None
        return ("-", "l", None)
    if not param or not param.isdigit() or int(param) <= 0:
        core.reply(
            client, ERR_INVALIDMODEPARAM, channel.name, "l", param or "*", text="Invalid limit"
        )
        return None
    channel.limit = int(param)
    return ("+", "l", str(channel.limit))


def _apply_prefix(
    core: ServerCore, client: Client, channel: Channel, sign: str, letter: str, nick: str
) -> Change | None:
    member = core.find_client(nick)
    if member is None:
        core.reply(client, ERR_NOSUCHNICK, nick)
        return None
    if member not in channel.members:
        core.reply(client, ERR_USERNOTINCHANNEL, member.nick, channel.name)
        return None
    prefixes = channel.members[member]
    if (sign == "+") == (letter in prefixes):
        return None
    if sign == "+":
        channel.members[member] = "".join(m for m in PREFIX_MODES if m in prefixes + letter)
    else:
        channel.members[member] = prefixes.replace(letter, "")
    return (sign, letter, member.nick)


def _apply_ban(
    core: ServerCore, client: Client, channel: Channel, sign: str, raw: str
) -> Change | None:
    if not raw or " " in raw or raw.startswith(":"):
        core.reply(client, ERR_INVALIDMODEPARAM, channel.name, "b", "*", text="Invalid ban mask")
        return None
    mask = canonical_mask(raw)
    existing = [entry for entry in channel.bans if entry[0] == mask]
    if sign == "-":
        if not existing:
            return None
        channel.bans.remove(existing[0])
        return ("-", "b", mask)
    if existing:
        return None
    if len(channel.bans) >= core.config.maxlist:
        core.reply(client, ERR_BANLISTFULL, channel.name, "b")
        return None
    channel.bans.append((mask, client.source, core.clock()))
    return ("+", "b", mask)


def send_ban_list(core: ServerCore, client: Client, channel: Channel) -> None:
    for mask, setter, when in channel.bans:
        core.reply(client, RPL_BANLIST, channel.name, mask, setter, text=str(int(when)))
    core.reply(client, RPL_ENDOFBANLIST, channel.name)
