"""REGISTER and VERIFY: in-band account registration (IRCv3 draft/account-registration).

    REGISTER <account|*> <email|*> <password>

The account is named for the client's current nick (`*` means just that;
another name gets BAD_ACCOUNT_NAME, as we do not offer
`custom-account-name`), so registering claims the nick the client holds.
Allowed before connection registration (`before-connect`) unless the
server has a password, which must be given first. There is no email
verification: an account is active at once and the client is logged in
to it (REGISTER SUCCESS, then 900). The email, if given, is stored and
never used. Errors are always FAIL replies, as the spec defines them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tui_chat.irc.casemap import casefold, valid_nick
from tui_chat.irc.message import Message
from tui_chat.server.handlers import command
from tui_chat.server.handlers.sasl import resume_registration

if TYPE_CHECKING:
    from tui_chat.server.accounts import Account
    from tui_chat.server.core import ServerCore
    from tui_chat.server.state import Client


def _fail(
    core: ServerCore, client: Client, command_: str, code: str, account: str, text: str
) -> None:
    params = [command_, code, account if valid_nick(account, 1000) else "*", text]
    core.send(client, Message("FAIL", params, core.config.server_name))


@command("REGISTER", min_params=3, registered=False)
def register(core: ServerCore, client: Client, msg: Message) -> None:
    wanted, email, password = msg.params[:3]
    name = client.nick if wanted == "*" else wanted
    accounts = core.accounts
    if accounts is None:
        _fail(
            core,
            client,
            "REGISTER",
            "TEMPORARILY_UNAVAILABLE",
            name,
            "This server keeps no accounts (it runs without a store)",
        )
        return
    if client.account is not None:
        _fail(
            core,
            client,
            "REGISTER",
            "ALREADY_AUTHENTICATED",
            client.account,
            f"You are already logged in as {client.account}",
        )
        return
    if not client.registered and core.config.password is not None and not client.pass_ok:
        _fail(
            core,
            client,
            "REGISTER",
            "COMPLETE_CONNECTION_REQUIRED",
            name,
            "This server has a password: connect with it first, then register",
        )
        return
    if not client.folded:
        _fail(
            core, client, "REGISTER", "NEED_NICK", "*", "Choose a nick (NICK) before registering it"
        )
        return
    if casefold(name) != client.folded:
        _fail(
            core,
            client,
            "REGISTER",
            "BAD_ACCOUNT_NAME",
            name,
            "The account name must be your current nick; change nick first",
        )
        return
    if client in accounts.busy:
        _fail(
            core,
            client,
            "REGISTER",
            "TEMPORARILY_UNAVAILABLE",
            name,
            "Your previous request is still being handled",
        )
        return
    if accounts.taken(name):
        _fail(
            core, client, "REGISTER", "ACCOUNT_EXISTS", name, f"The account {name} already exists"
        )
        return
    if len(password) < accounts.min_password_length:
        _fail(
            core,
            client,
            "REGISTER",
            "WEAK_PASSWORD",
            name,
            f"Passwords need at least {accounts.min_password_length} characters",
        )
        return
    where = client.address_key or client.host
    now = core.clock()
    wait = accounts.registrations.retry_after(where, now)
    if wait:
        _fail(
            core,
            client,
            "REGISTER",
            "TEMPORARILY_UNAVAILABLE",
            name,
            f"Too many accounts registered from your address; try again in {int(wait) + 1} seconds",
        )
        return

    def done(account: Account | None) -> None:
        accounts.busy.discard(client)
        if client.gone:
            return
        if account is None:
            _fail(
                core,
                client,
                "REGISTER",
                "TEMPORARILY_UNAVAILABLE",
                name,
                "The account could not be stored; try again later",
            )
        else:
            core.send(
                client,
                Message(
                    "REGISTER",
                    [
                        "SUCCESS",
                        account.name,
                        "Account created; no verification needed, you are logged in",
                    ],
                    core.config.server_name,
                ),
            )
            if client.account is None:
                core.set_account(client, account.name)
        resume_registration(core, client)

    refused = accounts.create(name, password, None if email == "*" else email, done)
    if refused is not None:
        text = (
            "The server is busy checking passwords; try again in a moment"
            if refused == "TEMPORARILY_UNAVAILABLE"
            else f"The account {name} already exists"
        )
        _fail(core, client, "REGISTER", refused, name, text)
        return
    accounts.busy.add(client)
    accounts.registrations.record(where, now)


@command("VERIFY", min_params=2, registered=False)
def verify(core: ServerCore, client: Client, msg: Message) -> None:
    _fail(
        core,
        client,
        "VERIFY",
        "INVALID_CODE",
        msg.params[0],
        "Accounts here need no verification: they are active once registered",
    )
