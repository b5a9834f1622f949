"""What the server tells about itself: MOTD, LUSERS, VERSION, TIME, INFO."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from tui_chat.irc.message import Message
from tui_chat.irc.numerics import (
    ERR_NOMOTD,
    RPL_ENDOFINFO,
    RPL_ENDOFMOTD,
    RPL_GLOBALUSERS,
    RPL_INFO,
    RPL_ISUPPORT,
    RPL_LOCALUSERS,
    RPL_LUSERCHANNELS,
    RPL_LUSERCLIENT,
    RPL_LUSERME,
    RPL_LUSEROP,
    RPL_LUSERUNKNOWN,
    RPL_MOTD,
    RPL_MOTDSTART,
    RPL_TIME,
    RPL_VERSION,
)
from tui_chat.server.core import VERSION
from tui_chat.server.handlers import command

if TYPE_CHECKING:
    from tui_chat.server.core import ServerCore
    from tui_chat.server.state import Client

INFO_LINES = (
    f"{VERSION}: a terminal chat room that speaks IRC.",
    "Written in Python; protocol from modern.ircdocs.horse and ircv3.net.",
)


def send_motd(core: ServerCore, client: Client) -> None:
    lines = core.config.motd
    if not lines:
        core.reply(client, ERR_NOMOTD)
        return
    core.reply(client, RPL_MOTDSTART, text=f"- {core.config.server_name} Message of the day - ")
    for line in lines:
        core.reply(client, RPL_MOTD, text=f"- {line}")
    core.reply(client, RPL_ENDOFMOTD)


def send_isupport(core: ServerCore, client: Client) -> None:
    for tokens in core.isupport_lines:
        core.reply(client, RPL_ISUPPORT, *tokens, text="are supported by this server")


def send_lusers(core: ServerCore, client: Client) -> None:
    total = core.user_count
    invisible = core.mode_counts["i"]
    opers = core.mode_counts["o"]
    unknown = len(core.clients) - total
    core.reply(
        client,
        RPL_LUSERCLIENT,
        text=f"There are {total - invisible} users and {invisible} invisible on 1 servers",
    )
    core.reply(client, RPL_LUSEROP, str(opers), text="operator(s) online")
    core.reply(client, RPL_LUSERUNKNOWN, str(unknown), text="unknown connection(s)")
    core.reply(client, RPL_LUSERCHANNELS, str(len(core.channels)), text="channels formed")
    core.reply(client, RPL_LUSERME, text=f"I have {total} clients and 0 servers")
    core.reply(client, RPL_LOCALUSERS, str(total), str(total), text=f"Current local users {total}")
    core.reply(
        client, RPL_GLOBALUSERS, str(total), str(total), text=f"Current global users {total}"
    )


@command("MOTD")
def motd(core: ServerCore, client: Client, msg: Message) -> None:
    send_motd(core, client)


@command("LUSERS")
def lusers(core: ServerCore, client: Client, msg: Message) -> None:
    send_lusers(core, client)


@command("VERSION")
def version(core: ServerCore, client: Client, msg: Message) -> None:
    core.reply(client, RPL_VERSION, VERSION, core.config.server_name, text="")
    send_isupport(core, client)


@command("TIME")
def time_(core: ServerCore, client: Client, msg: Message) -> None:
    now = core.clock()
    readable = time.strftime("%A %B %d %Y -- %H:%M:%S +00:00", time.gmtime(now))
    core.reply(client, RPL_TIME, core.config.server_name, str(int(now)), "0", text=readable)


@command("INFO")
def info(core: ServerCore, client: Client, msg: Message) -> None:
    for line in INFO_LINES:
        core.reply(client, RPL_INFO, text=line)
    core.reply(client, RPL_ENDOFINFO)
