"""MODE for users (+i, -o) and channels (+o +v, +b +e +q, +i +k +l +m +n +t +s).

A channel MODE applies what it can, in order, and announces the applied
changes once, as one MODE line; every change it cannot apply gets its own
error numeric. Changes taking a parameter are capped at `config.modes` per
command (ISUPPORT MODES).

+o/-o on a logged-in member also makes its account one of the room's op
accounts, or no longer (moderation/access.py): they get op back on JOIN.

List modes (tui_chat/server/moderation): +b bans, +e exceptions to bans and
quiets, +q quiets (muted: may stay and read, may not speak or change nick).
A mask is a hostmask glob or `~a:<account>`; the three lists of a channel
hold `maxlist` entries together (ISUPPORT MAXLIST). `MODE #c b` (or e, q)
lists one of them; anyone may read them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tui_chat.irc.casemap import is_channel
from tui_chat.irc.message import Message
from tui_chat.irc.numbers import parse_decimal
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
    RPL_ENDOFEXCEPTLIST,
    RPL_ENDOFQUIETLIST,
    RPL_EXCEPTLIST,
    RPL_QUIETLIST,
    RPL_UMODEIS,
)
from tui_chat.server.core import log
from tui_chat.server.handlers import command
from tui_chat.server.moderation.entries import ListEntry, mask_key
from tui_chat.server.state import FLAG_MODES, LIST_MODES, PREFIXES, Channel

if TYPE_CHECKING:
    from tui_chat.server.core import ServerCore
    from tui_chat.server.state import Client

PREFIX_MODES = "".join(mode for mode, _ in PREFIXES)
# Modes whose change needs a parameter, by sign.
_TAKES_PARAM = {"+": LIST_MODES + "klov", "-": LIST_MODES + "kov"}
# Each list's entry and end numerics; the quiet list's (solanum's) name the mode.
_LIST_REPLIES = {
    "b": (RPL_BANLIST, RPL_ENDOFBANLIST, None),
    "e": (RPL_EXCEPTLIST, RPL_ENDOFEXCEPTLIST, None),
    "q": (RPL_QUIETLIST, RPL_ENDOFQUIETLIST, "End of Channel Quiet List"),
}

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
        if letter not in PREFIX_MODES + FLAG_MODES + LIST_MODES + "kl":
            core.reply(
                client,
                ERR_UNKNOWNMODE,
                letter,
                text=f"is unknown mode char to me for {channel.name}",
            )
            continue
        param = next(pending, None) if letter in _TAKES_PARAM[sign] else None
        if letter in LIST_MODES and param is None:
            send_list(core, client, channel, letter)
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
    announce_changes(core, client, channel, applied)


def announce_changes(
    core: ServerCore, client: Client, channel: Channel, applied: list[Change]
) -> None:
    """One MODE line from `client` to the channel for what changed (nothing if nothing did)."""
    if applied:
        modes, params = format_changes(applied)
        log.info("mode %s %s by %s", channel.name, " ".join([modes, *params]), client.nick)
        out = Message("MODE", [channel.name, modes, *params], client.source)
        core.relay(list(channel.members), out)
        if core.history is not None:  # draft/event-playback
            core.history.record_event(core, [channel], out, client.account)


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
    if letter in LIST_MODES:
        return apply_list_entry(core, client, channel, sign, letter, param or "")
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
    limit = parse_decimal(param or "")
    if not limit:
        core.reply(
            client, ERR_INVALIDMODEPARAM, channel.name, "l", param or "*", text="Invalid limit"
        )
        return None
    channel.limit = limit
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
    if letter == "o" and member.account is not None:
        # A logged-in member made op runs the room when it comes back, too.
        core.moderation.set_op(channel.folded, member.account, sign == "+")
    return (sign, letter, member.nick)


def apply_list_entry(
    core: ServerCore,
    client: Client,
    channel: Channel,
    sign: str,
    letter: str,
    raw: str,
    expires: float | None = None,
) -> Change | None:
    """Add or remove one +b/+e/+q entry; `expires` (epoch seconds) makes it timed.

    Setting a mask already listed only changes its expiry (TBAN on a ban
    makes it timed; a plain +b makes a timed one permanent again) and is
    announced again, so everyone sees the list as it now is.
    """
    key = mask_key(raw, core.config.mask_len)
    if key is None:
        core.reply(client, ERR_INVALIDMODEPARAM, channel.name, letter, "*", text="Invalid mask")
        return None
    mask, pattern, by_account = key
    entries = channel.lists[letter]
    existing = next(
        (e for e in entries if e.pattern == pattern and e.by_account == by_account), None
    )
    moderation = core.moderation
    if sign == "-":
        if existing is None:
            return None
        moderation.remove_entry(channel.folded, channel.lists, letter, existing)
        return ("-", letter, existing.mask)
    if existing is not None:
        if existing.expires == expires:
            return None
        moderation.remove_entry(channel.folded, channel.lists, letter, existing)
    elif sum(map(len, channel.lists.values())) >= core.config.maxlist:
        core.reply(client, ERR_BANLISTFULL, channel.name, letter)
        return None
    entry = ListEntry(mask, client.source, core.clock(), expires, pattern, by_account)
    moderation.add_entry(channel, letter, entry)
    return ("+", letter, entry.mask)


def send_list(core: ServerCore, client: Client, channel: Channel, letter: str) -> None:
    """One list's entries (367/348/728) and its end (368/349/729)."""
    item, end, end_text = _LIST_REPLIES[letter]
    named = (letter,) if end_text is not None else ()
    for entry in channel.lists[letter]:
        core.reply(
            client,
            item,
            channel.name,
            *named,
            entry.mask,
            entry.set_by,
            text=str(int(entry.set_at)),
        )
    core.reply(client, end, channel.name, *named, text=end_text)
