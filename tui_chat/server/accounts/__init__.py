"""Server accounts: verifiers, SASL mechanisms, the registry and login limits.

`Accounts` (registry.py) is what `ServerCore.accounts` holds when the server
has a store; the protocol side is in handlers/sasl.py (AUTHENTICATE) and
handlers/account_registration.py (REGISTER). docs/security.md, Accounts,
has the threat model and every limit.
"""

from tui_chat.server.accounts.registry import Account, Accounts

__all__ = ["Account", "Accounts"]
