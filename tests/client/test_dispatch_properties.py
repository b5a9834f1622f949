"""Whatever a server sends, the dispatcher neither raises nor loses its state's shape."""

from __future__ import annotations

from collections.abc import Callable

from hypothesis import given, settings
from hypothesis import strategies as st

from tui_chat.client.dispatch import Dispatcher
from tui_chat.client.events import Event
from tui_chat.client.registration import Registration
from tui_chat.client.state import SessionState
from tui_chat.irc.message import Message, ParseError, parse


class RecordingLink:
    def __init__(self) -> None:
        self.events: list[Event] = []
        self.sent: list[Message] = []
        self.flushes = 0

    def emit(self, event: Event) -> None:
        self.events.append(event)

    def send(self, msg: Message) -> None:
        msg.serialize()  # everything the dispatcher sends must be valid on the wire
        self.sent.append(msg)

    def welcomed(self) -> None:
        pass

    def registration_done(self) -> None:
        pass

    def room_ready(self, room: str) -> None:
        pass

    def pong(self, token: str) -> None:
        pass

    def logged_in(self, account: str) -> None:
        pass

    def nick_freed(self, nick: str) -> None:
        pass

    def login_refused(self) -> None:
        pass

    def off_loop(self, work: Callable[[], bytes], then: Callable[[bytes], None]) -> None:
        then(work())

    def fatal(self, sentence: str) -> None:
        pass

    def server_error(self, text: str) -> None:
        pass

    def schedule_flush(self) -> None:
        self.flushes += 1


COMMANDS = [
    *("PING", "PONG", "CAP", "ERROR", "JOIN", "PART", "KICK", "QUIT", "NICK", "PRIVMSG"),
    *("NOTICE", "TOPIC", "MODE", "AWAY", "INVITE", "ACCOUNT", "CHGHOST", "BATCH", "FAIL"),
    *("WARN", "NOTE", "SETNAME", "001", "005", "301", "305", "306", "311", "319", "322"),
    *("324", "332", "333", "353", "366", "376", "396", "422", "432", "433", "441", "482"),
    *("352", "315", "AUTHENTICATE", "900", "903", "904"),
]
ATOMS = st.sampled_from(
    ["me", "Me", "bob", "#room", "#ROOM", "@#room", "*", "+o", "-o+v", "+b", "ov", "\x01", ""]
)
TEXT = st.one_of(ATOMS, st.text(max_size=20))
SOURCES = st.sampled_from([None, "me!u@h", "bob!b@h", "server.example", "bob", "!", "@"])
PARAMS = st.lists(TEXT, max_size=5)
TAGS = st.dictionaries(st.sampled_from(["time", "msgid", "batch"]), TEXT, max_size=3)


def _line(tags: dict[str, str], source: str | None, command: str, params: list[str]) -> str:
    """A raw line as a server could send it; params may carry spaces and colons."""
    head = "@" + ";".join(f"{k}={v}" for k, v in tags.items()) + " " if tags else ""
    head += f":{source} " if source else ""
    return head + " ".join([command, *params[:-1], ":" + params[-1]] if params else [command])


@st.composite
def messages(draw: st.DrawFn) -> Message | None:
    line = _line(draw(TAGS), draw(SOURCES), draw(st.sampled_from(COMMANDS)), draw(PARAMS))
    try:
        return parse(line)
    except ParseError:
        return None


@settings(max_examples=300, deadline=None)
@given(st.lists(messages(), max_size=25))
def test_any_message_sequence_is_handled(lines: list[Message | None]) -> None:
    state = SessionState(nick="me")
    state.caps = {"draft/chathistory", "multi-prefix", "away-notify"}
    link = RecordingLink()
    dispatcher = Dispatcher(state, link, Registration("me", "u", "r"), "tui-chat test")
    for msg in [Message("001", ["me", "hi"], "server.example"), *lines]:
        if msg is not None:
            dispatcher.handle(msg)
    dispatcher.flush_members()
    for room in state.rooms.values():
        assert all(key == state.fold(member.nick) for key, member in room.members.items())
