"""AUTHENTICATE: SASL login (IRCv3 sasl-3.2), before or after connection registration.

Mechanisms: PLAIN always; SCRAM-SHA-256 when the server turns it on
(`ServerConfig.sasl_scram`). The password of a PLAIN login is checked on the
KDF pool; meanwhile the connection's registration waits (`Accounts.busy`),
so a client that sends CAP END right behind its credentials is still
logged in before its welcome. A client that completes registration in the
middle of an exchange has it aborted (906), as the spec says.

Failed logins are limited per address and per account
(`accounts.throttle`): a locked key is refused at once, with how long to
wait, and hashes nothing. A connection with
`login_failures_per_connection` failures is disconnected. Failures are
logged with the account and address, never the password.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING

from tui_chat.irc.casemap import casefold
from tui_chat.irc.message import Message
from tui_chat.irc.numerics import (
    ERR_SASLABORTED,
    ERR_SASLALREADY,
    ERR_SASLFAIL,
    ERR_SASLTOOLONG,
    RPL_SASLMECHS,
    RPL_SASLSUCCESS,
)
from tui_chat.irc.sasl import ChunkCollector, SaslChunkError, encode_chunks
from tui_chat.server import caps
from tui_chat.server.accounts.sasl import SaslSession
from tui_chat.server.accounts.scram import ScramError, ScramExchange
from tui_chat.server.core import log
from tui_chat.server.handlers import command

if TYPE_CHECKING:
    from tui_chat.server.accounts import Account, Accounts
    from tui_chat.server.core import ServerCore
    from tui_chat.server.state import Client

__all__ = [
    "BUSY_TEXT",
    "abort_on_registration",
    "count_failure",
    "login_with_password",
    "resume_registration",
]

PLAIN = "PLAIN"
SCRAM = "SCRAM-SHA-256"
ABORT = "*"
BUSY_TEXT = "The server is busy checking passwords; try again in a moment"
INVALID_TEXT = "Authentication failed: invalid account or password"


@command("AUTHENTICATE", min_params=1, registered=False)
def authenticate(core: ServerCore, client: Client, msg: Message) -> None:
    accounts = core.accounts
    if accounts is None or caps.SASL not in client.caps:
        core.reply(
            client,
            ERR_SASLFAIL,
            text="SASL authentication failed: request the sasl capability first",
        )
        return
    arg = msg.params[0]
    session = accounts.sessions.get(client)
    if client in accounts.busy:
        # The last message is being checked; its answer comes next.
        return
    if arg == ABORT:
        accounts.sessions.pop(client, None)
        core.reply(client, ERR_SASLABORTED)
        return
    if client.account is not None:
        accounts.sessions.pop(client, None)
        core.reply(client, ERR_SASLALREADY)
        return
    if session is None:
        _start(core, accounts, client, arg.upper())
        return
    try:
        data = session.pieces.feed(arg)
    except SaslChunkError as error:
        accounts.sessions.pop(client, None)
        code = ERR_SASLTOOLONG if error.too_long else ERR_SASLFAIL
        core.reply(
            client,
            code,
            text=f"SASL authentication failed: {error}" if not error.too_long else None,
        )
        return
    if data is not None:
        _step(core, accounts, client, session, data)


def _start(core: ServerCore, accounts: Accounts, client: Client, mechanism: str) -> None:
    if mechanism not in accounts.mechanisms:
        core.reply(client, RPL_SASLMECHS, ",".join(accounts.mechanisms))
        core.reply(client, ERR_SASLFAIL)
        return
    session = SaslSession(mechanism, ChunkCollector(core.config.sasl_max_bytes))
    if mechanism == SCRAM:
        session.exchange = ScramExchange(accounts.scram_verifier, secret=accounts.secret)
    accounts.sessions[client] = session
    core.send(client, Message("AUTHENTICATE", ["+"], core.config.server_name))


def _step(
    core: ServerCore, accounts: Accounts, client: Client, session: SaslSession, data: bytes
) -> None:
    if session.mechanism == PLAIN:
        _plain(core, accounts, client, data)
        return
    exchange = session.exchange
    assert exchange is not None
    try:
        if session.step == 0:
            reply = exchange.first(data)
            session.username = exchange.username
            wait = _locked_for(core, accounts, client, session.username)
            if wait:
                _refuse(core, client, session.username, locked_out_text(client, wait), False)
                return
        elif session.step == 1:
            reply = exchange.final(data)
        else:
            account = accounts.find(exchange.username)
            assert account is not None  # final() succeeded, so it has a verifier
            _logged_in(core, client, account)
            return
    except ScramError as error:
        log.warning(
            "accounts: SCRAM login to %r from %s failed: %s", session.username, client.host, error
        )
        _refuse(core, client, session.username, INVALID_TEXT, True)
        return
    session.step += 1
    for chunk in encode_chunks(reply):
        core.send(client, Message("AUTHENTICATE", [chunk], core.config.server_name))


def _plain(core: ServerCore, accounts: Accounts, client: Client, data: bytes) -> None:
    parts = data.split(b"\0")
    try:
        authzid, authcid, password = (
            (p.decode("utf-8") for p in parts) if len(parts) == 3 else ("", "", "")
        )
    except UnicodeDecodeError:
        authcid = ""
    if not authcid or (authzid and casefold(authzid) != casefold(authcid)):
        accounts.sessions.pop(client, None)
        core.reply(client, ERR_SASLFAIL, text="SASL authentication failed: malformed PLAIN message")
        return
    login_with_password(
        core,
        client,
        authcid,
        password,
        succeeded=lambda account: _logged_in(core, client, account),
        failed=lambda text, counted: _refuse(core, client, authcid, text, counted),
    )


def login_with_password(
    core: ServerCore,
    client: Client,
    name: str,
    password: str,
    *,
    succeeded: Callable[[Account], None],
    failed: Callable[[str, bool], None],
) -> None:
    """Check `password` for account `name` off the loop, within the failure limits.

    `failed(text, counted)`: why, and whether it counts towards the limits
    (pass it to `count_failure`): a wrong password or unknown account does;
    a lock-out or a full KDF pool refuses without checking and does not.
    """
    accounts = core.accounts
    assert accounts is not None
    wait = _locked_for(core, accounts, client, name)
    if wait:
        failed(locked_out_text(client, wait), False)
        return
    account = accounts.find(name)
    if account is None:
        log.warning("accounts: login to unknown account %r from %s", name, client.host)
        failed(INVALID_TEXT, True)
        return

    def checked(ok: bool | None) -> None:
        accounts.busy.discard(client)
        if client.gone:
            return
        if ok:
            accounts.add_scram(account, password)
            succeeded(account)
        else:
            log.warning("accounts: wrong password for %s from %s", account.name, client.host)
            failed(INVALID_TEXT, True)
        resume_registration(core, client)

    if not accounts.verify(account, password, checked):
        failed(BUSY_TEXT, False)
        return
    accounts.busy.add(client)


def resume_registration(core: ServerCore, client: Client) -> None:
    # Imported here: registration imports this module for abort_on_registration.
    from tui_chat.server.handlers.registration import try_register

    if not client.gone and not client.registered:
        try_register(core, client)


def _locked_for(core: ServerCore, accounts: Accounts, client: Client, name: str) -> float:
    return accounts.locked_for(client, name, core.clock())


def locked_out_text(client: Client, wait: float) -> str:
    log.warning("accounts: login from %s refused: locked out", client.host)
    return f"Too many failed logins; try again in {math.ceil(wait)} seconds"


def _refuse(core: ServerCore, client: Client, name: str, text: str, counted: bool) -> None:
    accounts = core.accounts
    assert accounts is not None
    accounts.sessions.pop(client, None)
    core.reply(client, ERR_SASLFAIL, text=text)
    if counted:
        count_failure(core, client, name)


def count_failure(core: ServerCore, client: Client, name: str) -> None:
    """A failed login towards the address, account and connection limits (may disconnect)."""
    accounts = core.accounts
    assert accounts is not None
    failures = accounts.failed_login(client, name, core.clock())
    if failures >= core.config.login_failures_per_connection:
        core.disconnect(client, "Too many failed login attempts")


def _logged_in(core: ServerCore, client: Client, account: Account) -> None:
    accounts = core.accounts
    assert accounts is not None
    accounts.sessions.pop(client, None)
    core.set_account(client, account.name)
    core.reply(client, RPL_SASLSUCCESS)


def abort_on_registration(core: ServerCore, client: Client) -> bool:
    """Called when registration would complete: False while a password is being checked.

    An exchange still waiting for the client is aborted (906).
    """
    accounts = core.accounts
    if accounts is None:
        return True
    if client in accounts.busy:
        return False
    if accounts.sessions.pop(client, None) is not None:
        core.reply(client, ERR_SASLABORTED)
    return True
