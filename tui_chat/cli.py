"""The `tui-chat` command: host, join, serve, version.

Heavy imports (Textual, the server) happen inside each command so that
`tui-chat --help` stays fast.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, NoReturn

import typer

from tui_chat import __version__

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
) -> None:
    """Run the chat server without a screen, until Ctrl+C or SIGTERM."""
    import logging

    from tui_chat.server.config import ServerConfig
    from tui_chat.server.thread import ServerStartError, run_foreground

    if not port.isdigit() or int(port) > 65535:
        _fail(f"bad port {port!r}: use a number from 0 to 65535 (0 picks a free one)", 2)
    if log_level.lower() not in SERVE_LOG_LEVELS:
        _fail(f"bad log level {log_level!r}: use one of {', '.join(SERVE_LOG_LEVELS)}", 2)
    config = ServerConfig(default_room=None if no_room else _room_name(room))
    if name:
        config.server_name = name
    if motd_file is not None:
        try:
            config.motd = motd_file.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            _fail(f"cannot read the MOTD file {str(motd_file)!r}: {exc}")

    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(message)s", "%H:%M:%S"))
    logger = logging.getLogger("tui_chat")
    logger.addHandler(handler)
    logger.setLevel(logging.WARNING if quiet else log_level.upper())

    def announce(address: tuple[str, int]) -> None:
        typer.echo(f"tui-chat server listening on {address[0]}:{address[1]}")
        typer.echo(f"Join with: tui-chat join {address[0]} {address[1]}  (Ctrl+C stops)")
        sys.stdout.flush()

    try:
        stopped_cleanly = run_foreground(config, host, int(port), on_ready=announce)
    except ServerStartError as exc:
        _fail(str(exc))
    if not stopped_cleanly:
        _fail("the server stopped unexpectedly (see the log above)")


def main() -> None:
    app()
