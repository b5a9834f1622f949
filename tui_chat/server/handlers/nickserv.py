"""NickServ: account commands for any IRC client, by /msg NickServ or NS/NICKSERV.

    /msg NickServ IDENTIFY <password>             the account named like your nick
    /msg NickServ IDENTIFY <account> <password>   (a password may contain spaces)
    NS IDENTIFY ... / NICKSERV IDENTIFY ...       the same, as commands
    /msg NickServ HELP                            every command (account_admin.py)

IDENTIFY is an alias of a SASL PLAIN login after registration, with the same
failure limits (handlers/sasl.py). The owner's and operators' commands
(PASSWD, DROP, INFO, LIST, SADROP, SAPASSWD, SAREGISTER) live in
account_admin.py and register here with `@subcommand`. There is no NickServ
user: a PRIVMSG to `SERVICE_NICK` is handled here and never relayed
(messaging.py), nobody may take that nick (so no one can collect passwords
sent to it), and answers are NOTICEs from `NickServ!NickServ@<server>`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from tui_chat.irc.casemap import casefold
from tui_chat.irc.message import Message
from tui_chat.server.handlers import command
from tui_chat.server.handlers.sasl import count_failure, login_with_password

if TYPE_CHECKING:
    from tui_chat.server.accounts import Account
    from tui_chat.server.core import ServerCore
    from tui_chat.server.state import Client

__all__ = ["SERVICE_NICK", "SUBCOMMANDS", "answer", "is_service", "nickserv_says", "subcommand"]

SERVICE_NICK = "NickServ"
IDENTIFY_USAGE = "IDENTIFY [account] <password>"

# What NickServ does with the words after its subcommand's name.
Subcommand = Callable[["ServerCore", "Client", str], None]


@dataclass(frozen=True, slots=True)
class SubcommandSpec:
    func: Subcommand
    # Shown by HELP; empty for an alias.
    usage: str


# Upper-case name -> its function and usage line, in HELP order.
SUBCOMMANDS: dict[str, SubcommandSpec] = {}


def subcommand(*names: str, usage: str) -> Callable[[Subcommand], Subcommand]:
    """Register a NickServ subcommand under `names` (the first is the one HELP lists)."""

    def register(func: Subcommand) -> Subcommand:
        for name in names:
            if name in SUBCOMMANDS:
                raise RuntimeError(f"NickServ {name} registered twice")
            SUBCOMMANDS[name] = SubcommandSpec(func, usage if name == names[0] else "")
        return func

    return register


def is_service(nick: str) -> bool:
    """Whether `nick` names NickServ (any case)."""
    return casefold(nick) == casefold(SERVICE_NICK)


def answer(core: ServerCore, client: Client, text: str) -> None:
    """A NOTICE from NickServ to `client`."""
    source = f"{SERVICE_NICK}!{SERVICE_NICK}@{core.config.server_name}"
    core.send(client, Message("NOTICE", [client.nick, text], source))


def nickserv_says(core: ServerCore, client: Client, text: str) -> None:
    """What NickServ does with `text` (a PRIVMSG to it, or NS/NICKSERV's parameters)."""
    name, _, rest = text.strip().partition(" ")
    spec = SUBCOMMANDS.get(name.upper())
    if spec is None:
        answer(core, client, f"Unknown command {name!r}; /msg {SERVICE_NICK} HELP lists them")
        return
    if core.accounts is None:
        answer(core, client, "This server keeps no accounts")
        return
    spec.func(core, client, rest.strip())


@subcommand("IDENTIFY", "LOGIN", usage=IDENTIFY_USAGE)
def identify(core: ServerCore, client: Client, rest: str) -> None:
    accounts = core.accounts
    assert accounts is not None
    if not rest:
        answer(core, client, f"Usage: {IDENTIFY_USAGE}")
        return
    if client.account is not None:
        answer(core, client, f"You are already logged in as {client.account}")
        return
    # The first word names the account only if one has that name and more
    # words follow; otherwise all of it is the password of the nick's account.
    first, _, after = rest.partition(" ")
    name, password = (first, after) if after and accounts.find(first) else (client.nick, rest)

    def succeeded(account: Account) -> None:
        core.set_account(client, account.name)
        if client.folded != casefold(account.name):
            answer(core, client, f"Logged in as {account.name}; /nick {account.name} to use it")

    def failed(reason: str, counted: bool) -> None:
        answer(core, client, reason)
        if counted:
            count_failure(core, client, name)

    login_with_password(core, client, name, password, succeeded=succeeded, failed=failed)


def nickserv(core: ServerCore, client: Client, msg: Message) -> None:
    nickserv_says(core, client, " ".join(msg.params))


command("NICKSERV", min_params=1)(nickserv)
command("NS", min_params=1)(nickserv)
