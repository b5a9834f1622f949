"""CTCP inside PRIVMSG/NOTICE text: `\\x01COMMAND params\\x01`.

Follows the modern CTCP draft (modern.ircdocs.horse/ctcp): no low-level
quoting, the closing delimiter may be missing on receive (some clients
truncate it), a command is one word and is compared case-insensitively.
Queries go out as PRIVMSG, replies as NOTICE; ACTION (`/me`) needs none.
"""

from __future__ import annotations

from typing import NamedTuple

__all__ = [
    "ACTION",
    "DELIMITER",
    "Ctcp",
    "action",
    "decode_ctcp",
    "encode_ctcp",
]

DELIMITER = "\x01"
ACTION = "ACTION"


class Ctcp(NamedTuple):
    command: str
    params: str


def decode_ctcp(text: str) -> Ctcp | None:
    """The CTCP in a message's text, or None if it is ordinary text.

    The command is upper-cased; `params` is everything after the first
    space, verbatim (an ACTION's text keeps its spacing).
    """
    if not text.startswith(DELIMITER):
        return None
    body = text[1:]
    if body.endswith(DELIMITER):
        body = body[:-1]
    command, _, params = body.partition(" ")
    if not command or DELIMITER in command:
        return None
    return Ctcp(command.upper(), params)


def encode_ctcp(command: str, params: str = "") -> str:
    """The message text for a CTCP; ValueError on what would not decode back."""
    if not command or " " in command or DELIMITER in command:
        raise ValueError(f"bad CTCP command {command!r}")
    if DELIMITER in params:
        raise ValueError("CTCP parameters may not contain \\x01")
    body = f"{command} {params}" if params else command
    return f"{DELIMITER}{body}{DELIMITER}"


def action(text: str) -> str:
    """The PRIVMSG text of `/me text`."""
    return encode_ctcp(ACTION, text)
