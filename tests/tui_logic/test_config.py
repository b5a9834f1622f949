"""Settings files in tmp dirs: round trip, mode 0600, readable errors, overrides."""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path

import platformdirs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tui_chat.config import (
    CONFIG_ENV_VAR,
    ServerEntry,
    Settings,
    SettingsError,
    load_settings,
    save_settings,
    settings_path,
)

RICH = Settings(
    nick="alice",
    theme="nord",
    timestamp_format="%H:%M:%S",
    bell_on_mention=False,
    hide_events="quiet",
    quiet_minutes=30,
    scrollback_lines=20000,
    input_history_size=50,
    paste_confirm_lines=5,
    paste_lines_per_second=0.5,
    servers={
        "home": ServerEntry("10.0.0.5", 3131, False, None, ("#lobby", "#dev")),
        'odd "name" \\ é': ServerEntry("irc.example.org", 6697, True, "al\\ice", ()),
    },
)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "settings.toml"
    path.write_text(text, encoding="utf-8")
    return path


def error_of(path: Path) -> str:
    with pytest.raises(SettingsError) as caught:
        load_settings(path)
    message = str(caught.value)
    assert "\n" not in message
    return message


@pytest.mark.parametrize("settings", [Settings(), RICH])
def test_round_trip(tmp_path: Path, settings: Settings) -> None:
    path = save_settings(settings, tmp_path / "deep" / "dir" / "settings.toml")
    assert load_settings(path) == settings


def test_file_is_private(tmp_path: Path) -> None:
    path = tmp_path / "settings.toml"
    path.write_text("")
    path.chmod(0o644)
    save_settings(RICH, path)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["settings.toml"]


def test_missing_file_gives_defaults(tmp_path: Path) -> None:
    assert load_settings(tmp_path / "nope.toml") == Settings()


def test_hand_written_file(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        '# mine\nnick = "bob"\nhide_events = "all"\n\n[servers."work box"]\nhost = "w"\n',
    )
    settings = load_settings(path)
    assert settings.nick == "bob"
    assert settings.hide_events == "all"
    assert settings.servers == {"work box": ServerEntry("w")}
    assert settings.timestamp_format == "%H:%M"


def test_env_var_chooses_the_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "custom.toml"
    monkeypatch.setenv(CONFIG_ENV_VAR, str(target))
    assert settings_path() == target
    save_settings(Settings(nick="envy"))
    assert load_settings().nick == "envy"
    monkeypatch.delenv(CONFIG_ENV_VAR)
    default = settings_path()
    assert default == Path(platformdirs.user_config_dir("tui-chat")) / "settings.toml"


def test_cli_flags_override_only_when_given() -> None:
    settings = Settings(nick="file", theme="nord")
    merged = settings.with_overrides(nick="flag", theme=None)
    assert (merged.nick, merged.theme) == ("flag", "nord")
    with pytest.raises(TypeError):
        settings.with_overrides(nik="typo")


def test_broken_toml_names_path_and_line(tmp_path: Path) -> None:
    path = write(tmp_path, 'nick = "bob"\ntheme = "nord\nbell_on_mention = true\n')
    message = error_of(path)
    assert message.startswith(f"{path}, line 2: invalid TOML: ")
    assert "(at line" not in message


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "settings.toml"
    path.write_bytes(b'nick = "\xff"\n')
    assert error_of(path) == f"{path}: not UTF-8 text (byte 8)"


def test_unreadable_path(tmp_path: Path) -> None:
    assert error_of(tmp_path).startswith(f"{tmp_path}: cannot read: ")


def test_unwritable_path(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(SettingsError, match=r"cannot write: "):
        save_settings(Settings(), blocker / "settings.toml")


@pytest.mark.parametrize(
    ("text", "line", "problem"),
    [
        ('nik = "bob"', 1, "unknown setting 'nik'"),
        ("\nnick = 5", 2, "'nick' must be a string, not a whole number"),
        ('nick = "1bad"', 1, "'nick' is not a valid nick: '1bad'"),
        ("bell_on_mention = 1", 1, "'bell_on_mention' must be true or false, not a whole number"),
        ('hide_events = "some"', 1, "'hide_events' must be one of 'none', 'quiet', 'all'"),
        ("scrollback_lines = 0", 1, "'scrollback_lines' must be at least 1"),
        ("scrollback_lines = true", 1, "'scrollback_lines' must be a whole number, not a boolean"),
        ("quiet_minutes = 1.5", 1, "'quiet_minutes' must be a whole number, not a decimal number"),
        ("paste_lines_per_second = -1", 1, "'paste_lines_per_second' must be a number above 0"),
        ("paste_lines_per_second = nan", 1, "'paste_lines_per_second' must be a number above 0"),
        ("theme = [1]", 1, "'theme' must be a string, not a list"),
        ("theme = 1979-05-27", 1, "'theme' must be a string, not a date or time"),
        ("theme = {a = 1}", 1, "'theme' must be a string, not a table"),
        ("servers = 3", 1, "'servers' must be a table of [servers.NAME] tables"),
        ('[servers]\nhome = "x"', 2, "server 'home' must be a [servers.home] table"),
        ("[servers.home]\nport = 1", 1, "server 'home' has no 'host'"),
        ('[servers.home]\nhost = ""', 2, "server 'home': 'host' must not be empty"),
        ('[servers.home]\nhost = "h"\nport = 70000', 3, "server 'home': 'port' must be between"),
        ('[servers.home]\nhost = "h"\ntls = "yes"', 3, "'tls' must be true or false, not a string"),
        ('[servers.home]\nhost = "h"\nnick = "a b"', 3, "'nick' is not a valid nick: 'a b'"),
        ('[servers.home]\nhost = "h"\nrooms = "#a"', 3, "'rooms' must be a list of room names"),
        ('[servers."my box"]\nhost = "h"\nrooms = ["lobby"]', 3, "holds 'lobby', which is not"),
        ('[servers.home]\nhost = "h"\npassword = "x"', 3, "unknown setting 'password'"),
        ('[servers.a]\nhost = "h"\n[servers.b]\nhost = 1', 4, "server 'b': 'host' must be a"),
    ],
)
def test_bad_values_name_path_line_and_problem(
    tmp_path: Path, text: str, line: int, problem: str
) -> None:
    path = write(tmp_path, text + "\n")
    message = error_of(path)
    assert message.startswith(f"{path}, line {line}: ")
    assert problem in message


# Any text TOML can hold: everything but lone surrogates, which UTF-8 cannot encode.
TOML_TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=40)


@settings(max_examples=150, deadline=None)
@given(theme=TOML_TEXT, server=TOML_TEXT, host=TOML_TEXT.filter(bool))
def test_any_text_survives_the_writer(theme: str, server: str, host: str) -> None:
    written = Settings(theme=theme, timestamp_format=theme, servers={server: ServerEntry(host)})
    with tempfile.TemporaryDirectory() as folder:
        path = save_settings(written, Path(folder) / "settings.toml")
        assert load_settings(path) == written
