"""The `tui-chat` command: host, join, serve, version.

Heavy imports (Textual, the server) happen inside each command so that
`tui-chat --help` stays fast.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer

from tui_chat import __version__
from tui_chat.server.limits import FLOOD_EXEMPT

if TYPE_CHECKING:
    import ssl

    from tui_chat.client.events import Event
    from tui_chat.config import Settings
    from tui_chat.server.thread import ServerThread
    from tui_chat.tui.app import ChatApp

app = typer.Typer(
    name="tui-chat",
    help="A terminal chat room that speaks IRC.",
    no_args_is_help=True,
    add_completion=False,
)


@app.command()
def version() -> None:
    """Print the version."""
    typer.echo(f"tui-chat {__version__}")


# --- serve: the headless server (owned by the server's network side) -------

SERVE_LOG_LEVELS = ("debug", "info", "warning", "error")
# `--flood-exempt none`: trust no network (behind a tunnel or reverse proxy).
NO_NETWORKS = "none"
# Where `serve --oper NAME` reads the operator's password (never a flag: ps shows those).
OPER_PASSWORD_ENV = "TUI_CHAT_OPER_PASSWORD"
# Where `--password` (serve, host, join) reads the server password (PASS).
SERVER_PASSWORD_ENV = "TUI_CHAT_SERVER_PASSWORD"
# Options `serve` and `host` share.
ServerPasswordFlag = Annotated[
    bool,
    typer.Option(
        "--password",
        help="Require a server password (PASS) from everyone who joins; it comes from "
        f"${SERVER_PASSWORD_ENV}, or is asked for.",
    ),
]
ScramFlag = Annotated[
    bool,
    typer.Option(
        "--scram",
        help="Also offer SASL SCRAM-SHA-256: stores a PBKDF2 verifier beside the scrypt "
        "one, weaker if the database is stolen (docs/security.md).",
    ),
]


def _fail(message: str, code: int = 1) -> NoReturn:
    typer.echo(f"tui-chat: error: {message}", err=True)
    raise typer.Exit(code)


def _room_name(room: str) -> str:
    from tui_chat.irc.casemap import CHANNEL_PREFIXES, valid_channel

    # `--room dev` is easier to type than a quoted '#dev' (# starts a shell comment).
    name = room if room[:1] in CHANNEL_PREFIXES else f"#{room}"
    if not valid_channel(name):
        _fail(
            f"bad room name {room!r}: no spaces, commas or control characters, at most 50 long", 2
        )
    return name


# Bytes of MOTD text per line: after ":server 372 nick :- " a line stays
# within IRC's 512 bytes. Longer lines of the MOTD file are split.
MOTD_LINE_BYTES = 350


def _motd_lines(text: str) -> list[str]:
    """The MOTD file as lines that serialize safely (no NUL, none too long)."""
    lines: list[str] = []
    for line in text.replace("\0", "").splitlines():
        while len(line.encode()) > MOTD_LINE_BYTES:
            head = line.encode()[:MOTD_LINE_BYTES].decode("utf-8", "ignore")
            lines.append(head)
            line = line[len(head) :]
        lines.append(line)
    return lines


def _port_number(text: str) -> int:
    if not text.isdigit() or int(text) > 65535:
        _fail(f"bad port {text!r}: use a number from 0 to 65535 (0 picks a free one)", 2)
    return int(text)


def _tls_context(cert: Path | None, key: Path | None) -> tuple[ssl.SSLContext, str]:
    """The server's TLS context and certificate fingerprint, or a one-line failure."""
    from tui_chat.server.tls import (
        TLSConfigError,
        ensure_self_signed,
        load_certificate,
        server_context,
    )

    if (cert is None) != (key is None):
        _fail("--cert and --key go together: give both, or neither for a self-signed one", 2)
    try:
        loaded = (
            ensure_self_signed() if cert is None or key is None else load_certificate(cert, key)
        )
        return server_context(loaded.cert_path, loaded.key_path), loaded.fingerprint
    except (TLSConfigError, OSError) as exc:
        _fail(str(exc))


# Control characters shown escaped in the console log: a chat line must not be
# able to move the cursor, retitle or reprogram the operator's terminal.
# Newline and tab stay, for tracebacks.
_CONSOLE_ESCAPES = {
    code: f"\\x{code:02x}" for code in (*range(0x20), *range(0x7F, 0xA0)) if chr(code) not in "\n\t"
}


class _ConsoleFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return super().format(record).translate(_CONSOLE_ESCAPES)


@app.command()
def serve(
    host: Annotated[
        str, typer.Argument(help="Address to listen on; 0.0.0.0 for all.")
    ] = "127.0.0.1",
    port: Annotated[str, typer.Argument(help="TCP port; 0 picks a free one.")] = "3131",
    room: Annotated[str, typer.Option(help="Room every new user is placed in.")] = "#lobby",
    no_room: Annotated[
        bool, typer.Option("--no-room", help="No default room: a plain IRC server.")
    ] = False,
    name: Annotated[str | None, typer.Option(help="Server name shown to clients.")] = None,
    motd_file: Annotated[
        Path | None, typer.Option(help="Text file shown as the message of the day.")
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Log warnings only.")] = False,
    log_level: Annotated[
        str, typer.Option(help="One of: " + ", ".join(SERVE_LOG_LEVELS) + ".")
    ] = "info",
    tls: Annotated[
        bool, typer.Option("--tls", help="Speak TLS on PORT (self-signed unless --cert).")
    ] = False,
    tls_port: Annotated[
        str | None, typer.Option(help="Also listen with TLS on this port; PORT stays plain.")
    ] = None,
    cert: Annotated[Path | None, typer.Option(help="TLS certificate chain (PEM).")] = None,
    key: Annotated[Path | None, typer.Option(help="TLS private key (PEM) for --cert.")] = None,
    db: Annotated[
        str | None,
        typer.Option(
            "--db",
            help="History database (SQLite) file; ':memory:' keeps nothing across restarts. "
            "Default: history-PORT.sqlite3 in the platform data dir (in memory for port 0).",
        ),
    ] = None,
    flood_exempt: Annotated[
        list[str] | None,
        typer.Option(
            "--flood-exempt",
            metavar="CIDR",
            help="Trusted network, no flood or connection limits (repeatable); replaces the "
            f"default {', '.join(FLOOD_EXEMPT)}. '{NO_NETWORKS}' trusts none.",
        ),
    ] = None,
    scram: ScramFlag = False,
    oper: Annotated[
        str | None,
        typer.Option(
            metavar="NAME",
            help=f"An operator name for OPER (drops accounts, resets passwords, bans); its "
            f"password comes from ${OPER_PASSWORD_ENV}, or is asked for.",
        ),
    ] = None,
    password: ServerPasswordFlag = False,
) -> None:
    """Run the chat server without a screen, until Ctrl+C or SIGTERM."""
    from tui_chat.server.config import ServerConfig
    from tui_chat.server.history.store import default_history_db
    from tui_chat.server.thread import Endpoint, ServerStartError, ServerThread, run_foreground

    plain_port = _port_number(port)
    secure_port = None if tls_port is None else _port_number(tls_port)
    if log_level.lower() not in SERVE_LOG_LEVELS:
        _fail(f"bad log level {log_level!r}: use one of {', '.join(SERVE_LOG_LEVELS)}", 2)
    try:
        config = ServerConfig(
            default_room=None if no_room else _room_name(room),
            history_db=db if db is not None else default_history_db(plain_port),
            flood_exempt=_trusted_networks(flood_exempt),
            sasl_scram=scram,
            operators=_operator(oper),
            password=_server_password() if password else None,
        )
    except ValueError as exc:
        _fail(f"bad --flood-exempt: {exc}", 2)
    if name is not None:
        from tui_chat.irc.hostname import valid_hostname

        # It is the source of every server reply: a space would break them all.
        if not valid_hostname(name):
            _fail(f"bad server name {name!r}: use a host name with a dot, like chat.example", 2)
        config.server_name = name
    if motd_file is not None:
        try:
            config.motd = _motd_lines(motd_file.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError) as exc:
            _fail(f"cannot read the MOTD file {str(motd_file)!r}: {exc}")

    handler = logging.StreamHandler()
    handler.setFormatter(_ConsoleFormatter("%(asctime)s %(message)s", "%H:%M:%S"))
    logger = logging.getLogger("tui_chat")
    logger.addHandler(handler)
    logger.setLevel(logging.WARNING if quiet else log_level.upper())

    context = fingerprint = None
    extra: list[Endpoint] = []
    if tls or secure_port is not None or cert is not None or key is not None:
        context, fingerprint = _tls_context(cert, key)
        if secure_port is not None:
            extra, context = [Endpoint(host, secure_port, context)], None
    server = ServerThread(config, host, plain_port, ssl_context=context, extra_endpoints=extra)

    def announce(running: ServerThread) -> None:
        # The TLS endpoint is the only one (--tls) or the second (--tls-port).
        secure = {len(running.addresses) - 1} if fingerprint else set()
        for i, (bound, bound_port) in enumerate(running.addresses):
            reachable = _reachable(bound)
            mode = " (TLS)" if i in secure else ""
            flag = (" --tls" if i in secure else "") + _password_flag(config.password)
            typer.echo(f"tui-chat server listening on {bound}:{bound_port}{mode}")
            typer.echo(f"Join with: tui-chat join {reachable} {bound_port}{flag}")
        if fingerprint:
            typer.echo(f"TLS certificate fingerprint: {fingerprint}")
        typer.echo(f"History: {config.history_db}")
        typer.echo("Ctrl+C stops the server.")
        sys.stdout.flush()

    try:
        stopped_cleanly = run_foreground(server, on_ready=announce)
    except ServerStartError as exc:
        _fail(str(exc))
    if not stopped_cleanly:
        _fail("the server stopped unexpectedly (see the log above)")


def _operator(name: str | None) -> dict[str, str]:
    """`--oper NAME` with its password from the environment or a prompt (never an argument)."""
    if name is None:
        return {}
    if not name or " " in name:
        _fail(f"bad --oper name {name!r}: one word", 2)
    return {name: _secret(OPER_PASSWORD_ENV, f"OPER password for {name}: ", "OPER password")}


def _server_password() -> str:
    """`--password`: the server password from the environment or a prompt."""
    password = _secret(SERVER_PASSWORD_ENV, "Server password: ", "server password")
    if " " in password:
        _fail("the server password cannot contain spaces (IRC's PASS takes one word)", 2)
    return password


def _password_flag(password: str | None) -> str:
    """What the join hint adds when the server wants a password."""
    return "" if password is None else " --password"


def _secret(env: str, prompt: str, what: str) -> str:
    """A secret from `env`, else typed at a prompt (never an argument: ps shows those)."""
    secret = os.environ.get(env)
    if secret is None:
        import getpass

        try:
            secret = getpass.getpass(prompt)
        except (EOFError, KeyboardInterrupt):
            _fail(f"no {what}: set ${env} or type it", 2)
    if not secret:
        _fail(f"the {what} is empty", 2)
    return secret


def _trusted_networks(given: list[str] | None) -> list[str]:
    """`--flood-exempt` values: the default without any, none for NO_NETWORKS."""
    if not given:
        return list(FLOOD_EXEMPT)
    return [] if given == [NO_NETWORKS] else given


# --- join and host: the chat screen (owned by the TUI side) ----------------

# The OPER name `host` logs the hosting user in with, so they run their own room.
HOST_OPER_NAME = "host"
# Random OPER password length in bytes (token_urlsafe makes it ~1.3x longer).
HOST_OPER_PASSWORD_BYTES = 18
# A private address no packet is ever sent to: connecting a UDP socket to it
# only asks the kernel which local address would be used.
_LAN_PROBE_ADDRESS = ("10.255.255.255", 1)
DEFAULT_JOIN_PORT = 3131


def lan_address() -> str | None:
    """This machine's address on the local network, found without sending traffic."""
    import socket

    # A machine without IPv4 fails already at socket().
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.connect(_LAN_PROBE_ADDRESS)
            address = probe.getsockname()[0]
    except OSError:
        return None
    return None if address.startswith(("0.", "127.")) else address


def _check_port(port: int, *, allow_zero: bool) -> int:
    low = 0 if allow_zero else 1
    if not low <= port <= 65535:
        _fail(f"bad port {port}: use a number from {low} to 65535", 2)
    return port


def _chat_settings(nick: str | None) -> Settings:
    from tui_chat.config import SettingsError, load_settings
    from tui_chat.irc.casemap import valid_nick

    if nick is not None and not valid_nick(nick):
        _fail(f"bad nick {nick!r}: letters, digits and -_[]{{}}\\`^| only, no spaces", 2)
    try:
        settings = load_settings()
    except SettingsError as exc:
        _fail(str(exc))
    return settings.with_overrides(nick=nick)


def chat_app(
    settings: Settings,
    host: str,
    port: int,
    *,
    rooms: tuple[str, ...] = (),
    tls: bool = False,
    oper: tuple[str, str] | None = None,
    banner: tuple[str, ...] = (),
    ca_file: Path | None = None,
    login: tuple[str, str] | None = None,
    allow_plaintext_password: bool = False,
    server_password: str | None = None,
) -> ChatApp:
    """The chat app, connecting to host:port once it knows the nick.

    `ca_file` is a certificate to trust besides the system's (TLS only).
    `login` (account, password) logs in while connecting; without it, a login
    remembered for this server is used. `server_password` is sent as PASS.
    """
    from tui_chat.client.session import ClientSession, ConnectOptions
    from tui_chat.config import SettingsError
    from tui_chat.credentials import CredentialStore, ServerLogins
    from tui_chat.saved_ignores import IgnoreStore, ServerIgnores
    from tui_chat.tui.app import ChatApp

    logins = ServerLogins(CredentialStore(), host, port, tls)

    def new_session(nick: str, on_event: Callable[[Event], None]) -> ClientSession:
        sasl, pin, plaintext_ok = login, None, allow_plaintext_password
        saved = None
        if sasl is None:
            # A broken credentials file is reported by the app; connect without it.
            with contextlib.suppress(SettingsError):
                saved = logins.for_connecting()
        if saved is not None and saved.account is not None and saved.password is not None:
            sasl, pin = (saved.account, saved.password), saved.fingerprint
            plaintext_ok = plaintext_ok or saved.plaintext_ok
        options = ConnectOptions(
            host,
            port,
            nick,
            # `host`'s own server knows its OPER password as the host key,
            # which passes any server password.
            password=oper[1] if oper is not None else server_password,
            tls=tls,
            rooms=rooms,
            oper=oper,
            ca_file=ca_file,
            sasl=sasl,
            sasl_pin=pin,
            allow_plaintext_password=plaintext_ok,
            saved_ignores=ServerIgnores(IgnoreStore(), host, port),
        )
        return ClientSession(options, on_event)

    return ChatApp(
        settings,
        server_label=f"{host}:{port}",
        nick=settings.nick,
        session_factory=new_session,
        banner=banner,
        logins=logins,
        tune_gc=True,
    )


def start_host_server(
    host: str,
    port: int,
    history_db: str | None = None,
    ssl_context: ssl.SSLContext | None = None,
    *,
    scram: bool = False,
    password: str | None = None,
) -> tuple[ServerThread, tuple[str, int], tuple[str, str]]:
    """Start the server `host` runs: (server, bound address, the host's OPER login).

    `history_db` is the SQLite file of its history; None keeps none (tests).
    With `ssl_context` the port speaks TLS only; `scram` offers SASL SCRAM-SHA-256;
    `password` is the server password everyone else must send.
    """
    import secrets

    from tui_chat.server.config import ServerConfig
    from tui_chat.server.thread import ServerThread

    oper = (HOST_OPER_NAME, secrets.token_urlsafe(HOST_OPER_PASSWORD_BYTES))
    # The OPER password is also the host key: sent as PASS, it makes the
    # host's nick its own account (server/handlers/host_account.py).
    config = ServerConfig(
        operators=dict([oper]),
        history_db=history_db,
        sasl_scram=scram,
        host_key=oper[1],
        password=password,
    )
    server = ServerThread(config, host, port, ssl_context=ssl_context)
    return server, server.start(), oper


@app.command()
def join(
    host: Annotated[str, typer.Argument(help="Server address, e.g. 192.168.1.20.")],
    port: Annotated[int, typer.Argument(help="Server port.")] = DEFAULT_JOIN_PORT,
    nick: Annotated[str | None, typer.Option(help="Your name; asked for when missing.")] = None,
    room: Annotated[
        list[str] | None, typer.Option(help="Room to join (repeatable), e.g. --room dev.")
    ] = None,
    tls: Annotated[bool, typer.Option("--tls", help="Connect with TLS.")] = False,
    account: Annotated[
        str | None,
        typer.Option(help="Log in to this account while connecting (asks for the password)."),
    ] = None,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the account password from stdin.")
    ] = False,
    allow_plaintext_password: Annotated[
        bool,
        typer.Option(
            "--allow-plaintext-password",
            help="Let the password cross an unencrypted connection to another machine.",
        ),
    ] = False,
    password: Annotated[
        bool,
        typer.Option(
            "--password",
            help=f"The server wants a password (PASS): from ${SERVER_PASSWORD_ENV}, or asked for.",
        ),
    ] = False,
) -> None:
    """Join a chat room: any IRC server, or one that `tui-chat host` runs."""
    settings = _chat_settings(nick)
    rooms = tuple(_room_name(name) for name in room or ())
    login = _login_from_flags(account, password_stdin)
    server_password = _server_password() if password else None
    if password_stdin:
        _keyboard_from_terminal()
    chat_app(
        settings,
        host,
        _check_port(port, allow_zero=False),
        rooms=rooms,
        tls=tls,
        login=login,
        allow_plaintext_password=allow_plaintext_password,
        server_password=server_password,
    ).run()


def _login_from_flags(account: str | None, password_stdin: bool) -> tuple[str, str] | None:
    """`--account` with its password from stdin or a prompt (never echoed, never an argument)."""
    if account is None:
        if password_stdin:
            _fail("--password-stdin needs --account: whose password is it?", 2)
        return None
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        import getpass

        try:
            password = getpass.getpass(f"Password of {account}: ")
        except (EOFError, KeyboardInterrupt):
            _fail("no password given", 2)
    if not password:
        _fail("the password is empty", 2)
    return account, password


def _keyboard_from_terminal() -> None:
    """Give the app the terminal as its stdin once a piped password was read.

    Textual reads keys from fd 0: left on the exhausted pipe, the app would
    take no key at all, not even Ctrl+Q.
    """
    if sys.stdin.isatty():
        return
    try:
        terminal = os.open("/dev/tty", os.O_RDWR)
    except OSError:
        _fail("--password-stdin needs a terminal for the chat itself, and there is none", 2)
    os.dup2(terminal, sys.stdin.fileno())
    os.close(terminal)


@app.command()
def host(
    host: Annotated[
        str, typer.Argument(help="Address to listen on; 0.0.0.0 lets your network join.")
    ] = "0.0.0.0",
    port: Annotated[int, typer.Argument(help="TCP port; 0 picks a free one.")] = DEFAULT_JOIN_PORT,
    nick: Annotated[str | None, typer.Option(help="Your name; asked for when missing.")] = None,
    db: Annotated[
        str | None,
        typer.Option(
            "--db",
            help="History database (SQLite) file, as for serve; ':memory:' keeps nothing. "
            "Default: history-PORT.sqlite3 in the platform data dir (memory for port 0).",
        ),
    ] = None,
    tls: Annotated[
        bool, typer.Option("--tls", help="Speak TLS on PORT (self-signed unless --cert).")
    ] = False,
    cert: Annotated[Path | None, typer.Option(help="TLS certificate chain (PEM).")] = None,
    key: Annotated[Path | None, typer.Option(help="TLS private key (PEM) for --cert.")] = None,
    scram: ScramFlag = False,
    password: ServerPasswordFlag = False,
) -> None:
    """Host a chat room: start a server here and open the chat, as its operator."""
    from tui_chat.server.history.store import default_history_db
    from tui_chat.server.thread import ServerStartError
    from tui_chat.server.tls import CERT_FILE_NAME, default_tls_dir

    settings = _chat_settings(nick)
    port = _check_port(port, allow_zero=True)
    server_password = _server_password() if password else None
    # As serve does: one file per port, so two rooms on one machine never mix.
    history = db if db is not None else default_history_db(port)
    context = fingerprint = None
    if tls or cert is not None or key is not None:
        context, fingerprint = _tls_context(cert, key)
    try:
        server, (bound_host, bound_port), oper = start_host_server(
            host, port, history, context, scram=scram, password=server_password
        )
    except ServerStartError as exc:
        _fail(str(exc))
    try:
        chat_app(
            settings,
            _local_address_of(bound_host),
            bound_port,
            oper=oper,
            banner=(
                *_how_friends_join(bound_host, bound_port, fingerprint, server_password),
                f"History: {history}",
            ),
            tls=context is not None,
            # The app checks its own server against the certificate it serves
            # (the self-signed one names 127.0.0.1 and ::1).
            ca_file=cert or default_tls_dir() / CERT_FILE_NAME,
        ).run()
    finally:
        try:
            server.stop()
        except TimeoutError:
            _fail("the chat server did not stop in time; its port may stay busy until exit")


def _local_address_of(bound_host: str) -> str:
    """Where this machine reaches a server listening on `bound_host`."""
    if bound_host in ("0.0.0.0", ""):
        return "127.0.0.1"
    if bound_host == "::":
        return "::1"
    return bound_host


def _how_friends_join(
    bound_host: str, port: int, fingerprint: str | None = None, password: str | None = None
) -> tuple[str, ...]:
    """The host's first lines; with TLS, the fingerprint friends compare on joining."""
    tls = (" --tls" if fingerprint else "") + _password_flag(password)
    check = ("Friends can check the certificate:", fingerprint) if fingerprint else ()
    if bound_host.startswith("127.") or bound_host in ("localhost", "::1"):
        return (
            f"Hosting on {bound_host}:{port}: only this machine can join.",
            "To let friends in, quit and run:",
            f"tui-chat host 0.0.0.0 {port}{tls}",
        )
    if bound_host in _EVERYWHERE:
        intro = f"Hosting on port {port}. Friends join with:"
    else:
        intro = f"Hosting on {bound_host}:{port}. Friends join with:"
    return (intro, f"tui-chat join {_reachable(bound_host)} {port}{tls}", *check)


# Bind addresses that mean "every interface".
_EVERYWHERE = ("0.0.0.0", "::", "")


def _reachable(bound_host: str) -> str:
    """The address friends type for a server bound to `bound_host`."""
    if bound_host in _EVERYWHERE:
        return lan_address() or "<this machine's address>"
    return bound_host


def main() -> None:
    app()
