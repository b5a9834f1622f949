"""Every slash command against a recording session: what it sends, and its usage errors."""

from __future__ import annotations

import pytest

from tui_chat.client.events import Member
from tui_chat.tui.commands import COMMANDS, MODES_PER_LINE, command_names, execute, lookup

from .fakes import FakeContext, FakeRoom


async def run(line: str, target: str | None = "#lobby") -> FakeContext:
    ctx = FakeContext(target)
    await execute(line, ctx)
    return ctx


@pytest.mark.parametrize(
    ("line", "target", "call"),
    [
        ("hello there", "#lobby", ("send_message", "#lobby", "hello there")),
        ("hi bob", "bob", ("send_message", "bob", "hi bob")),
        ("//etc/passwd is a file", "#lobby", ("send_message", "#lobby", "/etc/passwd is a file")),
        ("  spaced  ", "#lobby", ("send_message", "#lobby", "  spaced  ")),
        ("/msg bob hi  there", "#lobby", ("send_message", "bob", "hi  there")),
        ("/MSG #dev build is green", None, ("send_message", "#dev", "build is green")),
        ("/m bob hi", None, ("send_message", "bob", "hi")),
        ("/notice bob ping", None, ("send_notice", "bob", "ping")),
        ("/me waves at  everyone", "#lobby", ("send_action", "#lobby", "waves at  everyone")),
        ("/me waves", "bob", ("send_action", "bob", "waves")),
        ("/join #dev", None, ("join", "#dev", None)),
        ("/join dev", None, ("join", "#dev", None)),
        ("/j #secret hunter2", None, ("join", "#secret", "hunter2")),
        ("/part", "#lobby", ("part", "#lobby", "")),
        ("/part bye all", "#lobby", ("part", "#lobby", "bye all")),
        ("/part #dev see you", "#lobby", ("part", "#dev", "see you")),
        ("/leave #dev", None, ("part", "#dev", "")),
        ("/close", "#lobby", ("part", "#lobby", "")),
        ("/topic", "#lobby", ("send_raw", "TOPIC #lobby")),
        ("/topic #dev", None, ("send_raw", "TOPIC #dev")),
        ("/topic Release on  Friday", "#lobby", ("set_topic", "#lobby", "Release on  Friday")),
        ("/topic #dev new topic", "#lobby", ("set_topic", "#dev", "new topic")),
        ("/names", "#lobby", ("names", "#lobby")),
        ("/names #dev", None, ("names", "#dev")),
        ("/list", None, ("list_rooms",)),
        ("/invite bob", "#lobby", ("invite", "bob", "#lobby")),
        ("/invite bob #dev", None, ("invite", "bob", "#dev")),
        ("/kick bob", "#lobby", ("kick", "#lobby", "bob", "")),
        ("/kick bob stop  spamming", "#lobby", ("kick", "#lobby", "bob", "stop  spamming")),
        ("/kick #dev bob bye", "#lobby", ("kick", "#dev", "bob", "bye")),
        ("/ban *!*@spam.example", "#lobby", ("mode", "#lobby", "+b", "*!*@spam.example")),
        ("/unban #dev bob", "#lobby", ("mode", "#dev", "-b", "bob!*@*")),
        ("/op bob", "#lobby", ("mode", "#lobby", "+o", "bob")),
        ("/deop #dev bob", None, ("mode", "#dev", "-o", "bob")),
        ("/voice bob carol", "#lobby", ("mode", "#lobby", "+vv", "bob", "carol")),
        ("/devoice bob", "#lobby", ("mode", "#lobby", "-v", "bob")),
        ("/mode", "#lobby", ("mode", "#lobby")),
        ("/mode +m", "#lobby", ("mode", "#lobby", "+m")),
        ("/mode -l", "#lobby", ("mode", "#lobby", "-l")),
        ("/mode #dev +k secret", None, ("mode", "#dev", "+k", "secret")),
        ("/mode alice +i", None, ("mode", "alice", "+i")),
        ("/nick alice2", None, ("set_nick", "alice2")),
        ("/away lunch, back at 2", None, ("set_away", "lunch, back at 2")),
        ("/away", None, ("set_away", "Away")),
        ("/back", "#lobby", ("set_away", None)),
        ("/whois bob", None, ("whois", "bob")),
        ("/wi bob", None, ("whois", "bob")),
        ("/quote PRIVMSG bob :raw  text", None, ("send_raw", "PRIVMSG bob :raw  text")),
        ("/raw VERSION", None, ("send_raw", "VERSION")),
    ],
)
async def test_command_calls_the_session(
    line: str, target: str | None, call: tuple[object, ...]
) -> None:
    ctx = await run(line, target)
    assert ctx.errors == []
    assert ctx.session.calls == [call]


async def test_join_several_rooms_joins_each() -> None:
    ctx = await run("/join #a,b,#c", None)
    assert ctx.session.calls == [("join", "#a", None), ("join", "#b", None), ("join", "#c", None)]


async def test_op_many_nicks_is_split_into_lines_the_server_accepts() -> None:
    nicks = [f"n{i}" for i in range(MODES_PER_LINE + 2)]
    ctx = await run("/op " + " ".join(nicks))
    assert ctx.session.calls == [
        ("mode", "#lobby", "+" + "o" * MODES_PER_LINE, *nicks[:MODES_PER_LINE]),
        ("mode", "#lobby", "+oo", *nicks[MODES_PER_LINE:]),
    ]


async def test_ban_uses_the_known_host_of_a_member() -> None:
    ctx = FakeContext("#lobby")
    ctx.session.state.rooms["#dev"] = FakeRoom(
        {"Bob": Member("Bob", userhost="~bob@10.0.0.7"), "x": Member("x")}
    )
    await execute("/ban BOB", ctx)
    await execute("/ban carol", ctx)
    assert ctx.session.calls == [
        ("mode", "#lobby", "+b", "*!*@10.0.0.7"),
        ("mode", "#lobby", "+b", "carol!*@*"),
    ]


async def test_query_opens_the_window_and_sends_the_text() -> None:
    ctx = await run("/query bob are you there?", "#lobby")
    assert ctx.app_calls == [("open_query", "bob")]
    assert ctx.session.calls == [("send_message", "bob", "are you there?")]
    ctx = await run("/q bob")
    assert ctx.app_calls == [("open_query", "bob")]
    assert ctx.session.calls == []


@pytest.mark.parametrize(
    ("line", "target", "app_call"),
    [
        ("/clear", "#lobby", ("clear",)),
        ("/help", None, ("show_help",)),
        ("/quit", "#lobby", ("request_quit", "")),
        ("/quit see you  tomorrow", "#lobby", ("request_quit", "see you  tomorrow")),
        ("/exit", None, ("request_quit", "")),
        ("/close", "bob", ("close_query", "bob")),
    ],
)
async def test_app_commands(line: str, target: str | None, app_call: tuple[str, ...]) -> None:
    ctx = await run(line, target)
    assert ctx.app_calls == [app_call]
    assert ctx.session.calls == []
    assert ctx.errors == []


async def test_help_for_one_command_shows_usage_help_and_aliases() -> None:
    ctx = await run("/help /j")
    assert ctx.infos == [
        "/join <#room>[,<#room>...] [key]: Join a room (created if it is new) (also /j)"
    ]


@pytest.mark.parametrize(
    ("line", "target", "usage"),
    [
        ("/msg", None, "Usage: /msg <nick|#room> <text>"),
        ("/msg bob", None, "Usage: /msg <nick|#room> <text>"),
        ("/notice bob", None, "Usage: /notice <nick|#room> <text>"),
        ("/query", None, "Usage: /query <nick> [text]"),
        ("/me", "#lobby", "Usage: /me <action>"),
        ("/join", None, "Usage: /join <#room>[,<#room>...] [key]"),
        ("/join ,", None, "Usage: /join <#room>[,<#room>...] [key]"),
        ("/join #a key extra", None, "Usage: /join <#room>[,<#room>...] [key]"),
        ("/kick", "#lobby", "Usage: /kick [#room] <nick> [reason]"),
        ("/kick #lobby", "#lobby", "Usage: /kick [#room] <nick> [reason]"),
        ("/ban", "#lobby", "Usage: /ban [#room] <nick|mask> [duration]"),
        ("/ban a 1h c", "#lobby", "Usage: /ban [#room] <nick|mask> [duration]"),
        ("/unban", "#lobby", "Usage: /unban [#room] <nick|mask>"),
        ("/op", "#lobby", "Usage: /op [#room] <nick> [nick...]"),
        ("/devoice #lobby", None, "Usage: /devoice [#room] <nick> [nick...]"),
        ("/invite", "#lobby", "Usage: /invite <nick> [#room]"),
        ("/invite bob notaroom", "#lobby", "Usage: /invite <nick> [#room]"),
        ("/names #a #b", None, "Usage: /names [#room]"),
        ("/nick", None, "Usage: /nick <new nick>"),
        ("/nick two words", None, "Usage: /nick <new nick>"),
        ("/whois", None, "Usage: /whois <nick>"),
        ("/quote", None, "Usage: /quote <raw IRC line>"),
        ("/back now", None, "Usage: /back"),
        ("/list x", None, "Usage: /list"),
        ("/clear x", None, "Usage: /clear"),
        ("/close x", "bob", "Usage: /close"),
        ("/help a b", None, "Usage: /help [command]"),
    ],
)
async def test_usage_errors(line: str, target: str | None, usage: str) -> None:
    ctx = await run(line, target)
    assert ctx.errors == [usage]
    assert ctx.session.calls == []
    assert ctx.app_calls == []


@pytest.mark.parametrize(
    "line",
    ["/kick bob", "/part", "/topic", "/names", "/ban bob", "/op bob", "/mode +m", "/invite bob"],
)
@pytest.mark.parametrize("target", [None, "bob"])
async def test_room_commands_outside_a_room_say_so(line: str, target: str | None) -> None:
    ctx = await run(line, target)
    name = line.split()[0]
    usage = lookup(name[1:])
    assert usage is not None
    assert ctx.errors == [f"{name} needs a room: use it in one, or name it: {usage.usage_line}"]
    assert ctx.session.calls == []


@pytest.mark.parametrize(
    ("line", "error"),
    [
        ("hello", "This is the server window"),
        ("/me waves", "/me needs a room"),
        ("/close", "The server window cannot be closed"),
    ],
)
async def test_things_that_need_a_window(line: str, error: str) -> None:
    ctx = await run(line, None)
    assert len(ctx.errors) == 1
    assert ctx.errors[0].startswith(error)
    assert ctx.session.calls == []


async def test_query_of_a_room_points_to_join() -> None:
    ctx = await run("/query #dev")
    assert ctx.errors == ["#dev is a room: use /join #dev"]


@pytest.mark.parametrize(
    ("line", "error"),
    [
        ("/jion #dev", "Unknown command /jion. Did you mean /join? Type /help for the list."),
        ("/xyzzy", "Unknown command /xyzzy. Type /help for the list."),
        ("/", "Unknown command /. Type /help for the list."),
        ("/help zzzz", "Unknown command /zzzz. Type /help for the list."),
    ],
)
async def test_unknown_commands(line: str, error: str) -> None:
    ctx = await run(line)
    assert ctx.errors == [error]
    assert ctx.session.calls == []


@pytest.mark.parametrize("line", ["", "   "])
async def test_blank_input_does_nothing(line: str) -> None:
    ctx = await run(line)
    assert (ctx.errors, ctx.session.calls, ctx.app_calls) == ([], [], [])


@pytest.mark.parametrize("line", ["hi\nQUIT", "/quote PRIVMSG #a :x\r\nQUIT", "/msg bob a\0b"])
async def test_line_breaks_never_reach_the_session(line: str) -> None:
    ctx = await run(line)
    assert ctx.errors == [
        "A line break cannot be sent inside one message; paste the lines instead."
    ]
    assert ctx.session.calls == []


@pytest.mark.parametrize("failure", [ConnectionResetError("gone"), OSError("broken pipe")])
@pytest.mark.parametrize("line", ["hello", "/join #x"])
async def test_a_dead_connection_is_an_error_line_not_a_crash(
    failure: Exception, line: str
) -> None:
    ctx = FakeContext("#lobby")
    ctx.session.failure = failure
    await execute(line, ctx)
    assert ctx.errors == [f"Not connected to the server: {failure}"]


def test_the_table_covers_the_issue_commands() -> None:
    wanted = [
        "join",
        "part",
        "msg",
        "query",
        "me",
        "nick",
        "topic",
        "names",
        "whois",
        "away",
        "back",
        "invite",
        "kick",
        "ban",
        "unban",
        "mode",
        "op",
        "deop",
        "voice",
        "devoice",
        "list",
        "quote",
        "clear",
        "help",
        "quit",
        "close",
    ]
    assert set(wanted) <= set(COMMANDS)
    assert command_names() == sorted(COMMANDS)
    for command in COMMANDS.values():
        assert command.help and command.help[0].isupper()
        assert lookup(command.name.upper()) is command
        for alias in command.aliases:
            assert lookup(alias) is command
            assert alias not in COMMANDS
