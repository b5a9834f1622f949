"""NickServ IDENTIFY: log in after connecting, for clients without SASL settings.

    /msg NickServ IDENTIFY <password>             the account named like your nick
    /msg NickServ IDENTIFY <account> <password>   (a password may contain spaces)
    NS IDENTIFY ... / NICKSERV IDENTIFY ...       the same, as commands

It is an alias of a SASL PLAIN login after registration, with the same
failure limits (handlers/sasl.py). There is no NickServ user: a PRIVMSG to
`SERVICE_NICK` is handled here and never relayed (messaging.py), nobody may
take that nick (so no one can collect passwords sent to it), and answers
are NOTICEs from `NickServ!NickServ@<server>`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tui_chat.irc.casemap import casefold
from tui_chat.irc.message import Message
from tui_chat.server.handlers import command
from tui_chat.server.handlers.sasl import count_failure, login_with_password

if TYPE_CHECKING:
    from tui_chat.server.accounts import Account
    from tui_chat.server.core import ServerCore
    from tui_chat.server.state import Client

__all__ = ["SERVICE_NICK", "is_service", "nickserv_says"]

SERVICE_NICK = "NickServ"
USAGE = "Usage: IDENTIFY [account] <password>"


def is_service(nick: str) -> bool:
    """Whether `nick` names NickServ (any case)."""
    return casefold(nick) == casefold(SERVICE_NICK)


def _answer(core: ServerCore, client: Client, text: str) -> None:
    source = f"{SERVICE_NICK}!{SERVICE_NICK}@{core.config.server_name}"
    core.send(client, Message("NOTICE", [client.nick, text], source))


def nickserv_says(core: ServerCore, client: Client, text: str) -> None:
    """What NickServ does with `text` (a PRIVMSG to it, or NS/NICKSERV's parameters)."""
    subcommand, _, rest = text.strip().partition(" ")
    if subcommand.upper() not in ("IDENTIFY", "LOGIN") or not rest.strip():
        _answer(core, client, USAGE)
        return
    accounts = core.accounts
    if accounts is None:
        _answer(core, client, "This server keeps no accounts")
        return
    if client.account is not None:
        _answer(core, client, f"You are already logged in as {client.account}")
        return
    # The first word names the account only if one has that name and more
    # words follow; otherwise all of it is the password of the nick's account.
    first, _, after = rest.strip().partition(" ")
    name, password = (first, after) if after and accounts.find(first) else (client.nick, rest)

    def succeeded(account: Account) -> None:
        core.set_account(client, account.name)
        if client.folded != casefold(account.name):
            _answer(core, client, f"Logged in as {account.name}; /nick {account.name} to use it")

    def failed(reason: str, counted: bool) -> None:
        _answer(core, client, reason)
        if counted:
            count_failure(core, client, name)

    login_with_password(core, client, name, password, succeeded=succeeded, failed=failed)


def nickserv(core: ServerCore, client: Client, msg: Message) -> None:
    nickserv_says(core, client, " ".join(msg.params))


command("NICKSERV", min_params=1)(nickserv)
command("NS", min_params=1)(nickserv)
