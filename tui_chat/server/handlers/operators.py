"""Server operators: OPER and KILL.

An operator gets user mode +o and channel +o in every channel they are in
(announced by the server) and in every channel they join afterwards. They
pass a channel's +b, +i, +k and +l and may act as channel operator in any
channel, as the host of a room expects to.
"""

from __future__ import annotations

import hmac
from typing import TYPE_CHECKING

from tui_chat.irc.message import Message
from tui_chat.irc.numerics import (
    ERR_NOOPERHOST,
    ERR_NOPRIVILEGES,
    ERR_NOSUCHNICK,
    ERR_PASSWDMISMATCH,
    RPL_YOUREOPER,
)
from tui_chat.server.core import log
from tui_chat.server.handlers import command
from tui_chat.server.handlers.chathistory import record_event

if TYPE_CHECKING:
    from tui_chat.server.core import ServerCore
    from tui_chat.server.state import Client


@command("OPER", min_params=2)
def oper(core: ServerCore, client: Client, msg: Message) -> None:
    name, password = msg.params[0], msg.params[1]
    expected = core.config.operators.get(name)
    if expected is None:
        core.reply(client, ERR_NOOPERHOST)
        return
    if not hmac.compare_digest(password.encode(), expected.encode()):
        core.reply(client, ERR_PASSWDMISMATCH)
        return
    if client.is_oper:
        core.reply(client, RPL_YOUREOPER)
        return
    core.set_user_mode(client, "o", True)
    log.info("oper %s as %s", client.nick, name)
    core.reply(client, RPL_YOUREOPER)
    core.send(client, Message("MODE", [client.nick, "+o"], client.source))
    server = core.config.server_name
    for channel in client.channels.values():
        if "o" in channel.members[client]:
            continue
        channel.members[client] = "o" + channel.members[client]
        out = Message("MODE", [channel.name, "+o", client.nick], server)
        core.relay(list(channel.members), out)
        record_event(core, [channel], out)


@command("KILL", min_params=2)
def kill(core: ServerCore, client: Client, msg: Message) -> None:
    if not client.is_oper:
        core.reply(client, ERR_NOPRIVILEGES)
        return
    victim = core.find_client(msg.params[0])
    if victim is None:
        core.reply(client, ERR_NOSUCHNICK, msg.params[0])
        return
    reason = msg.params[1]
    log.info("kill %s by %s: %s", victim.nick, client.nick, reason)
    core.send(victim, Message("KILL", [victim.nick, reason], client.source))
    core.disconnect(victim, f"Killed ({client.nick} ({reason}))")
