"""Channel membership and channel facts: JOIN, PART, NAMES, TOPIC, KICK, INVITE, LIST.

With a message store (handlers/chathistory.py): a topic change is stored,
then relayed; PART and KICK go out only after every message said before
them is relayed, so nobody sees "alice left" before alice's last words; a
channel created again gets its saved topic, modes and lists, checked like
any other JOIN's; and a client without draft/chathistory gets the room's
last messages after the NAMES of its JOIN.

Who gets op on JOIN: server operators, the room's founder and op accounts
(moderation/access.py), and whoever creates a room that nobody owns and
that guards nothing (no list entry, no +i +k +l +m), never the first
joiner of the default room.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tui_chat.irc.casemap import casefold, valid_channel
from tui_chat.irc.message import Message
from tui_chat.irc.numerics import (
    ERR_BADCHANNELKEY,
    ERR_BANNEDFROMCHAN,
    ERR_CHANNELISFULL,
    ERR_CHANOPRIVSNEEDED,
    ERR_INVITEONLYCHAN,
    ERR_NOSUCHCHANNEL,
    ERR_NOSUCHNICK,
    ERR_NOTONCHANNEL,
    ERR_TOOMANYCHANNELS,
    ERR_TOOMANYTARGETS,
    ERR_USERNOTINCHANNEL,
    ERR_USERONCHANNEL,
    RPL_ENDOFNAMES,
    RPL_INVITING,
    RPL_LIST,
    RPL_LISTEND,
    RPL_LISTSTART,
    RPL_NAMREPLY,
    RPL_NOTOPIC,
    RPL_TOPIC,
    RPL_TOPICWHOTIME,
)
from tui_chat.server import caps
from tui_chat.server.core import log
from tui_chat.server.handlers import command
from tui_chat.server.handlers.chathistory import (
    after_pending,
    apply_saved_state,
    record_event,
    replay_on_join,
    save_channel,
    saved_name,
    store_then_relay,
)
from tui_chat.server.history import Conversation
from tui_chat.server.moderation import format_duration
from tui_chat.server.moderation.access import guarded
from tui_chat.server.moderation.checks import ban_on
from tui_chat.server.state import Channel

if TYPE_CHECKING:
    from tui_chat.server.core import ServerCore
    from tui_chat.server.state import Client

# Bytes of nicks per 353 line, leaving room for the prefix, numeric and channel.
NAMES_LINE_BUDGET = 400


def split_targets(core: ServerCore, client: Client, command_name: str, raw: str) -> list[str]:
    """Comma targets of a command, or [] after 407 when there are too many."""
    targets = [t for t in raw.split(",") if t]
    if len(targets) > core.config.maxtargets:
        core.reply(client, ERR_TOOMANYTARGETS, raw[:64])
        return []
    return targets


def join_channel(core: ServerCore, client: Client, name: str, key: str | None) -> None:
    """JOIN one channel, with every check, reply and announcement a JOIN gets."""
    if not valid_channel(name, core.config.channellen):
        core.reply(client, ERR_NOSUCHCHANNEL, name)
        return
    channel = core.find_channel(name)
    if channel is not None and client in channel.members:
        return
    if len(client.channels) >= core.config.chanlimit:
        core.reply(client, ERR_TOOMANYCHANNELS, name)
        return
    created = channel is None
    if channel is None:
        channel = restored_channel(core, name)
    access = core.moderation.access(channel.folded)
    # A room's owners by account pass its bans and locks, as the ops they are.
    owner = access is not None and access.runs(client.account)
    error = None if owner else _join_error(core, channel, client, key)
    if error:
        core.reply(client, error[0], channel.name, text=error[1])
        return
    channel.invites.discard(client.folded)
    prefix = "o" if owner or client.is_oper else ""
    if created:
        core.channels[channel.folded] = channel
        if not access and not guarded(channel) and not is_default_room(core, channel):
            # A new room, or one nobody owns and with nothing to guard: whoever
            # creates it runs it, as in plain IRC, and owns it if logged in.
            prefix = "o"
            if client.account is not None:
                core.moderation.found(channel.folded, client.account)
    channel.members[client] = prefix
    client.joined(channel)
    log.info("join %s %s", channel.name, client.nick)
    plain = Message("JOIN", [channel.name], client.source)
    account = client.account
    extended = Message("JOIN", [channel.name, account or "*", client.realname], client.source)
    extended_members = [m for m in channel.members if caps.EXTENDED_JOIN in m.caps]
    if extended_members:
        others = [m for m in channel.members if caps.EXTENDED_JOIN not in m.caps]
        core.relay(others, plain, account=account)
        core.relay(extended_members, extended, account=account)
    else:
        core.relay(channel.members, plain, account=account)
    record_event(core, [channel], plain, account)
    if client.away is not None:
        core.relay(
            [m for m in channel.members if caps.AWAY_NOTIFY in m.caps and m is not client],
            Message("AWAY", [client.away], client.source),
        )
    if channel.topic:
        send_topic(core, client, channel)
    send_names(core, client, channel)
    replay_on_join(core, client, channel)


def restored_channel(core: ServerCore, name: str) -> Channel:
    """A channel created now, with the topic, modes and lists it had before."""
    channel = Channel(saved_name(core, name), core.clock())
    apply_saved_state(core, channel)
    channel.lists = core.moderation.lists_for(channel.folded)
    return channel


def is_default_room(core: ServerCore, channel: Channel) -> bool:
    room = core.config.default_room
    return room is not None and channel.folded == casefold(room)


def _join_error(
    core: ServerCore, channel: Channel, client: Client, key: str | None
) -> tuple[str, str | None] | None:
    """The numeric refusing a JOIN and its text (None: the usual one), or None to admit."""
    invited = client.folded in channel.invites
    if client.is_oper:
        return None
    ban = None if invited else ban_on(channel, client)
    if ban is not None:
        if ban.expires is None:
            return ERR_BANNEDFROMCHAN, None
        left = format_duration(ban.expires - core.clock())
        return ERR_BANNEDFROMCHAN, f"Cannot join channel (+b), the ban ends in {left}"
    if "i" in channel.modes and not invited:
        return ERR_INVITEONLYCHAN, None
    if channel.key is not None and key != channel.key:
        return ERR_BADCHANNELKEY, None
    if channel.limit is not None and len(channel.members) >= channel.limit:
        return ERR_CHANNELISFULL, None
    return None


def part_channel(core: ServerCore, client: Client, channel: Channel, reason: str) -> None:
    params = [channel.name, reason] if reason else [channel.name]
    members = list(channel.members)
    out = Message("PART", params, client.source)
    after_pending(core, lambda: core.relay(members, out))
    record_event(core, [channel], out, client.account)
    log.info("part %s %s%s", channel.name, client.nick, f": {reason}" if reason else "")
    core.leave_channel(client, channel)


def send_topic(core: ServerCore, client: Client, channel: Channel) -> None:
    if not channel.topic:
        core.reply(client, RPL_NOTOPIC, channel.name)
        return
    core.reply(client, RPL_TOPIC, channel.name, text=channel.topic)
    core.reply(
        client, RPL_TOPICWHOTIME, channel.name, channel.topic_by, text=str(int(channel.topic_time))
    )


def can_see(channel: Channel, client: Client) -> bool:
    return "s" not in channel.modes or client in channel.members


def send_names(core: ServerCore, client: Client, channel: Channel) -> None:
    if can_see(channel, client):
        symbol = "@" if "s" in channel.modes else "="
        multi = caps.MULTI_PREFIX in client.caps
        full = caps.USERHOST_IN_NAMES in client.caps
        # Most members have no prefix: only they skip the prefix lookup.
        names = [
            (channel.prefix(member, multi) if modes else "")
            + (member.source if full else member.nick)
            for member, modes in channel.members.items()
        ]
        # Equal-count chunks sized for the longest name keep this loop in C.
        per_line = max(1, NAMES_LINE_BUDGET // (max(map(len, names)) + 1))
        for start in range(0, len(names), per_line):
            chunk = " ".join(names[start : start + per_line])
            core.reply(client, RPL_NAMREPLY, symbol, channel.name, text=chunk)
    core.reply(client, RPL_ENDOFNAMES, channel.name)


@command("JOIN", min_params=1)
def join(core: ServerCore, client: Client, msg: Message) -> None:
    if msg.params[0] == "0":
        for channel in list(client.channels.values()):
            part_channel(core, client, channel, "")
        return
    keys = msg.param(1).split(",")
    for i, name in enumerate(split_targets(core, client, "JOIN", msg.params[0])):
        key = keys[i] if i < len(keys) and keys[i] else None
        join_channel(core, client, name, key)


@command("PART", min_params=1)
def part(core: ServerCore, client: Client, msg: Message) -> None:
    reason = msg.param(1)[: core.config.kicklen]
    for name in split_targets(core, client, "PART", msg.params[0]):
        channel = core.find_channel(name)
        if channel is None:
            core.reply(client, ERR_NOSUCHCHANNEL, name)
        elif client not in channel.members:
            core.reply(client, ERR_NOTONCHANNEL, channel.name)
        else:
            part_channel(core, client, channel, reason)


@command("NAMES")
def names(core: ServerCore, client: Client, msg: Message) -> None:
    if not msg.params:
        core.reply(client, RPL_ENDOFNAMES, "*")
        return
    for name in split_targets(core, client, "NAMES", msg.params[0]):
        channel = core.find_channel(name)
        if channel is None:
            core.reply(client, RPL_ENDOFNAMES, name)
        else:
            send_names(core, client, channel)


@command("TOPIC", min_params=1)
def topic(core: ServerCore, client: Client, msg: Message) -> None:
    channel = core.find_channel(msg.params[0])
    if channel is None or not can_see(channel, client):
        core.reply(client, ERR_NOSUCHCHANNEL, msg.params[0])
        return
    if len(msg.params) < 2:
        send_topic(core, client, channel)
        return
    if not allowed(core, client, channel, need_op="t" in channel.modes):
        return
    text = msg.params[1][: core.config.topiclen]
    source, nick, when = client.source, client.nick, core.clock()

    def take_effect() -> list[Client]:
        # Once stored (handlers/chathistory.py): a topic the store refused is
        # never set, and its setter got a FAIL.
        channel.topic, channel.topic_by, channel.topic_time = text, source, when
        log.info("topic %s %s: %s", channel.name, nick, text)
        save_channel(core, channel)
        return list(channel.members)

    store_then_relay(
        core,
        client,
        channel.name,
        Message("TOPIC", [channel.name, text], source),
        recipients=list(channel.members),
        client_tags={},
        conversation=Conversation.channel(channel.name),
        on_stored=take_effect,
    )


def op_channel(core: ServerCore, client: Client, name: str) -> Channel | None:
    """The channel `name` if `client` may act on it as an operator, else None after the error."""
    channel = core.find_channel(name)
    if channel is None:
        core.reply(client, ERR_NOSUCHCHANNEL, name)
        return None
    return channel if allowed(core, client, channel, need_op=True) else None


def allowed(core: ServerCore, client: Client, channel: Channel, *, need_op: bool) -> bool:
    """Whether `client` may act on `channel`: a member, and an op if `need_op`.

    Server operators may always. On refusal the client got 442 or 482.
    """
    if client.is_oper:
        return True
    if client not in channel.members:
        core.reply(client, ERR_NOTONCHANNEL, channel.name)
        return False
    if need_op and not channel.is_op(client):
        core.reply(client, ERR_CHANOPRIVSNEEDED, channel.name)
        return False
    return True


@command("KICK", min_params=2)
def kick(core: ServerCore, client: Client, msg: Message) -> None:
    channel = op_channel(core, client, msg.params[0])
    if channel is None:
        return
    reason = (msg.param(2) or client.nick)[: core.config.kicklen]
    for nick in split_targets(core, client, "KICK", msg.params[1]):
        victim = core.find_client(nick)
        if victim is None or victim not in channel.members:
            core.reply(client, ERR_USERNOTINCHANNEL, nick, channel.name)
            continue
        members = list(channel.members)
        out = Message("KICK", [channel.name, victim.nick, reason], client.source)
        after_pending(core, lambda members=members, out=out: core.relay(members, out))
        record_event(core, [channel], out, client.account)
        log.info("kick %s %s by %s: %s", channel.name, victim.nick, client.nick, reason)
        core.leave_channel(victim, channel)


@command("INVITE", min_params=2)
def invite(core: ServerCore, client: Client, msg: Message) -> None:
    target = core.find_client(msg.params[0])
    if target is None:
        core.reply(client, ERR_NOSUCHNICK, msg.params[0])
        return
    channel = core.find_channel(msg.params[1])
    if channel is None:
        core.reply(client, ERR_NOSUCHCHANNEL, msg.params[1])
        return
    if not allowed(core, client, channel, need_op="i" in channel.modes):
        return
    if target in channel.members:
        core.reply(client, ERR_USERONCHANNEL, target.nick, channel.name)
        return
    channel.invites.add(target.folded)
    core.reply(client, RPL_INVITING, target.nick, text=channel.name)
    invitation = Message("INVITE", [target.nick, channel.name], client.source)
    core.send(target, invitation)
    # invite-notify goes to the members who could have sent this invite too.
    ops_only = "i" in channel.modes
    notified = [
        m
        for m in channel.members
        if m is not client and caps.INVITE_NOTIFY in m.caps and (channel.is_op(m) or not ops_only)
    ]
    core.relay(notified, invitation)


@command("LIST")
def list_(core: ServerCore, client: Client, msg: Message) -> None:
    if msg.params and msg.params[0]:
        wanted = [core.find_channel(n) for n in msg.params[0].split(",")]
        channels = [c for c in wanted if c is not None]
    else:
        channels = list(core.channels.values())
    core.reply(client, RPL_LISTSTART)
    shown = 0
    for channel in channels:
        if not can_see(channel, client):
            continue
        if shown >= core.config.max_query_replies:
            break
        shown += 1
        core.reply(client, RPL_LIST, channel.name, str(len(channel.members)), text=channel.topic)
    core.reply(client, RPL_LISTEND)
