"""/ignore lists kept between runs: one list per server, in a small TOML file.

The file is `ignores.toml` beside the settings (`settings_path()`'s
directory). It is not `settings.toml` because the app rewrites it on every
/ignore and /unignore, and rewriting the settings would drop the comments of
a hand-edited file. Written atomically with mode 0600, like the settings.

    store = IgnoreStore()
    ServerIgnores(store, "10.0.0.5", 3131).load()    # ["~a:irene", "troll!*@*"]
    ServerIgnores(store, "10.0.0.5", 3131).save(["~a:irene"])

    ["10.0.0.5:3131"]
    entries = ["~a:irene", "troll!*@*"]

A broken file raises `SettingsError` with a readable sentence.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from tui_chat.config import (
    SettingsError,
    read_toml,
    settings_path,
    toml_key,
    toml_table,
    write_private,
)
from tui_chat.credentials import server_key

__all__ = ["FILE_NAME", "IgnoreStore", "ServerIgnores", "ignores_path"]

FILE_NAME = "ignores.toml"


def ignores_path() -> Path:
    return settings_path().with_name(FILE_NAME)


class IgnoreStore:
    def __init__(self, path: Path | None = None) -> None:
        self.path = path or ignores_path()

    def get(self, host: str, port: int) -> list[str]:
        return self._read().get(server_key(host, port), [])

    def put(self, host: str, port: int, entries: Sequence[str]) -> None:
        """Keep `entries` for host:port; an empty list forgets the server."""
        lists = self._read()
        key = server_key(host, port)
        if entries:
            lists[key] = list(entries)
        else:
            lists.pop(key, None)
        lines = ["# People tui-chat ignores, one list per server (/ignore, /unignore)."]
        for name, kept in lists.items():
            lines += toml_table(toml_key(name), {"entries": kept})
        write_private(self.path, "\n".join(lines) + "\n")

    def _read(self) -> dict[str, list[str]]:
        loaded = read_toml(self.path)
        if loaded is None:
            return {}
        return {key: self._entries(key, table) for key, table in loaded[0].items()}

    def _entries(self, key: str, table: object) -> list[str]:
        entries = table.get("entries") if isinstance(table, dict) else None
        if (
            not isinstance(table, dict)
            or set(table) != {"entries"}
            or not isinstance(entries, list)
            or not all(isinstance(entry, str) and entry for entry in entries)
        ):
            raise SettingsError(
                f"{self.path}: [{key}] must hold only `entries`, a list of masks or ~a:accounts"
            )
        return entries


@dataclass(frozen=True, slots=True)
class ServerIgnores:
    """The ignore list of the one server a session talks to."""

    store: IgnoreStore
    host: str
    port: int

    def load(self) -> list[str]:
        return self.store.get(self.host, self.port)

    def save(self, entries: Sequence[str]) -> None:
        self.store.put(self.host, self.port, entries)
