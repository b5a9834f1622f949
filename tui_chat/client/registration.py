"""Getting from a fresh connection to a registered user: CAP, PASS, NICK, USER.

Sans-IO: it reads parsed messages and returns the messages to send, so the
whole negotiation can be checked without a socket. Works with servers that
have no CAP at all (they answer 421 or nothing, and register us anyway).
"""

from __future__ import annotations

from tui_chat.client.history import HISTORY_CAPS
from tui_chat.client.isupport import DEFAULT_NICKLEN
from tui_chat.client.sasl import (
    SASL_FAILURES,
    SASL_SUCCESS,
    LoginRefusedError,
    SaslLogin,
    choose_login,
)
from tui_chat.irc.message import Message

__all__ = [
    "ACCOUNT_REGISTRATION_CAP",
    "MAX_NICK_ATTEMPTS",
    "WANTED_CAPS",
    "Registration",
    "alternative_nick",
]

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
        # Enabled whenever offered, so /login works after connecting too.
        "sasl",
        *HISTORY_CAPS,
    }
)
# In-band account registration (REGISTER). Asked for on a line of its own: a
# draft a server may refuse, and a refusal (NAK) covers the whole line.
ACCOUNT_REGISTRATION_CAP = "draft/account-registration"
# Nicks tried after the chosen one is taken, before giving up.
MAX_NICK_ATTEMPTS = 10
# Keeps one CAP REQ line well inside 512 bytes whatever the server offers.
MAX_REQ_CHARS = 400


def alternative_nick(nick: str, attempt: int, max_length: int) -> str:
    """nick_, nick__, nick2, nick3, ... cut to `max_length`."""
    suffix = "_" * attempt if attempt <= 2 else str(attempt)
    return nick[: max(1, max_length - len(suffix))] + suffix


def _cap_values(caps: str) -> dict[str, str]:
    """`sasl=PLAIN multi-prefix` -> {"sasl": "PLAIN", "multi-prefix": ""}."""
    return {key: value for key, _, value in (item.partition("=") for item in caps.split())}


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
        allow_plain: bool = True,
    ) -> None:
        self.wanted_nick = nick
        self.nick = nick
        self._username = username
        self._realname = realname
        self._password = password
        # Capability name -> value (often "") of everything the server offers.
        self.offered: dict[str, str] = {}
        self._pending_reqs = 0
        self._negotiating = False
        self._nick_attempts = 0
        self._max_nick_attempts = nick_attempts
        self._short_nicks = False
        self.enabled: set[str] = set()
        self._credentials = sasl
        self._allow_plain = allow_plain
        self.login: SaslLogin | None = None
        # (sentence, code) of a login that could not start or was refused,
        # until taken: registration goes on without it (take_login_problem).
        self._login_problem: tuple[str, str] | None = None

    @property
    def sends_password(self) -> bool:
        """Whether this connection gives the server a password (PASS)."""
        return bool(self._password)

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
        values = _cap_values(msg.params[-1]) if len(msg.params) > 2 else {}
        caps = set(values)
        if sub in ("LS", "NEW"):
            self.offered |= values
        if sub == "LS":
            self._negotiating = True
            if more:
                return []
            wanted = set(self.offered) & WANTED_CAPS
            if self._credentials is not None:
                self._start_login()
            reqs = req_lines(wanted)
            if ACCOUNT_REGISTRATION_CAP in self.offered:
                reqs.append(Message("CAP", ["REQ", ACCOUNT_REGISTRATION_CAP]))
            if not reqs:
                return self._end()
            self._pending_reqs += len(reqs)
            return reqs
        if sub in ("ACK", "NAK"):
            if sub == "ACK":
                self.enabled |= {cap for cap in caps if not cap.startswith("-")}
                self.enabled -= {cap[1:] for cap in caps if cap.startswith("-")}
            elif "sasl" in caps and self.login is not None:
                self.login = None
                self._login_problem = ("Could not log in: the server refused to start a login", "")
            if more:
                return []
            self._pending_reqs = max(0, self._pending_reqs - 1)
            if sub == "ACK" and "sasl" in caps and self.login is not None:
                return [self.login.start()]
            return self._end() if self._pending_reqs == 0 else []
        if sub == "NEW":
            new = (caps & WANTED_CAPS) - self.enabled
            return req_lines(new) if new else []
        if sub == "DEL":
            self.enabled -= caps
            for cap in caps:
                self.offered.pop(cap, None)
        return []

    def _start_login(self) -> None:
        """Pick the login for our credentials, or note why there is none."""
        assert self._credentials is not None
        if "sasl" not in self.offered:
            self._login_problem = ("Could not log in: this server offers no password login", "")
            return
        try:
            self.login = choose_login(
                *self._credentials, self.offered["sasl"], allow_plain=self._allow_plain
            )
        except LoginRefusedError as exc:
            self._login_problem = (str(exc), "")

    def take_login_problem(self) -> tuple[str, str] | None:
        """(sentence, code) of the login that failed since the last call, if one did."""
        problem, self._login_problem = self._login_problem, None
        return problem

    def on_sasl_result(self, code: str, server_text: str = "") -> list[Message]:
        """After a SASL numeric: CAP END, logged in or not (a refusal is kept to be taken)."""
        if self.login is None or not self.login.running:
            return []
        if code in (*SASL_FAILURES, *SASL_SUCCESS):
            problem = self.login.verdict(code, server_text)
            if problem is not None:
                self._login_problem = (problem, code)
        return self._end() if self._pending_reqs == 0 else []

    def _end(self) -> list[Message]:
        if not self._negotiating or (self.login is not None and self.login.running):
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
