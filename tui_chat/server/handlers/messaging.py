"""PRIVMSG, NOTICE and TAGMSG to channels and users, several comma targets each.

Channel messages carry `time` (server-time) and `msgid`; client-only `+tags`
go to recipients with message-tags. NOTICE never gets an error reply, as
the spec says, so two bots cannot loop on each other's errors.

With a message store, PRIVMSG and NOTICE (to channels and to users) are
stored first and relayed once committed (handlers/chathistory.py); TAGMSG
is not stored (typing notifications and the like) and goes out at once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tui_chat.irc.casemap import is_channel
from tui_chat.irc.ctcp import ACTION, decode_ctcp
from tui_chat.irc.message import Message, is_client_only_tag, valid_tag_key
from tui_chat.irc.numerics import (
    ERR_CANNOTSENDTOCHAN,
    ERR_NORECIPIENT,
    ERR_NOSUCHCHANNEL,
    ERR_NOSUCHNICK,
    ERR_NOTEXTTOSEND,
    RPL_AWAY,
)
from tui_chat.server import caps
from tui_chat.server.core import log
from tui_chat.server.handlers import command
from tui_chat.server.handlers.channels import split_targets
from tui_chat.server.handlers.chathistory import (
    IDEMPOTENCY_TAG,
    private_conversation,
    store_then_relay,
)
from tui_chat.server.handlers.nickserv import is_service, nickserv_says
from tui_chat.server.history import Conversation
from tui_chat.server.moderation.checks import send_refusal

if TYPE_CHECKING:
    from tui_chat.server.core import ServerCore
    from tui_chat.server.state import Client


def client_tags(msg: Message) -> dict[str, str]:
    """The tags a server relays: client-only ones with a well-formed key."""
    return {k: v for k, v in msg.tags.items() if is_client_only_tag(k) and valid_tag_key(k)}


def log_said(room: str, nick: str, text: str) -> None:
    """The console line of a room message; `/me waves` as `* alice waves`."""
    ctcp = decode_ctcp(text)
    if ctcp is not None and ctcp.command == ACTION:
        log.info("<%s> * %s %s", room, nick, ctcp.params)
    else:
        log.info("<%s> %s: %s", room, nick, text)


def deliver(core: ServerCore, client: Client, msg: Message, *, text: str | None) -> None:
    """Shared by PRIVMSG, NOTICE (`text` set) and TAGMSG (`text` None)."""
    quiet = msg.command == "NOTICE"
    if not msg.params or not msg.params[0]:
        if not quiet:
            core.reply(client, ERR_NORECIPIENT, text=f"No recipient given ({msg.command})")
        return
    if text is not None and not text:
        if not quiet:
            core.reply(client, ERR_NOTEXTTOSEND)
        return
    tags = client_tags(msg)
    echo = caps.ECHO_MESSAGE in client.caps
    only_tagged = text is None
    for target in split_targets(core, client, msg.command, msg.params[0]):
        params = [target] if text is None else [target, text]
        if is_channel(target):
            channel = core.find_channel(target)
            if channel is None:
                if not quiet:
                    core.reply(client, ERR_NOSUCHCHANNEL, target)
                continue
            refusal = send_refusal(channel, client)
            if refusal is not None:
                if not quiet:
                    core.reply(
                        client,
                        ERR_CANNOTSENDTOCHAN,
                        channel.name,
                        text=f"Cannot send to channel ({refusal})",
                    )
                continue
            params[0] = channel.name
            recipients = [m for m in channel.members if m is not client or echo]
            conversation = Conversation.channel(channel.name)
            if text is not None:
                log_said(channel.name, client.nick, text)
        elif is_service(target):
            # Never relayed nor stored: it may hold a password.
            if msg.command == "PRIVMSG" and text is not None:
                nickserv_says(core, client, text)
            continue
        else:
            user = core.find_client(target)
            if user is None:
                if not quiet:
                    core.reply(client, ERR_NOSUCHNICK, target)
                continue
            params[0] = user.nick
            recipients = [user, client] if echo and user is not client else [user]
            conversation = private_conversation(client, user)
            if user.away is not None and msg.command == "PRIVMSG":
                core.reply(client, RPL_AWAY, user.nick, text=user.away)
        out = Message(msg.command, params, client.source)
        if only_tagged:
            recipients = [r for r in recipients if r.form & caps.FORM_TAGS]
            core.relay(
                recipients, out, client_tags=tags, msgid=core.new_msgid(), account=client.account
            )
            continue
        store_then_relay(
            core,
            client,
            params[0],
            out,
            recipients=recipients,
            client_tags=tags,
            conversation=conversation,
            # An empty key is no key: it would make every later message a resend.
            idempotency_key=tags.get(IDEMPOTENCY_TAG) or None,
            echoes=echo,
        )
    client.last_message = core.clock()


@command("PRIVMSG")
def privmsg(core: ServerCore, client: Client, msg: Message) -> None:
    deliver(core, client, msg, text=msg.param(1))


@command("NOTICE")
def notice(core: ServerCore, client: Client, msg: Message) -> None:
    deliver(core, client, msg, text=msg.param(1))


@command("TAGMSG")
def tagmsg(core: ServerCore, client: Client, msg: Message) -> None:
    deliver(core, client, msg, text=None)
