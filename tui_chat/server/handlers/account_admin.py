"""NickServ commands for an account's owner and for server operators (ergo's names).

Owner (logged in to the account):

    PASSWD <current> <new> [<new again>]   change your password; `*` as the
                                           current one when the account has
                                           none (the host's, host_account.py)
    DROP <account> <password>              delete your account; the nick is free
    INFO [account]                         your account (operators: any)

Server operators (after OPER; anyone else gets 481):

    SADROP <account>                       delete an account: its sessions are
                                           logged out (901) and the one holding
                                           its nick becomes a guest
    SAPASSWD <account> <new password>      set a password (a forgotten one)
    SAREGISTER <account> <password>        create an account on someone's behalf
    LIST [mask]                            accounts matching a glob (default *)

Passwords in PASSWD are single words; the others may hold spaces. Every
change goes through the store's writer (`Accounts.set_password`, `drop`,
`create`) and is logged with who did it, never a password. Answers are
NickServ NOTICEs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from tui_chat.irc.casemap import casefold, valid_nick
from tui_chat.irc.masks import match_mask
from tui_chat.irc.numerics import ERR_NOPRIVILEGES
from tui_chat.irc.servertime import iso_time
from tui_chat.server.accounts.registry import ACCOUNT_EXISTS
from tui_chat.server.core import log
from tui_chat.server.handlers.nickserv import (
    SERVICE_NICK,
    SUBCOMMANDS,
    answer,
    is_service,
    subcommand,
)
from tui_chat.server.handlers.registration import change_nick, guest_nick, is_guest_nick
from tui_chat.server.handlers.sasl import BUSY_TEXT, count_failure, login_with_password

if TYPE_CHECKING:
    from tui_chat.server.accounts import Account, Accounts
    from tui_chat.server.core import ServerCore
    from tui_chat.server.state import Client

__all__ = ["log_out_everywhere"]

NOT_STORED_TEXT = "The change could not be stored; try again later"
NOT_LOGGED_IN_TEXT = "You are not logged in; IDENTIFY first"


def _accounts(core: ServerCore) -> Accounts:
    accounts = core.accounts
    assert accounts is not None  # nickserv_says answers for a server without them
    return accounts


def _is_oper(core: ServerCore, client: Client) -> bool:
    if client.is_oper:
        return True
    core.reply(client, ERR_NOPRIVILEGES)
    return False


def _weak(core: ServerCore, client: Client, password: str) -> bool:
    minimum = _accounts(core).min_password_length
    if len(password) >= minimum:
        return False
    answer(core, client, f"Passwords need at least {minimum} characters")
    return True


def _find(core: ServerCore, client: Client, name: str) -> Account | None:
    account = _accounts(core).find(name)
    if account is None:
        answer(core, client, f"There is no account {name}")
    return account


def log_out_everywhere(
    core: ServerCore, name: str, why: str, *, free_nick: bool, quiet: Client | None = None
) -> None:
    """Log every session of account `name` out (901) and tell each `why`, but `quiet`.

    `free_nick`: the one holding the account's nick becomes a guest, so the
    name is free for someone else.
    """
    key = casefold(name)
    for client in [c for c in core.clients if c.account and casefold(c.account) == key]:
        core.set_account(client, None)
        text = why
        if free_nick and client.registered and client.folded == key:
            guest = guest_nick(core)
            change_nick(core, client, guest, casefold(guest))
            text = f"{why}; you are now {guest}"
        if client is not quiet:
            answer(core, client, text)


def _own_account(core: ServerCore, client: Client) -> Account | None:
    if client.account is None:
        answer(core, client, NOT_LOGGED_IN_TEXT)
        return None
    return _find(core, client, client.account)


def _check_password(
    core: ServerCore, client: Client, account: Account, password: str, then: Callable[[], None]
) -> None:
    """Run `then` once `password` proved to be `account`'s, within the login limits."""
    if not account.has_password:
        if password == "*":
            then()
        else:
            answer(core, client, f"{account.name} has no password: give * as the current one")
        return

    def failed(reason: str, counted: bool) -> None:
        answer(core, client, reason)
        if counted:
            count_failure(core, client, account.name)

    login_with_password(
        core, client, account.name, password, succeeded=lambda _: then(), failed=failed
    )


def _store_password(
    core: ServerCore, client: Client, account: Account, password: str, done_text: str
) -> None:
    def done(changed: Account | None) -> None:
        if not client.gone:
            answer(core, client, done_text if changed is not None else NOT_STORED_TEXT)

    if not _accounts(core).set_password(account, password, done):
        answer(core, client, BUSY_TEXT)


@subcommand("PASSWD", "PASSWORD", usage="PASSWD <current> <new> [<new again>]")
def passwd(core: ServerCore, client: Client, rest: str) -> None:
    words = rest.split()
    if len(words) not in (2, 3):
        answer(core, client, "Usage: PASSWD <current> <new> [<new again>] (single words)")
        return
    account = _own_account(core, client)
    if account is None:
        return
    current, new = words[0], words[1]
    if len(words) == 3 and words[2] != new:
        answer(core, client, "The new password and its repetition differ; nothing changed")
        return
    if _weak(core, client, new):
        return

    def change() -> None:
        log.info("accounts: %s changed the password of %s", client.nick, account.name)
        _store_password(core, client, account, new, "Password changed")

    _check_password(core, client, account, current, change)


@subcommand("DROP", "UNREGISTER", usage="DROP <account> <password>")
def drop(core: ServerCore, client: Client, rest: str) -> None:
    name, _, password = rest.partition(" ")
    if not password:
        answer(core, client, "Usage: DROP <account> <password> (deletes your account)")
        return
    account = _own_account(core, client)
    if account is None:
        return
    if casefold(name) != casefold(account.name):
        answer(core, client, f"You can drop only your own account, {account.name}")
        return

    def delete() -> None:
        log.info("accounts: %s dropped their account %s", client.nick, account.name)
        _drop(core, client, account, f"The account {account.name} was dropped", free_nick=False)

    _check_password(core, client, account, password, delete)


def _drop(core: ServerCore, client: Client, account: Account, why: str, *, free_nick: bool) -> None:
    """Delete `account`, log its sessions out, and tell `client` (who asked) it is done."""

    def done(dropped: bool) -> None:
        if dropped:
            log_out_everywhere(core, account.name, why, free_nick=free_nick, quiet=client)
            core.moderation.forget_account(account.name)  # its rooms' founder and op roles
        if not client.gone:
            answer(
                core, client, f"Dropped the account {account.name}" if dropped else NOT_STORED_TEXT
            )

    _accounts(core).drop(account, done)


@subcommand("SADROP", usage="SADROP <account>  (operators)")
def sadrop(core: ServerCore, client: Client, rest: str) -> None:
    if not _is_oper(core, client):
        return
    if not rest:
        answer(core, client, "Usage: SADROP <account>")
        return
    account = _find(core, client, rest.split()[0])
    if account is None:
        return
    log.info("accounts: operator %s dropped the account %s", client.nick, account.name)
    why = f"The account {account.name} was dropped by a server operator"
    _drop(core, client, account, why, free_nick=True)


def _name_and_password(
    core: ServerCore, client: Client, rest: str, usage: str
) -> tuple[str, str] | None:
    """An operator command's account and password (which may hold spaces), or None if refused."""
    if not _is_oper(core, client):
        return None
    name, _, password = rest.partition(" ")
    if not password:
        answer(core, client, f"Usage: {usage}")
        return None
    return name, password


@subcommand("SAPASSWD", usage="SAPASSWD <account> <new password>  (operators)")
def sapasswd(core: ServerCore, client: Client, rest: str) -> None:
    given = _name_and_password(core, client, rest, "SAPASSWD <account> <new password>")
    if given is None:
        return
    name, password = given
    account = _find(core, client, name)
    if account is None or _weak(core, client, password):
        return
    log.info("accounts: operator %s set the password of %s", client.nick, account.name)
    _store_password(core, client, account, password, f"Password of {account.name} set")


@subcommand("SAREGISTER", usage="SAREGISTER <account> <password>  (operators)")
def saregister(core: ServerCore, client: Client, rest: str) -> None:
    given = _name_and_password(core, client, rest, "SAREGISTER <account> <password>")
    if given is None:
        return
    name, password = given
    if not valid_nick(name, core.config.nicklen) or is_service(name) or is_guest_nick(name):
        answer(core, client, f"{name} is not a nick anyone can keep, so it cannot be an account")
        return
    if _weak(core, client, password):
        return

    def done(account: Account | None) -> None:
        if not client.gone:
            answer(core, client, f"Registered {name}" if account is not None else NOT_STORED_TEXT)

    refused = _accounts(core).create(name, password, None, done)
    if refused is not None:
        text = f"The account {name} already exists" if refused == ACCOUNT_EXISTS else BUSY_TEXT
        answer(core, client, text)
        return
    log.info("accounts: operator %s registered the account %s", client.nick, name)


@subcommand("INFO", usage="INFO [account]")
def info(core: ServerCore, client: Client, rest: str) -> None:
    name = rest.split()[0] if rest else client.account
    if name is None:
        answer(core, client, f"{NOT_LOGGED_IN_TEXT}, or name an account (operators)")
        return
    own = client.account is not None and casefold(client.account) == casefold(name)
    if not own and not _is_oper(core, client):
        return
    account = _find(core, client, name)
    if account is None:
        return
    accounts = _accounts(core)
    key = casefold(account.name)
    last = accounts.last_login.get(key)
    sessions = sorted(c.nick for c in core.clients if c.account and casefold(c.account) == key)
    password = "SCRAM-SHA-256 too" if account.scram else "scrypt"
    lines = [
        f"Account {account.name}",
        f"Registered: {iso_time(account.created_ms / 1000)}",
        "Last login: " + (iso_time(last) if last else "not since the server started"),
        "Logged in now: " + (", ".join(sessions) or "nobody"),
        "Password: " + (password if account.has_password else "none (the host's account)"),
    ]
    for line in lines:
        answer(core, client, line)


@subcommand("LIST", usage="LIST [mask]  (operators)")
def list_(core: ServerCore, client: Client, rest: str) -> None:
    if not _is_oper(core, client):
        return
    mask = rest.split()[0] if rest else "*"
    names = sorted(a.name for a in _accounts(core).by_key.values() if match_mask(mask, a.name))
    shown = names[: core.config.max_query_replies]
    for name in shown:
        answer(core, client, name)
    more = f", the first {len(shown)} shown" if len(shown) < len(names) else ""
    answer(core, client, f"Accounts matching {mask}: {len(names)}{more}")


@subcommand("HELP", usage="HELP")
def help_(core: ServerCore, client: Client, rest: str) -> None:
    answer(
        core, client, f"{SERVICE_NICK} commands (/msg {SERVICE_NICK} <command> or NS <command>):"
    )
    for spec in SUBCOMMANDS.values():
        if spec.usage:
            answer(core, client, spec.usage)
