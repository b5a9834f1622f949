"""Commands about users: AWAY, ISON, USERHOST, SETNAME."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tui_chat.irc.message import Message
from tui_chat.irc.numerics import RPL_ISON, RPL_NOWAWAY, RPL_UNAWAY, RPL_USERHOST
from tui_chat.server import caps
from tui_chat.server.handlers import command

if TYPE_CHECKING:
    from tui_chat.server.core import ServerCore
    from tui_chat.server.state import Client


def notify_shared(
    core: ServerCore, client: Client, cap: str, msg: Message, *, include_self: bool
) -> None:
    """Tell everyone who shares a channel with `client` and has `cap`."""
    core.relay(
        [
            c
            for c in core.members_and_self(client)
            if cap in c.caps and (include_self or c is not client)
        ],
        msg,
    )


@command("AWAY")
def away(core: ServerCore, client: Client, msg: Message) -> None:
    reason = msg.param(0)[: core.config.awaylen]
    client.away = reason or None
    core.reply(client, RPL_NOWAWAY if reason else RPL_UNAWAY)
    params = [reason] if reason else []
    announce = Message("AWAY", params, client.source)
    notify_shared(core, client, caps.AWAY_NOTIFY, announce, include_self=False)


@command("ISON", min_params=1)
def ison(core: ServerCore, client: Client, msg: Message) -> None:
    nicks = " ".join(msg.params).split()[: core.config.ison_max_nicks]
    online = [c.nick for n in nicks if (c := core.find_client(n)) is not None]
    core.reply(client, RPL_ISON, text=" ".join(online))


@command("USERHOST", min_params=1)
def userhost(core: ServerCore, client: Client, msg: Message) -> None:
    replies: list[str] = []
    for nick in msg.params[: core.config.userhost_max_nicks]:
        user = core.find_client(nick)
        if user is None:
            continue
        oper = "*" if user.is_oper else ""
        state = "-" if user.away is not None else "+"
        replies.append(f"{user.nick}{oper}={state}{user.user}@{user.host}")
    core.reply(client, RPL_USERHOST, text=" ".join(replies))


@command("SETNAME", min_params=1)
def setname(core: ServerCore, client: Client, msg: Message) -> None:
    realname = msg.params[0]
    if not realname or len(realname) > core.config.realnamelen:
        core.fail(client, "SETNAME", "INVALID_REALNAME", text="Realname is not valid")
        return
    client.realname = realname
    notify_shared(
        core, client, caps.SETNAME, Message("SETNAME", [realname], client.source), include_self=True
    )
