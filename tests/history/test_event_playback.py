"""draft/event-playback: JOIN, PART, KICK, QUIT, NICK, MODE and TOPIC in history, if asked."""

from __future__ import annotations

from server_core.fakes import Peer, lobby_op, register
from server_core.test_history_wiring import Store

from tui_chat.irc.message import Message
from tui_chat.server.history import Conversation, HistoryRequest, parse_request

from .helpers import answer, settle

CHAT = "batch server-time message-tags draft/chathistory"
PLAYBACK = f"{CHAT} draft/event-playback"
EVERYTHING = "TARGETS timestamp=2000-01-01T00:00:00.000Z timestamp=2100-01-01T00:00:00.000Z 50"


def rows_of(files: Store, peer: Peer, query: str) -> list[Message]:
    """The lines inside the batch answering `CHATHISTORY <query>`."""
    return [m for m in answer(files, peer, f"CHATHISTORY {query}") if m.command != "BATCH"]


def targets(files: Store, peer: Peer) -> list[str]:
    lines = answer(files, peer, f"CHATHISTORY {EVERYTHING}")
    return [m.params[1] for m in lines if m.command == "CHATHISTORY"]


def test_events_are_played_back_only_to_who_asks(files: Store) -> None:
    core = files.core()
    watcher = register(core, "watcher", caps=PLAYBACK)
    classic = register(core, "classic", caps=CHAT)
    alice = lobby_op(register(core, "alice"))
    alice.send("PRIVMSG #lobby :hi", "TOPIC #lobby :news", "MODE #lobby +m", "NICK alicia")
    register(core, "bob")
    alice.send("KICK #lobby bob :out")
    register(core, "carl").send("PART #lobby :bye")
    register(core, "dave").send("QUIT :gone")
    files.commit()

    played = rows_of(files, watcher, "LATEST #lobby * 50")
    assert [(m.source.split("!")[0], m.command, m.params) for m in played] == [
        ("watcher", "JOIN", ["#lobby"]),
        ("classic", "JOIN", ["#lobby"]),
        ("alice", "JOIN", ["#lobby"]),
        ("alice", "PRIVMSG", ["#lobby", "hi"]),
        ("alice", "TOPIC", ["#lobby", "news"]),
        ("alice", "MODE", ["#lobby", "+m"]),
        ("alice", "NICK", ["alicia"]),
        ("bob", "JOIN", ["#lobby"]),
        ("alicia", "KICK", ["#lobby", "bob", "out"]),
        ("carl", "JOIN", ["#lobby"]),
        ("carl", "PART", ["#lobby", "bye"]),
        ("dave", "JOIN", ["#lobby"]),
        ("dave", "QUIT", ["Quit: gone"]),
    ]
    assert all("msgid" in m.tags and "time" in m.tags for m in played)
    # The limit counts events too; any of them serves as a msgid selector.
    kick = played[8].tags["msgid"]
    last = rows_of(files, watcher, f"AFTER #lobby msgid={kick} 2")
    assert [m.command for m in last] == ["JOIN", "PART"]

    chat = rows_of(files, classic, "LATEST #lobby * 50")
    assert [m.params for m in chat] == [["#lobby", "hi"]]


def test_targets_without_playback_skip_rooms_with_events_only(files: Store) -> None:
    core = files.core()
    watcher = register(core, "watcher", caps=PLAYBACK)
    classic = register(core, "classic", caps=CHAT)
    for peer in (watcher, classic):
        peer.send("JOIN #quiet")
    classic.send("PRIVMSG #lobby :said")
    files.commit()
    assert sorted(targets(files, watcher)) == ["#lobby", "#quiet"]
    assert targets(files, classic) == ["#lobby"]


def test_a_quit_and_a_nick_are_kept_in_every_room_of_the_user(files: Store) -> None:
    core = files.core()
    alice = register(core, "alice")
    alice.send("JOIN #den", "NICK alicia", "QUIT :bye")
    files.commit()
    request = parse_request(["LATEST", "#x", "*", "10"], 10)
    assert isinstance(request, HistoryRequest)
    for room in ("#lobby", "#den"):
        found = files.opened[0].reader.fetch(Conversation.channel(room), request).result(10)
        assert [(r.command, r.params) for r in found] == [
            ("JOIN", (room,)),
            ("NICK", ("alicia",)),
            ("QUIT", ("Quit: bye",)),
        ]
        assert all(r.target == room and r.text is None for r in found)


def test_events_never_take_a_message_s_place_without_playback(files: Store) -> None:
    """A page of N holds N messages however many events lie between them."""
    core = files.core()
    classic = register(core, "classic", caps=CHAT)
    watcher = register(core, "watcher", caps=PLAYBACK)
    for i in range(60):
        classic.send(f"PRIVMSG #lobby :m{i}")
        passer = register(core, f"passer{i}")  # JOIN
        passer.send("PART #lobby", "JOIN #lobby", "QUIT")  # PART, JOIN, QUIT
    files.commit()
    page = rows_of(files, classic, "LATEST #lobby * 50")
    assert [m.params[-1] for m in page] == [f"m{i}" for i in range(10, 60)]
    oldest = page[0].tags["msgid"]
    older = rows_of(files, classic, f"BEFORE #lobby msgid={oldest} 50")
    assert [m.params[-1] for m in older] == [f"m{i}" for i in range(10)]
    # The join replay of a client without chathistory: messages only, as many as set.
    core.clock.now += 1  # type: ignore[attr-defined]  # the replay is of what came before
    # Not register(): it drains what arrived, and a replay from memory comes at once.
    legacy = Peer(core)
    legacy.send("CAP LS 302", "CAP REQ :batch", "NICK legacy", "USER legacy 0 * :l", "CAP END")
    settle(files, core)
    replayed = [m for m in legacy.take() if m.command == "PRIVMSG"]
    assert [m.params[-1] for m in replayed] == [f"m{i}" for i in range(40, 60)]
    # With playback the same limit counts events: 50 rows, most of them events.
    rows = rows_of(files, watcher, "LATEST #lobby * 50")
    assert len(rows) == 50 and sum(m.command == "PRIVMSG" for m in rows) < 15


def test_events_can_be_turned_off(files: Store) -> None:
    core = files.core(keep_events=False)
    watcher = register(core, "watcher", caps=PLAYBACK)
    register(core, "bob").send("PRIVMSG #lobby :only this", "PART #lobby")
    assert [m.command for m in rows_of(files, watcher, "LATEST #lobby * 10")] == ["PRIVMSG"]
