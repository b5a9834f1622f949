"""NICKSERV / NS IDENTIFY: log in after connecting, for clients without SASL settings.

    NS IDENTIFY <password>              the account named like your nick
    NS IDENTIFY <account> <password>    (a password may contain spaces)

irssi sends an unknown `/ns ...` to the server as is, so `/ns identify
<password>` works there without any setup; other clients use `/quote`. It
is an alias of a SASL PLAIN login after registration, with the same
failure limits (handlers/sasl.py); answers are NOTICEs. There is no
NickServ user: `PRIVMSG NickServ` is not understood.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tui_chat.irc.casemap import casefold
from tui_chat.server.handlers import command
from tui_chat.server.handlers.sasl import count_failure, login_with_password

if TYPE_CHECKING:
    from tui_chat.irc.message import Message
    from tui_chat.server.accounts import Account
    from tui_chat.server.core import ServerCore
    from tui_chat.server.state import Client

USAGE = "Usage: NS IDENTIFY [account] <password>"


def nickserv(core: ServerCore, client: Client, msg: Message) -> None:
    subcommand, _, rest = " ".join(msg.params).strip().partition(" ")
    if subcommand.upper() not in ("IDENTIFY", "LOGIN") or not rest.strip():
        core.notice(client, USAGE)
        return
    accounts = core.accounts
    if accounts is None:
        core.notice(client, "This server keeps no accounts")
        return
    if client.account is not None:
        core.notice(client, f"You are already logged in as {client.account}")
        return
    # Clients send the words of `/ns identify ...` as separate parameters, so a
    # password may hold spaces: the first word names the account only if one
    # has that name and more words follow.
    first, _, after = rest.strip().partition(" ")
    name, password = (first, after) if after and accounts.find(first) else (client.nick, rest)

    def succeeded(account: Account) -> None:
        core.set_account(client, account.name)
        if client.folded != casefold(account.name):
            core.notice(client, f"Logged in as {account.name}; /nick {account.name} to use it")

    def failed(text: str, counted: bool) -> None:
        core.notice(client, text)
        if counted:
            count_failure(core, client, name)

    login_with_password(core, client, name, password, succeeded=succeeded, failed=failed)


command("NICKSERV", min_params=1)(nickserv)
command("NS", min_params=1)(nickserv)
