"""What the server told us about itself in RPL_ISUPPORT (005).

Every value has the default the modern IRC docs give for a server that does
not advertise it, so the session can use them before (or without) any 005.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from tui_chat.irc.casemap import casefold, casefolder
from tui_chat.irc.isupport import parse_tokens

__all__ = ["DEFAULT_CHANMODES", "DEFAULT_CHANTYPES", "DEFAULT_PREFIX", "Isupport"]

DEFAULT_PREFIX = "(ov)@+"
DEFAULT_CHANTYPES = "#&"
# Type A (lists), B (always a parameter), C (parameter when set), D (flags).
DEFAULT_CHANMODES = "beI,k,l,imnpst"
DEFAULT_CASEMAPPING = "rfc1459"
# RFC 1459's limit, the smallest any server uses.
DEFAULT_NICKLEN = 9


def _parse_prefix(value: str) -> tuple[str, str]:
    """`(ov)@+` -> ("ov", "@+"); anything malformed falls back to the default."""
    if value.startswith("(") and ")" in value:
        modes, _, symbols = value[1:].partition(")")
        if len(modes) == len(symbols):
            return modes, symbols
    if value == "":
        # An empty PREFIX means the server has no member prefixes at all.
        return "", ""
    return _parse_prefix(DEFAULT_PREFIX)


@dataclass
class Isupport:
    """Parsed ISUPPORT tokens; `tokens` keeps every raw value."""

    tokens: dict[str, str] = field(default_factory=dict)
    # A factory, not a default: a plain function as a class attribute would bind.
    _fold: Callable[[str], str] = field(
        default_factory=lambda: casefold, init=False, repr=False, compare=False
    )
    # PREFIX parsed once per 005, not on every line that reads a member prefix.
    _prefix: tuple[str, str] = field(
        default_factory=lambda: _parse_prefix(DEFAULT_PREFIX), init=False, repr=False, compare=False
    )

    def update(self, params: list[str]) -> None:
        """Apply the tokens of one 005 line (params without our nick and the trailing text)."""
        for name, value in parse_tokens(params).items():
            if name.startswith("-"):
                self.tokens.pop(name[1:].upper(), None)
            else:
                self.tokens[name.upper()] = value or ""
        self._fold = casefolder(self.casemapping)
        self._prefix = _parse_prefix(self._get("PREFIX", DEFAULT_PREFIX))

    def _get(self, key: str, default: str) -> str:
        return self.tokens.get(key, default)

    @property
    def prefix_modes(self) -> str:
        """Member mode letters, highest first, e.g. "ov"."""
        return self._prefix[0]

    @property
    def prefix_symbols(self) -> str:
        """Member prefix symbols, highest first, e.g. "@+"."""
        return self._prefix[1]

    @property
    def chantypes(self) -> str:
        return self._get("CHANTYPES", DEFAULT_CHANTYPES)

    @property
    def chanmodes(self) -> tuple[str, str, str, str]:
        groups = [*self._get("CHANMODES", DEFAULT_CHANMODES).split(","), "", "", ""]
        return groups[0], groups[1], groups[2], groups[3]

    @property
    def casemapping(self) -> str:
        return self._get("CASEMAPPING", DEFAULT_CASEMAPPING).lower()

    @property
    def network(self) -> str | None:
        return self.tokens.get("NETWORK") or None

    @property
    def whox(self) -> bool:
        """Whether WHO takes `%fields` (WHOX) and answers with 354."""
        return "WHOX" in self.tokens

    def casefold(self, name: str) -> str:
        """Fold a nick or room name the way this server compares them."""
        return self._fold(name)

    def is_channel(self, target: str) -> bool:
        return bool(target) and target[0] in self.chantypes

    def mode_takes_param(self, mode: str, adding: bool) -> bool:
        """Whether a channel mode letter consumes an argument in a MODE line."""
        if mode in self.prefix_modes:
            return True
        list_modes, always, when_set, _flags = self.chanmodes
        if mode in list_modes or mode in always:
            return True
        return adding and mode in when_set
