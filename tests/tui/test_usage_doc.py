"""docs/usage.md keeps up with the app: every command, every key, a real screenshot."""

from __future__ import annotations

import re
from pathlib import Path

from tui_chat.tui.commands import COMMANDS
from tui_chat.tui.screens.help import KEYS

USAGE = Path(__file__).resolve().parents[2] / "docs" / "usage.md"


def test_every_command_and_key_is_documented() -> None:
    text = USAGE.read_text(encoding="utf-8")
    missing = [f"/{name}" for name in COMMANDS if f"`/{name}" not in text]
    missing += [key for key, _ in KEYS if f"| {key} |" not in text]
    assert not missing


def test_the_screenshot_exists() -> None:
    images = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", USAGE.read_text(encoding="utf-8"))
    assert images
    for image in images:
        assert (USAGE.parent / image).resolve().is_file(), image


def test_the_help_screen_shows_optional_arguments() -> None:
    # QA: "/part [#room] [reason]" showed as "/part": the brackets were read as markup.
    from rich.console import Console

    from tui_chat.tui.screens.help import _commands_table

    console = Console(width=200, color_system=None)
    with console.capture() as capture:
        console.print(_commands_table())
    shown = capture.get()
    for command in COMMANDS.values():
        assert command.usage_line in shown
