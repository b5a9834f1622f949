"""Property tests of the line parser and serializer (hypothesis)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tui_chat.irc.message import (
    Message,
    ParseError,
    escape_tag_value,
    parse,
    serialize,
    unescape_tag_value,
    valid_tag_key,
)

# Fast enough for every run on a shared 2-core box, no flaky deadlines.
PROPERTY_SETTINGS = settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)

LINE_BREAKERS = "\r\n\0"
# Characters that make IRC lines interesting, mixed into otherwise random text.
IRC_ALPHABET = st.sampled_from([*" :@;=\\!*?#+/\t\x01\x02\x03", "a", "b", "é", "😀"])
# Text as a reader decodes it: no lone surrogates except the escapes of bytes.
irc_text = st.text(
    st.one_of(
        IRC_ALPHABET, st.characters(exclude_categories=["Cs"]), st.sampled_from("\udc80\udcff")
    ),
    max_size=40,
)
clean_text = irc_text.filter(lambda s: not any(ch in s for ch in LINE_BREAKERS))

tag_keys = st.from_regex(
    r"\+?([a-z0-9]([a-z0-9.-]{0,8}[a-z0-9])?/)?[A-Za-z0-9-]{1,12}", fullmatch=True
)
tag_values = irc_text.filter(lambda s: "\0" not in s)
commands = st.one_of(
    st.from_regex(r"[A-Z]{1,12}", fullmatch=True),
    st.from_regex(r"[0-9]{3}", fullmatch=True),
)
sources = clean_text.filter(lambda s: s != "" and " " not in s)
middles = clean_text.filter(lambda s: s != "" and " " not in s and not s.startswith(":"))


@st.composite
def messages(draw: st.DrawFn) -> Message:
    params = draw(st.lists(middles, max_size=5))
    if draw(st.booleans()):
        params.append(draw(clean_text))
    return Message(
        draw(commands),
        params,
        draw(st.none() | sources),
        draw(st.dictionaries(tag_keys, tag_values, max_size=4)),
    )


@PROPERTY_SETTINGS
@given(messages())
def test_valid_messages_round_trip(msg: Message) -> None:
    line = serialize(msg)
    assert not any(ch in line for ch in LINE_BREAKERS)
    assert parse(line) == msg
    assert parse(msg.to_bytes().decode("utf-8", "surrogateescape")) == msg


@PROPERTY_SETTINGS
@given(st.one_of(irc_text, st.binary(max_size=60).map(lambda b: b.decode("latin-1"))))
def test_parse_raises_only_parse_error(line: str) -> None:
    try:
        msg = parse(line)
    except ParseError:
        return
    assert msg.command


@PROPERTY_SETTINGS
@given(irc_text.map(lambda s: "@" + s) | irc_text)
def test_reserializing_a_parsed_line_is_stable(line: str) -> None:
    """What a server relays reads back as what it received, or is refused."""
    try:
        msg = parse(line)
        again = serialize(msg)
    except ValueError:
        return
    assert parse(again) == msg


@PROPERTY_SETTINGS
@given(
    commands | st.text(max_size=20),
    st.lists(middles | irc_text, max_size=4),
    st.none() | sources | irc_text,
    st.dictionaries(tag_keys | irc_text, irc_text, max_size=3),
)
def test_serialize_is_refused_or_faithful(
    command: str, params: list[str], source: str | None, tags: dict[str, str]
) -> None:
    """Whatever fields a handler builds, the line never says something else."""
    msg = Message(command, params, source, tags)
    try:
        line = serialize(msg)
    except ValueError:
        return
    assert not any(ch in line for ch in LINE_BREAKERS)
    back = parse(line)
    assert back.command == command.upper()
    assert back.params == params
    assert back.source == (source or None)
    assert back.tags == tags


@PROPERTY_SETTINGS
@given(messages(), st.sampled_from(LINE_BREAKERS), st.integers(0, 2), st.data())
def test_serialize_refuses_line_breakers(
    msg: Message, breaker: str, field: int, data: st.DataObject
) -> None:
    text = data.draw(clean_text)
    cut = data.draw(st.integers(0, len(text)))
    poisoned = text[:cut] + breaker + text[cut:]
    if field == 0:
        msg.params = [*msg.params, poisoned]
    elif field == 1:
        msg.source = "nick" + poisoned
    else:
        msg.tags = {**msg.tags, "key" + poisoned: "v"}
    with pytest.raises(ValueError):
        serialize(msg)


@PROPERTY_SETTINGS
@given(st.text())
def test_tag_escaping_round_trips_any_string(value: str) -> None:
    escaped = escape_tag_value(value)
    assert not any(ch in escaped for ch in " ;\r\n")
    assert unescape_tag_value(escaped) == value


@pytest.mark.parametrize(
    "key", ["time", "msgid", "+draft/reply", "example.com/x-y", "+a.b-c.d/e", "x9", "-"]
)
def test_tag_key_grammar_accepts(key: str) -> None:
    assert valid_tag_key(key)
    assert serialize(Message("TAGMSG", ["#a"], tags={key: "v"})) == f"@{key}=v TAGMSG #a"


@pytest.mark.parametrize(
    "key", ["", "+", "a b", "a=b", "a;b", "/x", "vendor/", "-bad./x", "a/b/c", "++x", "é", "a_b"]
)
def test_tag_key_grammar_rejects_garbage(key: str) -> None:
    assert not valid_tag_key(key)
    with pytest.raises(ValueError):
        serialize(Message("TAGMSG", ["#a"], tags={key: "v"}))


def test_nul_in_tag_value_is_refused() -> None:
    with pytest.raises(ValueError):
        serialize(Message("PRIVMSG", ["#a", "hi"], tags={"+x": "a\0b"}))


@pytest.mark.parametrize(
    "field",
    [
        {"source": "evil PRIVMSG #victim :boo"},
        {"command": "PRIVMSG #victim"},
        {"command": ":x"},
        {"command": ""},
        {"command": "1234"},
        {"params": ["a b", "c"]},
        {"params": [":a", "c"]},
        {"params": ["", "c"]},
    ],
    ids=repr,
)
def test_serialize_refuses_atoms_that_would_split(field: dict[str, object]) -> None:
    fields: dict[str, object] = {"command": "PRIVMSG", "params": ["#a", "hi"]} | field
    with pytest.raises(ValueError):
        serialize(Message(**fields))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("line", "why"),
    [
        ("", "empty"),
        ("   ", "only spaces"),
        ("@a=b", "tags without a command"),
        (":src", "source without a command"),
        (": PRIVMSG #a :x", "empty source"),
        ("PRIVMSG #a :x\rINJECT", "CR inside"),
        ("PRIVMSG #a :x\0", "NUL inside"),
    ],
)
def test_parse_rejects_malformed_lines(line: str, why: str) -> None:
    with pytest.raises(ParseError):
        parse(line)


@pytest.mark.parametrize("raw_tags", ["=v", "+=x", "bad_key=1", "é", "x/"])
def test_parse_drops_tags_outside_the_grammar(raw_tags: str) -> None:
    msg = parse(f"@{raw_tags};time=1 PING x")
    assert msg == Message("PING", ["x"], tags={"time": "1"})
    assert serialize(msg) == "@time=1 PING x"


def test_parse_tolerates_line_endings_and_spacing() -> None:
    assert parse("  :n!u@h   privmsg   #a   :hi there\r\n") == Message(
        "PRIVMSG", ["#a", "hi there"], "n!u@h"
    )


def test_parse_upper_cases_only_ascii_commands() -> None:
    # str.upper would turn the dotless i into I and make this PRIVMSG.
    dotless = "pr\u0131vmsg"
    assert parse(f"{dotless} #a :x").command == dotless


def test_to_bytes_keeps_escaped_bytes_and_never_raises_on_surrogates() -> None:
    raw = b"PRIVMSG #a caf\xe9\r\n"
    assert parse(raw.decode("utf-8", "surrogateescape")).to_bytes() == raw
    assert Message("PRIVMSG", ["#a", "x\ud800"]).to_bytes() == b"PRIVMSG #a x?\r\n"


def test_message_helpers() -> None:
    msg = parse(":nick!user@host PRIVMSG #a :hi")
    assert msg.nick == "nick"
    assert msg.param(1) == "hi"
    assert msg.param(5, "none") == "none"
    assert parse("PING x").nick is None
    assert msg.to_bytes() == b":nick!user@host PRIVMSG #a hi\r\n"
