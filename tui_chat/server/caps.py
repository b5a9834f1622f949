"""The IRCv3 capabilities the server offers, and which tags each unlocks.

Only capabilities the core really implements are listed. `cap-notify` is
always on for clients that ask `CAP LS 302` (as the spec says); the set of
capabilities never changes while a server runs, so no CAP NEW/DEL is sent.
Two carry a value, shown to `CAP LS 302` clients only: `sasl` lists its
mechanisms, `draft/account-registration` says what REGISTER allows.
"""

from __future__ import annotations

MESSAGE_TAGS = "message-tags"
SERVER_TIME = "server-time"
ECHO_MESSAGE = "echo-message"
MULTI_PREFIX = "multi-prefix"
USERHOST_IN_NAMES = "userhost-in-names"
AWAY_NOTIFY = "away-notify"
EXTENDED_JOIN = "extended-join"
CAP_NOTIFY = "cap-notify"
BATCH = "batch"
LABELED_RESPONSE = "labeled-response"
SETNAME = "setname"
INVITE_NOTIFY = "invite-notify"
STANDARD_REPLIES = "standard-replies"
# Offered only by a server with a message store: a capability is advertised
# only where it really works (issue 2). Without one, CHATHISTORY still gets
# an empty answer for clients that send it unasked (handlers/chathistory.py).
CHATHISTORY = "draft/chathistory"
# JOIN, PART, KICK, QUIT, NICK, MODE and TOPIC in history batches.
EVENT_PLAYBACK = "draft/event-playback"
# Accounts live in the same store, so these come with it too.
SASL = "sasl"
ACCOUNT_REGISTRATION = "draft/account-registration"
ACCOUNT_NOTIFY = "account-notify"
ACCOUNT_TAG = "account-tag"
WITH_STORE: tuple[str, ...] = (
    CHATHISTORY,
    EVENT_PLAYBACK,
    SASL,
    ACCOUNT_REGISTRATION,
    ACCOUNT_NOTIFY,
    ACCOUNT_TAG,
)

# Offered by every server.
SUPPORTED: tuple[str, ...] = (
    AWAY_NOTIFY,
    BATCH,
    CAP_NOTIFY,
    ECHO_MESSAGE,
    EXTENDED_JOIN,
    INVITE_NOTIFY,
    LABELED_RESPONSE,
    MESSAGE_TAGS,
    MULTI_PREFIX,
    SERVER_TIME,
    SETNAME,
    STANDARD_REPLIES,
    USERHOST_IN_NAMES,
)
SUPPORTED_SET = frozenset(SUPPORTED)
WITH_HISTORY_SET = SUPPORTED_SET | frozenset(WITH_STORE)

# Bits of `Client.form`: which server-added tags a client receives. A
# relayed message is serialized once per distinct form among its recipients.
FORM_TIME = 1  # server-time: the `time` tag
FORM_TAGS = 2  # message-tags: `msgid` and relayed client-only `+tags`
FORM_ACCOUNT = 4  # account-tag: the sender's `account`
# How many distinct forms there are (every combination of the bits).
FORMS = 8


_SHARED: dict[frozenset[str], frozenset[str]] = {}


def shared(names: frozenset[str]) -> frozenset[str]:
    """One object per distinct set of capabilities.

    Thousands of clients ask for the same few sets; sharing them saves a
    set per client. At most 2**len(SUPPORTED) sets can exist.
    """
    return _SHARED.setdefault(names, names)


def form_of(caps: frozenset[str]) -> int:
    return (
        (FORM_TIME if SERVER_TIME in caps else 0)
        | (FORM_TAGS if MESSAGE_TAGS in caps else 0)
        | (FORM_ACCOUNT if ACCOUNT_TAG in caps else 0)
    )


def offered(history: bool) -> frozenset[str]:
    """What a server offers; `history`: it keeps a message store."""
    return WITH_HISTORY_SET if history else SUPPORTED_SET


def ls_tokens(history: bool, values: dict[str, str], version: int) -> list[str]:
    """The CAP LS list; `name=value` for those with a value, from version 302 on."""
    names = sorted(offered(history))
    if version < 302:
        return names
    return [f"{name}={values[name]}" if values.get(name) else name for name in names]
