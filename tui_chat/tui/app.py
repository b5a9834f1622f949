"""The chat app: rooms | log | members, a topic line, the input box and a status line.

    app = ChatApp(settings, server_label="10.0.0.5:3131", nick=None,
                  session_factory=lambda nick, on_event: ClientSession(options, on_event))
    app.run()

The app never touches a socket. `session_factory(nick, on_event)` builds the
IRC client session once the nick is known (from the flag, the settings, or
the "Your name" screen); its `run()` is the app's socket reader worker on the
app's own event loop. Session events wait in the app's own queue and are
applied by `apply_event` in batches of at most EVENT_BATCH_SECONDS, so keys
and drawing get the loop between batches however fast lines arrive. Tests
call `apply_event` directly to get a deterministic screen with no network.

The app is the `CommandContext` of `tui_chat.tui.commands`: every submitted
line goes through `commands.execute`.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from functools import partial
from typing import ClassVar, Protocol, TypeVar

from textual import on, work
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import ContentSwitcher, Input, OptionList, Static

from tui_chat.client.events import (
    AccountChanged,
    AccountRegistered,
    AwayChanged,
    ConnectionStateChanged,
    ConnState,
    ErrorReply,
    Event,
    GuestRenamed,
    HistoryBatchEnded,
    Invited,
    LagMeasured,
    LoginFailed,
    MembersChanged,
    MessageKind,
    MessagePending,
    MessageReceived,
    ModeChanged,
    NickChanged,
    Registered,
    SelfJoined,
    SelfKicked,
    SelfParted,
    ServerInfo,
    TopicChanged,
    UserJoined,
    UserKicked,
    UserParted,
    UserQuit,
)
from tui_chat.client.history import HISTORY_PAGE
from tui_chat.client.pending import IDEM_TAG
from tui_chat.config import Settings, SettingsError
from tui_chat.credentials import ServerLogin, ServerLogins
from tui_chat.irc.casemap import casefold, is_channel
from tui_chat.tui import commands
from tui_chat.tui.commands import SessionActions
from tui_chat.tui.gc_tuning import settle_after_start
from tui_chat.tui.input_history import HistoryBook
from tui_chat.tui.outage import Outage
from tui_chat.tui.paste import PastePolicy
from tui_chat.tui.screens.confirm import ConfirmScreen
from tui_chat.tui.screens.help import HelpScreen
from tui_chat.tui.screens.name_prompt import NamePromptScreen
from tui_chat.tui.screens.password_prompt import PasswordAnswer, PasswordPrompt
from tui_chat.tui.widgets.chat_input import ChatInput, CompletionSource
from tui_chat.tui.widgets.chat_log import ChatLog
from tui_chat.tui.widgets.message_lines import (
    EVENT_MARK,
    JOIN_MARK,
    LEAVE_MARK,
    ChatLine,
    LineStyler,
    Palette,
)
from tui_chat.tui.widgets.room_list import RoomList
from tui_chat.tui.widgets.status_line import StatusLine
from tui_chat.tui.widgets.topic_line import TopicLine
from tui_chat.tui.widgets.user_list import UserList
from tui_chat.tui.widgets.windows import SERVER_WINDOW, Window, WindowKind, WindowList

__all__ = [
    "EVENT_BATCH_SECONDS",
    "QUIT_TIMEOUT",
    "ChatApp",
    "ChatSession",
    "EventsWaiting",
    "SessionFactory",
]

# Seconds of session events applied in one go before keys and drawing get
# the loop. One Textual message per event held the loop for seconds during a
# burst of 10,000 messages (keys answered after 2-4 s).
EVENT_BATCH_SECONDS = 0.008

# How long Ctrl+Q waits for the session's goodbye before closing anyway; longer
# than the session's own QUIT wait (3 s), so this only catches a stuck session.
QUIT_TIMEOUT = 5.0

# ServerInfo codes of the message of the day.
MOTD_CODES = frozenset({"372", "375", "376", "422"})
# ServerInfo codes that are the server talking about itself (the MOTD, the
# TLS check): the server window's text, never the room being read.
SERVER_TEXT_CODES = MOTD_CODES | {"TLS"}


class ChatSession(SessionActions, Protocol):
    """What the app needs of `tui_chat.client.session.ClientSession`."""

    async def run(self) -> None: ...
    async def quit(self, message: str = "") -> None: ...
    async def fetch_history(
        self, target: str, before: str | datetime, limit: int = HISTORY_PAGE
    ) -> None: ...
    async def login(self, account: str, password: str, allow_plaintext: bool = False) -> None: ...
    async def load_conversation(self, nick: str) -> None: ...
    async def register_account(
        self, password: str, account: str | None = None, allow_plaintext: bool = False
    ) -> None: ...
    @property
    def password_is_private(self) -> bool: ...
    @property
    def link_is_private(self) -> bool: ...
    @property
    def pinned_fingerprint(self) -> str | None: ...


_T = TypeVar("_T")
SessionFactory = Callable[[str, Callable[[Event], None]], ChatSession]


class EventsWaiting(Message):
    """Session events wait in the app's queue: apply the next batch."""


class ChatApp(App[None]):
    CSS_PATH = "chat.tcss"
    TITLE = "tui-chat"
    # Ctrl+P is "previous window" here, as in irssi and WeeChat.
    COMMAND_PALETTE_BINDING = "f2"
    # Screen classes by terminal width; chat.tcss shrinks and hides the side lists.
    # "-wide" has no rules: it only ends the "-narrow" range.
    HORIZONTAL_BREAKPOINTS: ClassVar[list[tuple[int, str]]] = [
        (0, "-tiny"),
        (60, "-narrow"),
        (100, "-wide"),
    ]
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+q", "quit_chat", "Quit", priority=True),
        Binding("f1", "help", "Help"),
        Binding("ctrl+n,alt+down", "next_window", "Next window", priority=True),
        Binding("ctrl+p,alt+up", "previous_window", "Previous window", priority=True),
        Binding("alt+a", "next_unread", "Next unread", priority=True),
        # Not priority: the help screen scrolls itself with these.
        Binding("pageup", "scroll_log(-1)", "Scroll up", show=False),
        Binding("pagedown", "scroll_log(1)", "Scroll down", show=False),
    ]

    def __init__(
        self,
        settings: Settings,
        *,
        server_label: str,
        nick: str | None,
        session_factory: SessionFactory | None,
        banner: Sequence[str] = (),
        clock: Callable[[], datetime] = datetime.now,
        logins: ServerLogins | None = None,
        tune_gc: bool = False,
    ) -> None:
        """`logins` remembers this server's login and "don't ask again" (None: nothing is).

        `tune_gc` settles the process's garbage collector once the app is up
        (`gc_tuning`): for a real run, not for tests building many apps.
        """
        super().__init__()
        self._tune_gc = tune_gc
        self.settings = settings
        self.server_label = server_label
        self.nick = nick or ""
        self._session_factory = session_factory
        self._session: ChatSession | None = None
        self._banner = tuple(banner)
        self._banner_shown_in_room = False
        self._clock = clock
        self.windows = WindowList(server_label)
        self.current_key = SERVER_WINDOW
        self._logs: dict[str, ChatLog] = {}
        self._log_ids = 0
        self._histories = HistoryBook(max_entries=settings.input_history_size)
        self._paste = PastePolicy.from_settings(settings)
        # casefolded nick -> monotonic time they last spoke, for hide_events = "quiet".
        self._last_spoke: dict[str, float] = {}
        self._quitting = False
        self._rooms_redraw_pending = False
        # Session events not applied yet, oldest first; one EventsWaiting is posted for them.
        self._events: deque[Event] = deque()
        self._drain_posted = False
        self._conn_state = ConnState.CONNECTING
        self._outage = Outage()
        # Our messages on their way, by idempotency key: (window key, dimmed line).
        self._pending: dict[str, tuple[str, ChatLine]] = {}
        # The nick the last "Welcome" line named; a reconnect as the same nick is not news.
        self._welcomed_as = ""
        # MOTD text that came before "Connected.": the session says connected
        # only once the MOTD has ended, so it waits for the welcome line.
        self._held_motd: list[str] = []
        self.styler = LineStyler(settings.timestamp_format)
        self._logins = logins
        # Whether this run connects with a remembered login.
        self._saved_login = False
        # The remembered login the server refused while connecting, until the
        # user said whether to forget it (asked once per run).
        self._refused_login: ServerLogin | None = None
        self._asked_to_forget = False
        # The guest rename's password prompt is open, or was answered "Keep
        # the guest name": not asked again in this run.
        self._guest_prompt_open = False
        self._kept_guest = False
        # Guest names the server gave us (casefolded): not ours to register.
        self._guest_nicks: set[str] = set()
        # A /register or /login on its way: (account or None for our nick, password),
        # offered to be remembered once it worked.
        self._trying: tuple[str | None, str] | None = None
        # The /register suggestion, once per run, repeated in the first room joined.
        self._register_hint: str | None = None
        self._hinted = False

    # ------------------------------------------------------------ layout

    def compose(self) -> ComposeResult:
        with Horizontal(id="body"):
            yield RoomList(id="rooms")
            with Vertical(id="main"):
                yield TopicLine(id="topic")
                yield ContentSwitcher(id="logs")
                yield Static("", id="unseen")
                yield ChatInput(
                    CompletionSource(
                        self._completion_nicks, self._room_names, commands.command_names
                    ),
                    self._histories.for_window(None),
                    id="input",
                )
            yield UserList(id="users")
        yield StatusLine(id="status")

    async def on_mount(self) -> None:
        if self.settings.theme in self.available_themes:
            self.theme = self.settings.theme
        self._refresh_palette()
        self.theme_changed_signal.subscribe(self, lambda _theme: self._refresh_palette())
        status = self.query_one(StatusLine)
        status.server = self.server_label
        status.nick = self.nick
        await self._add_log(self.windows.server)
        self.switch_to(SERVER_WINDOW)
        self._show_banner(self.windows.server)
        if self._logins is not None:
            self._saved_login = bool(self._read_logins(self._logins.for_connecting))
        if self.nick:
            self.start_session(self.nick)
        elif self._session_factory is not None:
            status.detail = "waiting for your name"
            self.push_screen(NamePromptScreen(self.server_label), self.start_session)
        self.query_one(ChatInput).focus()
        if self._tune_gc:
            # After the first frame: what start-up built is there to freeze.
            self.call_after_refresh(settle_after_start)

    def _refresh_palette(self) -> None:
        theme = self.current_theme
        default = Palette()
        self.styler.palette = Palette(
            mention=theme.warning or default.mention,
            error=theme.error or default.error,
            accent=theme.accent or default.accent,
        )

    # ------------------------------------------------------------ session

    def start_session(self, nick: str | None) -> None:
        """Build the session for `nick` and run it as the socket reader worker."""
        if not nick or self._session_factory is None:
            return
        self.nick = nick
        self.query_one(StatusLine).nick = nick
        self._session = self._session_factory(nick, self._post_event)
        self._run_session(self._session)

    def _post_event(self, event: Event) -> None:
        self._events.append(event)
        if not self._drain_posted:
            self._drain_posted = True
            self.post_message(EventsWaiting())

    @work(exclusive=True, group="session", name="socket reader", exit_on_error=False)
    async def _run_session(self, session: ChatSession) -> None:
        try:
            await session.run()
        except Exception as exc:  # an unexpected failure is shown, never a traceback
            await self.apply_event(
                ConnectionStateChanged(ConnState.DISCONNECTED, f"{exc}", fatal=True)
            )

    @property
    def session(self) -> SessionActions:
        if self._session is None:
            raise ConnectionError("not connected yet")
        return self._session

    async def on_events_waiting(self, _message: EventsWaiting) -> None:
        deadline = time.perf_counter() + EVENT_BATCH_SECONDS
        while self._events:
            await self.apply_event(self._events.popleft())
            if time.perf_counter() >= deadline:
                break
        # Textual runs queued messages back to back: yield so keys and the
        # screen refresh run, then queue the rest behind what came meanwhile.
        await asyncio.sleep(0)
        if self._events:
            self.post_message(EventsWaiting())
        else:
            self._drain_posted = False

    # ------------------------------------------------------------ events

    async def apply_event(self, event: Event) -> None:
        """Show one session event; the snapshot tests feed events through here."""
        handler = getattr(self, f"_on_{type(event).__name__}", None)
        if handler is not None:
            result = handler(event)
            if inspect.isawaitable(result):
                await result

    def _on_ConnectionStateChanged(self, event: ConnectionStateChanged) -> None:
        self._conn_state = event.state
        status = self.query_one(StatusLine)
        status.state = event.state
        status.detail = event.detail
        status.count_down(event.retry_in)
        if event.state in (ConnState.RECONNECTING, ConnState.DISCONNECTED):
            # Never registered: what the server said still belongs before the error.
            self._write_held_motd()
        if event.state is ConnState.RECONNECTING:
            # Each failed attempt only moves the status line's countdown.
            open_rooms = (w.key for w in self.windows if w.kind is WindowKind.ROOM and w.active)
            # A dead link is noticed a ping timeout late: the gap began when
            # the server was last heard.
            now = self._clock()
            since = now
            if event.offline_since is not None:
                since = event.offline_since.astimezone(now.tzinfo)
                # The clock is naive local time unless a test gives it a zone.
                since = since if now.tzinfo else since.replace(tzinfo=None)
            if self._outage.lost(since, open_rooms):
                self._everywhere_error(f"Connection lost: {event.detail or 'server gone'}")
        elif event.state is ConnState.DISCONNECTED:
            self._outage.over()
            end = " Ctrl+Q to quit." if event.fatal else ""
            detail = (event.detail or "server gone").rstrip(".")
            self._everywhere_error(f"Disconnected: {detail}.{end}")
        elif event.state is ConnState.CONNECTED:
            gap = self._outage.back(self._clock())
            text = "Connected." if gap is None else f"Reconnected after {gap.length}."
            self._write(self.windows.server, self.styler.info(self._clock(), text))

    def _on_Registered(self, event: Registered) -> None:
        self.nick = event.nick
        self._conn_state = ConnState.CONNECTED
        status = self.query_one(StatusLine)
        status.nick = event.nick
        status.state = ConnState.CONNECTED
        status.account = event.account or ""
        if casefold(event.nick) != casefold(self._welcomed_as):
            self._welcomed_as = event.nick
            self._write(
                self.windows.server,
                self.styler.info(
                    self._clock(), f"Welcome to {event.network or event.server}, {event.nick}."
                ),
            )
        self._write_held_motd()
        self._ask_to_forget_refused_login()
        if (
            event.can_register
            and event.account is None
            and not self._hinted
            and not self._saved_login
        ):
            self._hinted = True
            if self._logins is None or self._read_logins(self._logins.hint_wanted):
                self._register_hint = (
                    f"Your name isn't registered here: /register to keep {event.nick} yours"
                    " (/register never: don't suggest it again on this server)."
                )
                self._write(
                    self.windows.server, self.styler.info(self._clock(), self._register_hint)
                )

    def _write_held_motd(self) -> None:
        held, self._held_motd = self._held_motd, []
        for text in held:
            self._write(self.windows.server, self.styler.info(self._clock(), text))

    def _on_LagMeasured(self, event: LagMeasured) -> None:
        status = self.query_one(StatusLine)
        status.lag_ms = event.ms
        status.lag_unanswered = event.unanswered

    async def _on_SelfJoined(self, event: SelfJoined) -> None:
        window, created = await self._ensure_window(event.room)
        # A rejoin after a reconnect must not pull the reader away from where they are.
        wanted = created or not window.active
        window.active = True
        gap = self._outage.rejoined(window.key)
        if gap is not None:
            self._write(window, self.styler.gap(self._clock(), gap.mark))
        if not self._banner_shown_in_room:
            # People land in a room, not the server window: repeat the banner there once.
            self._banner_shown_in_room = True
            self._show_banner(window)
        if self._register_hint is not None:
            self._write(window, self.styler.info(self._clock(), self._register_hint))
            self._register_hint = None
        if wanted:
            self.switch_to(window.key)
        else:
            self._refresh_rooms()

    def _show_banner(self, window: Window) -> None:
        for line in self._banner:
            self._write(window, self.styler.info(self._clock(), line))

    def _on_SelfParted(self, event: SelfParted) -> None:
        self._close_window(event.room)

    def _on_SelfKicked(self, event: SelfKicked) -> None:
        window = self.windows.get(event.room)
        if window is None:
            return
        window.active = False
        # Out of the room we hear nothing more of its members: an old list would mislead.
        window.set_members(())
        if window.key == self.current_key:
            self.query_one(UserList).show(())
        reason = f" ({event.reason})" if event.reason else ""
        self._write(window, self.styler.error(self._clock(), f"{event.by} kicked you out{reason}."))
        self._refresh_rooms()

    def _on_MembersChanged(self, event: MembersChanged) -> None:
        window = self.windows.get(event.room)
        if window is None:
            return
        window.set_members(event.members)
        if window.key == self.current_key:
            self.query_one(UserList).show(window.members.values())

    def _on_UserJoined(self, event: UserJoined) -> None:
        where = f" ({event.userhost})" if event.userhost else ""
        self._room_event(
            event.room, event.nick, event.time, f"{event.nick}{where} joined", mark=JOIN_MARK
        )

    def _on_UserParted(self, event: UserParted) -> None:
        reason = f" ({event.reason})" if event.reason else ""
        text = f"{event.nick} left{reason}"
        self._room_event(event.room, event.nick, event.time, text, mark=LEAVE_MARK)

    def _on_UserKicked(self, event: UserKicked) -> None:
        reason = f" ({event.reason})" if event.reason else ""
        text = f"{event.by} kicked {event.nick}{reason}"
        self._room_event(event.room, event.nick, event.time, text, always=True, mark=LEAVE_MARK)

    def _on_UserQuit(self, event: UserQuit) -> None:
        reason = f" ({event.reason})" if event.reason else ""
        for room in (*event.rooms, event.nick):
            text = f"{event.nick} quit{reason}"
            self._room_event(room, event.nick, event.time, text, mark=LEAVE_MARK)

    def _on_NickChanged(self, event: NickChanged) -> None:
        if event.is_self:
            self.nick = event.new
            self.query_one(StatusLine).nick = event.new
        old_key = casefold(event.old)
        query = self.windows.rename(event.old, event.new)
        if query is not None and query.key != old_key:
            log = self._logs[query.key] = self._logs.pop(old_key)
            log.window_key = query.key
            if self.current_key == old_key:
                self.current_key = query.key
                self.query_one(TopicLine).window_name = query.name
        for room in event.rooms:
            window = self.windows.get(room)
            if window is not None:
                window.speakers.renamed(event.old, event.new)
        text = f"{event.old} is now known as {event.new}"
        if event.is_self:
            text = f"You are now known as {event.new}"
        for room in (*event.rooms, event.new):
            self._room_event(room, event.new, event.time, text, always=event.is_self)
        self._refresh_rooms()

    async def _on_MessageReceived(self, event: MessageReceived) -> None:
        window, _ = await self._ensure_window(event.target or SERVER_WINDOW)
        mention = event.mentions_me and not event.is_self
        match event.kind:
            case MessageKind.ACTION:
                line = self.styler.action(event.time, event.sender, event.text, mention=mention)
            case MessageKind.NOTICE:
                line = self.styler.notice(event.time, event.sender, event.text)
            case _:
                line = self.styler.message(
                    event.time, event.sender, event.text, mention=mention, own=event.is_self
                )
        if event.is_history:
            line = line.faded()
        window.older.saw(event.msgid, event.time)
        if event.is_self and self._confirmed(event, line):
            return
        if event.is_history and window.older.loading(time.monotonic()):
            # An older page: held until complete, then put above the log at once.
            window.older.page.append(line)
            return
        window.speakers.spoke(event.sender)
        # Replayed history was said before we came: it is no news, no ping.
        fresh = not event.is_self and not event.is_history
        if fresh:
            self._last_spoke[casefold(event.sender)] = time.monotonic()
        self._write(window, line, counts=fresh, mention=fresh and (mention or event.is_private))
        if fresh and mention and self.settings.bell_on_mention:
            self.bell()

    async def _on_MessagePending(self, event: MessagePending) -> None:
        window, _ = await self._ensure_window(event.target)
        if event.kind is MessageKind.ACTION:
            line = self.styler.action(self._clock(), self.nick, event.text)
        else:
            line = self.styler.message(self._clock(), self.nick, event.text, own=True)
        line = line.faded()
        self._pending[event.key] = (window.key, line)
        self._write(window, line)

    def _confirmed(self, event: MessageReceived, line: ChatLine) -> bool:
        """Put the server's copy of a pending message in its dimmed line's place."""
        pending = self._pending.pop(event.tags.get(IDEM_TAG, ""), None)
        if pending is None:
            return False
        log = self._logs.get(pending[0])
        return log is not None and log.replace(pending[1], line)

    def _on_HistoryBatchEnded(self, event: HistoryBatchEnded) -> None:
        window = self.windows.get(event.target)
        if window is None or not window.older.loading(time.monotonic()):
            return
        lines = window.older.finish(event.count, HISTORY_PAGE)
        if window.older.exhausted:
            lines.insert(0, self.styler.event(self._clock(), "Start of the history kept here"))
        self._logs[window.key].prepend(lines)

    def _on_TopicChanged(self, event: TopicChanged) -> None:
        window = self.windows.get(event.room)
        if window is None:
            return
        window.topic = event.topic
        if event.changed_now:
            by = event.set_by or "Someone"
            self._write(window, self.styler.event(event.time, f"{by} set the topic: {event.topic}"))
        if window.key == self.current_key:
            self.query_one(TopicLine).topic = event.topic

    def _on_ModeChanged(self, event: ModeChanged) -> None:
        window = self.windows.get(event.target) or self.windows.server
        change = " ".join((event.modes, *event.args))
        text = f"{event.by} sets mode {change}"
        if casefold(event.target) == casefold(self.nick):
            text = f"Your user modes: {change}"
        self._write(window, self.styler.event(event.time, text))

    def _on_AwayChanged(self, event: AwayChanged) -> None:
        key = casefold(event.nick)
        status = self.query_one(StatusLine)
        away = event.message is not None
        if key == casefold(self.nick) and away != status.away:
            status.away = away
            why = f": {event.message}" if event.message else "."
            self.show_info(f"You are marked as away{why}" if away else "You are back.")
        for window in self.windows:
            member = window.members.get(key)
            if member is not None:
                window.members[key] = replace(member, away=event.message is not None)
        current = self.windows.get(self.current_key)
        if current is not None and key in current.members:
            self.query_one(UserList).show(current.members.values())

    def _on_Invited(self, event: Invited) -> None:
        self.show_info(f"{event.by} invites you to {event.room}: /join {event.room}")

    # ------------------------------------------------------------ accounts

    def _on_AccountChanged(self, event: AccountChanged) -> None:
        # Member lists follow by MembersChanged; only our own account is news here.
        if not event.is_self:
            return
        self.query_one(StatusLine).account = event.account or ""
        if event.account is not None:
            self._refused_login = None
        trying, self._trying = self._trying, None
        if event.account is not None and trying is not None:
            self._offer_to_remember(event.account, trying[1])

    def _on_AccountRegistered(self, event: AccountRegistered) -> None:
        if event.needs_verification:
            self.show_info(f"Account {event.account} needs verifying: {event.message}")
        else:
            self.show_info(f"Account {event.account} registered: the name is yours now.")

    def _on_LoginFailed(self, event: LoginFailed) -> None:
        self._trying = None
        if not event.while_connecting:
            self.show_error(f"{event.reason}. /login to try again.")
            return
        saved = self._saved_login and self._logins is not None
        reason = event.reason
        if saved:
            reason = reason.replace(
                "Could not log in", "Could not log in with your saved password", 1
            )
        self.show_error(f"{reason}. Going on without logging in; /login to try again.")
        if saved and event.code == "904" and not self._asked_to_forget:
            assert self._logins is not None
            self._refused_login = self._read_logins(self._logins.for_connecting)

    def _on_GuestRenamed(self, event: GuestRenamed) -> None:
        # The guest name is not ours to register: no hint to keep it.
        self._hinted, self._register_hint = True, None
        self._guest_nicks.add(casefold(event.guest))
        if self._kept_guest or self._guest_prompt_open:
            # Asked already: a reconnect's new guest number is no reason to
            # steal the focus again.
            self.show_info(
                f"The server calls you {event.guest} ({event.wanted} belongs to an account): "
                f"/login {event.wanted} to take it back."
            )
            return
        self._guest_prompt_open = True

        def answered(answer: PasswordAnswer | None) -> None:
            self._guest_prompt_open = False
            self._kept_guest = answer is None
            self._log_in_with(answer)

        prompt = PasswordPrompt(
            f"{event.wanted} is registered",
            f"The name {event.wanted} belongs to an account, so the server calls you "
            f"{event.guest} for now. Type its password to log in and take the name back.",
            account=event.wanted,
            unencrypted=not self._password_is_private(),
            cancel_label=f"Keep {event.guest}",
        )
        self.push_screen(prompt, answered)

    def _password_is_private(self) -> bool:
        return self._session is None or self._session.password_is_private

    def _ask_to_forget_refused_login(self) -> None:
        """Ask whether to forget a remembered password the server refused.

        Never forgotten unasked: a refusal (904) cannot tell a wrong password
        from a lock-out after someone else's failed guesses. Asked only with
        no prompt on screen: a guest rename's password prompt answers it
        better (a login that works offers to replace the remembered one).
        """
        refused, logins = self._refused_login, self._logins
        if refused is None or logins is None or len(self.screen_stack) > 1:
            return
        self._refused_login, self._asked_to_forget = None, True

        def answered(forget: bool | None) -> None:
            # Only the password refused: one remembered since then stays.
            if forget and self._read_logins(logins.for_connecting) == refused:
                self._forget_saved_login()

        question = (
            f"The server refused the remembered password of {refused.account} for "
            f"{self.server_label}. It may have changed, or the account may be locked for a "
            "while after failed logins. Forget it on this computer?"
        )
        self.push_screen(ConfirmScreen(question, yes="Forget it", no="Keep it"), answered)

    def _offer_to_remember(self, account: str, password: str) -> None:
        logins = self._logins
        if logins is None or self._session is None:
            return
        fingerprint = self._session.pinned_fingerprint
        # It worked, so an open link was agreed to, if it is one.
        plaintext_ok = not self._session.link_is_private
        known = self._read_logins(logins.for_connecting)
        same = known is not None and (known.account, known.password) == (account, password)
        if same and known is not None and known.fingerprint == fingerprint:
            return

        def answered(yes: bool | None) -> None:
            remember = partial(logins.remember, account, password, fingerprint, plaintext_ok)
            if yes and self._read_logins(lambda: remember() or True):
                self._saved_login = True
                self.show_info(f"Remembered in {logins.store.path} (readable only by you).")

        question = (
            f"Remember the password of {account} for {self.server_label} on this computer? "
            "You will be logged in automatically next time."
        )
        if same:
            # Remembered for the server's old certificate, so not sent to this one.
            question = (
                f"The remembered password of {account} was saved for another certificate of "
                f"{self.server_label}, so it was not sent. Remember it for this one?"
            )
        self.push_screen(ConfirmScreen(question, yes="Remember", no="Not now"), answered)

    def _forget_saved_login(self) -> None:
        logins = self._logins
        if logins is not None and self._read_logins(logins.forget):
            self._saved_login = False
            self.show_info("The remembered password is forgotten: /login to log in.")

    def _read_logins(self, action: Callable[[], _T]) -> _T | None:
        """Run a credentials file action; a broken or unwritable file is an error line."""
        try:
            return action()
        except SettingsError as exc:
            self.show_error(f"Remembered logins: {exc}")
            return None

    def _log_in_with(self, answer: PasswordAnswer | None) -> None:
        if answer is None or self._session is None:
            return
        self._trying = (answer.account, answer.password)
        session = self._session
        self.run_worker(
            session.login(answer.account, answer.password, answer.allow_plaintext),
            group="login",
        )

    def _register_with(self, answer: PasswordAnswer | None) -> None:
        if answer is None or self._session is None:
            return
        self._trying = (None, answer.password)
        session = self._session
        self.run_worker(
            session.register_account(answer.password, allow_plaintext=answer.allow_plaintext),
            group="login",
        )

    def _on_ServerInfo(self, event: ServerInfo) -> None:
        if event.code in MOTD_CODES and self._conn_state is not ConnState.CONNECTED:
            self._held_motd.append(event.text)
            return
        # Until registered, nobody asked for anything: it is the server's own text.
        if event.code in SERVER_TEXT_CODES or self._conn_state is not ConnState.CONNECTED:
            self._write(self.windows.server, self.styler.info(self._clock(), event.text))
        else:
            self.show_info(event.text)

    def _on_ErrorReply(self, event: ErrorReply) -> None:
        if event.key is not None:
            # Refused: the dimmed line will never be confirmed; the error says why.
            self._pending.pop(event.key, None)
        window = self.windows.get(event.target) if event.target else None
        if window is not None and window.older.loading(time.monotonic()):
            # Most likely the answer to the page request: do not ask again.
            window.older.give_up()
        self._write(window or self._current_window, self.styler.error(self._clock(), event.text))

    # ------------------------------------------------------------ windows

    @property
    def _current_window(self) -> Window:
        return self.windows.get(self.current_key) or self.windows.server

    async def _ensure_window(self, name: str) -> tuple[Window, bool]:
        window, created = self.windows.ensure(name)
        if created:
            await self._add_log(window)
            self._refresh_rooms()
        return window, created

    async def _add_log(self, window: Window) -> None:
        self._log_ids += 1
        log = ChatLog(window.key, max_lines=self.settings.scrollback_lines)
        log.id = f"log-{self._log_ids}"
        # ContentSwitcher hides only the children it had when mounted: a log
        # added later would show under the current one until switched to.
        log.display = False
        self._logs[window.key] = log
        await self.query_one(ContentSwitcher).mount(log)

    def _close_window(self, name: str) -> None:
        window = self.windows.remove(name)
        if window is None:
            return
        log = self._logs.pop(window.key, None)
        if log is not None:
            log.remove()
        self._histories.forget(window.name)
        if self.current_key == window.key:
            self.switch_to(SERVER_WINDOW)
        self._refresh_rooms()

    def switch_to(self, name: str) -> None:
        """Show the window called `name` (a room, a nick, or "" for the server window)."""
        window = self.windows.get(name)
        if window is None:
            return
        self.current_key = window.key
        window.unread = 0
        window.mentioned = False
        log = self._logs[window.key]
        self.query_one(ContentSwitcher).current = log.id
        topic = self.query_one(TopicLine)
        topic.window_name = window.name
        topic.topic = window.topic
        users = self.query_one(UserList)
        users.show(window.members.values())
        users.display = window.kind is WindowKind.ROOM
        self.query_one(ChatInput).history = self._histories.for_window(window.target)
        self._show_unseen(log.unseen)
        self._refresh_rooms()

    def _refresh_rooms(self) -> None:
        # Coalesced: a burst of messages in other windows redraws the list once.
        if not self._rooms_redraw_pending:
            self._rooms_redraw_pending = True
            self.call_after_refresh(self._redraw_rooms)

    def _redraw_rooms(self) -> None:
        self._rooms_redraw_pending = False
        self.query_one(RoomList).show(self.windows.ordered(), self.current_key)

    def _step_window(self, step: int, *, unread_only: bool = False) -> None:
        ordered = self.windows.ordered()
        keys = [window.key for window in ordered]
        start = keys.index(self.current_key) if self.current_key in keys else 0
        for offset in range(1, len(keys) + 1):
            window = ordered[(start + step * offset) % len(keys)]
            if not unread_only or window.unread or window.mentioned:
                self.switch_to(window.key)
                return

    def _write(
        self, window: Window, line: ChatLine, *, counts: bool = False, mention: bool = False
    ) -> None:
        self._logs[window.key].add(line)
        if window.key == self.current_key or not (counts or mention):
            return
        window.unread += 1 if counts else 0
        window.mentioned = window.mentioned or mention
        self._refresh_rooms()

    def _room_event(
        self,
        room: str,
        nick: str,
        when: datetime | None,
        text: str,
        *,
        always: bool = False,
        mark: str = EVENT_MARK,
    ) -> None:
        window = self.windows.get(room)
        if window is None or not (always or self._shows_event_of(nick)):
            return
        self._write(window, self.styler.event(when, text, mark))

    def _shows_event_of(self, nick: str) -> bool:
        match self.settings.hide_events:
            case "all":
                return False
            case "quiet":
                spoke = self._last_spoke.get(casefold(nick))
                recent = self.settings.quiet_minutes * 60
                return spoke is not None and time.monotonic() - spoke < recent
        return True

    def _everywhere_error(self, text: str) -> None:
        line = self.styler.error(self._clock(), text)
        for window in self.windows:
            if window.kind is not WindowKind.QUERY:
                self._write(window, line)

    def _show_unseen(self, count: int) -> None:
        marker = self.query_one("#unseen", Static)
        marker.update(f"↓ {count} new below (End)" if count else "")
        marker.display = count > 0

    def _room_names(self) -> list[str]:
        return [w.name for w in self.windows.ordered() if w.kind is WindowKind.ROOM]

    def _completion_nicks(self) -> list[str]:
        window = self._current_window
        if window.kind is WindowKind.QUERY:
            return [window.name]
        return window.speakers.ordered(member.nick for member in window.members.values())

    # ------------------------------------------------------------ CommandContext

    @property
    def current_target(self) -> str | None:
        return self._current_window.target

    def show_info(self, text: str) -> None:
        self._write(self._current_window, self.styler.info(self._clock(), text))

    def show_error(self, text: str) -> None:
        self._write(self._current_window, self.styler.error(self._clock(), text))

    def open_query(self, nick: str) -> None:
        self.run_worker(self._open_query(nick), group="windows")

    async def _open_query(self, nick: str) -> None:
        window, created = await self._ensure_window(nick)
        self.switch_to(window.key)
        if created and self._session is not None:
            await self._session.load_conversation(nick)

    def close_query(self, nick: str) -> None:
        self._close_window(nick)

    def clear(self) -> None:
        self._logs[self.current_key].clear()
        self._show_unseen(0)

    def show_help(self) -> None:
        self.push_screen(HelpScreen())

    def request_quit(self, message: str) -> None:
        self._quit(message)

    def register_account(self, password: str | None) -> None:
        if casefold(self.nick) in self._guest_nicks:
            self.show_error(
                f"{self.nick} is a guest name the server gave you: /nick <name> first, "
                "then /register keeps that name yours."
            )
            return
        if self._session is None:
            self.show_error("Not connected yet.")
            return
        if password is not None and self._password_is_private():
            self._register_with(PasswordAnswer("", password))
            return
        about = (
            f"The account will be called {self.nick}. Choose a password, and type it twice."
            if password is None
            else "Type the password twice to confirm it."
        )
        prompt = PasswordPrompt(
            f"Register {self.nick}",
            about,
            account=self.nick,
            confirm=True,
            unencrypted=not self._password_is_private(),
            ok_label="Register",
        )
        self.push_screen(prompt, self._register_with)

    def log_in(self, account: str | None, password: str | None = None) -> None:
        if self._session is None:
            self.show_error("Not connected yet.")
            return
        if password is not None:
            account = account or self.nick
            if self._password_is_private():
                self._log_in_with(PasswordAnswer(account, password))
                return
        prompt = PasswordPrompt(
            "Log in" if account is None else f"Log in to {account}",
            "Type the password of your account.",
            account=account,
            unencrypted=not self._password_is_private(),
        )
        self.push_screen(prompt, self._log_in_with)

    def stop_register_hint(self) -> None:
        if self._logins is None:
            self.show_info("Nothing is remembered in this run: the hint comes once per run.")
            return
        logins = self._logins
        if self._read_logins(lambda: logins.dismiss_hint() or True):
            self.show_info("OK: /register will not be suggested on this server again.")

    # ------------------------------------------------------------ input

    @on(Input.Submitted, "#input")
    async def _submitted(self, event: Input.Submitted) -> None:
        # ChatInput already emptied itself and kept the line in its history.
        # What you send or ask for is what you want to see next, as in irssi.
        self.action_log_end()
        await commands.execute(event.value, self)

    @on(ChatInput.MultiLinePaste)
    def _pasted(self, event: ChatInput.MultiLinePaste) -> None:
        lines = self._paste.lines(event.text)
        target = self.current_target
        if not lines:
            return
        self.action_log_end()
        if target is None:
            self.show_error("Pasted text needs a room or a private conversation to go to.")
            return
        if self._paste.too_long(lines):
            self.show_error(self._paste.refusal(lines))
            return
        if not self._paste.needs_confirmation(lines):
            self._send_paced(target, lines)
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self._send_paced(target, lines)

        self.push_screen(ConfirmScreen(self._paste.question(lines, target)), answered)

    @work(group="paste")
    async def _send_paced(self, target: str, lines: list[str]) -> None:
        try:
            async for line in self._paste.paced(lines):
                await self.session.send_message(target, line)
        except (ConnectionError, OSError) as exc:
            self.show_error(f"Paste stopped, not connected: {exc}")

    @on(OptionList.OptionSelected, "#rooms")
    def _room_clicked(self, event: OptionList.OptionSelected) -> None:
        key = RoomList.key_of(event.option_id)
        if key is not None:
            self.switch_to(key)
        self.query_one(ChatInput).focus()

    @on(OptionList.OptionSelected, "#users")
    def _user_clicked(self, event: OptionList.OptionSelected) -> None:
        nick = UserList.nick_of(event.option_id)
        if nick is not None and casefold(nick) != casefold(self.nick):
            self.open_query(nick)
        self.query_one(ChatInput).focus()

    def on_chat_log_unseen_changed(self, event: ChatLog.UnseenChanged) -> None:
        if event.log.window_key == self.current_key:
            self._show_unseen(event.unseen)

    def on_chat_log_reached_top(self, event: ChatLog.ReachedTop) -> None:
        if event.log.window_key == self.current_key:
            self._load_older()

    def _load_older(self) -> None:
        """Ask for the page before the oldest message of the current window."""
        window = self._current_window
        target, older, now = window.target, window.older, time.monotonic()
        if target is None or self._session is None or older.exhausted or older.loading(now):
            return
        if not self._logs[window.key].older_page_fits():
            return
        older.ask(now)
        before = older.oldest or datetime.now(UTC)
        self.run_worker(self._fetch_older(window, target, before), group="history")

    async def _fetch_older(self, window: Window, target: str, before: str | datetime) -> None:
        try:
            await self.session.fetch_history(target, before, HISTORY_PAGE)
        except (ConnectionError, OSError) as exc:
            window.older.asked_at = None
            self.show_error(f"Older messages need a connection: {exc}")

    # ------------------------------------------------------------ actions

    def action_next_window(self) -> None:
        self._step_window(1)

    def action_previous_window(self) -> None:
        self._step_window(-1)

    def action_next_unread(self) -> None:
        self._step_window(1, unread_only=True)

    def action_help(self) -> None:
        self.show_help()

    def action_scroll_log(self, pages: int) -> None:
        log = self._logs[self.current_key]
        if pages < 0 and log.scroll_y <= 0:
            self._load_older()
        elif pages < 0:
            log.scroll_page_up(animate=False)
        else:
            log.scroll_page_down(animate=False)

    @on(ChatInput.JumpToEnd)
    def action_log_end(self) -> None:
        self._logs[self.current_key].jump_to_end()

    @on(ChatInput.JumpToStart)
    def action_log_start(self) -> None:
        log = self._logs[self.current_key]
        if log.scroll_y <= 0:
            self._load_older()
        else:
            log.jump_to_start()

    def action_query(self, nick: str) -> None:
        if casefold(nick) != casefold(self.nick) and not is_channel(nick):
            self.open_query(nick)

    def action_open_link(self, url: str) -> None:
        self.open_url(url)

    def action_quit_chat(self) -> None:
        self._quit("")

    @work(group="quit", exclusive=True)
    async def _quit(self, message: str) -> None:
        if self._quitting:
            return
        self._quitting = True
        if self._session is not None:
            # The server being gone or slow must not keep anyone from leaving.
            with contextlib.suppress(TimeoutError, ConnectionError, OSError):
                await asyncio.wait_for(self._session.quit(message), QUIT_TIMEOUT)
        self.exit()

    def log_lines(self, name: str = SERVER_WINDOW) -> list[str]:
        """The plain text of a window's log, for tests and debugging."""
        window = self.windows.get(name)
        return self._logs[window.key].plain_lines() if window is not None else []
