"""Suite-wide: no test writes to the real user's data, config, state or cache dir.

Every test gets XDG dirs of its own under pytest's tmp dir, and subprocesses
(`tui-chat serve`, `host`) inherit them, so a server started without `--db`
creates its history file there, never in ~/.local/share/tui-chat.
"""

from __future__ import annotations

import pytest

XDG_DIRS = ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME")


@pytest.fixture(autouse=True)
def private_xdg_dirs(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    base = tmp_path_factory.mktemp("xdg")
    for name in XDG_DIRS:
        path = base / name.removeprefix("XDG_").removesuffix("_HOME").lower()
        path.mkdir()
        monkeypatch.setenv(name, str(path))
