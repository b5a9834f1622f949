"""User settings: a small TOML file in the platform config dir.

Where the file lives:
    `settings_path()` is `$TUI_CHAT_CONFIG` when that is set (tests use it),
    else `platformdirs.user_config_dir("tui-chat") / "settings.toml"`.

API:
    settings = load_settings()          # defaults when the file does not exist
    settings = settings.with_overrides(nick=cli_nick, theme=None)  # None = flag not given
    save_settings(settings)             # atomic write, file mode 0600
    SettingsError                       # one readable line: "<path>, line 3: ..."

A broken file never produces a traceback: `load_settings` raises
`SettingsError` whose `str()` names the path, the line when known, and what
is wrong, ready to print. Unknown keys are errors too, so a typo such as
`nik = "bob"` is reported instead of silently ignored.

The file looks like this (every key is optional):

    nick = "alice"
    theme = "textual-dark"
    timestamp_format = "%H:%M"
    bell_on_mention = true
    hide_events = "quiet"        # "none" | "quiet" | "all"
    quiet_minutes = 10           # "quiet": hide join/part/quit of people silent this long
    scrollback_lines = 5000
    input_history_size = 500
    paste_confirm_lines = 3
    paste_lines_per_second = 2.0

    [servers.home]
    host = "10.0.0.5"
    port = 3131
    tls = false
    nick = "alice"               # optional, falls back to the top-level nick
    rooms = ["#lobby", "#dev"]

The writer is our own: the file only holds strings, booleans, numbers, lists
of strings and one level of tables, which does not earn a TOML dependency.
`save_settings` writes every setting and drops comments of a hand-edited file.
A server's `nick` falls back to the top-level `nick` (the app decides that).
"""

from __future__ import annotations

import math
import os
import re
import tempfile
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Literal, get_args

import platformdirs

from tui_chat.irc.casemap import valid_channel, valid_nick

__all__ = [
    "CONFIG_ENV_VAR",
    "DEFAULT_INPUT_HISTORY_SIZE",
    "DEFAULT_PASTE_CONFIRM_LINES",
    "DEFAULT_PASTE_LINES_PER_SECOND",
    "DEFAULT_PORT",
    "DEFAULT_QUIET_MINUTES",
    "DEFAULT_SCROLLBACK_LINES",
    "FILE_MODE",
    "HideEvents",
    "ServerEntry",
    "Settings",
    "SettingsError",
    "load_settings",
    "make_private",
    "read_toml",
    "save_settings",
    "settings_path",
    "toml_key",
    "toml_table",
    "write_private",
]

CONFIG_ENV_VAR = "TUI_CHAT_CONFIG"
APP_NAME = "tui-chat"
FILE_NAME = "settings.toml"
# The file may hold server passwords one day; keep it private from the start.
FILE_MODE = 0o600
DIR_MODE = 0o700

DEFAULT_PORT = 3131
DEFAULT_SCROLLBACK_LINES = 5000
DEFAULT_QUIET_MINUTES = 10
DEFAULT_INPUT_HISTORY_SIZE = 500
DEFAULT_PASTE_CONFIRM_LINES = 3
DEFAULT_PASTE_LINES_PER_SECOND = 2.0

HideEvents = Literal["none", "quiet", "all"]
HIDE_EVENTS_CHOICES: tuple[str, ...] = get_args(HideEvents)


class SettingsError(Exception):
    """The settings file cannot be read or written; `str()` is one readable line."""


@dataclass(frozen=True, slots=True)
class ServerEntry:
    """A known server, chosen by name (`tui-chat join home`)."""

    host: str
    port: int = DEFAULT_PORT
    tls: bool = False
    nick: str | None = None
    rooms: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Settings:
    nick: str | None = None
    theme: str = "textual-dark"
    timestamp_format: str = "%H:%M"
    bell_on_mention: bool = True
    hide_events: HideEvents = "none"
    quiet_minutes: int = DEFAULT_QUIET_MINUTES
    scrollback_lines: int = DEFAULT_SCROLLBACK_LINES
    input_history_size: int = DEFAULT_INPUT_HISTORY_SIZE
    paste_confirm_lines: int = DEFAULT_PASTE_CONFIRM_LINES
    paste_lines_per_second: float = DEFAULT_PASTE_LINES_PER_SECOND
    servers: Mapping[str, ServerEntry] = field(default_factory=dict)

    def with_overrides(self, **flags: Any) -> Settings:
        """A copy with every flag that is not None applied (CLI flags win over the file).

        Unknown names raise TypeError, as a misspelt keyword argument would.
        """
        given = {name: value for name, value in flags.items() if value is not None}
        return replace(self, **given)


def settings_path() -> Path:
    override = os.environ.get(CONFIG_ENV_VAR)
    if override:
        return Path(override).expanduser()
    return Path(platformdirs.user_config_dir(APP_NAME)) / FILE_NAME


# ---------------------------------------------------------------- reading


@dataclass(frozen=True, slots=True)
class _Source:
    """The file being read, to turn a bad key into 'path, line N: ...'."""

    path: Path
    text: str

    def error(self, table: str | None, key: str | None, problem: str) -> SettingsError:
        line = self._line_of(table, key)
        where = f"{self.path}, line {line}" if line else str(self.path)
        return SettingsError(f"{where}: {problem}")

    def _line_of(self, table: str | None, key: str | None) -> int | None:
        # tomllib reports no positions for values that parse fine but make no
        # sense to us, so find the key's line ourselves: good enough for the
        # flat files we write and most hand-written ones.
        wanted = _table_name(table) if table else None
        current: str | None = None
        for number, raw in enumerate(self.text.splitlines(), start=1):
            line = raw.strip()
            header = re.fullmatch(r"\[\s*(.+?)\s*\]", line)
            if header:
                current = _table_name(header.group(1))
                if key is None and current == wanted:
                    return number
                continue
            if key is not None and current == wanted:
                name = line.split("=", 1)[0].strip().strip('"')
                if "=" in line and name == key:
                    return number
        return None


def _table_name(header: str) -> str:
    """`servers."my box"` and `servers.my box` compare equal: quotes and spaces dropped."""
    return re.sub(r"[\s\"']", "", header)


_TOML_POSITION = re.compile(r"\s*\(at line (\d+), column \d+\)$")


def load_settings(path: Path | None = None) -> Settings:
    """Read the settings file; a missing file gives the defaults."""
    path = path or settings_path()
    loaded = read_toml(path)
    if loaded is None:
        return Settings()
    data, text = loaded
    return _settings_from(data, _Source(path, text))


def read_toml(path: Path) -> tuple[dict[str, Any], str] | None:
    """A private TOML file's tables and text; None when it does not exist.

    A file others could read is made private (0600) on the way: it may hold
    passwords, and an older version or a hand edit may have left it open.
    """
    try:
        raw_bytes = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise SettingsError(f"{path}: cannot read: {exc.strerror or exc}") from None
    make_private(path)
    try:
        text = raw_bytes.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SettingsError(f"{path}: not UTF-8 text (byte {exc.start})") from None
    try:
        return tomllib.loads(text), text
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        position = _TOML_POSITION.search(message)
        if position:
            where = f"{path}, line {position.group(1)}"
            message = message[: position.start()]
        else:
            where = str(path)
        raise SettingsError(f"{where}: invalid TOML: {message}") from None


def make_private(path: Path) -> None:
    """Take every permission away from group and others, if the file has any."""
    try:
        mode = path.stat().st_mode & 0o777
        if mode & ~FILE_MODE:
            os.chmod(path, mode & FILE_MODE)
    except OSError:
        pass  # not ours to change (a shared read-only config): reading still works


def _settings_from(data: dict[str, Any], source: _Source) -> Settings:
    known = {f.name for f in fields(Settings)}
    values: dict[str, Any] = {}
    for key, value in data.items():
        if key not in known:
            raise source.error(None, key, f"unknown setting {key!r}")
        if key == "servers":
            values[key] = _servers_from(value, source)
        else:
            values[key] = _checked_top_level(key, value, source)
    return Settings(**values)


def _checked_top_level(key: str, value: Any, source: _Source) -> Any:
    def bad(problem: str) -> SettingsError:
        return source.error(None, key, f"{key!r} {problem}")

    match key:
        case "nick":
            text = _expect(value, str, "a string", bad)
            if not valid_nick(text):
                raise bad(f"is not a valid nick: {text!r}")
            return text
        case "theme" | "timestamp_format":
            return _expect(value, str, "a string", bad)
        case "bell_on_mention":
            return _expect(value, bool, "true or false", bad)
        case "hide_events":
            if value not in HIDE_EVENTS_CHOICES:
                raise bad(f"must be one of {', '.join(map(repr, HIDE_EVENTS_CHOICES))}")
            return value
        case "paste_lines_per_second":
            number = _expect(value, (int, float), "a number", bad)
            if not math.isfinite(number) or number <= 0:
                raise bad("must be a number above 0")
            return float(number)
        case _:  # the remaining settings are all counts
            count = _expect(value, int, "a whole number", bad)
            if count < 1:
                raise bad("must be at least 1")
            return count


def _expect(
    value: Any, kind: type | tuple[type, ...], wanted: str, bad: Callable[[str], SettingsError]
) -> Any:
    kinds = kind if isinstance(kind, tuple) else (kind,)
    # bool is an int in Python but not in TOML: never accept `port = true`.
    if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
        raise bad(f"must be {wanted}, not {_toml_type(value)}")
    return value


def _toml_type(value: Any) -> str:
    match value:
        case bool():
            return "a boolean"
        case int():
            return "a whole number"
        case float():
            return "a decimal number"
        case str():
            return "a string"
        case list():
            return "a list"
        case dict():
            return "a table"
        case _:  # tomllib's dates and times
            return "a date or time"


def _servers_from(value: Any, source: _Source) -> dict[str, ServerEntry]:
    if not isinstance(value, dict):
        raise source.error(None, "servers", "'servers' must be a table of [servers.NAME] tables")
    return {name: _server_from(name, entry, source) for name, entry in value.items()}


def _server_from(name: str, entry: Any, source: _Source) -> ServerEntry:
    table = f"servers.{name}"
    if not isinstance(entry, dict):
        raise source.error("servers", name, f"server {name!r} must be a [{table}] table")
    known = {f.name for f in fields(ServerEntry)}
    values: dict[str, Any] = {}
    for key, value in entry.items():

        def bad(problem: str, key: str = key) -> SettingsError:
            return source.error(table, key, f"server {name!r}: {key!r} {problem}")

        if key not in known:
            raise source.error(table, key, f"server {name!r}: unknown setting {key!r}")
        match key:
            case "host":
                if not _expect(value, str, "a string", bad):
                    raise bad("must not be empty")
            case "port":
                if not 1 <= _expect(value, int, "a whole number", bad) <= 65535:
                    raise bad("must be between 1 and 65535")
            case "tls":
                _expect(value, bool, "true or false", bad)
            case "nick":
                if not valid_nick(_expect(value, str, "a string", bad)):
                    raise bad(f"is not a valid nick: {value!r}")
            case "rooms":
                rooms = _expect(value, list, "a list of room names", bad)
                for room in rooms:
                    if not isinstance(room, str) or not valid_channel(room):
                        raise bad(f"holds {room!r}, which is not a room name like '#lobby'")
                value = tuple(rooms)
        values[key] = value
    if "host" not in values:
        raise source.error(table, None, f"server {name!r} has no 'host'")
    return ServerEntry(**values)


# ---------------------------------------------------------------- writing


def save_settings(settings: Settings, path: Path | None = None) -> Path:
    """Write `settings` atomically with mode 0600; returns the path written."""
    path = path or settings_path()
    write_private(path, _to_toml(settings))
    return path


def write_private(path: Path, text: str) -> None:
    """Replace `path` with `text` atomically; the file is 0600 from its first byte."""
    try:
        path.parent.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
        # A temporary file in the same directory, then rename: a crash never
        # leaves half a settings file, and mkstemp creates it 0600.
        fd, tmp_name = tempfile.mkstemp(prefix=".settings-", suffix=".toml", dir=path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(text)
            os.chmod(tmp_name, FILE_MODE)
            os.replace(tmp_name, path)
        except BaseException:
            Path(tmp_name).unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise SettingsError(f"{path}: cannot write: {exc.strerror or exc}") from None


def _to_toml(settings: Settings) -> str:
    lines: list[str] = []
    for f in fields(Settings):
        value = getattr(settings, f.name)
        if f.name != "servers" and value is not None:
            lines.append(f"{f.name} = {_toml_value(value)}")
    for name, entry in settings.servers.items():
        values = {f.name: getattr(entry, f.name) for f in fields(ServerEntry)}
        lines += toml_table(f"servers.{toml_key(name)}", values)
    return "\n".join(lines) + "\n"


def toml_table(header: str, values: Mapping[str, object]) -> list[str]:
    """The lines of one `[header]` table (after a blank line); None values are left out."""
    lines = ["", f"[{header}]"]
    lines += [f"{key} = {_toml_value(value)}" for key, value in values.items() if value is not None]
    return lines


_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


def toml_key(name: str) -> str:
    """`name` as a TOML key: bare when it can be, quoted otherwise."""
    return name if _BARE_KEY.fullmatch(name) else _toml_string(name)


def _toml_value(value: object) -> str:
    match value:
        case bool():
            return "true" if value else "false"
        case int():
            return str(value)
        case float():
            return repr(value)
        case str():
            return _toml_string(value)
        case tuple() | list():
            return "[" + ", ".join(_toml_value(item) for item in value) + "]"
    raise TypeError(f"cannot write {type(value).__name__} to TOML")


_STRING_ESCAPES = {
    '"': '\\"',
    "\\": "\\\\",
    "\b": "\\b",
    "\t": "\\t",
    "\n": "\\n",
    "\f": "\\f",
    "\r": "\\r",
}


def _toml_string(text: str) -> str:
    out: list[str] = []
    for ch in text:
        if ch in _STRING_ESCAPES:
            out.append(_STRING_ESCAPES[ch])
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04X}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'
