"""The host's nick belongs to the host: `tui-chat host` is never a guest on its own server.

The app `host` opens sends the server's `host_key` (ServerConfig; the cli
uses its random OPER password) as PASS (registration.py). When that
connection completes registration without being logged in, the server logs
it in to the account named like the first nick it asked for (someone
holding that nick makes it register under another, but not lose the
account: its NICK then takes the nick back), with no password asked:

- no such account: it is created without a password (`NO_PASSWORD`: only
  the host's key opens it; `NS PASSWD * <new>` gives it one);
- an account without a password: the host's own, from an earlier run;
- an account with a password: someone registered the nick while the host
  was away (or the host gave it a password). The host's operator status
  wins: the password is removed (both verifiers), every other session of it
  is logged out (901), and the host is told so after its welcome.

Registration waits for the store meanwhile, as it does for a password check.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from tui_chat.irc.servertime import iso_time
from tui_chat.server.core import log
from tui_chat.server.handlers.account_admin import log_out_everywhere
from tui_chat.server.handlers.sasl import resume_registration

if TYPE_CHECKING:
    from tui_chat.server.accounts import Account
    from tui_chat.server.core import ServerCore
    from tui_chat.server.state import Client

__all__ = ["claim_host_nick"]

Stored = Callable[["Account | None"], None]


def claim_host_nick(core: ServerCore, client: Client) -> bool:
    """Log the host's connection in to its nick's account; False while the store works
    (or if the login closed the connection).

    True for any other connection, and for the host once it is done (or
    already logged in: an explicit login is its choice).
    """
    accounts = core.accounts
    if accounts is None or client not in accounts.host_connections:
        return True
    name = accounts.host_connections.pop(client) or client.nick
    if client.account is not None:
        return True
    account = accounts.find(name)
    if account is not None and not account.has_password:
        core.set_account(client, account.name)
        return not client.gone  # an account ban (UBAN) closes it

    def stored(claimed: Account | None) -> None:
        accounts.busy.discard(client)
        if client.gone:
            return
        if claimed is None:
            log.error("accounts: the host's account %s could not be stored", name)
        else:
            core.set_account(client, claimed.name)
        resume_registration(core, client)

    if account is None:
        if accounts.create(name, None, None, stored) is not None:
            return True  # someone is registering it this instant: the host is a guest
        log.info("accounts: created the host's account %s", name)
    else:
        _take_over(core, client, account, stored)
    accounts.busy.add(client)
    return False


def _take_over(core: ServerCore, client: Client, account: Account, stored: Stored) -> None:
    accounts = core.accounts
    assert accounts is not None
    log.warning("accounts: the host takes back %s (it had a password)", account.name)

    def reset(claimed: Account | None) -> None:
        if claimed is not None:
            why = f"The host took back the account {account.name}"
            log_out_everywhere(core, account.name, why, free_nick=True)
            accounts.after_welcome[client] = (
                f"Your nick {account.name} had been registered with a password"
                f" ({iso_time(account.created_ms / 1000)}), by someone else while you were"
                " away or by you. You are the host, so it is yours: that password no longer"
                " works and its other sessions were logged out. To log in to it from"
                " elsewhere too, give it a password: /password * <new password>"
            )
        stored(claimed)

    accounts.set_password(account, None, reset)
