"""One IRC line: parse it into a `Message`, serialize a `Message` back.

Sans-IO: this module sees strings, never sockets. Framing (splitting a byte
stream on CR/LF, enforcing line-length limits, decoding) belongs to the
caller; `parse` takes one line with or without its trailing CR LF.

Grammar (modern.ircdocs.horse, IRCv3 message-tags):

    [@tags SPACE] [:source SPACE] command *(SPACE param) [SPACE :trailing]

Runs of spaces between atoms are tolerated, as RFC 1459 allows.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = [
    "Message",
    "ParseError",
    "escape_tag_value",
    "parse",
    "serialize",
    "unescape_tag_value",
]


class ParseError(ValueError):
    """The line is not a well-formed IRC message."""


_UNESCAPES = {":": ";", "s": " ", "\\": "\\", "r": "\r", "n": "\n"}
_ESCAPES = str.maketrans({";": "\\:", " ": "\\s", "\\": "\\\\", "\r": "\\r", "\n": "\\n"})
# Characters that would let a value break out of its atom or its line.
_FORBIDDEN_IN_PARAM = frozenset("\r\n\0")


def unescape_tag_value(raw: str) -> str:
    if "\\" not in raw:
        return raw
    out: list[str] = []
    i = 0
    n = len(raw)
    while i < n:
        ch = raw[i]
        if ch == "\\":
            i += 1
            if i < n:
                nxt = raw[i]
                out.append(_UNESCAPES.get(nxt, nxt))
            # A lone trailing backslash is dropped, per the spec.
        else:
            out.append(ch)
        i += 1
    return "".join(out)


def escape_tag_value(value: str) -> str:
    return value.translate(_ESCAPES)


def _parse_tags(raw: str) -> dict[str, str]:
    tags: dict[str, str] = {}
    for item in raw.split(";"):
        if not item:
            continue
        key, sep, value = item.partition("=")
        if not key:
            raise ParseError("empty tag key")
        # Later duplicates win, as the spec says.
        tags[key] = unescape_tag_value(value) if sep else ""
    return tags


@dataclass(slots=True)
class Message:
    """A parsed IRC message.

    `command` is upper-cased on parse (numerics stay as their three digits).
    `tags` maps key to unescaped value; a tag with no value maps to "".
    """

    command: str
    params: list[str] = field(default_factory=list)
    source: str | None = None
    tags: dict[str, str] = field(default_factory=dict)

    def serialize(self) -> str:
        return serialize(self)

    def to_bytes(self) -> bytes:
        """The wire form, CR LF terminated, UTF-8 encoded."""
        return (serialize(self) + "\r\n").encode("utf-8", "surrogateescape")

    @property
    def nick(self) -> str | None:
        """The nick part of a `nick!user@host` source, or the whole source."""
        if self.source is None:
            return None
        return self.source.split("!", 1)[0].split("@", 1)[0]

    def param(self, index: int, default: str = "") -> str:
        return self.params[index] if index < len(self.params) else default


def parse(line: str) -> Message:
    """Parse one line. Raises `ParseError`, and nothing else, on bad input."""
    if not isinstance(line, str):
        raise ParseError("line must be str")
    line = line.rstrip("\r\n")
    if "\r" in line or "\n" in line:
        raise ParseError("line contains CR or LF")
    if "\0" in line:
        raise ParseError("line contains NUL")
    pos = 0
    n = len(line)

    def skip_spaces(p: int) -> int:
        while p < n and line[p] == " ":
            p += 1
        return p

    def next_atom(p: int) -> tuple[str, int]:
        end = line.find(" ", p)
        if end == -1:
            end = n
        return line[p:end], end

    tags: dict[str, str] = {}
    pos = skip_spaces(pos)
    if pos < n and line[pos] == "@":
        raw, pos = next_atom(pos + 1)
        tags = _parse_tags(raw)
        pos = skip_spaces(pos)

    source: str | None = None
    if pos < n and line[pos] == ":":
        source, pos = next_atom(pos + 1)
        if not source:
            raise ParseError("empty source")
        pos = skip_spaces(pos)

    command, pos = next_atom(pos)
    if not command:
        raise ParseError("no command")
    params: list[str] = []
    while True:
        pos = skip_spaces(pos)
        if pos >= n:
            break
        if line[pos] == ":":
            params.append(line[pos + 1 :])
            break
        atom, pos = next_atom(pos)
        params.append(atom)
    return Message(command.upper(), params, source, tags)


def _check_param(value: str) -> None:
    if _FORBIDDEN_IN_PARAM.intersection(value):
        raise ValueError(f"CR, LF or NUL in parameter {value!r}")


def serialize(msg: Message) -> str:
    """The wire form of `msg`, without CR LF.

    Raises ValueError if a parameter could not be read back as written
    (CR/LF/NUL anywhere, a space or leading colon in a non-final one):
    this is what keeps one user's text from injecting lines into another's
    stream.
    """
    parts: list[str] = []
    if msg.tags:
        parts.append(
            "@"
            + ";".join(
                f"{key}={escape_tag_value(value)}" if value else key
                for key, value in msg.tags.items()
            )
        )
    if msg.source:
        _check_param(msg.source)
        parts.append(":" + msg.source)
    _check_param(msg.command)
    parts.append(msg.command)
    params = msg.params
    if params:
        for middle in params[:-1]:
            _check_param(middle)
            if not middle or " " in middle or middle[0] == ":":
                raise ValueError(f"bad middle parameter {middle!r}")
            parts.append(middle)
        last = params[-1]
        _check_param(last)
        if not last or " " in last or last[0] == ":":
            parts.append(":" + last)
        else:
            parts.append(last)
    return " ".join(parts)
