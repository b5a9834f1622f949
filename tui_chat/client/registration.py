"""Getting from a fresh connection to a registered user: CAP, PASS, NICK, USER.

Sans-IO: it reads parsed messages and returns the messages to send, so the
whole negotiation can be checked without a socket. Works with servers that
have no CAP at all (they answer 421 or nothing, and register us anyway).
"""

from __future__ import annotations

from tui_chat.client.history import HISTORY_CAPS
from tui_chat.client.isupport import DEFAULT_NICKLEN
from tui_chat.client.sasl import SASL_FAILURES, SASL_SUCCESS, SaslPlain, offers_plain
from tui_chat.irc.message import Message

__all__ = ["MAX_NICK_ATTEMPTS", "WANTED_CAPS", "Registration", "alternative_nick"]

# The capabilities this client uses, requested whenever the server offers them.
WANTED_CAPS = frozenset(
    {
        "message-tags",
        "server-time",
        "echo-message",
        "multi-prefix",
        "away-notify",
        "batch",
        "labeled-response",
        "setname",
        "userhost-in-names",
        "extended-join",
        "account-notify",
        "account-tag",
        "invite-notify",
        "cap-notify",
        "chghost",
        "standard-replies",
        *HISTORY_CAPS,
    }
)
# Nicks tried after the chosen one is taken, before giving up.
MAX_NICK_ATTEMPTS = 10
# Keeps one CAP REQ line well inside 512 bytes whatever the server offers.
MAX_REQ_CHARS = 400


def alternative_nick(nick: str, attempt: int, max_length: int) -> str:
    """nick_, nick__, nick2, nick3, ... cut to `max_length`."""
    suffix = "_" * attempt if attempt <= 2 else str(attempt)
    return nick[: max(1, max_length - len(suffix))] + suffix


def _cap_names(caps: str) -> set[str]:
    """`sasl=PLAIN multi-prefix` -> {"sasl", "multi-prefix"} (values are not used)."""
    return {item.partition("=")[0] for item in caps.split() if item}


def _cap_value(caps: str, name: str) -> str:
    """The value of `name=value` in a CAP LS list, or ""."""
    for item in caps.split():
        key, _, value = item.partition("=")
        if key == name:
            return value
    return ""


def req_lines(caps: set[str]) -> list[Message]:
    """CAP REQ lines for `caps`, several if they would not fit one line."""
    lines: list[Message] = []
    batch: list[str] = []
    for cap in sorted(caps):
        if batch and len(" ".join([*batch, cap])) > MAX_REQ_CHARS:
            lines.append(Message("CAP", ["REQ", " ".join(batch)]))
            batch = []
        batch.append(cap)
    if batch:
        lines.append(Message("CAP", ["REQ", " ".join(batch)]))
    return lines


class Registration:
    """CAP negotiation and nick choice for one connection."""

    def __init__(
        self,
        nick: str,
        username: str,
        realname: str,
        password: str | None = None,
        sasl: tuple[str, str] | None = None,
        nick_attempts: int = MAX_NICK_ATTEMPTS,
    ) -> None:
        self.wanted_nick = nick
        self.nick = nick
        self._username = username
        self._realname = realname
        self._password = password
        self._offered: set[str] = set()
        self._pending_reqs = 0
        self._negotiating = False
        self._nick_attempts = 0
        self._max_nick_attempts = nick_attempts
        self._short_nicks = False
        self.enabled: set[str] = set()
        self._sasl = SaslPlain(*sasl) if sasl else None
        self._sasl_value = ""
        self._sasl_running = False
        # Why registration cannot go on (set when logging in is impossible or refused).
        self.failure: str | None = None

    def opening_lines(self) -> list[Message]:
        lines = [Message("CAP", ["LS", "302"])]
        if self._password:
            lines.append(Message("PASS", [self._password]))
        lines.append(Message("NICK", [self.nick]))
        lines.append(Message("USER", [self._username, "0", "*", self._realname]))
        return lines

    def on_cap(self, msg: Message) -> list[Message]:
        """Handle one CAP reply; return what to send (REQ, END) in answer."""
        sub = msg.param(1).upper()
        # `CAP * LS * :caps` marks a continued list in version 302.
        more = len(msg.params) > 3 and msg.params[2] == "*"
        caps = _cap_names(msg.params[-1]) if len(msg.params) > 2 else set()
        if sub == "LS":
            self._negotiating = True
            self._offered |= caps
            self._sasl_value = _cap_value(msg.params[-1], "sasl") or self._sasl_value
            if more:
                return []
            wanted = self._offered & WANTED_CAPS
            if self._sasl is not None:
                if "sasl" not in self._offered or not offers_plain(self._sasl_value):
                    self.failure = "Could not log in: this server offers no password login"
                    return []
                wanted.add("sasl")
            if not wanted:
                return self._end()
            reqs = req_lines(wanted)
            self._pending_reqs += len(reqs)
            return reqs
        if sub in ("ACK", "NAK"):
            if sub == "ACK":
                self.enabled |= {cap for cap in caps if not cap.startswith("-")}
                self.enabled -= {cap[1:] for cap in caps if cap.startswith("-")}
            elif "sasl" in caps and self._sasl is not None:
                self.failure = "Could not log in: the server refused to start a login"
                return []
            if more:
                return []
            self._pending_reqs = max(0, self._pending_reqs - 1)
            if sub == "ACK" and "sasl" in caps and self._sasl is not None:
                self._sasl_running = True
                return [self._sasl.start()]
            return self._end() if self._pending_reqs == 0 else []
        if sub == "NEW":
            new = (caps & WANTED_CAPS) - self.enabled
            return req_lines(new) if new else []
        if sub == "DEL":
            self.enabled -= caps
        return []

    def on_authenticate(self, msg: Message) -> list[Message]:
        if self._sasl is None or not self._sasl_running:
            return []
        return self._sasl.respond(msg.param(0))

    def on_sasl_result(self, code: str) -> list[Message]:
        """After a SASL numeric: CAP END once logged in, or `failure` set."""
        if not self._sasl_running:
            return []
        if code in SASL_FAILURES:
            self.failure = SASL_FAILURES[code]
            return []
        if code in SASL_SUCCESS:
            self._sasl_running = False
            return self._end() if self._pending_reqs == 0 else []
        return []

    def _end(self) -> list[Message]:
        if not self._negotiating or self._sasl_running:
            return []
        self._negotiating = False
        return [Message("CAP", ["END"])]

    def on_nick_rejected(self, erroneous: bool) -> Message | None:
        """The next NICK to try after 433 (taken) or 432 (erroneous), or None to give up.

        An erroneous alternative usually means it is too long, so it is cut
        to the shortest NICKLEN any server has.
        """
        if erroneous and self._nick_attempts == 0:
            return None
        self._nick_attempts += 1
        if self._nick_attempts > self._max_nick_attempts:
            return None
        self._short_nicks = self._short_nicks or erroneous
        max_length = DEFAULT_NICKLEN if self._short_nicks else len(self.wanted_nick) + 3
        self.nick = alternative_nick(self.wanted_nick, self._nick_attempts, max_length)
        return Message("NICK", [self.nick])
