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
