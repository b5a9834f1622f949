"""Numeric replies and FAIL/WARN/NOTE turned into sentences a person can read.

The server's own text ("Cannot join channel (+b)") is jargon; the tables
below say the same thing in words. A numeric we have no sentence for keeps
the server's text, so nothing is ever lost.
"""

from __future__ import annotations

from collections.abc import Callable

from tui_chat.client.events import ErrorReply, ServerInfo
from tui_chat.irc import numerics
from tui_chat.irc.message import Message

__all__ = [
    "describe_error",
    "describe_info",
    "describe_standard_reply",
    "is_error_numeric",
]

# {0} is the first parameter after our nick (a nick, room or command), {1}
# the second; {text} is the server's own trailing text.
_SENTENCES: dict[str, str] = {
    numerics.ERR_NOSUCHNICK: "There is no one called '{0}' on this server",
    numerics.ERR_NOSUCHSERVER: "There is no server called '{0}'",
    numerics.ERR_NOSUCHCHANNEL: "There is no room called {0}",
    numerics.ERR_CANNOTSENDTOCHAN: "You cannot send messages to {0}: {text}",
    numerics.ERR_TOOMANYCHANNELS: "Cannot join {0}: you are in too many rooms already",
    numerics.ERR_WASNOSUCHNICK: "There was no one called '{0}'",
    numerics.ERR_TOOMANYTARGETS: "Too many targets for that message",
    numerics.ERR_NORECIPIENT: "That message has no recipient",
    numerics.ERR_NOTEXTTOSEND: "There is no text to send",
    numerics.ERR_INPUTTOOLONG: "That line is too long for the server",
    numerics.ERR_UNKNOWNCOMMAND: "The server does not know the command {0}",
    numerics.ERR_NONICKNAMEGIVEN: "No nick was given",
    numerics.ERR_ERRONEUSNICKNAME: "'{0}' is not a valid nick on this server",
    numerics.ERR_NICKNAMEINUSE: "Nick '{0}' is already taken",
    "435": "You cannot change your nick to '{0}' while banned or muted in {1}",
    "436": "Nick '{0}' collided with another user",  # ERR_NICKCOLLISION
    numerics.ERR_USERNOTINCHANNEL: "{0} is not in {1}",
    numerics.ERR_NOTONCHANNEL: "You're not in {0}",
    numerics.ERR_USERONCHANNEL: "{0} is already in {1}",
    numerics.ERR_NOTREGISTERED: "You have not finished connecting yet",
    numerics.ERR_NEEDMOREPARAMS: "Not enough parameters for {0}",
    numerics.ERR_ALREADYREGISTERED: "You are already registered",
    numerics.ERR_PASSWDMISMATCH: "The server password is wrong",
    # The server's own words carry the reason and when the ban ends.
    "465": "{text}",  # ERR_YOUREBANNEDCREEP
    numerics.ERR_CHANNELISFULL: "Cannot join {0}: the room is full",
    numerics.ERR_UNKNOWNMODE: "'{0}' is not a mode this server knows",
    numerics.ERR_INVITEONLYCHAN: "Cannot join {0}: it is invite-only",
    numerics.ERR_BANNEDFROMCHAN: "Cannot join {0}: you are banned",
    numerics.ERR_BADCHANNELKEY: "Cannot join {0}: wrong room key",
    numerics.ERR_BADCHANMASK: "'{0}' is not a valid room name",
    "477": "Cannot join {0}: {text}",  # ERR_NEEDREGGEDNICK
    numerics.ERR_BANLISTFULL: "The list of {0} is full",
    numerics.ERR_NOPRIVILEGES: "You need to be an IRC operator to do that",
    numerics.ERR_CHANOPRIVSNEEDED: "You're not a channel operator in {0}",
    "483": "You cannot kill a server",  # ERR_CANTKILLSERVER
    numerics.ERR_NOOPERHOST: "You cannot become an IRC operator from this host",
    numerics.ERR_UMODEUNKNOWNFLAG: "'{0}' is not a user mode this server knows",
    numerics.ERR_USERSDONTMATCH: "You can only change your own user modes",
    numerics.ERR_INVALIDKEY: "That room key is not valid",
    numerics.ERR_INVALIDMODEPARAM: "Invalid value for mode {1} on {0}: {text}",
    "723": "You need the '{0}' privilege to do that",  # ERR_NOPRIVS
}

# The usual 474 text; what a server adds after it (ours: ", the ban ends in
# 9m") is kept.
_USUAL_BANNED_TEXT = "Cannot join channel (+b)"

# Numerics whose first parameter names the window the error belongs to.
_ROOM_SCOPED = frozenset({"403", "404", "405", "442", "471", "473", "474", "475", "477", "482"})

# Error numerics outside 400-599 that the modern docs list.
_OTHER_ERRORS = frozenset({"696", "723"})


def is_error_numeric(command: str) -> bool:
    if command == numerics.ERR_NOMOTD:
        # Numbered like an error, but only says the server has no MOTD.
        return False
    return command.isdigit() and ("400" <= command <= "599" or command in _OTHER_ERRORS)


def describe_error(msg: Message) -> ErrorReply:
    """Turn an error numeric (params: our nick, subjects..., text) into an ErrorReply."""
    subjects = msg.params[1:-1]
    text = msg.params[-1] if len(msg.params) > 1 else ""
    template = _SENTENCES.get(msg.command)
    sentence: str
    if template is None:
        sentence = " ".join([*subjects, text]).strip() or f"Error {msg.command}"
    else:
        try:
            sentence = template.format(*subjects, text=text) or f"Error {msg.command}"
        except IndexError:
            # A server that left out a subject: its own text beats a broken sentence.
            sentence = text or f"Error {msg.command}"
    if msg.command == numerics.ERR_BANNEDFROMCHAN and text.startswith(_USUAL_BANNED_TEXT):
        sentence += text[len(_USUAL_BANNED_TEXT) :]
    target = subjects[0] if msg.command in _ROOM_SCOPED and subjects else None
    return ErrorReply(text=sentence, code=msg.command, target=target)


# FAIL REGISTER/VERIFY <code> [account] :<text> (draft/account-registration) as
# sentences; {account} is the account named, {text} the server's own words.
_REGISTER_SENTENCES: dict[str, str] = {
    "ACCOUNT_EXISTS": "Could not register: the account {account} exists already",
    "BAD_ACCOUNT_NAME": "Could not register: {account} cannot be an account name ({text})",
    "ACCOUNT_NAME_MUST_BE_NICK": "Could not register: the account name must be your nick",
    "NEED_NICK": "Could not register: choose a nick first",
    "ALREADY_AUTHENTICATED": "You are logged in already: no need to register",
    "WEAK_PASSWORD": "Could not register: that password is too weak ({text})",
    "UNACCEPTABLE_PASSWORD": "Could not register: that password is not accepted ({text})",
    "INVALID_EMAIL": "Could not register: the server cannot send mail to that address",
    "UNACCEPTABLE_EMAIL": "Could not register: that e-mail address is not accepted",
    "COMPLETE_CONNECTION_REQUIRED": "Could not register yet: wait until you are connected",
    "INVALID_CODE": "Could not verify the account: the code is wrong or has expired",
    "TEMPORARILY_UNAVAILABLE": "Registering is not possible right now ({text})",
}


def describe_standard_reply(msg: Message) -> ErrorReply:
    """FAIL/WARN/NOTE <command> <code> [context...] :<description>."""
    command = msg.param(0, "*")
    code = msg.param(1)
    description = msg.params[-1] if len(msg.params) > 2 else code
    sentence = _REGISTER_SENTENCES.get(code) if command.upper() in ("REGISTER", "VERIFY") else None
    if sentence is not None:
        account = msg.params[2] if len(msg.params) > 3 else ""
        return ErrorReply(sentence.format(account=account, text=description), code=code)
    kind = {"FAIL": "failed", "WARN": "warning"}.get(msg.command, "note")
    where = "" if command == "*" else f"{command} {kind}: "
    return ErrorReply(text=f"{where}{description}", code=code)


# Numerics with nothing a person needs to read.
_SILENT_NUMERICS = frozenset(
    {"002", "003", "004", "250", "251", "252", "253", "254", "255", "265", "266"}
    | {"318", "321", "329", "369", "375", "376", "422"}
    # 903 "SASL authentication successful" only repeats 900's "logged in as".
    | {"903"}
)


def _p(params: list[str], index: int) -> str:
    return params[index] if -len(params) <= index < len(params) else ""


def _list_entry(params: list[str]) -> str:
    """322 <room> <count> :<topic> as "#dev (3 users): topic", or "#dev (1 user)"."""
    count, topic = _p(params, 1), _p(params, 2)
    people = f"{count} user" if count == "1" else f"{count} users"
    return f"{_p(params, 0)} ({people})" + (f": {topic}" if topic else "")


# Replies (WHOIS, LIST, ...) that read better as a sentence than as raw fields.
_INFO_SENTENCES: dict[str, Callable[[list[str]], str]] = {
    "301": lambda p: f"{_p(p, 0)} is away: {_p(p, 1)}",
    "311": lambda p: f"{_p(p, 0)} is {_p(p, 1)}@{_p(p, 2)} ({_p(p, -1)})",
    "312": lambda p: f"{_p(p, 0)} is connected to {_p(p, 1)} ({_p(p, 2)})",
    "313": lambda p: f"{_p(p, 0)} is an IRC operator",
    "317": lambda p: f"{_p(p, 0)} has been idle for {_p(p, 1)} seconds",
    "319": lambda p: f"{_p(p, 0)} is in {_p(p, -1)}",
    "322": _list_entry,
    "331": lambda p: f"No topic is set for {_p(p, 0)}",
    "324": lambda p: f"Modes of {_p(p, 0)}: {' '.join(p[1:])}",
    # Channel lists: 367 ban, 348 exception, 728 quiet (solanum's, which names the mode).
    "367": lambda p: f"{_p(p, 0)} bans {_p(p, 1)} (set by {_p(p, 2).partition('!')[0]})",
    "368": lambda p: f"End of {_p(p, 0)}'s ban list",
    "348": lambda p: f"{_p(p, 0)} exempts {_p(p, 1)} (set by {_p(p, 2).partition('!')[0]})",
    "349": lambda p: f"End of {_p(p, 0)}'s exception list",
    "728": lambda p: f"{_p(p, 0)} mutes {_p(p, 2)} (set by {_p(p, 3).partition('!')[0]})",
    "729": lambda p: f"End of {_p(p, 0)}'s mute list",
    "330": lambda p: f"{_p(p, 0)} is logged in as {_p(p, 1)}",
    "341": lambda p: f"Invited {_p(p, 0)} to {_p(p, 1)}",
    "381": lambda p: "You are now an IRC operator",
    "221": lambda p: f"Your user modes: {' '.join(p)}",
    "900": lambda p: f"You are logged in as {_p(p, 1)}",
    "901": lambda p: "You are logged out",
}


def describe_info(msg: Message) -> ServerInfo | None:
    """A non-error numeric as a ServerInfo, or None for the ones not worth showing."""
    if msg.command in _SILENT_NUMERICS:
        return None
    describe = _INFO_SENTENCES.get(msg.command)
    text = describe(msg.params[1:]) if describe else " ".join(msg.params[1:])
    return ServerInfo(text, code=msg.command) if text else None
