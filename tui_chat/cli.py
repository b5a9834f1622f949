"""The `tui-chat` command: host, join, serve, version.

Heavy imports (Textual, the server) happen inside each command so that
`tui-chat --help` stays fast.
"""

from __future__ import annotations

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


def main() -> None:
    app()
