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

from math import ceil
from typing import TYPE_CHECKING

from tui_chat.irc.casemap import casefold
from tui_chat.irc.message import Message
from tui_chat.server.accounts.registry import ACCOUNT_EXISTS, address_of
from tui_chat.server.handlers import command
from tui_chat.server.handlers.registration import is_guest_nick
from tui_chat.server.handlers.sasl import BUSY_TEXT, resume_registration

if TYPE_CHECKING:
    from tui_chat.server.accounts import Account
    from tui_chat.server.core import ServerCore
    from tui_chat.server.state import Client


# Reasons a REGISTER is refused: (FAIL code, the account it names, text).
Refusal = tuple[str, str, str]
UNAVAILABLE = "TEMPORARILY_UNAVAILABLE"


def _fail(core: ServerCore, client: Client, command_: str, refusal: Refusal) -> None:
    code, account, text = refusal
    shown = account if account and " " not in account and account[0] != ":" else "*"
    core.send(client, Message("FAIL", [command_, code, shown, text], core.config.server_name))


def _refusal(core: ServerCore, client: Client, name: str, password: str) -> Refusal | None:
    """Why `client` may not register `name` now, or None if it may."""
    accounts = core.accounts
    if accounts is None:
        return UNAVAILABLE, name, "This server keeps no accounts (it runs without a store)"
    if client.account is not None:
        account = client.account
        return "ALREADY_AUTHENTICATED", account, f"You are already logged in as {account}"
    if not client.registered and core.config.password is not None and not client.pass_ok:
        text = "This server has a password: connect with it first, then register"
        return "COMPLETE_CONNECTION_REQUIRED", name, text
    if not client.folded:
        return "NEED_NICK", "*", "Choose a nick (NICK) before registering it"
    if casefold(name) != client.folded:
        text = "The account name must be your current nick; change nick first"
        return "BAD_ACCOUNT_NAME", name, text
    if is_guest_nick(name):
        text = f"{name} is a temporary guest nick; /nick <name> first, then register that"
        return "BAD_ACCOUNT_NAME", name, text
    if client in accounts.busy:
        return UNAVAILABLE, name, "Your previous request is still being handled"
    if accounts.taken(name):
        return ACCOUNT_EXISTS, name, f"The account {name} already exists"
    if len(password) < accounts.min_password_length:
        text = f"Passwords need at least {accounts.min_password_length} characters"
        return "WEAK_PASSWORD", name, text
    wait = accounts.registrations.retry_after(address_of(client), core.clock())
    if wait:
        text = f"Too many accounts registered from your address; try again in {ceil(wait)} seconds"
        return UNAVAILABLE, name, text
    return None


@command("REGISTER", min_params=3, registered=False)
def register(core: ServerCore, client: Client, msg: Message) -> None:
    wanted, email, password = msg.params[:3]
    name = client.nick if wanted == "*" else wanted
    refusal = _refusal(core, client, name, password)
    accounts = core.accounts
    if refusal is not None or accounts is None:
        _fail(core, client, "REGISTER", refusal or (UNAVAILABLE, name, "No accounts here"))
        return

    def done(account: Account | None) -> None:
        accounts.busy.discard(client)
        if client.gone:
            return
        if account is None:
            text = "The account could not be stored; try again later"
            _fail(core, client, "REGISTER", (UNAVAILABLE, name, text))
        else:
            text = "Account created; no verification needed, you are logged in"
            params = ["SUCCESS", account.name, text]
            core.send(client, Message("REGISTER", params, core.config.server_name))
            if client.account is None:
                core.set_account(client, account.name)
        resume_registration(core, client)

    # Only the KDF pool being full can stop it now (the name was checked above).
    if accounts.create(name, password, None if email == "*" else email, done) is not None:
        _fail(core, client, "REGISTER", (UNAVAILABLE, name, BUSY_TEXT))
        return
    accounts.busy.add(client)
    accounts.registrations.record(address_of(client), core.clock())


@command("VERIFY", min_params=2, registered=False)
def verify(core: ServerCore, client: Client, msg: Message) -> None:
    text = "Accounts here need no verification: they are active once registered"
    _fail(core, client, "VERIFY", ("INVALID_CODE", msg.params[0], text))
