"""Every limit the server core enforces, with its default.

Each constant is the default of the `ServerConfig` field of the same name in
lower case (`NICKLEN` -> `config.nicklen`); change a limit by passing that
field, e.g. `ServerConfig(nicklen=20)`. ISUPPORT advertises the configured
values, so clients learn them.
"""

from __future__ import annotations

# Seconds of silence before the server PINGs a client, and before it drops it.
PING_INTERVAL = 60.0
PING_TIMEOUT = 120.0
# Seconds a connection may take to register (slowloris guard).
REGISTRATION_TIMEOUT = 30.0
# Seconds a TLS handshake may take. The core only sees a TLS connection once
# its handshake is done, so the registration timeout cannot close one that
# never finishes it; asyncio's own default would hold such a socket 60 s.
TLS_HANDSHAKE_TIMEOUT = 10.0
# Bytes of one line without its tags, CR LF included (RFC 1459, LINELEN).
LINELEN = 512
# Bytes of the tag section a client may send, "@" and the trailing space
# included (IRCv3 message-tags: 4094 for the tags themselves).
CLIENT_TAGS_LEN = 4096
NICKLEN = 30
CHANNELLEN = 50
TOPICLEN = 390
KICKLEN = 390
AWAYLEN = 200
USERLEN = 18
REALNAMELEN = 200
# Channels one user may be in at once (CHANLIMIT).
CHANLIMIT = 50
# Entries in one channel's ban list (MAXLIST).
MAXLIST = 100
# Mode changes with a parameter in one MODE command (MODES).
MODES = 6
# Comma-separated targets in one PRIVMSG/NOTICE/TAGMSG/JOIN/PART/KICK (TARGMAX).
MAXTARGETS = 4
# Nicks one ISON or USERHOST answers about.
ISON_MAX_NICKS = 32
USERHOST_MAX_NICKS = 5
# Departed users remembered for WHOWAS.
WHOWAS_HISTORY = 200
# Replies one WHO/LIST answers at most, so a single command cannot flood its sender.
MAX_QUERY_REPLIES = 500
# Bytes waiting in a client's transport before the core drops it as a stalled reader.
MAX_SENDQ = 1024 * 1024
# Python's youngest-generation GC threshold in `tui-chat serve` (net container
# allocations between collections; CPython's default is 700). The server makes
# almost no cyclic garbage, so frequent collections only re-scan live
# objects: at 700 they cost ~13 µs of every churned connection
# (docs/benchmarks.md). `serve` also freezes its start-up objects
# (`gc.freeze()`) so full collections skip them. 0 keeps CPython's defaults.
GC_THRESHOLD = 10_000

# Flood control (ergo's fakelag defaults, which irssi, WeeChat and our own
# client's pacing stay under): a client may send FLOOD_BURST lines at once,
# then FLOOD_RATE lines per second. Faster input is delayed, not dropped: the
# server stops reading from the client until it catches up.
FLOOD_BURST = 5
FLOOD_RATE = 2.0
# Lines held back for one client beyond which it is disconnected with
# "Excess Flood" (the hard ceiling: a client that keeps sending far above the
# rate fills it within a second or two).
FLOOD_MAX_BACKLOG = 50
# Trusted networks (CIDR): no flood control and no per-address connection
# limits. Loopback by default, so the host's own client and local bots run
# freely; set `flood_exempt=[]` if a tunnel or reverse proxy makes strangers
# arrive from loopback. Operators (after OPER) are exempt from flood control.
FLOOD_EXEMPT = ("127.0.0.0/8", "::1/128")
# Connections open at once from one address (ergo's max-concurrent-connections).
MAX_CONNECTIONS_PER_IP = 16
# New connections one address may open within NEW_CONNECTIONS_WINDOW seconds
# (ergo's connection-throttling: 32 per 10 minutes); the allowance refills
# steadily, so a refused address can connect again after a short wait.
NEW_CONNECTIONS_PER_IP = 32
NEW_CONNECTIONS_WINDOW = 600.0
# IPv6 addresses are counted per network of this prefix length, since one
# host usually owns a whole /64 (ergo's cidr-len-ipv6).
CONNECTION_IPV6_PREFIX = 64

# Moderation (docs/security.md, Moderation). The longest duration TBAN,
# TQUIET and UBAN ... DURATION accept (a year); without a duration a ban
# is permanent.
MAX_BAN_DURATION = 365 * 86_400
# Server-wide bans (UBAN) at once; each is checked on every connection.
MAX_SERVER_BANS = 1000
# Characters of a UBAN reason kept (the banned user is shown it).
BAN_REASON_LEN = 200
# Characters of a ban, quiet or exception mask (as completed, `bob` ->
# `bob!*@*`) and of a UBAN target; longer ones get 696 / FAIL. A real
# nick!user@host fits (30 + 18 + 63 + 2); the 367 line listing it stays
# under LINELEN.
MASK_LEN = 150

# Accounts (docs/security.md, Accounts). Passwords shorter than this are
# refused at REGISTER (WEAK_PASSWORD).
MIN_PASSWORD_LENGTH = 8
# Password hashes (scrypt, ~60 ms and 32 MiB each) running at once, and
# waiting beyond those: past that a login or REGISTER is told to retry, so
# guessing cannot take every core.
KDF_WORKERS = 2
KDF_MAX_QUEUED = 16
# Failed logins within LOGIN_FAILURE_WINDOW seconds after which an address
# (an IPv6 address counts as its /64) or an account is refused at once until
# the oldest failure leaves the window. The address limit is the lower, so a
# guesser is stopped before it locks the owner out of the account.
LOGIN_FAILURES_PER_ADDRESS = 5
LOGIN_FAILURES_PER_ACCOUNT = 20
LOGIN_FAILURE_WINDOW = 300.0
# Failed logins one connection may make before it is disconnected.
LOGIN_FAILURES_PER_CONNECTION = 3
# Accounts one address may create within REGISTRATION_WINDOW seconds.
REGISTRATIONS_PER_ADDRESS = 5
REGISTRATION_WINDOW = 3600.0
# Base64 bytes of one SASL message, over all its 400-byte AUTHENTICATE chunks.
SASL_MAX_BYTES = 4096
# Addresses remembered per account as ones its owner logged in from (the
# newest ones); a login from these is spared the account's lock-out, so
# guessers on many addresses cannot lock the owner out.
KNOWN_LOGIN_ADDRESSES = 8
