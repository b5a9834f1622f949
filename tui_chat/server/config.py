"""What a server is told at start: its names, default room, operators and limits.

`ServerConfig()` is a working server with a `#lobby` room; `default_room=None`
makes a plain IRC server. Every limit field defaults to the constant of the
same name in `tui_chat.server.limits`, where each is documented.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tui_chat.irc.casemap import valid_channel
from tui_chat.server import limits
from tui_chat.server.flood import parse_networks
from tui_chat.server.history.config import HistoryConfig

DEFAULT_MOTD = ["Welcome to tui-chat: a chat room that speaks IRC."]


@dataclass
class ServerConfig:
    server_name: str = "tui-chat.local"
    network: str = "tui-chat"
    # Every newly registered user is joined to it; None = a plain IRC server.
    default_room: str | None = "#lobby"
    motd: list[str] = field(default_factory=lambda: list(DEFAULT_MOTD))
    # OPER name -> password.
    operators: dict[str, str] = field(default_factory=dict)
    # PASS for the whole server; None = no password.
    password: str | None = None
    ping_interval: float = limits.PING_INTERVAL
    ping_timeout: float = limits.PING_TIMEOUT
    registration_timeout: float = limits.REGISTRATION_TIMEOUT
    tls_handshake_timeout: float = limits.TLS_HANDSHAKE_TIMEOUT
    linelen: int = limits.LINELEN
    client_tags_len: int = limits.CLIENT_TAGS_LEN
    nicklen: int = limits.NICKLEN
    channellen: int = limits.CHANNELLEN
    topiclen: int = limits.TOPICLEN
    kicklen: int = limits.KICKLEN
    awaylen: int = limits.AWAYLEN
    userlen: int = limits.USERLEN
    realnamelen: int = limits.REALNAMELEN
    chanlimit: int = limits.CHANLIMIT
    maxlist: int = limits.MAXLIST
    modes: int = limits.MODES
    maxtargets: int = limits.MAXTARGETS
    ison_max_nicks: int = limits.ISON_MAX_NICKS
    userhost_max_nicks: int = limits.USERHOST_MAX_NICKS
    whowas_history: int = limits.WHOWAS_HISTORY
    max_query_replies: int = limits.MAX_QUERY_REPLIES
    max_sendq: int = limits.MAX_SENDQ
    gc_threshold: int = limits.GC_THRESHOLD
    flood_burst: int = limits.FLOOD_BURST
    flood_rate: float = limits.FLOOD_RATE
    flood_max_backlog: int = limits.FLOOD_MAX_BACKLOG
    flood_exempt: list[str] = field(default_factory=lambda: list(limits.FLOOD_EXEMPT))
    max_connections_per_ip: int = limits.MAX_CONNECTIONS_PER_IP
    new_connections_per_ip: int = limits.NEW_CONNECTIONS_PER_IP
    new_connections_window: float = limits.NEW_CONNECTIONS_WINDOW
    connection_ipv6_prefix: int = limits.CONNECTION_IPV6_PREFIX
    # The message store's SQLite file, or ":memory:"; None keeps no history
    # (ServerThread opens it; docs/history.md). Its limits are `history`'s.
    history_db: str | None = None
    history: HistoryConfig = field(default_factory=HistoryConfig)
    max_ban_duration: int = limits.MAX_BAN_DURATION
    max_server_bans: int = limits.MAX_SERVER_BANS
    ban_reason_len: int = limits.BAN_REASON_LEN
    mask_len: int = limits.MASK_LEN
    # Accounts live in the store, so they exist only with `history_db` set.
    # SCRAM-SHA-256 keeps a PBKDF2 verifier beside the scrypt one, which is
    # weaker against a stolen database: opt-in (docs/security.md, Accounts).
    sasl_scram: bool = False
    # The secret `tui-chat host`'s own app sends as PASS: its nick is then
    # its account, created or taken back (handlers/host_account.py). None:
    # no connection is the host's.
    host_key: str | None = None
    min_password_length: int = limits.MIN_PASSWORD_LENGTH
    kdf_workers: int = limits.KDF_WORKERS
    kdf_max_queued: int = limits.KDF_MAX_QUEUED
    login_failures_per_address: int = limits.LOGIN_FAILURES_PER_ADDRESS
    login_failures_per_account: int = limits.LOGIN_FAILURES_PER_ACCOUNT
    login_failure_window: float = limits.LOGIN_FAILURE_WINDOW
    login_failures_per_connection: int = limits.LOGIN_FAILURES_PER_CONNECTION
    known_login_addresses: int = limits.KNOWN_LOGIN_ADDRESSES
    registrations_per_address: int = limits.REGISTRATIONS_PER_ADDRESS
    registration_window: float = limits.REGISTRATION_WINDOW
    sasl_max_bytes: int = limits.SASL_MAX_BYTES

    def __post_init__(self) -> None:
        # A bad value here would fail every registration; refuse it at start.
        if self.default_room is not None and not valid_channel(self.default_room, self.channellen):
            raise ValueError(f"default room {self.default_room!r} is not a valid channel name")
        if " " in self.server_name or not self.server_name:
            raise ValueError(f"server name {self.server_name!r} must be one word")
        parse_networks(self.flood_exempt)
        if self.flood_burst < 1 or self.flood_rate <= 0:
            raise ValueError("flood control needs a burst of at least 1 and a positive rate")
